import { OVERRIDE_FILE, writeOfflineOverride } from '../../../lib/terraform/harness';
import { ctyTypeOf, placeholderFor, stateFromPlan, stateIdentity } from '../../../lib/terraform/remote-state';
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

  it('GIVEN values known only after apply THEN they get deterministic placeholders, ARN-shaped for arn attributes and id-shaped for ids', () => {
    expect(outputs['cross-stack-output-aws_vpcVpcid'].value).toMatch(/^vpc-[0-9a-f]{17}$/);
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

describe('state derived from a producer plan: an output written as an object', () => {
  // GIVEN an output like the platform's `<name>_platform_attributes`: literals and references mixed
  const plan = {
    output_changes: {
      attributes: {
        after: { name: 'apicloud', transitGateway: { amazonSideAsn: 64520 } },
        after_unknown: {
          vpcId: true,
          alarmTopicArn: true,
          transitGateway: { transitGatewayId: true, vpcAttachmentId: true },
          subnetIds: [true],
        },
      },
    },
    configuration: {
      provider_config: { aws: { expressions: { region: { constant_value: 'eu-west-1' } } } },
      root_module: {
        outputs: {
          attributes: {
            expression: {
              constant_value: {
                name: 'apicloud',
                vpcId: '${aws_vpc.Vpc.id}',
                alarmTopicArn: '${aws_sns_topic.Alarms.arn}',
                transitGateway: {
                  amazonSideAsn: 64520,
                  transitGatewayId: '${aws_ec2_transit_gateway.Tgw.id}',
                  vpcAttachmentId: '${aws_ec2_transit_gateway_vpc_attachment.Attachment.id}',
                },
                subnetIds: ['${aws_subnet.Subnet[0].id}'],
              },
              references: [
                'aws_vpc.Vpc.id',
                'aws_vpc.Vpc',
                'aws_sns_topic.Alarms.arn',
                'aws_sns_topic.Alarms',
                'aws_ec2_transit_gateway.Tgw.id',
                'aws_ec2_transit_gateway.Tgw',
                'aws_ec2_transit_gateway_vpc_attachment.Attachment.id',
                'aws_ec2_transit_gateway_vpc_attachment.Attachment',
                'aws_subnet.Subnet[0].id',
                'aws_subnet.Subnet[0]',
                'aws_subnet.Subnet',
              ],
            },
          },
        },
      },
    },
  };

  it('GIVEN unknown parts THEN each gets the placeholder of the attribute at its own place, not of the first reference', () => {
    // WHEN the state is derived
    const { state, placeholders } = stateFromPlan('platform', plan);
    // THEN ids look like their resource's ids, the topic ARN like an SNS ARN, literals are kept
    const { value } = (state.outputs as Record<string, { value: Record<string, unknown> }>).attributes;
    expect(value.name).toBe('apicloud');
    expect(value.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(value.alarmTopicArn).toMatch(/^arn:aws:sns:eu-west-1:000000000000:offline-plan-[0-9a-f]{12}$/);
    expect(value.transitGateway).toEqual({
      amazonSideAsn: 64520,
      transitGatewayId: expect.stringMatching(/^tgw-[0-9a-f]{17}$/),
      vpcAttachmentId: expect.stringMatching(/^tgw-attach-[0-9a-f]{17}$/),
    });
    expect(value.subnetIds).toEqual([expect.stringMatching(/^subnet-[0-9a-f]{17}$/)]);
    expect(placeholders).toEqual([{ output: 'attributes', placeholder: value }]);
  });

  test.each([
    ['aws_security_group.Sg.id', '', /^sg-[0-9a-f]{17}$/],
    ['aws_ec2_transit_gateway_vpc_attachment.A.transit_gateway_id', '', /^tgw-[0-9a-f]{17}$/],
    ['aws_lambda_function.Fn.arn', '', /^arn:aws:lambda:us-east-1:000000000000:offline-plan-[0-9a-f]{12}$/],
    ['aws_lb.Lb.dns_name', '', /^offline-plan-[0-9a-f]{12}$/],
    [undefined, '.endpointsSecurityGroupId', /^sg-[0-9a-f]{17}$/],
    [undefined, '.topicArn', /^arn:aws:offline:us-east-1:000000000000:offline-plan-[0-9a-f]{12}$/],
    [undefined, '', /^offline-plan-[0-9a-f]{12}$/],
  ])('placeholderFor(%s, %j) matches %s', (reference, path, pattern) => {
    expect(placeholderFor('producer', 'out', reference, path)).toMatch(pattern);
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
