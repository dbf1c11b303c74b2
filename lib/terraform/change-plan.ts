/**
 * Change safety, offline: what version 2 of an app does to the infrastructure version 1 built.
 *
 *  1. synthesize version 1 and plan every stack offline (plan-app.ts);
 *  2. derive a full Terraform state per stack from its plan (derived-state.ts), then plan version 1 again
 *     against it with `-refresh=false` and fold the planned values back in, until version 1 plans against
 *     its own state with no change at all (references carry the same placeholder on both sides);
 *  3. synthesize version 2 and plan each stack with `-refresh=false` against version 1's state of the stack
 *     of the same name (a stack new in version 2 starts empty). A stack that reads another through
 *     `terraform_remote_state` reads version 1's state of that stack: what is really applied when a new
 *     customer's pipeline runs before the platform is applied again;
 *  4. report per stack what is created, updated (which attributes), replaced (which attributes force it)
 *     and deleted, or why the stack failed to plan.
 *
 *   const v1 = await deriveAppState((outdir) => buildExampleApp(outdir, options), { workdir });
 *   const report = await planChange(v1, (outdir) => buildExampleApp(outdir, { ...options, more }));
 *   expectOnly(report, { stack: 'backend-link-example', update: ['aws_*.Platform_*'] });
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  PlanJson,
  TerraformHarnessError,
  findProviderMirror,
  listStacks,
  runTerraform,
  writeCliConfig,
} from './harness';
import { AppPlan, planApp, stackGraph } from './plan-app';
import {
  ResourceSchemas,
  TerraformState,
  foldPlanIntoState,
  loadResourceSchemas,
  offlineStateFile,
  writeState,
} from './derived-state';

/** Something that synthesizes a cdktf app: `App` or an object holding one. */
export interface Synthesizable {
  synth(): void;
}

/** Builds one version of an app into `outdir` (e.g. `(outdir) => buildExampleApp(outdir, options)`). */
export type AppBuilder = (outdir: string) => Synthesizable | { readonly app: Synthesizable };

export interface ChangePlanOptions {
  /**
   * The directory the versions are synthesized into (`v1/`, `v2/`, ...).
   * @default - a new temporary directory
   */
  readonly workdir?: string;
  /**
   * How many stacks are planned at the same time.
   * @default - planApp's default (the number of cores)
   */
  readonly parallel?: number;
  /**
   * The provider mirror directory.
   * @default - findProviderMirror()
   */
  readonly mirror?: string;
}

export interface DeriveStateOptions extends ChangePlanOptions {
  /**
   * How many times version 1 is planned against its derived state at most, to reach a state it plans
   * without any change.
   * @default 5
   */
  readonly maxRounds?: number;
}

/** The action a plan takes on a resource. */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete';

export interface ResourceChange {
  readonly address: string;
  /**
   * For an update, the attributes whose values change (`tags.team`, `ingress[0].cidr_blocks`; a path
   * ending in ` (sensitivity)` when only its sensitivity mark changes); for a replacement, the attributes
   * that force it (the plan's `replace_paths`).
   */
  readonly paths: readonly string[];
}

/** What planning one stack of version 2 against version 1's state shows. */
/**
 * How a stack of the report was planned:
 *  - `planned`: version 2 against version 1's state;
 *  - `unchanged`: not planned again, because its configuration is byte for byte version 1's and it reads the
 *    same version-1 states, which version 1's own plan already showed without change;
 *  - `removed`: version 2 has no such stack; the changes are what destroying it deletes (`plan -destroy`);
 *  - `failed`: terraform failed to plan it (see `error`).
 */
export type StackStatus = 'planned' | 'unchanged' | 'removed' | 'failed';

export interface StackChanges {
  readonly stack: string;
  readonly status: StackStatus;
  /** The stack is new in version 2 (no version-1 state). */
  readonly isNew: boolean;
  /** Terraform's error text when the stack failed to plan; then the lists below are empty. */
  readonly error?: string;
  /**
   * When the stack failed to plan because it reads outputs its producers' version-1 states do not have
   * (`terraform_remote_state` … "does not have an attribute named"): those outputs' names.
   */
  readonly missingOutputs?: readonly string[];
  readonly create: readonly string[];
  readonly update: readonly ResourceChange[];
  readonly replace: readonly ResourceChange[];
  readonly delete: readonly string[];
  /** Root outputs added, changed or removed. */
  readonly outputs: {
    readonly create: readonly string[];
    readonly update: readonly string[];
    readonly delete: readonly string[];
  };
}

export interface ChangeReport {
  readonly stacks: readonly StackChanges[];
  /** Stacks of version 1 that version 2 no longer has (in `stacks` with status `removed`). */
  readonly removedStacks: readonly string[];
  readonly seconds: number;
}

/** One round of planning version 1 against its derived state. */
export interface DerivationRound {
  readonly round: number;
  /** Resources and outputs planned to change, per stack planned in the round. */
  readonly changes: Readonly<Record<string, number>>;
  /** What the round's plans showed. */
  readonly report: ChangeReport;
  readonly seconds: number;
}

/** Version 1 of an app, synthesized, with a consistent state per stack. */
export interface DerivedAppState {
  readonly outdir: string;
  /** The derived state file of each stack, by stack name. */
  readonly stateFiles: Readonly<Record<string, string>>;
  readonly states: Readonly<Record<string, TerraformState>>;
  /** Round 0 is the plan without state; the rounds after it plan against the derived state. */
  readonly rounds: readonly DerivationRound[];
  /** Version 1 planned against its own derived state, in the last round: no change when consistent. */
  readonly selfCheck: ChangeReport;
  readonly converged: boolean;
  readonly seconds: number;
  readonly options: DeriveStateOptions;
}

const DEFAULT_MAX_ROUNDS = 5;

function synthesize(build: AppBuilder, outdir: string): void {
  const built = build(outdir);
  ('app' in built ? built.app : built).synth();
}

const elapsed = (t0: number) => (Date.now() - t0) / 1000;

function formatPath(path: readonly unknown[]): string {
  return path
    .map((step, i) =>
      typeof step === 'number'
        ? `[${step}]`
        : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(step))
          ? `${i === 0 ? '' : '.'}${String(step)}`
          : `[${JSON.stringify(step)}]`,
    )
    .join('');
}

/** The paths at which `before` and `after` differ (or `after` is unknown), as `a.b[0]`. */
function changedPaths(before: unknown, after: unknown, unknown: unknown, path: unknown[] = []): string[] {
  if (unknown === true) return [formatPath(path)];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    const u = Array.isArray(unknown) ? unknown : [];
    return after.flatMap((a, i) => changedPaths(before[i], a, u[i], [...path, i]));
  }
  if (isObject(before) && isObject(after)) {
    const u = isObject(unknown) ? unknown : {};
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], u[k], [...path, k]));
  }
  if (Array.isArray(unknown) && unknown.some((u) => u !== false) && !Array.isArray(after)) {
    return [formatPath(path)];
  }
  return JSON.stringify(before ?? null) === JSON.stringify(after ?? null) ? [] : [formatPath(path)];
}

/** The paths whose sensitivity marks differ between before and after. */
function sensitivityPaths(before: unknown, after: unknown, path: unknown[] = []): string[] {
  const marked = (v: unknown) => v === true;
  if (marked(before) !== marked(after)) return [`${formatPath(path)} (sensitivity)`];
  const keys = new Set<string>();
  for (const v of [before, after]) if (v && typeof v === 'object') Object.keys(v).forEach((k) => keys.add(k));
  return [...keys].sort().flatMap((k) => {
    const step = Array.isArray(before ?? after) ? Number(k) : k;
    const pick = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined);
    return sensitivityPaths(pick(before), pick(after), [...path, step]);
  });
}

interface PlannedResourceChange {
  address: string;
  mode?: string;
  change: {
    actions: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
    replace_paths?: unknown[][];
  };
}

/** What one stack's plan does, as a StackChanges. */
export function changesOfPlan(
  stack: string,
  plan: PlanJson,
  isNew = false,
  status: StackStatus = 'planned',
): StackChanges {
  const create: string[] = [];
  const update: ResourceChange[] = [];
  const replace: ResourceChange[] = [];
  const remove: string[] = [];
  for (const rc of (plan.resource_changes ?? []) as unknown as PlannedResourceChange[]) {
    if (rc.mode === 'data') continue;
    const actions = rc.change.actions;
    if (actions.includes('create') && actions.includes('delete')) {
      replace.push({ address: rc.address, paths: (rc.change.replace_paths ?? []).map(formatPath).sort() });
    } else if (actions.includes('create')) {
      create.push(rc.address);
    } else if (actions.includes('delete')) {
      remove.push(rc.address);
    } else if (actions.includes('update')) {
      const values = changedPaths(rc.change.before, rc.change.after, rc.change.after_unknown);
      const marks = sensitivityPaths(rc.change.before_sensitive, rc.change.after_sensitive);
      update.push({ address: rc.address, paths: [...values, ...marks] });
    }
  }
  const outputs = { create: [] as string[], update: [] as string[], delete: [] as string[] };
  for (const [name, change] of Object.entries(
    (plan.output_changes ?? {}) as Record<string, { actions: string[] }>,
  )) {
    if (change.actions.includes('create')) outputs.create.push(name);
    else if (change.actions.includes('delete')) outputs.delete.push(name);
    else if (change.actions.includes('update')) outputs.update.push(name);
  }
  const sorted = (list: string[]) => list.sort();
  const byAddress = (a: ResourceChange, b: ResourceChange) => a.address.localeCompare(b.address);
  return {
    stack,
    status,
    isNew,
    create: sorted(create),
    update: update.sort(byAddress),
    replace: replace.sort(byAddress),
    delete: sorted(remove),
    outputs: {
      create: sorted(outputs.create),
      update: sorted(outputs.update),
      delete: sorted(outputs.delete),
    },
  };
}

const MISSING_ATTRIBUTE = /does not have an attribute named\s+"([^"]+)"/g;

/** The remote-state outputs a failed plan's errors name as missing. */
function missingOutputsOf(error: string): string[] {
  const reads = error.includes('terraform_remote_state') ? [...error.matchAll(MISSING_ATTRIBUTE)] : [];
  return [...new Set(reads.map((m) => m[1]))].sort();
}

function failedChanges(stack: string, error: string, isNew: boolean): StackChanges {
  const missingOutputs = missingOutputsOf(error);
  return {
    stack,
    status: 'failed',
    isNew,
    error,
    ...(missingOutputs.length > 0 ? { missingOutputs } : {}),
    create: [],
    update: [],
    replace: [],
    delete: [],
    outputs: { create: [], update: [], delete: [] },
  };
}

/** The number of resources and outputs a stack's changes touch. */
export function changeCount(changes: StackChanges): number {
  return (
    changes.create.length +
    changes.update.length +
    changes.replace.length +
    changes.delete.length +
    changes.outputs.create.length +
    changes.outputs.update.length +
    changes.outputs.delete.length
  );
}

const changeCounts = (report: ChangeReport) =>
  Object.fromEntries(report.stacks.map((s) => [s.stack, changeCount(s)]));

function reportOf(appPlan: AppPlan, isNew: (stack: string) => boolean, seconds: number): ChangeReport {
  return {
    stacks: appPlan.outcomes.map((o) =>
      o.result
        ? changesOfPlan(o.stack, o.result.plan, isNew(o.stack))
        : failedChanges(o.stack, o.error ?? 'not planned', isNew(o.stack)),
    ),
    removedStacks: [],
    seconds,
  };
}

/**
 * Synthesizes version 1 of an app into `<workdir>/v1`, plans it offline and derives a state per stack,
 * planning against it again until it plans without any change (or `maxRounds` is reached: then
 * `converged` is false and `selfCheck` shows what still changes). Throws when version 1 fails to plan.
 */
export async function deriveAppState(
  build: AppBuilder,
  options: DeriveStateOptions = {},
): Promise<DerivedAppState> {
  const t0 = Date.now();
  const workdir = options.workdir ?? mkdtempSync(join(tmpdir(), 'change-plan-'));
  const outdir = join(workdir, 'v1');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(workdir, { recursive: true });
  synthesize(build, outdir);
  const mirror = options.mirror ?? findProviderMirror();
  const common = { mirror, ...(options.parallel !== undefined ? { parallel: options.parallel } : {}) };
  const stackDirs = new Map(listStacks(outdir).map((dir) => [basename(dir), dir]));
  const stateFiles = Object.fromEntries([...stackDirs].map(([stack, dir]) => [stack, offlineStateFile(dir)]));
  for (const file of Object.values(stateFiles)) rmSync(file, { force: true });

  const rounds: DerivationRound[] = [];
  const states: Record<string, TerraformState> = {};
  const graph = stackGraph(outdir);
  const producersOf = (stack: string) => [...new Set(graph.get(stack)?.reads.values() ?? [])];
  let schemas: ResourceSchemas | undefined;
  let selfCheck: ChangeReport | undefined;

  /** Plans the stacks, each reading the derived states of its producers, and folds each plan into its state. */
  const planAndFold = async (stacks: string[], round: number): Promise<AppPlan> => {
    const given = Object.fromEntries(Object.keys(states).map((stack) => [stack, stateFiles[stack]]));
    const appPlan = await planApp(outdir, { ...common, stacks, producerStates: given });
    if (appPlan.failed.length > 0) {
      const errors = appPlan.outcomes
        .filter((o) => o.error !== undefined)
        .map((o) => `${o.stack}: ${o.error}`);
      throw new TerraformHarnessError(
        `version 1 failed to plan${round > 0 ? ` against its derived state (round ${round})` : ''}:\n${errors.join('\n')}`,
      );
    }
    schemas ??= await loadResourceSchemas(appPlan.outcomes[0].stackDir, mirror);
    for (const outcome of appPlan.outcomes) {
      const state = foldPlanIntoState(outcome.result!.plan, {
        stack: outcome.stack,
        schemas,
        ...(states[outcome.stack] ? { prior: states[outcome.stack] } : {}),
      });
      states[outcome.stack] = state;
      writeState(stateFiles[outcome.stack], state);
    }
    return appPlan;
  };

  // Round 0, without state: producers first, so that consumers read the outputs of their derived states.
  const r0 = Date.now();
  const outcomes: AppPlan['outcomes'][number][] = [];
  for (let pending = [...stackDirs.keys()]; pending.length > 0;) {
    const wave = pending.filter((stack) => producersOf(stack).every((p) => states[p] !== undefined));
    if (wave.length === 0)
      throw new TerraformHarnessError(`stacks read each other's state in a cycle: ${pending.join(', ')}`);
    outcomes.push(...(await planAndFold(wave, 0)).outcomes);
    pending = pending.filter((stack) => !wave.includes(stack));
  }
  const first = reportOf({ outcomes, failed: [], seconds: elapsed(r0) }, () => false, elapsed(r0));
  rounds.push({ round: 0, changes: changeCounts(first), report: first, seconds: elapsed(r0) });

  // Then against the derived states, again for the stacks that changed and the readers of changed outputs.
  let dirty = new Set(stackDirs.keys());
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  for (let round = 1; round <= maxRounds && dirty.size > 0; round++) {
    const started = Date.now();
    const outputsBefore = new Map(
      Object.entries(states).map(([stack, state]) => [stack, JSON.stringify(state.outputs)]),
    );
    const appPlan = await planAndFold([...dirty], round);
    const report = reportOf(appPlan, () => false, elapsed(started));
    rounds.push({ round, changes: changeCounts(report), report, seconds: elapsed(started) });
    const merged = new Map((selfCheck?.stacks ?? []).map((s) => [s.stack, s]));
    for (const s of report.stacks) merged.set(s.stack, s);
    selfCheck = {
      stacks: [...merged.values()].sort((a, b) => a.stack.localeCompare(b.stack)),
      removedStacks: [],
      seconds: report.seconds,
    };
    const changedOutputs = new Set(
      Object.keys(states).filter(
        (stack) => outputsBefore.get(stack) !== JSON.stringify(states[stack].outputs),
      ),
    );
    dirty = new Set([
      ...report.stacks.filter((s) => changeCount(s) > 0).map((s) => s.stack),
      ...[...stackDirs.keys()].filter((stack) => producersOf(stack).some((p) => changedOutputs.has(p))),
    ]);
  }
  return {
    outdir,
    stateFiles,
    states,
    rounds,
    selfCheck: selfCheck ?? { stacks: [], removedStacks: [], seconds: 0 },
    converged: dirty.size === 0,
    seconds: elapsed(t0),
    options: { ...options, workdir },
  };
}

export interface PlanChangeOptions extends ChangePlanOptions {
  /**
   * The directory under the workdir that version 2 is synthesized into.
   * @default 'v2'
   */
  readonly name?: string;
  /**
   * Plan also the stacks whose configuration is version 1's (see StackStatus `unchanged`).
   * @default false
   */
  readonly planUnchanged?: boolean;
}

const readIfExists = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/** What destroying a stack of version 1 deletes: `terraform plan -destroy` against its derived state. */
async function planDestroy(stack: string, stackDir: string, mirror: string): Promise<StackChanges> {
  const cliConfig = writeCliConfig(stackDir, mirror);
  try {
    const args = ['plan', '-destroy', '-input=false', '-no-color', '-lock=false', '-refresh=false'];
    await runTerraform(stackDir, [...args, '-out=offline-destroy.tfplan'], cliConfig);
    const show = await runTerraform(
      stackDir,
      ['show', '-json', '-no-color', 'offline-destroy.tfplan'],
      cliConfig,
    );
    return changesOfPlan(stack, JSON.parse(show.stdout) as PlanJson, false, 'removed');
  } catch (error) {
    return failedChanges(stack, error instanceof Error ? error.message : String(error), false);
  }
}

/**
 * Synthesizes version 2 into `<workdir>/v2` (or `options.name`) and plans every stack against version 1's
 * state of the same stack (a stack new in version 2 against none), each reading version 1's states for
 * `terraform_remote_state`; a stack version 2 no longer has is planned for destruction. Never throws for a
 * stack that fails to plan: the report records terraform's error.
 */
export async function planChange(
  v1: DerivedAppState,
  build: AppBuilder,
  options: PlanChangeOptions = {},
): Promise<ChangeReport> {
  const t0 = Date.now();
  const workdir = options.workdir ?? v1.options.workdir ?? mkdtempSync(join(tmpdir(), 'change-plan-'));
  const outdir = join(workdir, options.name ?? 'v2');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(workdir, { recursive: true });
  synthesize(build, outdir);
  const mirror = options.mirror ?? v1.options.mirror ?? findProviderMirror();
  const parallel = options.parallel ?? v1.options.parallel;
  const v1Dirs = new Map(listStacks(v1.outdir).map((dir) => [basename(dir), dir]));
  const v2Dirs = new Map(listStacks(outdir).map((dir) => [basename(dir), dir]));
  const unchanged = [...v2Dirs].filter(
    ([stack, dir]) =>
      !options.planUnchanged &&
      v1.converged &&
      v1Dirs.has(stack) &&
      readIfExists(join(dir, 'cdk.tf.json')) === readIfExists(join(v1Dirs.get(stack)!, 'cdk.tf.json')),
  );
  const toPlan = [...v2Dirs.keys()].filter((stack) => !unchanged.some(([s]) => s === stack));
  for (const [stack, dir] of v2Dirs) {
    const target = offlineStateFile(dir);
    rmSync(target, { force: true });
    if (v1.stateFiles[stack] !== undefined && existsSync(v1.stateFiles[stack])) {
      copyFileSync(v1.stateFiles[stack], target);
    }
  }
  const removed = [...v1Dirs.keys()].filter((stack) => !v2Dirs.has(stack)).sort();
  const [appPlan, destroyed] = await Promise.all([
    toPlan.length === 0
      ? Promise.resolve<AppPlan>({ outcomes: [], failed: [], seconds: 0 })
      : planApp(outdir, {
          mirror,
          ...(parallel !== undefined ? { parallel } : {}),
          stacks: toPlan,
          producerStates: v1.stateFiles,
        }),
    Promise.all(removed.map((stack) => planDestroy(stack, v1Dirs.get(stack)!, mirror))),
  ]);
  const planned = reportOf(appPlan, (stack) => v1.stateFiles[stack] === undefined, elapsed(t0));
  const same: StackChanges[] = unchanged.map(([stack]) => ({
    ...changesOfPlan(stack, {}, false, 'unchanged'),
  }));
  return {
    stacks: [...planned.stacks, ...same, ...destroyed].sort((a, b) => a.stack.localeCompare(b.stack)),
    removedStacks: removed,
    seconds: elapsed(t0),
  };
}

/** A pattern for addresses: a glob (`*` any run of characters) or a regular expression. */
export type AddressPattern = string | RegExp;

export interface StackExpectation {
  /** The stack (a name or pattern) this expectation is for. */
  readonly stack: AddressPattern;
  /** @default [] */
  readonly create?: readonly AddressPattern[];
  /** @default [] */
  readonly update?: readonly AddressPattern[];
  /** @default [] */
  readonly replace?: readonly AddressPattern[];
  /** @default [] */
  readonly delete?: readonly AddressPattern[];
  /**
   * The attributes an update may change (`tags.*`): a changed path of an update that none matches is
   * unexpected.
   * @default - any
   */
  readonly updatePaths?: readonly AddressPattern[];
  /**
   * The stack fails to plan, with an error that contains this text (or matches this expression).
   * @default - the stack must plan
   */
  readonly failure?: AddressPattern;
}

function matcher(pattern: AddressPattern): (value: string) => boolean {
  if (pattern instanceof RegExp) return (value) => pattern.test(value);
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return (value) => regex.test(value);
}

const ACTIONS: readonly ChangeAction[] = ['create', 'update', 'replace', 'delete'];

function addressesOf(
  changes: StackChanges,
  action: ChangeAction,
): Array<{ address: string; detail: string }> {
  if (action === 'update' || action === 'replace') {
    return changes[action].map((c) => ({
      address: c.address,
      detail: c.paths.length > 0 ? ` (${c.paths.join(', ')})` : '',
    }));
  }
  return changes[action].map((address) => ({ address, detail: '' }));
}

/**
 * The differences between a report and the expectations, one line each: every address planned with an
 * action no pattern allows, every pattern that matches nothing, every unexpected failure. A stack no
 * expectation names must plan with no change. Empty when the report is exactly as expected.
 */
export function unexpectedChanges(
  report: ChangeReport,
  expectations: StackExpectation | readonly StackExpectation[],
): string[] {
  const list = (Array.isArray(expectations) ? expectations : [expectations]) as readonly StackExpectation[];
  const problems: string[] = [];
  const used = new Set<string>();
  for (const changes of report.stacks) {
    const expected = list.filter((e) => matcher(e.stack)(changes.stack));
    const failure = expected.find((e) => e.failure !== undefined)?.failure;
    if (changes.error !== undefined) {
      if (failure === undefined) {
        problems.push(`${changes.stack}: failed to plan, expected to plan:\n${indent(changes.error)}`);
      } else {
        const ok = failure instanceof RegExp ? failure.test(changes.error) : changes.error.includes(failure);
        if (!ok)
          problems.push(
            `${changes.stack}: failed to plan, but not with ${String(failure)}:\n${indent(changes.error)}`,
          );
      }
      continue;
    }
    if (failure !== undefined)
      problems.push(`${changes.stack}: planned, expected to fail with ${String(failure)}`);
    for (const action of ACTIONS) {
      const patterns = expected.flatMap((e, i) =>
        (e[action] ?? []).map((p, j) => ({ p, key: `${list.indexOf(e)}/${action}/${j}`, i })),
      );
      for (const { address, detail } of addressesOf(changes, action)) {
        const hits = patterns.filter(({ p }) => matcher(p)(address));
        hits.forEach(({ key }) => used.add(key));
        if (hits.length === 0) problems.push(`${changes.stack}: unexpected ${action} ${address}${detail}`);
      }
    }
    const allowedPaths = expected.flatMap((e) => e.updatePaths ?? []);
    if (expected.some((e) => e.updatePaths !== undefined)) {
      for (const update of changes.update) {
        for (const path of update.paths.filter((p) => !allowedPaths.some((a) => matcher(a)(p)))) {
          problems.push(`${changes.stack}: unexpected change of ${path} in update ${update.address}`);
        }
      }
    }
  }
  for (const [i, e] of list.entries()) {
    const stacks = report.stacks.filter((s) => matcher(e.stack)(s.stack));
    if (stacks.length === 0) problems.push(`${String(e.stack)}: no such stack in the report`);
    for (const action of ACTIONS) {
      for (const [j, p] of (e[action] ?? []).entries()) {
        if (
          stacks.length > 0 &&
          !used.has(`${i}/${action}/${j}`) &&
          stacks.some((s) => s.error === undefined)
        ) {
          problems.push(`${String(e.stack)}: expected ${action} ${String(p)}, none planned`);
        }
      }
    }
  }
  return problems;
}

const indent = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

/**
 * Asserts that the report plans exactly what the expectations allow (see unexpectedChanges); throws an
 * error listing every difference, then the whole report.
 */
export function expectOnly(
  report: ChangeReport,
  expectations: StackExpectation | readonly StackExpectation[],
): void {
  const problems = unexpectedChanges(report, expectations);
  if (problems.length > 0) {
    throw new Error(
      `the change plans ${problems.length} ${problems.length === 1 ? 'thing' : 'things'} not expected:\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}\n\n${formatChangeReport(report)}`,
    );
  }
}

/** The report as text: one block per stack with a change or a failure, a line for each unchanged stack. */
export function formatChangeReport(report: ChangeReport): string {
  const lines: string[] = [];
  for (const s of report.stacks) {
    const label = `${s.stack}${s.isNew ? ' (new in version 2)' : ''}${s.status === 'removed' ? ' (not in version 2: destroyed)' : ''}`;
    if (s.error !== undefined) {
      lines.push(`${label}: FAILED to plan`);
      for (const output of s.missingOutputs ?? [])
        lines.push(`  reads output ${output}, which its producer's state does not have`);
      lines.push(indent(s.error));
      continue;
    }
    const counts = ACTIONS.map((a) => `${s[a].length} to ${a}`).join(', ');
    if (changeCount(s) === 0) {
      lines.push(
        `${label}: no changes${s.status === 'unchanged' ? ' (configuration unchanged, not planned again)' : ''}`,
      );
      continue;
    }
    lines.push(`${label}: ${counts}`);
    for (const action of ACTIONS) {
      for (const { address, detail } of addressesOf(s, action))
        lines.push(`  ${action.padEnd(7)} ${address}${detail}`);
    }
    for (const kind of ['create', 'update', 'delete'] as const) {
      for (const name of s.outputs[kind]) lines.push(`  output ${kind} ${name}`);
    }
  }
  return lines.join('\n');
}
