/**
 * The main job: synthesize the example app into cdktf.out/ and plan every stack offline, writing
 * cdktf.out/stacks/<stack>/plan.json, then print a short summary per stack. Then the multi-stack
 * example into cdktf.out/multi-stack/: every stack validated, the platform stack planned (its S3
 * backend swapped for a local state by an override file); its customer stacks read the platform's
 * remote state, which only exists once the platform is applied, so they are validated, not planned.
 */
import { join, resolve } from 'node:path';
import { buildExampleApp } from '../examples/main';
import { buildMultiStackApp } from '../examples/multi-stack/main';
import { findProviderMirror, formatSummary, listStacks, planOffline } from './terraform/harness';
import { validateOffline, writeLocalBackendOverride } from './terraform/stacks';

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

  const multiStack = join(outdir, 'multi-stack');
  buildMultiStackApp(multiStack).app.synth();
  console.log(`multi-stack example synthesized into ${multiStack}`);
  for (const stackDir of listStacks(multiStack)) {
    await validateOffline(stackDir, { mirror });
    if (stackDir.endsWith('/platform')) {
      writeLocalBackendOverride(stackDir);
      const result = await planOffline(stackDir, { mirror });
      console.log(formatSummary(result.summary));
    } else {
      console.log(`stack ${stackDir.split('/').pop()}: valid (reads the platform's remote state)`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
