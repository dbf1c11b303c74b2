import { BuildOptions, buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Modules the bundle leaves to the Lambda runtime: nodejs22.x provides AWS SDK v3. */
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
 * gateway-runtime/src/io/undici.ts; these two are only reached on paths the Lambda never takes):
 * llhttp's non-SIMD WebAssembly (72 KB, a fallback for CPUs without WebAssembly SIMD; the x86_64 and
 * arm64 Lambda CPUs have it) and the fetch body extractor undici's client loads for FormData bodies
 * (41 KB with the web modules it pulls in; the gateway sends Buffers and streams). And `node:http2`
 * becomes lib/runtime/no-http2 (a cold-start cost for a protocol the gateway never offers). The
 * standalone proxy keeps all three: its host's CPU is unknown.
 */
export const LAMBDA_LEFT_OUT = ['*/llhttp/llhttp-wasm.js', '*/web/fetch/body.js'] as const;

/** The one esbuild configuration of the runtime bundle: one minified CommonJS file for node22. */
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
  const result = buildSync({
    ...runtimeBuildOptions(RUNTIME_EXTERNALS, entry),
    write: false,
    outfile: 'index.js',
  });
  const code = result.outputFiles![0].contents;
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
