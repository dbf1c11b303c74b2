/**
 * Day two, at synth: the everyday changes of a platform's life leave every other customer's resources, and
 * the platform stack, as they were. Each test builds version 1 and version 2 of an app and compares what
 * Terraform would see (addresses and the attributes that force replacement); the plans of version 2
 * against a state derived from version 1 are in test/change-safety. Numbers refer to issue 18's points.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  GatewayPlatformProps,
  SecretSource,
} from '../../lib';
import { testStack, validationErrorOf } from '../support/constructs';
import { decide } from '../support/iam-simulate';

const BUNDLE = join(__dirname, 'runtime', 'fixtures', 'bundle');
const ACCOUNT = '123456789012';

type Json = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  locals?: Record<string, unknown>;
};

function platformProps(overrides: Partial<GatewayPlatformProps> = {}): GatewayPlatformProps {
  return {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    transitGateway: { attachmentSubnetsCidrBlock: '10.40.0.0/27' },
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
    publicEgress: { subnetsCidrBlock: '10.40.1.0/27' },
    ...overrides,
  };
}

/** The customers of these tests: acme (VGW), globex (TGW), umbrella (public DMZ endpoint). */
function customer(
  platform: GatewayPlatform,
  name: 'acme' | 'globex' | 'umbrella',
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  const common = {
    platform,
    accountId: ACCOUNT,
    loadBalancer: {
      certificateArn: `arn:aws:acm:eu-west-1:${ACCOUNT}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`,
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    runtime: { runtimeBundleDirectory: BUNDLE },
    security: BackendSecurity.token({ token: SecretSource.fillAfterDeploy() }),
  };
  const byName: Record<typeof name, CustomerBackendLinkProps> = {
    acme: {
      ...common,
      customerName: 'acme',
      cidrBlock: '10.40.128.0/24',
      vpn: { attachment: 'vpn-gateway', customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
      backend: { url: 'https://orders.acme.internal:8443/api' },
    },
    globex: {
      ...common,
      customerName: 'globex',
      cidrBlock: '10.40.129.0/24',
      vpn: {
        attachment: 'transit-gateway',
        customerGatewayIp: '91.198.174.192',
        onPremCidrs: ['192.168.50.0/24'],
      },
      backend: { url: 'https://api.globex.internal/v2' },
    },
    umbrella: {
      ...common,
      customerName: 'umbrella',
      cidrBlock: '10.40.132.0/24',
      publicEndpoint: { addresses: ['85.214.20.40'] },
      backend: { url: 'https://dmz.umbrella.example/api' },
      security: BackendSecurity.token({ token: SecretSource.fillAfterDeploy() }).withMutualTls({
        clientCertificate: SecretSource.fillAfterDeploy(),
      }),
    },
  };
  return { ...byName[name], ...override };
}

/** One stack: the platform and the given customers. */
function oneStack(
  customers: ReadonlyArray<
    [name: 'acme' | 'globex' | 'umbrella', override?: Partial<CustomerBackendLinkProps>]
  >,
  platformOverrides: Partial<GatewayPlatformProps> = {},
): Json {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const platform = new GatewayPlatform(scope, 'Platform', platformProps(platformOverrides));
      for (const [name, override] of customers) {
        new CustomerBackendLink(scope, name, customer(platform, name, override));
      }
    }),
  ) as Json;
}

/** Every network ACL rule: address → "direction protocol ports cidr #number". */
function aclRules(json: Json): Record<string, string> {
  return Object.fromEntries(
    Object.entries(json.resource.aws_network_acl_rule ?? {}).map(([id, r]) => [
      id,
      `${r.egress ? 'out' : 'in'} ${r.protocol} ${r.from_port}-${r.to_port} ${r.cidr_block} #${r.rule_number}`,
    ]),
  );
}

/** Every resource: `type.id` → its JSON without the construct metadata. */
function resources(json: Json): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [type, byId] of Object.entries(json.resource)) {
    for (const [id, value] of Object.entries(byId)) {
      const { ['//']: _metadata, ...rest } = value;
      out[`${type}.${id}`] = JSON.stringify(rest);
    }
  }
  return out;
}

/** The entries of `before` whose value differs, or that are gone, in `after`. */
function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((k) => after[k] !== before[k]);
}

describe('day two, at synth', () => {
  describe('1. network ACL rule numbers and construct ids come from stable keys', () => {
    test('GIVEN acme WHEN it gains backend.dns THEN none of its existing rules changes number or address; the new ones take the DNS band', () => {
      const before = aclRules(oneStack([['acme']]));
      const after = aclRules(
        oneStack([
          [
            'acme',
            { backend: { url: 'https://orders.acme.internal:8443/api', dns: { servers: ['172.20.0.53'] } } },
          ],
        ]),
      );

      expect(changed(before, after)).toEqual([]);
      const added = Object.keys(after).filter((k) => !(k in before));
      expect(added).toHaveLength(4); // UDP and TCP, out and the replies
      for (const id of added) expect(Number(after[id].split('#')[1])).toBeGreaterThanOrEqual(15000);
      for (const id of added) expect(Number(after[id].split('#')[1])).toBeLessThan(18000);
    });

    test('GIVEN acme WHEN it gains an on-premises range and an additional destination THEN its existing rules and security-group rules stay', () => {
      const v1 = oneStack([['acme']]);
      const v2 = oneStack([
        [
          'acme',
          {
            vpn: {
              attachment: 'vpn-gateway',
              customerGatewayIp: '85.214.10.20',
              onPremCidrs: ['172.16.0.0/16', '172.20.0.0/16'],
            },
            backend: {
              url: 'https://orders.acme.internal:8443/api',
              cidrs: ['172.20.0.0/16'],
              additionalEgress: [{ cidr: '172.16.5.10/32', port: 443, description: 'token endpoint' }],
            },
          },
        ],
      ]);
      const sg = (json: Json) =>
        Object.fromEntries(
          Object.entries(json.resource.aws_vpc_security_group_egress_rule ?? {}).map(([id, r]) => [
            id,
            `${r.cidr_ipv4 ?? r.referenced_security_group_id} ${r.from_port}`,
          ]),
        );
      expect(changed(aclRules(v1), aclRules(v2))).toEqual([]);
      expect(changed(sg(v1), sg(v2))).toEqual([]);
    });

    test('GIVEN three customers WHEN one of each kind is removed THEN no resource of the others, nor of the platform, changes', () => {
      const all = resources(oneStack([['acme'], ['globex'], ['umbrella']]));
      for (const gone of ['acme', 'globex', 'umbrella'] as const) {
        const rest = resources(
          oneStack((['acme', 'globex', 'umbrella'] as const).filter((n) => n !== gone).map((n) => [n])),
        );
        const kept = Object.keys(all).filter((k) => !k.split('.')[1].startsWith(`${gone}_`));
        expect({ gone, changed: kept.filter((k) => rest[k] !== all[k]) }).toEqual({ gone, changed: [] });
      }
    });
  });

  test('2. GIVEN publicEgress WHEN the last public customer leaves THEN the NAT gateways and Elastic IPs stay', () => {
    const withUmbrella = resources(oneStack([['acme'], ['umbrella']]));
    const without = resources(oneStack([['acme']]));
    const path = Object.keys(withUmbrella).filter((k) => k.includes('Platform_PublicEgress_'));
    expect(path.filter((k) => k.startsWith('aws_eip.') || k.startsWith('aws_nat_gateway.'))).toHaveLength(4);
    expect(path.filter((k) => without[k] !== withUmbrella[k])).toEqual([]);
  });

  describe('3. the platform stack publishes one contract, whatever its customers', () => {
    function twoStacks(names: ReadonlyArray<'acme' | 'globex' | 'umbrella'>): {
      platform: Json;
      customers: Json[];
    } {
      // Synthesized as cdktf writes an app: cross-stack references are wired while the app synthesizes.
      const outdir = mkdtempSync(join(tmpdir(), 'day-two-'));
      const app = new App({ outdir });
      const platformStack = new TerraformStack(app, 'platform');
      new AwsProvider(platformStack, 'aws', { region: 'eu-west-1' });
      const platform = new GatewayPlatform(platformStack, 'Platform', platformProps());
      const stacks = names.map((name) => {
        const stack = new TerraformStack(app, `customer-${name}`);
        new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
        new CustomerBackendLink(stack, 'Link', customer(platform, name));
        return stack;
      });
      app.synth();
      const read = (stack: TerraformStack) =>
        JSON.parse(readFileSync(join(outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8')) as Json;
      const result = { platform: read(platformStack), customers: stacks.map(read) };
      rmSync(outdir, { recursive: true, force: true });
      return result;
    }

    test('GIVEN the first transit-gateway and the first public customer WHEN they join THEN the platform stack is unchanged', () => {
      const alone = twoStacks(['acme']);
      const all = twoStacks(['acme', 'globex', 'umbrella']);
      expect(JSON.stringify(all.platform)).toEqual(JSON.stringify(alone.platform));
      expect(
        Object.keys(all.platform.output ?? {}).filter((o) => o.startsWith('cross-stack-output-')),
      ).toEqual(['cross-stack-output-localPlatform_Contract_FE204F84']);
    });

    test('GIVEN a public customer in its own stack THEN its routes read the NAT gateways from the contract, with no depends_on', () => {
      const { customers } = twoStacks(['umbrella']);
      const routes = Object.values(customers[0].resource.aws_route);
      expect(routes).toHaveLength(2);
      for (const route of routes) {
        expect(route.depends_on).toBeUndefined();
        expect(String(route.nat_gateway_id)).toMatch(
          /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-platform\.outputs\.cross-stack-output-localPlatform_Contract_FE204F84\.publicEgress\.zones\["eu-west-1[ab]"\]\.natGatewayId\}$/,
        );
      }
    });

    test('fails when a customer needs what the platform does not offer, naming the platform prop', () => {
      const stack = testStack();
      const platform = new GatewayPlatform(stack, 'Platform', platformProps({ transitGateway: undefined }));
      const error = validationErrorOf(
        () => new CustomerBackendLink(stack, 'globex', customer(platform, 'globex')),
      );
      expect(error.problems).toEqual([
        'platform "apicloud" has no transit gateway for customer "globex"; give the platform `transitGateway` or use `attachment: \'vpn-gateway\'`',
      ]);
    });
  });

  test('6. GIVEN the same platform name in two regions THEN the account-wide IAM role names differ', () => {
    const roleNames = (region: string) => {
      const app = Testing.app();
      const stack = new TerraformStack(app, 'stack');
      new AwsProvider(stack, 'aws', { region });
      const platform = new GatewayPlatform(
        stack,
        'Platform',
        platformProps({ availabilityZones: [`${region}a`, `${region}b`], publicEgress: undefined }),
      );
      new CustomerBackendLink(stack, 'acme', {
        ...customer(platform, 'acme'),
        loadBalancer: {
          certificateArn: `arn:aws:acm:${region}:${ACCOUNT}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`,
          trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
        },
      });
      const json = JSON.parse(Testing.synth(stack)) as Json;
      return Object.values(json.resource.aws_iam_role).map((r) => r.name as string);
    };
    const ireland = roleNames('eu-west-1');
    const frankfurt = roleNames('eu-central-1');
    expect(ireland.sort()).toEqual(['apicloud-acme-euw1-flow-logs', 'apicloud-acme-euw1-gateway']);
    expect(frankfurt.sort()).toEqual(['apicloud-acme-euc1-flow-logs', 'apicloud-acme-euc1-gateway']);
  });

  describe('7. customer gateways', () => {
    test('GIVEN staging and prod in one app, behind one device THEN two customer gateways with different device names', () => {
      const app = Testing.app();
      const names = ['staging', 'prod'].map((name, i) => {
        const stack = new TerraformStack(app, name);
        new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
        const platform = new GatewayPlatform(
          stack,
          'Platform',
          platformProps({
            name,
            vpcProps: { cidrBlock: `10.${40 + i}.0.0/16` },
            customerAddressPool: `10.${40 + i}.128.0/17`,
            transitGateway: undefined,
            interfaceEndpoints: undefined,
            publicEgress: undefined,
          }),
        );
        new CustomerBackendLink(stack, 'acme', {
          ...customer(platform, 'acme'),
          cidrBlock: `10.${40 + i}.128.0/24`,
        });
        const json = JSON.parse(Testing.synth(stack)) as Json;
        return Object.values(json.resource.aws_customer_gateway).map((c) => [c.ip_address, c.device_name]);
      });
      expect(names).toEqual([[['85.214.10.20', 'staging-acme']], [['85.214.10.20', 'prod-acme']]]);
    });

    test('fails when two customers of one app name one device (address and ASN)', () => {
      const stack = testStack();
      const platform = new GatewayPlatform(stack, 'Platform', platformProps());
      new CustomerBackendLink(stack, 'acme', customer(platform, 'acme'));
      const error = validationErrorOf(
        () =>
          new CustomerBackendLink(stack, 'globex', {
            ...customer(platform, 'globex'),
            vpn: {
              attachment: 'transit-gateway',
              customerGatewayIp: '85.214.10.20',
              onPremCidrs: ['192.168.50.0/24'],
            },
          }),
      );
      expect(error.problems).toEqual([
        '`vpn.customerGatewayIp` 85.214.10.20 with BGP ASN 65000 is also customer "acme"\'s device (test/acme/Vpn): AWS keeps one customer gateway per type, address, ASN and device name, so two customers behind one device would share it. Give each customer its own device (address or ASN), or model them as one customer',
      ]);
    });
  });

  describe('8. an imported platform', () => {
    const attributes = {
      name: 'apicloud',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      vpcCidrBlocks: ['10.40.0.0/16'],
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      alarmTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:apicloud-alarms`,
      vpnGateway: { vpnGatewayId: 'vgw-0a1b2c3d4e5f60718' },
      endpointsSecurityGroupId: 'sg-0a1b2c3d4e5f60718',
      endpointSubnetCidrBlocks: ['10.40.0.32/28', '10.40.0.48/28'],
      partition: 'aws' as const,
      quotas: { loadBalancersPerRegion: 200 },
    };

    test('GIVEN the endpoint subnets among the attributes THEN the customer network ACL opens 443 to those blocks only, not the VPC', () => {
      const json = JSON.parse(
        Testing.synthScope((scope) => {
          const platform = GatewayPlatform.fromAttributes(scope, 'Platform', attributes);
          new CustomerBackendLink(scope, 'acme', customer(platform, 'acme'));
        }),
      ) as Json;
      const to443 = Object.values(json.resource.aws_network_acl_rule)
        .filter((r) => r.egress === true && r.from_port === 443)
        .map((r) => r.cidr_block);
      expect(to443.sort()).toEqual(['10.40.0.32/27']);
    });

    test('GIVEN declared quotas among the attributes THEN the imported platform checks against them', () => {
      const stack = testStack();
      const platform = GatewayPlatform.fromAttributes(stack, 'Platform', attributes);
      expect(platform.quotas.loadBalancersPerRegion).toBe(200);
      expect(platform.partition).toBe('aws');
    });

    test('fails when an attribute block lies outside the VPC or the partition does not match the region', () => {
      const error = validationErrorOf(() =>
        GatewayPlatform.fromAttributes(testStack(), 'Platform', {
          ...attributes,
          endpointSubnetCidrBlocks: ['10.99.0.0/28'],
          partition: 'aws-cn',
          quotas: { loadBalancersPerRegion: 0 },
        }),
      );
      expect(error.problems).toEqual([
        "`endpointSubnetCidrBlocks[0]` 10.99.0.0/28 is not inside the VPC's CIDR blocks (10.40.0.0/16)",
        '`partition` "aws-cn" does not match region eu-west-1 of `availabilityZones`, which is in aws',
        '`quotas.loadBalancersPerRegion` 0 must be a whole number ≥ 1',
      ]);
    });

    test("GIVEN a created platform THEN its attributes output carries the partition, the declared quotas and the endpoint subnets' blocks", () => {
      const json = JSON.parse(
        Testing.synthScope((scope) => {
          new GatewayPlatform(scope, 'Platform', platformProps({ quotas: { loadBalancersPerRegion: 200 } }));
        }),
      ) as Json;
      expect(json.output?.apicloud_platform_attributes.value).toMatchObject({
        partition: 'aws',
        quotas: { loadBalancersPerRegion: 200 },
        endpointSubnetCidrBlocks: ['10.40.0.32/28', '10.40.0.48/28'],
      });
    });
  });

  describe('9. write-only secrets and who may plan', () => {
    const writeOnly = {
      security: BackendSecurity.basic({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
      deployerPrincipalArn: `arn:aws:iam::${ACCOUNT}:role/terraform-deploy`,
      planPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/ci-plan`],
    };

    test('GIVEN a CI plan role THEN it may read the write-only secret back (GetSecretValue, Decrypt through Secrets Manager) and nothing else', () => {
      const json = oneStack([['acme', writeOnly]]);
      const [policy] = Object.entries(json.resource.aws_secretsmanager_secret_policy)
        .filter(([id]) => id.startsWith('acme_Secrets_credentials'))
        .map(([, p]) => JSON.parse(p.policy as string) as { Statement: Array<Record<string, unknown>> });
      expect(policy.Statement.find((s) => s.Sid === 'PlannersReadBackTheWriteOnlyValue')).toEqual({
        Sid: 'PlannersReadBackTheWriteOnlyValue',
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/ci-plan`] },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
      });
      const deny = policy.Statement.find((s) => s.Sid === 'OnlyTheRuntimeReadsTheValue') as {
        Condition: { StringNotEquals: { 'aws:PrincipalArn': string[] } };
      };
      expect(deny.Condition.StringNotEquals['aws:PrincipalArn']).toContain(
        `arn:aws:iam::${ACCOUNT}:role/ci-plan`,
      );
      const key = JSON.parse(
        Object.values(json.resource.aws_kms_key).find((k) => String(k.description).includes('acme'))!
          .policy as string,
      ) as { Statement: Array<Record<string, unknown>> };
      expect(key.Statement.find((s) => s.Sid === 'PlannersReadBackWriteOnlySecrets')).toMatchObject({
        Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/ci-plan`] },
        Action: 'kms:Decrypt',
      });
    });

    test('GIVEN the deploy role changes from A to B in two steps THEN B can refresh before it applies, and A keeps nothing after', async () => {
      // The two steps of the README's "Changing the deploy role", each as the secret policy it applies.
      const A = `arn:aws:iam::${ACCOUNT}:role/terraform-deploy`;
      const B = `arn:aws:iam::${ACCOUNT}:role/terraform-deploy-v2`;
      const secretPolicyWith = (override: Partial<CustomerBackendLinkProps>) => {
        const json = oneStack([['acme', { ...writeOnly, planPrincipalArns: undefined, ...override }]]);
        const [policy] = Object.entries(json.resource.aws_secretsmanager_secret_policy)
          .filter(([id]) => id.startsWith('acme_Secrets_credentials'))
          .map(([, p]) => JSON.parse(p.policy as string) as object);
        return policy;
      };
      const secret = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:backend-link/apicloud/acme/credentials-20261207140000000000000001-AbCdEf`;
      // Each role's own IAM policy allows Secrets Manager (as a deploy role's would): the resource policy decides.
      const identity = [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }],
        },
      ];
      const can = (principal: string, action: string, resourcePolicy: object) =>
        decide({
          principal,
          action,
          resource: secret,
          accountId: ACCOUNT,
          identityPolicies: identity,
          resourcePolicy,
        });

      // Before: only A reads the write-only value back (a refresh by B would fail: AccessDenied).
      const before = secretPolicyWith({ deployerPrincipalArn: A });
      expect(await can(B, 'secretsmanager:GetSecretValue', before)).toBe('ExplicitlyDenied');
      // Step 1, applied by A: B is a plan principal, so B's refresh can read the value back.
      const step1 = secretPolicyWith({ deployerPrincipalArn: A, planPrincipalArns: [B] });
      expect(await can(B, 'secretsmanager:GetSecretValue', step1)).toBe('Allowed');
      expect(await can(A, 'secretsmanager:GetSecretValue', step1)).toBe('Allowed');
      // Step 2, applied by B (its refresh works under step 1's policy): B is the deployer, A is gone.
      const step2 = secretPolicyWith({ deployerPrincipalArn: B });
      expect(await can(B, 'secretsmanager:GetSecretValue', step2)).toBe('Allowed');
      expect(await can(A, 'secretsmanager:GetSecretValue', step2)).toBe('ExplicitlyDenied');
      // A CI plan role reads the value back while it is listed (writing stays up to its own IAM policy).
      const ci = `arn:aws:iam::${ACCOUNT}:role/ci-plan`;
      const withCi = secretPolicyWith({ deployerPrincipalArn: B, planPrincipalArns: [ci] });
      expect(await can(ci, 'secretsmanager:GetSecretValue', withCi)).toBe('Allowed');
      expect(await can(ci, 'secretsmanager:GetSecretValue', step2)).toBe('ExplicitlyDenied');
    });

    test('fails when a plan principal is a wildcard', () => {
      const stack = testStack();
      const platform = new GatewayPlatform(stack, 'Platform', platformProps());
      const error = validationErrorOf(
        () =>
          new CustomerBackendLink(stack, 'acme', {
            ...customer(platform, 'acme'),
            ...writeOnly,
            planPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/*`],
          }),
      );
      expect(error.problems).toEqual([
        '`planPrincipalArns[0]` "arn:aws:iam::123456789012:role/*" has a wildcard: it would let any matching principal read the secrets; give the ARNs of IAM roles or users',
      ]);
    });
  });

  test('10. GIVEN a secret THEN it is named by prefix, so re-creating the customer within the recovery window gets a new name', () => {
    const json = oneStack([['acme']]);
    for (const secret of Object.values(json.resource.aws_secretsmanager_secret)) {
      expect(secret.name).toBeUndefined();
      expect(secret.name_prefix).toMatch(/^backend-link\/apicloud\/acme\/[a-z-]+-$/);
    }
  });

  test('11. GIVEN a customer onboarding THEN its tunnel alarms exist but notify nobody, and the synth warns', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'day-two-'));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'stack');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const platform = new GatewayPlatform(stack, 'Platform', platformProps());
    const base = customer(platform, 'acme');
    new CustomerBackendLink(stack, 'acme', { ...base, vpn: { ...base.vpn!, onboarding: true } });
    const json = JSON.parse(Testing.synth(stack)) as Json;
    const alarms = [
      ...Object.values(json.resource.aws_cloudwatch_metric_alarm).filter((a) =>
        String(a.alarm_name).includes('vpn-tunnel'),
      ),
      ...Object.values(json.resource.aws_cloudwatch_composite_alarm),
    ];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) expect(alarm.actions_enabled).toBe(false);
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    rmSync(outdir, { recursive: true, force: true });
    const warnings = (manifest.stacks.stack.annotations as Array<{ level: string; message: string }>)
      .filter((a) => a.level === '@cdktf/warn')
      .map((a) => a.message);
    expect(warnings).toContain(
      'customer "acme" is onboarding (`onboarding: true`): its tunnel alarms notify nobody. Remove `onboarding` once both tunnels are up (an in-place update of the alarms)',
    );
  });

  describe('12. reserved concurrency', () => {
    test('GIVEN the defaults THEN each function reserves 25', () => {
      const json = oneStack([['acme']]);
      expect(
        Object.values(json.resource.aws_lambda_function).map((f) => f.reserved_concurrent_executions),
      ).toEqual([25]);
    });

    test('fails at synth when the reserved concurrency of the region, plus the 100 AWS keeps, passes the declared quota', () => {
      const stack = testStack();
      const platform = new GatewayPlatform(
        stack,
        'Platform',
        platformProps({ quotas: { lambdaConcurrentExecutions: 140 } }),
      );
      new CustomerBackendLink(stack, 'acme', customer(platform, 'acme'));
      new CustomerBackendLink(stack, 'globex', customer(platform, 'globex'));
      expect(() => stack.runAllValidations()).toThrow(
        "quota Lambda concurrent executions per region: region eu-west-1 (reserved concurrency of the gateway functions, plus the 100 AWS keeps unreserved) has 150 (this app's only: AWS counts the whole region, so declare what other apps use in `quotas.usedByOtherApps.lambdaConcurrentExecutions`), over the quota of 140",
      );
    });
  });

  test('14. GIVEN what other apps use WHEN this app would pass alone THEN the check counts both, and says where the number comes from', () => {
    const stack = testStack();
    const platform = new GatewayPlatform(
      stack,
      'Platform',
      platformProps({ quotas: { usedByOtherApps: { loadBalancersPerRegion: 50 } } }),
    );
    new CustomerBackendLink(stack, 'acme', customer(platform, 'acme'));
    expect(() => stack.runAllValidations()).toThrow(
      'quota Application Load Balancers per region: region eu-west-1 (Application Load Balancers) has 51 (with 50 declared in `quotas.usedByOtherApps.loadBalancersPerRegion`), over the quota of 50',
    );
  });
});
