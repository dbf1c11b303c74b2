import { Construct } from 'constructs';
import { AssetType, TerraformAsset, TerraformOutput, TerraformStack } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import type { CustomerSubnets } from '../network/customer-subnets';
import { Cidr, aggregateCidrs, parseCidr } from '../shared/cidr';
import { accountWideName, shortenName, standardTags } from '../shared/names';
import { cidrConstructId, destinationConstructId } from '../shared/construct-ids';
import { isUnresolved } from '../shared/validation';
import { dnsServersOf, openDnsEgress } from './dns-egress';
import {
  FUNCTION_DEFAULTS,
  LambdaRuntime,
  defaultLambdaRuntime,
  supportsNodejs24,
  MAX_TARGET_GROUP_NAME_LENGTH,
} from './function-defaults';
import {
  RuntimeBundle,
  bundleGatewayRuntime,
  prebuiltRuntimeBundle,
  runtimeBundleArchive,
} from './runtime-bundle';
import { runtimeFamilyOf } from './runtime-families';
import { environmentOf, parseGatewayFunctionProps } from './gateway-function-checks';
import { assumedRoleArnsOf, lambdaFunctionArn, runtimeRolePolicy } from './runtime-role-policy';
import { requireDeployAccount } from '../shared/account-check';
import { AlarmTuning } from './alarm-options';
import { hasProblems, reportMissingProps, reportProblems } from '../shared/problems';
import { requireCdktfStack } from '../shared/cdktf-stack';

/** A destination the function may open connections to. */
export interface EgressDestination {
  /** IPv4 or IPv6 block. */
  readonly cidr: string;
  readonly port: number;
  /** @default - derived from the block and port */
  readonly description?: string;
}

export interface GatewayFunctionProps {
  /** The customer's subnets: the function runs in them. */
  readonly subnets: CustomerSubnets;
  /** The AWS account id (12 digits): the runtime role's ARN is derived from it, so secrets can name it up front. */
  readonly accountId: string;
  /**
   * The runtime configuration (secret references only). Checked at synth time with the runtime's own
   * validator; values only Terraform knows (secret ARNs) are checked by shape at start-up.
   */
  readonly config: GatewayConfig;
  /** The secrets the function may read (`secretsmanager:GetSecretValue` on these ARNs only). */
  readonly secretArns: string[];
  /** The backend's addresses (on-premises blocks): the function may connect to them on the backend URL's port only. */
  readonly backendCidrs: string[];
  /**
   * Further destinations, e.g. the customer's OAuth token endpoint.
   * @default - none
   */
  readonly additionalEgress?: EgressDestination[];
  /**
   * The security group of the Secrets Manager interface endpoint: egress on 443 goes to it only.
   * @default - the platform's interface endpoints' group, when the platform has them; else egress on 443 to
   * `endpointCidrs`
   */
  readonly secretsManagerEndpointSecurityGroupId?: string;
  /**
   * The blocks of the interface endpoints' subnets: the customer's network ACL opens HTTPS (and the replies)
   * to these only, and so does the security group when no endpoint security group is given.
   * @default - the platform's endpoint subnets when their blocks are known (`interfaceEndpoints.subnetsCidrBlock`
   * or `existingSubnetCidrBlocks`), else the platform VPC's blocks
   */
  readonly endpointCidrs?: string[];
  /**
   * The Lambda runtime: `nodejs24.x` or `nodejs22.x` (the same bundle and async handler run on both).
   * `nodejs24.x` needs hashicorp/aws 6.x (`@cdktf/provider-aws` 21.x): 5.100.0 rejects it at plan.
   * @default - `nodejs24.x` with `@cdktf/provider-aws` 21.x (hashicorp/aws 6.x), `nodejs22.x` with 20.1.0
   * (hashicorp/aws 5.100.0)
   */
  readonly lambdaRuntime?: LambdaRuntime;
  /**
   * @default "arm64"
   */
  readonly architecture?: 'arm64' | 'x86_64';
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default 30
   */
  readonly timeoutSeconds?: number;
  /**
   * Concurrent executions reserved for this customer's function, and its cap: one customer's traffic can
   * not starve the others. The app's sum (plus the 100 AWS keeps unreserved) is checked at synth against
   * the platform's `quotas.lambdaConcurrentExecutions`.
   * @default 25
   */
  readonly reservedConcurrency?: number;
  /**
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * SNS topic for alarms on errors, throttles and p99 duration.
   * @default - alarms are created without actions
   */
  readonly alarmTopicArn?: string;
  /**
   * Tuning of the function's error and throttle alarms, or `false` to turn one off.
   * @default - each alarm on: any error (any throttle) in 5 minutes
   */
  readonly alarms?: GatewayFunctionAlarms;
  /**
   * A directory holding a prebuilt `index.js` of the runtime, deployed as it is whatever the scheme (it must
   * hold the configured `security.type`, or the function answers 500 CONFIG_INVALID).
   * @default - the bundle the package ships for the scheme's family (dist/runtime/lambda/ for the standard
   * schemes, dist/runtime/lambda-message-signature/, dist/runtime/lambda-sigv4/)
   */
  readonly runtimeBundleDirectory?: string;
  /**
   * The AWS partition of the role's ARN.
   * @default - the platform's partition
   */
  readonly partition?: string;
}

/** The tuning of GatewayFunction's Lambda alarms. */
export interface GatewayFunctionAlarms {
  /**
   * The Lambda `Errors` alarm (the function failed: a crash, or its time limit), or `false` to turn it off.
   * @default - on: more than 0 errors in 5 minutes
   */
  readonly errors?: AlarmTuning | false;
  /**
   * The Lambda `Throttles` alarm (reserved concurrency exhausted), or `false` to turn it off.
   * @default - on: more than 0 throttles in 5 minutes
   */
  readonly throttles?: AlarmTuning | false;
}

/**
 * One asset per stack and bundle, and one archive per app: the bundle is zipped once per process
 * (`runtimeBundleArchive`) and every stack's asset copies that file, with its hash, so every customer's
 * function of every stack runs the same archive and synth does not zip it once per stack.
 */
function runtimeAsset(scope: Construct, bundle: RuntimeBundle): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const id = `GatewayRuntimeBundle-${bundle.sha256.slice(0, 16)}`;
  const existing = stack.node.tryFindChild(id);
  if (existing instanceof TerraformAsset) return existing;
  const archive = runtimeBundleArchive(bundle);
  return new TerraformAsset(stack, id, {
    path: archive.path,
    type: AssetType.FILE,
    assetHash: archive.sha256.slice(0, 32).toUpperCase(),
  });
}

/**
 * The gateway runtime for one customer: the esbuild bundle as a Terraform asset, the Lambda function in the
 * customer's subnets with its own security group (egress only to the backend and to Secrets Manager), a
 * least-privilege role, a log group with retention, the ALB target group (type lambda) with the invoke
 * permission and the attachment, and alarms on errors, throttles and p99 duration.
 */
export class GatewayFunction extends Construct {
  public readonly function!: LambdaFunction;
  public readonly role!: IamRole;
  /** Known before deployment: secrets and keys can admit it by name. */
  public readonly roleArn!: string;
  public readonly securityGroup!: SecurityGroup;
  public readonly logGroup!: CloudwatchLogGroup;
  public readonly targetGroup!: LbTargetGroup;
  public readonly bundle!: RuntimeBundle;
  /** The function's alarms: errors and throttles (unless turned off), p99 duration. */
  public readonly alarms!: CloudwatchMetricAlarm[];
  /** `<platform>-<customer>-gateway`: the function's name, and the prefix of its alarms' names. */
  public readonly functionName!: string;
  /** The runtime configuration the function runs with (secret references only). */
  public readonly config!: GatewayConfig;
  /** The customer's subnets the function runs in (and through them, the platform). */
  public readonly subnets!: CustomerSubnets;

  /** The runtime role's name and ARN for a customer, before the function exists. */
  public static roleArnFor(
    platformName: string,
    customerName: string,
    accountId: string,
    partition: string,
    region: string,
  ): string {
    return `arn:${partition}:iam::${accountId}:role/backend-link/${GatewayFunction.roleNameFor(platformName, customerName, region)}`;
  }

  /**
   * The runtime role's name: IAM names are account-wide, so the region is part of it
   * (`<platform>-<customer>-<region code>-gateway`): the same platform in two regions names two roles.
   */
  public static roleNameFor(platformName: string, customerName: string, region: string): string {
    return accountWideName(platformName, customerName, region, 'gateway');
  }

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (reportMissingProps(this, props, ['subnets', 'accountId', 'config', 'secretArns', 'backendCidrs']))
      return;
    // Subnets with problems of their own built nothing: nothing to run in.
    if (hasProblems(props.subnets)) return;
    const { subnets } = props;
    const platform = subnets.platform;
    const customer = subnets.customerName;
    const name = `${platform.name}-${customer}-gateway`;
    const timeoutSeconds = props.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds;
    const partition = props.partition ?? platform.partition;
    const checked = parseGatewayFunctionProps(props);
    if (reportProblems(this, checked.problems)) return;
    const backendPort = checked.backendPort;
    this.functionName = name;
    this.config = props.config;
    this.subnets = subnets;
    const endpointGroupId = props.secretsManagerEndpointSecurityGroupId ?? platform.endpointsSecurityGroupId;
    const endpointCidrs =
      props.endpointCidrs ?? aggregated(platform.endpointSubnetCidrBlocks ?? platform.vpcCidrBlocks);
    const tags = (n: string) => standardTags(platform.name, n, platform.tags, customer);

    this.bundle = props.runtimeBundleDirectory
      ? prebuiltRuntimeBundle(props.runtimeBundleDirectory)
      : bundleGatewayRuntime(runtimeFamilyOf(props.config.security.type));
    const asset = runtimeAsset(this, this.bundle);

    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      name: `/aws/lambda/${name}`,
      retentionInDays: props.logRetentionDays ?? FUNCTION_DEFAULTS.logRetentionDays,
      tags: tags(`${name}-logs`),
    });

    this.roleArn = GatewayFunction.roleArnFor(
      platform.name,
      customer,
      props.accountId,
      partition,
      platform.region,
    );
    this.role = new IamRole(this, 'Role', {
      name: GatewayFunction.roleNameFor(platform.name, customer, platform.region),
      path: '/backend-link/',
      description: `backend-link gateway runtime of customer ${customer}`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': props.accountId } },
          },
        ],
      }),
      tags: tags(`${name}-role`),
    });
    const policy = new IamRolePolicy(this, 'Policy', {
      role: this.role.id,
      name: 'gateway-runtime',
      policy: JSON.stringify(
        runtimeRolePolicy({
          logGroupArn: this.logGroup.arn,
          secretArns: props.secretArns,
          functionArn: lambdaFunctionArn(partition, platform.region, props.accountId, name),
          assumeRoleArns: assumedRoleArnsOf(props.config.security),
        }),
      ),
    });
    // Applied in another account, every ARN above (and the secrets' policies) would name the wrong one.
    requireDeployAccount(this.role, props.accountId);

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      name: `${name}-fn`,
      description: `backend-link gateway function of ${customer}: no ingress; egress to the backend and Secrets Manager only`,
      vpcId: platform.vpcId,
      revokeRulesOnDelete: true,
      tags: tags(`${name}-fn`),
    });
    const egress: Array<EgressDestination & { referencedSecurityGroupId?: string }> = [
      ...props.backendCidrs.map((cidr) => ({
        cidr,
        port: backendPort,
        description: `backend ${cidr}:${backendPort}`,
      })),
      ...(props.additionalEgress ?? []),
      ...(endpointGroupId
        ? [
            {
              cidr: '',
              port: 443,
              referencedSecurityGroupId: endpointGroupId,
              description: 'Secrets Manager endpoint',
            },
          ]
        : endpointCidrs.map((cidr) => ({
            cidr,
            port: 443,
            description: `VPC endpoints in ${cidr}`,
          }))),
    ];
    // Keyed by content (destination and port): adding or removing one destination moves no other rule.
    const egressScope = new Construct(this, 'Egress');
    egress.forEach((rule, index) => {
      const v6 = !isUnresolved(rule.cidr) && rule.cidr.includes(':');
      const id = rule.referencedSecurityGroupId
        ? `endpoints-${rule.port}`
        : destinationConstructId(rule.cidr, rule.port, index);
      if (egressScope.node.tryFindChild(id)) return; // the same destination and port twice: one rule
      new VpcSecurityGroupEgressRule(egressScope, id, {
        securityGroupId: this.securityGroup.id,
        ipProtocol: 'tcp',
        fromPort: rule.port,
        toPort: rule.port,
        description: rule.description ?? `${rule.cidr}:${rule.port}`,
        ...(rule.referencedSecurityGroupId
          ? { referencedSecurityGroupId: rule.referencedSecurityGroupId }
          : v6
            ? { cidrIpv6: rule.cidr }
            : { cidrIpv4: rule.cidr }),
      });
    });

    // The customer's DNS servers of the runtime configuration (backend.dns): UDP and TCP, to exactly them.
    openDnsEgress(this, subnets, this.securityGroup.id, dnsServersOf(props.config));

    // The customer's network ACL starts closed: open the path to the interface endpoints' subnets (Secrets
    // Manager), and the replies from them. Backend traffic is opened by the VPN (or by the caller).
    const endpointsAcl = new Construct(this, 'EndpointsNetworkAcl');
    endpointCidrs.forEach((cidr, index) => {
      const cidrScope = new Construct(endpointsAcl, cidrConstructId(cidr, index));
      subnets.addNetworkAclRule(cidrScope, 'Out-443', {
        purpose: 'endpoints',
        egress: true,
        protocol: 'tcp',
        cidrBlock: cidr,
        fromPort: 443,
        toPort: 443,
      });
      subnets.addNetworkAclRule(cidrScope, 'Replies', {
        purpose: 'endpoints',
        egress: false,
        protocol: 'tcp',
        cidrBlock: cidr,
        fromPort: 1024,
        toPort: 65535,
      });
    });

    const environment = environmentOf(props.config);
    this.function = new LambdaFunction(this, 'Resource', {
      functionName: name,
      description: `backend-link gateway runtime of customer ${customer}`,
      role: this.role.arn,
      runtime: props.lambdaRuntime ?? 'nodejs22.x',
      architectures: [props.architecture ?? FUNCTION_DEFAULTS.architecture],
      handler: 'index.handler',
      filename: asset.path,
      sourceCodeHash: this.bundle.sha256,
      memorySize: props.memorySize ?? FUNCTION_DEFAULTS.memorySize,
      timeout: timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency ?? FUNCTION_DEFAULTS.reservedConcurrency,
      environment: { variables: environment },
      vpcConfig: { subnetIds: subnets.subnetIds, securityGroupIds: [this.securityGroup.id] },
      loggingConfig: { logFormat: 'Text', logGroup: this.logGroup.name },
      tags: tags(name),
      // Lambda checks the role's EC2 permissions when it attaches the function to the subnets.
      dependsOn: [this.logGroup, policy],
    });
    // The provider binding in use (the app's copy) decides whether nodejs24.x can be planned at all.
    this.function.runtime = lambdaRuntimeFor(
      this,
      props.lambdaRuntime,
      this.function.terraformGeneratorMetadata?.providerVersion,
    );

    this.targetGroup = new LbTargetGroup(this, 'TargetGroup', {
      // Unique per account and region: the platform's name too, shortened with a hash past 32 characters.
      name: shortenName(`${platform.name}-${customer}-gw`, MAX_TARGET_GROUP_NAME_LENGTH),
      targetType: 'lambda',
      lambdaMultiValueHeadersEnabled: true,
      healthCheck: { enabled: false },
      tags: tags(`${name}-tg`),
    });
    const permission = new LambdaPermission(this, 'InvokeFromLoadBalancer', {
      statementId: 'AllowInvokeFromTargetGroup',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: 'elasticloadbalancing.amazonaws.com',
      sourceArn: this.targetGroup.arn,
    });
    new LbTargetGroupAttachment(this, 'TargetGroupAttachment', {
      targetGroupArn: this.targetGroup.arn,
      targetId: this.function.arn,
      dependsOn: [permission],
    });

    const alarm = (
      alarmId: string,
      metricName: string,
      description: string,
      extra: Record<string, unknown>,
    ) =>
      new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${name}-${alarmId.toLowerCase()}`,
        alarmDescription: description,
        namespace: 'AWS/Lambda',
        metricName,
        dimensions: { FunctionName: this.function.functionName },
        period: FUNCTION_DEFAULTS.alarmPeriodSeconds,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        ...(props.alarmTopicArn
          ? { alarmActions: [props.alarmTopicArn], okActions: [props.alarmTopicArn] }
          : {}),
        tags: tags(`${name}-${alarmId.toLowerCase()}`),
        ...extra,
      });
    const tuned = (tuning: AlarmTuning) => ({
      statistic: 'Sum',
      threshold: tuning.threshold ?? 0,
      period: tuning.periodSeconds ?? FUNCTION_DEFAULTS.alarmPeriodSeconds,
      evaluationPeriods: tuning.evaluationPeriods ?? 1,
    });
    const errors = props.alarms?.errors ?? {};
    const throttles = props.alarms?.throttles ?? {};
    this.alarms = [
      ...(errors === false
        ? []
        : [alarm('Errors', 'Errors', `The gateway function of ${customer} failed`, tuned(errors))]),
      ...(throttles === false
        ? []
        : [
            alarm(
              'Throttles',
              'Throttles',
              `The gateway function of ${customer} was throttled`,
              tuned(throttles),
            ),
          ]),
      alarm('DurationP99', 'Duration', `p99 duration of ${customer}'s gateway nears its timeout`, {
        extendedStatistic: 'p99',
        threshold: Math.round(timeoutSeconds * 1000 * FUNCTION_DEFAULTS.p99DurationShareOfTimeout),
        unit: 'Milliseconds',
      }),
    ];

    new TerraformOutput(this, 'RoleArnOutput', {
      value: this.role.arn,
      description: `Runtime role of ${customer}'s gateway`,
    }).overrideLogicalId(`${customer}_gateway_role_arn`);
  }
}

/** The blocks, with sibling halves merged (one network ACL entry for a /27 of two /28 endpoint subnets). */
function aggregated(blocks: readonly string[]): string[] {
  if (blocks.some((b) => isUnresolved(b))) return [...blocks];
  const parsed = blocks.map(parseCidr);
  if (parsed.some((c) => c === undefined)) return [...blocks];
  return aggregateCidrs(parsed as Cidr[]).map((c) => c.text);
}

/** The function's runtime: the caller's, else the newest the hashicorp/aws version in use accepts. */
function lambdaRuntimeFor(
  scope: Construct,
  requested: LambdaRuntime | undefined,
  awsProviderVersion: string | undefined,
): string {
  if (requested === undefined || isUnresolved(requested))
    return requested ?? defaultLambdaRuntime(awsProviderVersion);
  if (requested === 'nodejs24.x' && !supportsNodejs24(awsProviderVersion)) {
    // Known only once the function exists (its provider binding): reported, so the synth fails with the rest.
    reportProblems(scope, [
      {
        prop: 'lambdaRuntime',
        value: requested,
        message: `needs hashicorp/aws 6.x (\`@cdktf/provider-aws\` 21.x); this app's \`@cdktf/provider-aws\` asks for hashicorp/aws ${awsProviderVersion}, which rejects it at plan: use "nodejs22.x" (the default with this provider) or move to \`@cdktf/provider-aws\` 21.x`,
      },
    ]);
  }
  return requested;
}
