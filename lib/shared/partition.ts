/**
 * AWS partitions: what differs between the commercial regions (`aws`), AWS GovCloud (US) (`aws-us-gov`) and
 * the China regions (`aws-cn`) for the names backend-link writes: ARNs, the DNS suffix that
 * `kms:ViaService` and the service endpoints use, and the prefix of interface endpoint service names.
 * Derived from the region (no data source: the plan stays offline), or given explicitly.
 */

export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';
export const PARTITIONS: readonly Partition[] = ['aws', 'aws-us-gov', 'aws-cn'];

/** The partition a region belongs to: `cn-*` is aws-cn, `us-gov-*` is aws-us-gov, the rest aws. */
export function partitionOfRegion(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The DNS suffix of the partition's service endpoints (`secretsmanager.<region>.<suffix>`). */
export function dnsSuffix(partition: Partition): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/**
 * The `kms:ViaService` value of a service in a region, e.g. `secretsmanager.eu-west-1.amazonaws.com` or
 * `secretsmanager.cn-north-1.amazonaws.com.cn`.
 */
export function viaService(service: string, region: string, partition: Partition): string {
  return `${service}.${region}.${dnsSuffix(partition)}`;
}

/**
 * Services whose interface endpoint in the China regions is named `cn.com.amazonaws.<region>.<service>`
 * instead of `com.amazonaws.<region>.<service>` (aws-cdk-lib's `InterfaceVpcEndpointAwsService` table,
 * itself from `aws ec2 describe-vpc-endpoint-services`). Secrets Manager, KMS and CloudWatch Logs are not
 * among them.
 */
const CHINA_CN_PREFIXED_ENDPOINT_SERVICES = new Set([
  'application-autoscaling',
  'athena',
  'autoscaling',
  'backup',
  'batch',
  'cloudformation',
  'ebs',
  'ec2',
  'ecr.api',
  'ecr.dkr',
  'eks',
  'elasticache',
  'elasticfilesystem',
  'execute-api',
  'kinesis-streams',
  'lambda',
  'monitoring',
  'rds',
  'redshift',
  'redshift-data',
  's3',
  'sagemaker.api',
  'sagemaker.runtime',
  'securityhub',
  'servicecatalog',
  'sqs',
  'states',
  'sts',
  'transfer',
  'xray',
]);

/** The interface endpoint service name of an AWS service in a region (`com.amazonaws.eu-west-1.secretsmanager`). */
export function endpointServiceName(service: string, region: string, partition: Partition): string {
  const prefix =
    partition === 'aws-cn' && CHINA_CN_PREFIXED_ENDPOINT_SERVICES.has(service)
      ? 'cn.com.amazonaws'
      : 'com.amazonaws';
  return `${prefix}.${region}.${service}`;
}

/**
 * The principal of an AWS service. In all three partitions these are `<service>.amazonaws.com` (the
 * China regions accept the same service principals; aws-cdk-lib dropped its `.amazonaws.com.cn` variants).
 */
export function servicePrincipal(service: string): string {
  return `${service}.amazonaws.com`;
}

/** True when `value` names a partition backend-link supports. */
export function isPartition(value: string): value is Partition {
  return (PARTITIONS as readonly string[]).includes(value);
}
