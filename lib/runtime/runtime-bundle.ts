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

function runtimeSource(module: string, what: string): string {
  const base = resolve(__dirname, '../../gateway-runtime/src', module);
  for (const candidate of [`${base}.ts`, `${base}.js`]) if (existsSync(candidate)) return candidate;
  throw new Error(`${what} is missing (looked for ${base}.ts and ${base}.js)`);
}

/** The one esbuild configuration of the runtime bundle: one minified CommonJS file for node22. */
export function runtimeBuildOptions(
  external: readonly string[] = RUNTIME_EXTERNALS,
  entry = runtimeEntryPoint(),
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
    external: [...external],
    logLevel: 'silent',
  };
}

/**
 * The single-file standalone proxy (`node gateway-runtime.js serve --config ...`): the runtime's esbuild
 * configuration with the command as entry point and nothing external (the AWS SDK is inlined, for a
 * proxy that reads Secrets Manager), so a DMZ host runs it without node_modules.
 */
export function standaloneBuildOptions(entry = standaloneEntryPoint()): BuildOptions {
  return runtimeBuildOptions([], entry);
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
