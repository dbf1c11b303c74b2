/**
 * The main job: synthesize the example apps and plan every stack offline with `backend-link plan` (the
 * same code the installed command runs), one summary table per app:
 *
 * - the single-stack showcase into cdktf.out/ (cdktf.out/stacks/<stack>/plan.json);
 * - the multi-stack example into cdktf.out/multi-stack/: the platform stack first, then every customer
 *   stack, each reading a state derived from the platform's plan instead of the platform's S3 state
 *   (which exists only once the platform is applied); the S3 backends are replaced by local states in an
 *   override file, the synthesized configuration is unchanged.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildExampleApp } from '../examples/main';
import { buildMultiStackApp } from '../examples/multi-stack/main';
import { planCommand } from '../lib/cli/plan';

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

async function main(): Promise<number> {
  const outdir = resolve(process.argv[2] ?? 'cdktf.out');
  buildExampleApp(outdir).synth();
  console.log(`synthesized into ${outdir}`);
  // What the cdktf CLI would print after synth: the constructs' warnings (things only a real account shows).
  for (const warning of synthWarnings(outdir)) console.warn(`warning: ${warning}`);
  const single = await planCommand(['--out', outdir]);

  const multiStack = join(outdir, 'multi-stack');
  buildMultiStackApp(multiStack).app.synth();
  console.log(`multi-stack example synthesized into ${multiStack}`);
  const multi = await planCommand(['--out', multiStack]);
  return Math.max(single, multi);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
