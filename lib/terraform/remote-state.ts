/**
 * Cross-stack references, offline. A cdktf app's consumer stack reads a producer stack through a
 * `terraform_remote_state` data source (cdktf's cross-stack references: `cross-stack-output-*` outputs in
 * the producer). Before the producer is applied that state does not exist, so the offline planner plans
 * the producer first and writes a Terraform state file holding only the producer's root outputs, derived
 * from its plan JSON; the consumer's data source then reads that file through the local backend (an
 * override, the configuration is unchanged).
 *
 * Values the plan knows (CIDRs, names, ASNs, anything literal) are the planned values. Values known only
 * after apply (ids, ARNs) get deterministic placeholders, ARN-shaped for `arn` attributes: in CI the real
 * values will come from the applied producer, exactly as they do in production, where the consumer is
 * planned after the producer is applied and every output is a concrete value.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { UNKNOWN, outputsFromPlan } from '../handoff/outputs';
import { PlanJson, SynthesizedStack } from './harness';

/** The file beside a planned stack that holds the state derived from its plan. */
export const OFFLINE_OUTPUTS_STATE_FILE = 'offline-outputs.tfstate';

/** A producer output that was unknown at plan time and got a placeholder. */
export interface PlaceholderOutput {
  readonly output: string;
  /** The producer's attribute it stands for (e.g. `aws_vpc.Vpc.id`), when the output is one reference. */
  readonly reference?: string;
  readonly placeholder: unknown;
}

interface OutputConfiguration {
  expression?: { references?: string[] };
}

/** Terraform's JSON encoding of a cty type, inferred from a JSON value. */
export function ctyTypeOf(value: unknown): unknown {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (value === null || value === undefined) return 'dynamic';
  if (Array.isArray(value)) return ['tuple', value.map(ctyTypeOf)];
  return [
    'object',
    Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, ctyTypeOf(v)])),
  ];
}

/** A placeholder for a value known only after apply: an ARN for `arn` attributes, else an id-like string. */
export function placeholderFor(
  stack: string,
  output: string,
  reference: string | undefined,
  path = '',
  region = 'us-east-1',
): string {
  const digest = createHash('sha256').update(`${stack}/${output}${path}`).digest('hex').slice(0, 12);
  const attribute = reference?.split('.').pop() ?? output;
  if (/arn$/i.test(attribute)) {
    const service = reference?.split('.')[0]?.split('_')[1] ?? 'offline';
    return `arn:aws:${service}:${region}:000000000000:offline-plan-${digest}`;
  }
  return `offline-plan-${digest}`;
}

function fill(value: unknown, make: (path: string) => string, path = ''): unknown {
  if (value === UNKNOWN) return make(path);
  if (Array.isArray(value)) return value.map((v, i) => fill(v, make, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fill(v, make, `${path}.${k}`)]),
    );
  }
  return value;
}

function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === 'object') return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * The root outputs of a planned stack as a Terraform state (format version 4) with no resources, and
 * the outputs that got placeholders.
 */
export function stateFromPlan(
  stack: string,
  plan: PlanJson,
): { state: Record<string, unknown>; placeholders: PlaceholderOutput[] } {
  const outputs = outputsFromPlan(plan as Parameters<typeof outputsFromPlan>[0]);
  const configured = ((
    plan.configuration as { root_module?: { outputs?: Record<string, OutputConfiguration> } }
  )?.root_module?.outputs ?? {}) as Record<string, OutputConfiguration>;
  const sensitive = (plan.planned_values?.outputs ?? {}) as Record<string, { sensitive?: boolean }>;
  const region = (
    plan.configuration as {
      provider_config?: Record<string, { expressions?: { region?: { constant_value?: unknown } } }>;
    }
  )?.provider_config?.aws?.expressions?.region?.constant_value;
  const placeholders: PlaceholderOutput[] = [];
  const stateOutputs: Record<string, unknown> = {};
  for (const name of outputs.names) {
    const raw = outputs.get(name);
    const references = configured[name]?.expression?.references ?? [];
    // A single-attribute output (cdktf's cross-stack outputs) lists the attribute first, then its resource.
    const reference = references.find((r) => r.split('.').length >= 3 && !r.startsWith('var.'));
    const value = fill(raw, (path) =>
      placeholderFor(stack, name, reference, path, typeof region === 'string' ? region : undefined),
    );
    if (containsUnknown(raw))
      placeholders.push({ output: name, ...(reference ? { reference } : {}), placeholder: value });
    stateOutputs[name] = {
      value,
      type: ctyTypeOf(value),
      ...(sensitive[name]?.sensitive ? { sensitive: true } : {}),
    };
  }
  const lineage = createHash('sha256').update(`offline-plan/${stack}`).digest('hex');
  const state = {
    version: 4,
    terraform_version: '1.11.0',
    serial: 1,
    lineage: `${lineage.slice(0, 8)}-${lineage.slice(8, 12)}-${lineage.slice(12, 16)}-${lineage.slice(16, 20)}-${lineage.slice(20, 32)}`,
    outputs: stateOutputs,
    resources: [],
    check_results: null,
  };
  return { state, placeholders };
}

/** Writes the state derived from a producer's plan to `file`. */
export function writeStateFromPlan(stack: string, plan: PlanJson, file: string): PlaceholderOutput[] {
  const { state, placeholders } = stateFromPlan(stack, plan);
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return placeholders;
}

/** A `terraform_remote_state` data source of a stack, with the backend it reads. */
export interface RemoteStateRead {
  /** The data source's name (`data.terraform_remote_state.<name>`). */
  readonly name: string;
  readonly backend: string;
  readonly config: Record<string, unknown>;
}

export function remoteStateReads(stack: SynthesizedStack): RemoteStateRead[] {
  const reads = stack.data?.terraform_remote_state ?? {};
  return Object.entries(reads).map(([name, block]) => ({
    name,
    backend: String(block.backend ?? 'local'),
    config: (block.config ?? {}) as Record<string, unknown>,
  }));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The identity of a state: its backend type and the settings that locate it (bucket, key, path, ...). */
export function stateIdentity(backend: string, config: Record<string, unknown>): string {
  const locating = Object.fromEntries(
    Object.entries(config).filter(
      ([k]) => !['encrypt', 'use_lockfile', 'dynamodb_table', 'kms_key_id'].includes(k),
    ),
  );
  return `${backend}:${canonical(locating)}`;
}

/** The identity of the state a synthesized stack writes to, or undefined for the default local state. */
export function writtenStateIdentity(stack: SynthesizedStack): string | undefined {
  const backend = stack.terraform?.backend;
  if (!backend) return undefined;
  const [type] = Object.keys(backend);
  return type === undefined ? undefined : stateIdentity(type, backend[type] ?? {});
}
