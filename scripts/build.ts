/**
 * npm run build (and npm run package, which packs what it builds): compiles lib/ and gateway-runtime/src/
 * into dist/ (no source maps: stack traces point at the shipped .js files), builds each scheme family's Lambda
 * bundle once (lib/runtime/runtime-families.ts) into dist/runtime/lambda/ (standard),
 * dist/runtime/lambda-oauth2/, dist/runtime/lambda-message-signature/ and dist/runtime/lambda-sigv4/ (`index.js`, `gateway-runtime.zip`,
 * `manifest.json`, see
 * scripts/build-runtime.ts: esbuild and the undici rewrites run here, with the lockfile's undici and
 * esbuild; synth deploys the shipped archive) and the single-file standalone proxy
 * (dist/gateway-runtime.js), and makes every `bin` of package.json executable.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUNTIME_FAMILIES } from '../lib/runtime/runtime-families';
import {
  BuiltLambdaBundle,
  buildLambdaBundleAsync,
  bundleStandalone,
  lockfileMismatches,
  writeLambdaBundles,
} from './build-runtime';

const root = resolve(__dirname, '..');

async function main(): Promise<void> {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    {
      stdio: 'inherit',
    },
  );
  const built = new Map<string, BuiltLambdaBundle>();
  for (const family of RUNTIME_FAMILIES) built.set(family.name, await buildLambdaBundleAsync(family.name));
  const drift = lockfileMismatches(
    built.get(RUNTIME_FAMILIES[0].name)!.manifest,
    readFileSync(join(root, 'package-lock.json'), 'utf8'),
  );
  if (drift.length > 0)
    throw new Error(`the Lambda bundle must be built with the lockfile's versions: ${drift.join('; ')}`);
  const lambdas = await writeLambdaBundles(join(root, 'dist', 'runtime'), built);
  const standalone = await bundleStandalone(join(root, 'dist', 'gateway-runtime.js'));
  const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  for (const file of Object.values(bin)) {
    const path = join(root, file);
    if (!readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node\n')) {
      throw new Error(`${file} (a bin of package.json) does not start with #!/usr/bin/env node`);
    }
    chmodSync(path, 0o755);
  }
  console.log(
    `built dist/: ${Object.keys(bin).join(', ')}; Lambda bundles ${lambdas
      .map(
        ({ manifest: m }) =>
          `${m.family} ${m.bytes} bytes (archive ${m.archive.bytes} bytes, SHA-256 ${m.archive.sha256})`,
      )
      .join(', ')}; standalone proxy ${standalone.bytes} bytes`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
