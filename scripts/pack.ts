/**
 * npm run package [-- --pack-destination DIR]: the package as it is published. Builds dist/ (npm run build),
 * stages package.json (without scripts and devDependencies) and the files of its `files` list in a scratch
 * folder, with the READMEs rendered for someone who installed the package (scripts/package-readme.ts:
 * README.package.md as README.md, the runtime README without repository-only sections), and packs that
 * folder with `npm pack`. Publish the tarball it prints (`npm publish backend-link-<version>.tgz`).
 * A plain `npm pack` or `npm publish` in the repository refuses (prepack): it would ship the repository's README.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderPackageReadme, renderRuntimeReadme, repositoryWebUrl } from './package-readme';

const root = resolve(__dirname, '..');

function main(argv: string[]): void {
  const at = argv.indexOf('--pack-destination');
  const destination = resolve(at >= 0 ? argv[at + 1] : root);
  if (!argv.includes('--no-build')) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> & {
    files: string[];
    repository: { url: string };
  };
  const repository = repositoryWebUrl(pkg);
  const stage = mkdtempSync(join(tmpdir(), 'backend-link-pack-'));
  try {
    const { scripts: _scripts, devDependencies: _dev, ...published } = pkg;
    writeFileSync(
      join(stage, 'package.json'),
      `${JSON.stringify({ ...published, homepage: `${repository}#readme`, bugs: { url: `${repository}/issues` } }, null, 2)}\n`,
    );
    for (const entry of pkg.files) {
      const from = join(root, entry);
      if (!existsSync(from))
        throw new Error(`"${entry}" of package.json files does not exist (npm run build first?)`);
      cpSync(from, join(stage, entry), { recursive: statSync(from).isDirectory() });
    }
    const shipped = (path: string) => existsSync(join(stage, path));
    writeFileSync(
      join(stage, 'README.md'),
      renderPackageReadme(readFileSync(join(root, 'README.package.md'), 'utf8'), repository),
    );
    writeFileSync(
      join(stage, 'gateway-runtime/README.md'),
      renderRuntimeReadme(
        readFileSync(join(root, 'gateway-runtime/README.md'), 'utf8'),
        repository,
        root,
        shipped,
      ),
    );
    if (existsSync(join(root, 'LICENSE'))) cpSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
    const out = execFileSync('npm', ['pack', '--pack-destination', destination, '--json'], {
      cwd: stage,
      encoding: 'utf8',
    });
    const [{ filename }] = JSON.parse(out) as Array<{ filename: string }>;
    console.log(join(destination, filename));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
