/**
 * CustomerBackendLink reports every problem of its props, its children's included, in one synth, under the props
 * the user wrote; a link whose platform has problems reports only its own and builds nothing; and the firewall
 * allow-list output (`<customer>_firewall_allow_list`) says what the customer's firewall must allow: the
 * customer's subnets over a VPN, the platform's Elastic IPs for a DMZ endpoint.
 */
import { join } from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  CustomerSubnets,
  GatewayPlatform,
  InternalLoadBalancer,
  IpAllowList,
  SecretSource,
  ValidationError,
} from '../../lib';
import { hasProblems } from '../../lib/shared/problems';

const BUNDLE = join(__dirname, 'runtime', 'fixtures', 'bundle');
const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

function platformIn(scope: Construct, publicEgress = false): GatewayPlatform {
  return new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
    ...(publicEgress ? { publicEgress: { subnetsCidrBlock: '10.40.1.0/27', ports: [443] } } : {}),
  });
}

function props(
  platform: GatewayPlatform,
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  return {
    platform,
    customerName: 'acme',
    accountId: '123456789012',
    cidrBlock: '10.40.128.0/24',
    vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
    loadBalancer: {
      certificateArn: CERTIFICATE,
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    backend: { url: 'https://orders.acme.internal:8443/api' },
    security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }),
    runtime: { runtimeBundleDirectory: BUNDLE },
    ...override,
  };
}

function appWithStack(): { app: App; stack: TerraformStack } {
  const app = new App({ outdir: Testing.app().outdir });
  const stack = new TerraformStack(app, 'test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  return { app, stack };
}

/** The ValidationError of one `app.synth()`; fails when the synth throws anything else or nothing. */
function synthError(app: App): ValidationError {
  try {
    app.synth();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the synth to throw a ValidationError');
}

const SIX_MISTAKES: Partial<CustomerBackendLinkProps> = {
  // the scheme: request signing without (request-target)
  security: BackendSecurity.requestSigning({
    keyId: 'k',
    key: SecretSource.fillAfterDeploy(),
    headers: ['host', 'date'],
  }),
  // the backend URL: port 0
  backend: { url: 'https://orders.acme.internal:0/api' },
  // the VPN: a private customer gateway address
  vpn: { customerGatewayIp: '10.1.2.3', onPremCidrs: ['172.20.0.0/16'] },
  loadBalancer: {
    // the load balancer: a certificate of another region
    certificateArn: CERTIFICATE.replace('eu-west-1', 'us-east-1'),
    // the allowed sources: any address, without a reason
    trustedSources: [{ cidr: '0.0.0.0/0' }],
  },
  // the secrets: a wildcard reader
  additionalSecretReaderArns: ['arn:aws:iam::123456789012:role/*'],
};

describe('CustomerBackendLink problems', () => {
  test('GIVEN one customer with six mistakes across its props WHEN the app is synthesized THEN one synth reports all six under the customer, each naming the prop written', () => {
    const { app, stack } = appWithStack();
    const link = new CustomerBackendLink(stack, 'Acme', props(platformIn(stack), SIX_MISTAKES));

    const error = synthError(app);

    expect(error.details.map((d) => d.path)).toEqual(Array(6).fill('test/Acme'));
    // Structured: the prop as the user wrote it (the runtime configuration's field is named in its message).
    expect(error.details.map((d) => d.prop)).toEqual([
      'backend.url',
      'vpn.customerGatewayIp',
      'additionalSecretReaderArns[0]',
      'loadBalancer.certificateArn',
      'loadBalancer.trustedSources[0].cidr',
      '',
    ]);
    expect(error.problems).toEqual([
      '`backend.url` "https://orders.acme.internal:0/api" has port 0; give a port from 1 to 65535 (or none, for the scheme\'s default)',
      '`vpn.customerGatewayIp` "10.1.2.3" is in 10.0.0.0/8, which is not public; give the static public address of the customer\'s VPN device',
      '`additionalSecretReaderArns[0]` "arn:aws:iam::123456789012:role/*" has a wildcard: it would let any matching principal read the secrets; give the ARNs of IAM roles or users',
      '`loadBalancer.certificateArn` "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" is a certificate of us-east-1, but the load balancer is in eu-west-1: an ALB takes ACM certificates of its own region (request or import one there)',
      "`loadBalancer.trustedSources[0].cidr` 0.0.0.0/0 admits any address; declare the gateway tier's ranges, or give `allowAnyAddress` with a reason",
      expect.stringMatching(/^runtime configuration `security\.headers`: .*\(request-target\)/),
    ]);
    expect(error.message).toMatch(/^test\/Acme: 6 problems:\n {2}- `backend\.url`/);
    // Nothing of the link was built.
    expect(link.subnets).toBeUndefined();
    expect(link.node.children).toHaveLength(0);
  });

  test('GIVEN two customers with mistakes in one app WHEN the app is synthesized THEN one synth reports both, grouped by customer', () => {
    const { app, stack } = appWithStack();
    const platform = platformIn(stack);
    new CustomerBackendLink(stack, 'Acme', props(platform, { accountId: '12345' }));
    new CustomerBackendLink(
      stack,
      'Globex',
      props(platform, {
        customerName: 'globex',
        cidrBlock: '10.40.129.0/24',
        vpn: { customerGatewayIp: '85.214.10.21', onPremCidrs: ['172.21.0.0/16'] },
        loadBalancer: { certificateArn: 'not-an-arn', trustedSources: [{ cidr: '10.40.0.64/26' }] },
      }),
    );

    const error = synthError(app);

    expect(error.message).toBe(
      [
        '2 problems in 2 constructs:',
        'test/Acme:',
        '  - `accountId` "12345" is not a 12-digit AWS account id',
        'test/Globex:',
        '  - `loadBalancer.certificateArn` "not-an-arn" is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
      ].join('\n'),
    );
  });

  test("GIVEN two customers, one with a BackendSecurity builder call with two mistakes and one with another mistake WHEN the app is synthesized THEN one synth reports all three, the builder's under `security.`", () => {
    const { app, stack } = appWithStack();
    const platform = platformIn(stack);
    // The builder returns (it used to throw here, before any construct existed, and stop the app).
    const security = BackendSecurity.oauth2ClientCredentials({
      // http:// on port 80, which the backend's port (8443) does not open either
      tokenUrl: 'http://auth.acme.example/token',
      clientId: 'gateway',
      // a secret where a SecretSource belongs
      clientSecret: 'S3cr3t-value' as never,
    });
    const acme = new CustomerBackendLink(stack, 'Acme', props(platform, { security }));
    new CustomerBackendLink(
      stack,
      'Globex',
      props(platform, {
        customerName: 'globex',
        cidrBlock: '10.40.129.0/24',
        vpn: { customerGatewayIp: '85.214.10.21', onPremCidrs: ['172.21.0.0/16'] },
        accountId: '12345',
      }),
    );

    const error = synthError(app);

    // Each mistake once: the runtime configuration's validator and the token endpoint's port check do not
    // report the refused `tokenUrl` again.
    expect(error.message).toBe(
      [
        '3 problems in 2 constructs:',
        'test/Acme:',
        '  - `security.tokenUrl` "http://auth.acme.example" must use https://: credentials and tokens travel over it',
        '  - `security.clientSecret` is a string, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })',
        'test/Globex:',
        '  - `accountId` "12345" is not a 12-digit AWS account id',
      ].join('\n'),
    );
    expect(error.details.map((d) => [d.path, d.prop, d.secret ?? false])).toEqual([
      ['test/Acme', 'security.tokenUrl', false],
      ['test/Acme', 'security.clientSecret', true],
      ['test/Globex', 'accountId', false],
    ]);
    expect(error.message).not.toContain('S3cr3t');
    expect(acme.node.children).toHaveLength(0);
  });

  test('GIVEN a platform with problems of its own THEN the customer reports only its own problems and builds nothing', () => {
    const { app, stack } = appWithStack();
    // The platform reports its own problem and builds nothing: none of its members is set.
    const platform = new GatewayPlatform(stack, 'Platform', {
      name: 'Api Cloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      vpnGateway: {},
    });
    const withMistake = new CustomerBackendLink(stack, 'Acme', props(platform, { customerName: 'Acme' }));
    const sound = new CustomerBackendLink(
      stack,
      'Globex',
      props(platform, {
        customerName: 'globex',
        vpn: { customerGatewayIp: '85.214.10.21', onPremCidrs: ['172.21.0.0/16'] },
      }),
    );

    const error = synthError(app);

    expect(hasProblems(platform)).toBe(true);
    expect(error.details.map((d) => [d.path, d.prop])).toEqual([
      ['test/Platform', 'name'],
      ['test/Acme', 'customerName'],
    ]);
    for (const link of [withMistake, sound]) {
      expect(link.subnets).toBeUndefined();
      expect(link.node.children).toHaveLength(0);
    }
  });

  test("GIVEN a platform with problems of its own THEN a customer still reports its BackendSecurity builder's problems", () => {
    const { app, stack } = appWithStack();
    const platform = new GatewayPlatform(stack, 'Platform', {
      name: 'Api Cloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      vpnGateway: {},
    });
    new CustomerBackendLink(
      stack,
      'Acme',
      props(platform, {
        security: BackendSecurity.token({ token: SecretSource.fillAfterDeploy(), header: 'cookie' }),
      }),
    );

    const error = synthError(app);

    expect(error.details.map((d) => [d.path, d.prop])).toEqual([
      ['test/Platform', 'name'],
      ['test/Acme', 'security.header'],
    ]);
    expect(error.problems[1]).toBe('`security.header` "cookie" can not carry the token: it carries cookies');
  });
});

test('GIVEN subnets with problems THEN the load balancer and an allow list on them build nothing, the allow list reporting its own problems (no TypeError)', () => {
  const { app, stack } = appWithStack();
  const subnets = new CustomerSubnets(stack, 'Subnets', {
    platform: platformIn(stack),
    customerName: 'acme',
    cidrBlock: '10.40.128.1/24',
  });
  const loadBalancer = new InternalLoadBalancer(stack, 'LoadBalancer', {
    subnets,
    certificateArn: CERTIFICATE,
    trustedSources: [{ cidr: '10.40.0.64/26' }],
  });
  const allowList = new IpAllowList(stack, 'AllowList', {
    securityGroupId: 'sg-0123456789abcdef0',
    sources: [{ cidr: '0.0.0.0/0' }],
    subnets,
  });

  const error = synthError(app);

  expect(error.details.map((d) => d.path)).toEqual(['test/Subnets', 'test/AllowList']);
  expect(error.problems[1]).toBe(
    "`sources[0].cidr` 0.0.0.0/0 admits any address; declare the gateway tier's ranges, or give `allowAnyAddress` with a reason",
  );
  expect(loadBalancer.node.children).toHaveLength(0);
  expect(allowList.node.children).toHaveLength(0);
});

describe('the firewall allow-list output', () => {
  type Json = { output: Record<string, { value: unknown; description: string }> };

  test("GIVEN a customer over a VPN THEN its firewall allow-list output holds the customer's subnets", () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(scope, 'Acme', props(platformIn(scope)));
      }),
    ) as Json;
    expect(json.output.acme_firewall_allow_list.value).toEqual(['10.40.128.0/25', '10.40.128.128/25']);
    expect(json.output.acme_firewall_allow_list.description).toContain('its subnets on the platform');
  });

  test("GIVEN a DMZ customer (public endpoint) THEN its firewall allow-list output holds the platform's Elastic IPs of its zones", () => {
    let link!: CustomerBackendLink;
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        link = new CustomerBackendLink(
          scope,
          'Umbrella',
          props(platformIn(scope, true), {
            customerName: 'umbrella',
            vpn: undefined,
            publicEndpoint: { addresses: ['85.214.20.40'] },
            backend: { url: 'https://dmz.umbrella.example/api' },
            security: BackendSecurity.requestSigning({ keyId: 'k', key: SecretSource.fillAfterDeploy() }),
          }),
        );
      }),
    ) as Json;
    const elasticIps = [
      '${aws_eip.Platform_PublicEgress_eu-west-1a_ElasticIp_27F2EF64.public_ip}',
      '${aws_eip.Platform_PublicEgress_eu-west-1b_ElasticIp_183FECD7.public_ip}',
    ];
    expect(json.output.umbrella_firewall_allow_list.value).toEqual(elasticIps);
    expect(json.output.umbrella_firewall_allow_list.description).toBe(
      "The source addresses umbrella's DMZ proxy must allow (the platform's Elastic IPs of its zones): nothing else calls its public endpoint",
    );
    // The same addresses as the handoff's, from the allow list's typed member.
    expect(link.loadBalancer.allowList.customerFirewallAllowList).toHaveLength(2);
  });
});
