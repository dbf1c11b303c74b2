/**
 * A full Terraform state (format version 4) derived from an offline plan, as if the plan had been applied:
 * every managed resource with its attributes, schema version, provider, dependencies and sensitivity marks,
 * and the root outputs.
 *
 * Values the plan knows are taken as they are. A value known only after apply gets a deterministic
 * placeholder shaped like the real one: an ARN in the stack's partition, region and account for `arn` and
 * `*_arn`, an id shaped like the resource type's ids (`subnet-…`, `sg-…`, a key's UUID, a role's name) for
 * `id` and `*_id`, null for optional-and-computed attributes (in the nested blocks of the provider's SDKv2
 * resources, their zero value, as the SDK stores them), an empty collection for computed ones. Where the
 * configuration sets the unknown value by a plain reference (`${aws_vpc.Vpc.id}`), it gets the referenced
 * resource's value, resources being derived in dependency order. What is left (references inside function
 * calls such as `jsonencode`) carries a different value on both sides at first; planning against the state
 * with `-refresh=false` and folding the planned values back in (`foldPlanIntoState`) aligns them, and a
 * round or two reach a state that its own configuration plans without any change (change-plan.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OFFLINE_STATE_FILE, PlanJson, readStack, runTerraform, writeCliConfig } from './harness';
import { ID_PREFIX_BY_RESOURCE, ctyTypeOf, idPrefixOfAttribute, stateFromPlan } from './remote-state';

/** Terraform's JSON encoding of a cty type (`"string"`, `["list", "string"]`, `["object", {...}]`). */
export type CtyType = string | [string, unknown] | [string, unknown, unknown];

export interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: { attributes: Record<string, SchemaAttribute>; nesting_mode: string };
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly required?: boolean;
  readonly sensitive?: boolean;
  readonly write_only?: boolean;
}

export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { nesting_mode: string; block: SchemaBlock }>;
}

export interface ResourceSchema {
  readonly version: number;
  readonly block: SchemaBlock;
}

/** Resource schemas by provider source address (`registry.terraform.io/hashicorp/aws`), then by type. */
export type ResourceSchemas = Readonly<Record<string, Readonly<Record<string, ResourceSchema>>>>;

const schemaCache = new Map<string, Promise<ResourceSchemas>>();

/**
 * The resource schemas of the providers an initialized stack uses (`terraform providers schema -json`),
 * read once per process for each set of provider versions (the stack's `.terraform.lock.hcl`).
 */
export function loadResourceSchemas(stackDir: string, mirror: string): Promise<ResourceSchemas> {
  const lockFile = join(stackDir, '.terraform.lock.hcl');
  const key = existsSync(lockFile)
    ? createHash('sha256').update(readFileSync(lockFile)).digest('hex')
    : stackDir;
  let cached = schemaCache.get(key);
  if (cached === undefined) {
    cached = runTerraform(stackDir, ['providers', 'schema', '-json'], writeCliConfig(stackDir, mirror)).then(
      (run) => {
        const json = JSON.parse(run.stdout) as {
          provider_schemas?: Record<string, { resource_schemas?: Record<string, ResourceSchema> }>;
        };
        return Object.fromEntries(
          Object.entries(json.provider_schemas ?? {}).map(([provider, s]) => [
            provider,
            s.resource_schemas ?? {},
          ]),
        );
      },
    );
    schemaCache.set(key, cached);
    cached.catch(() => schemaCache.delete(key));
  }
  return cached;
}

/** The shape of a value, from a cty type or a schema block: what the walks below need of it. */
export type Shape =
  | { kind: 'primitive'; type: string }
  | { kind: 'list' | 'set' | 'map'; element: Shape }
  | { kind: 'tuple'; elements: Shape[] }
  | { kind: 'object'; attributes: Record<string, Field> };

interface Field {
  readonly shape: Shape;
  readonly optional: boolean;
  readonly computed: boolean;
  readonly writeOnly: boolean;
  /**
   * A primitive attribute of a nested block of an SDKv2 resource: the SDK stores it as its zero value ("",
   * 0, false) when unset, and plans that zero value for it whenever the resource is updated.
   */
  readonly zeroWhenUnset?: boolean;
}

const ZERO: Readonly<Record<string, unknown>> = { string: '', number: 0, bool: false };

const DYNAMIC: Shape = { kind: 'primitive', type: 'dynamic' };

function shapeOfType(type: unknown): Shape {
  if (typeof type === 'string') return { kind: 'primitive', type };
  if (Array.isArray(type)) {
    const [kind, inner] = type as [string, unknown];
    if (kind === 'list' || kind === 'set' || kind === 'map') return { kind, element: shapeOfType(inner) };
    if (kind === 'tuple') return { kind: 'tuple', elements: (inner as unknown[]).map(shapeOfType) };
    if (kind === 'object') {
      return {
        kind: 'object',
        attributes: Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).map(([k, t]) => [
            k,
            { shape: shapeOfType(t), optional: true, computed: false, writeOnly: false },
          ]),
        ),
      };
    }
  }
  return DYNAMIC;
}

function nested(mode: string, object: Shape): Shape {
  if (mode === 'list' || mode === 'set' || mode === 'map') return { kind: mode, element: object };
  return object; // single, group
}

function fieldOf(attribute: SchemaAttribute, inBlock = false): Field {
  const shape = attribute.nested_type
    ? nested(attribute.nested_type.nesting_mode, objectOfAttributes(attribute.nested_type.attributes))
    : shapeOfType(attribute.type);
  return {
    shape,
    optional: attribute.optional === true,
    computed: attribute.computed === true,
    writeOnly: attribute.write_only === true,
    ...(inBlock && shape.kind === 'primitive' && attribute.required !== true ? { zeroWhenUnset: true } : {}),
  };
}

function objectOfAttributes(attributes: Record<string, SchemaAttribute>, inBlock = false): Shape {
  return {
    kind: 'object',
    attributes: Object.fromEntries(Object.entries(attributes).map(([k, a]) => [k, fieldOf(a, inBlock)])),
  };
}

/**
 * True for a resource type of the provider's SDKv2 part, which gives every resource an optional and computed
 * `id`; types of the plugin framework declare their own (computed only) or none.
 */
function isSdkV2(block: SchemaBlock): boolean {
  const id = block.attributes?.id;
  return id?.optional === true && id.computed === true;
}

/**
 * The shape of a resource's attributes, or (given `zeroInBlocks`, true for an SDKv2 resource) of one of its
 * nested blocks: its attributes and blocks.
 */
export function shapeOfBlock(block: SchemaBlock, zeroInBlocks?: boolean): Shape {
  const zero = zeroInBlocks ?? isSdkV2(block);
  const object = objectOfAttributes(block.attributes ?? {}, zeroInBlocks === true) as Extract<
    Shape,
    { kind: 'object' }
  >;
  for (const [name, blockType] of Object.entries(block.block_types ?? {})) {
    object.attributes[name] = {
      shape: nested(blockType.nesting_mode, shapeOfBlock(blockType.block, zero)),
      optional: true,
      computed: false,
      writeOnly: false,
    };
  }
  return object;
}

/** Where the placeholders of a stack point: the partition, region and account of its ARNs. */
export interface AccountContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const ARN = /\barn:(aws[a-z-]*):[a-z0-9-]+:([a-z0-9-]*):(\d{12}):/g;

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/**
 * The partition, region and account of a planned stack: the region from the aws provider's
 * configuration, else from the ARNs the plan knows; the partition and account from those ARNs.
 * @default - aws, us-east-1 and 123456789012 for what the plan does not tell
 */
export function accountContextOf(plan: PlanJson): AccountContext {
  const text = JSON.stringify(plan.resource_changes ?? []);
  const arns = [...text.matchAll(ARN)];
  const configured = (
    plan.configuration as {
      provider_config?: Record<string, { expressions?: { region?: { constant_value?: unknown } } }>;
    }
  )?.provider_config?.aws?.expressions?.region?.constant_value;
  return {
    partition: mostCommon(arns.map((m) => m[1])) ?? 'aws',
    region:
      typeof configured === 'string'
        ? configured
        : (mostCommon(arns.map((m) => m[2]).filter(Boolean)) ?? 'us-east-1'),
    // 000000000000 is the offline placeholders' account (values read from another stack's derived outputs),
    // never the stack's own.
    account: mostCommon(arns.map((m) => m[3]).filter((a) => a && a !== '000000000000')) ?? '123456789012',
  };
}

/** The ARN service and resource part by resource type, for the types whose ARNs are not `<service>:<type>/<id>`. */
const ARN_FORMAT: Readonly<
  Record<string, { service: string; resource: (id: string) => string; global?: boolean }>
> = {
  aws_iam_role: { service: 'iam', resource: (id) => `role/${id}`, global: true },
  aws_iam_policy: { service: 'iam', resource: (id) => `policy/${id}`, global: true },
  aws_s3_bucket: { service: 's3', resource: (id) => id, global: true },
  aws_lambda_function: { service: 'lambda', resource: (id) => `function:${id}` },
  aws_cloudwatch_log_group: { service: 'logs', resource: (id) => `log-group:${id}` },
  aws_cloudwatch_metric_alarm: { service: 'cloudwatch', resource: (id) => `alarm:${id}` },
  aws_cloudwatch_composite_alarm: { service: 'cloudwatch', resource: (id) => `alarm:${id}` },
  aws_sns_topic: { service: 'sns', resource: (id) => id },
  aws_kms_key: { service: 'kms', resource: (id) => `key/${id}` },
  aws_kms_alias: { service: 'kms', resource: (id) => id },
  aws_secretsmanager_secret: { service: 'secretsmanager', resource: (id) => `secret:${id}-AbCdEf` },
  aws_lb: { service: 'elasticloadbalancing', resource: (id) => `loadbalancer/app/${id}` },
  aws_lb_target_group: { service: 'elasticloadbalancing', resource: (id) => `targetgroup/${id}` },
  aws_lb_listener: { service: 'elasticloadbalancing', resource: (id) => `listener/app/${id}` },
  aws_lb_trust_store: { service: 'elasticloadbalancing', resource: (id) => `truststore/${id}` },
};

/** Resource types whose `id` is one of their own (known) attributes, e.g. a role's name. */
const ID_IS_ATTRIBUTE: Readonly<Record<string, string>> = {
  aws_iam_role: 'name',
  aws_iam_policy: 'arn',
  aws_lambda_function: 'function_name',
  aws_cloudwatch_log_group: 'name',
  aws_cloudwatch_metric_alarm: 'alarm_name',
  aws_cloudwatch_composite_alarm: 'alarm_name',
  aws_s3_bucket: 'bucket',
  aws_kms_alias: 'name',
  aws_lambda_permission: 'statement_id',
  aws_sns_topic: 'arn',
  aws_sns_topic_subscription: 'arn',
  aws_secretsmanager_secret: 'arn',
  aws_lb: 'arn',
  aws_lb_target_group: 'arn',
  aws_lb_listener: 'arn',
  aws_lb_trust_store: 'arn',
};

/** Resource types whose ids are UUIDs. */
const UUID_IDS = new Set(['aws_kms_key']);
/** Further `id` prefixes beyond the ones remote-state.ts knows. */
const MORE_ID_PREFIXES: Readonly<Record<string, string>> = {
  aws_flow_log: 'fl',
  aws_default_security_group: 'sg',
  aws_network_acl_rule: 'nacl',
  aws_route_table_association: 'rtbassoc',
  aws_vpc_endpoint: 'vpce',
  aws_ec2_transit_gateway_route_table_association: 'tgw-attach',
  aws_lb_target_group_attachment: 'arn',
};

/** Computed lists (by resource type) that AWS always fills on create: `aws_vpc_endpoint`'s DNS entries. */
const ALWAYS_FILLED_LISTS: Readonly<Record<string, string>> = {
  aws_vpc_endpoint: 'dns_entry',
};

interface PlaceholderContext {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly account: AccountContext;
  /** The known values of the resource, for ids and ARNs made from a name. */
  readonly known: Record<string, unknown>;
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
const uuidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;

/** The EC2 resource types, by the kind their ARNs name (`arn:aws:ec2:<region>:<account>:<kind>/<id>`). */
const EC2_ARN_KIND: Readonly<Record<string, string>> = {
  aws_vpc: 'vpc',
  aws_subnet: 'subnet',
  aws_security_group: 'security-group',
  aws_default_security_group: 'security-group',
  aws_route_table: 'route-table',
  aws_network_acl: 'network-acl',
  aws_internet_gateway: 'internet-gateway',
  aws_nat_gateway: 'natgateway',
  aws_eip: 'elastic-ip',
  aws_vpn_gateway: 'vpn-gateway',
  aws_customer_gateway: 'customer-gateway',
  aws_vpn_connection: 'vpn-connection',
  aws_ec2_transit_gateway: 'transit-gateway',
  aws_ec2_transit_gateway_vpc_attachment: 'transit-gateway-attachment',
  aws_ec2_transit_gateway_route_table: 'transit-gateway-route-table',
  aws_vpc_endpoint: 'vpc-endpoint',
  aws_flow_log: 'vpc-flow-log',
  aws_ec2_managed_prefix_list: 'prefix-list',
  aws_vpc_security_group_ingress_rule: 'security-group-rule',
  aws_vpc_security_group_egress_rule: 'security-group-rule',
};

/** The resource's own id: the planned one when known, else its placeholder (the one `id` gets). */
function ownId(ctx: PlaceholderContext): string {
  const known = ctx.known.id;
  if (typeof known === 'string' && known !== '') return known;
  return idFor(ctx, hashOf(`${ctx.stack}/${ctx.address}/${JSON.stringify(['id'])}`));
}

function arnFor(ctx: PlaceholderContext, attribute: string, hash: string): string {
  const { partition, region, account } = ctx.account;
  const format = ARN_FORMAT[ctx.type];
  const kind = EC2_ARN_KIND[ctx.type];
  if (attribute === 'arn' && kind !== undefined) {
    return `arn:${partition}:ec2:${region}:${account}:${kind}/${ownId(ctx)}`;
  }
  const name = ctx.known.name ?? ctx.known.function_name ?? ctx.known.alarm_name ?? ctx.known.bucket;
  const id = `${typeof name === 'string' && name !== '' ? name : 'offline'}-${hash.slice(0, 12)}`;
  if (attribute === 'arn' && format) {
    const resource = format.resource(UUID_IDS.has(ctx.type) ? ownId(ctx) : id);
    return `arn:${partition}:${format.service}:${format.global ? '' : region}:${format.global && format.service === 's3' ? '' : account}:${resource}`;
  }
  const service =
    ctx.type.split('_')[1] === 'lb' ? 'elasticloadbalancing' : (ctx.type.split('_')[1] ?? 'offline');
  return `arn:${partition}:${service}:${region}:${account}:${attribute.replace(/_?arn$/, '') || 'resource'}/${id}`;
}

function idFor(ctx: PlaceholderContext, hash: string): string {
  const from = ID_IS_ATTRIBUTE[ctx.type];
  if (from !== undefined && typeof ctx.known[from] === 'string' && ctx.known[from] !== '') {
    return ctx.known[from] as string;
  }
  // Its id is its ARN: the very placeholder `arn` gets.
  if (from === 'arn')
    return arnFor(ctx, 'arn', hashOf(`${ctx.stack}/${ctx.address}/${JSON.stringify(['arn'])}`));
  if (UUID_IDS.has(ctx.type)) return uuidOf(hash);
  const prefix = ID_PREFIX_BY_RESOURCE[ctx.type] ?? MORE_ID_PREFIXES[ctx.type];
  return prefix === undefined ? hash.slice(0, 20) : `${prefix}-${hash.slice(0, 17)}`;
}

/** The placeholder for a value unknown until apply, at `path` of the resource. */
function placeholder(field: Field, path: PathStep[], ctx: PlaceholderContext): unknown {
  const shape = field.shape;
  const hash = hashOf(`${ctx.stack}/${ctx.address}/${JSON.stringify(path)}`);
  // A resource's id, even where the schema calls it optional: SDKv2 resources without one plan as new.
  if (path.length === 1 && path[0] === 'id') return idFor(ctx, hash);
  if (field.optional && field.computed && shape.kind === 'primitive') {
    return field.zeroWhenUnset ? (ZERO[shape.type] ?? null) : null;
  }
  switch (shape.kind) {
    case 'list':
    case 'set':
    case 'tuple': {
      // A computed list AWS always fills on create, which configurations index (`dns_entry[0].dns_name`):
      // one element of placeholders, not an empty list no real apply returns.
      const filled = ALWAYS_FILLED_LISTS[ctx.type];
      if (
        shape.kind === 'list' &&
        path.length === 1 &&
        filled === path[0] &&
        shape.element.kind === 'object'
      ) {
        const attributes = Object.keys(shape.element.attributes);
        return [
          Object.fromEntries(attributes.map((a) => [a, `offline-${hashOf(`${hash}/${a}`).slice(0, 16)}`])),
        ];
      }
      return [];
    }
    case 'map':
      return {};
    case 'object':
      return null;
    default:
  }
  const attribute = [...path].reverse().find((s): s is string => typeof s === 'string') ?? '';
  if (shape.type === 'number') return 0;
  if (shape.type === 'bool') return false;
  if (/(^|_)arn$/.test(attribute)) return arnFor(ctx, attribute, hash);
  if (/(^|_)(owner_id|account_id)$/.test(attribute)) return ctx.account.account;
  const prefix = idPrefixOfAttribute(attribute);
  if (prefix !== undefined) return `${prefix}-${hash.slice(0, 17)}`;
  if (/(^|_)(address|ip)$/.test(attribute)) {
    const n = Number.parseInt(hash.slice(0, 4), 16);
    return `198.51.${(n >> 8) % 256}.${(n % 254) + 1}`;
  }
  return `offline-${hash.slice(0, 16)}`;
}

type PathStep = string | number;

/**
 * The value of one attribute in the state: the planned value where known, else (where `unknown` marks it)
 * the prior state's value when it has one, else a placeholder. Every attribute of an object is present,
 * write-only attributes are null.
 */
interface Sources {
  /** The planned value. */
  readonly after: unknown;
  /** The plan's `after_unknown` at this place. */
  readonly unknown: unknown;
  /** The value in the state the plan was made against. */
  readonly prior: unknown;
  /** The configured value with its references resolved from the state being derived, where it could be. */
  readonly configured: unknown;
}

const at = (value: unknown, key: string | number): unknown =>
  value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
const child = (sources: Sources, key: string | number, withPrior = true): Sources => ({
  after: at(sources.after, key),
  unknown: at(sources.unknown, key),
  prior: withPrior ? at(sources.prior, key) : undefined,
  configured: at(sources.configured, key),
});

/** True when a value holds nothing still unresolved (a reference that could not be followed). */
function resolved(value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.every(resolved);
  if (value !== null && typeof value === 'object') return Object.values(value).every(resolved);
  return true;
}

/**
 * The value of one attribute in the state: the planned value where known; where `unknown` marks it, the
 * configured value when its references resolve (what apply would set), else the prior state's value when it
 * has one, else a placeholder. Every attribute of an object is present, write-only attributes are null.
 */
function resolve(field: Field, sources: Sources, path: PathStep[], ctx: PlaceholderContext): unknown {
  if (field.writeOnly) return null;
  const { after, unknown, prior, configured } = sources;
  if (unknown === true) {
    if (configured !== null && resolved(configured)) return configured;
    return prior !== undefined && prior !== null ? prior : placeholder(field, path, ctx);
  }
  const shape = field.shape;
  if (shape.kind === 'object') {
    if ((after === null || after === undefined) && (unknown === undefined || unknown === false)) return null;
    return Object.fromEntries(
      Object.entries(shape.attributes).map(([k, f]) => [k, resolve(f, child(sources, k), [...path, k], ctx)]),
    );
  }
  if (shape.kind === 'list' || shape.kind === 'set' || shape.kind === 'tuple') {
    if (!Array.isArray(after) && !Array.isArray(unknown)) return after ?? null;
    const length = Math.max(
      Array.isArray(after) ? after.length : 0,
      Array.isArray(unknown) ? unknown.length : 0,
    );
    return Array.from({ length }, (_, i) => {
      const element = shape.kind === 'tuple' ? (shape.elements[i] ?? DYNAMIC) : shape.element;
      const f: Field = { shape: element, optional: false, computed: true, writeOnly: false };
      // A set's elements have no stable position: neither the prior nor the configured one is known.
      const s =
        shape.kind === 'set' ? { ...child(sources, i, false), configured: undefined } : child(sources, i);
      return resolve(f, s, [...path, i], ctx);
    });
  }
  if (shape.kind === 'map') {
    if ((after === null || after === undefined) && (unknown === undefined || unknown === false)) return null;
    const keys = new Set([...Object.keys(after ?? {}), ...Object.keys(unknown ?? {})]);
    const f: Field = { shape: shape.element, optional: false, computed: true, writeOnly: false };
    return Object.fromEntries([...keys].map((k) => [k, resolve(f, child(sources, k), [...path, k], ctx)]));
  }
  if ((after === null || after === undefined) && field.zeroWhenUnset && shape.kind === 'primitive') {
    return ZERO[shape.type] ?? null;
  }
  return after === undefined ? null : after;
}

const REFERENCE =
  /^(?!(?:data|var|local|module|each|count|path|terraform|self)\.)([a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)((?:\.[A-Za-z0-9_-]+|\[\d+\])+)$/;

/**
 * A configured value (cdktf's JSON syntax: literals, `${type.name.attribute}` references, strings with
 * such references inside) with the references looked up; undefined where it holds anything else (a function
 * call, a data source, a variable), so that the caller falls back.
 */
export function evaluateConfigured(value: unknown, lookup: (resource: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluateConfigured(v, lookup));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, evaluateConfigured(v, lookup)]),
    );
  }
  if (typeof value !== 'string' || !value.includes('${')) return value;
  if (value.includes('$${') || value.includes('%{')) return undefined;
  const follow = (expression: string): unknown => {
    const match = REFERENCE.exec(expression.trim());
    if (!match) return undefined;
    let current = lookup(match[1]);
    for (const [, key, index] of match[2].matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)) {
      current = at(current, index !== undefined ? Number(index) : key);
    }
    return current === null ? undefined : current;
  };
  const whole = /^\$\{([^{}]+)\}$/.exec(value);
  if (whole) return follow(whole[1]);
  let complete = true;
  const text = value.replace(/\$\{([^{}]+)\}/g, (_, expression: string) => {
    const v = follow(expression);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    complete = false;
    return '';
  });
  return complete && !text.includes('${') ? text : undefined;
}

/** The configured values of a resource's attributes and blocks, from the plan's `configuration` expressions. */
function configuredValues(expressions: unknown, lookup: (resource: string) => unknown): unknown {
  if (Array.isArray(expressions)) return expressions.map((e) => configuredValues(e, lookup));
  if (expressions === null || typeof expressions !== 'object') return undefined;
  const e = expressions as Record<string, unknown>;
  if ('constant_value' in e) return evaluateConfigured(e.constant_value, lookup);
  if ('references' in e) return undefined;
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, configuredValues(v, lookup)]));
}

/** One step of a path in the state's `sensitive_attributes`. */
export type StatePathStep =
  | { type: 'get_attr'; value: string }
  | { type: 'index'; value: { value: string | number; type: 'string' | 'number' } };

/**
 * The state's `sensitive_attributes` from a plan's `after_sensitive`: one path per value marked sensitive.
 * A mark inside a set marks the whole set (a set's elements have no path).
 */
export function sensitivePaths(shape: Shape, marks: unknown, path: StatePathStep[] = []): StatePathStep[][] {
  if (marks === true) return [path];
  if (marks === false || marks === null || marks === undefined) return [];
  if (shape.kind === 'set') {
    return JSON.stringify(marks).includes('true') ? [path] : [];
  }
  if (Array.isArray(marks)) {
    return marks.flatMap((m, i) => {
      const element =
        shape.kind === 'tuple'
          ? (shape.elements[i] ?? DYNAMIC)
          : shape.kind === 'list'
            ? shape.element
            : DYNAMIC;
      return sensitivePaths(element, m, [...path, { type: 'index', value: { value: i, type: 'number' } }]);
    });
  }
  if (typeof marks === 'object') {
    return Object.entries(marks as Record<string, unknown>).flatMap(([k, m]) => {
      if (shape.kind === 'object') {
        const field = shape.attributes[k];
        return sensitivePaths(field?.shape ?? DYNAMIC, m, [...path, { type: 'get_attr', value: k }]);
      }
      const element = shape.kind === 'map' ? shape.element : DYNAMIC;
      return sensitivePaths(element, m, [...path, { type: 'index', value: { value: k, type: 'string' } }]);
    });
  }
  return [];
}

interface PlannedChange {
  address: string;
  module_address?: string;
  mode: string;
  type: string;
  name: string;
  index?: string | number;
  provider_name: string;
  change: {
    actions: string[];
    after?: unknown;
    after_unknown?: unknown;
    after_sensitive?: unknown;
  };
}

interface ConfiguredResource {
  address: string;
  provider_config_key?: string;
  expressions?: unknown;
  depends_on?: string[];
}

export interface StateInstance {
  index_key?: string | number;
  schema_version: number;
  attributes: Record<string, unknown>;
  sensitive_attributes: StatePathStep[][];
  dependencies?: string[];
}

export interface StateResource {
  module?: string;
  mode: 'managed';
  type: string;
  name: string;
  provider: string;
  instances: StateInstance[];
}

export interface TerraformState {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, { value: unknown; type: unknown; sensitive?: boolean }>;
  resources: StateResource[];
  check_results: null;
}

function collectReferences(expressions: unknown, into: Set<string>): void {
  if (Array.isArray(expressions)) {
    expressions.forEach((e) => collectReferences(e, into));
  } else if (expressions && typeof expressions === 'object') {
    for (const [k, v] of Object.entries(expressions as Record<string, unknown>)) {
      if (k === 'references' && Array.isArray(v)) v.forEach((r) => typeof r === 'string' && into.add(r));
      else collectReferences(v, into);
    }
  }
}

/** The managed resources each configured resource refers to or depends on: the state's `dependencies`. */
function dependenciesOf(plan: PlanJson): Map<string, string[]> {
  const resources = configuredResources(plan);
  const managed = new Set(resources.map((r) => r.address).filter((a) => !a.startsWith('data.')));
  const byAddress = new Map<string, string[]>();
  for (const resource of resources) {
    const references = new Set<string>(resource.depends_on ?? []);
    collectReferences(resource.expressions, references);
    const deps = new Set<string>();
    for (const reference of references) {
      const [type, name] = reference.split('.');
      const address = `${type}.${name}`;
      if (managed.has(address) && address !== resource.address) deps.add(address);
    }
    byAddress.set(resource.address, [...deps].sort());
  }
  return byAddress;
}

function configuredResources(plan: PlanJson): ConfiguredResource[] {
  return ((plan.configuration as { root_module?: { resources?: ConfiguredResource[] } })?.root_module
    ?.resources ?? []) as ConfiguredResource[];
}

function providerKeys(plan: PlanJson): Map<string, string> {
  return new Map(configuredResources(plan).map((r) => [r.address, r.provider_config_key ?? '']));
}

/** The planned resources, each after the resources it refers to (the plan's order where there is no reference). */
function dependencyOrder(changes: PlannedChange[], dependencies: Map<string, string[]>): PlannedChange[] {
  const byResource = new Map<string, PlannedChange[]>();
  for (const rc of changes) {
    const key = rc.module_address === undefined ? `${rc.type}.${rc.name}` : rc.address;
    byResource.set(key, [...(byResource.get(key) ?? []), rc]);
  }
  const ordered: PlannedChange[] = [];
  const visited = new Set<string>();
  const visit = (key: string) => {
    if (visited.has(key)) return;
    visited.add(key);
    for (const dependency of dependencies.get(key) ?? []) visit(dependency);
    ordered.push(...(byResource.get(key) ?? []));
  };
  [...byResource.keys()].forEach(visit);
  return ordered;
}

/** The address of a resource (not one instance): `module.x.aws_vpc.Vpc`. */
const resourceKey = (r: { module?: string; mode: string; type: string; name: string }) =>
  `${r.module ? `${r.module}.` : ''}${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`;

const instanceKey = (resourceAddress: string, index: string | number | undefined) =>
  index === undefined ? resourceAddress : `${resourceAddress}[${JSON.stringify(index)}]`;

/** The instances of a state by instance address, for folding a plan into it. */
function priorInstances(state: TerraformState | undefined): Map<string, StateInstance> {
  const byAddress = new Map<string, StateInstance>();
  for (const resource of state?.resources ?? []) {
    for (const instance of resource.instances) {
      byAddress.set(instanceKey(resourceKey(resource), instance.index_key), instance);
    }
  }
  return byAddress;
}

export interface FoldPlanOptions {
  /** The stack's name, which seeds the placeholders (so two stacks never share one). */
  readonly stack: string;
  readonly schemas: ResourceSchemas;
  /**
   * The state the plan was made against: its values fill what the plan leaves unknown (so a placeholder,
   * once given, stays), and its serial and lineage carry on.
   * @default - none: the plan creates everything
   */
  readonly prior?: TerraformState;
}

/**
 * The state after applying `plan` (made against `options.prior`): planned resources with their planned
 * values (placeholders for the unknown ones), deleted ones gone, and the root outputs.
 */
export function foldPlanIntoState(plan: PlanJson, options: FoldPlanOptions): TerraformState {
  const account = accountContextOf(plan);
  const prior = priorInstances(options.prior);
  const dependencies = dependenciesOf(plan);
  const providers = providerKeys(plan);
  const expressions = new Map(configuredResources(plan).map((r) => [r.address, r.expressions]));
  const resources = new Map<string, StateResource>();
  // Root-module resources, not counted: what a reference `${type.name.attribute}` reads.
  const folded = new Map<string, Record<string, unknown>>();
  const lookup = (resource: string) => folded.get(resource);
  const changes = ((plan.resource_changes ?? []) as unknown as PlannedChange[]).filter(
    (rc) => rc.mode === 'managed' && rc.change.actions.join() !== 'delete',
  );
  for (const rc of dependencyOrder(changes, dependencies)) {
    const providerSchemas = options.schemas[rc.provider_name] ?? {};
    const schema = providerSchemas[rc.type];
    if (schema === undefined) {
      throw new Error(`${options.stack}: no schema for ${rc.type} of ${rc.provider_name}`);
    }
    const shape = shapeOfBlock(schema.block);
    const module = rc.module_address;
    const key = resourceKey({ module, mode: rc.mode, type: rc.type, name: rc.name });
    const priorInstance = prior.get(instanceKey(key, rc.index));
    const known = (rc.change.after ?? {}) as Record<string, unknown>;
    const ctx: PlaceholderContext = {
      stack: options.stack,
      address: rc.address,
      type: rc.type,
      account,
      known,
    };
    const root: Field = { shape, optional: false, computed: false, writeOnly: false };
    const configKey = `${rc.type}.${rc.name}`;
    const configured =
      module === undefined && rc.index === undefined
        ? configuredValues(expressions.get(configKey), lookup)
        : undefined;
    const attributes = resolve(
      root,
      {
        after: rc.change.after,
        unknown: rc.change.after_unknown,
        prior: priorInstance?.attributes,
        configured,
      },
      [],
      ctx,
    ) as Record<string, unknown>;
    if (module === undefined && rc.index === undefined) folded.set(configKey, attributes);
    const alias = (providers.get(configKey) ?? '').split('.')[1];
    const deps = module === undefined ? (dependencies.get(configKey) ?? []) : [];
    const instance: StateInstance = {
      ...(rc.index !== undefined ? { index_key: rc.index } : {}),
      schema_version: schema.version,
      attributes,
      sensitive_attributes: sensitivePaths(shape, rc.change.after_sensitive),
      ...(deps.length > 0 ? { dependencies: deps } : {}),
    };
    const resource = resources.get(key) ?? {
      ...(module !== undefined ? { module } : {}),
      mode: 'managed' as const,
      type: rc.type,
      name: rc.name,
      provider: `provider["${rc.provider_name}"]${alias ? `.${alias}` : ''}`,
      instances: [],
    };
    resource.instances.push(instance);
    resources.set(key, resource);
  }
  const outputs = outputsOf(plan, options.stack, lookup);
  const lineage = hashOf(`derived-state/${options.stack}`);
  return {
    version: 4,
    terraform_version: plan.terraform_version === undefined ? '1.11.0' : String(plan.terraform_version),
    serial: (options.prior?.serial ?? 0) + 1,
    lineage: options.prior?.lineage ?? uuidOf(lineage),
    outputs,
    resources: [...resources.values()].sort((a, b) => resourceKey(a).localeCompare(resourceKey(b))),
    check_results: null,
  };
}

/** Puts `configured` (where it resolved) or else `fallback` where `unknown` marks a part of `after` unknown. */
function fillUnknown(after: unknown, unknown: unknown, configured: unknown, fallback: unknown): unknown {
  if (unknown === true) return resolved(configured) && configured !== null ? configured : fallback;
  if (Array.isArray(unknown)) {
    return unknown.map((u, i) => fillUnknown(at(after, i), u, at(configured, i), at(fallback, i)));
  }
  if (unknown !== null && typeof unknown === 'object') {
    const keys = new Set([...Object.keys(after ?? {}), ...Object.keys(unknown)]);
    return Object.fromEntries(
      [...keys].map((k) => [
        k,
        fillUnknown(at(after, k), at(unknown, k), at(configured, k), at(fallback, k)),
      ]),
    );
  }
  return after;
}

/**
 * The root outputs after apply: the planned values where known; where unknown, the configured expression
 * evaluated against the derived resources (so an output carries the very placeholder of the attribute it
 * publishes), else remote-state.ts's placeholder.
 */
function outputsOf(
  plan: PlanJson,
  stack: string,
  lookup: (resource: string) => unknown,
): TerraformState['outputs'] {
  const fallback = stateFromPlan(stack, plan).state.outputs as TerraformState['outputs'];
  const configured = ((
    plan.configuration as { root_module?: { outputs?: Record<string, { expression?: unknown }> } }
  )?.root_module?.outputs ?? {}) as Record<string, { expression?: unknown }>;
  const changes = (plan.output_changes ?? {}) as Record<string, { after?: unknown; after_unknown?: unknown }>;
  return Object.fromEntries(
    Object.entries(fallback).map(([name, output]) => {
      const change = changes[name];
      const value = fillUnknown(
        change?.after,
        change?.after_unknown,
        configuredValues(configured[name]?.expression, lookup),
        output.value,
      );
      const type = (plan.planned_values?.outputs?.[name] as { type?: unknown } | undefined)?.type;
      return [name, { ...output, value, type: type ?? ctyTypeOf(value) }];
    }),
  );
}

/**
 * The state file a stack planned offline reads: the local backend the offline override names when the
 * stack declares a backend (cdktf always does), else Terraform's default `terraform.tfstate`.
 */
export function offlineStateFile(stackDir: string): string {
  const stack = readStack(stackDir);
  const overridden = stack.terraform?.backend !== undefined || stack.terraform?.cloud !== undefined;
  return join(stackDir, overridden ? OFFLINE_STATE_FILE : 'terraform.tfstate');
}

export function writeState(file: string, state: TerraformState): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

export function readState(file: string): TerraformState {
  return JSON.parse(readFileSync(file, 'utf8')) as TerraformState;
}
