/**
 * The Lambda bundles as the package ships them: built once by `npm run build`, one per scheme family
 * (lib/runtime/runtime-families.ts: dist/runtime/lambda/ for standard, dist/runtime/lambda-<family>/ for the
 * others), packed into the tarball, and deployed as they are by every install. Two clean installs of the packed
 * tarball into scratch apps with different lockfiles (undici 7.24 against the newest 7.x, constructs 10.4.2
 * against the newest 10.x, @cdktf/provider-aws 20.1.0 against 21.22.1) synthesize the README's quick start to
 * the same Lambda asset: the same path, hash and bytes, the shipped archive's; and the installed library picks
 * every family's shipped archive, the same in both. The second app has no undici at all
 * when it synthesizes (nor esbuild, which the package no longer depends on), and runs on a second Node when
 * BACKEND_LINK_SECOND_NODE names one (CI's Node 24; without it, both run on this Node).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';
import { renderPackageReadme, repositoryWebUrl } from '../../scripts/package-readme';
import { buildLambdaBundle } from '../../scripts/build-runtime';
import { RUNTIME_ARCHIVE_NAME, RuntimeBundleManifest } from '../../lib/runtime/runtime-bundle';
import { RUNTIME_FAMILIES } from '../../lib/runtime/runtime-families';
import { unzipEntries } from '../support/zip';

jest.setTimeout(900_000);

const ROOT = resolve(__dirname, '../..');
const PACKAGE_JSON = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const README = renderPackageReadme(
  readFileSync(join(ROOT, 'README.package.md'), 'utf8'),
  repositoryWebUrl(PACKAGE_JSON),
);
/** Issue 13's target for the Lambda bundle: 200 KB minified, `@aws-sdk/*` external. */
const LAMBDA_BUNDLE_LIMIT = 200_000;
const SECOND_NODE = process.env.BACKEND_LINK_SECOND_NODE || process.execPath;

const versionOf = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The child processes' environment: this machine's npm cache and registry, none of the repository's npm_* settings. */
function userEnv(node: string): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase()),
    ),
  );
  return { ...env, PATH: `${resolve(node, '..')}:${env.PATH ?? ''}`, NODE_PATH: '' };
}

function ok(command: string, args: readonly string[], cwd: string, node = process.execPath): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      command,
      args,
      { cwd, env: userEnv(node), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          fail(
            new Error(
              `${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`,
            ),
          );
        else done(stdout);
      },
    );
  });
}

/** The README's quick start (TypeScript) as the CommonJS a user's `tsc` would write. */
function quickStartJs(): string {
  const section = README.slice(README.indexOf('## Quick start'));
  const source = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!source) throw new Error('no ```ts block under "## Quick start"');
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

interface Lockfile {
  readonly undici: string;
  readonly constructs: string;
  readonly providerAws: string;
}

interface Synthesized {
  readonly node: string;
  readonly undici: string | undefined;
  readonly functions: Array<{ filename: string; source_code_hash: string }>;
  readonly asset: Buffer;
  /** What the installed library deploys for each family: the archive's path and SHA-256 (the check of runtime-bundle.ts). */
  readonly families: Record<string, { directory: string; archive: string }>;
}

/** A family's files in the unpacked tarball. */
interface ShippedFamily {
  readonly manifest: RuntimeBundleManifest;
  readonly code: Buffer;
  readonly archive: Buffer;
}

describe('the shipped Lambda bundle', () => {
  const work = mkdtempSync(join(tmpdir(), 'shipped-bundle-'));
  let tarball: string;
  let manifest: RuntimeBundleManifest;
  let shipped: { code: Buffer; archive: Buffer };
  /** Every family's shipped files, by family name (standard's are `manifest` and `shipped`). */
  const shippedFamilies = new Map<string, ShippedFamily>();

  beforeAll(async () => {
    const out = await ok('npm', ['run', '--silent', 'package', '--', '--pack-destination', work], ROOT);
    tarball = out.trim().split('\n').pop()!;
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await ok('tar', ['-xzf', tarball, '-C', unpacked], work);
    for (const family of RUNTIME_FAMILIES) {
      const directory = join(unpacked, 'package/dist/runtime', family.directory);
      shippedFamilies.set(family.name, {
        manifest: JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')),
        code: readFileSync(join(directory, 'index.js')),
        archive: readFileSync(join(directory, RUNTIME_ARCHIVE_NAME)),
      });
    }
    const standard = shippedFamilies.get('standard')!;
    manifest = standard.manifest;
    shipped = { code: standard.code, archive: standard.archive };
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is in the tarball: for every family, index.js, its archive and a manifest that describes both, within the size target', async () => {
    const files = (await ok('tar', ['-tzf', tarball], work)).trim().split('\n');
    expect(files.filter((f) => f.startsWith('package/dist/runtime/')).sort()).toEqual(
      RUNTIME_FAMILIES.flatMap((family) =>
        [RUNTIME_ARCHIVE_NAME, 'index.js', 'manifest.json'].map(
          (file) => `package/dist/runtime/${family.directory}/${file}`,
        ),
      ).sort(),
    );
    for (const family of RUNTIME_FAMILIES) {
      const { manifest: m, code, archive } = shippedFamilies.get(family.name)!;
      expect(m).toEqual({
        handler: 'index.handler',
        file: 'index.js',
        bytes: code.byteLength,
        sha256: sha256(code),
        archive: {
          file: RUNTIME_ARCHIVE_NAME,
          bytes: archive.byteLength,
          sha256: sha256(archive),
        },
        builtWith: {
          esbuild: versionOf(join(ROOT, 'node_modules/esbuild')),
          undici: versionOf(join(ROOT, 'node_modules/undici')),
        },
        family: family.name,
        schemes: [...family.schemes],
      });
      const entries = unzipEntries(archive);
      expect([...entries.keys()]).toEqual(['index.js']);
      expect(entries.get('index.js')!.equals(code)).toBe(true);
      expect([family.name, code.byteLength <= LAMBDA_BUNDLE_LIMIT]).toEqual([family.name, true]);
    }
    // Each family ships other bytes.
    expect(new Set([...shippedFamilies.values()].map((f) => f.manifest.archive.sha256)).size).toBe(
      RUNTIME_FAMILIES.length,
    );
  });

  it('is the bundle the repository tests measure: the builder they run writes the same bytes, for every family', () => {
    for (const family of RUNTIME_FAMILIES) {
      const built = buildLambdaBundle(family.name);
      const files = shippedFamilies.get(family.name)!;
      expect(built.manifest).toEqual(files.manifest);
      expect([family.name, built.code.equals(files.code)]).toEqual([family.name, true]);
      expect([family.name, built.archive.equals(files.archive)]).toEqual([family.name, true]);
    }
  });

  it('synthesizes to the same asset from two installs on different lockfiles, one without undici', async () => {
    const install = async (name: string, lock: Lockfile, node: string, withoutUndici: boolean) => {
      const app = join(work, name);
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({
          name,
          version: '0.0.0',
          private: true,
          dependencies: {
            cdktf: '0.21.0',
            constructs: lock.constructs,
            '@cdktf/provider-aws': lock.providerAws,
            'backend-link': `file:${tarball}`,
          },
          overrides: { undici: lock.undici },
        }),
      );
      await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app, node);
      const undici = join(app, 'node_modules/undici');
      const undiciVersion = existsSync(undici) ? versionOf(undici) : undefined;
      // The package needs no esbuild: the bundle is built.
      expect([name, existsSync(join(app, 'node_modules/esbuild'))]).toEqual([name, false]);
      if (withoutUndici) {
        rmSync(undici, { recursive: true, force: true });
        expect(existsSync(join(app, 'node_modules/backend-link/node_modules/undici'))).toBe(false);
        await expect(ok(node, ['-e', "require.resolve('undici')"], app, node)).rejects.toThrow(
          /Cannot find module 'undici'/,
        );
      }
      writeFileSync(join(app, 'main.js'), quickStartJs());
      await ok(node, ['main.js'], app, node);
      // What the installed library deploys for each family (the quick start's customer is of the standard
      // family; the config accepts the others' schemes once they are wired): the module synth runs.
      const installed = join(app, 'node_modules/backend-link/dist/lib/runtime');
      const families = JSON.parse(
        await ok(
          node,
          [
            '-e',
            `const { bundleGatewayRuntime } = require(${JSON.stringify(join(installed, 'runtime-bundle.js'))});
             const { RUNTIME_FAMILIES } = require(${JSON.stringify(join(installed, 'runtime-families.js'))});
             const out = {};
             for (const f of RUNTIME_FAMILIES) {
               const b = bundleGatewayRuntime(f);
               out[f.name] = { directory: b.directory, archive: b.archive.sha256 };
             }
             console.log(JSON.stringify(out));`,
          ],
          app,
          node,
        ),
      ) as Synthesized['families'];
      const stackDir = join(app, 'cdktf.out/stacks/gateway');
      const stack = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
      const functions = Object.values(stack.resource.aws_lambda_function) as Synthesized['functions'];
      const synthesized: Synthesized = {
        node: (await ok(node, ['-p', 'process.version'], app, node)).trim(),
        undici: undiciVersion,
        functions: functions.map(({ filename, source_code_hash }) => ({ filename, source_code_hash })),
        asset: readFileSync(join(stackDir, functions[0].filename)),
        families,
      };
      return synthesized;
    };

    const a = await install(
      'app-a',
      { undici: '7.24.8', constructs: '10.4.2', providerAws: '20.1.0' },
      process.execPath,
      false,
    );
    const b = await install(
      'app-b',
      { undici: '^7.30.2', constructs: '^10.8.0', providerAws: '21.22.1' },
      SECOND_NODE,
      true,
    );
    // Different lockfiles: the installs resolved different undici minors.
    expect(a.undici).toBe('7.24.8');
    expect(b.undici).toMatch(/^7\.(3\d|[4-9]\d)\./);
    // The same asset, and it is the shipped archive byte for byte.
    expect(a.functions).toHaveLength(1);
    expect(b.functions).toEqual(a.functions);
    expect(a.functions[0].source_code_hash).toBe(manifest.sha256);
    expect(a.functions[0].filename).toBe(
      `assets/GatewayRuntimeBundle-${manifest.sha256.slice(0, 16)}/${manifest.archive.sha256.slice(0, 32).toUpperCase()}/${RUNTIME_ARCHIVE_NAME}`,
    );
    expect(a.asset.equals(shipped.archive)).toBe(true);
    expect(b.asset.equals(shipped.archive)).toBe(true);
    // Every family: the installed package's own directory, its shipped archive, the same in both apps.
    for (const family of RUNTIME_FAMILIES) {
      const archive = shippedFamilies.get(family.name)!.manifest.archive.sha256;
      for (const [app, installed] of [
        ['app-a', a],
        ['app-b', b],
      ] as const) {
        expect(installed.families[family.name]).toEqual({
          directory: join(work, app, 'node_modules/backend-link/dist/runtime', family.directory),
          archive,
        });
      }
    }
    // Which Node each app ran on (the same unless BACKEND_LINK_SECOND_NODE names another).
    expect(a.node).toBe(process.version);
    if (SECOND_NODE !== process.execPath) expect(b.node).not.toBe(a.node);
    // The apps' lockfiles differ.
    const locks = ['app-a', 'app-b'].map((app) => readFileSync(join(work, app, 'package-lock.json'), 'utf8'));
    expect(locks[0]).not.toBe(locks[1]);
    expect(readdirSync(join(work, 'app-b/node_modules')).includes('undici')).toBe(false);
  });

  it('fails the synth, saying what to do, when the shipped bundle is damaged or missing', async () => {
    // GIVEN the first app of the test above, with its installed bundle's archive changed
    const app = join(work, 'app-a');
    const lambda = join(app, 'node_modules/backend-link/dist/runtime/lambda');
    const zip = join(lambda, RUNTIME_ARCHIVE_NAME);
    writeFileSync(zip, Buffer.concat([shipped.archive, Buffer.from('x')]));
    // WHEN it synthesizes THEN synth fails naming the file, its hash and the manifest's
    await expect(ok(process.execPath, ['main.js'], app)).rejects.toThrow(
      `${zip} is not the file ${join(lambda, 'manifest.json')} describes: ${shipped.archive.byteLength + 1} bytes`,
    );
    // AND with the bundle gone, synth says the package is incomplete
    rmSync(lambda, { recursive: true });
    await expect(ok(process.execPath, ['main.js'], app)).rejects.toThrow(
      `backend-link's Lambda bundle is missing: ${join(lambda, 'manifest.json')} does not exist`,
    );
  });
});
