import type { Problem } from '../shared/problems';
import { problem, renamed } from '../shared/problem-list';
import { shortenName } from '../shared/names';
import { isUnresolved, show } from '../shared/validation';
import { checkIpAllowListProps } from '../network/ip-allow-list-checks';
import type { InternalLoadBalancerProps } from './internal-load-balancer';
import {
  DEFAULT_LISTENER_PORT,
  DEFAULT_SSL_POLICY,
  FORWARD_SECRET_TLS13_POLICIES,
  LARGEST_ALB_SUBNET_PREFIX,
  LEGACY_TLS13_POLICIES,
  LOAD_BALANCER_DEFAULTS,
  MAX_LOAD_BALANCER_NAME_LENGTH,
} from './load-balancer-defaults';

/** What the load balancer's checks need to know of where it goes: the customer's subnets and platform. */
export interface LoadBalancerCheckContext {
  /** The region of the subnets. */
  readonly region: string;
  readonly platformName: string;
  readonly customerName: string;
  /** The CIDR blocks of the customer's subnets. */
  readonly subnetCidrs: readonly string[];
}

/** The checked props: the problems, and the settings the construct builds with. */
export interface CheckedLoadBalancer {
  readonly problems: Problem[];
  readonly sslPolicy: string;
  readonly port: number;
  readonly desyncMitigationMode: string;
  readonly idleTimeoutSeconds: number;
  readonly name: string;
}

export const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
export const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const LB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const DESYNC_MODES = ['monitor', 'defensive', 'strictest'];

/**
 * The problems of an `InternalLoadBalancer`'s props, every one of them (pure: no construct, nothing thrown),
 * its allow list's included, under the load balancer's prop names (`trustedSources`, `trustedNetworkAclCidrs`).
 */
export function checkInternalLoadBalancerProps(
  props: Omit<InternalLoadBalancerProps, 'subnets'>,
  context: LoadBalancerCheckContext,
): Problem[] {
  return parseInternalLoadBalancerProps(props, context).problems;
}

/** Checks the props and returns the settings with their defaults. */
export function parseInternalLoadBalancerProps(
  props: Omit<InternalLoadBalancerProps, 'subnets'>,
  context: LoadBalancerCheckContext,
): CheckedLoadBalancer {
  const problems: Problem[] = [];
  const { region, customerName: customer } = context;

  if (!isUnresolved(props.certificateArn) && !ACM_ARN.test(props.certificateArn)) {
    problems.push(
      problem(
        'certificateArn',
        props.certificateArn,
        `is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`,
      ),
    );
  } else if (!isUnresolved(props.certificateArn) && props.certificateArn.split(':')[3] !== region) {
    problems.push(
      problem(
        'certificateArn',
        props.certificateArn,
        `is a certificate of ${props.certificateArn.split(':')[3]}, but the load balancer is in ${region}: an ALB takes ACM certificates of its own region (request or import one there)`,
      ),
    );
  }
  const sslPolicy = props.sslPolicy ?? DEFAULT_SSL_POLICY;
  const legacyReason = props.legacySslPolicyReason?.trim();
  if (!isUnresolved(sslPolicy)) {
    if ((LEGACY_TLS13_POLICIES as readonly string[]).includes(sslPolicy)) {
      if (!legacyReason) {
        problems.push(
          problem(
            'sslPolicy',
            sslPolicy,
            `is a legacy TLS 1.3 policy (RSA key exchange without forward secrecy, or CBC suites with SHA-1); give \`legacySslPolicyReason\` (which clients need it), or use ${DEFAULT_SSL_POLICY}`,
          ),
        );
      }
    } else if (!(FORWARD_SECRET_TLS13_POLICIES as readonly string[]).includes(sslPolicy)) {
      problems.push(
        problem(
          'sslPolicy',
          sslPolicy,
          `is not one of the forward-secret TLS 1.3 policies (${FORWARD_SECRET_TLS13_POLICIES.join(', ')})`,
        ),
      );
    }
  }
  if (legacyReason !== undefined && !(LEGACY_TLS13_POLICIES as readonly string[]).includes(sslPolicy)) {
    problems.push(
      problem(
        'legacySslPolicyReason',
        undefined,
        `is given, but \`sslPolicy\` ${show(sslPolicy)} is not a legacy policy; remove the reason`,
      ),
    );
  }
  const port = props.port ?? DEFAULT_LISTENER_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(problem('port', port, `must be an integer from 1 to 65535`));
  }
  if (props.mutualTls) {
    const { caBundleS3Bucket: bucket, caBundleS3Key: key } = props.mutualTls;
    if (!isUnresolved(bucket) && !S3_BUCKET.test(bucket)) {
      problems.push(problem('mutualTls.caBundleS3Bucket', bucket, `is not an S3 bucket name`));
    }
    if (!isUnresolved(key) && (key.length === 0 || key.length > 1024 || key.startsWith('/'))) {
      problems.push(
        problem('mutualTls.caBundleS3Key', key, `is not an S3 object key (1-1024 characters, no leading /)`),
      );
    }
  }
  const logs = props.accessLogs;
  if (logs?.bucket !== undefined && !isUnresolved(logs.bucket) && !S3_BUCKET.test(logs.bucket)) {
    problems.push(problem('accessLogs.bucket', logs.bucket, `is not an S3 bucket name`));
  }
  if (
    logs?.prefix !== undefined &&
    !isUnresolved(logs.prefix) &&
    (logs.prefix === '' || /^\/|\/$/.test(logs.prefix) || logs.prefix.includes('AWSLogs'))
  ) {
    problems.push(
      problem(
        'accessLogs.prefix',
        logs.prefix,
        `must be non-empty, without a leading or trailing / and without "AWSLogs" (an ALB rule)`,
      ),
    );
  }
  if (logs?.retentionDays !== undefined) {
    if (logs.bucket !== undefined) {
      problems.push(
        problem(
          'accessLogs.retentionDays',
          undefined,
          'applies to a bucket the construct creates; set the lifecycle of `accessLogs.bucket` on that bucket',
        ),
      );
    } else if (!Number.isInteger(logs.retentionDays) || logs.retentionDays < 1) {
      problems.push(
        problem('accessLogs.retentionDays', logs.retentionDays, `must be a whole number of days ≥ 1`),
      );
    }
  }
  const desync = props.desyncMitigationMode ?? LOAD_BALANCER_DEFAULTS.desyncMitigationMode;
  if (!DESYNC_MODES.includes(desync)) {
    problems.push(problem('desyncMitigationMode', desync, `must be one of ${DESYNC_MODES.join(', ')}`));
  }
  const idle = props.idleTimeoutSeconds ?? LOAD_BALANCER_DEFAULTS.idleTimeout;
  if (!Number.isInteger(idle) || idle < 1 || idle > 4000) {
    problems.push(problem('idleTimeoutSeconds', idle, `must be an integer from 1 to 4000`));
  }
  if (
    props.defaultTargetGroupArn !== undefined &&
    !isUnresolved(props.defaultTargetGroupArn) &&
    !TARGET_GROUP_ARN.test(props.defaultTargetGroupArn)
  ) {
    problems.push(problem('defaultTargetGroupArn', props.defaultTargetGroupArn, `is not a target group ARN`));
  }
  const name = props.name ?? defaultLoadBalancerName(`${context.platformName}-${customer}`);
  if (!isUnresolved(name) && (!LB_NAME.test(name) || name.startsWith('internal-'))) {
    problems.push(
      problem(
        'name',
        name,
        `must be 1-${MAX_LOAD_BALANCER_NAME_LENGTH} letters, digits and hyphens, not starting or ending with a hyphen nor with "internal-"`,
      ),
    );
  }
  const small = context.subnetCidrs.filter((c) => Number(c.split('/')[1]) > LARGEST_ALB_SUBNET_PREFIX);
  if (small.length > 0) {
    problems.push(
      problem(
        'subnets',
        undefined,
        `of customer ${show(customer)} include ${small.join(', ')}; an Application Load Balancer needs subnets of /${LARGEST_ALB_SUBNET_PREFIX} or larger: give the customer a larger \`cidrBlock\``,
      ),
    );
  }
  if (props.trustedSources.length === 0) {
    problems.push(problem('trustedSources', undefined, "is empty; declare the gateway tier's addresses"));
  }
  const portIsValid = Number.isInteger(port) && port >= 1 && port <= 65535;
  if (props.trustedSources.length > 0) {
    // The allow list's own check, under this construct's names: what `trustedSources` becomes.
    problems.push(
      ...renamed(
        checkIpAllowListProps({
          sources: props.trustedSources,
          ports: [portIsValid ? port : DEFAULT_LISTENER_PORT],
          subnetsOfCustomer: customer,
          ...(props.trustedNetworkAclCidrs ? { networkAclCidrs: props.trustedNetworkAclCidrs } : {}),
          ...(props.allowAnyAddress ? { allowAnyAddress: props.allowAnyAddress } : {}),
        }),
        { sources: 'trustedSources', networkAclCidrs: 'trustedNetworkAclCidrs' },
      ),
    );
  }
  return {
    problems,
    sslPolicy,
    port,
    desyncMitigationMode: desync,
    idleTimeoutSeconds: idle,
    name,
  };
}

/** `text`, or when longer than an ALB name allows, its head and a short hash of the whole. */
export function defaultLoadBalancerName(text: string): string {
  return shortenName(text, MAX_LOAD_BALANCER_NAME_LENGTH);
}
