/**
 * The package as a user installs it: `npm run package` (the staged pack), the package README's install line
 * with the tarball into a scratch cdktf app outside the repository, every link of the shipped READMEs resolved
 * (a file in the package, a heading, or the repository), the package README's quick start type-checked
 * against the installed types and
 * synthesized there, then every command the READMEs name, through `npx --no-install` (never the registry),
 * and the single-file proxy started alone, without node_modules, against a backend on loopback.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { echoHandler, RunningBackend, startBackend } from '../support/loopback-backends';
import {
  REPOSITORY_COMMAND,
  markdownLinks,
  renderPackageReadme,
  repositoryWebUrl,
} from '../../scripts/package-readme';
import { freePort } from '../support/ports';
import { startProcess } from '../support/processes';

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../..');
const PACKAGE_JSON = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const REPOSITORY = repositoryWebUrl(PACKAGE_JSON);
/** The README the package ships: README.package.md with the repository's address. */
const README = renderPackageReadme(readFileSync(join(ROOT, 'README.package.md'), 'utf8'), REPOSITORY);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const anchorsOf = (markdown: string) =>
  new Set(
    markdown
      .replace(/```[\s\S]*?```/g, '')
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, ''))),
  );

/** The child processes' environment: this machine's npm cache and registry, none of the repository's npm_* settings. */
function userEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase()),
    ),
  );
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** The first ```<lang> block of a README section. */
function block(markdown: string, heading: string, lang: string): string {
  const section = markdown.slice(markdown.indexOf(heading));
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
  if (!match) throw new Error(`no \`\`\`${lang} block under "${heading}"`);
  return match[1];
}

describe('the packed package, installed into a scratch cdktf app', () => {
  const work = mkdtempSync(join(tmpdir(), 'installed-package-'));
  const app = join(work, 'app');
  let tarball: string;
  let backend: RunningBackend;

  beforeAll(async () => {
    const packed = await ok('npm', ['run', '--silent', 'package', '--', '--pack-destination', work], ROOT);
    const { name, version } = PACKAGE_JSON;
    tarball = join(work, `${name}-${version}.tgz`);
    expect(packed.stdout.trim().split('\n').pop()).toBe(tarball);
    await ok('mkdir', ['-p', app], work);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch-app', version: '0.0.0', private: true }),
    );
    const install = block(README, '## Install', 'sh').trim().split(/\s+/);
    expect(install.slice(0, 3)).toEqual(['npm', 'install', 'backend-link']);
    await ok(
      'npm',
      [
        ...install.slice(1).map((a) => (a === 'backend-link' ? tarball : a)),
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      app,
    );
    backend = await startBackend(echoHandler);
  });
  afterAll(async () => {
    await backend?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled library, the commands and the single-file proxy, without source maps or repository files', async () => {
    const listed = await ok('tar', ['-tzf', tarball], work);
    const files = listed.stdout.trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/lib/index.js',
        'package/dist/lib/cli/backend-link.js',
        'package/dist/gateway-runtime/src/cli.js',
        'package/dist/gateway-runtime/src/index.d.ts',
        'package/dist/gateway-runtime.js',
        'package/README.md',
        'package/gateway-runtime/README.md',
      ]),
    );
    expect(
      files.filter((f) => f.endsWith('.map') || /^package\/(scripts|test|examples|lib)\//.test(f)),
    ).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/backend-link/package.json'), 'utf8'));
    expect(pkg.dependencies).not.toHaveProperty('cdktf');
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['@cdktf/provider-aws', 'cdktf', 'constructs']);
    // One copy of each peer: the app's own.
    expect(existsSync(join(app, 'node_modules/backend-link/node_modules/cdktf'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/backend-link/node_modules/@cdktf'))).toBe(false);
  });

  it('ships README.package.md as its README, with the repository in package.json and no command that needs a clone', () => {
    const installed = join(app, 'node_modules/backend-link');
    const shipped = readFileSync(join(installed, 'README.md'), 'utf8');
    expect(shipped).toBe(README);
    expect(shipped).not.toContain('{{repository}}');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.repository).toEqual(PACKAGE_JSON.repository);
    expect(pkg.homepage).toBe(`${REPOSITORY}#readme`);
    expect(pkg.bugs).toEqual({ url: `${REPOSITORY}/issues` });
    // The repository's package.json says the same (homepage and bugs follow repository.url).
    expect([PACKAGE_JSON.homepage, PACKAGE_JSON.bugs]).toEqual([pkg.homepage, pkg.bugs]);
    expect(pkg).not.toHaveProperty('scripts');
    expect(pkg).not.toHaveProperty('devDependencies');
    for (const readme of ['README.md', 'gateway-runtime/README.md']) {
      const text = readFileSync(join(installed, readme), 'utf8');
      const commands = [...text.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)]
        .flatMap((m) => m[1].split('\n'))
        .filter((line) => REPOSITORY_COMMAND.test(line.trim()));
      expect([readme, commands]).toEqual([readme, []]);
      // No source file (a path) named without a link to it: the package ships no sources.
      const unlinked = [
        ...text.replace(/```[\s\S]*?```/g, '').matchAll(/(?<!\[)`([\w.-]+\/[\w./-]+\.ts)`(?!\]\()/g),
      ].map((m) => m[1]);
      expect([readme, unlinked]).toEqual([readme, []]);
    }
  });

  it('resolves every link of the shipped READMEs: to a file in the package, a heading, or the repository', () => {
    const installed = join(app, 'node_modules/backend-link');
    const rootAnchors = anchorsOf(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const broken: string[] = [];
    let repositoryLinks = 0;
    for (const readme of ['README.md', 'gateway-runtime/README.md']) {
      const text = readFileSync(join(installed, readme), 'utf8');
      const anchors = anchorsOf(text);
      for (const link of markdownLinks(text)) {
        const [target, anchor] = link.split('#') as [string, string | undefined];
        let ok: boolean;
        if (target === '') ok = anchors.has(anchor ?? '');
        else if (link.startsWith(REPOSITORY)) {
          repositoryLinks++;
          const rest = target.slice(REPOSITORY.length);
          const file = /^\/(?:blob|tree)\/main\/(.+)$/.exec(rest)?.[1];
          if (file) ok = existsSync(join(ROOT, file)) && (anchor === undefined || file.endsWith('.md'));
          else if (rest === '' || rest === '/') ok = anchor === undefined || rootAnchors.has(anchor);
          else ok = ['/issues', '/releases'].includes(rest);
        } else if (/^https?:\/\//.test(link))
          ok = true; // another site: not this package's to check
        else ok = existsSync(join(installed, dirname(readme), target));
        if (!ok) broken.push(`${readme}: ${link}`);
      }
    }
    expect(broken).toEqual([]);
    expect(repositoryLinks).toBeGreaterThan(5);
  });

  it("type-checks the README's quick start against the installed types, synthesizes it, plans it offline and writes the handoff", async () => {
    writeFileSync(join(app, 'main.ts'), block(README, '## Quick start', 'ts'));
    // The runtime's entry point for users' own code: no deep import into dist/.
    writeFileSync(
      join(app, 'runtime-check.ts'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { GatewayConfig, validateConfig } from 'backend-link/runtime';",
        "import { validateConfig as fromMain } from 'backend-link';",
        "const doc: unknown = JSON.parse(readFileSync(require.resolve('backend-link/package.json').replace('package.json', 'gateway-runtime/examples/basic.json'), 'utf8'));",
        'const config: GatewayConfig = validateConfig(doc);',
        'console.log(JSON.stringify({ name: config.name, same: fromMain === validateConfig }));',
        '',
      ].join('\n'),
    );
    await ok(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--strict',
        '--target',
        'es2022',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node',
        '--esModuleInterop',
        '--skipLibCheck',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules/@types'),
        'main.ts',
        'runtime-check.ts',
      ],
      app,
    );
    expect(JSON.parse((await ok(process.execPath, ['runtime-check.js'], app)).stdout)).toEqual({
      name: 'acme-orders',
      same: true,
    });

    await ok(process.execPath, ['main.js'], app);
    expect(existsSync(join(app, 'cdktf.out/stacks/gateway/cdk.tf.json'))).toBe(true);

    const plan = await run('npx', ['--no-install', 'backend-link', 'plan'], app);
    expect(plan.stderr).toContain('planned gateway');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^gateway\s+\d+\s+0\s+0\s+[\d.]+\s+planned$/m);
    expect(existsSync(join(app, 'cdktf.out/stacks/gateway/plan.json'))).toBe(true);

    const handoff = await run('npx', ['--no-install', 'backend-link', 'handoff'], app);
    expect(handoff).toMatchObject({
      code: 0,
      stdout: ['acme.md', 'acme.swanctl.conf', 'acme.nft']
        .map((file) => `wrote ${join(app, 'cdktf.out/handoff/gateway', file)}\n`)
        .join(''),
    });
    expect(readFileSync(join(app, 'cdktf.out/handoff/gateway/acme.md'), 'utf8')).toContain(
      'Scheme: **HTTP Digest authentication (RFC 7616)**',
    );
  });

  test.each([
    [['gateway-runtime', '--help'], 'Usage: gateway-runtime serve --config <file>'],
    [['backend-link', '--help'], 'Usage: backend-link <command> [options]'],
    [['backend-link', 'plan', '--help'], 'Usage: backend-link plan '],
    [['backend-link', 'stacks', '--help'], 'Usage: backend-link stacks '],
    [['backend-link', 'handoff', '--help'], 'Usage: backend-link handoff '],
    [['backend-link', 'secret', '--help'], 'Usage: backend-link secret <material> [options]'],
    [['backend-link-secret', '--help'], 'Usage: backend-link secret <material> [options]'],
  ])('npx %j runs the installed command and exits 0', async (argv, usage) => {
    const result = await run('npx', ['--no-install', ...argv], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(usage);
  });

  it('runs the single-file proxy with no node_modules anywhere, and proxies a request to a loopback backend', async () => {
    const host = mkdtempSync(join(tmpdir(), 'dmz-host-'));
    try {
      copyFileSync(
        join(app, 'node_modules/backend-link/dist/gateway-runtime.js'),
        join(host, 'gateway-runtime.js'),
      );
      expect(readdirSync(host)).toEqual(['gateway-runtime.js']);
      // No node_modules the file could fall back on, in its directory or any above it.
      for (let dir = host; dir !== dirname(dir); dir = dirname(dir)) {
        expect(existsSync(join(dir, 'node_modules'))).toBe(false);
      }
      const port = await freePort();
      writeFileSync(join(host, 'token'), 'dmz-token-value\n');
      writeFileSync(
        join(host, 'gateway.json'),
        JSON.stringify({
          version: 1,
          name: 'dmz',
          backend: { url: `${backend.baseUrl}/api` },
          security: { type: 'token', header: 'X-Api-Key', prefix: '', token: { file: join(host, 'token') } },
          server: { host: '127.0.0.1', port, shutdownGraceMs: 1000 },
        }),
      );
      const env = { ...userEnv(), NODE_PATH: '' };
      const proxy = startProcess(
        process.execPath,
        ['gateway-runtime.js', 'serve', '--config', 'gateway.json'],
        {
          cwd: host,
          env,
        },
      );
      try {
        const deadline = Date.now() + 20_000;
        while (!proxy.output().includes('"msg":"listening"')) {
          if (proxy.exited() !== undefined || Date.now() > deadline)
            throw new Error(`proxy did not start:\n${proxy.output()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const answer = await fetch(`http://127.0.0.1:${port}/orders?id=7`);
        expect(answer.status).toBe(200);
        const echoed = (await answer.json()) as { url: string; headers: Record<string, string> };
        expect(echoed.url).toBe('/api/orders?id=7');
        expect(echoed.headers['x-api-key']).toBe('dmz-token-value');
      } finally {
        await proxy.stop('SIGTERM');
      }
      expect(proxy.exited()).toContain('(code 0, signal null)');
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });
});
