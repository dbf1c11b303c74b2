import { Construct } from 'constructs';
import { Fn, TerraformOutput } from 'cdktf';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener, LbListenerDefaultAction } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTrustStore } from '@cdktf/provider-aws/lib/lb-trust-store';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { CustomerSubnets } from '../network/customer-subnets';
import { AllowedSource, AnyAddressOptIn, IpAllowList, IpAllowListProps } from '../network/ip-allow-list';
import { standardTags } from '../shared/names';
import { AccessLogsBucket, DEFAULT_ACCESS_LOG_RETENTION_DAYS } from './access-logs-bucket';
import { hasProblems, reportMissingProps, reportProblems } from '../shared/problems';
import { Problems, isUnresolved, show } from '../shared/validation';
import {
  TARGET_GROUP_ARN,
  defaultLoadBalancerName,
  parseInternalLoadBalancerProps,
} from './internal-load-balancer-checks';
import {
  DEFAULT_FIXED_RESPONSE,
  LOAD_BALANCER_DEFAULTS,
  LOAD_BALANCER_REQUIRED,
  MUTUAL_TLS_DEFAULTS,
} from './load-balancer-defaults';
import { requireCdktfStack } from '../shared/cdktf-stack';

/** Mutual TLS on the listener: the caller's CA bundle (PEM) in S3 becomes an ALB trust store. */
export interface MutualTlsProps {
  /** The S3 bucket holding the CA bundle. */
  readonly caBundleS3Bucket: string;
  /** The object key of the CA bundle (PEM, one or more CA certificates). */
  readonly caBundleS3Key: string;
  /**
   * A fixed object version of the CA bundle.
   * @default - the latest version
   */
  readonly caBundleS3ObjectVersion?: string;
  /**
   * Accept client certificates that have expired (not advised).
   * @default false
   */
  readonly ignoreClientCertificateExpiry?: boolean;
}

/** Access logs of the load balancer: `accessLogs: {}` creates the bucket and its policy. */
export interface AccessLogsProps {
  /**
   * An existing S3 bucket; its policy must let Elastic Load Balancing write to it (and only SSE-S3 works).
   * @default - a new private bucket (SSE-S3, HTTPS only, public access blocked) with the policy ALB log delivery needs
   */
  readonly bucket?: string;
  /**
   * A prefix for the log objects (no leading or trailing `/`, not containing `AWSLogs`).
   * @default - the bucket's root
   */
  readonly prefix?: string;
  /**
   * Days the logs are kept, in a bucket the construct creates.
   * @default 365
   */
  readonly retentionDays?: number;
}

export interface InternalLoadBalancerProps {
  /** The customer's subnets: the load balancer spans them (at least two zones). */
  readonly subnets: CustomerSubnets;
  /** The ACM certificate of the HTTPS listener, e.g. `arn:aws:acm:eu-west-1:123456789012:certificate/<uuid>`. */
  readonly certificateArn: string;
  /** The gateway tier's addresses: the only sources the load balancer's security group admits. */
  readonly trustedSources: AllowedSource[];
  /**
   * CIDRs behind prefix-list or security-group sources, for the customer's network ACL.
   * @default - the CIDR sources only (required when other sources are listed)
   */
  readonly trustedNetworkAclCidrs?: string[];
  /**
   * Accept `0.0.0.0/0` or `::/0` among `trustedSources`, with the reason.
   * @default - any-address sources are refused
   */
  readonly allowAnyAddress?: AnyAddressOptIn;
  /**
   * The listener's security policy: one of the forward-secret TLS 1.3 policies
   * (`FORWARD_SECRET_TLS13_POLICIES` in load-balancer-defaults.ts: the `TLS13-1-2`, `-Res` and `TLS13-1-3` policies and their FIPS,
   * post-quantum and strict RFC 9151 variants), or a legacy one (`LEGACY_TLS13_POLICIES`: `Ext0`,
   * `Ext1`, `Ext2`, RFC 9151 `INTEROP`) with `legacySslPolicyReason`.
   * @default 'ELBSecurityPolicy-TLS13-1-2-2021-06'
   */
  readonly sslPolicy?: string;
  /**
   * Why the listener needs a legacy TLS 1.3 policy (RSA key exchange without forward secrecy, or CBC suites
   * with SHA-1), e.g. "payment terminals that only offer AES128-GCM-SHA256": kept in the code, for review.
   * @default - legacy policies are refused
   */
  readonly legacySslPolicyReason?: string;
  /**
   * The HTTPS listener's port.
   * @default 443
   */
  readonly port?: number;
  /**
   * Mutual TLS in verify mode with a trust store from the given CA bundle.
   * @default - no client certificate is asked for
   */
  readonly mutualTls?: MutualTlsProps;
  /**
   * Access logs to S3.
   * @default - no access logs
   */
  readonly accessLogs?: AccessLogsProps;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** @default true */
  readonly dropInvalidHeaderFields?: boolean;
  /** `monitor`, `defensive` or `strictest`. @default 'strictest' */
  readonly desyncMitigationMode?: 'monitor' | 'defensive' | 'strictest';
  /** 1-4000 seconds. @default 60 */
  readonly idleTimeoutSeconds?: number;
  /**
   * A target group for the listener's default action.
   * @default - a fixed 404 response; add target groups with `addTargetGroup`
   */
  readonly defaultTargetGroupArn?: string;
  /**
   * The load balancer's name (≤ 32 characters).
   * @default - `<platform>-<customer>`, shortened with a hash when longer than 32 characters
   */
  readonly name?: string;
  /**
   * What the `<customer>_firewall_allow_list` output tells the customer's firewall to allow (the allow list's
   * `firewallAllowList`).
   * @default - the customer's subnet CIDRs
   */
  readonly firewallAllowList?: IpAllowListProps['firewallAllowList'];
}

/** A target group attached by a listener rule. */
export interface ListenerTargetOptions {
  /** The target group, e.g. the gateway function's Lambda target group. */
  readonly targetGroupArn: string;
  /** The rule's priority, 1-50000, unique on the listener. */
  readonly priority: number;
  /**
   * Path patterns that select the rule.
   * @default ['/*']
   */
  readonly pathPatterns?: string[];
}

/**
 * The customer's internal Application Load Balancer: across the customer's subnets, an HTTPS listener
 * with a TLS 1.3 policy and an ACM certificate, optional mutual TLS (verify) with a trust store, invalid
 * header fields dropped, deletion protection on, optional access logs, and a security group that admits
 * only the declared gateway-tier sources (through an {@link IpAllowList}) and has no egress rule: an ALB
 * invokes a Lambda target through the Lambda service, not over the network, so it needs none.
 */
export class InternalLoadBalancer extends Construct {
  public readonly subnets!: CustomerSubnets;
  /** The load balancer (the construct's main resource). */
  public readonly loadBalancer!: Lb;
  public readonly loadBalancerArn!: string;
  public readonly dnsName!: string;
  public readonly securityGroup!: SecurityGroup;
  public readonly securityGroupId!: string;
  /** The rules that admit the gateway tier. */
  public readonly allowList!: IpAllowList;
  /** The HTTPS listener: attach target groups with {@link addTargetGroup}. */
  public readonly listener!: LbListener;
  public readonly listenerArn!: string;
  /** The trust store, with mutual TLS. */
  public readonly trustStore?: LbTrustStore;
  /** The access logs' bucket, when the construct created it (`accessLogs` without `bucket`). */
  public readonly accessLogsBucket?: AccessLogsBucket;
  public readonly sslPolicy!: string;

  private readonly priorities = new Map<number, string>();

  constructor(scope: Construct, id: string, props: InternalLoadBalancerProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (reportMissingProps(this, props, ['subnets', 'certificateArn', 'trustedSources'])) return;
    // Subnets with problems of their own built nothing: no region or blocks to check against, nothing to build.
    if (hasProblems(props.subnets)) return;
    const { subnets } = props;
    const platform = subnets.platform;
    const customer = subnets.customerName;
    // Availability zone names are the region's name plus a letter.
    const region = subnets.subnets[0].availabilityZone.slice(0, -1);
    const checked = parseInternalLoadBalancerProps(props, {
      region,
      platformName: platform.name,
      customerName: customer,
      subnetCidrs: subnets.subnets.map((s) => s.cidrBlock),
    });
    if (reportProblems(this, checked.problems)) return;
    const { sslPolicy, port, name } = checked;
    const logs = props.accessLogs;

    this.subnets = subnets;
    this.sslPolicy = sslPolicy;
    const tags = (tagName: string) => standardTags(platform.name, tagName, platform.tags, customer);

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      name: `${platform.name}-${customer}-alb`,
      description: `Internal load balancer of ${customer}: HTTPS from the gateway tier only, no egress`,
      vpcId: platform.vpcId,
      // No inline rules: Terraform removes AWS's default allow-all egress rule from a new group, and the
      // ingress rules are separate resources (IpAllowList).
      tags: tags(`${customer}-alb`),
    });
    this.securityGroupId = this.securityGroup.id;

    this.allowList = new IpAllowList(this, 'AllowList', {
      securityGroupId: this.securityGroup.id,
      sources: props.trustedSources,
      ports: [port],
      subnets,
      ...(props.trustedNetworkAclCidrs ? { networkAclCidrs: props.trustedNetworkAclCidrs } : {}),
      ...(props.allowAnyAddress ? { allowAnyAddress: props.allowAnyAddress } : {}),
      ...(props.firewallAllowList ? { firewallAllowList: props.firewallAllowList } : {}),
    });

    if (logs && logs.bucket === undefined) {
      this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogs', {
        region,
        // The account from the security group's ARN: no data source, and no cycle through the ALB.
        accountId: Fn.element(Fn.split(':', this.securityGroup.arn), 4),
        namePrefix: `${platform.name}-${customer}-alb-logs`,
        prefix: logs.prefix,
        retentionDays: logs.retentionDays ?? DEFAULT_ACCESS_LOG_RETENTION_DAYS,
        tags: tags(`${customer}-alb-logs`),
      });
    }
    const logsBucket = logs?.bucket ?? this.accessLogsBucket?.bucket.id;

    this.loadBalancer = new Lb(this, 'Resource', {
      ...LOAD_BALANCER_DEFAULTS,
      ...(props.deletionProtection !== undefined
        ? { enableDeletionProtection: props.deletionProtection }
        : {}),
      ...(props.dropInvalidHeaderFields !== undefined
        ? { dropInvalidHeaderFields: props.dropInvalidHeaderFields }
        : {}),
      desyncMitigationMode: checked.desyncMitigationMode as 'monitor' | 'defensive' | 'strictest',
      idleTimeout: checked.idleTimeoutSeconds,
      ...(logs && logsBucket
        ? { accessLogs: { bucket: logsBucket, prefix: logs.prefix, enabled: true } }
        : {}),
      // The ALB checks that it may write to the bucket when access logs are turned on.
      ...(this.accessLogsBucket ? { dependsOn: [this.accessLogsBucket.policy] } : {}),
      ...LOAD_BALANCER_REQUIRED,
      name,
      subnets: subnets.subnetIds,
      securityGroups: [this.securityGroup.id],
      tags: tags(`${customer}-alb`),
    });
    this.loadBalancerArn = this.loadBalancer.arn;
    this.dnsName = this.loadBalancer.dnsName;

    if (props.mutualTls) {
      this.trustStore = new LbTrustStore(this, 'TrustStore', {
        name: defaultLoadBalancerName(`${platform.name}-${customer}-ts`),
        caCertificatesBundleS3Bucket: props.mutualTls.caBundleS3Bucket,
        caCertificatesBundleS3Key: props.mutualTls.caBundleS3Key,
        ...(props.mutualTls.caBundleS3ObjectVersion
          ? { caCertificatesBundleS3ObjectVersion: props.mutualTls.caBundleS3ObjectVersion }
          : {}),
        tags: tags(`${customer}-alb-trust-store`),
      });
    }

    const defaultAction: LbListenerDefaultAction = props.defaultTargetGroupArn
      ? { type: 'forward', targetGroupArn: props.defaultTargetGroupArn }
      : { type: 'fixed-response', fixedResponse: { ...DEFAULT_FIXED_RESPONSE } };
    this.listener = new LbListener(this, 'HttpsListener', {
      loadBalancerArn: this.loadBalancer.arn,
      port,
      protocol: 'HTTPS',
      sslPolicy,
      certificateArn: props.certificateArn,
      defaultAction: [defaultAction],
      ...(this.trustStore
        ? {
            mutualAuthentication: {
              ...MUTUAL_TLS_DEFAULTS,
              ...(props.mutualTls?.ignoreClientCertificateExpiry !== undefined
                ? { ignoreClientCertificateExpiry: props.mutualTls.ignoreClientCertificateExpiry }
                : {}),
              trustStoreArn: this.trustStore.arn,
            },
          }
        : {}),
      tags: tags(`${customer}-alb-https`),
    });
    this.listenerArn = this.listener.arn;

    new TerraformOutput(this, 'DnsNameOutput', {
      value: this.loadBalancer.dnsName,
      description: `Internal HTTPS endpoint of ${customer}'s link, for the gateway tier`,
    }).overrideLogicalId(`${customer}_alb_dns_name`);
  }

  /**
   * Forwards requests matching `pathPatterns` to a target group (e.g. the gateway function's Lambda
   * target group) through a listener rule created in this construct's scope.
   */
  public addTargetGroup(id: string, options: ListenerTargetOptions): LbListenerRule {
    const problems = new Problems();
    const { priority } = options;
    if (!Number.isInteger(priority) || priority < 1 || priority > 50000) {
      problems.add(`\`priority\` ${show(priority)} of target ${show(id)} must be an integer from 1 to 50000`);
    } else if (this.priorities.has(priority)) {
      problems.add(
        `\`priority\` ${priority} of target ${show(id)} is already used by target ${show(this.priorities.get(priority))}; each rule needs its own`,
      );
    }
    if (!isUnresolved(options.targetGroupArn) && !TARGET_GROUP_ARN.test(options.targetGroupArn)) {
      problems.add(
        `\`targetGroupArn\` ${show(options.targetGroupArn)} of target ${show(id)} is not a target group ARN`,
      );
    }
    const patterns = options.pathPatterns ?? ['/*'];
    if (patterns.length === 0 || patterns.length > 5) {
      problems.add(`\`pathPatterns\` of target ${show(id)} lists ${patterns.length}; give 1 to 5 patterns`);
    }
    problems.throwIfAny(this);
    this.priorities.set(priority, id);
    return new LbListenerRule(this, id, {
      listenerArn: this.listener.arn,
      priority,
      action: [{ type: 'forward', targetGroupArn: options.targetGroupArn }],
      condition: [{ pathPattern: { values: patterns } }],
    });
  }
}
