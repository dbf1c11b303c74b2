/**
 * Plans every stack of a synthesized cdktf app offline, in parallel with a bounded concurrency: a stack
 * starts once the stacks it reads through `terraform_remote_state` (cdktf cross-stack references) are
 * planned, and reads their outputs from a state derived from their plans (remote-state.ts).
 */
import { availableParallelism } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import {
  PlanResult,
  SharedProvider,
  SynthesizedStack,
  TerraformHarnessError,
  canShareProvider,
  findProviderMirror,
  listStacks,
  planOffline,
  readStack,
  startSharedProvider,
} from './harness';
import {
  OFFLINE_OUTPUTS_STATE_FILE,
  PlaceholderOutput,
  remoteStateReads,
  stateIdentity,
  writeStateFromPlan,
  writtenStateIdentity,
} from './remote-state';

export interface PlanAppOptions {
  /**
   * Plan only these stacks (and the stacks they read, which must be planned first).
   * @default - every stack of the app
   */
  readonly stacks?: readonly string[];
  /**
   * How many stacks are planned at the same time.
   * @default - the number of cores (os.availableParallelism())
   */
  readonly parallel?: number;
  /**
   * The provider mirror directory.
   * @default - findProviderMirror()
   */
  readonly mirror?: string;
  /**
   * Whether each of the `parallel` lanes keeps one hashicorp/aws provider running for the stacks it plans
   * (terraform attaches to it), instead of every terraform command starting its own: the provider's start
   * is most of an offline plan's CPU time. Stacks with more than one aws provider block start their own.
   * @default true
   */
  readonly shareProvider?: boolean;
  /**
   * Called when a stack's plan ends (planned or failed), for progress output.
   * @default - nothing
   */
  readonly onStackDone?: (outcome: StackOutcome) => void;
  /**
   * State files to read for producer stacks, by producer stack name: a consumer's
   * `terraform_remote_state` of such a producer reads this file instead of the outputs derived from the
   * producer's plan in this run, so it does not wait for the producer, which is planned only when requested.
   * The change-safety harness reads a producer's state from the version applied before (change-plan.ts).
   * @default - every producer's outputs are derived from its plan in this run
   */
  readonly producerStates?: Readonly<Record<string, string>>;
}

export interface StackOutcome {
  readonly stack: string;
  readonly stackDir: string;
  /** Planned because a requested stack reads it, not requested itself. */
  readonly asProducer: boolean;
  readonly seconds: number;
  readonly result?: PlanResult;
  readonly error?: string;
  /** The stacks whose outputs it read. */
  readonly reads: readonly string[];
  /** The outputs of this stack that other stacks read as placeholders (unknown until apply). */
  readonly placeholders: readonly PlaceholderOutput[];
}

export interface AppPlan {
  readonly outcomes: readonly StackOutcome[];
  readonly failed: readonly string[];
  readonly seconds: number;
}

interface StackNode {
  readonly name: string;
  readonly dir: string;
  readonly synthesized: SynthesizedStack;
  /** data source name → producer stack */
  readonly reads: Map<string, string>;
}

function localIdentity(stackDir: string, backend: string, config: Record<string, unknown>): string {
  if (backend === 'local' && typeof config.path === 'string' && !isAbsolute(config.path)) {
    return stateIdentity(backend, { ...config, path: resolve(stackDir, config.path) });
  }
  return stateIdentity(backend, config);
}

/** The app's stacks and which stack each `terraform_remote_state` data source reads. */
export function stackGraph(outdir: string): Map<string, StackNode> {
  const nodes = new Map<string, StackNode>();
  const byState = new Map<string, string>();
  for (const dir of listStacks(outdir)) {
    const name = basename(dir);
    const synthesized = readStack(dir);
    nodes.set(name, { name, dir, synthesized, reads: new Map() });
    const backend = synthesized.terraform?.backend;
    const type = backend ? Object.keys(backend)[0] : undefined;
    const identity =
      type === undefined ? writtenStateIdentity(synthesized) : localIdentity(dir, type, backend![type] ?? {});
    if (identity) byState.set(identity, name);
  }
  for (const node of nodes.values()) {
    for (const read of remoteStateReads(node.synthesized)) {
      const producer =
        byState.get(localIdentity(node.dir, read.backend, read.config)) ??
        // cdktf names the data source of a cross-stack reference after the producer stack.
        (read.name.startsWith('cross-stack-reference-input-') &&
        nodes.has(read.name.slice('cross-stack-reference-input-'.length))
          ? read.name.slice('cross-stack-reference-input-'.length)
          : undefined);
      if (producer === undefined || producer === node.name) {
        throw new TerraformHarnessError(
          `stack ${node.name}: data.terraform_remote_state.${read.name} reads a ${read.backend} state that no stack of this app writes (${JSON.stringify(read.config)}); offline plan can only read the app's own stacks`,
        );
      }
      node.reads.set(read.name, producer);
    }
  }
  return nodes;
}

/** The stacks to plan: the requested ones and, transitively, the stacks they read. */
function selection(
  nodes: Map<string, StackNode>,
  requested: readonly string[] | undefined,
  given: Readonly<Record<string, string>>,
): Set<string> {
  if (requested === undefined || requested.length === 0) return new Set(nodes.keys());
  const unknown = requested.filter((s) => !nodes.has(s));
  if (unknown.length > 0) {
    throw new TerraformHarnessError(
      `no stack ${unknown.join(', ')} in this app (stacks: ${[...nodes.keys()].join(', ')})`,
    );
  }
  const chosen = new Set<string>();
  const visit = (name: string) => {
    if (chosen.has(name)) return;
    chosen.add(name);
    for (const producer of nodes.get(name)!.reads.values())
      if (given[producer] === undefined) visit(producer);
  };
  requested.forEach(visit);
  return chosen;
}

function cycle(nodes: Map<string, StackNode>, chosen: Set<string>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const producer of new Set(nodes.get(name)!.reads.values())) {
      const found = visit(producer);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of chosen) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

export const DEFAULT_PARALLEL = availableParallelism();

/**
 * Plans the stacks of the app in `outdir` (synthesized already). Never throws for a stack's failure:
 * the outcome records it, and the stacks that read a failed stack fail too, naming it. Throws a
 * TerraformHarnessError for problems with the app itself (no stacks, unknown stack, unreadable remote
 * state, a cycle, no provider mirror).
 */
export async function planApp(outdir: string, options: PlanAppOptions = {}): Promise<AppPlan> {
  const started = Date.now();
  const parallel = options.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1) {
    throw new TerraformHarnessError(`parallel ${parallel} is not a whole number ≥ 1`);
  }
  const nodes = stackGraph(outdir);
  const given = options.producerStates ?? {};
  const chosen = selection(nodes, options.stacks, given);
  const loop = cycle(nodes, chosen);
  if (loop) throw new TerraformHarnessError(`stacks read each other's state in a cycle: ${loop.join(' → ')}`);
  const mirror = options.mirror ?? findProviderMirror();
  const requested = new Set(options.stacks && options.stacks.length > 0 ? options.stacks : nodes.keys());

  const outcomes = new Map<string, StackOutcome>();
  const placeholders = new Map<string, PlaceholderOutput[]>();
  const pending = [...chosen].sort();
  const running = new Map<string, Promise<void>>();

  // One lane per concurrent plan; each may hold a provider its stacks attach to, one stack at a time.
  const lanes: Array<{ busy: boolean; provider?: SharedProvider }> = Array.from({ length: parallel }, () => ({
    busy: false,
  }));
  const shareProvider = options.shareProvider ?? true;
  const providerOf = async (lane: (typeof lanes)[number]): Promise<SharedProvider | undefined> => {
    if (!shareProvider) return undefined;
    if (lane.provider === undefined || !lane.provider.alive()) {
      lane.provider = await startSharedProvider(mirror);
    }
    return lane.provider;
  };

  const planOne = async (node: StackNode, lane: (typeof lanes)[number]): Promise<void> => {
    const t0 = Date.now();
    const producers = [...new Set(node.reads.values())].sort();
    const planned = producers.filter((p) => given[p] === undefined);
    const base = {
      stack: node.name,
      stackDir: node.dir,
      asProducer: !requested.has(node.name),
      reads: producers,
    };
    const failedProducers = planned.filter((p) => outcomes.get(p)?.error !== undefined);
    if (failedProducers.length > 0) {
      outcomes.set(node.name, {
        ...base,
        seconds: 0,
        placeholders: [],
        error: `not planned: it reads ${failedProducers.join(', ')}, which failed`,
      });
      return;
    }
    const remoteStates = Object.fromEntries(
      [...node.reads].map(([data, producer]) => [
        data,
        given[producer] ?? join(nodes.get(producer)!.dir, OFFLINE_OUTPUTS_STATE_FILE),
      ]),
    );
    try {
      // A stack the lane's provider can not serve (aliases) starts none for the lane.
      const sharedProvider = canShareProvider(node.dir) ? await providerOf(lane) : undefined;
      const result = await planOffline(node.dir, {
        mirror,
        remoteStates,
        ...(sharedProvider ? { sharedProvider } : {}),
      });
      const written = writeStateFromPlan(node.name, result.plan, join(node.dir, OFFLINE_OUTPUTS_STATE_FILE));
      placeholders.set(node.name, written);
      outcomes.set(node.name, { ...base, seconds: (Date.now() - t0) / 1000, result, placeholders: written });
    } catch (error) {
      outcomes.set(node.name, {
        ...base,
        seconds: (Date.now() - t0) / 1000,
        placeholders: [],
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  try {
    while (pending.length > 0 || running.size > 0) {
      // Start every stack whose producers are done, up to the bound.
      for (let i = 0; i < pending.length && running.size < parallel;) {
        const node = nodes.get(pending[i])!;
        const ready = [...node.reads.values()].every((p) => given[p] !== undefined || outcomes.has(p));
        if (!ready) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        const lane = lanes.find((l) => !l.busy)!;
        lane.busy = true;
        const run = planOne(node, lane).then(() => {
          lane.busy = false;
          running.delete(node.name);
          options.onStackDone?.(outcomes.get(node.name)!);
        });
        running.set(node.name, run);
      }
      if (running.size === 0) break; // unreachable without a cycle, which was refused above
      await Promise.race(running.values());
    }
  } finally {
    await Promise.all(lanes.map((lane) => lane.provider?.stop()));
  }

  const ordered = [...outcomes.values()].sort((a, b) => a.stack.localeCompare(b.stack));
  return {
    outcomes: ordered,
    failed: ordered.filter((o) => o.error !== undefined).map((o) => o.stack),
    seconds: (Date.now() - started) / 1000,
  };
}

/** One table for the run: stack, resources to add/change/destroy, seconds, status. */
export function formatPlanTable(plan: AppPlan): string {
  const header = ['stack', 'add', 'change', 'destroy', 'seconds', 'status'];
  const rows = plan.outcomes.map((o) => [
    o.stack,
    o.result ? String(o.result.summary.toAdd) : '-',
    o.result ? String(o.result.summary.toChange) : '-',
    o.result ? String(o.result.summary.toDestroy) : '-',
    o.seconds.toFixed(1),
    o.error !== undefined ? 'FAILED' : o.asProducer ? 'planned (read by a chosen stack)' : 'planned',
  ]);
  const sum = (pick: (p: PlanResult['summary']) => number) =>
    String(plan.outcomes.reduce((total, o) => total + (o.result ? pick(o.result.summary) : 0), 0));
  const totals = [
    `${plan.outcomes.length} ${plan.outcomes.length === 1 ? 'stack' : 'stacks'}`,
    sum((s) => s.toAdd),
    sum((s) => s.toChange),
    sum((s) => s.toDestroy),
    plan.seconds.toFixed(1),
    plan.failed.length > 0 ? `${plan.failed.length} FAILED` : 'all planned',
  ];
  const all = [header, ...rows, totals];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n');
}
