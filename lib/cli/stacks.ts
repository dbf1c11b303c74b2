/**
 * `backend-link stacks`: the stacks of a synthesized cdktf app with their dependencies (from the
 * manifest cdktf writes, `cdktf.out/manifest.json`), in an order that puts every stack after the stacks it
 * depends on, and in levels that can run in parallel: the platform first, then its customers. `--json`
 * is for CI (examples/ci/ plans each customer stack in its own job from it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Io, UsageError, parseCommandArgs, processIo } from './args';

export const STACKS_USAGE = `Usage: backend-link stacks [--out DIR] [--json]

Lists the stacks of a synthesized cdktf app (DIR/manifest.json) with the stacks each depends on (cdktf
cross-stack references), every stack after its dependencies, and the levels that can run in parallel
(level 0 depends on nothing, e.g. the platform; level 1 on level 0 only, e.g. the customers).

Options:
  --out DIR   the synthesized app (default: cdktf.out)
  --json      {"stacks":[{"name","dependencies","level","workingDirectory"}],"levels":[["platform"],[...]]}
  -h, --help  show this help

Exit codes: 0 listed; 2 usage or setup error (no synthesized app, a dependency cycle or an unknown stack).`;

export interface StackEntry {
  readonly name: string;
  /** The stacks this stack depends on, sorted. */
  readonly dependencies: readonly string[];
  /** 0 for a stack without dependencies, else one more than its deepest dependency. */
  readonly level: number;
  /** The stack's directory, relative to the synthesized app. */
  readonly workingDirectory: string;
}

export interface StackList {
  /** Every stack after its dependencies; by level, then by name. */
  readonly stacks: readonly StackEntry[];
  /** The names per level: each level's stacks depend only on earlier levels. */
  readonly levels: readonly (readonly string[])[];
}

interface Manifest {
  readonly stacks: Record<string, { dependencies?: string[]; workingDirectory?: string }>;
}

/** The app's stacks in dependency order, from the manifest's contents. Throws on a cycle or an unknown stack. */
export function listAppStacks(manifest: Manifest): StackList {
  const names = Object.keys(manifest.stacks).sort();
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (name: string, path: readonly string[]): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    const stack = manifest.stacks[name];
    if (!stack)
      throw new Error(`stack ${path[path.length - 1]} depends on ${name}, which the app does not have`);
    if (visiting.has(name))
      throw new Error(`the stacks depend on each other: ${[...path, name].join(' -> ')}`);
    visiting.add(name);
    const deps = stack.dependencies ?? [];
    const level = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => levelOf(d, [...path, name])));
    visiting.delete(name);
    levels.set(name, level);
    return level;
  };
  const stacks: StackEntry[] = names
    .map((name) => ({
      name,
      dependencies: [...new Set(manifest.stacks[name].dependencies ?? [])].sort(),
      level: levelOf(name, []),
      workingDirectory: manifest.stacks[name].workingDirectory ?? `stacks/${name}`,
    }))
    .sort((a, b) => a.level - b.level || a.name.localeCompare(b.name));
  const byLevel: string[][] = [];
  for (const s of stacks) (byLevel[s.level] ??= []).push(s.name);
  return { stacks, levels: byLevel };
}

/** Runs `backend-link stacks` and returns its exit code. */
export function stacksCommand(argv: readonly string[], io: Io = processIo): number {
  let out: string;
  let json: boolean;
  try {
    const { values } = parseCommandArgs(argv, {
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout(`${STACKS_USAGE}\n`);
      return 0;
    }
    out = resolve(values.out ?? 'cdktf.out');
    json = values.json ?? false;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`backend-link stacks: ${error.message}\n\n${STACKS_USAGE}\n`);
    return 2;
  }
  const file = join(out, 'manifest.json');
  if (!existsSync(file)) {
    io.stderr(
      `backend-link stacks: no synthesized app in ${out} (no manifest.json): run cdktf synth first\n`,
    );
    return 2;
  }
  let list: StackList;
  try {
    list = listAppStacks(JSON.parse(readFileSync(file, 'utf8')) as Manifest);
  } catch (error) {
    io.stderr(`backend-link stacks: ${(error as Error).message}\n`);
    return 2;
  }
  if (json) {
    io.stdout(`${JSON.stringify(list)}\n`);
    return 0;
  }
  const width = Math.max(5, ...list.stacks.map((s) => s.name.length));
  io.stdout(`${'stack'.padEnd(width)}  level  depends on\n`);
  for (const s of list.stacks) {
    io.stdout(`${s.name.padEnd(width)}  ${String(s.level).padEnd(5)}  ${s.dependencies.join(', ') || '-'}\n`);
  }
  return 0;
}
