/**
 * The module load of each family's Lambda bundle, as a cold start pays it:
 *
 *   npx tsx scripts/runtime-bundle/cold-start.ts [--runs N] [FILE ...]
 *
 * builds every family's bundle (lib/runtime/runtime-families.ts) into a temporary folder and, in a fresh Node
 * process per run, times `require(index.js)`: its wall-clock time and the CPU time the process spent in it
 * (`process.cpuUsage`, which a machine busy with other work disturbs less than the wall clock). The bundles
 * are loaded round by round, interleaved, so a busy machine slows all alike; it prints the median and the 90th
 * percentile of each. FILE arguments (another build's index.js, e.g. the bundle before the families) are timed
 * in the same rounds. Nothing in the repository is written.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RUNTIME_FAMILIES } from '../../lib/runtime/runtime-families';
import { buildLambdaBundleAsync, writeLambdaBundle } from '../build-runtime';

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--runs');
  const runs = at >= 0 ? Number(argv[at + 1]) : 41;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs ${argv[at + 1]} must be a positive integer`);
  const extra = argv.filter((a, i) => a !== '--runs' && (at < 0 || i !== at + 1)).map((f) => resolve(f));
  const dir = mkdtempSync(join(tmpdir(), 'backend-link-cold-start-'));
  try {
    const targets: Array<{ label: string; file: string }> = [];
    for (const family of RUNTIME_FAMILIES) {
      const built = await buildLambdaBundleAsync(family.name);
      writeLambdaBundle(join(dir, family.directory), built);
      targets.push({
        label: `${family.name} (${built.manifest.bytes} bytes)`,
        file: join(dir, family.directory, 'index.js'),
      });
    }
    for (const file of extra) targets.push({ label: file, file });
    const wall = targets.map(() => [] as number[]);
    const cpu = targets.map(() => [] as number[]);
    // The Lambda adapter reads its configuration at the first request, not at load: no environment needed.
    for (let round = 0; round < runs + 1; round++) {
      targets.forEach(({ file }, i) => {
        const out = execFileSync(
          process.execPath,
          [
            '-e',
            `const c = process.cpuUsage(), t = performance.now();
             require(${JSON.stringify(file)});
             const u = process.cpuUsage(c);
             console.log(JSON.stringify([performance.now() - t, (u.user + u.system) / 1000]));`,
          ],
          { encoding: 'utf8' },
        );
        const [ms, cpuMs] = JSON.parse(out.trim().split('\n').pop()!) as [number, number];
        if (round > 0) {
          // round 0 warms the file cache
          wall[i].push(ms);
          cpu[i].push(cpuMs);
        }
      });
    }
    console.log(
      `require(index.js) in a fresh Node ${process.version} process, ${runs} runs each, interleaved:`,
    );
    targets.forEach(({ label }, i) => {
      console.log(
        `  ${label}: wall median ${quantile(wall[i], 0.5).toFixed(1)} ms (p90 ${quantile(wall[i], 0.9).toFixed(1)}), ` +
          `CPU median ${quantile(cpu[i], 0.5).toFixed(1)} ms (p90 ${quantile(cpu[i], 0.9).toFixed(1)})`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
