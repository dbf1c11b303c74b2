/**
 * The main job: synthesize the example app into cdktf.out/ and plan every stack offline with
 * `backend-link plan` (the same code the installed command runs), writing cdktf.out/stacks/<stack>/plan.json
 * and one summary table.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildExampleApp } from '../examples/main';
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
  return planCommand(['--out', outdir]);
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
