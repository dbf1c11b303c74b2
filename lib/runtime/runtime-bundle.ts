import { BuildOptions, buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';
import { RuntimeBundleShapeError, rewriteRuntimeBundle } from './bundle-rewrite';

export { RuntimeBundleShapeError } from './bundle-rewrite';

/** Modules the bundle leaves to the Lambda runtime: nodejs22.x and nodejs24.x provide AWS SDK v3. */
export const RUNTIME_EXTERNALS = ['@aws-sdk/*'] as const;

/** The Lambda handler's source: the .ts file in the repository, or the compiled .js in dist/. */
export function runtimeEntryPoint(): string {
  return runtimeSource('adapters/lambda', "the gateway runtime's Lambda handler");
}

/** The standalone proxy's command (`gateway-runtime serve`): the .ts file in the repository, or the .js in dist/. */
export function standaloneEntryPoint(): string {
  return runtimeSource('cli', "the gateway runtime's command");
}

/** A module beside this one: the .ts file in the repository, or the compiled .js in dist/. */
function runtimeModule(module: string, what: string): string {
  const base = resolve(__dirname, module);
  for (const candidate of [`${base}.ts`, `${base}.js`]) if (existsSync(candidate)) return candidate;
  throw new Error(`${what} is missing (looked for ${base}.ts and ${base}.js)`);
}

function runtimeSource(module: string, what: string): string {
  const base = resolve(__dirname, '../../gateway-runtime/src', module);
  for (const candidate of [`${base}.ts`, `${base}.js`]) if (existsSync(candidate)) return candidate;
  throw new Error(`${what} is missing (looked for ${base}.ts and ${base}.js)`);
}

/**
 * undici modules the Lambda bundle leaves out (the runtime imports undici's parts one by one, see
 * gateway-runtime/src/io/undici.ts; these three are only reached on paths the Lambda never takes):
 * llhttp's non-SIMD WebAssembly (a fallback for CPUs without WebAssembly SIMD; the x86_64 and arm64
 * Lambda CPUs have it), the fetch body extractor undici's client loads for FormData bodies (41 KB
 * with the web modules it pulls in; the gateway sends Buffers and streams) and undici's HTTP/2 client
 * (10 KB; used only for a connection that negotiated `h2`, which undici offers in ALPN only with
 * `allowH2`, never set by the runtime; undici's client requires it when it loads, so the `require`
 * becomes a stand-in that throws, see `LEFT_OUT_STAND_INS` in bundle-rewrite.ts). And `node:http2`
 * becomes lib/runtime/no-http2 (a cold-start cost for a protocol the gateway never offers; undici's
 * HTTP/2 client was its only importer, the alias stays for any other). The standalone proxy keeps
 * all four: its host's CPU is unknown.
 */
export const LAMBDA_LEFT_OUT = ['*/llhttp/llhttp-wasm.js', '*/web/fetch/body.js', '*/client-h2.js'] as const;

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
          alias: { 'node:http2': runtimeModule('no-http2', 'the node:http2 stand-in') },
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
 * (synth, `npm run build:runtime`, `npm run build`, `npm run bench`), so each ships the same bytes.
 * Synchronous: synth can not wait. Deterministic: the same sources, esbuild and brotli
 * (`process.versions.brotli`) give the same bytes.
 *
 * Measured (undici 7.30.2, esbuild 0.28.2): the Lambda bundle 252,924 bytes before the rewrites and
 * the HTTP/2 client left out, 190,237 after; the standalone proxy 822,643 before, 719,651 after.
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

export interface RuntimeBundle {
  /** A directory holding only `index.js` (the handler is `index.handler`). */
  readonly directory: string;
  readonly bytes: number;
  /** SHA-256 of the bundle, hex. */
  readonly sha256: string;
}

let cached: RuntimeBundle | undefined;

/**
 * Bundles the gateway runtime's Lambda handler for a `TerraformAsset`, once per process (synth is
 * synchronous, so this uses esbuild's synchronous API). The directory is named by the bundle's hash.
 */
export function bundleGatewayRuntime(entry?: string): RuntimeBundle {
  if (cached && entry === undefined) return cached;
  const code = buildRuntimeCode(runtimeBuildOptions(RUNTIME_EXTERNALS, entry));
  const sha256 = createHash('sha256').update(code).digest('hex');
  const directory = join(tmpdir(), `backend-link-runtime-${sha256.slice(0, 16)}`);
  mkdirSync(directory, { recursive: true });
  const file = join(directory, 'index.js');
  if (!existsSync(file) || statSync(file).size !== code.byteLength) {
    // Write beside it and rename: another process synthesizing at the same time never sees half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  const bundle = { directory, bytes: code.byteLength, sha256 };
  if (entry === undefined) cached = bundle;
  return bundle;
}

/** Describes a prebuilt bundle directory (it must hold `index.js`). */
export function prebuiltRuntimeBundle(directory: string): RuntimeBundle {
  const file = join(directory, 'index.js');
  if (!existsSync(file)) throw new Error(`runtime bundle directory ${directory} holds no index.js`);
  const code = readFileSync(file);
  return { directory, bytes: code.byteLength, sha256: createHash('sha256').update(code).digest('hex') };
}

/** The runtime bundle as a ZIP archive, the form Lambda takes. */
export interface RuntimeArchive {
  /** The archive file: one entry, `index.js`. */
  readonly path: string;
  readonly bytes: number;
  /** SHA-256 of the archive, hex. */
  readonly sha256: string;
}

/** The archive's file name, also in every stack's `assets/` directory. */
export const RUNTIME_ARCHIVE_NAME = 'gateway-runtime.zip';

const archives = new Map<string, RuntimeArchive>();

/**
 * The bundle zipped once per process and bundle: every stack's asset copies this one file, so an app
 * with a hundred customer stacks zips the runtime once, not a hundred times. The archive is
 * deterministic (fixed timestamp, fixed permissions), so its hash changes only with the code.
 */
export function runtimeBundleArchive(bundle: RuntimeBundle): RuntimeArchive {
  const key = `${bundle.directory}\0${bundle.sha256}`;
  const known = archives.get(key);
  if (known && existsSync(known.path)) return known;
  const zip = zipOneFile('index.js', readFileSync(join(bundle.directory, 'index.js')));
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const directory = join(tmpdir(), 'backend-link-runtime-archives', sha256.slice(0, 16));
  mkdirSync(directory, { recursive: true });
  const path = join(directory, RUNTIME_ARCHIVE_NAME);
  if (!existsSync(path) || statSync(path).size !== zip.byteLength) {
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, zip);
    renameSync(partial, path);
  }
  const archive = { path, bytes: zip.byteLength, sha256 };
  archives.set(key, archive);
  return archive;
}

/** DOS date of 1980-01-01 (the earliest ZIP can hold), time 00:00: the same archive on every machine. */
const ZIP_DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** A regular file, rw-r--r--, in the upper half of the external attributes (made by: Unix). */
const ZIP_UNIX_FILE_MODE = (0o100644 << 16) >>> 0;

/** A ZIP archive (deflated) with one file. Node's zlib does the compression and the CRC. */
function zipOneFile(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content, { level: zlibConstants.Z_BEST_COMPRESSION });
  const fileName = Buffer.from(name, 'utf8');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(8, 8); // method: deflate
  local.writeUInt16LE(0, 10); // time
  local.writeUInt16LE(ZIP_DOS_DATE, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.byteLength, 18);
  local.writeUInt32LE(content.byteLength, 22);
  local.writeUInt16LE(fileName.byteLength, 26);
  local.writeUInt16LE(0, 28); // extra length
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE(ZIP_DOS_DATE, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.byteLength, 20);
  central.writeUInt32LE(content.byteLength, 24);
  central.writeUInt16LE(fileName.byteLength, 28);
  central.writeUInt16LE(0, 30); // extra length
  central.writeUInt16LE(0, 32); // comment length
  central.writeUInt16LE(0, 34); // disk
  central.writeUInt16LE(0, 36); // internal attributes
  central.writeUInt32LE(ZIP_UNIX_FILE_MODE, 38);
  central.writeUInt32LE(0, 42); // offset of the local header
  const centralOffset = local.byteLength + fileName.byteLength + data.byteLength;
  const centralSize = central.byteLength + fileName.byteLength;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
