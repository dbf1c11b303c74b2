import { join } from 'node:path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayFunction,
  GatewayPlatform,
  SecretSource,
} from '../../lib';
import { testStack, validationErrorOf } from '../support/constructs';

const BUNDLE = join(__dirname, 'runtime', 'fixtures', 'bundle');
const EXISTING_TOKEN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-token-AbCdEf';

function platformIn(scope: Construct): GatewayPlatform {
  return new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
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
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    backend: { url: 'https://orders.acme.internal:8443/api' },
    security: BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) })
      .withMutualTls({ clientCertificate: SecretSource.fillAfterDeploy() })
      .withTrustedSources({ cidrs: ['10.40.0.64/26'] }),
    runtime: { runtimeBundleDirectory: BUNDLE },
    deployerPrincipalArn: 'arn:aws:iam::123456789012:role/terraform-deploy',
    ...override,
  };
}

type Json = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown }>;
};

describe('CustomerBackendLink', () => {
  let link!: CustomerBackendLink;
  const synthesized = Testing.synthScope((scope) => {
    link = new CustomerBackendLink(scope, 'Acme', props(platformIn(scope)));
  });
  const json = JSON.parse(synthesized) as Json;

  it('creates the customer’s subnets, VPN, secrets, function and load balancer', () => {
    for (const type of [
      'aws_subnet',
      'aws_vpn_connection',
      'aws_secretsmanager_secret',
      'aws_kms_key',
      'aws_lambda_function',
      'aws_lb',
      'aws_lb_listener',
    ]) {
      expect({ type, present: type in json.resource }).toEqual({ type, present: true });
    }
    expect(Object.keys(json.resource.aws_lambda_function)).toHaveLength(1);
  });

  it('creates one secret per piece of the scheme’s material', () => {
    // Named by prefix (day two: a re-created secret does not wait out the recovery window).
    const names = Object.values(json.resource.aws_secretsmanager_secret).map((s) => s.name_prefix);
    expect(names.sort()).toEqual([
      'backend-link/apicloud/acme/client-certificate-',
      'backend-link/apicloud/acme/credentials-',
    ]);
  });

  it('writes a runtime configuration whose secret references are the created secrets', () => {
    const fn = Object.values(json.resource.aws_lambda_function)[0] as {
      environment: { variables: Record<string, string> };
    };
    const config = JSON.parse(fn.environment.variables.GATEWAY_CONFIG);
    expect(config).toMatchObject({
      version: 1,
      name: 'acme',
      backend: { url: 'https://orders.acme.internal:8443/api' },
      security: {
        type: 'digest',
        username: {
          secretArn: expect.stringMatching(
            /^\$\{aws_secretsmanager_secret\.Acme_Secrets_credentials_.*\.arn\}$/,
          ),
          jsonKey: 'username',
        },
        password: { jsonKey: 'password' },
      },
      trustedSources: { cidrs: ['10.40.0.64/26'] },
    });
    expect(config.backend.tls.clientCertificate.cert.secretArn).toMatch(
      /aws_secretsmanager_secret\.Acme_Secrets_client-certificate_/,
    );
    expect(link.runtimeConfig.security.type).toBe('digest');
  });

  it('lets only its own runtime role read the secrets (and the deployer the write-only one), and creates the key after the role exists', () => {
    const role = GatewayFunction.roleArnFor('apicloud', 'acme', '123456789012', 'aws', 'eu-west-1');
    const conditions = Object.fromEntries(
      Object.entries(json.resource.aws_secretsmanager_secret_policy)
        .filter(([id]) => id.startsWith('Acme_Secrets_'))
        .map(([id, policy]) => [
          id.replace(/^Acme_Secrets_(.*)_Policy_[0-9A-F]{8}$/, '$1'),
          JSON.parse(policy.policy as string).Statement[0].Condition,
        ]),
    );
    expect(conditions).toEqual({
      credentials: {
        StringNotEquals: { 'aws:PrincipalArn': [role, 'arn:aws:iam::123456789012:role/terraform-deploy'] },
      },
      'client-certificate': { StringNotEquals: { 'aws:PrincipalArn': [role] } },
    });
    const key = Object.entries(json.resource.aws_kms_key).find(([id]) => id.startsWith('Acme_Secrets'))![1];
    expect(key.depends_on).toEqual([expect.stringMatching(/^aws_iam_role\.Acme_Gateway_Role_/)]);
  });

  it('sends the load balancer’s default action to the function’s target group', () => {
    expect(synthesized).toHaveResourceWithProperties(LbListener, {
      default_action: [
        expect.objectContaining({
          type: 'forward',
          target_group_arn: expect.stringContaining('aws_lb_target_group.Acme_Gateway_TargetGroup'),
        }),
      ],
    });
  });

  it('lets the function reach the backend port and the Secrets Manager endpoint only', () => {
    const rules = Object.values(json.resource.aws_vpc_security_group_egress_rule).filter((r) =>
      String(r.security_group_id).includes('Acme_Gateway'),
    );
    expect(rules.map((r) => [r.cidr_ipv4 ?? 'endpoint-sg', r.from_port])).toEqual([
      ['172.20.0.0/16', 8443],
      ['endpoint-sg', 443],
    ]);
    expect(String(rules[1].referenced_security_group_id)).toContain(
      'aws_security_group.Platform_Endpoints_SecurityGroup',
    );
  });

  it('outputs the customer handoff, without secret values', () => {
    expect(json.output.acme_handoff.value).toMatchObject({
      customer: 'acme',
      backend_url: 'https://orders.acme.internal:8443/api',
      security: { scheme: 'HTTP Digest authentication (RFC 7616)' },
      mutual_tls: { servername: 'orders.acme.internal' },
      trusted_sources: ['10.40.0.64/26'],
      source_cidrs: ['10.40.128.0/25', '10.40.128.128/25'],
      fill_after_deploy: ['client-certificate'],
    });
  });

  it('matches the snapshot', () => {
    expect(synthesized).toMatchSnapshot();
  });

  it('GIVEN an existing secret THEN it creates none for it and lets the role read that ARN', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platformIn(scope), {
            security: BackendSecurity.token({
              token: SecretSource.fromExistingSecret(EXISTING_TOKEN),
              header: 'x-api-key',
            }),
          }),
        );
      }),
    ) as Json;
    expect(out.resource.aws_secretsmanager_secret).toBeUndefined();
    const policy = JSON.parse(Object.values(out.resource.aws_iam_role_policy)[0].policy as string);
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'ReadOwnSecrets').Resource).toEqual([
      EXISTING_TOKEN,
    ]);
  });

  it('GIVEN no VPN THEN it opens the network ACL to the declared backend blocks itself', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platformIn(scope), {
            vpn: undefined,
            backend: { url: 'https://10.99.0.10', cidrs: ['10.99.0.0/24'] },
          }),
        );
      }),
    ) as Json;
    expect(out.resource.aws_vpn_connection).toBeUndefined();
    const backendRules = Object.values(out.resource.aws_network_acl_rule).filter(
      (r) => r.cidr_block === '10.99.0.0/24',
    );
    expect(backendRules.map((r) => [r.egress, r.from_port, r.to_port])).toEqual([
      [true, 443, 443],
      [false, 1024, 65535],
    ]);
  });

  it('GIVEN an additional destination on another port inside the VPN ranges THEN the network ACL lets it out (regression: only the security group was opened)', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platformIn(scope), {
            backend: {
              url: 'https://orders.acme.internal:8443/api',
              additionalEgress: [{ cidr: '172.20.5.10/32', port: 9443, description: 'token endpoint' }],
            },
          }),
        );
      }),
    ) as Json;
    const rules = Object.entries(out.resource.aws_network_acl_rule)
      .filter(([id]) => id.includes('AdditionalEgress'))
      .map(([, r]) => [r.egress, r.cidr_block, r.from_port, r.to_port]);
    // Out on 9443; the replies come in through the VPN range's entry (172.20.0.0/16, 1024-65535).
    expect(rules).toEqual([[true, '172.20.5.10/32', 9443, 9443]]);
    const replies = Object.values(out.resource.aws_network_acl_rule).filter(
      (r) => r.egress === false && r.cidr_block === '172.20.0.0/16',
    );
    expect(replies.map((r) => [r.from_port, r.to_port])).toEqual([[1024, 65535]]);
    const egress = Object.values(out.resource.aws_vpc_security_group_egress_rule).map((r) => [
      r.cidr_ipv4,
      r.from_port,
    ]);
    expect(egress).toContainEqual(['172.20.5.10/32', 9443]);
  });

  it('GIVEN an additional destination on the backend port inside the VPN ranges THEN no entry is added twice', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platformIn(scope), {
            backend: {
              url: 'https://orders.acme.internal:8443/api',
              additionalEgress: [{ cidr: '172.20.5.10/32', port: 8443 }],
            },
          }),
        );
      }),
    ) as Json;
    expect(
      Object.keys(out.resource.aws_network_acl_rule).filter((id) => id.includes('AdditionalEgress')),
    ).toEqual([]);
  });

  it('GIVEN no VPN and an additional destination THEN the network ACL opens it both ways', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platformIn(scope), {
            vpn: undefined,
            backend: {
              url: 'https://10.99.0.10',
              cidrs: ['10.99.0.0/24'],
              additionalEgress: [{ cidr: '10.98.0.7/32', port: 8443 }],
            },
          }),
        );
      }),
    ) as Json;
    const rules = Object.values(out.resource.aws_network_acl_rule)
      .filter((r) => r.cidr_block === '10.98.0.7/32')
      .map((r) => [r.egress, r.from_port, r.to_port]);
    expect(rules).toEqual([
      [true, 8443, 8443],
      [false, 1024, 65535],
    ]);
  });

  it('tells the customer every destination and port the gateway uses, the token endpoint included', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platformIn(scope), {
            backend: {
              url: 'https://orders.acme.internal:8443/api',
              additionalEgress: [{ cidr: '172.20.5.10/32', port: 443, description: 'acme token endpoint' }],
            },
            security: BackendSecurity.oauth2ClientCredentials({
              tokenUrl: 'https://login.acme.internal/oauth2/token',
              clientId: 'gateway',
              clientSecret: SecretSource.fillAfterDeploy(),
            }),
          }),
        );
      }),
    ) as Json;
    expect((out.output.acme_handoff.value as { destinations: unknown }).destinations).toEqual([
      { what: 'backend', host: 'orders.acme.internal', cidrs: ['172.20.0.0/16'], port: 8443 },
      { what: 'OAuth 2.0 token endpoint', host: 'login.acme.internal', cidrs: ['172.20.5.10/32'], port: 443 },
      { what: 'acme token endpoint', cidrs: ['172.20.5.10/32'], port: 443 },
    ]);
  });

  test.each<[string, Partial<CustomerBackendLinkProps>, string[]]>([
    [
      'an additional destination lies outside the VPN ranges (the link can not carry it)',
      {
        backend: {
          url: 'https://orders.acme.internal:8443/api',
          additionalEgress: [{ cidr: '203.0.113.10/32', port: 443 }],
        },
      },
      [
        "`backend.additionalEgress[0].cidr` 203.0.113.10/32 is outside `vpn.onPremCidrs` (172.20.0.0/16): the customer's route table sends only those ranges over the VPN, so nothing would reach it. Add its range to `vpn.onPremCidrs` (the customer must route it too), or remove it",
      ],
    ],
    [
      'a backend block lies outside the VPN ranges',
      { backend: { url: 'https://orders.acme.internal:8443/api', cidrs: ['172.21.0.0/24'] } },
      [
        "`backend.cidrs[0]` 172.21.0.0/24 is outside `vpn.onPremCidrs` (172.20.0.0/16): the customer's route table sends only those ranges over the VPN, so nothing would reach it. Add its range to `vpn.onPremCidrs` (the customer must route it too), or remove it",
      ],
    ],
    [
      'an additional destination is everywhere',
      {
        vpn: undefined,
        backend: {
          url: 'https://10.99.0.10',
          cidrs: ['10.99.0.0/24'],
          additionalEgress: [{ cidr: '0.0.0.0/0', port: 443 }],
        },
      },
      ['`backend.additionalEgress[0].cidr` 0.0.0.0/0 would open egress to everywhere'],
    ],
    [
      'the token endpoint is on a port no destination opens',
      {
        security: BackendSecurity.oauth2ClientCredentials({
          tokenUrl: 'https://login.acme.internal:9443/oauth2/token',
          clientId: 'gateway',
          clientSecret: SecretSource.fillAfterDeploy(),
        }),
      },
      [
        "the OAuth 2.0 token endpoint login.acme.internal:9443 is reached on port 9443, which no destination opens (the backend's port is 8443); add `backend.additionalEgress` { cidr: <its address>/32, port: 9443 }",
      ],
    ],
    [
      'the customer name is empty (reported as the prop written, not the runtime’s `name`)',
      { customerName: '' },
      [
        '`customerName` "" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
      ],
    ],
    [
      'the VPN lists no on-premises range (there is a VPN)',
      { vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: [] } },
      ["`vpn.onPremCidrs` is empty; list the customer's on-premises ranges the backend lives in"],
    ],
    [
      'the backend blocks are given empty',
      { backend: { url: 'https://orders.acme.internal:8443/api', cidrs: [] } },
      [
        '`backend.cidrs` is empty; list the blocks the backend lives in, or leave it out to use `vpn.onPremCidrs`',
      ],
    ],
    [
      'the backend URL has port 0 (reported against the URL, not an internal prop)',
      { backend: { url: 'https://orders.acme.internal:0/api' } },
      [
        '`backend.url` "https://orders.acme.internal:0/api" has port 0; give a port from 1 to 65535 (or none, for the scheme\'s default)',
      ],
    ],
    [
      'an additional destination has port 0',
      {
        backend: {
          url: 'https://orders.acme.internal:8443/api',
          additionalEgress: [{ cidr: '172.20.5.10/32', port: 0 }],
        },
      },
      ['`backend.additionalEgress[0].port` 0 is not a port (an integer from 1 to 65535)'],
    ],
    [
      'an additional secret reader is a wildcard',
      { additionalSecretReaderArns: ['*'] },
      [
        '`additionalSecretReaderArns[0]` "*" has a wildcard: it would let any matching principal read the secrets; give the ARNs of IAM roles or users',
      ],
    ],
    [
      'an additional secret reader is not an ARN',
      { additionalSecretReaderArns: ['deployer'] },
      [
        '`additionalSecretReaderArns[0]` "deployer" is not an IAM role, user or account ARN (arn:aws:iam::<account>:role/<name>)',
      ],
    ],
    [
      'the architecture is not one Lambda has',
      { runtime: { runtimeBundleDirectory: BUNDLE, architecture: 'sparc' as 'arm64' } },
      ['`runtime.architecture` "sparc" is not a Lambda architecture (arm64, x86_64)'],
    ],
    [
      'the headers timeout is above the function timeout',
      { runtime: { runtimeBundleDirectory: BUNDLE, timeoutSeconds: 30, timeouts: { headersMs: 60_000 } } },
      [
        "`runtime.timeouts.headersMs` 60000 is not below the function's timeout of 30 s (`runtime.timeoutSeconds`): Lambda would end the invocation first; use less than 30000, or raise the timeout",
      ],
    ],
    [
      'a body limit is 10^12 bytes',
      { runtime: { runtimeBundleDirectory: BUNDLE, limits: { maxRequestBodyBytes: 1e12 } } },
      [
        '`runtime.limits.maxRequestBodyBytes` 1000000000000 is above the 1000000 bytes an ALB passes to or from a Lambda function; use at most 1000000',
      ],
    ],
    [
      'no hop is trusted behind the load balancer',
      {
        security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }).withTrustedSources({
          cidrs: ['10.40.0.64/26'],
          trustedHops: 0,
        }),
      },
      [
        "`security.withTrustedSources({ trustedHops })` 0 would refuse every request behind the load balancer: the ALB appends the caller's address to X-Forwarded-For, one hop; use 1 (the default) or more",
      ],
    ],
    [
      'the runtime bundle directory does not exist',
      { runtime: { runtimeBundleDirectory: '/nonexistent/bundle' } },
      [
        '`runtime.runtimeBundleDirectory` "/nonexistent/bundle" is not a directory; build one with `npm run build:runtime -- DIR` in a clone of backend-link, or leave the prop out to deploy the bundle the package ships',
      ],
    ],
    [
      'the runtime bundle directory holds no index.js',
      { runtime: { runtimeBundleDirectory: __dirname } },
      [
        `\`runtime.runtimeBundleDirectory\` "${__dirname}" holds no index.js; build one with \`npm run build:runtime -- DIR\` in a clone of backend-link, or leave the prop out to deploy the bundle the package ships`,
      ],
    ],
    [
      'the certificate is of another region than the load balancer',
      {
        loadBalancer: {
          certificateArn:
            'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
          trustedSources: [{ cidr: '10.40.0.64/26' }],
        },
      },
      [
        '`loadBalancer.certificateArn` "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" is a certificate of us-east-1, but the load balancer is in eu-west-1: an ALB takes ACM certificates of its own region (request or import one there)',
      ],
    ],
    [
      'the VPN’s customer gateway address is private (reported under `vpn.`)',
      { vpn: { customerGatewayIp: '10.1.2.3', onPremCidrs: ['172.20.0.0/16'] } },
      [
        '`vpn.customerGatewayIp` "10.1.2.3" is in 10.0.0.0/8, which is not public; give the static public address of the customer\'s VPN device',
      ],
    ],
    [
      'there is neither a VPN nor backend blocks',
      { vpn: undefined },
      [
        'give `backend.cidrs` (the blocks the backend lives in) when there is no `vpn`, `publicEndpoint`, `resourceEndpoint` or `privateLinkEndpoint`',
      ],
    ],
    [
      'the backend URL is not a URL',
      { backend: { url: 'orders.acme.internal' } },
      ['runtime configuration `backend.url`: "orders.acme.internal" is not an absolute URL'],
    ],
  ])('fails when %s', (_case, override, problems) => {
    const stack = testStack();
    const error = validationErrorOf(
      () => new CustomerBackendLink(stack, 'Acme', props(platformIn(stack), override)),
    );
    expect(error.problems).toEqual(problems);
    expect(error.constructPath).toBe('test/Acme');
  });

  test.each<[string, (platform: GatewayPlatform) => unknown, string[]]>([
    [
      'no props at all are given',
      () => undefined,
      [
        'props are required (`platform`, `customerName`, `accountId`, `cidrBlock`, `loadBalancer`, `backend`, `security`)',
      ],
    ],
    [
      'required props are missing',
      (platform) => ({ platform, customerName: 'acme', backend: {}, loadBalancer: {} }),
      [
        '`accountId` is required',
        '`cidrBlock` is required',
        '`loadBalancer.certificateArn` is required',
        '`loadBalancer.trustedSources` is required',
        '`backend.url` is required',
        '`security` is required',
      ],
    ],
    [
      'a VPN is given without its ranges',
      (platform) => ({ ...props(platform), vpn: { customerGatewayIp: '85.214.10.20' } }),
      ['`vpn.onPremCidrs` is required'],
    ],
    [
      'regression: `security` is a plain object whose secret is a string (it bypassed the builders’ checks)',
      (platform) => ({
        ...props(platform),
        security: { type: 'basic', secretRequirements: [{ name: 'credentials', source: 'S3cr3t' }] },
      }),
      [
        '`security` is not a BackendSecurity (the value is not shown): build it with BackendSecurity.basic(...), .digest, .token, .requestSigning, .oauth2ClientCredentials, .messageSignature, .sigV4 or .none()',
      ],
    ],
  ])(
    'fails for JavaScript callers when %s, with a ValidationError instead of a TypeError',
    (_case, make, problems) => {
      const stack = testStack();
      const platform = platformIn(stack);
      const error = validationErrorOf(
        () => new CustomerBackendLink(stack, 'Acme', make(platform) as CustomerBackendLinkProps),
      );
      expect(error.constructPath).toBe('test/Acme');
      if (problems.length > 0) expect(error.problems).toEqual(problems);
      else
        expect(error.problems).toEqual([
          'props are required (`platform`, `customerName`, `accountId`, `cidrBlock`, `loadBalancer`, `backend`, `security`)',
        ]);
    },
  );

  it('fails when the runtime configuration is over Lambda’s 4 KB environment, as the link’s own problem', () => {
    const stack = testStack();
    const cidrs = Array.from({ length: 120 }, (_, i) => `10.40.${i}.0/24`);
    const error = validationErrorOf(
      () =>
        new CustomerBackendLink(
          stack,
          'Acme',
          props(platformIn(stack), {
            backend: { url: `https://orders.acme.internal:8443/${'p'.repeat(1500)}` },
            security: BackendSecurity.digest({
              credentials: SecretSource.fillAfterDeploy(),
            }).withTrustedSources({
              cidrs,
            }),
          }),
        ),
    );
    expect(error.constructPath).toBe('test/Acme');
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^the runtime configuration makes the function's environment \d{4} bytes with every secret ARN at its longest real form; Lambda allows 4096 bytes for all variables \(measured as JSON\)\. Shorten the largest values: backend\.url \(1536 bytes\), security\.username\.secretArn \(\d+ bytes\), security\.password\.secretArn \(\d+ bytes\) \(for secret ARNs: shorter secret names, or fewer secrets\)$/,
      ),
    ]);
  });

  it('fails when the runtime configuration is invalid, naming the field (the runtime’s own validator)', () => {
    const stack = testStack();
    const platform = platformIn(stack);
    const error = validationErrorOf(
      () =>
        new CustomerBackendLink(
          stack,
          'Acme',
          props(platform, {
            security: BackendSecurity.requestSigning({
              keyId: 'k',
              key: SecretSource.fillAfterDeploy(),
              headers: ['host', 'date'],
            }),
          }),
        ),
    );
    // Checked before anything is created: the error is the link's own, and the customer is not registered.
    expect(error.constructPath).toBe('test/Acme');
    expect(error.problems).toEqual([
      expect.stringMatching(/^runtime configuration `security\.headers`: .*\(request-target\)/),
    ]);
    expect(platform.customers).toEqual([]);
  });
});
