/**
 * The state derived from a plan (lib/terraform/derived-state.ts), on hand-made plans and schemas: values
 * the plan knows, placeholders shaped like the real values for the rest, references resolved, sensitivity
 * marks as state paths, and a second plan folded into the first state. Terraform itself is exercised in
 * change-plan.test.ts.
 */
import {
  ResourceSchemas,
  SchemaBlock,
  TerraformState,
  evaluateConfigured,
  foldPlanIntoState,
  sensitivePaths,
  shapeOfBlock,
} from '../../../lib/terraform/derived-state';
import { PlanJson } from '../../../lib/terraform/harness';

const AWS = 'registry.terraform.io/hashicorp/aws';
/** The SDKv2 part of the provider gives every resource an optional and computed id. */
const sdkId = { type: 'string', optional: true, computed: true } as const;
const healthCheck: SchemaBlock = {
  attributes: {
    matcher: { type: 'string', optional: true, computed: true },
    path: { type: 'string', optional: true },
    timeout: { type: 'number', optional: true, computed: true },
  },
};
const SCHEMAS: ResourceSchemas = {
  [AWS]: {
    aws_vpc: {
      version: 1,
      block: {
        attributes: {
          id: sdkId,
          arn: { type: 'string', computed: true },
          cidr_block: { type: 'string', optional: true },
          owner_id: { type: 'string', computed: true },
          ipv6_cidr_block: { type: 'string', optional: true, computed: true },
          tags: { type: ['map', 'string'], optional: true },
        },
      },
    },
    aws_subnet: {
      version: 1,
      block: {
        attributes: {
          id: sdkId,
          vpc_id: { type: 'string', required: true },
          cidr_block: { type: 'string', optional: true },
        },
      },
    },
    aws_lb_target_group: {
      version: 0,
      block: {
        attributes: {
          id: sdkId,
          arn: { type: 'string', computed: true },
          name: { type: 'string', optional: true },
        },
        block_types: { health_check: { nesting_mode: 'list', block: healthCheck } },
      },
    },
    aws_framework_thing: {
      version: 0,
      block: {
        attributes: { id: { type: 'string', computed: true } },
        block_types: { health_check: { nesting_mode: 'list', block: healthCheck } },
      },
    },
    aws_secretsmanager_secret_version: {
      version: 0,
      block: {
        attributes: {
          id: sdkId,
          secret_id: { type: 'string', required: true },
          secret_string: { type: 'string', optional: true, computed: true, sensitive: true },
          secret_string_wo: { type: 'string', optional: true, write_only: true },
          secret_string_wo_version: { type: 'number', optional: true },
        },
      },
    },
  },
};

interface Change {
  readonly address: string;
  readonly actions?: string[];
  readonly before?: unknown;
  readonly after: Record<string, unknown> | null;
  readonly unknown?: Record<string, unknown>;
  readonly sensitive?: unknown;
}

function plan(
  changes: Change[],
  expressions: Record<string, unknown> = {},
  outputs: Record<string, unknown> = {},
) {
  return {
    terraform_version: '1.11.4',
    resource_changes: changes.map((c) => {
      const [type, name] = c.address.split('.');
      return {
        address: c.address,
        mode: 'managed',
        type,
        name,
        provider_name: AWS,
        change: {
          actions: c.actions ?? ['create'],
          before: c.before ?? null,
          after: c.after,
          after_unknown: c.unknown ?? {},
          after_sensitive: c.sensitive ?? {},
        },
      };
    }),
    output_changes: Object.fromEntries(
      Object.keys(outputs).map((name) => [name, { actions: ['create'], after: null, after_unknown: true }]),
    ),
    configuration: {
      provider_config: { aws: { name: 'aws', expressions: { region: { constant_value: 'eu-west-1' } } } },
      root_module: {
        resources: changes.map((c) => ({
          address: c.address,
          provider_config_key: 'aws',
          expressions: expressions[c.address] ?? {},
        })),
        outputs: Object.fromEntries(
          Object.entries(outputs).map(([name, expression]) => [name, { expression }]),
        ),
      },
    },
  } as unknown as PlanJson;
}

const ref = (reference: string) => ({
  constant_value: `\${${reference}}`,
  references: [reference, reference.split('.').slice(0, 2).join('.')],
});
const attributesOf = (state: TerraformState, address: string) => {
  const [type, name] = address.split('.');
  return state.resources.find((r) => r.type === type && r.name === name)!.instances[0];
};

describe('evaluateConfigured', () => {
  const resources: Record<string, unknown> = {
    'aws_vpc.Vpc': { id: 'vpc-0123456789abcdef0', cidr_block: '10.0.0.0/16', tags: { team: 'a' } },
    'aws_subnet.A': { id: 'subnet-0123456789abcdef0' },
  };
  const lookup = (resource: string) => resources[resource];

  test.each([
    ['a literal', 'plain', 'plain'],
    ['a number', 60, 60],
    ['one reference', '${aws_vpc.Vpc.id}', 'vpc-0123456789abcdef0'],
    ['a reference to a map', '${aws_vpc.Vpc.tags}', { team: 'a' }],
    ['a reference into a map', '${aws_vpc.Vpc.tags.team}', 'a'],
    [
      'references inside a string',
      'in ${aws_vpc.Vpc.id} at ${aws_vpc.Vpc.cidr_block}',
      'in vpc-0123456789abcdef0 at 10.0.0.0/16',
    ],
    ['a list of references', ['${aws_subnet.A.id}', 'x'], ['subnet-0123456789abcdef0', 'x']],
    ['a function call', '${jsonencode(aws_vpc.Vpc.tags)}', undefined],
    ['a data source', '${data.terraform_remote_state.p.outputs.id}', undefined],
    ['a variable', '${var.name}', undefined],
    ['a resource not derived yet', '${aws_subnet.B.id}', undefined],
    ['an escaped interpolation', '$${literal}', undefined],
  ])('%s', (_, configured, expected) => {
    expect(evaluateConfigured(configured, lookup)).toEqual(expected);
  });
});

describe('sensitivePaths', () => {
  const shape = shapeOfBlock({
    attributes: {
      password: { type: 'string', optional: true },
      keys: { type: ['list', 'string'], optional: true },
      labels: { type: ['map', 'string'], optional: true },
      members: { type: ['set', 'string'], optional: true },
    },
  });

  test.each([
    ['an attribute', { password: true }, [[{ type: 'get_attr', value: 'password' }]]],
    [
      'a list element',
      { keys: [false, true] },
      [
        [
          { type: 'get_attr', value: 'keys' },
          { type: 'index', value: { value: 1, type: 'number' } },
        ],
      ],
    ],
    [
      'a map value',
      { labels: { secret: true } },
      [
        [
          { type: 'get_attr', value: 'labels' },
          { type: 'index', value: { value: 'secret', type: 'string' } },
        ],
      ],
    ],
    ['a set element (marks the whole set)', { members: [true] }, [[{ type: 'get_attr', value: 'members' }]]],
    ['nothing', { password: false, keys: [] }, []],
  ])('%s', (_, marks, expected) => {
    expect(sensitivePaths(shape, marks)).toEqual(expected);
  });
});

describe('foldPlanIntoState', () => {
  const first = plan(
    [
      {
        address: 'aws_vpc.Vpc',
        after: { cidr_block: '10.0.0.0/16', tags: { owner: 'arn:aws:iam::210987654321:role/network' } },
        unknown: { id: true, arn: true, owner_id: true, ipv6_cidr_block: true },
      },
      { address: 'aws_subnet.A', after: { cidr_block: '10.0.1.0/24' }, unknown: { id: true, vpc_id: true } },
      {
        address: 'aws_lb_target_group.Tg',
        after: { name: 'gw', health_check: [{ path: null }] },
        unknown: { id: true, arn: true, health_check: [{ matcher: true, timeout: true }] },
      },
      {
        address: 'aws_framework_thing.Thing',
        after: { health_check: [{ path: null }] },
        unknown: { id: true, health_check: [{ matcher: true }] },
      },
      {
        address: 'aws_secretsmanager_secret_version.Version',
        after: {
          secret_id: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:x',
          secret_string_wo_version: 1,
        },
        unknown: { id: true, secret_string: true },
        sensitive: { secret_string: true },
      },
    ],
    { 'aws_subnet.A': { vpc_id: ref('aws_vpc.Vpc.id') } },
    { vpc_id: ref('aws_vpc.Vpc.id') },
  );
  const state = foldPlanIntoState(first, { stack: 'app', schemas: SCHEMAS });

  it('keeps what the plan knows and gives each unknown value a placeholder shaped like the real one', () => {
    const vpc = attributesOf(state, 'aws_vpc.Vpc');
    expect(vpc).toMatchObject({ schema_version: 1, sensitive_attributes: [] });
    expect(vpc.attributes).toEqual({
      id: expect.stringMatching(/^vpc-[0-9a-f]{17}$/),
      arn: `arn:aws:ec2:eu-west-1:210987654321:vpc/${String(vpc.attributes.id)}`,
      cidr_block: '10.0.0.0/16',
      owner_id: '210987654321',
      ipv6_cidr_block: null,
      tags: { owner: 'arn:aws:iam::210987654321:role/network' },
    });
    const tg = attributesOf(state, 'aws_lb_target_group.Tg').attributes;
    expect(tg.arn).toMatch(
      /^arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup\/gw-[0-9a-f]{12}$/,
    );
    expect(tg.id).toBe(tg.arn);
  });

  it('resolves a reference to the value the referenced resource got', () => {
    expect(attributesOf(state, 'aws_subnet.A').attributes.vpc_id).toBe(
      attributesOf(state, 'aws_vpc.Vpc').attributes.id,
    );
    expect(attributesOf(state, 'aws_subnet.A').dependencies).toEqual(['aws_vpc.Vpc']);
    expect(state.outputs.vpc_id).toEqual({
      value: attributesOf(state, 'aws_vpc.Vpc').attributes.id,
      type: 'string',
    });
  });

  it('stores unset values of nested blocks as zero values for SDKv2 resources, as null for the plugin framework’s', () => {
    expect(attributesOf(state, 'aws_lb_target_group.Tg').attributes.health_check).toEqual([
      { matcher: '', path: '', timeout: 0 },
    ]);
    expect(attributesOf(state, 'aws_framework_thing.Thing').attributes.health_check).toEqual([
      { matcher: null, path: null, timeout: null },
    ]);
  });

  it('keeps write-only values out of the state and marks sensitive ones', () => {
    const version = attributesOf(state, 'aws_secretsmanager_secret_version.Version');
    expect(version.attributes.secret_string_wo).toBeNull();
    expect(version.attributes.secret_string_wo_version).toBe(1);
    expect(version.sensitive_attributes).toEqual([[{ type: 'get_attr', value: 'secret_string' }]]);
  });

  it('writes each resource once, with its provider, in a version-4 state', () => {
    expect(state).toMatchObject({ version: 4, serial: 1, terraform_version: '1.11.4' });
    expect(state.resources.map((r) => `${r.type}.${r.name}`)).toEqual([
      'aws_framework_thing.Thing',
      'aws_lb_target_group.Tg',
      'aws_secretsmanager_secret_version.Version',
      'aws_subnet.A',
      'aws_vpc.Vpc',
    ]);
    expect(new Set(state.resources.map((r) => r.provider))).toEqual(new Set([`provider["${AWS}"]`]));
  });

  it('folds a later plan in: planned values replace the state’s, values unknown again keep theirs, deleted resources go', () => {
    const vpc = attributesOf(state, 'aws_vpc.Vpc').attributes;
    const second = plan([
      {
        address: 'aws_vpc.Vpc',
        actions: ['update'],
        after: { ...vpc, tags: { owner: 'x' }, arn: undefined },
        unknown: { arn: true },
      },
      { address: 'aws_subnet.A', actions: ['delete'], after: null },
    ]);
    const next = foldPlanIntoState(second, { stack: 'app', schemas: SCHEMAS, prior: state });
    expect(next.serial).toBe(2);
    expect(next.lineage).toBe(state.lineage);
    expect(next.resources.map((r) => r.type)).toEqual(['aws_vpc']);
    expect(attributesOf(next, 'aws_vpc.Vpc').attributes).toEqual({ ...vpc, tags: { owner: 'x' } });
  });
});
