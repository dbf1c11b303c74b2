/**
 * The change-safety harness (lib/terraform/change-plan.ts) with real Terraform, offline: version 1 of an
 * app planned against the state derived from its own plan shows no change at all; changes whose effect is
 * known are reported exactly; a consumer stack that reads a producer output version 1 did not publish fails
 * to plan, and the report says so. Also the report's assertions (expectOnly) on hand-made reports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleApp } from '../../../examples/main';
import { buildMultiStackApp } from '../../../examples/multi-stack/main';
import {
  ChangeReport,
  DerivedAppState,
  StackChanges,
  deriveAppState,
  expectOnly,
  formatChangeReport,
  planChange,
  unexpectedChanges,
} from '../../../lib/terraform/change-plan';
import { StateInstance, TerraformState } from '../../../lib/terraform/derived-state';
import { listStacks } from '../../../lib/terraform/harness';
import { BUNDLE, buildMultiStackVersion, buildProducerConsumer } from '../../support/day-two-apps';

jest.setTimeout(900_000);

const PARALLEL = 2;

const instances = (state: TerraformState, type: string): StateInstance[] =>
  state.resources.filter((r) => r.type === type).flatMap((r) => r.instances);
const addresses = (state: TerraformState): string[] =>
  state.resources.map((r) => `${r.type}.${r.name}`).sort();
const stackOf = (report: ChangeReport, stack: string): StackChanges =>
  report.stacks.find((s) => s.stack === stack)!;

describe('change plan: the showcase (one stack, four customers)', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'change-plan-showcase-'));
  const build = (outdir: string) => buildExampleApp(outdir, { runtimeBundleDirectory: BUNDLE });
  let v1: DerivedAppState;

  beforeAll(async () => {
    v1 = await deriveAppState(build, { workdir, parallel: PARALLEL });
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('derives a state against which version 1 plans no change at all, within a few rounds', () => {
    // GIVEN the showcase planned offline, with a state derived from that plan
    // WHEN version 1 is planned against it (the last round)
    // THEN nothing is created, updated, replaced or deleted, no output changes
    expect(v1.converged).toBe(true);
    expectOnly(v1.selfCheck, { stack: 'backend-link-example' });
    expect(v1.rounds.length).toBeLessThanOrEqual(4);
  });

  it('derives every planned resource, with its schema version, AWS-shaped ids and ARNs and the plan’s sensitivity marks', () => {
    // GIVEN the derived state of the showcase
    const state = v1.states['backend-link-example'];
    // THEN it holds every resource the first plan created, each once
    expect(addresses(state)).toEqual(
      v1.rounds[0].report.stacks[0].create.map((a) => a.replace(/\[.*\]$/, '')).sort(),
    );
    expect(state.resources).toHaveLength(v1.rounds[0].report.stacks[0].create.length);
    expect(state.resources.length).toBeGreaterThan(250);
    for (const resource of state.resources) {
      expect(resource.provider).toBe('provider["registry.terraform.io/hashicorp/aws"]');
      expect(typeof resource.instances[0].attributes.id).toBe('string');
    }
    // AND ids and ARNs look like the real ones, in the stack's region and account
    expect(instances(state, 'aws_subnet').map((i) => i.attributes.id)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^subnet-[0-9a-f]{17}$/)]),
    );
    expect(instances(state, 'aws_lb')[0].attributes.arn).toMatch(
      /^arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer\/app\/apicloud-/,
    );
    expect(instances(state, 'aws_iam_role')[0].attributes.arn).toMatch(/^arn:aws:iam::123456789012:role\//);
    // AND the schema version of each type (hashicorp/aws 5.100.0: aws_subnet 1, aws_vpn_connection 0)
    expect(instances(state, 'aws_subnet')[0].schema_version).toBe(1);
    expect(instances(state, 'aws_vpn_connection')[0].schema_version).toBe(0);
    // AND the VPN's pre-shared keys (sensitive in the provider's schema) are marked sensitive
    expect(instances(state, 'aws_vpn_connection')[0].sensitive_attributes).toEqual(
      expect.arrayContaining([[{ type: 'get_attr', value: 'tunnel1_preshared_key' }]]),
    );
    // AND a reference carries the very value of the attribute it refers to
    const vpcId = instances(state, 'aws_vpc')[0].attributes.id;
    expect(new Set(instances(state, 'aws_subnet').map((i) => i.attributes.vpc_id))).toEqual(new Set([vpcId]));
  });

  it('plans version 1 again as version 2 (a second synth, planned, not skipped) without any change', async () => {
    // WHEN the same app is synthesized again and planned against the derived state
    const report = await planChange(v1, build, { name: 'same', planUnchanged: true });
    // THEN it is planned, and shows no change
    expect(report.stacks.map((s) => [s.stack, s.status])).toEqual([['backend-link-example', 'planned']]);
    expectOnly(report, { stack: 'backend-link-example' });
  });
});

describe('change plan: the multi-stack example (platform + 6 customer stacks)', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'change-plan-multi-'));
  let v1: DerivedAppState;

  beforeAll(async () => {
    v1 = await deriveAppState(
      (outdir) => buildMultiStackApp(outdir, { runtimeBundleDirectory: BUNDLE }).app,
      {
        workdir,
        parallel: PARALLEL,
      },
    );
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('test support: synthesizes the example itself when no change is asked for', () => {
    // GIVEN the versions the tests below build, with no change
    const outdir = join(workdir, 'unchanged');
    buildMultiStackVersion(outdir).synth();
    // THEN every stack is byte for byte the example's
    const read = (dir: string) => readFileSync(join(dir, 'cdk.tf.json'), 'utf8');
    const mine = listStacks(outdir);
    expect(mine.map((d) => d.split('/').pop())).toEqual(listStacks(v1.outdir).map((d) => d.split('/').pop()));
    for (const [i, dir] of listStacks(v1.outdir).entries()) expect(read(mine[i])).toBe(read(dir));
  });

  it('derives states against which every stack of version 1 plans no change at all', () => {
    // GIVEN each customer stack reading the platform's derived state through terraform_remote_state
    // THEN no stack plans any change in the last round
    expect(v1.converged).toBe(true);
    expect(v1.selfCheck.stacks.map((s) => s.stack)).toEqual([
      'customer-acme',
      'customer-globex',
      'customer-hooli',
      'customer-initech',
      'customer-umbrella',
      'customer-wonka',
      'platform',
    ]);
    expectOnly(v1.selfCheck, []);
    // AND the customers read the very ids the platform's state holds
    const vpcId = instances(v1.states.platform, 'aws_vpc')[0].attributes.id;
    expect(instances(v1.states['customer-acme'], 'aws_subnet')[0].attributes.vpc_id).toBe(vpcId);
  });

  it('reports a tag added on the platform as in-place updates of tags, in every stack, and nothing else', async () => {
    // WHEN the platform's tags gain one
    const report = await planChange(
      v1,
      (outdir) =>
        buildMultiStackVersion(outdir, { platformTags: { team: 'api-platform', 'cost-centre': 'gw' } }),
      { name: 'tag' },
    );
    // THEN every stack updates resources in place, and only their tags
    expectOnly(report, {
      stack: '*',
      update: ['*'],
      updatePaths: ['tags.cost-centre', 'tags_all.cost-centre'],
    });
    expect(report.stacks.every((s) => s.status === 'planned' && s.update.length > 0)).toBe(true);
  });

  it('reports a customer’s changed cidrBlock as the replacement of its subnets and of what is attached to them', async () => {
    // WHEN acme's block moves to another /24 of the pool
    const report = await planChange(
      v1,
      (outdir) =>
        buildMultiStackVersion(outdir, {
          customers: (customers) =>
            customers.map((c) => (c.customerName === 'acme' ? { ...c, cidrBlock: '10.40.140.0/24' } : c)),
        }),
      { name: 'cidr' },
    );
    // THEN acme's two subnets are replaced for their cidr_block, with their flow logs and route table
    // associations; what lists the subnets or the CIDR is updated in place; no other stack is touched
    expectOnly(report, {
      stack: 'customer-acme',
      replace: ['aws_subnet.*', 'aws_flow_log.*', 'aws_route_table_association.*'],
      update: ['aws_lambda_function.*', 'aws_lb.*', 'aws_network_acl.*', 'aws_vpn_connection.*'],
    });
    const acme = stackOf(report, 'customer-acme');
    expect(acme.replace.filter((r) => r.address.startsWith('aws_subnet.'))).toEqual([
      { address: expect.stringMatching(/eu-west-1a/), paths: ['cidr_block'] },
      { address: expect.stringMatching(/eu-west-1b/), paths: ['cidr_block'] },
    ]);
    expect(report.stacks.filter((s) => s.status === 'unchanged').map((s) => s.stack)).toEqual([
      'customer-globex',
      'customer-hooli',
      'customer-initech',
      'customer-umbrella',
      'customer-wonka',
      'platform',
    ]);
  });

  it('reports a removed customer as the deletion of its stack’s resources, and nothing else', async () => {
    // WHEN hooli leaves
    const report = await planChange(
      v1,
      (outdir) =>
        buildMultiStackVersion(outdir, {
          customers: (customers) => customers.filter((c) => c.customerName !== 'hooli'),
        }),
      { name: 'removed' },
    );
    // THEN destroying hooli's stack deletes exactly the resources of its state; no other stack changes
    expect(report.removedStacks).toEqual(['customer-hooli']);
    const hooli = stackOf(report, 'customer-hooli');
    expect(hooli.status).toBe('removed');
    expect(hooli.delete).toEqual(addresses(v1.states['customer-hooli']));
    expectOnly(report, { stack: 'customer-hooli', delete: ['*'] });
  });
});

describe('change plan: a consumer stack that needs a producer output version 1 did not have', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'change-plan-outputs-'));
  let v1: DerivedAppState;
  let report: ChangeReport;

  beforeAll(async () => {
    v1 = await deriveAppState((outdir) => buildProducerConsumer(outdir, false), {
      workdir,
      parallel: PARALLEL,
    });
    report = await planChange(v1, (outdir) => buildProducerConsumer(outdir, true));
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('plans version 1 of both stacks without change against their derived states', () => {
    expect(v1.converged).toBe(true);
    expectOnly(v1.selfCheck, []);
  });

  it('reports the consumer as failing to plan, naming the output, while the producer would only add it', () => {
    // GIVEN version 2's consumer reads the VPC's ARN, which only version 2's producer publishes
    // WHEN the consumer is planned against version 1's producer state (the producer not applied yet)
    // THEN the report records terraform's error naming the missing output; nothing is thrown
    const consumer = stackOf(report, 'consumer');
    expect(consumer.status).toBe('failed');
    expect(consumer.error).toMatch(/Unsupported attribute/);
    expect(consumer.error).toMatch(/cross-stack-output-aws_vpcVpcarn/);
    expect(consumer.missingOutputs).toEqual(['cross-stack-output-aws_vpcVpcarn']);
    expect(stackOf(report, 'producer')).toMatchObject({ status: 'planned', update: [], replace: [] });
    expect(stackOf(report, 'producer').outputs.create).toEqual(['cross-stack-output-aws_vpcVpcarn']);
    // AND expectOnly accepts it only when the failure is expected
    expect(unexpectedChanges(report, [{ stack: 'producer' }])).toEqual([
      expect.stringMatching(/^consumer: failed to plan, expected to plan:\n {4}.*Unsupported attribute/s),
    ]);
    expectOnly(report, [
      { stack: 'producer' },
      { stack: 'consumer', failure: 'cross-stack-output-aws_vpcVpcarn' },
    ]);
    expect(formatChangeReport(report)).toContain(
      "consumer: FAILED to plan\n  reads output cross-stack-output-aws_vpcVpcarn, which its producer's state does not have\n",
    );
  });
});

describe('change plan: expectOnly', () => {
  const changes = (stack: string, overrides: Partial<StackChanges> = {}): StackChanges => ({
    stack,
    status: 'planned',
    isNew: false,
    create: [],
    update: [],
    replace: [],
    delete: [],
    outputs: { create: [], update: [], delete: [] },
    ...overrides,
  });
  const report: ChangeReport = {
    stacks: [
      changes('platform', {
        update: [{ address: 'aws_vpc.Vpc', paths: ['tags.team', 'tags_all.team'] }],
      }),
      changes('customer-acme', {
        create: ['aws_route.New'],
        replace: [{ address: 'aws_subnet.A', paths: ['cidr_block'] }],
        delete: ['aws_route.Old'],
      }),
    ],
    removedStacks: [],
    seconds: 0,
  };

  it('passes when every change is expected', () => {
    expect(
      unexpectedChanges(report, [
        { stack: 'platform', update: ['aws_vpc.*'], updatePaths: ['tags.*', 'tags_all.*'] },
        {
          stack: 'customer-acme',
          create: ['aws_route.*'],
          replace: [/^aws_subnet\./],
          delete: ['aws_route.Old'],
        },
      ]),
    ).toEqual([]);
  });

  it('fails listing every unexpected address and action, every expected change not planned, with the report', () => {
    // GIVEN an expectation that allows only the platform's tags
    const expectation = [
      { stack: 'platform', update: ['aws_vpc.*'], updatePaths: ['tags.owner'] },
      { stack: 'customer-acme', delete: ['aws_lb.*'] },
    ];
    // THEN every difference is named, one per line, before the whole report
    expect(() => expectOnly(report, expectation)).toThrow(
      [
        'the change plans 6 things not expected:',
        '  - platform: unexpected change of tags.team in update aws_vpc.Vpc',
        '  - platform: unexpected change of tags_all.team in update aws_vpc.Vpc',
        '  - customer-acme: unexpected create aws_route.New',
        '  - customer-acme: unexpected replace aws_subnet.A (cidr_block)',
        '  - customer-acme: unexpected delete aws_route.Old',
        '  - customer-acme: expected delete aws_lb.*, none planned',
        '',
        'platform: 0 to create, 1 to update, 0 to replace, 0 to delete',
        '  update  aws_vpc.Vpc (tags.team, tags_all.team)',
        'customer-acme: 1 to create, 0 to update, 1 to replace, 1 to delete',
        '  create  aws_route.New',
        '  replace aws_subnet.A (cidr_block)',
        '  delete  aws_route.Old',
      ].join('\n'),
    );
  });

  it('fails when a stack no expectation names plans a change', () => {
    expect(unexpectedChanges(report, { stack: 'platform', update: ['*'] })).toEqual([
      'customer-acme: unexpected create aws_route.New',
      'customer-acme: unexpected replace aws_subnet.A (cidr_block)',
      'customer-acme: unexpected delete aws_route.Old',
    ]);
  });
});
