import { join } from 'node:path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { CustomerSubnets, GatewayPlatform } from '../../../lib';
import { GatewayFunction, GatewayFunctionProps } from '../../../lib/runtime/gateway-function';
import { defaultLambdaRuntime } from '../../../lib/runtime/function-defaults';
import { testStack, validationErrorOf } from '../../support/constructs';

const BUNDLE = join(__dirname, 'fixtures', 'bundle');
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme/credentials-AbCdEf';
const config: GatewayConfig = {
  version: 1,
  name: 'acme',
  backend: { url: 'https://orders.acme.internal:8443/api' },
  security: {
    type: 'digest',
    username: { secretArn: SECRET, jsonKey: 'username' },
    password: { secretArn: SECRET, jsonKey: 'password' },
  },
};

function build(scope: Construct, override: Partial<GatewayFunctionProps> = {}): GatewayFunction {
  const platform = new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  });
  const subnets = new CustomerSubnets(scope, 'Subnets', {
    platform,
    customerName: 'acme',
    cidrBlock: '10.40.128.0/24',
  });
  return new GatewayFunction(scope, 'Gateway', {
    subnets,
    accountId: '123456789012',
    config,
    secretArns: [SECRET],
    backendCidrs: ['192.168.10.0/24'],
    runtimeBundleDirectory: BUNDLE,
    ...override,
  });
}

describe('GatewayFunction', () => {
  const synthesized = Testing.synthScope((scope) => {
    build(scope, { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' });
  });
  const json = JSON.parse(synthesized);

  it('runs the bundle on nodejs22.x (the newest runtime hashicorp/aws 5.100.0 accepts), arm64, in the customer subnets, with the configuration in its environment', () => {
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'apicloud-acme-gateway',
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      memory_size: 512,
      timeout: 30,
      environment: { variables: expect.objectContaining({ GATEWAY_CONFIG: JSON.stringify(config) }) },
      vpc_config: {
        subnet_ids: [
          expect.stringContaining('aws_subnet.Subnets_eu-west-1a'),
          expect.stringContaining('aws_subnet.Subnets_eu-west-1b'),
        ],
        security_group_ids: [expect.stringContaining('aws_security_group.Gateway_SecurityGroup')],
      },
    });
  });

  it('gives the function a role whose ARN is known before deployment, reading only its own secrets', () => {
    expect(synthesized).toHaveResourceWithProperties(IamRole, {
      name: 'apicloud-acme-euw1-gateway',
      path: '/backend-link/',
    });
    expect(GatewayFunction.roleArnFor('apicloud', 'acme', '123456789012', 'aws', 'eu-west-1')).toBe(
      'arn:aws:iam::123456789012:role/backend-link/apicloud-acme-euw1-gateway',
    );
    const policy = JSON.parse(
      (Object.values(json.resource.aws_iam_role_policy)[0] as { policy: string }).policy,
    );
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'ReadOwnSecrets')).toEqual({
      Sid: 'ReadOwnSecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: [SECRET],
    });
    const actions = policy.Statement.flatMap((s: { Action: string | string[] }) => s.Action);
    expect(actions.filter((a: string) => a.endsWith('*'))).toEqual([]);
  });

  it('opens no ingress and egress only to the backend port and to the VPC endpoints on 443', () => {
    const rules = Object.values(json.resource.aws_vpc_security_group_egress_rule) as Array<
      Record<string, unknown>
    >;
    // Rules are keyed by destination and port (their order in the JSON is their ids').
    expect(rules.map((r) => [r.cidr_ipv4, r.from_port, r.to_port]).sort()).toEqual([
      ['10.40.0.0/16', 443, 443],
      ['192.168.10.0/24', 8443, 8443],
    ]);
    expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    const group = Object.values(json.resource.aws_security_group)[0] as Record<string, unknown>;
    expect(group).not.toHaveProperty('ingress');
    expect(group).not.toHaveProperty('egress');
  });

  it('keeps logs 90 days and alarms on errors, throttles and p99 duration to the alarm topic', () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: '/aws/lambda/apicloud-acme-gateway',
      retention_in_days: 90,
    });
    const alarms = Object.values(json.resource.aws_cloudwatch_metric_alarm) as Array<Record<string, unknown>>;
    expect(alarms.map((a) => [a.metric_name, a.statistic ?? a.extended_statistic, a.threshold])).toEqual([
      ['Duration', 'p99', 24000],
      ['Errors', 'Sum', 0],
      ['Throttles', 'Sum', 0],
    ]);
    expect(synthesized).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_actions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
    });
  });

  it('registers the function in a lambda target group, allowed to invoke it from that group only', () => {
    expect(synthesized).toHaveResourceWithProperties(LbTargetGroup, {
      name: 'apicloud-acme-gw',
      target_type: 'lambda',
      lambda_multi_value_headers_enabled: true,
    });
    expect(synthesized).toHaveResourceWithProperties(LambdaPermission, {
      principal: 'elasticloadbalancing.amazonaws.com',
      source_arn: expect.stringContaining('aws_lb_target_group.Gateway_TargetGroup'),
    });
    const attachment = Object.values(json.resource.aws_lb_target_group_attachment)[0] as Record<
      string,
      unknown
    >;
    expect(attachment.depends_on).toEqual([
      expect.stringContaining('aws_lambda_permission.Gateway_InvokeFromLoadBalancer'),
    ]);
  });

  it('matches the snapshot', () => {
    expect(synthesized).toMatchSnapshot();
  });

  test.each<[string, Partial<GatewayFunctionProps>, string[]]>([
    [
      'the configuration is of another version',
      { config: { ...config, version: 2 as 1 } },
      ['`config.version`: must be 1, got 2'],
    ],
    [
      'no backend block is given',
      { backendCidrs: [] },
      ['`backendCidrs` is empty; list the on-premises blocks the backend lives in'],
    ],
    [
      'a backend block is everywhere',
      { backendCidrs: ['0.0.0.0/0'] },
      ['`backendCidrs[0]` 0.0.0.0/0 would open egress to everywhere'],
    ],
    [
      'a backend block is malformed',
      { backendCidrs: ['192.168.10.0/33'] },
      ['`backendCidrs[0]` "192.168.10.0/33" has a prefix longer than /32'],
    ],
    [
      'an extra destination has a bad port',
      { additionalEgress: [{ cidr: '192.168.20.0/24', port: 0 }] },
      ['`additionalEgress[0]` port 0 is not 1-65535'],
    ],
    [
      'the endpoint blocks are empty',
      { endpointCidrs: [] },
      ["`endpointCidrs` is empty; list the blocks of the interface endpoints' subnets"],
    ],
    [
      'an endpoint block is everywhere',
      { endpointCidrs: ['0.0.0.0/0'] },
      ['`endpointCidrs[0]` 0.0.0.0/0 would open egress to everywhere'],
    ],
    [
      'the architecture is not one Lambda has',
      { architecture: 'sparc' as 'arm64' },
      ['`architecture` "sparc" is not a Lambda architecture (arm64, x86_64)'],
    ],
    [
      'the connect timeout is not below the function timeout',
      { timeoutSeconds: 10, config: { ...config, timeouts: { connectMs: 10_000 } } },
      [
        "`config.timeouts.connectMs` 10000 is not below the function's timeout of 10 s (`timeoutSeconds`): Lambda would end the invocation first; use less than 10000, or raise the timeout",
      ],
    ],
    [
      'a response limit is above what an ALB passes',
      { config: { ...config, limits: { maxResponseBodyBytes: 6_291_456 } } },
      [
        '`config.limits.maxResponseBodyBytes` 6291456 is above the 1000000 bytes an ALB passes to or from a Lambda function; use at most 1000000',
      ],
    ],
    [
      'no hop is trusted behind the load balancer',
      { config: { ...config, trustedSources: { cidrs: ['10.40.0.64/26'], trustedHops: 0 } } },
      [
        "`config.trustedSources.trustedHops` 0 would refuse every request behind the load balancer: the ALB appends the caller's address to X-Forwarded-For, one hop; use 1 (the default) or more",
      ],
    ],
    [
      'the bundle directory is missing (a ValidationError, not a plain Error)',
      { runtimeBundleDirectory: '/nonexistent' },
      [
        '`runtimeBundleDirectory` "/nonexistent" is not a directory; build one with `npm run build:runtime -- DIR` in a clone of backend-link, or leave the prop out to deploy the bundle the package ships',
      ],
    ],
    [
      'the memory is too small',
      { memorySize: 64 },
      ['`memorySize` 64 must be a whole number of MB from 128 to 10240'],
    ],
    [
      'the timeout is too long',
      { timeoutSeconds: 901 },
      ['`timeoutSeconds` 901 must be a whole number from 1 to 900'],
    ],
    [
      'the retention is not a CloudWatch value',
      { logRetentionDays: 10 },
      [
        '`logRetentionDays` 10 is not one CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
      ],
    ],
    [
      'reserved concurrency is zero',
      { reservedConcurrency: 0 },
      ['`reservedConcurrency` 0 must be a whole number ≥ 1 (0 would stop the function)'],
    ],
    [
      'the Lambda runtime is Node 20, past its end of life',
      { lambdaRuntime: 'nodejs20.x' as 'nodejs22.x' },
      [
        '`lambdaRuntime` "nodejs20.x" is not a Lambda runtime the gateway function supports (nodejs24.x, nodejs22.x); Node 20 reached end of life on 2026-04-30',
      ],
    ],
    [
      'the account id is not 12 digits',
      { accountId: 'acme' },
      ['`accountId` "acme" is not a 12-digit AWS account id'],
    ],
    [
      'an alarm is tuned with a period that is not a multiple of 60, or a negative threshold',
      { alarms: { errors: { periodSeconds: 30 }, throttles: { threshold: -2 } } },
      [
        '`alarms.errors.periodSeconds` 30 must be 60 or a multiple of 60, at most 86400',
        '`alarms.throttles.threshold` -2 must be a number ≥ 0',
      ],
    ],
  ])('fails when %s', (_case, override, problems) => {
    expect(validationErrorOf(() => build(testStack(), override)).problems).toEqual(problems);
  });
});

test('GatewayFunction tunes its error and throttle alarms, or leaves one out when turned off', () => {
  const json = JSON.parse(
    Testing.synthScope(
      (scope) =>
        void build(scope, {
          alarms: { errors: { threshold: 3, periodSeconds: 60, evaluationPeriods: 5 }, throttles: false },
        }),
    ),
  );
  const alarms = Object.values(json.resource.aws_cloudwatch_metric_alarm) as Array<Record<string, unknown>>;
  expect(alarms.map((a) => [a.alarm_name, a.threshold, a.period, a.evaluation_periods])).toEqual([
    ['apicloud-acme-gateway-durationp99', 24000, 300, 1],
    ['apicloud-acme-gateway-errors', 3, 60, 5],
  ]);
});

test('fails when nodejs24.x is asked with @cdktf/provider-aws 20.1.0: hashicorp/aws 5.100.0 rejects it at plan', () => {
  // GIVEN this repository's provider binding (hashicorp/aws 5.100.0) WHEN nodejs24.x is asked THEN synth says why
  expect(validationErrorOf(() => build(testStack(), { lambdaRuntime: 'nodejs24.x' })).problems).toEqual([
    '`lambdaRuntime` "nodejs24.x" needs hashicorp/aws 6.x (`@cdktf/provider-aws` 21.x); this app\'s `@cdktf/provider-aws` asks for hashicorp/aws 5.100.0, which rejects it at plan: use "nodejs22.x" (the default with this provider) or move to `@cdktf/provider-aws` 21.x',
  ]);
});

test.each([
  ['5.100.0', 'nodejs22.x'],
  ['6.25.0', 'nodejs24.x'],
  ['7.0.0', 'nodejs24.x'],
  [undefined, 'nodejs24.x'],
])('the default Lambda runtime for hashicorp/aws %s is %s', (version, runtime) => {
  expect(defaultLambdaRuntime(version)).toBe(runtime);
});

test('GatewayFunction opens the customer network ACL to the VPC endpoints on 443, and their replies', () => {
  const json = JSON.parse(Testing.synthScope((scope) => void build(scope)));
  const rules = Object.values(json.resource.aws_network_acl_rule) as Array<Record<string, unknown>>;
  expect(rules.map((r) => [r.egress, r.cidr_block, r.from_port, r.to_port, r.rule_action])).toEqual([
    [true, '10.40.0.0/16', 443, 443, 'allow'],
    [false, '10.40.0.0/16', 1024, 65535, 'allow'],
  ]);
});

test('GatewayFunction on a platform with endpoint subnets opens the network ACL to those subnets only, not the whole VPC', () => {
  // GIVEN a platform whose endpoints live in 10.40.0.32/27 (two /28s)
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      const platform = new GatewayPlatform(scope, 'Platform', {
        name: 'apicloud',
        vpcProps: { cidrBlock: '10.40.0.0/16' },
        customerAddressPool: '10.40.128.0/17',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
      });
      const subnets = new CustomerSubnets(scope, 'Subnets', {
        platform,
        customerName: 'acme',
        cidrBlock: '10.40.128.0/24',
      });
      new GatewayFunction(scope, 'Gateway', {
        subnets,
        accountId: '123456789012',
        config,
        secretArns: [SECRET],
        backendCidrs: ['192.168.10.0/24'],
        runtimeBundleDirectory: BUNDLE,
      });
    }),
  );
  // THEN HTTPS out and the replies in are opened to the two endpoint subnets (one /27: two halves merged)
  const rules = Object.values(json.resource.aws_network_acl_rule) as Array<Record<string, unknown>>;
  expect(rules.map((r) => [r.egress, r.cidr_block, r.from_port, r.to_port])).toEqual([
    [true, '10.40.0.32/27', 443, 443],
    [false, '10.40.0.32/27', 1024, 65535],
  ]);
  // AND the security group reaches the platform's endpoints' security group, not a block
  const egress = Object.values(json.resource.aws_vpc_security_group_egress_rule) as Array<
    Record<string, unknown>
  >;
  expect(egress.map((r) => [r.cidr_ipv4, r.referenced_security_group_id, r.from_port])).toEqual([
    ['192.168.10.0/24', undefined, 8443],
    [undefined, expect.stringContaining('aws_security_group.Platform_Endpoints_SecurityGroup'), 443],
  ]);
});

test('GatewayFunction with endpointCidrs opens the network ACL and security group to those blocks', () => {
  const json = JSON.parse(
    Testing.synthScope((scope) => void build(scope, { endpointCidrs: ['10.40.7.0/26'] })),
  );
  const rules = Object.values(json.resource.aws_network_acl_rule) as Array<Record<string, unknown>>;
  expect(rules.map((r) => [r.egress, r.cidr_block, r.from_port, r.to_port])).toEqual([
    [true, '10.40.7.0/26', 443, 443],
    [false, '10.40.7.0/26', 1024, 65535],
  ]);
  const egress = Object.values(json.resource.aws_vpc_security_group_egress_rule) as Array<
    Record<string, unknown>
  >;
  expect(egress.map((r) => [r.cidr_ipv4, r.from_port]).sort()).toEqual([
    ['10.40.7.0/26', 443],
    ['192.168.10.0/24', 8443],
  ]);
});

test('GatewayFunction without secrets gets no Secrets Manager permission', () => {
  const json = JSON.parse(
    Testing.synthScope(
      (scope) => void build(scope, { config: { ...config, security: { type: 'none' } }, secretArns: [] }),
    ),
  );
  const policy = JSON.parse(
    (Object.values(json.resource.aws_iam_role_policy)[0] as { policy: string }).policy,
  );
  expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
    'WriteOwnLogs',
    'ManageVpcNetworkInterfaces',
    'FunctionCodeManagesNoNetworkInterfaces',
  ]);
});
