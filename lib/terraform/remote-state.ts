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
  expression?: { references?: string[]; constant_value?: unknown };
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

/**
 * AWS id prefixes by resource type (the `id` attribute) and by `*_id` attribute name, so that a placeholder
 * looks like the id it stands for (`vpc-` and 17 hex digits): consumers that check ids (e.g.
 * `GatewayPlatform.fromAttributes`) accept them.
 */
export const ID_PREFIX_BY_RESOURCE: Readonly<Record<string, string>> = {
  aws_vpc: 'vpc',
  aws_subnet: 'subnet',
  aws_security_group: 'sg',
  aws_route_table: 'rtb',
  aws_network_acl: 'acl',
  aws_internet_gateway: 'igw',
  aws_nat_gateway: 'nat',
  aws_eip: 'eipalloc',
  aws_vpn_gateway: 'vgw',
  aws_customer_gateway: 'cgw',
  aws_vpn_connection: 'vpn',
  aws_ec2_transit_gateway: 'tgw',
  aws_ec2_transit_gateway_vpc_attachment: 'tgw-attach',
  aws_ec2_transit_gateway_route_table: 'tgw-rtb',
  aws_vpc_endpoint: 'vpce',
  aws_ec2_managed_prefix_list: 'pl',
  aws_network_interface: 'eni',
  aws_vpc_security_group_ingress_rule: 'sgr',
  aws_vpc_security_group_egress_rule: 'sgr',
};
export const ID_PREFIX_BY_ATTRIBUTE: Readonly<Record<string, string>> = {
  vpc_id: 'vpc',
  subnet_id: 'subnet',
  security_group_id: 'sg',
  route_table_id: 'rtb',
  network_acl_id: 'acl',
  internet_gateway_id: 'igw',
  nat_gateway_id: 'nat',
  allocation_id: 'eipalloc',
  vpn_gateway_id: 'vgw',
  customer_gateway_id: 'cgw',
  vpn_connection_id: 'vpn',
  transit_gateway_id: 'tgw',
  transit_gateway_attachment_id: 'tgw-attach',
  transit_gateway_route_table_id: 'tgw-rtb',
  vpc_endpoint_id: 'vpce',
  prefix_list_id: 'pl',
  network_interface_id: 'eni',
};

/** The prefix for an attribute named like an id: `subnet_id`, or ending in one (`endpoints_security_group_id`). */
export function idPrefixOfAttribute(attribute: string): string | undefined {
  const names = Object.keys(ID_PREFIX_BY_ATTRIBUTE).filter(
    (name) => attribute === name || attribute.endsWith(`_${name}`),
  );
  const longest = names.sort((a, b) => b.length - a.length)[0];
  return longest === undefined ? undefined : ID_PREFIX_BY_ATTRIBUTE[longest];
}

const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * A placeholder for a value known only after apply: an ARN for `arn` attributes, an AWS-shaped id
 * (`vpc-…`, `tgw-attach-…`) for the ids of known resource types, else `offline-plan-<hash>`. `reference`
 * is the producer's attribute the value comes from (e.g. `aws_vpc.Vpc.id`), when known; `path` the
 * part of the output (`.vpcId`, `[0]`), whose last key names the attribute when there is no reference.
 */
export function placeholderFor(
  stack: string,
  output: string,
  reference: string | undefined,
  path = '',
  region = 'us-east-1',
): string {
  const hash = createHash('sha256').update(`${stack}/${output}${path}`).digest('hex');
  const digest = hash.slice(0, 12);
  const key = /\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(path)?.[1];
  const attribute = reference?.split('.').pop() ?? key ?? output;
  const resourceType = reference?.split('.')[0];
  if (/arn$/i.test(attribute)) {
    const service = resourceType?.split('_')[1] ?? 'offline';
    return `arn:aws:${service}:${region}:000000000000:offline-plan-${digest}`;
  }
  const prefix =
    attribute === 'id' && resourceType !== undefined
      ? ID_PREFIX_BY_RESOURCE[resourceType]
      : idPrefixOfAttribute(snakeCase(attribute));
  if (prefix !== undefined) return `${prefix}-${hash.slice(12, 29)}`;
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

/**
 * The producer attribute behind the part of an output at `path`: for an output written as an object or
 * list (JSON syntax, e.g. the platform's attributes), the `${…}` reference at that place of the
 * configured value; for an output that is one reference (cdktf's cross-stack outputs), that reference.
 */
function referenceAt(expression: OutputConfiguration['expression'], path: string): string | undefined {
  if (expression?.constant_value !== undefined) {
    let at: unknown = expression.constant_value;
    for (const [, key, index] of path.matchAll(/\.([^.[]+)|\[(\d+)\]/g)) {
      at =
        index !== undefined
          ? Array.isArray(at)
            ? at[Number(index)]
            : undefined
          : at && typeof at === 'object'
            ? (at as Record<string, unknown>)[key]
            : undefined;
    }
    const single = typeof at === 'string' ? /^\$\{([A-Za-z0-9_.[\]-]+)\}$/.exec(at) : null;
    return single?.[1];
  }
  // A single-attribute output lists the attribute first, then its resource.
  const attributes = (expression?.references ?? []).filter(
    (r) => r.split('.').length >= 3 && !r.startsWith('var.'),
  );
  return attributes.length === 1 ? attributes[0] : undefined;
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
    const expression = configured[name]?.expression;
    const reference = referenceAt(expression, '');
    const value = fill(raw, (path) =>
      placeholderFor(
        stack,
        name,
        referenceAt(expression, path),
        path,
        typeof region === 'string' ? region : undefined,
      ),
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
