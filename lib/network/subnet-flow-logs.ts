import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LOG_RETENTION_DAYS, isLogRetention } from '../shared/cloudwatch';
import { accountWideName } from '../shared/names';
import { Problems, isUnresolved, show } from '../shared/validation';
import { requireCdktfStack } from '../shared/cdktf-stack';

/** VPC flow logs of a customer's subnets, to a CloudWatch Logs group of their own. */
export interface FlowLogsProps {
  /**
   * Turn the flow logs off (not advised: they are the record of what reached the customer's link).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Days CloudWatch Logs keeps the records: a value it accepts.
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * The traffic recorded: `ALL`, `ACCEPT` or `REJECT`.
   * @default 'ALL'
   */
  readonly trafficType?: 'ALL' | 'ACCEPT' | 'REJECT';
  /**
   * Seconds over which a flow is aggregated into one record: 60 or 600.
   * @default 600
   */
  readonly maxAggregationIntervalSeconds?: 60 | 600;
  /**
   * A KMS key (ARN) for the log group; its key policy must admit `logs.<region>.amazonaws.com`.
   * @default - CloudWatch Logs' own encryption
   */
  readonly kmsKeyArn?: string;
}

/** Secure defaults of the flow logs. */
export const FLOW_LOG_DEFAULTS = {
  retentionDays: 365,
  trafficType: 'ALL',
  maxAggregationIntervalSeconds: 600,
} as const;

const TRAFFIC_TYPES = ['ALL', 'ACCEPT', 'REJECT'];
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Records the problems of `props` (prop names under `prefix`, e.g. `flowLogs.`). */
export function checkFlowLogsProps(
  problems: Problems,
  props: FlowLogsProps | undefined,
  prefix: string,
): void {
  if (!props) return;
  const { retentionDays, trafficType, maxAggregationIntervalSeconds: interval, kmsKeyArn } = props;
  if (retentionDays !== undefined && !isLogRetention(retentionDays)) {
    problems.add(
      `\`${prefix}retentionDays\` ${show(retentionDays)} is not one CloudWatch accepts (${LOG_RETENTION_DAYS.join(', ')})`,
    );
  }
  if (trafficType !== undefined && !TRAFFIC_TYPES.includes(trafficType)) {
    problems.add(`\`${prefix}trafficType\` ${show(trafficType)} must be one of ${TRAFFIC_TYPES.join(', ')}`);
  }
  if (interval !== undefined && interval !== 60 && interval !== 600) {
    problems.add(`\`${prefix}maxAggregationIntervalSeconds\` ${show(interval)} must be 60 or 600`);
  }
  if (kmsKeyArn !== undefined && !isUnresolved(kmsKeyArn) && !KMS_KEY_ARN.test(kmsKeyArn)) {
    problems.add(
      `\`${prefix}kmsKeyArn\` ${show(kmsKeyArn)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`,
    );
  }
}

/** What the flow logs need to know of the subnets (passed by CustomerSubnets). */
export interface SubnetFlowLogsContext {
  readonly platformName: string;
  readonly customerName: string;
  /** The platform's region: part of the role's account-wide name. */
  readonly region: string;
  readonly subnets: ReadonlyArray<{ readonly availabilityZone: string; readonly subnetId: string }>;
  readonly tags: (name: string) => Record<string, string>;
}

/**
 * One VPC flow log per customer subnet into the customer's own log group (retention set), delivered by a
 * role that only the VPC Flow Logs service of this account may assume, and that may write to that group only.
 */
export class SubnetFlowLogs extends Construct {
  public readonly logGroup: CloudwatchLogGroup;
  public readonly role: IamRole;
  public readonly flowLogs: FlowLog[];

  constructor(scope: Construct, id: string, props: FlowLogsProps, context: SubnetFlowLogsContext) {
    super(scope, id);
    requireCdktfStack(this);
    const name = `${context.platformName}-${context.customerName}-flow-logs`;
    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      name: `/backend-link/${context.platformName}/${context.customerName}/flow-logs`,
      retentionInDays: props.retentionDays ?? FLOW_LOG_DEFAULTS.retentionDays,
      ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn } : {}),
      tags: context.tags(name),
    });
    // Partition, region and account from the group's ARN: no data source, and the trust policy names them.
    const arnPart = (index: number) => Fn.element(Fn.split(':', this.logGroup.arn), index);
    const [partition, region, account] = [arnPart(1), arnPart(3), arnPart(4)];
    this.role = new IamRole(this, 'Role', {
      // IAM names are account-wide: the region keeps the same platform in two regions apart.
      name: accountWideName(context.platformName, context.customerName, context.region, 'flow-logs'),
      path: '/backend-link/',
      description: `Delivers the VPC flow logs of customer ${context.customerName} to its log group`,
      assumeRolePolicy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': account },
              ArnLike: { 'aws:SourceArn': `arn:${partition}:ec2:${region}:${account}:vpc-flow-log/*` },
            },
          },
        ],
      }),
      tags: context.tags(name),
    });
    new IamRolePolicy(this, 'Policy', {
      role: this.role.id,
      name: 'deliver-flow-logs',
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteOwnLogGroup',
            Effect: 'Allow',
            Action: [
              'logs:CreateLogStream',
              'logs:PutLogEvents',
              'logs:DescribeLogGroups',
              'logs:DescribeLogStreams',
            ],
            Resource: [this.logGroup.arn, `${this.logGroup.arn}:*`],
          },
        ],
      }),
    });
    this.flowLogs = context.subnets.map(
      ({ availabilityZone, subnetId }) =>
        new FlowLog(this, availabilityZone, {
          subnetId,
          logDestinationType: 'cloud-watch-logs',
          logDestination: this.logGroup.arn,
          iamRoleArn: this.role.arn,
          trafficType: props.trafficType ?? FLOW_LOG_DEFAULTS.trafficType,
          maxAggregationInterval:
            props.maxAggregationIntervalSeconds ?? FLOW_LOG_DEFAULTS.maxAggregationIntervalSeconds,
          tags: context.tags(`${name}-${availabilityZone}`),
        }),
    );
  }
}
