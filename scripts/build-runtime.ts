/**
 * The one builder of the gateway runtime's bundles (esbuild, then the rewrites of
 * scripts/runtime-bundle/rewrite.ts: llhttp's WebAssembly brotli-compressed, undici's HTTP/2 client left
 * out of the Lambda bundle, each checked against undici's shape). It runs when the package is built
 * (`npm run build`, which `npm run package` runs), never at a user's synth: the package ships its output.
 *
 *   npm run build:runtime                                    # every family, and the standalone proxy
 *   npm run build:runtime -- LAMBDA_DIR [STANDALONE_FILE] [--family NAME]   # one family's bundle (default standard)
 *
 * The Lambda bundle is built once per scheme family (lib/runtime/runtime-families.ts: `standard` in
 * dist/runtime/lambda/, `oauth2` in dist/runtime/lambda-oauth2/, `message-signature` in dist/runtime/lambda-message-signature/, `sigv4` in
 * dist/runtime/lambda-sigv4/): the esbuild plugin of scripts/runtime-bundle/families.ts replaces each scheme
 * factory outside the family with a stand-in that throws ConfigError. Each family's directory holds:
 *
 * - `index.js`: the Lambda handler (gateway-runtime/src/adapters/lambda.ts) as ONE file exporting
 *   `handler` (Lambda handler setting `index.handler`): platform node, target node22, CommonJS, minified,
 *   `@aws-sdk/*` external (the nodejs22.x and nodejs24.x Lambda runtimes provide AWS SDK v3);
 * - `gateway-runtime.zip`: that file zipped (one entry, fixed timestamp and mode), the archive Lambda takes;
 * - `manifest.json`: both files' sizes and SHA-256, the esbuild and undici versions, the family and its schemes.
 *
 * Synth deploys the archive of the customer's scheme's family as it is (lib/runtime/runtime-bundle.ts), so
 * the asset hash is the same on every machine; in a clone of the repository synth calls `buildLambdaBundle`
 * here, the same build. Such a directory is also what `runtimeBundleDirectory` takes for a bundle of your own.
 *
 * dist/gateway-runtime.js is the standalone proxy as one file with nothing external and every scheme (`node
 * gateway-runtime.js serve --config ...` runs without node_modules).
 */
import { BuildOptions, BuildResult, build, buildSync, version as esbuildVersion } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  RUNTIME_ARCHIVE_NAME,
  RUNTIME_BUNDLE_FILE,
  RUNTIME_MANIFEST_NAME,
  RuntimeBundleManifest,
  readRuntimeManifest,
} from '../lib/runtime/runtime-bundle';
import {
  DEFAULT_RUNTIME_FAMILY,
  RUNTIME_FAMILIES,
  RuntimeFamily,
  runtimeFamilyNamed,
} from '../lib/runtime/runtime-families';
import { zipOneFile } from '../lib/runtime/zip';
import { schemeFamilyPlugin } from './runtime-bundle/families';
import { RuntimeBundleShapeError, rewriteRuntimeBundle } from './runtime-bundle/rewrite';

export { RuntimeBundleShapeError } from './runtime-bundle/rewrite';

/** Modules the bundle leaves to the Lambda runtime: nodejs22.x and nodejs24.x provide AWS SDK v3. */
export const RUNTIME_EXTERNALS = ['@aws-sdk/*'] as const;

const RUNTIME_SOURCES = resolve(__dirname, '../gateway-runtime/src');

/** The Lambda handler's source. */
export function runtimeEntryPoint(): string {
  return sourceFile(join(RUNTIME_SOURCES, 'adapters/lambda.ts'), "the gateway runtime's Lambda handler");
}

/** The standalone proxy's command (`gateway-runtime serve`). */
export function standaloneEntryPoint(): string {
  return sourceFile(join(RUNTIME_SOURCES, 'cli.ts'), "the gateway runtime's command");
}

function sourceFile(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} is missing (looked for ${path})`);
  return path;
}

/**
 * undici modules the Lambda bundle leaves out (the runtime imports undici's parts one by one, see
 * gateway-runtime/src/io/undici.ts; these three are only reached on paths the Lambda never takes):
 * llhttp's non-SIMD WebAssembly (a fallback for CPUs without WebAssembly SIMD; the x86_64 and arm64
 * Lambda CPUs have it), the fetch body extractor undici's client loads for FormData bodies (41 KB
 * with the web modules it pulls in; the gateway sends Buffers and streams) and undici's HTTP/2 client
 * (10 KB; used only for a connection that negotiated `h2`, which undici offers in ALPN only with
 * `allowH2`, never set by the runtime; undici's client requires it when it loads, so the `require`
 * becomes a stand-in that throws, see `LEFT_OUT_STAND_INS` in scripts/runtime-bundle/rewrite.ts). And
 * `node:http2` becomes scripts/runtime-bundle/no-http2.ts (a cold-start cost for a protocol the gateway
 * never offers; undici's HTTP/2 client was its only importer, the alias stays for any other). And
 * llhttp's constants (10.7 KB of method, status and character tables for llhttp's generator) become a
 * literal of the two tables undici's HTTP/1.1 client reads, the parser's error codes and types (0.8 KB,
 * taken from the module at build time, see `SLIMMED_MODULES` in scripts/runtime-bundle/rewrite.ts). The
 * standalone proxy keeps all five: its host's CPU is unknown.
 */
export const LAMBDA_LEFT_OUT = [
  '*/llhttp/llhttp-wasm.js',
  '*/web/fetch/body.js',
  '*/client-h2.js',
  '*/llhttp/constants.js',
] as const;

/**
 * The one esbuild configuration of the runtime bundle: one minified CommonJS file for node22. Build it
 * with `buildRuntimeCode`, which applies the rewrites esbuild can not do without plugins.
 */
export function runtimeBuildOptions(
  external: readonly string[] = RUNTIME_EXTERNALS,
  entry = runtimeEntryPoint(),
  leftOut: readonly string[] = LAMBDA_LEFT_OUT,
): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    external: [...external, ...leftOut],
    ...(leftOut.length > 0
      ? {
          // undici loads its non-SIMD llhttp under Jest (JEST_WORKER_ID); a Lambda never runs under Jest.
          define: { 'process.env.JEST_WORKER_ID': 'undefined' },
          alias: { 'node:http2': resolve(__dirname, 'runtime-bundle/no-http2.ts') },
        }
      : {}),
    logLevel: 'silent',
  };
}

/**
 * The single-file standalone proxy (`node gateway-runtime.js serve --config ...`): the runtime's esbuild
 * configuration with the command as entry point and nothing external (the AWS SDK is inlined, for a
 * proxy that reads Secrets Manager), so a DMZ host runs it without node_modules.
 */
export function standaloneBuildOptions(entry = standaloneEntryPoint()): BuildOptions {
  return runtimeBuildOptions([], entry, []);
}

/**
 * The esbuild configuration of one family's Lambda bundle: `runtimeBuildOptions` with the plugin that
 * replaces the factories of the schemes outside the family (scripts/runtime-bundle/families.ts). Plugins run
 * only in esbuild's asynchronous API: build it with `buildRuntimeCodeAsync`.
 */
export function familyBuildOptions(family: RuntimeFamily): BuildOptions {
  return { ...runtimeBuildOptions(RUNTIME_EXTERNALS), plugins: [schemeFamilyPlugin(family)] };
}

/** esbuild's options for a build in memory with its metafile. */
function inMemory(options: BuildOptions): BuildOptions & { write: false; metafile: true } {
  return { ...options, write: false, metafile: true, outfile: options.outfile ?? 'index.js' };
}

/** esbuild's one output file, rewritten by `rewriteRuntimeBundle`. */
function rewritten(result: BuildResult<{ write: false; metafile: true }>, options: BuildOptions): Buffer {
  if (result.outputFiles.length !== 1) {
    throw new RuntimeBundleShapeError(
      `the runtime bundle must be one file, esbuild wrote ${result.outputFiles.length}`,
    );
  }
  const { code } = rewriteRuntimeBundle(result.outputFiles[0].text, result.metafile, options);
  return Buffer.from(code, 'utf8');
}

/**
 * Builds a runtime bundle (`runtimeBuildOptions` or `standaloneBuildOptions`, with overrides) and
 * returns its code: esbuild's one output file, rewritten by `rewriteRuntimeBundle` (llhttp's
 * WebAssembly as a brotli literal, decompressed by `node:zlib` when undici creates its first parser;
 * stand-ins for left-out modules required eagerly). Every build of the runtime goes through here or
 * `buildRuntimeCodeAsync` (`npm run build`, `npm run build:runtime`, synth in a clone, `npm run bench`),
 * so each ships the same bytes. Deterministic: the same sources, esbuild, undici and brotli
 * (`process.versions.brotli`) give the same bytes; the package build runs it once, so users' machines never do.
 *
 * Measured (undici 7.30.2, esbuild 0.28.2): the Lambda bundle 252,924 bytes before the rewrites and
 * the HTTP/2 client left out, 190,237 after; the standalone proxy 822,643 before, 719,651 after. With
 * today's sources: the Lambda bundle 196,920 bytes, 186,758 with llhttp's constants slimmed (238,247 as
 * esbuild writes it); the standalone proxy 737,217 (841,803).
 *
 * @throws RuntimeBundleShapeError (code `RUNTIME_BUNDLE_SHAPE`) when undici's shape is not the one
 * the rewrites expect; the message names undici's version.
 */
export function buildRuntimeCode(options: BuildOptions): Buffer {
  if (options.plugins && options.plugins.length > 0) {
    throw new Error(
      'esbuild runs plugins only asynchronously: build these options with buildRuntimeCodeAsync',
    );
  }
  const all = inMemory(options);
  return rewritten(buildSync(all), all);
}

/** `buildRuntimeCode` with esbuild's asynchronous API, which runs plugins (a family's bundle). */
export async function buildRuntimeCodeAsync(options: BuildOptions): Promise<Buffer> {
  const all = inMemory(options);
  return rewritten(await build(all), all);
}

/** A built Lambda bundle in memory: the files of its directory. */
export interface BuiltLambdaBundle {
  readonly code: Buffer;
  readonly archive: Buffer;
  readonly manifest: RuntimeBundleManifest;
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** One family's Lambda bundle, its archive and its manifest, built in memory (nothing is written). */
export async function buildLambdaBundleAsync(
  familyName: string = DEFAULT_RUNTIME_FAMILY,
): Promise<BuiltLambdaBundle> {
  const family = runtimeFamilyNamed(familyName);
  const code = await buildRuntimeCodeAsync(familyBuildOptions(family));
  const archive = zipOneFile(RUNTIME_BUNDLE_FILE, code);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const undici = (require('undici/package.json') as { version: string }).version;
  const manifest: RuntimeBundleManifest = {
    handler: 'index.handler',
    file: RUNTIME_BUNDLE_FILE,
    bytes: code.byteLength,
    sha256: sha256Of(code),
    archive: { file: RUNTIME_ARCHIVE_NAME, bytes: archive.byteLength, sha256: sha256Of(archive) },
    builtWith: { esbuild: esbuildVersion, undici },
    family: family.name,
    schemes: [...family.schemes],
  };
  return { code, archive, manifest };
}

/** The flag of the child process `buildLambdaBundle` runs: it prints the built bundle as JSON. */
const EMIT_JSON = '--emit-bundle-json';

/**
 * `buildLambdaBundleAsync` for a synchronous caller (synth in a clone of the repository, whose constructs
 * are built synchronously): esbuild runs plugins only asynchronously, so the build runs in a child Node
 * process (this file under tsx) that prints the bundle; the same bytes, about a second more.
 */
export function buildLambdaBundle(familyName: string = DEFAULT_RUNTIME_FAMILY): BuiltLambdaBundle {
  runtimeFamilyNamed(familyName);
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--require', 'tsx/cjs', __filename, EMIT_JSON, familyName], {
      cwd: resolve(__dirname, '..'),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`building the "${familyName}" Lambda bundle failed: ${(e.stderr || e.message).trim()}`);
  }
  const emitted = JSON.parse(out) as { code: string; archive: string; manifest: RuntimeBundleManifest };
  return {
    code: Buffer.from(emitted.code, 'base64'),
    archive: Buffer.from(emitted.archive, 'base64'),
    manifest: emitted.manifest,
  };
}

/**
 * The versions the package build must bundle with: undici and esbuild as the lockfile pins them. `npm run
 * build` refuses a node_modules that drifted from package-lock.json (run `npm ci`), so the shipped bundle
 * is the lockfile's, whoever builds the package. Returns the problems, empty when the versions match.
 */
export function lockfileMismatches(manifest: RuntimeBundleManifest, lockfile: string): string[] {
  const packages =
    (JSON.parse(lockfile) as { packages?: Record<string, { version?: string }> }).packages ?? {};
  return (['undici', 'esbuild'] as const).flatMap((name) => {
    const locked = packages[`node_modules/${name}`]?.version;
    const used = manifest.builtWith[name];
    return locked === used
      ? []
      : [`${name} ${used} is installed, package-lock.json pins ${locked ?? 'no version'} (run npm ci)`];
  });
}

/** Writes `file` beside itself and renames it: another process reading at the same time never sees half a file. */
function writeAtomically(file: string, bytes: Buffer | string): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, file);
}

/**
 * Writes a Lambda bundle directory (`index.js`, `gateway-runtime.zip`, `manifest.json`, the manifest
 * last), creating it; a directory that already holds this manifest is left as it is. Returns the manifest.
 */
export function writeLambdaBundle(
  outdir: string,
  built: BuiltLambdaBundle = buildLambdaBundle(),
): RuntimeBundleManifest {
  const directory = resolve(outdir);
  const manifestFile = join(directory, RUNTIME_MANIFEST_NAME);
  const manifestText = `${JSON.stringify(built.manifest, null, 2)}\n`;
  if (existsSync(manifestFile) && readFileSync(manifestFile, 'utf8') === manifestText) {
    const files = [RUNTIME_BUNDLE_FILE, RUNTIME_ARCHIVE_NAME].map((f) => join(directory, f));
    if (files.every((f) => existsSync(f))) return built.manifest;
  }
  mkdirSync(directory, { recursive: true });
  writeAtomically(join(directory, RUNTIME_BUNDLE_FILE), built.code);
  writeAtomically(join(directory, RUNTIME_ARCHIVE_NAME), built.archive);
  writeAtomically(manifestFile, manifestText);
  return readRuntimeManifest(manifestFile);
}

/**
 * Builds every family's Lambda bundle and writes each into `root`/<its directory> (dist/runtime/lambda/,
 * dist/runtime/lambda-message-signature/, ...). Returns the manifests, by family, in the table's order.
 */
export async function writeLambdaBundles(
  root: string,
  built?: ReadonlyMap<string, BuiltLambdaBundle>,
): Promise<Array<{ directory: string; manifest: RuntimeBundleManifest }>> {
  const out: Array<{ directory: string; manifest: RuntimeBundleManifest }> = [];
  for (const family of RUNTIME_FAMILIES) {
    const directory = join(resolve(root), family.directory);
    const bundle = built?.get(family.name) ?? (await buildLambdaBundleAsync(family.name));
    out.push({ directory, manifest: writeLambdaBundle(directory, bundle) });
  }
  return out;
}

/** Writes one family's Lambda bundle directory and returns its `index.js` path and size in bytes. */
export async function bundleRuntime(
  outdir: string,
  familyName: string = DEFAULT_RUNTIME_FAMILY,
): Promise<{ file: string; bytes: number }> {
  const manifest = writeLambdaBundle(outdir, await buildLambdaBundleAsync(familyName));
  return { file: join(resolve(outdir), RUNTIME_BUNDLE_FILE), bytes: manifest.bytes };
}

/** Writes the single-file standalone proxy to `file` (executable) and returns its size in bytes. */
export async function bundleStandalone(file: string): Promise<{ file: string; bytes: number }> {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, buildRuntimeCode(standaloneBuildOptions()));
  chmodSync(path, 0o755);
  return { file: path, bytes: statSync(path).size };
}

/** The size a family's bundle would have with the AWS SDK inlined (nothing external); nothing is written. */
export async function bundleSizeWithoutExternals(
  familyName: string = DEFAULT_RUNTIME_FAMILY,
): Promise<number> {
  const family = runtimeFamilyNamed(familyName);
  const code = await buildRuntimeCodeAsync({ ...familyBuildOptions(family), external: [...LAMBDA_LEFT_OUT] });
  return code.byteLength;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** `[--family NAME] [LAMBDA_DIR [STANDALONE_FILE]]`, the flag anywhere. */
function parseArguments(argv: readonly string[]): { family?: string; positional: string[] } {
  const positional: string[] = [];
  let family: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--family') {
      family = argv[++i];
      if (family === undefined) throw new Error('--family needs a family name');
      runtimeFamilyNamed(family);
    } else positional.push(argv[i]);
  }
  return { family, positional };
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === EMIT_JSON) {
    const built = await buildLambdaBundleAsync(argv[1]);
    process.stdout.write(
      JSON.stringify({
        code: built.code.toString('base64'),
        archive: built.archive.toString('base64'),
        manifest: built.manifest,
      }),
    );
    return;
  }
  const { family, positional } = parseArguments(argv);
  let written: Array<{ directory: string; manifest: RuntimeBundleManifest }>;
  if (positional[0] === undefined && family === undefined) {
    written = await writeLambdaBundles('dist/runtime');
  } else {
    const directory = resolve(positional[0] ?? join('dist/runtime', runtimeFamilyNamed(family!).directory));
    written = [{ directory, manifest: writeLambdaBundle(directory, await buildLambdaBundleAsync(family)) }];
  }
  for (const { directory, manifest } of written) {
    console.log(
      `gateway runtime Lambda bundle, family "${manifest.family}" (${manifest.schemes?.join(', ')}): ${directory}/`,
    );
    console.log(
      `  ${RUNTIME_BUNDLE_FILE}: ${manifest.bytes} bytes (${kib(manifest.bytes)}) with @aws-sdk/* external (provided by the nodejs22.x and nodejs24.x runtimes), SHA-256 ${manifest.sha256}`,
    );
    console.log(
      `  ${manifest.archive.file}: ${manifest.archive.bytes} bytes (${kib(manifest.archive.bytes)}), SHA-256 ${manifest.archive.sha256}`,
    );
  }
  const inlined = await bundleSizeWithoutExternals(family);
  console.log(
    `  ${inlined} bytes (${kib(inlined)}) for the ${family ?? DEFAULT_RUNTIME_FAMILY} family if the AWS SDK were bundled too`,
  );
  const standalone = await bundleStandalone(resolve(positional[1] ?? 'dist/gateway-runtime.js'));
  console.log(`standalone proxy, one file without node_modules, every scheme: ${standalone.file}`);
  console.log(`  ${standalone.bytes} bytes (${kib(standalone.bytes)}), AWS SDK included`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
