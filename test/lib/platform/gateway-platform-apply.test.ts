/**
 * What a real account needs of the platform: a synth-time notice for an existing VPC with private-DNS
 * endpoints, typed alarm subscriptions, the partition in every ARN and endpoint name, and an alarm key that
 * CloudWatch may use only for this account's alarms.
 */
import { App, TerraformStack, Testing } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AlarmSubscription, AlarmSubscriptionSpec } from '../../../lib/platform/alarm-subscriptions';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib/platform/gateway-platform';
import { platformProps, resourcesOf, synth, validationErrorOf } from '../network-fixtures';

const EXISTING_VPC: Partial<GatewayPlatformProps> = {
  vpcProps: undefined,
  existingVpc: { vpcId: 'vpc-0a1b2c3d4e5f60718', cidrBlocks: ['10.0.0.0/16'] },
};

/** The warnings cdktf writes into the manifest (and the cdktf CLI prints) for a synthesized stack. */
function synthWarnings(props: GatewayPlatformProps): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'platform-notice-'));
  try {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'stack');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    new GatewayPlatform(stack, 'Platform', props);
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    return (manifest.stacks.stack.annotations as Array<{ level: string; message: string }>)
      .filter((a) => a.level === '@cdktf/warn')
      .map((a) => a.message);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('GatewayPlatform: existing VPC and private DNS endpoints', () => {
  it('warns at synth that the existing VPC needs DNS support and DNS hostnames, with the commands to check and fix', () => {
    expect(
      synthWarnings(
        platformProps({ ...EXISTING_VPC, interfaceEndpoints: { subnetsCidrBlock: '10.0.0.32/27' } }),
      ),
    ).toEqual([
      'platform "plat": the interface endpoints use private DNS, which needs `enableDnsSupport` and `enableDnsHostnames` on the existing VPC vpc-0a1b2c3d4e5f60718. Check both with `aws ec2 describe-vpc-attribute --vpc-id vpc-0a1b2c3d4e5f60718 --attribute enableDnsSupport` (and `--attribute enableDnsHostnames`); turn one on with `aws ec2 modify-vpc-attribute --vpc-id vpc-0a1b2c3d4e5f60718 --enable-dns-hostnames \'{"Value":true}\'` before applying',
    ]);
  });

  it.each<[string, Partial<GatewayPlatformProps>]>([
    ['a new VPC (the platform turns both on)', { interfaceEndpoints: { subnetsCidrBlock: '10.0.0.32/27' } }],
    ['an existing VPC without endpoints', EXISTING_VPC],
  ])('gives no notice for %s', (_case, override) => {
    expect(synthWarnings(platformProps(override))).toEqual([]);
  });
});

describe('GatewayPlatform: alarm subscriptions', () => {
  const LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function:pager';
  const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:alarms';
  const subscriptions = [
    AlarmSubscription.email('oncall@example.com'),
    AlarmSubscription.https('https://hooks.example.com/alarms'),
    AlarmSubscription.sqs(QUEUE, { rawMessageDelivery: true }),
    AlarmSubscription.lambda(LAMBDA),
  ];

  it('subscribes each endpoint to the alarm topic, and lets only that topic invoke the Lambda function', () => {
    const { json } = synth((scope) => {
      new GatewayPlatform(scope, 'Platform', platformProps({ alarmSubscriptions: subscriptions }));
    });
    const topic = expect.stringMatching(/^\$\{aws_sns_topic\.Platform_AlarmTopic_[0-9A-F]{8}\.arn\}$/);
    expect(
      resourcesOf(json, 'aws_sns_topic_subscription')
        .sort(
          (a, b) =>
            subscriptions.findIndex((x) => x.protocol === a.protocol) -
            subscriptions.findIndex((x) => x.protocol === b.protocol),
        )
        .map((s) => [s.protocol, s.endpoint, s.topic_arn, s.raw_message_delivery]),
    ).toEqual([
      ['email', 'oncall@example.com', topic, undefined],
      ['https', 'https://hooks.example.com/alarms', topic, undefined],
      ['sqs', QUEUE, topic, true],
      ['lambda', LAMBDA, topic, undefined],
    ]);
    expect(resourcesOf(json, 'aws_lambda_permission')).toEqual([
      {
        action: 'lambda:InvokeFunction',
        function_name: LAMBDA,
        principal: 'sns.amazonaws.com',
        source_arn: topic,
        statement_id: 'AllowInvokeFromAlarmTopic-plat',
      },
    ]);
  });

  it('subscribes an existing alarm topic too', () => {
    const existing = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    const { json } = synth((scope) => {
      new GatewayPlatform(
        scope,
        'Platform',
        platformProps({ existingAlarmTopicArn: existing, alarmSubscriptions: [subscriptions[0]] }),
      );
    });
    expect(resourcesOf(json, 'aws_sns_topic_subscription').map((s) => s.topic_arn)).toEqual([existing]);
  });

  test.each<[string, AlarmSubscriptionSpec, string]>([
    [
      'an HTTPS subscription is plain HTTP',
      AlarmSubscription.https('http://hooks.example.com/alarms'),
      '`alarmSubscriptions[0]` "http://hooks.example.com/alarms" is not an https:// URL (plain HTTP is refused: alarm messages name the platform\'s resources)',
    ],
    [
      'an email address has no domain',
      AlarmSubscription.email('oncall'),
      '`alarmSubscriptions[0]` "oncall" is not an email address',
    ],
    [
      'an SQS subscription names a topic',
      AlarmSubscription.sqs('arn:aws:sns:eu-west-1:123456789012:alarms'),
      '`alarmSubscriptions[0]` "arn:aws:sns:eu-west-1:123456789012:alarms" is not an SQS queue ARN',
    ],
    [
      'a Lambda function is in another partition',
      AlarmSubscription.lambda('arn:aws-cn:lambda:cn-north-1:123456789012:function:pager'),
      '`alarmSubscriptions[0]` "arn:aws-cn:lambda:cn-north-1:123456789012:function:pager" is in partition aws-cn, the platform in aws',
    ],
  ])('fails when %s', (_case, subscription, message) => {
    const error = validationErrorOf((scope) => {
      new GatewayPlatform(scope, 'Platform', platformProps({ alarmSubscriptions: [subscription] }));
    });
    expect(error.problems).toEqual([message]);
  });
});

describe('GatewayPlatform: partition', () => {
  it.each<[string, string[], string, string]>([
    ['eu-west-1', ['eu-west-1a', 'eu-west-1b'], 'aws', 'com.amazonaws.eu-west-1.secretsmanager'],
    ['cn-north-1', ['cn-north-1a', 'cn-north-1b'], 'aws-cn', 'com.amazonaws.cn-north-1.secretsmanager'],
    [
      'us-gov-west-1',
      ['us-gov-west-1a', 'us-gov-west-1b'],
      'aws-us-gov',
      'com.amazonaws.us-gov-west-1.secretsmanager',
    ],
  ])('derives the partition of %s and names its endpoint services', (_region, zones, partition, service) => {
    let platform!: GatewayPlatform;
    const { json } = synth((scope) => {
      platform = new GatewayPlatform(
        scope,
        'Platform',
        platformProps({
          availabilityZones: zones,
          interfaceEndpoints: { subnetsCidrBlock: '10.0.0.32/27', services: ['secretsmanager', 'sts'] },
        }),
      );
    });
    expect(platform.partition).toBe(partition);
    expect(resourcesOf(json, 'aws_vpc_endpoint').map((e) => e.service_name)).toEqual([
      service,
      // STS is one of the services China names cn.com.amazonaws.<region>.<service>.
      partition === 'aws-cn' ? 'cn.com.amazonaws.cn-north-1.sts' : service.replace('secretsmanager', 'sts'),
    ]);
  });

  test.each<[string, Partial<GatewayPlatformProps>, string]>([
    [
      'the partition does not match the region',
      { partition: 'aws-cn' },
      '`partition` "aws-cn" does not match region eu-west-1 of `availabilityZones`, which is in aws',
    ],
    [
      'the partition is unknown',
      { partition: 'aws-iso' as never },
      '`partition` "aws-iso" is not one of aws, aws-us-gov, aws-cn',
    ],
    [
      'the zones span two regions',
      { availabilityZones: ['eu-west-1a', 'eu-central-1a'] },
      '`availabilityZones` spans regions eu-west-1, eu-central-1; a platform lives in one region (one platform per region)',
    ],
  ])('fails when %s', (_case, override, message) => {
    expect(
      validationErrorOf((scope) => new GatewayPlatform(scope, 'Platform', platformProps(override))).problems,
    ).toEqual([message]);
  });
});

describe('GatewayPlatform: the alarm topic key', () => {
  it('lets CloudWatch use it only for alarms of the topic’s own account and region (no confused deputy)', () => {
    const text = Testing.synthScope((scope) => {
      new GatewayPlatform(scope, 'Platform', platformProps());
    });
    const [policy] = resourcesOf(JSON.parse(text), 'aws_kms_key_policy');
    const part = (n: number) => `element(split(":", aws_sns_topic.Platform_AlarmTopic_AD19046F.arn), ${n})`;
    expect(policy.policy).toContain(
      `{"Sid" = "CloudWatchAlarmsPublish", "Effect" = "Allow", "Principal" = {"Service" = "cloudwatch.amazonaws.com"}, "Action" = ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource" = "*", "Condition" = {"StringEquals" = {"aws:SourceAccount" = ${part(4)}}, "ArnLike" = {"aws:SourceArn" = "arn:\${${part(1)}}:cloudwatch:\${${part(3)}}:\${${part(4)}}:alarm:*"}}}`,
    );
  });
});
