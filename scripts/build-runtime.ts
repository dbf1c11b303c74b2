/**
 * Bundles the gateway runtime's Lambda handler (gateway-runtime/src/adapters/lambda.ts) with esbuild
 * into ONE file, `index.js`, exporting `handler` (Lambda handler setting `index.handler`): platform
 * node, target node22, CommonJS, minified. `@aws-sdk/*` stays external: the nodejs22.x Lambda runtime
 * provides AWS SDK v3.
 *
 *   npm run build:runtime            # writes dist/runtime/index.js and prints its size
 *
 * The constructs call `bundleRuntime(outdir)` at synth time.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUNTIME_EXTERNALS, runtimeBuildOptions } from '../lib/runtime/runtime-bundle';

/** Writes `<outdir>/index.js` and returns its path and size in bytes. */
export async function bundleRuntime(outdir: string): Promise<{ file: string; bytes: number }> {
  const file = join(resolve(outdir), 'index.js');
  await build({ ...runtimeBuildOptions(RUNTIME_EXTERNALS), outfile: file });
  return { file, bytes: statSync(file).size };
}

/** The size the bundle would have with the AWS SDK inlined (nothing external); nothing is written. */
export async function bundleSizeWithoutExternals(): Promise<number> {
  const result = await build({ ...runtimeBuildOptions([]), write: false, outfile: 'index.js' });
  return result.outputFiles.reduce((total, f) => total + f.contents.byteLength, 0);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const outdir = resolve(process.argv[2] ?? 'dist/runtime');
  const { file, bytes } = await bundleRuntime(outdir);
  const inlined = await bundleSizeWithoutExternals();
  console.log(`gateway runtime bundle: ${file}`);
  console.log(
    `  ${bytes} bytes (${kib(bytes)}) with @aws-sdk/* external (provided by the nodejs22.x runtime)`,
  );
  console.log(`  ${inlined} bytes (${kib(inlined)}) if the AWS SDK were bundled too`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
