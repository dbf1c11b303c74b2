/**
 * Where each Lambda bundle's bytes go, from esbuild's metafile of the very build that ships
 * (`familyBuildOptions`: one bundle per scheme family of lib/runtime/runtime-families.ts, then the rewrites
 * of rewrite.ts):
 *
 *   npx tsx scripts/runtime-bundle/breakdown.ts [--modules] [--family NAME]
 *
 * prints, for every family (or the one named), the bundle's size against the 200,000-byte budget
 * (test/gateway-runtime/bundle.test.ts), its scheme modules and stand-ins, the minified bytes per package
 * (the runtime per directory) as esbuild writes them, what each rewrite replaced, and with `--modules` the
 * bytes of every module. Nothing is written.
 */
import { build } from 'esbuild';
import {
  DEFAULT_RUNTIME_FAMILY,
  RUNTIME_FAMILIES,
  runtimeFamilyNamed,
} from '../../lib/runtime/runtime-families';
import { familyBuildOptions } from '../build-runtime';
import { SCHEME_STAND_IN_NAMESPACE } from './families';
import { rewriteRuntimeBundle } from './rewrite';

/** The Lambda bundle's budget in bytes (issue 13, kept by issue 22). */
export const LAMBDA_BUNDLE_BUDGET = 200_000;

export interface BundleBreakdown {
  /** The scheme family (lib/runtime/runtime-families.ts). */
  readonly family: string;
  /** The bundle's bytes after the rewrites (what ships). */
  readonly bytes: number;
  /** The bytes esbuild writes, before the rewrites. */
  readonly esbuildBytes: number;
  /** Minified bytes per group: an npm package, or `runtime:<directory or file>` for gateway-runtime/src. */
  readonly groups: ReadonlyArray<readonly [string, number]>;
  /** Minified bytes per module (metafile input path), largest first. */
  readonly modules: ReadonlyArray<readonly [string, number]>;
  readonly rewrites: ReadonlyArray<{ what: string; bytesBefore: number; bytesAfter: number }>;
  /** The modules of gateway-runtime/src/schemes/ in the bundle (file names), sorted. */
  readonly schemeModules: readonly string[];
  /** The factory modules replaced by stand-ins (specifiers as schemes/index.ts imports them), sorted. */
  readonly standIns: readonly string[];
}

/** The group of a metafile input path: its npm package, or its part of gateway-runtime/src. */
export function groupOf(input: string): string {
  // The last node_modules/ of the path (pnpm nests packages under node_modules/.pnpm/.../node_modules/).
  const pkg = /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (pkg) return pkg[1];
  const runtime = /(?:^|\/)gateway-runtime\/src\/([^/]+)/.exec(input);
  return runtime ? `runtime:${runtime[1]}` : input;
}

/** Builds a family's Lambda bundle in memory and measures it. */
export async function lambdaBundleBreakdown(familyName = DEFAULT_RUNTIME_FAMILY): Promise<BundleBreakdown> {
  const options = familyBuildOptions(runtimeFamilyNamed(familyName));
  const result = await build({ ...options, write: false, metafile: true, outfile: 'index.js' });
  const [output] = Object.values(result.metafile.outputs);
  const { code, rewrites } = rewriteRuntimeBundle(result.outputFiles[0].text, result.metafile, options);
  const groups = new Map<string, number>();
  const modules: Array<[string, number]> = [];
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    groups.set(groupOf(input), (groups.get(groupOf(input)) ?? 0) + bytesInOutput);
    modules.push([input, bytesInOutput]);
  }
  const bySize = (a: readonly [string, number], b: readonly [string, number]) => b[1] - a[1];
  const inputs = Object.keys(output.inputs);
  const standInPrefix = `${SCHEME_STAND_IN_NAMESPACE}:./`;
  return {
    family: familyName,
    bytes: Buffer.byteLength(code),
    esbuildBytes: result.outputFiles[0].contents.byteLength,
    groups: [...groups].sort(bySize),
    modules: modules.sort(bySize),
    rewrites,
    schemeModules: inputs
      .map((i) => /(?:^|\/)gateway-runtime\/src\/schemes\/([^/]+)$/.exec(i)?.[1])
      .filter((m): m is string => m !== undefined)
      .sort(),
    standIns: inputs
      .filter((i) => i.startsWith(standInPrefix))
      .map((i) => i.slice(standInPrefix.length - 2))
      .sort(),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--family');
  const families = at >= 0 ? [runtimeFamilyNamed(argv[at + 1])] : RUNTIME_FAMILIES;
  const n = (x: number) => x.toLocaleString('en-US');
  for (const family of families) {
    const b = await lambdaBundleBreakdown(family.name);
    console.log(
      `Lambda bundle, family "${b.family}" (${family.schemes.join(', ')}), dist/runtime/${family.directory}/: ` +
        `${n(b.bytes)} bytes (${n(LAMBDA_BUNDLE_BUDGET - b.bytes)} under the ${n(LAMBDA_BUNDLE_BUDGET)}-byte budget); ` +
        `${n(b.esbuildBytes)} as esbuild writes it`,
    );
    console.log(`  scheme modules: ${b.schemeModules.join(', ')}`);
    console.log(`  stand-ins (ConfigError): ${b.standIns.join(', ') || '(none)'}`);
    console.log('\n  minified bytes per package (before the rewrites):');
    for (const [group, bytes] of b.groups) console.log(`    ${n(bytes).padStart(8)}  ${group}`);
    console.log('\n  rewrites:');
    for (const r of b.rewrites)
      console.log(`    ${n(r.bytesBefore).padStart(8)} -> ${n(r.bytesAfter)}  ${r.what}`);
    if (argv.includes('--modules')) {
      console.log('\n  minified bytes per module (before the rewrites):');
      for (const [input, bytes] of b.modules) console.log(`    ${n(bytes).padStart(8)}  ${input}`);
    }
    console.log('');
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
