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
    const names = Object.values(json.resource.aws_secretsmanager_secret).map((s) => s.name);
    expect(names.sort()).toEqual([
      'backend-link/apicloud/acme/client-certificate',
      'backend-link/apicloud/acme/credentials',
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
    const role = GatewayFunction.roleArnFor('apicloud', 'acme', '123456789012');
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

  test.each<[string, Partial<CustomerBackendLinkProps>, string[]]>([
    [
      'there is neither a VPN nor backend blocks',
      { vpn: undefined },
      ['give `backend.cidrs` (the blocks the backend lives in) when there is no `vpn`'],
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
