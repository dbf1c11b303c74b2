/**
 * The one builder of the gateway runtime's bundles (esbuild, then the rewrites of
 * scripts/runtime-bundle/rewrite.ts: llhttp's WebAssembly brotli-compressed, undici's HTTP/2 client left
 * out of the Lambda bundle, each checked against undici's shape). It runs when the package is built
 * (`npm run build`, which `npm run package` runs), never at a user's synth: the package ships its output.
 *
 *   npm run build:runtime [-- LAMBDA_DIR [STANDALONE_FILE]]
 *
 * writes the Lambda bundle directory (default dist/runtime/lambda/) and the single-file standalone proxy
 * (default dist/gateway-runtime.js), and prints their sizes. The Lambda bundle directory holds:
 *
 * - `index.js`: the Lambda handler (gateway-runtime/src/adapters/lambda.ts) as ONE file exporting
 *   `handler` (Lambda handler setting `index.handler`): platform node, target node22, CommonJS, minified,
 *   `@aws-sdk/*` external (the nodejs22.x and nodejs24.x Lambda runtimes provide AWS SDK v3);
 * - `gateway-runtime.zip`: that file zipped (one entry, fixed timestamp and mode), the archive Lambda takes;
 * - `manifest.json`: both files' sizes and SHA-256 and the esbuild and undici versions.
 *
 * Synth deploys the archive as it is (lib/runtime/runtime-bundle.ts), so the asset hash is the same on
 * every machine; in a clone of the repository synth calls `buildLambdaBundle` here, the same build.
 * Such a directory is also what `runtimeBundleDirectory` takes for a bundle of your own.
 *
 * dist/gateway-runtime.js is the standalone proxy as one file with nothing external (`node
 * gateway-runtime.js serve --config ...` runs without node_modules).
 */
import { BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';
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
import { zipOneFile } from '../lib/runtime/zip';
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
 * Builds a runtime bundle (`runtimeBuildOptions` or `standaloneBuildOptions`, with overrides) and
 * returns its code: esbuild's one output file, rewritten by `rewriteRuntimeBundle` (llhttp's
 * WebAssembly as a brotli literal, decompressed by `node:zlib` when undici creates its first parser;
 * stand-ins for left-out modules required eagerly). Every build of the runtime goes through here
 * (`npm run build`, `npm run build:runtime`, synth in a clone, `npm run bench`), so each ships the same
 * bytes. Deterministic: the same sources, esbuild, undici and brotli (`process.versions.brotli`) give
 * the same bytes; the package build runs it once, so users' machines never do.
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
  const result = buildSync({
    ...options,
    write: false,
    metafile: true,
    outfile: options.outfile ?? 'index.js',
  });
  if (result.outputFiles.length !== 1) {
    throw new RuntimeBundleShapeError(
      `the runtime bundle must be one file, esbuild wrote ${result.outputFiles.length}`,
    );
  }
  const { code } = rewriteRuntimeBundle(result.outputFiles[0].text, result.metafile, options);
  return Buffer.from(code, 'utf8');
}

/** A built Lambda bundle in memory: the files of its directory. */
export interface BuiltLambdaBundle {
  readonly code: Buffer;
  readonly archive: Buffer;
  readonly manifest: RuntimeBundleManifest;
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The Lambda bundle, its archive and its manifest, built in memory (nothing is written). */
export function buildLambdaBundle(): BuiltLambdaBundle {
  const code = buildRuntimeCode(runtimeBuildOptions(RUNTIME_EXTERNALS));
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
  };
  return { code, archive, manifest };
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

/** Writes the Lambda bundle directory and returns its `index.js` path and size in bytes. */
export async function bundleRuntime(outdir: string): Promise<{ file: string; bytes: number }> {
  const manifest = writeLambdaBundle(outdir);
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

/** The size the bundle would have with the AWS SDK inlined (nothing external); nothing is written. */
export async function bundleSizeWithoutExternals(): Promise<number> {
  return buildRuntimeCode(runtimeBuildOptions([])).byteLength;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const outdir = resolve(process.argv[2] ?? 'dist/runtime/lambda');
  const manifest = writeLambdaBundle(outdir);
  const inlined = await bundleSizeWithoutExternals();
  const standalone = await bundleStandalone(resolve(process.argv[3] ?? 'dist/gateway-runtime.js'));
  console.log(`gateway runtime Lambda bundle: ${outdir}/`);
  console.log(
    `  ${RUNTIME_BUNDLE_FILE}: ${manifest.bytes} bytes (${kib(manifest.bytes)}) with @aws-sdk/* external (provided by the nodejs22.x and nodejs24.x runtimes), SHA-256 ${manifest.sha256}`,
  );
  console.log(
    `  ${manifest.archive.file}: ${manifest.archive.bytes} bytes (${kib(manifest.archive.bytes)}), SHA-256 ${manifest.archive.sha256}`,
  );
  console.log(`  ${inlined} bytes (${kib(inlined)}) if the AWS SDK were bundled too`);
  console.log(`standalone proxy, one file without node_modules: ${standalone.file}`);
  console.log(`  ${standalone.bytes} bytes (${kib(standalone.bytes)}), AWS SDK included`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
