/**
 * The scale benchmark (figures, not a test): synthesize the generated 100-customer app
 * (examples/scale/), then plan every stack offline in parallel, printing seconds and peak memory.
 *
 *   npm run bench:scale                          # 100 customers, plan with all cores
 *   npm run bench:scale -- --customers 20        # fewer customers
 *   npm run bench:scale -- --synth-only          # no plan
 *   npm run bench:scale -- --concurrency 4       # plan concurrency (default: the number of cores)
 *
 * Planning uses `backend-link plan` when the package has that command (bin `backend-link`). Without it,
 * it falls back to the Terraform harness: stacks that read no remote state (the platforms) are planned
 * offline with their S3 backend swapped for a local state; customer stacks, whose platform is not applied,
 * are validated (`init -backend=false`, `validate`), which is all the harness can do for them.
 *
 * Targets (issue 10): synth <= 30 s and <= 1.5 GB; plan all stacks offline in parallel <= 4 min.
 * Figures depend on the machine and on what else runs on it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { buildScaleApp } from '../examples/scale/main';
import { findProviderMirror, listStacks, planOffline } from './terraform/harness';
import { mapWithConcurrency, validateOffline, writeLocalBackendOverride } from './terraform/stacks';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const CUSTOMERS = Number(option('customers') ?? 100);
const CONCURRENCY = Number(option('concurrency') ?? availableParallelism());
const SYNTH_ONLY = process.argv.includes('--synth-only');
const MiB = 1024 * 1024;

/** Resident memory of this process's descendants (Linux /proc), bytes; 0 elsewhere. */
function descendantsRss(): number {
  if (!existsSync('/proc/self/stat')) return 0;
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      rss.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    let parent = parents.get(pid);
    for (let hops = 0; parent !== undefined && parent > 1 && hops < 64; hops++) {
      if (parent === process.pid) {
        total += bytes;
        break;
      }
      parent = parents.get(parent);
    }
  }
  return total;
}

/** The `backend-link` command's source, when the package has one (it is built to dist/). */
function cliPlanner(): string | undefined {
  const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  const bin = pkg.bin?.['backend-link'];
  if (!bin) return undefined;
  const source = resolve(__dirname, '..', bin.replace(/^(\.\/)?dist\//, '').replace(/\.js$/, '.ts'));
  return existsSync(source) ? source : undefined;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(command, args, { maxBuffer: 256 * MiB }, (error, stdout, stderr) =>
      error ? fail(new Error(`${command} ${args.join(' ')} failed:\n${stderr || stdout}`)) : done(stdout),
    ),
  );
}

async function main(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 / MiB)} GiB`;
  console.log(`machine: ${machine}; Node ${process.version}`);
  try {
    const synthStart = performance.now();
    const { app, layout } = buildScaleApp(outdir, { customers: CUSTOMERS });
    app.synth();
    const synthSeconds = (performance.now() - synthStart) / 1000;
    const peakKiB = process.resourceUsage().maxRSS;
    const stacks = listStacks(outdir);
    console.log(
      `synth: ${stacks.length} stacks (${layout.platforms.length} platforms, ${layout.customers.length} customers) in ${synthSeconds.toFixed(1)} s, peak RSS ${(peakKiB / 1024).toFixed(0)} MiB (targets: 30 s, 1536 MiB)`,
    );
    if (SYNTH_ONLY) return;

    let peakPlanRss = 0;
    const sampler = setInterval(() => (peakPlanRss = Math.max(peakPlanRss, descendantsRss())), 1000);
    const planStart = performance.now();
    const cli = cliPlanner();
    try {
      if (cli) {
        console.log(`planning with backend-link plan (${cli}), concurrency ${CONCURRENCY}`);
        process.stdout.write(
          await run(process.execPath, [
            '--import',
            'tsx',
            cli,
            'plan',
            outdir,
            '--concurrency',
            String(CONCURRENCY),
          ]),
        );
      } else {
        const mirror = findProviderMirror();
        console.log(
          `no backend-link plan command: the harness plans the platform stacks and validates the customer stacks, concurrency ${CONCURRENCY}`,
        );
        const results = await mapWithConcurrency(stacks, CONCURRENCY, async (dir) => {
          const started = performance.now();
          const synthesized = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as {
            data?: { terraform_remote_state?: unknown };
          };
          const readsRemoteState = synthesized.data?.terraform_remote_state !== undefined;
          const name = dir.split('/').pop()!;
          try {
            if (readsRemoteState) {
              await validateOffline(dir, { mirror });
              return { name, result: 'validated', seconds: (performance.now() - started) / 1000 };
            }
            writeLocalBackendOverride(dir);
            const { summary } = await planOffline(dir, { mirror });
            return {
              name,
              result: `planned: ${summary.toAdd} to add`,
              seconds: (performance.now() - started) / 1000,
            };
          } catch (error) {
            return { name, result: `FAILED: ${(error as Error).message.split('\n')[0]}`, seconds: 0 };
          }
        });
        const failed = results.filter((r) => r.result.startsWith('FAILED'));
        for (const r of results.filter((x) => !x.result.startsWith('validated')))
          console.log(`  ${r.name}: ${r.result} (${r.seconds.toFixed(1)} s)`);
        console.log(
          `  ${results.filter((r) => r.result === 'validated').length} customer stacks validated, ${failed.length} failed`,
        );
        if (failed.length > 0) process.exitCode = 1;
      }
    } finally {
      clearInterval(sampler);
    }
    const planSeconds = (performance.now() - planStart) / 1000;
    console.log(
      `plan: ${stacks.length} stacks in ${planSeconds.toFixed(1)} s (${(planSeconds / 60).toFixed(1)} min; target 4 min), peak RSS of the terraform processes ${(peakPlanRss / MiB).toFixed(0)} MiB`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
