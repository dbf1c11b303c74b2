/**
 * The main job: synthesize the example app into cdktf.out/ and plan every stack offline, writing
 * cdktf.out/stacks/<stack>/plan.json, then print a short summary per stack.
 */
import { resolve } from 'node:path';
import { buildExampleApp } from '../examples/main';
import { findProviderMirror, formatSummary, listStacks, planOffline } from '../lib/terraform/harness';

async function main(): Promise<void> {
  const outdir = resolve(process.argv[2] ?? 'cdktf.out');
  const mirror = findProviderMirror();
  buildExampleApp(outdir).synth();
  console.log(`synthesized into ${outdir}; planning offline with the provider mirror at ${mirror}`);
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
