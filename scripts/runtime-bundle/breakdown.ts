/**
 * Where the Lambda bundle's bytes go, from esbuild's metafile of the very build that ships
 * (`runtimeBuildOptions`, then the rewrites of rewrite.ts):
 *
 *   npx tsx scripts/runtime-bundle/breakdown.ts [--modules]
 *
 * prints the bundle's size against the 200,000-byte budget (test/gateway-runtime/bundle.test.ts), the
 * minified bytes per package (the runtime per directory) as esbuild writes them, what each rewrite
 * replaced, and with `--modules` the bytes of every module. Nothing is written.
 */
import { buildSync } from 'esbuild';
import { runtimeBuildOptions } from '../build-runtime';
import { rewriteRuntimeBundle } from './rewrite';

/** The Lambda bundle's budget in bytes (issue 13, kept by issue 22). */
export const LAMBDA_BUNDLE_BUDGET = 200_000;

export interface BundleBreakdown {
  /** The bundle's bytes after the rewrites (what ships). */
  readonly bytes: number;
  /** The bytes esbuild writes, before the rewrites. */
  readonly esbuildBytes: number;
  /** Minified bytes per group: an npm package, or `runtime:<directory or file>` for gateway-runtime/src. */
  readonly groups: ReadonlyArray<readonly [string, number]>;
  /** Minified bytes per module (metafile input path), largest first. */
  readonly modules: ReadonlyArray<readonly [string, number]>;
  readonly rewrites: ReadonlyArray<{ what: string; bytesBefore: number; bytesAfter: number }>;
}

/** The group of a metafile input path: its npm package, or its part of gateway-runtime/src. */
export function groupOf(input: string): string {
  // The last node_modules/ of the path (pnpm nests packages under node_modules/.pnpm/.../node_modules/).
  const pkg = /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (pkg) return pkg[1];
  const runtime = /(?:^|\/)gateway-runtime\/src\/([^/]+)/.exec(input);
  return runtime ? `runtime:${runtime[1]}` : input;
}

/** Builds the Lambda bundle in memory and measures it. */
export function lambdaBundleBreakdown(): BundleBreakdown {
  const options = runtimeBuildOptions();
  const result = buildSync({ ...options, write: false, metafile: true, outfile: 'index.js' });
  const [output] = Object.values(result.metafile.outputs);
  const { code, rewrites } = rewriteRuntimeBundle(result.outputFiles[0].text, result.metafile, options);
  const groups = new Map<string, number>();
  const modules: Array<[string, number]> = [];
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    groups.set(groupOf(input), (groups.get(groupOf(input)) ?? 0) + bytesInOutput);
    modules.push([input, bytesInOutput]);
  }
  const bySize = (a: readonly [string, number], b: readonly [string, number]) => b[1] - a[1];
  return {
    bytes: Buffer.byteLength(code),
    esbuildBytes: result.outputFiles[0].contents.byteLength,
    groups: [...groups].sort(bySize),
    modules: modules.sort(bySize),
    rewrites,
  };
}

function main(): void {
  const b = lambdaBundleBreakdown();
  const n = (x: number) => x.toLocaleString('en-US');
  console.log(
    `Lambda bundle: ${n(b.bytes)} bytes (${n(LAMBDA_BUNDLE_BUDGET - b.bytes)} under the ${n(LAMBDA_BUNDLE_BUDGET)}-byte budget); ` +
      `${n(b.esbuildBytes)} as esbuild writes it`,
  );
  console.log('\nminified bytes per package (before the rewrites):');
  for (const [group, bytes] of b.groups) console.log(`  ${n(bytes).padStart(8)}  ${group}`);
  console.log('\nrewrites:');
  for (const r of b.rewrites)
    console.log(`  ${n(r.bytesBefore).padStart(8)} -> ${n(r.bytesAfter)}  ${r.what}`);
  if (process.argv.includes('--modules')) {
    console.log('\nminified bytes per module (before the rewrites):');
    for (const [input, bytes] of b.modules) console.log(`  ${n(bytes).padStart(8)}  ${input}`);
  }
}

if (require.main === module) main();
