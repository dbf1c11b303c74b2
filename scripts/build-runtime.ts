/**
 * Bundles the gateway runtime's Lambda handler (gateway-runtime/src/adapters/lambda.ts) with esbuild
 * into ONE file, `index.js`, exporting `handler` (Lambda handler setting `index.handler`): platform
 * node, target node22, CommonJS, minified. `@aws-sdk/*` stays external: the nodejs22.x and nodejs24.x Lambda runtimes
 * provide AWS SDK v3.
 *
 *   npm run build:runtime            # writes dist/runtime/index.js and dist/gateway-runtime.js, prints their sizes
 *
 * dist/gateway-runtime.js is the standalone proxy as one file with nothing external (`node
 * gateway-runtime.js serve --config ...` runs without node_modules); `npm run build` writes it into the
 * package. Both come from `buildRuntimeCode` (esbuild, then the rewrites of lib/runtime/bundle-rewrite.ts:
 * llhttp's WebAssembly brotli-compressed, undici's HTTP/2 client left out of the Lambda bundle), the
 * build the constructs also use at synth time.
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  RUNTIME_EXTERNALS,
  buildRuntimeCode,
  runtimeBuildOptions,
  standaloneBuildOptions,
} from '../lib/runtime/runtime-bundle';

/** Writes a bundle's code (from `buildRuntimeCode`, the one build of every runtime bundle), creating its directory. */
function writeBundle(file: string, code: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
}

/** Writes `<outdir>/index.js` and returns its path and size in bytes. */
export async function bundleRuntime(outdir: string): Promise<{ file: string; bytes: number }> {
  const file = join(resolve(outdir), 'index.js');
  writeBundle(file, buildRuntimeCode(runtimeBuildOptions(RUNTIME_EXTERNALS)));
  return { file, bytes: statSync(file).size };
}

/** Writes the single-file standalone proxy to `file` (executable) and returns its size in bytes. */
export async function bundleStandalone(file: string): Promise<{ file: string; bytes: number }> {
  const path = resolve(file);
  writeBundle(path, buildRuntimeCode(standaloneBuildOptions()));
  chmodSync(path, 0o755);
  return { file: path, bytes: statSync(path).size };
}

/** The size the bundle would have with the AWS SDK inlined (nothing external); nothing is written. */
export async function bundleSizeWithoutExternals(): Promise<number> {
  return buildRuntimeCode(runtimeBuildOptions([])).byteLength;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const outdir = resolve(process.argv[2] ?? 'dist/runtime');
  const { file, bytes } = await bundleRuntime(outdir);
  const inlined = await bundleSizeWithoutExternals();
  const standalone = await bundleStandalone(resolve(process.argv[3] ?? 'dist/gateway-runtime.js'));
  console.log(`gateway runtime bundle: ${file}`);
  console.log(
    `  ${bytes} bytes (${kib(bytes)}) with @aws-sdk/* external (provided by the nodejs22.x and nodejs24.x runtimes)`,
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
