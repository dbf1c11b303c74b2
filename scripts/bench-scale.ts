/**
 * The scale benchmark (figures, not a test): synthesize the generated 100-customer app
 * (examples/scale/) in this process, then plan every stack with `backend-link plan` (the command's
 * source, lib/cli/backend-link.ts, run through tsx; `--dist` runs the built dist/lib/cli/backend-link.js),
 * printing seconds and peak memory for each.
 *
 *   npm run bench:scale                              # 100 customers, plan with all cores
 *   npm run bench:scale -- --customers 20            # fewer customers
 *   npm run bench:scale -- --synth-only              # no plan
 *   npm run bench:scale -- --parallel 4              # backend-link plan --parallel (default: the number of cores)
 *   npm run bench:scale -- --no-shared-provider      # every terraform command starts its own provider
 *
 * Targets (issue 10): synth <= 30 s and <= 1.5 GB; plan all stacks offline in parallel <= 4 min.
 * Figures depend on the machine and on what else runs on it: the load average is printed with them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { buildScaleApp } from '../examples/scale/main';
import { listStacks } from '../lib/terraform/harness';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const CUSTOMERS = Number(option('customers') ?? 100);
const PARALLEL = Number(option('parallel') ?? availableParallelism());
const SYNTH_ONLY = process.argv.includes('--synth-only');
const SHARED_PROVIDER = !process.argv.includes('--no-shared-provider');
const FROM_DIST = process.argv.includes('--dist');
const MiB = 1024 * 1024;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

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

/**
 * CPU seconds (user + system) of the ended children of this process and their ended descendants
 * (Linux /proc/self/stat cutime + cstime); 0 elsewhere. Less dependent on the machine's load than seconds.
 */
function childrenCpuSeconds(): number {
  if (!existsSync('/proc/self/stat')) return 0;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // clock ticks, USER_HZ = 100 on Linux
}

/** The `backend-link plan` command line: the source through tsx, or the built command. */
function planCommandLine(outdir: string): string[] {
  const root = resolve(__dirname, '..');
  const entry = FROM_DIST
    ? [join(root, 'dist', 'lib', 'cli', 'backend-link.js')]
    : ['--import', 'tsx', join(root, 'lib', 'cli', 'backend-link.ts')];
  if (FROM_DIST && !existsSync(entry[0])) throw new Error(`${entry[0]} does not exist: npm run build first`);
  return [
    ...entry,
    'plan',
    '--out',
    outdir,
    '--parallel',
    String(PARALLEL),
    ...(SHARED_PROVIDER ? [] : ['--no-shared-provider']),
  ];
}

function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((done) =>
    execFile(command, args, { maxBuffer: 256 * MiB }, (error, stdout, stderr) =>
      done({ stdout, stderr, code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0 }),
    ),
  );
}

async function main(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 / MiB)} GiB`;
  console.log(`machine: ${machine}; Node ${process.version}; load average ${load()}`);
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
    const args = planCommandLine(outdir);
    console.log(`plan: ${['node', ...args].join(' ')}  (load average ${load()})`);
    const planStart = performance.now();
    const cpuStart = childrenCpuSeconds();
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(process.execPath, args);
    } finally {
      clearInterval(sampler);
    }
    const planSeconds = (performance.now() - planStart) / 1000;
    const planCpu = childrenCpuSeconds() - cpuStart;
    const lines = result.stdout.trimEnd().split('\n');
    // The slowest stacks and the totals line of backend-link plan's table.
    const rows = lines.slice(1, -1).sort((x, y) => Number(y.split(/\s+/)[4]) - Number(x.split(/\s+/)[4]));
    console.log([lines[0], ...rows.slice(0, 5), '…', lines[lines.length - 1]].join('\n'));
    if (result.code !== 0) {
      console.error(
        result.stderr
          .split('\n')
          .filter((l) => /FAILED|failed/.test(l))
          .slice(0, 20)
          .join('\n'),
      );
      process.exitCode = 1;
    }
    console.log(
      `plan: ${stacks.length} stacks in ${planSeconds.toFixed(1)} s (${(planSeconds / 60).toFixed(1)} min; target 4 min), ${planCpu.toFixed(0)} CPU s (${(planCpu / stacks.length).toFixed(1)} per stack), exit ${result.code}, parallel ${PARALLEL}, ${SHARED_PROVIDER ? 'shared provider per lane' : 'a provider per terraform command'}; peak RSS of backend-link plan and its terraform and provider processes ${(peakPlanRss / MiB).toFixed(0)} MiB (sampled every second); load average at the end ${load()}`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
