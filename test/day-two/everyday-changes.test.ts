/**
 * The everyday changes of a platform's life, proven the way an apply would meet them: version 1 of the
 * multi-stack example is planned offline and a Terraform state is derived from that plan (every stack plans
 * no change against it); version 2 is synthesized and planned against version 1's states, each customer
 * stack reading version 1's platform state (the platform not applied again). Each test asserts that
 * nothing outside the changed customer changes, and inside it only what the change inherently needs.
 * The README's "Day two" table is this file in prose. Numbers refer to issue 18's points.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerBackendLinkProps } from '../../lib';
import { BackendSecurity, SecretSource } from '../../lib';
import {
  ChangeReport,
  DerivedAppState,
  StackChanges,
  deriveAppState,
  expectOnly,
  planChange,
} from '../../lib/terraform/change-plan';
import { buildMultiStackVersion } from '../support/day-two-apps';

jest.setTimeout(900_000);

const PARALLEL = 2;
type Customers = (customers: CustomerBackendLinkProps[]) => CustomerBackendLinkProps[];

/** The customers with `name`'s props changed by `change`. */
const changing =
  (name: string, change: (c: CustomerBackendLinkProps) => CustomerBackendLinkProps): Customers =>
  (customers) =>
    customers.map((c) => (c.customerName === name ? change(c) : c));
const stackOf = (report: ChangeReport, stack: string): StackChanges =>
  report.stacks.find((s) => s.stack === stack)!;
/** The stacks version 2 did not touch at all (their configuration is byte for byte version 1's). */
const untouched = (report: ChangeReport): string[] =>
  report.stacks.filter((s) => s.status === 'unchanged').map((s) => s.stack);

describe('day two: the first customer of each kind joins a platform that has only VPN-gateway customers', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'day-two-first-'));
  let v1: DerivedAppState;

  beforeAll(async () => {
    v1 = await deriveAppState(
      (outdir) =>
        buildMultiStackVersion(outdir, {
          customers: (cs) => cs.filter((c) => ['acme', 'initech'].includes(c.customerName)),
        }),
      { workdir, parallel: PARALLEL },
    );
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  test('3/4. GIVEN version 1 with VGW customers only WHEN a transit-gateway and a public customer join THEN the platform stack is untouched and the new stacks plan against its version-1 state, creating only', async () => {
    expect(v1.converged).toBe(true);
    const report = await planChange(v1, (outdir) => buildMultiStackVersion(outdir), {
      name: 'first-of-kind',
    });
    expect(untouched(report)).toEqual(['customer-acme', 'customer-initech', 'platform']);
    expectOnly(report, [
      { stack: 'customer-globex', create: ['*'] },
      { stack: 'customer-hooli', create: ['*'] },
      { stack: 'customer-umbrella', create: ['*'] },
      { stack: 'customer-wonka', create: ['*'] },
    ]);
    // The public customer's routes go to the NAT gateways the platform published from its first apply.
    expect(
      stackOf(report, 'customer-umbrella').create.filter((a) => a.startsWith('aws_route.')),
    ).toHaveLength(4);
  });
});

describe('day two: changes to the multi-stack example (platform, two VGW, two TGW, one public and one PrivateLink customer)', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'day-two-changes-'));
  let v1: DerivedAppState;
  const plan = (name: string, customers: Customers) =>
    planChange(v1, (outdir) => buildMultiStackVersion(outdir, { customers }), { name });

  beforeAll(async () => {
    v1 = await deriveAppState((outdir) => buildMultiStackVersion(outdir), { workdir, parallel: PARALLEL });
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  test('GIVEN version 1 THEN every stack plans no change against its derived state', () => {
    expect(v1.converged).toBe(true);
    expectOnly(v1.selfCheck, []);
  });

  test('add a customer: GIVEN a new VGW customer THEN its own stack creates, and nothing else changes', async () => {
    const report = await plan('add', (cs) => [
      ...cs,
      {
        ...cs.find((c) => c.customerName === 'acme')!,
        customerName: 'newco',
        cidrBlock: '10.40.134.0/24',
        vpn: {
          attachment: 'vpn-gateway',
          customerGatewayIp: '80.90.100.110',
          onPremCidrs: ['172.30.0.0/16'],
        },
        backend: { url: 'https://api.newco.internal/' },
      },
    ]);
    expectOnly(report, { stack: 'customer-newco', create: ['*'] });
    expect(untouched(report)).toHaveLength(7);
  });

  test('add a customer on a resource endpoint: its own stack creates the endpoint (and accepts the share), and nothing else changes', async () => {
    const report = await plan('add-resource-endpoint', (cs) => [
      ...cs,
      {
        ...cs.find((c) => c.customerName === 'wonka')!,
        customerName: 'stark',
        cidrBlock: '10.40.135.0/24',
        privateLinkEndpoint: undefined,
        resourceEndpoint: {
          resourceConfigurationArn:
            'arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718',
          resourceShareArn:
            'arn:aws:ram:eu-west-1:210987654321:resource-share/6f1c1a52-0d1e-4f6a-8b4e-2b8a3c9d0e1f',
        },
        backend: { url: 'https://orders.stark.internal:8443/api' },
      },
    ]);
    expectOnly(report, { stack: 'customer-stark', create: ['*'] });
    expect(untouched(report)).toHaveLength(7);
    const created = stackOf(report, 'customer-stark').create;
    expect(created.filter((a) => a.startsWith('aws_vpc_endpoint.'))).toHaveLength(1);
    expect(created.filter((a) => a.startsWith('aws_ram_resource_share_accepter.'))).toHaveLength(1);
    expect(created.filter((a) => a.startsWith('aws_route.'))).toEqual([]);
  });

  test.each([
    ['initech', 'a VGW customer'],
    ['hooli', 'a TGW customer'],
    ['umbrella', 'the last customer on the public path'],
    ['wonka', 'the PrivateLink customer'],
  ])(
    '1/2. remove %s (%s): its stack is destroyed, nothing else changes (the NAT gateways and Elastic IPs stay)',
    async (name) => {
      const report = await plan(`remove-${name}`, (cs) => cs.filter((c) => c.customerName !== name));
      expect(report.removedStacks).toEqual([`customer-${name}`]);
      expectOnly(report, { stack: `customer-${name}`, delete: ['*'] });
      expect(untouched(report)).toContain('platform');
    },
  );

  test("1. add backend.dns to acme: the DNS rules are created in their own band; no existing rule or address of acme's moves", async () => {
    const report = await plan(
      'dns',
      changing('acme', (c) => ({ ...c, backend: { ...c.backend, dns: { servers: ['172.20.0.53'] } } })),
    );
    expectOnly(report, {
      stack: 'customer-acme',
      create: ['aws_vpc_security_group_egress_rule.*', 'aws_network_acl_rule.*'],
      // The runtime configuration (in the function's environment) names the servers.
      update: ['aws_lambda_function.*'],
      updatePaths: ['environment[0].variables.GATEWAY_CONFIG'],
    });
    // UDP and TCP: two security-group rules, and four network ACL entries (out, and the replies).
    expect(stackOf(report, 'customer-acme').create).toHaveLength(6);
  });

  test('1. add an on-premises range to acme: routes, the VPN route and rules for it are created; nothing is replaced', async () => {
    const report = await plan(
      'on-prem-range',
      changing('acme', (c) => ({
        ...c,
        vpn: { ...c.vpn!, onPremCidrs: ['172.20.0.0/16', '172.16.0.0/16'] },
      })),
    );
    expectOnly(report, {
      stack: 'customer-acme',
      create: [
        'aws_route.*',
        'aws_vpn_connection_route.*',
        'aws_network_acl_rule.*',
        'aws_vpc_security_group_egress_rule.*',
      ],
      // The handoff outputs list the ranges.
      update: [],
    });
  });

  test("1. add an additionalEgress destination to globex: its security-group and ACL rules are created; globex's other rules stay", async () => {
    const report = await plan(
      'additional-egress',
      changing('globex', (c) => ({
        ...c,
        backend: {
          ...c.backend,
          additionalEgress: [
            ...(c.backend.additionalEgress ?? []),
            { cidr: '192.168.50.20/32', port: 9443, description: 'globex reporting' },
          ],
        },
      })),
    );
    expectOnly(report, {
      stack: 'customer-globex',
      create: ['aws_vpc_security_group_egress_rule.*', 'aws_network_acl_rule.*'],
    });
  });

  test("change acme's scheme from digest to basic: only the function's configuration is updated (the credentials secret stays)", async () => {
    const report = await plan(
      'scheme',
      changing('acme', (c) => ({
        ...c,
        security: BackendSecurity.basic({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
      })),
    );
    expectOnly(report, {
      stack: 'customer-acme',
      update: ['aws_lambda_function.*'],
      updatePaths: ['environment[0].variables.GATEWAY_CONFIG'],
    });
  });

  test('add mutual TLS to hooli: the client-certificate secret is created, the function and what reads secrets are updated in place', async () => {
    const report = await plan(
      'mtls',
      changing('hooli', (c) => ({
        ...c,
        security: BackendSecurity.token({
          token: SecretSource.fillAfterDeploy(),
          header: 'X-Api-Key',
        }).withMutualTls({
          clientCertificate: SecretSource.fillAfterDeploy(),
        }),
      })),
    );
    expectOnly(report, {
      stack: 'customer-hooli',
      // With the certificate come its expiry alarms (30 and 7 days) and its widget on the dashboard.
      create: [
        'aws_secretsmanager_secret.*',
        'aws_secretsmanager_secret_policy.*',
        'aws_cloudwatch_metric_alarm.*ClientCertificateExpiry*',
      ],
      update: ['aws_lambda_function.*', 'aws_iam_role_policy.*', 'aws_cloudwatch_dashboard.*'],
    });
  });

  test("bump acme's write-only secret version: the provider replaces the version resource (it writes the new value); the secret, its ARN and everything else stay", async () => {
    const report = await plan(
      'rotate',
      changing('acme', (c) => ({
        ...c,
        security: BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 2 }) }),
      })),
    );
    // hashicorp/aws 5.100: `secret_string_wo_version` forces a new version resource (PutSecretValue of the new
    // value; the old version loses its AWSCURRENT label). The secret itself is not replaced.
    expectOnly(report, { stack: 'customer-acme', replace: ['aws_secretsmanager_secret_version.*'] });
    expect(stackOf(report, 'customer-acme').replace).toEqual([
      {
        address: expect.stringMatching(/^aws_secretsmanager_secret_version\./),
        paths: ['secret_string_wo_version'],
      },
    ]);
  });

  test("switch hooli from static routing to BGP: AWS can not change it in place, so hooli's VPN connection is replaced (new tunnel addresses and keys: the customer must reconfigure its device)", async () => {
    const report = await plan(
      'bgp',
      changing('hooli', (c) => ({ ...c, vpn: { ...c.vpn!, routing: 'bgp', bgpAsn: 65020 } })),
    );
    const hooli = stackOf(report, 'customer-hooli');
    expect(hooli.replace.map((r) => r.address)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^aws_vpn_connection\./)]),
    );
    expect(hooli.replace.find((r) => r.address.startsWith('aws_vpn_connection.'))!.paths).toEqual(
      expect.arrayContaining(['static_routes_only']),
    );
    // Nothing outside hooli's own stack.
    expect(
      report.stacks.filter((s) => s.stack !== 'customer-hooli').every((s) => s.status === 'unchanged'),
    ).toBe(true);
  });
});
