/**
 * The esbuild bundles as they ship: the Lambda handler of each scheme family (lib/runtime/runtime-families.ts;
 * the very directories synth deploys, `bundleGatewayRuntime`: in this repository the package build's builder
 * writes them) and the standalone proxy each build into one file,
 * which runs in a plain Node process and parses real HTTP responses with llhttp's WebAssembly, now stored
 * brotli-compressed in the bundle (scripts/runtime-bundle/rewrite.ts).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { request } from 'undici';
import {
  buildRuntimeCodeAsync,
  bundleStandalone,
  familyBuildOptions,
  runtimeBuildOptions,
} from '../../scripts/build-runtime';
import { groupOf, lambdaBundleBreakdown } from '../../scripts/runtime-bundle/breakdown';
import { SCHEME_STAND_IN_NAMESPACE, schemeFamilyPlugin } from '../../scripts/runtime-bundle/families';
import {
  RUNTIME_ARCHIVE_NAME,
  RUNTIME_MANIFEST_NAME,
  RuntimeBundle,
  bundleGatewayRuntime,
  readRuntimeManifest,
} from '../../lib/runtime/runtime-bundle';
import {
  RUNTIME_FAMILIES,
  RuntimeFamily,
  SCHEME_FACTORIES,
  runtimeFamilyNamed,
} from '../../lib/runtime/runtime-families';
import { unzipEntries } from '../support/zip';
import { echoHandler, RunningBackend, startBackend } from '../support/loopback-backends';
import { freePort } from '../support/ports';
import { startProcess } from '../support/processes';
import { albEvent, captureLines } from './fixtures/harness';
import { createLambdaHandler } from '../../gateway-runtime/src/adapters/lambda';

jest.setTimeout(60_000);

/** Issue 13's target for the Lambda bundle: 200 KB minified, `@aws-sdk/*` external. */
const LAMBDA_BUNDLE_LIMIT = 200_000;

/** undici's llhttp WebAssembly modules, as the undici package holds them. */
const wasm = (module: string): Buffer =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  Buffer.from(require(`undici/lib/llhttp/${module}`) as Buffer);
const SIMD = wasm('llhttp_simd-wasm.js');
const NON_SIMD = wasm('llhttp-wasm.js');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** How often `text` is in `code` (a count, so that a failure does not print the whole bundle). */
const timesIn = (code: string, text: string) => code.split(text).length - 1;

/** A string only undici's HTTP/2 client holds (lib/dispatcher/client-h2.js). */
const HTTP2_CLIENT_TEXT = 'HTTP/2: Extended CONNECT protocol not supported by server';

/** Every family's bundle as synth deploys it, by family name. */
const families = new Map<string, RuntimeBundle>();
let lambdaDirectory: string;
let work: string;
let hook: string;
let backend: RunningBackend;
let bundle: { file: string; bytes: number };
let standalone: { file: string; bytes: number };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'runtime-bundle-work-'));
  // Preloaded into the bundle's process: reports the SHA-256 of every WebAssembly module compiled, so
  // a test sees which llhttp the bundle parsed with (undici falls back to the non-SIMD one silently).
  hook = join(work, 'wasm-hook.js');
  writeFileSync(
    hook,
    `const { createHash } = require('node:crypto');
     const Original = WebAssembly.Module;
     WebAssembly.Module = function (bytes) {
       const hash = createHash('sha256').update(bytes).digest('hex');
       try {
         const compiled = new Original(bytes);
         process.stderr.write('WASM ' + hash + '\\n');
         return compiled;
       } catch (error) {
         process.stderr.write('WASM-FAILED ' + hash + ' ' + error + '\\n');
         throw error;
       }
     };`,
  );
  backend = await startBackend(echoHandler);
  // The bundles synth deploys (the package ships the same builds in dist/runtime/<family directory>/).
  for (const family of RUNTIME_FAMILIES) families.set(family.name, bundleGatewayRuntime(family));
  // The standard family's, in dist/runtime/lambda/ as before the families: the tests below the families' run on it.
  const deployed = bundleGatewayRuntime();
  expect(deployed).toBe(families.get('standard'));
  lambdaDirectory = deployed.directory;
  bundle = { file: join(deployed.directory, 'index.js'), bytes: deployed.bytes };
  standalone = await bundleStandalone(join(work, 'gateway-runtime.js'));
});
afterAll(async () => {
  await backend?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Runs the bundled handler (`file`, the standard family's unless given) in a fresh Node process, as the Lambda runtime would load it. */
async function invoke(
  event: object,
  gatewayConfig: string,
  file = bundle.file,
): Promise<{ result: Record<string, unknown>; stderr: string; stdout: string }> {
  const script = `
    const { handler } = require(${JSON.stringify(file)});
    handler(JSON.parse(process.argv[1]), { awsRequestId: 'bundle-test' }).then(
      (result) => process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n'),
      (error) => { process.stderr.write('FAILED ' + error + '\\n'); process.exit(1); },
    );`;
  const { stderr, stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', hook, '-e', script, JSON.stringify(event)],
    {
      env: { PATH: process.env.PATH, GATEWAY_CONFIG: gatewayConfig, AWS_LAMBDA_FUNCTION_NAME: 'bundle-test' },
    },
  );
  const line = stderr.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from the bundle:\n${stderr}`);
  return { result: JSON.parse(line.slice('RESULT '.length)), stderr, stdout };
}

describe('runtime bundle', () => {
  test('GIVEN the build WHEN it runs THEN it writes index.js, its archive (exactly that one file) and a manifest that describes both', () => {
    expect(readdirSync(lambdaDirectory).sort()).toEqual([
      RUNTIME_ARCHIVE_NAME,
      'index.js',
      RUNTIME_MANIFEST_NAME,
    ]);
    expect(bundle.bytes).toBeGreaterThan(0);
    const code = readFileSync(bundle.file);
    const archive = readFileSync(join(lambdaDirectory, RUNTIME_ARCHIVE_NAME));
    const entries = unzipEntries(archive);
    expect([...entries.keys()]).toEqual(['index.js']);
    expect(entries.get('index.js')!.equals(code)).toBe(true);
    const manifest = readRuntimeManifest(join(lambdaDirectory, RUNTIME_MANIFEST_NAME));
    expect(manifest).toMatchObject({
      handler: 'index.handler',
      file: 'index.js',
      bytes: code.byteLength,
      sha256: sha256(code),
      archive: { file: RUNTIME_ARCHIVE_NAME, bytes: archive.byteLength, sha256: sha256(archive) },
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      builtWith: { undici: (require('undici/package.json') as { version: string }).version },
    });
  });

  test(`GIVEN the Lambda build THEN it is at most ${LAMBDA_BUNDLE_LIMIT} bytes (issue 13's target)`, () => {
    expect(readFileSync(bundle.file).byteLength).toBe(bundle.bytes);
    expect(bundle.bytes).toBeLessThanOrEqual(LAMBDA_BUNDLE_LIMIT);
  });

  test("GIVEN the Lambda build THEN llhttp's WebAssembly is in it only brotli-compressed, and undici's HTTP/2 client not at all", () => {
    const code = readFileSync(bundle.file, 'utf8');
    expect(timesIn(code, SIMD.toString('base64'))).toBe(0);
    expect(timesIn(code, NON_SIMD.toString('base64'))).toBe(0);
    expect(timesIn(code, 'require("node:zlib").brotliDecompressSync(')).toBe(1);
    expect(timesIn(code, HTTP2_CLIENT_TEXT)).toBe(0);
    expect(timesIn(code, 'require("./client-h2.js")')).toBe(0);
  });

  test.each([false, true])(
    'GIVEN the bundled handler (multi-value %s) WHEN invoked with an ALB event THEN it proxies to the loopback backend, parsing the answer with the decompressed SIMD llhttp',
    async (multiValue) => {
      const config = JSON.stringify({
        version: 1,
        name: 'bundle',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'none' },
      });
      const { result, stderr } = await invoke(
        albEvent({ path: '/ping', query: { a: '1' }, multiValue }),
        config,
      );
      expect(result).toMatchObject({ statusCode: 200, statusDescription: '200 OK', isBase64Encoded: false });
      expect(JSON.parse(result.body as string)).toMatchObject({ method: 'GET', url: '/api/ping?a=1' });
      // The one WebAssembly compiled is undici's SIMD llhttp, byte for byte.
      expect(stderr.split('\n').filter((l) => l.startsWith('WASM'))).toEqual([`WASM ${sha256(SIMD)}`]);
    },
  );

  test('GIVEN the breakdown script THEN it measures the bundle that ships, its modules adding up to what esbuild writes', async () => {
    const breakdown = await lambdaBundleBreakdown();
    expect(breakdown.bytes).toBe(bundle.bytes);
    const modules = breakdown.modules.reduce((sum, [, bytes]) => sum + bytes, 0);
    expect(breakdown.groups.reduce((sum, [, bytes]) => sum + bytes, 0)).toBe(modules);
    // esbuild's own glue (its CommonJS wrappers, the `require`s of Node's modules) is the rest: about 1 KB.
    expect(breakdown.esbuildBytes - modules).toBeGreaterThan(0);
    expect(breakdown.esbuildBytes - modules).toBeLessThan(2_000);
    expect(breakdown.groups.map(([group]) => group)).toEqual(
      expect.arrayContaining(['undici', 'runtime:config', 'runtime:proxy.ts']),
    );
    expect(groupOf('node_modules/undici/lib/core/util.js')).toBe('undici');
    expect(groupOf('../node_modules/.pnpm/node_modules/@scope/pkg/index.js')).toBe('@scope/pkg');
    expect(groupOf('gateway-runtime/src/io/undici.ts')).toBe('runtime:io');
  });

  test("GIVEN the Lambda build THEN llhttp's constants are in it only as the two tables undici's HTTP/1.1 client reads", () => {
    const code = readFileSync(bundle.file, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const constants = require('undici/lib/llhttp/constants.js') as Record<string, unknown>;
    const literal = `({ERROR:${JSON.stringify(constants.ERROR)},TYPE:${JSON.stringify(constants.TYPE)}})`;
    expect(timesIn(code, literal)).toBe(1);
    expect(timesIn(code, 'require("../llhttp/constants.js")')).toBe(0);
    // The tables for llhttp's generator (methods, statuses, character classes) are not there.
    expect(timesIn(code, JSON.stringify(constants.METHODS_RTSP))).toBe(0);
    expect(timesIn(code, 'PAUSED_H2_UPGRADE')).toBe(1);
  });

  // Raw backends whose answers llhttp refuses (each a parser error code of llhttp's ERROR table) and
  // answers it takes: the bundled handler answers each exactly as the handler from the sources does.
  test.each([
    ['a bad status line', 'HTTP/1.1 2x0 OK\r\ncontent-length: 2\r\n\r\nok', 502],
    ['two content lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok', 502],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n', 502],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken header\r\ncontent-length: 2\r\n\r\nok', 502],
    [
      'a well-formed answer',
      'HTTP/1.1 201 Created\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok',
      201,
    ],
    // 900 KB, read in many parser calls.
    [
      'a large answer',
      `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 900000\r\n\r\n${'a'.repeat(900_000)}`,
      200,
    ],
  ])(
    'GIVEN a backend answering %s WHEN the bundled handler proxies to it THEN it answers as the handler from the sources',
    async (_what, answer, status) => {
      const raw: Server = createServer((socket) => {
        socket.once('data', () => socket.end(answer));
        socket.on('error', () => undefined);
      });
      await new Promise<void>((done) => raw.listen(0, '127.0.0.1', done));
      try {
        const { port } = raw.address() as { port: number };
        const config = JSON.stringify({
          version: 1,
          name: 'bundle',
          backend: { url: `http://127.0.0.1:${port}/api` },
          security: { type: 'none' },
        });
        const event = albEvent({ path: '/ping' });
        const { result: bundled } = await invoke(event, config);
        const lines = captureLines();
        const fromSources = await createLambdaHandler({
          configJson: config,
          deps: { logSink: lines.sink },
        })(event, { awsRequestId: 'bundle-test' });
        const comparable = (result: Record<string, unknown>) => {
          const headers = { ...(result.headers as Record<string, string>) };
          delete headers.date;
          return { ...result, headers };
        };
        expect(bundled.statusCode).toBe(status);
        expect(comparable(bundled)).toEqual(comparable(JSON.parse(JSON.stringify(fromSources))));
      } finally {
        await new Promise((done) => raw.close(done));
      }
    },
  );

  test('GIVEN the bundled handler THEN it is async-only (an async function of event and context, no callback), as nodejs24.x requires', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-e',
        `const { handler } = require(${JSON.stringify(bundle.file)});
         console.log(JSON.stringify({ kind: handler.constructor.name, parameters: handler.length }));`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          GATEWAY_CONFIG: '{"version":3}',
          AWS_LAMBDA_FUNCTION_NAME: 'bundle-test',
        },
      },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toEqual({
      kind: 'AsyncFunction',
      parameters: 2,
    });
  });

  test('fails when GATEWAY_CONFIG is invalid: the bundled handler answers 500 CONFIG_INVALID', async () => {
    const { result } = await invoke(albEvent({ path: '/ping' }), '{"version":3}');
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body as string)).toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

/** A family's bundle as esbuild writes it, with its metafile's inputs (before the rewrites, which change no module). */
async function familyInputs(family: RuntimeFamily): Promise<Metafile['inputs']> {
  const result = await build({
    ...familyBuildOptions(family),
    write: false,
    metafile: true,
    outfile: 'index.js',
  });
  return result.metafile.inputs;
}

const SCHEMES = 'gateway-runtime/src/schemes';
const standIn = (specifier: string) => `${SCHEME_STAND_IN_NAMESPACE}:${specifier}`;
const moduleOf = (specifier: string) => `${SCHEMES}/${specifier.slice(2)}.ts`;

describe('scheme families (one Lambda bundle per family)', () => {
  /** The scheme modules gateway-runtime/src/schemes/index.ts imports today, as it spells them (`./digest`). */
  let indexImports: string[];
  beforeAll(async () => {
    // The bundle with every scheme (no family plugin): the imports of schemes/index.ts, from esbuild's metafile.
    const all = await build({ ...runtimeBuildOptions(), write: false, metafile: true, outfile: 'index.js' });
    indexImports = all.metafile.inputs[`${SCHEMES}/index.ts`].imports
      .map((i) => i.original ?? '')
      .filter((specifier) => /^\.\/[^/]+$/.test(specifier));
  });

  test("GIVEN schemes/index.ts THEN it imports the factories of today's schemes, each named in the family table", () => {
    expect(indexImports).toEqual(
      expect.arrayContaining(['./basic', './digest', './token', './signature', './oauth2']),
    );
    const named = new Set(Object.values(SCHEME_FACTORIES).map((f) => f.specifier));
    expect(indexImports.filter((specifier) => !named.has(specifier))).toEqual([]);
  });

  test.each(RUNTIME_FAMILIES.map((f) => [f.name, f] as const))(
    `GIVEN the %s family's bundle THEN its directory holds index.js, its archive and a manifest naming the family and its schemes, at most ${LAMBDA_BUNDLE_LIMIT} bytes`,
    (_name, family) => {
      const deployed = families.get(family.name)!;
      expect(readdirSync(deployed.directory).sort()).toEqual([
        RUNTIME_ARCHIVE_NAME,
        'index.js',
        RUNTIME_MANIFEST_NAME,
      ]);
      const code = readFileSync(join(deployed.directory, 'index.js'));
      const archive = readFileSync(join(deployed.directory, RUNTIME_ARCHIVE_NAME));
      expect(unzipEntries(archive).get('index.js')!.equals(code)).toBe(true);
      expect(readRuntimeManifest(join(deployed.directory, RUNTIME_MANIFEST_NAME))).toMatchObject({
        bytes: code.byteLength,
        sha256: sha256(code),
        archive: { bytes: archive.byteLength, sha256: sha256(archive) },
        family: family.name,
        schemes: [...family.schemes],
      });
      expect(code.byteLength).toBeLessThanOrEqual(LAMBDA_BUNDLE_LIMIT);
    },
  );

  test('GIVEN the families THEN each ships other bytes (a stand-in per factory outside the family)', () => {
    const hashes = RUNTIME_FAMILIES.map((f) => families.get(f.name)!.archive!.sha256);
    expect(new Set(hashes).size).toBe(RUNTIME_FAMILIES.length);
  });

  test.each(RUNTIME_FAMILIES.map((f) => [f.name, f] as const))(
    "GIVEN the %s family's metafile THEN it holds its schemes' factory modules, and a stand-in for every other factory schemes/index.ts imports",
    async (_name, family) => {
      const inputs = await familyInputs(family);
      // The metafile describes the bundle that ships: the same build, rewritten, gives its bytes.
      const code = await buildRuntimeCodeAsync(familyBuildOptions(family));
      expect(sha256(code)).toBe(families.get(family.name)!.sha256);
      const importedByOthers = (module: string) =>
        Object.entries(inputs).some(
          ([input, { imports }]) => input !== `${SCHEMES}/index.ts` && imports.some((i) => i.path === module),
        );
      for (const specifier of indexImports) {
        if (family.factories.includes(specifier)) {
          expect([specifier, Object.hasOwn(inputs, moduleOf(specifier))]).toEqual([specifier, true]);
          expect([specifier, Object.hasOwn(inputs, standIn(specifier))]).toEqual([specifier, false]);
        } else {
          expect([specifier, Object.hasOwn(inputs, standIn(specifier))]).toEqual([specifier, true]);
          // The module itself only where a module of the family imports it for a helper (never schemes/index.ts).
          expect([specifier, Object.hasOwn(inputs, moduleOf(specifier))]).toEqual([
            specifier,
            importedByOthers(moduleOf(specifier)),
          ]);
        }
      }
      // Nothing else of the plugin's: the stand-ins and their shared module.
      const plugin = Object.keys(inputs).filter((i) => i.startsWith(`${SCHEME_STAND_IN_NAMESPACE}:`));
      const expected = indexImports.filter((s) => !family.factories.includes(s)).map(standIn);
      expect(plugin.sort()).toEqual(
        (expected.length > 0 ? [...expected, `${SCHEME_STAND_IN_NAMESPACE}:left-out`] : []).sort(),
      );
    },
  );

  /** The modules of each scheme's own code (beside its factory's), as the bundles' metafiles name them. */
  const SCHEME_MODULES: Record<string, readonly string[]> = {
    basic: ['basic.ts'],
    digest: ['digest.ts', 'digest-auth.ts'],
    token: ['token.ts'],
    signature: ['signature.ts', 'signature-string.ts'],
    'oauth2-client-credentials': ['oauth2.ts', 'oauth2-client-auth.ts'],
    'message-signature': ['message-signature.ts', 'message-signature-base.ts'],
    sigv4: ['sigv4.ts', 'sigv4-canonical.ts', 'aws-credentials.ts'],
  };

  test('GIVEN every family THEN it holds the modules of its own schemes and none of any other family’s', async () => {
    expect(Object.keys(SCHEME_MODULES).sort()).toEqual(Object.keys(SCHEME_FACTORIES).sort());
    for (const family of RUNTIME_FAMILIES) {
      const inputs = await familyInputs(family);
      for (const [type, modules] of Object.entries(SCHEME_MODULES)) {
        for (const module of modules) {
          expect([family.name, module, Object.hasOwn(inputs, `${SCHEMES}/${module}`)]).toEqual([
            family.name,
            module,
            family.schemes.includes(type),
          ]);
        }
      }
    }
  });

  test.each(RUNTIME_FAMILIES.map((f) => [f.name] as const))(
    "GIVEN the %s family's bundled handler WHEN invoked with security none THEN it proxies to the loopback backend",
    async (name) => {
      const config = JSON.stringify({
        version: 1,
        name: 'family',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'none' },
      });
      const file = join(families.get(name)!.directory, 'index.js');
      const { result } = await invoke(albEvent({ path: '/ping' }), config, file);
      expect(result).toMatchObject({ statusCode: 200 });
      expect(JSON.parse(result.body as string)).toMatchObject({ method: 'GET', url: '/api/ping' });
    },
  );

  const otherFamilies = RUNTIME_FAMILIES.filter((f) => f.name !== 'standard');
  test.each(
    otherFamilies.flatMap(
      (f) =>
        [
          [f.name, 'digest', f, { type: 'digest', username: 'u', password: { env: 'BUNDLE_TEST_PASSWORD' } }],
          [f.name, 'token', f, { type: 'token', token: { env: 'BUNDLE_TEST_TOKEN' } }],
        ] as const,
    ),
  )(
    "fails when the %s family's bundle is configured with %s: the first request is answered 500 CONFIG_INVALID and the stand-in's problem is logged",
    async (name, type, family, security) => {
      const config = JSON.stringify({
        version: 1,
        name: 'family',
        backend: { url: `${backend.baseUrl}/api` },
        security,
      });
      const file = join(families.get(name)!.directory, 'index.js');
      const { result, stdout } = await invoke(albEvent({ path: '/ping' }), config, file);
      expect(result.statusCode).toBe(500);
      expect(JSON.parse(result.body as string)).toMatchObject({ code: 'CONFIG_INVALID' });
      const logged = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.error === 'CONFIG_INVALID');
      expect(logged?.problems).toEqual([
        {
          path: 'security.type',
          message: `"${type}" is not in this Lambda bundle (family "${family.name}": ${family.schemes.join(', ')}); the constructs deploy the "standard" bundle for it, or build one with npm run build:runtime -- DIR --family standard`,
        },
      ]);
    },
  );

  describe('the family plugin on a schemes/index.ts of its own', () => {
    let root: string;
    const fixture = (files: Record<string, string>) => {
      root = mkdtempSync(join(work, 'family-plugin-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      return join(root, 'src/schemes/index.ts');
    };
    const ERRORS = `export class ConfigError extends Error {
      code = 'CONFIG_INVALID';
      constructor(public problems: Array<{ path: string; message: string }>) { super('invalid'); }
    }`;
    const buildWith = (index: string, family: RuntimeFamily) =>
      build({
        entryPoints: [index],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        write: false,
        metafile: true,
        outfile: join(root, 'out.js'),
        logLevel: 'silent',
        plugins: [schemeFamilyPlugin(family, index)],
      });
    /** A family of the digest scheme alone (not one of the table's: the plugin takes any). */
    const DIGEST_ONLY: RuntimeFamily = {
      name: 'digest-only',
      directory: 'lambda-digest-only',
      schemes: ['none', 'digest'],
      factories: ['./digest'],
    };

    test('fails the build when schemes/index.ts imports a module no scheme of the family table names', async () => {
      const index = fixture({
        'src/core/errors.ts': ERRORS,
        'src/schemes/basic.ts': 'export const createBasicScheme = () => "basic";',
        'src/schemes/carrier-pigeon.ts': 'export const createCarrierPigeonScheme = () => "pigeon";',
        'src/schemes/index.ts': `import { createBasicScheme } from './basic';
          import { createCarrierPigeonScheme } from './carrier-pigeon';
          export const schemes = [createBasicScheme, createCarrierPigeonScheme];`,
      });
      await expect(buildWith(index, runtimeFamilyNamed('sigv4'))).rejects.toThrow(
        'gateway-runtime/src/schemes/index.ts imports "./carrier-pigeon", which no scheme of lib/runtime/runtime-families.ts names: add the scheme to SCHEME_FACTORIES (specifier and factory) and to one family\'s schemes, so that it is in a Lambda bundle',
      );
    });

    test('GIVEN a factory outside the family that a kept scheme imports a helper from THEN only the import of schemes/index.ts is a stand-in; factories the table names that index.ts does not import are not there', async () => {
      const index = fixture({
        'src/core/errors.ts': ERRORS,
        'src/schemes/basic.ts': `export const helper = () => "from basic";
          export function createBasicScheme() { return "basic"; }`,
        'src/schemes/digest.ts': `import { helper } from './basic';
          export function createDigestScheme() { return "digest " + helper(); }`,
        'src/schemes/index.ts': `import { createBasicScheme } from './basic';
          import { createDigestScheme } from './digest';
          export { ConfigError } from '../core/errors';
          export const make = (scheme: { type: string }) => scheme.type === 'basic' ? createBasicScheme(scheme) : createDigestScheme(scheme);`,
      });
      const result = await buildWith(index, DIGEST_ONLY);
      const inputs = Object.keys(result.metafile.inputs).sort();
      expect(inputs).toEqual(
        [
          'src/core/errors.ts',
          'src/schemes/basic.ts',
          'src/schemes/digest.ts',
          'src/schemes/index.ts',
          standIn('./basic'),
          `${SCHEME_STAND_IN_NAMESPACE}:left-out`,
        ]
          .map((i) => (i.startsWith('src/') ? expect.stringMatching(new RegExp(`${i}$`)) : i))
          .sort(),
      );
      const out = join(root, 'out.js');
      writeFileSync(out, result.outputFiles[0].contents);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bundled = require(out) as {
        make(s: { type: string }): string;
        ConfigError: new (...a: never[]) => Error;
      };
      expect(bundled.make({ type: 'digest' })).toBe('digest from basic');
      let thrown: unknown;
      try {
        bundled.make({ type: 'basic' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(bundled.ConfigError);
      expect(thrown).toMatchObject({
        code: 'CONFIG_INVALID',
        problems: [
          {
            path: 'security.type',
            message:
              '"basic" is not in this Lambda bundle (family "digest-only": none, digest); the constructs deploy the "standard" bundle for it, or build one with npm run build:runtime -- DIR --family standard',
          },
        ],
      });
    });
  });
});

describe('standalone bundle', () => {
  test("GIVEN the standalone build THEN both llhttp WebAssembly modules are in it only brotli-compressed, and it keeps undici's HTTP/2 client", () => {
    const code = readFileSync(standalone.file, 'utf8');
    expect(timesIn(code, SIMD.toString('base64'))).toBe(0);
    expect(timesIn(code, NON_SIMD.toString('base64'))).toBe(0);
    expect(timesIn(code, 'require("node:zlib").brotliDecompressSync(')).toBe(2);
    expect(timesIn(code, HTTP2_CLIENT_TEXT)).toBe(1);
  });

  test.each([
    ['the SIMD llhttp (the default)', {}, SIMD],
    ['the non-SIMD llhttp (UNDICI_NO_WASM_SIMD=1)', { UNDICI_NO_WASM_SIMD: '1' }, NON_SIMD],
  ])(
    'GIVEN `node gateway-runtime.js serve` WHEN it proxies a request with %s THEN it parses the backend answer with that module, decompressed byte for byte',
    async (_what, env: Record<string, string>, expected) => {
      const port = await freePort();
      const config = join(work, `gateway-${port}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          version: 1,
          name: 'standalone-bundle',
          backend: { url: `${backend.baseUrl}/api` },
          security: { type: 'none' },
          server: { host: '127.0.0.1', port },
        }),
      );
      const proxy = startProcess(
        process.execPath,
        ['-r', hook, standalone.file, 'serve', '--config', config],
        {
          env: { PATH: process.env.PATH, ...env },
        },
      );
      try {
        for (let i = 0; i < 600 && !proxy.output().includes('"msg":"listening"'); i++) {
          if (proxy.exited()) throw new Error(proxy.exited());
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(proxy.output()).toContain('"msg":"listening"');
        const answer = await request(`http://127.0.0.1:${port}/ping?a=1`);
        expect(answer.statusCode).toBe(200);
        expect(await answer.body.json()).toMatchObject({ method: 'GET', url: '/api/ping?a=1' });
      } finally {
        await proxy.stop();
      }
      expect(
        proxy
          .output()
          .split('\n')
          .filter((l) => l.startsWith('WASM')),
      ).toEqual([`WASM ${sha256(expected)}`]);
    },
  );
});
