/**
 * The main job: synthesize the example app into cdktf.out/ and plan every stack offline with
 * `backend-link plan` (the same code the installed command runs), writing cdktf.out/stacks/<stack>/plan.json
 * and one summary table.
 */
import { resolve } from 'node:path';
import { buildExampleApp } from '../examples/main';
import { planCommand } from '../lib/cli/plan';

async function main(): Promise<number> {
  const outdir = resolve(process.argv[2] ?? 'cdktf.out');
  buildExampleApp(outdir).synth();
  console.log(`synthesized into ${outdir}`);
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
