import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { requireCdktfStack } from '../shared/cdktf-stack';

/**
 * The Elastic Load Balancing account that writes access logs in the Regions opened before August 2022
 * (AWS's "Enable access logs for your Application Load Balancer" table; the same map as the aws provider's
 * `aws_elb_service_account`, which is a data source and so can not be used offline). Newer Regions use the
 * service principal `logdelivery.elasticloadbalancing.amazonaws.com`.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '098369216593',
  'ap-east-1': '754344448648',
  'ap-northeast-1': '582318560864',
  'ap-northeast-2': '600734575887',
  'ap-northeast-3': '383597477331',
  'ap-south-1': '718504428378',
  'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266',
  'ap-southeast-3': '589379963580',
  'ca-central-1': '985666609251',
  'cn-north-1': '638102146993',
  'cn-northwest-1': '037604701340',
  'eu-central-1': '054676820928',
  'eu-north-1': '897822967062',
  'eu-south-1': '635631232127',
  'eu-west-1': '156460612806',
  'eu-west-2': '652711504416',
  'eu-west-3': '009996457667',
  'me-south-1': '076674570225',
  'sa-east-1': '507241528517',
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-gov-east-1': '190560391635',
  'us-gov-west-1': '048591011584',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
};

/** Default days the access logs are kept in a bucket the construct creates. */
export const DEFAULT_ACCESS_LOG_RETENTION_DAYS = 365;
/** `bucket_prefix` is at most 37 characters (Terraform appends 26). */
const MAX_BUCKET_PREFIX_LENGTH = 37;

export interface AccessLogsBucketProps {
  /** Where the ALB runs. */
  readonly region: string;
  /**
   * The account the ALB runs in (a token is fine): log delivery may write under `AWSLogs/<account>/` only,
   * as AWS's own policy for access logs has it, never for another account's load balancers.
   */
  readonly accountId: string;
  /** e.g. `apicloud-acme-alb-logs`: shortened with a hash to fit `bucket_prefix`. */
  readonly namePrefix: string;
  /** The log objects' prefix inside the bucket. */
  readonly prefix?: string;
  readonly retentionDays: number;
  readonly tags: Record<string, string>;
}

/**
 * An S3 bucket for one load balancer's access logs: private (public access blocked, bucket owner enforced),
 * SSE-S3 (the only encryption ALB log delivery supports), HTTPS only, objects expired after the retention,
 * and a policy that lets the Elastic Load Balancing log delivery write under the prefix and nothing else.
 * The ALB must depend on {@link policy}: it checks that it may write when access logs are turned on.
 */
export class AccessLogsBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);
    requireCdktfStack(this);
    this.bucket = new S3Bucket(this, 'Resource', {
      bucketPrefix: bucketPrefix(props.namePrefix),
      forceDestroy: false,
      tags: props.tags,
    });
    new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'OwnershipControls', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: props.retentionDays }],
        },
      ],
    });
    const partition = Fn.element(Fn.split(':', this.bucket.arn), 1);
    const account = ELB_LOG_DELIVERY_ACCOUNTS[props.region];
    const objects = `${this.bucket.arn}/${props.prefix ? `${props.prefix}/` : ''}AWSLogs/${props.accountId}/*`;
    this.policy = new S3BucketPolicy(this, 'Policy', {
      bucket: this.bucket.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'LoadBalancerLogDelivery',
            Effect: 'Allow',
            Principal: account
              ? { AWS: `arn:${partition}:iam::${account}:root` }
              : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: objects,
          },
          {
            Sid: 'HttpsOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
  }
}

/** A valid `bucket_prefix` from `text`: lowercase, shortened with a hash to fit, ending in a hyphen. */
function bucketPrefix(text: string): string {
  const max = MAX_BUCKET_PREFIX_LENGTH - 1;
  if (text.length <= max) return `${text}-`;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${text.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}-`;
}
