import { OVERRIDE_FILE, writeOfflineOverride } from '../../../lib/terraform/harness';
import { ctyTypeOf, stateFromPlan, stateIdentity } from '../../../lib/terraform/remote-state';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The parts of a producer's plan JSON that the derived state reads. */
const producerPlan = {
  output_changes: {
    'cross-stack-output-aws_vpcVpcid': { after_unknown: true },
    'cross-stack-output-aws_vpcVpccidr_block': { after: '10.60.0.0/16', after_unknown: false },
    'cross-stack-output-aws_sns_topicAlarmsarn': { after_unknown: true },
    subnets: { after: [null, '10.60.1.0/24'], after_unknown: [true, false] },
    limits: { after: { count: 3, on: true }, after_unknown: {} },
  },
  planned_values: {
    outputs: {
      'cross-stack-output-aws_vpcVpcid': { sensitive: true },
      'cross-stack-output-aws_vpcVpccidr_block': { sensitive: true, value: '10.60.0.0/16' },
      'cross-stack-output-aws_sns_topicAlarmsarn': { sensitive: true },
      subnets: { sensitive: false },
      limits: { sensitive: false, value: { count: 3, on: true } },
    },
  },
  configuration: {
    provider_config: { aws: { expressions: { region: { constant_value: 'eu-west-1' } } } },
    root_module: {
      outputs: {
        'cross-stack-output-aws_vpcVpcid': { expression: { references: ['aws_vpc.Vpc.id', 'aws_vpc.Vpc'] } },
        'cross-stack-output-aws_sns_topicAlarmsarn': {
          expression: { references: ['aws_sns_topic.Alarms.arn', 'aws_sns_topic.Alarms'] },
        },
      },
    },
  },
};

describe('state derived from a producer plan', () => {
  const { state, placeholders } = stateFromPlan('producer', producerPlan);
  const outputs = state.outputs as Record<string, { value: unknown; type: unknown; sensitive?: boolean }>;

  it('GIVEN values the plan knows THEN the state holds exactly them, with their types', () => {
    expect(outputs['cross-stack-output-aws_vpcVpccidr_block']).toEqual({
      value: '10.60.0.0/16',
      type: 'string',
      sensitive: true,
    });
    expect(outputs.limits).toEqual({
      value: { count: 3, on: true },
      type: ['object', { count: 'number', on: 'bool' }],
    });
  });

  it('GIVEN values known only after apply THEN they get deterministic placeholders, ARN-shaped for arn attributes', () => {
    expect(outputs['cross-stack-output-aws_vpcVpcid'].value).toMatch(/^offline-plan-[0-9a-f]{12}$/);
    expect(outputs['cross-stack-output-aws_sns_topicAlarmsarn'].value).toMatch(
      /^arn:aws:sns:eu-west-1:000000000000:offline-plan-[0-9a-f]{12}$/,
    );
    expect(stateFromPlan('producer', producerPlan).state).toEqual(state);
    expect(placeholders.map((p) => [p.output, p.reference])).toEqual([
      ['cross-stack-output-aws_sns_topicAlarmsarn', 'aws_sns_topic.Alarms.arn'],
      ['cross-stack-output-aws_vpcVpcid', 'aws_vpc.Vpc.id'],
      ['subnets', undefined],
    ]);
  });

  it('GIVEN a list with an unknown element THEN only that element is a placeholder', () => {
    const [first, second] = outputs.subnets.value as string[];
    expect(first).toMatch(/^offline-plan-/);
    expect(second).toBe('10.60.1.0/24');
    expect(outputs.subnets.type).toEqual(['tuple', ['string', 'string']]);
  });

  it('is a Terraform state of format version 4 without resources', () => {
    expect(state).toMatchObject({ version: 4, serial: 1, resources: [] });
    expect(state.lineage).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test.each([
    ['x', 'string'],
    [1, 'number'],
    [false, 'bool'],
    [null, 'dynamic'],
    [
      ['a', 1],
      ['tuple', ['string', 'number']],
    ],
  ])('ctyTypeOf(%j) is %j', (value, type) => {
    expect(ctyTypeOf(value)).toEqual(type);
  });

  it("identifies a state by where it is, not by the backend's locking or encryption settings", () => {
    expect(stateIdentity('s3', { bucket: 'b', key: 'k', encrypt: true, use_lockfile: true })).toBe(
      stateIdentity('s3', { key: 'k', bucket: 'b' }),
    );
    expect(stateIdentity('s3', { bucket: 'b', key: 'k' })).not.toBe(
      stateIdentity('s3', { bucket: 'b', key: 'j' }),
    );
  });
});

describe('offline override for remote state', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'override-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN an S3 backend and a remote-state read THEN the override replaces both by local files, leaving cdk.tf.json as it was', () => {
    const synthesized = JSON.stringify({
      terraform: { backend: { s3: { bucket: 'b', key: 'k', region: 'eu-west-1', use_lockfile: true } } },
      data: {
        terraform_remote_state: { 'cross-stack-reference-input-producer': { backend: 's3', config: {} } },
      },
    });
    writeFileSync(join(dir, 'cdk.tf.json'), synthesized);
    writeOfflineOverride(dir, {
      remoteStates: { 'cross-stack-reference-input-producer': '/p/offline-outputs.tfstate' },
    });
    const override = JSON.parse(readFileSync(join(dir, OVERRIDE_FILE), 'utf8'));
    expect(override.terraform).toEqual({ backend: { local: { path: 'terraform.offline.tfstate' } } });
    expect(override.data).toEqual({
      terraform_remote_state: {
        'cross-stack-reference-input-producer': {
          backend: 'local',
          config: { path: '/p/offline-outputs.tfstate' },
        },
      },
    });
    expect(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')).toBe(synthesized);
  });

  it('GIVEN a stack without a backend THEN the override adds none', () => {
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({}));
    writeOfflineOverride(dir);
    const override = JSON.parse(readFileSync(join(dir, OVERRIDE_FILE), 'utf8'));
    expect(Object.keys(override)).toEqual(['provider']);
  });
});
