import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTrustStore } from '@cdktf/provider-aws/lib/lb-trust-store';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import {
  InternalLoadBalancer,
  InternalLoadBalancerProps,
} from '../../../lib/load-balancer/internal-load-balancer';
import { FORWARD_SECRET_TLS13_POLICIES } from '../../../lib/load-balancer/load-balancer-defaults';
import { CustomerSubnets } from '../../../lib/network/customer-subnets';
import {
  CERTIFICATE_ARN,
  TARGET_GROUP_ARN,
  newPlatform,
  resourcesOf,
  synth,
  validationErrorOf,
} from '../network-fixtures';

/** GIVEN a platform and customer "acme": an internal load balancer with `props`. */
function acmeAlb(scope: Construct, props: Partial<InternalLoadBalancerProps> = {}): InternalLoadBalancer {
  const platform = newPlatform(scope);
  const subnets = new CustomerSubnets(scope, 'Subnets', {
    platform,
    customerName: 'acme',
    cidrBlock: '10.0.128.0/24',
  });
  return new InternalLoadBalancer(scope, 'Alb', {
    subnets,
    certificateArn: CERTIFICATE_ARN,
    trustedSources: [{ cidr: '10.0.1.0/24', description: 'gateway tier' }],
    ...props,
  });
}

describe('InternalLoadBalancer secure defaults', () => {
  const { text, json } = synth((scope) => {
    acmeAlb(scope);
  });

  test('GIVEN the defaults WHEN synthesized THEN the ALB is internal, across both customer subnets, drops invalid headers and is protected from deletion', () => {
    expect(text).toHaveResourceWithProperties(Lb, {
      name: 'plat-acme',
      internal: true,
      load_balancer_type: 'application',
      drop_invalid_header_fields: true,
      enable_deletion_protection: true,
      desync_mitigation_mode: 'strictest',
      xff_header_processing_mode: 'append',
      idle_timeout: 60,
      subnets: [expect.stringContaining('aws_subnet.'), expect.stringContaining('aws_subnet.')],
    });
    const [lb] = resourcesOf(json, 'aws_lb');
    expect(lb.access_logs).toBeUndefined();
  });

  test('GIVEN the defaults WHEN synthesized THEN the HTTPS listener uses the TLS 1.3 policy, the certificate, and answers 404 by default', () => {
    expect(text).toHaveResourceWithProperties(LbListener, {
      port: 443,
      protocol: 'HTTPS',
      ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      certificate_arn: CERTIFICATE_ARN,
      default_action: [
        {
          type: 'fixed-response',
          fixed_response: { content_type: 'text/plain', status_code: '404', message_body: 'Not Found' },
        },
      ],
    });
    const [listener] = resourcesOf(json, 'aws_lb_listener');
    expect(listener.mutual_authentication).toBeUndefined();
  });

  test('GIVEN the defaults WHEN synthesized THEN the security group has no inline rule (no egress) and admits only the gateway tier on 443', () => {
    const [group] = resourcesOf(json, 'aws_security_group');
    expect(group.egress).toBeUndefined();
    expect(group.ingress).toBeUndefined();
    expect(text).toHaveResourceWithProperties(SecurityGroup, { name: 'plat-acme-alb' });
    expect(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).toEqual([
      expect.objectContaining({ cidr_ipv4: '10.0.1.0/24', from_port: 443, to_port: 443, ip_protocol: 'tcp' }),
    ]);
    expect(resourcesOf(json, 'aws_vpc_security_group_egress_rule')).toHaveLength(0);
  });

  test('GIVEN the defaults WHEN synthesized THEN it outputs the DNS name and the customer firewall allow list', () => {
    expect(Object.keys(json.output ?? {})).toEqual(
      expect.arrayContaining(['acme_alb_dns_name', 'acme_firewall_allow_list']),
    );
  });

  test('GIVEN the defaults WHEN synthesized THEN it matches the snapshot', () => {
    expect(
      Testing.synthScope((scope) => {
        acmeAlb(scope);
      }),
    ).toMatchSnapshot();
  });
});

describe('InternalLoadBalancer overrides', () => {
  test('GIVEN mutualTls WHEN synthesized THEN a trust store is built from the S3 CA bundle and the listener verifies client certificates', () => {
    const { text } = synth((scope) => {
      const alb = acmeAlb(scope, {
        mutualTls: {
          caBundleS3Bucket: 'trust-stores',
          caBundleS3Key: 'acme/ca.pem',
          caBundleS3ObjectVersion: 'v1',
        },
      });
      expect(alb.trustStore).toBeDefined();
    });
    expect(text).toHaveResourceWithProperties(LbTrustStore, {
      name: 'plat-acme-ts',
      ca_certificates_bundle_s3_bucket: 'trust-stores',
      ca_certificates_bundle_s3_key: 'acme/ca.pem',
      ca_certificates_bundle_s3_object_version: 'v1',
    });
    expect(text).toHaveResourceWithProperties(LbListener, {
      mutual_authentication: {
        mode: 'verify',
        ignore_client_certificate_expiry: false,
        trust_store_arn: expect.stringContaining('aws_lb_trust_store.'),
      },
    });
  });

  test('GIVEN mutualTls with ignoreClientCertificateExpiry WHEN synthesized THEN the listener still verifies but accepts expired certificates', () => {
    const { text } = synth((scope) => {
      acmeAlb(scope, {
        mutualTls: {
          caBundleS3Bucket: 'trust-stores',
          caBundleS3Key: 'acme/ca.pem',
          ignoreClientCertificateExpiry: true,
        },
      });
    });
    expect(text).toHaveResourceWithProperties(LbListener, {
      mutual_authentication: {
        mode: 'verify',
        ignore_client_certificate_expiry: true,
        trust_store_arn: expect.anything(),
      },
    });
  });

  test('GIVEN the TLS 1.3-only policy, access logs, no deletion protection and other attributes WHEN synthesized THEN they are used', () => {
    const { text } = synth((scope) => {
      acmeAlb(scope, {
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
        accessLogs: { bucket: 'alb-logs', prefix: 'acme' },
        deletionProtection: false,
        dropInvalidHeaderFields: false,
        desyncMitigationMode: 'defensive',
        idleTimeoutSeconds: 120,
        port: 8443,
        name: 'acme-custom',
      });
    });
    expect(text).toHaveResourceWithProperties(LbListener, {
      ssl_policy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
      port: 8443,
    });
    expect(text).toHaveResourceWithProperties(Lb, {
      name: 'acme-custom',
      internal: true,
      access_logs: { bucket: 'alb-logs', prefix: 'acme', enabled: true },
      enable_deletion_protection: false,
      drop_invalid_header_fields: false,
      desync_mitigation_mode: 'defensive',
      idle_timeout: 120,
    });
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      from_port: 8443,
      to_port: 8443,
    });
  });

  test.each([...FORWARD_SECRET_TLS13_POLICIES])(
    'GIVEN the forward-secret policy %s WHEN synthesized THEN the listener uses it',
    (policy) => {
      const { text } = synth((scope) => {
        acmeAlb(scope, { sslPolicy: policy });
      });
      expect(text).toHaveResourceWithProperties(LbListener, { ssl_policy: policy });
    },
  );

  test('GIVEN a legacy TLS 1.3 policy with a reason WHEN synthesized THEN the listener uses it', () => {
    const { text } = synth((scope) => {
      acmeAlb(scope, {
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06',
        legacySslPolicyReason: 'payment terminals that only offer AES128-GCM-SHA256',
      });
    });
    expect(text).toHaveResourceWithProperties(LbListener, {
      ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06',
    });
  });

  test('GIVEN accessLogs without a bucket WHEN synthesized THEN a private bucket and the policy ALB log delivery needs are created, and the ALB waits for the policy', () => {
    const { json } = synth((scope) => {
      const alb = acmeAlb(scope, { accessLogs: { prefix: 'acme' } });
      expect(alb.accessLogsBucket).toBeDefined();
    });
    const [bucket] = resourcesOf(json, 'aws_s3_bucket');
    expect(bucket).toMatchObject({ bucket_prefix: 'plat-acme-alb-logs-', force_destroy: false });
    expect(resourcesOf(json, 'aws_s3_bucket_public_access_block')).toEqual([
      expect.objectContaining({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    ]);
    expect(resourcesOf(json, 'aws_s3_bucket_ownership_controls')[0].rule).toEqual({
      object_ownership: 'BucketOwnerEnforced',
    });
    expect(resourcesOf(json, 'aws_s3_bucket_server_side_encryption_configuration')[0].rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } },
    ]);
    expect(resourcesOf(json, 'aws_s3_bucket_lifecycle_configuration')[0].rule).toEqual([
      expect.objectContaining({ status: 'Enabled', expiration: [{ days: 365 }] }),
    ]);
    const policy = String(resourcesOf(json, 'aws_s3_bucket_policy')[0].policy);
    // eu-west-1 opened before August 2022: its Elastic Load Balancing account writes the logs.
    expect(policy).toContain(':iam::156460612806:root');
    expect(policy).toContain('"Action" = "s3:PutObject"');
    // Log delivery writes under this account's folder only (AWS's own policy), the account from the SG's ARN.
    expect(policy).toContain(
      '/acme/AWSLogs/${element(split(":", aws_security_group.Alb_SecurityGroup_4A3AE4FA.arn), 4)}/*',
    );
    expect(policy).toContain('"aws:SecureTransport" = "false"');
    const [lb] = resourcesOf(json, 'aws_lb');
    expect(lb.access_logs).toEqual({
      bucket: expect.stringContaining('aws_s3_bucket.Alb_AccessLogs_'),
      prefix: 'acme',
      enabled: true,
    });
    expect(lb.depends_on).toEqual([expect.stringContaining('aws_s3_bucket_policy.Alb_AccessLogs_Policy')]);
  });

  test('GIVEN accessLogs without a bucket in a Region opened after August 2022 WHEN synthesized THEN the log delivery service principal is admitted', () => {
    const { json } = synth((scope) => {
      const platform = newPlatform(scope, { availabilityZones: ['ap-southeast-4a', 'ap-southeast-4b'] });
      const subnets = new CustomerSubnets(scope, 'Subnets', {
        platform,
        customerName: 'acme',
        cidrBlock: '10.0.128.0/24',
      });
      new InternalLoadBalancer(scope, 'Alb', {
        subnets,
        certificateArn: CERTIFICATE_ARN.replace('eu-west-1', 'ap-southeast-4'),
        trustedSources: [{ cidr: '10.0.1.0/24' }],
        accessLogs: { retentionDays: 30 },
      });
    });
    const policy = String(resourcesOf(json, 'aws_s3_bucket_policy')[0].policy);
    expect(policy).toContain('"Service" = "logdelivery.elasticloadbalancing.amazonaws.com"');
    expect(policy).not.toContain(':root');
    expect(resourcesOf(json, 'aws_s3_bucket_lifecycle_configuration')[0].rule).toEqual([
      expect.objectContaining({ expiration: [{ days: 30 }] }),
    ]);
  });

  test('GIVEN accessLogs with an existing bucket WHEN synthesized THEN no bucket is created', () => {
    const { json } = synth((scope) => {
      acmeAlb(scope, { accessLogs: { bucket: 'alb-logs' } });
    });
    expect(resourcesOf(json, 'aws_s3_bucket')).toEqual([]);
    expect(resourcesOf(json, 'aws_lb')[0].access_logs).toEqual({ bucket: 'alb-logs', enabled: true });
  });

  test('GIVEN defaultTargetGroupArn WHEN synthesized THEN the listener forwards to it', () => {
    const { text } = synth((scope) => {
      acmeAlb(scope, { defaultTargetGroupArn: TARGET_GROUP_ARN });
    });
    expect(text).toHaveResourceWithProperties(LbListener, {
      default_action: [{ type: 'forward', target_group_arn: TARGET_GROUP_ARN }],
    });
  });

  test('GIVEN addTargetGroup WHEN synthesized THEN a listener rule forwards the paths to the target group', () => {
    const { text } = synth((scope) => {
      acmeAlb(scope).addTargetGroup('Gateway', { targetGroupArn: TARGET_GROUP_ARN, priority: 10 });
    });
    expect(text).toHaveResourceWithProperties(LbListenerRule, {
      priority: 10,
      listener_arn: expect.stringContaining('aws_lb_listener.'),
      action: [{ type: 'forward', target_group_arn: TARGET_GROUP_ARN }],
      condition: [{ path_pattern: { values: ['/*'] } }],
    });
  });

  test('GIVEN a platform and customer name longer than 32 characters together WHEN synthesized THEN the default name is shortened with a hash', () => {
    const { json } = synth((scope) => {
      const platform = newPlatform(scope, { name: 'a-rather-long-platform' });
      const subnets = new CustomerSubnets(scope, 'Subnets', {
        platform,
        customerName: 'a-rather-long-customer',
        cidrBlock: '10.0.128.0/24',
      });
      new InternalLoadBalancer(scope, 'Alb', {
        subnets,
        certificateArn: CERTIFICATE_ARN,
        trustedSources: [{ cidr: '10.0.1.0/24' }],
      });
    });
    const [lb] = resourcesOf(json, 'aws_lb');
    expect(lb.name).toMatch(/^a-rather-long-platform-[0-9a-f]{8}$/);
    expect((lb.name as string).length).toBeLessThanOrEqual(32);
  });

  test('fails when the customer subnets are smaller than /27', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      const subnets = new CustomerSubnets(scope, 'Subnets', {
        platform,
        customerName: 'acme',
        cidrBlock: '10.0.128.0/27',
      });
      new InternalLoadBalancer(scope, 'Alb', {
        subnets,
        certificateArn: CERTIFICATE_ARN,
        trustedSources: [{ cidr: '10.0.1.0/24' }],
      });
    });
    expect(error.problems).toEqual([
      '`subnets` of customer "acme" include 10.0.128.0/28, 10.0.128.16/28; an Application Load Balancer needs subnets of /27 or larger: give the customer a larger `cidrBlock`',
    ]);
  });

  test('fails when two target groups use the same priority', () => {
    expect(() =>
      Testing.synthScope((scope) => {
        const alb = acmeAlb(scope);
        alb.addTargetGroup('First', { targetGroupArn: TARGET_GROUP_ARN, priority: 10 });
        alb.addTargetGroup('Second', { targetGroupArn: TARGET_GROUP_ARN, priority: 10 });
      }),
    ).toThrow(
      'stack/Alb: `priority` 10 of target "Second" is already used by target "First"; each rule needs its own',
    );
  });
});

const FORWARD_SECRET_LIST =
  'ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-2-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07, ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07';

describe('InternalLoadBalancer bad props', () => {
  const bad: Array<[string, Partial<InternalLoadBalancerProps>, string[]]> = [
    [
      'the certificate is not an ACM ARN',
      { certificateArn: 'arn:aws:iam::123456789012:server-certificate/acme' },
      [
        '`certificateArn` "arn:aws:iam::123456789012:server-certificate/acme" is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
      ],
    ],
    [
      'the certificate is of another region than the load balancer',
      { certificateArn: CERTIFICATE_ARN.replace('eu-west-1', 'us-east-1') },
      [
        `\`certificateArn\` "${CERTIFICATE_ARN.replace('eu-west-1', 'us-east-1')}" is a certificate of us-east-1, but the load balancer is in eu-west-1: an ALB takes ACM certificates of its own region (request or import one there)`,
      ],
    ],
    [
      'the TLS policy allows TLS 1.0',
      { sslPolicy: 'ELBSecurityPolicy-2016-08' },
      [
        '`sslPolicy` "ELBSecurityPolicy-2016-08" is not one of the forward-secret TLS 1.3 policies (ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-2-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07, ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07)',
      ],
    ],
    [
      'the TLS 1.3 policy also allows TLS 1.0',
      { sslPolicy: 'ELBSecurityPolicy-TLS13-1-0-2021-06' },
      [
        '`sslPolicy` "ELBSecurityPolicy-TLS13-1-0-2021-06" is not one of the forward-secret TLS 1.3 policies (ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-2-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07, ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07)',
      ],
    ],
    [
      'the TLS policy name matches the TLS 1.3 naming but does not exist',
      { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Strong-2021-06' },
      [
        `\`sslPolicy\` "ELBSecurityPolicy-TLS13-1-2-Strong-2021-06" is not one of the forward-secret TLS 1.3 policies (${FORWARD_SECRET_LIST})`,
      ],
    ],
    ...['ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06', 'ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04'].map(
      (policy): [string, Partial<InternalLoadBalancerProps>, string[]] => [
        `the TLS policy ${policy} without forward secrecy is given without a reason`,
        { sslPolicy: policy },
        [
          `\`sslPolicy\` "${policy}" is a legacy TLS 1.3 policy (RSA key exchange without forward secrecy, or CBC suites with SHA-1); give \`legacySslPolicyReason\` (which clients need it), or use ELBSecurityPolicy-TLS13-1-2-2021-06`,
        ],
      ],
    ),
    [
      'a legacy TLS policy reason is blank',
      { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06', legacySslPolicyReason: '  ' },
      [
        '`sslPolicy` "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06" is a legacy TLS 1.3 policy (RSA key exchange without forward secrecy, or CBC suites with SHA-1); give `legacySslPolicyReason` (which clients need it), or use ELBSecurityPolicy-TLS13-1-2-2021-06',
      ],
    ],
    [
      'a legacy TLS policy reason is given for a forward-secret policy',
      { legacySslPolicyReason: 'old clients' },
      [
        '`legacySslPolicyReason` is given, but `sslPolicy` "ELBSecurityPolicy-TLS13-1-2-2021-06" is not a legacy policy; remove the reason',
      ],
    ],
    [
      'the trusted sources are open to any address',
      { trustedSources: [{ cidr: '0.0.0.0/0' }] },
      [
        "`trustedSources[0].cidr` 0.0.0.0/0 admits any address; declare the gateway tier's ranges, or give `allowAnyAddress` with a reason",
      ],
    ],
    [
      'no trusted source is declared',
      { trustedSources: [] },
      ["`trustedSources` is empty; declare the gateway tier's addresses"],
    ],
    [
      'the trust store bucket is not a bucket name',
      { mutualTls: { caBundleS3Bucket: 'Trust_Stores', caBundleS3Key: 'ca.pem' } },
      ['`mutualTls.caBundleS3Bucket` "Trust_Stores" is not an S3 bucket name'],
    ],
    [
      'the trust store key starts with a slash',
      { mutualTls: { caBundleS3Bucket: 'trust-stores', caBundleS3Key: '/ca.pem' } },
      ['`mutualTls.caBundleS3Key` "/ca.pem" is not an S3 object key (1-1024 characters, no leading /)'],
    ],
    [
      'the access log bucket is not a bucket name',
      { accessLogs: { bucket: 'x' } },
      ['`accessLogs.bucket` "x" is not an S3 bucket name'],
    ],
    [
      'the access log prefix contains AWSLogs',
      { accessLogs: { prefix: 'x/AWSLogs' } },
      [
        '`accessLogs.prefix` "x/AWSLogs" must be non-empty, without a leading or trailing / and without "AWSLogs" (an ALB rule)',
      ],
    ],
    [
      'a retention is given for an existing bucket',
      { accessLogs: { bucket: 'alb-logs', retentionDays: 30 } },
      [
        '`accessLogs.retentionDays` applies to a bucket the construct creates; set the lifecycle of `accessLogs.bucket` on that bucket',
      ],
    ],
    [
      'the access log retention is zero',
      { accessLogs: { retentionDays: 0 } },
      ['`accessLogs.retentionDays` 0 must be a whole number of days ≥ 1'],
    ],
    [
      'a security group source has no CIDR for the network ACL',
      { trustedSources: [{ securityGroupId: 'sg-0fedcba9876543210' }] },
      [
        '`trustedNetworkAclCidrs` is required: the network ACL of customer "acme" only takes CIDRs, and "sg-0fedcba9876543210" is not one; give the address ranges behind them',
      ],
    ],
    ['the port is 0', { port: 0 }, ['`port` 0 must be an integer from 1 to 65535']],
    [
      'the idle timeout is above 4000 s',
      { idleTimeoutSeconds: 5000 },
      ['`idleTimeoutSeconds` 5000 must be an integer from 1 to 4000'],
    ],
    [
      'the name starts with internal-',
      { name: 'internal-acme' },
      [
        '`name` "internal-acme" must be 1-32 letters, digits and hyphens, not starting or ending with a hyphen nor with "internal-"',
      ],
    ],
    [
      'the default target group is not a target group ARN',
      { defaultTargetGroupArn: 'arn:aws:lambda:eu-west-1:123456789012:function:gateway' },
      [
        '`defaultTargetGroupArn` "arn:aws:lambda:eu-west-1:123456789012:function:gateway" is not a target group ARN',
      ],
    ],
  ];
  test.each(bad)('fails when %s', (_case, props, problems) => {
    const error = validationErrorOf((scope) => {
      acmeAlb(scope, props);
    });
    expect(error.problems).toEqual(problems);
    expect(error.constructPath).toBe('stack/Alb');
  });
});
