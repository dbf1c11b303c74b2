/**
 * The main job: synthesize the example app into cdktf.out/ and plan every stack offline, writing
 * cdktf.out/stacks/<stack>/plan.json, then print a short summary per stack.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildExampleApp } from '../examples/main';
import { findProviderMirror, formatSummary, listStacks, planOffline } from './terraform/harness';

/** The warning annotations cdktf wrote into the manifest, as `[construct path] message`. */
function synthWarnings(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<
      string,
      { annotations?: Array<{ constructPath: string; level: string; message: string }> }
    >;
  };
  return Object.values(manifest.stacks).flatMap((stack) =>
    (stack.annotations ?? [])
      .filter((a) => a.level === '@cdktf/warn')
      .map((a) => `[${a.constructPath}] ${a.message}`),
  );
}

async function main(): Promise<void> {
  const outdir = resolve(process.argv[2] ?? 'cdktf.out');
  const mirror = findProviderMirror();
  buildExampleApp(outdir).synth();
  console.log(`synthesized into ${outdir}; planning offline with the provider mirror at ${mirror}`);
  // What the cdktf CLI would print after synth: the constructs' warnings (things only a real account shows).
  for (const warning of synthWarnings(outdir)) console.warn(`warning: ${warning}`);
  for (const stackDir of listStacks(outdir)) {
    const result = await planOffline(stackDir, { mirror });
    console.log(formatSummary(result.summary));
    console.log(`  plan: ${result.planJsonPath}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
