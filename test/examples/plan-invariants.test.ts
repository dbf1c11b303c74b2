/**
 * Rung 3 of the test ladder for the network constructs: synthesize the example app, run terraform init,
 * validate and plan offline on every stack, and check the security invariants in the plan JSON.
 * Needs terraform and the local provider mirror; a missing one fails the test with the harness's message.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { ExampleStack, buildExampleApp } from '../../examples/main';
import { FORWARD_SECRET_TLS13_POLICIES } from '../../lib/load-balancer/load-balancer-defaults';
import { cidrContains, parseCidr } from '../../lib/shared/cidr';
import { PlanJson, listStacks, planOffline } from '../../lib/terraform/harness';
import { privateEndpointViolations, routeViolations } from '../support/private-endpoint-invariants';

interface StackResult {
  readonly stackDir: string;
  readonly synthesized: string;
  readonly plan: PlanJson;
  readonly planText: string;
}

type Change = {
  type: string;
  address: string;
  after: Record<string, unknown>;
  /** Attributes known only after apply (`true`). */
  unknown: Record<string, unknown>;
};

const ANY_ADDRESS = ['0.0.0.0/0', '::/0'];

function created(plan: PlanJson, type: string): Change[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => rc.type === type && rc.change.actions.includes('create'))
    .map((rc) => {
      const change = rc.change as { after?: unknown; after_unknown?: unknown };
      return {
        type: rc.type,
        address: rc.address,
        after: (change.after ?? {}) as Record<string, unknown>,
        unknown: (change.after_unknown ?? {}) as Record<string, unknown>,
      };
    });
}

/** Every (key, value) pair in a JSON document, depth first. */
function* entries(value: unknown, key = ''): Generator<[string, unknown]> {
  yield [key, value];
  if (Array.isArray(value)) for (const item of value) yield* entries(item, key);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* entries(v, k);
  }
}

describe('example app: offline plan invariants', () => {
  let outdir: string;
  const results: StackResult[] = [];

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'backend-link-plan-'));
    buildExampleApp(outdir).synth();
    for (const stackDir of listStacks(outdir)) {
      const result = await planOffline(stackDir);
      results.push({
        stackDir,
        synthesized: readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'),
        plan: result.plan,
        planText: readFileSync(result.planJsonPath, 'utf8'),
      });
    }
  }, 300_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  test('GIVEN the example WHEN planned offline THEN every stack planned, with VGW customers and a TGW customer', () => {
    expect(results.length).toBeGreaterThan(0);
    const connections = results.flatMap((r) => created(r.plan, 'aws_vpn_connection'));
    expect(connections.filter((c) => c.unknown.vpn_gateway_id === true)).toHaveLength(2);
    expect(connections.filter((c) => c.unknown.transit_gateway_id === true)).toHaveLength(1);
    expect(results.flatMap((r) => created(r.plan, 'aws_vpn_gateway'))).toHaveLength(1);
    expect(results.flatMap((r) => created(r.plan, 'aws_ec2_transit_gateway'))).toHaveLength(1);
    expect(connections).toHaveLength(3);
  });

  test('GIVEN the plans THEN no security-group rule is open to 0.0.0.0/0 or ::/0', () => {
    for (const { plan } of results) {
      for (const rule of created(plan, 'aws_vpc_security_group_ingress_rule')) {
        expect(ANY_ADDRESS).not.toContain(rule.after.cidr_ipv4);
        expect(ANY_ADDRESS).not.toContain(rule.after.cidr_ipv6);
      }
      for (const rule of created(plan, 'aws_vpc_security_group_egress_rule')) {
        expect(ANY_ADDRESS).not.toContain(rule.after.cidr_ipv4);
        expect(ANY_ADDRESS).not.toContain(rule.after.cidr_ipv6);
      }
      for (const rule of created(plan, 'aws_security_group_rule')) {
        const blocks = [
          ...((rule.after.cidr_blocks as string[]) ?? []),
          ...((rule.after.ipv6_cidr_blocks as string[]) ?? []),
        ];
        expect(blocks.filter((b) => ANY_ADDRESS.includes(b))).toEqual([]);
      }
      for (const group of created(plan, 'aws_security_group')) {
        for (const direction of ['ingress', 'egress']) {
          const inline = (group.after[direction] as Array<Record<string, string[]>> | undefined) ?? [];
          const blocks = inline.flatMap((r) => [...(r.cidr_blocks ?? []), ...(r.ipv6_cidr_blocks ?? [])]);
          expect({
            group: group.address,
            direction,
            open: blocks.filter((b) => ANY_ADDRESS.includes(b)),
          }).toEqual({
            group: group.address,
            direction,
            open: [],
          });
        }
      }
    }
  });

  test('GIVEN the plans THEN no customer network ACL entry opens the whole VPC or any address: the endpoints are reached in their own subnets', () => {
    // The NAT gateways' own subnets pass the customer pool to the internet (checked below): not a customer ACL.
    for (const { plan } of results) {
      const vpcBlocks = created(plan, 'aws_vpc').map((v) => v.after.cidr_block as string);
      expect(vpcBlocks.length).toBeGreaterThan(0);
      const endpointSubnets = created(plan, 'aws_subnet')
        .filter((s) => s.address.includes('Endpoints'))
        .map((s) => s.after.cidr_block as string);
      expect(endpointSubnets.length).toBeGreaterThan(0);
      const rules = created(plan, 'aws_network_acl_rule').filter(
        (r) => !r.address.includes('Platform_PublicEgress_'),
      );
      expect(rules.length).toBeGreaterThan(0);
      const wide = rules
        .filter((r) => [...vpcBlocks, ...ANY_ADDRESS].includes(r.after.cidr_block as string))
        .map((r) => `${r.address}: ${String(r.after.cidr_block)}`);
      expect(wide).toEqual([]);
      // HTTPS to the endpoints goes to their subnets (merged where they are two halves of one block), and
      // every such entry lies inside the endpoint subnets.
      const https = rules
        .filter((r) => r.after.egress === true && r.after.from_port === 443)
        .map((r) => parseCidr(r.after.cidr_block as string)!);
      const subnets = endpointSubnets.map((c) => parseCidr(c)!);
      for (const subnet of subnets) {
        expect({ subnet: subnet.text, covered: https.some((h) => cidrContains(h, subnet)) }).toEqual({
          subnet: subnet.text,
          covered: true,
        });
      }
      const outside = https.filter(
        (h) =>
          !subnets.some((s) => cidrContains(h, s)) &&
          !subnets.some((s) => cidrContains(s, h)) &&
          // the backends on 443 are on-premises ranges, not in the VPC
          vpcBlocks.some((v) => cidrContains(parseCidr(v)!, h)),
      );
      expect(outside.map((h) => h.text)).toEqual([]);
    }
  });

  test('GIVEN the plans THEN every destination a gateway function may open is also open in its customer network ACL', () => {
    for (const { plan } of results) {
      const acl = created(plan, 'aws_network_acl_rule').filter((r) => r.after.egress === true);
      const egress = created(plan, 'aws_vpc_security_group_egress_rule').filter(
        (r) => r.address.includes('_Gateway_') && typeof r.after.cidr_ipv4 === 'string',
      );
      expect(egress.length).toBeGreaterThan(0);
      const unreachable = egress
        .filter((rule) => {
          const customer = rule.address.split('.')[1].split('_')[0];
          const block = parseCidr(rule.after.cidr_ipv4 as string)!;
          return !acl.some((entry) => {
            const range = parseCidr(entry.after.cidr_block as string);
            return (
              entry.address.split('.')[1].startsWith(`${customer}_`) &&
              range !== undefined &&
              cidrContains(range, block) &&
              (entry.after.from_port as number) <= (rule.after.from_port as number) &&
              (entry.after.to_port as number) >= (rule.after.to_port as number)
            );
          });
        })
        .map((r) => `${r.address}: ${String(r.after.cidr_ipv4)}:${String(r.after.from_port)}`);
      expect(unreachable).toEqual([]);
    }
  });

  test('GIVEN the plans THEN the handoff of an OAuth customer lists its token endpoint among the destinations', () => {
    const handoff = results
      .map(({ plan }) => (plan as { output_changes?: Record<string, { after?: unknown }> }).output_changes)
      .map((o) => o?.globex_handoff?.after as { destinations?: Array<Record<string, unknown>> } | undefined)
      .find((h) => h !== undefined);
    expect(handoff?.destinations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          what: 'OAuth 2.0 token endpoint',
          host: 'login.globex.internal',
          port: 443,
        }),
        expect.objectContaining({ what: 'globex token endpoint', cidrs: ['192.168.60.10/32'], port: 443 }),
      ]),
    );
  });

  test('GIVEN the plans THEN every customer subnet has a flow log of all traffic, into a log group with retention', () => {
    for (const { plan } of results) {
      const customerOf = (c: Change) =>
        (c.after.tags as Record<string, string> | null)?.['backend-link:customer'];
      const subnets = created(plan, 'aws_subnet').filter((s) => customerOf(s) !== undefined);
      const flowLogs = created(plan, 'aws_flow_log');
      expect(subnets.length).toBeGreaterThan(0);
      const count = (list: Change[]) =>
        list.reduce<Record<string, number>>(
          (acc, c) => ({ ...acc, [customerOf(c)!]: (acc[customerOf(c)!] ?? 0) + 1 }),
          {},
        );
      expect(count(flowLogs)).toEqual(count(subnets));
      for (const f of flowLogs) {
        expect(f.after).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
      }
      const groups = created(plan, 'aws_cloudwatch_log_group').filter((g) =>
        String(g.after.name).endsWith('/flow-logs'),
      );
      expect(groups.map((g) => g.after.retention_in_days)).toEqual(
        Object.keys(count(subnets)).map(() => 365),
      );
    }
  });

  test('GIVEN the plans THEN access logs go to a private, SSE-S3, kept bucket with its log-delivery policy', () => {
    const lbs = results.flatMap((r) => created(r.plan, 'aws_lb'));
    const logging = lbs.filter((lb) => (lb.after.access_logs as Array<{ enabled: boolean }>)[0]?.enabled);
    expect(logging).toHaveLength(1);
    const plan = results.find((r) => created(r.plan, 'aws_s3_bucket').length > 0)!.plan;
    expect(created(plan, 'aws_s3_bucket_public_access_block').map((b) => b.after)).toEqual([
      expect.objectContaining({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    ]);
    expect(created(plan, 'aws_s3_bucket_server_side_encryption_configuration')[0].after.rule).toEqual([
      expect.objectContaining({
        apply_server_side_encryption_by_default: [expect.objectContaining({ sse_algorithm: 'AES256' })],
      }),
    ]);
    expect(created(plan, 'aws_s3_bucket_policy')).toHaveLength(1);
    expect(created(plan, 'aws_s3_bucket')[0].after).toMatchObject({ force_destroy: false });
  });

  test('GIVEN the plans THEN the interface endpoints (private DNS, VPC-wide) admit HTTPS from every VPC block', () => {
    for (const { plan } of results) {
      const vpcBlocks = created(plan, 'aws_vpc').map((v) => v.after.cidr_block as string);
      // The platform's own (wonka's resource endpoint has private DNS off: below).
      const endpoints = created(plan, 'aws_vpc_endpoint').filter((e) => e.address.includes('.Platform_'));
      expect(endpoints.length).toBeGreaterThan(0);
      expect(endpoints.map((e) => e.after.private_dns_enabled)).toEqual(endpoints.map(() => true));
      const admitted = created(plan, 'aws_vpc_security_group_ingress_rule')
        .filter((r) => r.address.includes('Endpoints'))
        .map((r) => [r.after.cidr_ipv4, r.after.from_port, r.after.to_port]);
      expect(admitted).toEqual(vpcBlocks.map((b) => [b, 443, 443]));
    }
  });

  test("GIVEN the plans THEN wonka's resource endpoint (private DNS off) is in its subnets, its group admits only wonka's function, and wonka has no route", () => {
    for (const { plan } of results) {
      expect(privateEndpointViolations(plan)).toEqual([]);
      expect(routeViolations(plan).filter((v) => v.includes('.Wonka_'))).toEqual([]);
    }
    const endpoints = results.flatMap(({ plan }) =>
      created(plan, 'aws_vpc_endpoint').filter((e) => e.address.includes('.Wonka_')),
    );
    expect(endpoints.map((e) => [e.after.vpc_endpoint_type, e.after.private_dns_enabled])).toEqual([
      ['Resource', false],
    ]);
  });

  test("GIVEN the plans THEN DNS (UDP and TCP 53, and UDP at all) is open to exactly each customer's own DNS servers", () => {
    // The customers' servers as the example declares them (read from a synth-free copy of the stack).
    const probe = new ExampleStack(Testing.app(), 'probe', {
      runtimeBundleDirectory: join(__dirname, '../lib/runtime/fixtures/bundle'),
    });
    // umbrella's public DMZ endpoint is pinned to its addresses: it asks no DNS server; wonka's resource
    // endpoint's name is answered by the VPC's resolver.
    const servers = Object.values(probe.links)
      .filter((link) => link.publicEndpointRoutes.length === 0 && link.resourceEndpoint === undefined)
      .map((link) => ({
        id: link.node.id,
        cidrs: (link.runtimeConfig.backend.dns?.servers ?? []).map((s) => `${s}/32`),
      }));
    for (const { id, cidrs } of servers)
      expect({ id, servers: cidrs.length > 0 }).toEqual({ id, servers: true });
    const dnsCidrs = new Set(servers.flatMap((s) => s.cidrs));
    const customerOf = (address: string) =>
      servers.find((s) => address.includes(`.${s.id}_`))?.id ?? '(platform)';
    const covers53 = (after: Record<string, unknown>) =>
      after.from_port === undefined ||
      after.from_port === null ||
      ((after.from_port as number) <= 53 && 53 <= (after.to_port as number));
    const expected = servers.flatMap(({ id, cidrs }) =>
      cidrs.flatMap((cidr) =>
        ['udp', 'tcp'].flatMap((protocol) => [
          `${id} sg egress ${protocol} 53-53 ${cidr}`,
          `${id} nacl egress ${protocol} 53-53 ${cidr}`,
          `${id} nacl ingress ${protocol} 1024-65535 ${cidr}`,
        ]),
      ),
    );
    const actual: string[] = [];
    for (const { plan } of results) {
      for (const direction of ['ingress', 'egress']) {
        for (const rule of created(plan, `aws_vpc_security_group_${direction}_rule`)) {
          const cidr = String(
            rule.after.cidr_ipv4 ?? rule.after.cidr_ipv6 ?? rule.after.referenced_security_group_id,
          );
          if (
            rule.after.ip_protocol === 'udp' ||
            rule.after.ip_protocol === '-1' ||
            covers53(rule.after) ||
            dnsCidrs.has(cidr)
          ) {
            actual.push(
              `${customerOf(rule.address)} sg ${direction} ${String(rule.after.ip_protocol)} ${String(rule.after.from_port)}-${String(rule.after.to_port)} ${cidr}`,
            );
          }
        }
      }
      for (const rule of created(plan, 'aws_network_acl_rule')) {
        const cidr = String(rule.after.cidr_block ?? rule.after.ipv6_cidr_block);
        const protocol = String(rule.after.protocol);
        if (
          ['udp', '17', '-1', 'all'].includes(protocol) ||
          (rule.after.egress === true && covers53(rule.after)) ||
          dnsCidrs.has(cidr)
        ) {
          actual.push(
            `${customerOf(rule.address)} nacl ${rule.after.egress ? 'egress' : 'ingress'} ${protocol} ${String(rule.after.from_port)}-${String(rule.after.to_port)} ${cidr}`,
          );
        }
      }
    }
    expect(actual.sort()).toEqual(expected.sort());
  });

  test('GIVEN the plans THEN every tunnel is IKEv2 only, logs to CloudWatch, and keeps its pre-shared key in Secrets Manager', () => {
    const connections = results.flatMap((r) => created(r.plan, 'aws_vpn_connection'));
    for (const { after } of connections) {
      expect(after.preshared_key_storage).toBe('SecretsManager');
      for (const n of [1, 2]) {
        expect(after[`tunnel${n}_ike_versions`]).toEqual(['ikev2']);
        expect(after[`tunnel${n}_log_options`]).toEqual([
          { cloudwatch_log_options: [expect.objectContaining({ log_enabled: true })] },
        ]);
        // Sets in the provider schema: compared sorted.
        expect([...(after[`tunnel${n}_phase1_encryption_algorithms`] as string[])].sort()).toEqual([
          'AES256',
          'AES256-GCM-16',
        ]);
        expect([...(after[`tunnel${n}_phase1_dh_group_numbers`] as number[])].sort()).toEqual([19, 20, 21]);
      }
    }
  });

  test('GIVEN the synthesized JSON and the plans THEN no pre-shared key value appears anywhere', () => {
    for (const { synthesized, plan, planText } of results) {
      expect(synthesized).not.toMatch(/tunnel[12]_preshared_key/);
      for (const [key, value] of entries(JSON.parse(synthesized))) {
        if (/preshared_key$/.test(key)) expect({ key, value }).toEqual({ key, value: undefined });
      }
      for (const [key, value] of entries(plan)) {
        // In the plan the keys exist only as unknown (true in after_unknown, absent or null in after).
        if (/^tunnel[12]_preshared_key$/.test(key))
          expect(typeof value === 'string' ? value : null).toBeNull();
      }
      expect(planText).not.toMatch(/"tunnel[12]_preshared_key":\s*"/);
    }
  });

  test('GIVEN the plans THEN every load balancer is internal, drops invalid headers and its HTTPS listeners use a TLS 1.3 policy', () => {
    const lbs = results.flatMap((r) => created(r.plan, 'aws_lb'));
    expect(lbs.length).toBeGreaterThan(0);
    for (const { after } of lbs) {
      expect(after.internal).toBe(true);
      expect(after.drop_invalid_header_fields).toBe(true);
      expect(after.enable_deletion_protection).toBe(true);
    }
    const listeners = results.flatMap((r) => created(r.plan, 'aws_lb_listener'));
    expect(listeners).toHaveLength(lbs.length);
    for (const { after } of listeners) {
      expect(after.protocol).toBe('HTTPS');
      expect(FORWARD_SECRET_TLS13_POLICIES).toContain(after.ssl_policy);
    }
  });

  describe('the public DMZ path (umbrella)', () => {
    type TfResource = Record<string, unknown> & { tags?: Record<string, string> };
    const tf = () =>
      JSON.parse(results[0].synthesized) as { resource: Record<string, Record<string, TfResource>> };
    const ofType = (type: string) => Object.entries(tf().resource[type] ?? {});
    const refId = (type: string, id: string) => `\${${type}.${id}.id}`;
    const probe = () =>
      new ExampleStack(Testing.app(), 'probe', {
        runtimeBundleDirectory: join(__dirname, '../lib/runtime/fixtures/bundle'),
      }).links.umbrella;
    const UMBRELLA_ADDRESSES = ['85.214.20.40/32', '85.214.20.41/32'];

    test('GIVEN the plans THEN no customer route table has a 0.0.0.0/0 route, and umbrella’s hold only its endpoint’s /32s, to a NAT gateway', () => {
      const customerTables = new Map(
        ofType('aws_route_table')
          .filter(([, t]) => t.tags?.['backend-link:customer'] !== undefined)
          .map(([id, t]) => [refId('aws_route_table', id), t.tags!['backend-link:customer']]),
      );
      const routes = ofType('aws_route').filter(([, r]) => customerTables.has(r.route_table_id as string));
      expect(routes.filter(([, r]) => ANY_ADDRESS.includes(r.destination_cidr_block as string))).toEqual([]);
      const umbrella = routes.filter(
        ([, r]) => customerTables.get(r.route_table_id as string) === 'umbrella',
      );
      // Two zones, each with its own table, two addresses each.
      expect(new Set(umbrella.map(([, r]) => r.route_table_id)).size).toBe(2);
      expect(
        umbrella
          .map(([, r]) => [
            r.destination_cidr_block,
            String(r.nat_gateway_id).startsWith('${aws_nat_gateway.'),
          ])
          .sort(),
      ).toEqual([...UMBRELLA_ADDRESSES, ...UMBRELLA_ADDRESSES].map((cidr) => [cidr, true]).sort());
      // ...and the plan creates exactly these routes.
      const planned = results
        .flatMap((r) => created(r.plan, 'aws_route'))
        .filter((r) => r.address.includes('Umbrella_'));
      expect(planned.map((r) => r.after.destination_cidr_block).sort()).toEqual(
        [...UMBRELLA_ADDRESSES, ...UMBRELLA_ADDRESSES].sort(),
      );
      for (const route of planned) expect(route.unknown.nat_gateway_id).toBe(true);
    });

    test('GIVEN the plans THEN the only default routes are the platform’s public subnets’, to the internet gateway', () => {
      const defaults = results
        .flatMap((r) => created(r.plan, 'aws_route'))
        .filter((r) => ANY_ADDRESS.includes(r.after.destination_cidr_block as string));
      expect(defaults.map((r) => r.address).sort()).toEqual([
        expect.stringMatching(/^aws_route\.Platform_PublicEgress_eu-west-1a_DefaultRoute_/),
        expect.stringMatching(/^aws_route\.Platform_PublicEgress_eu-west-1b_DefaultRoute_/),
      ]);
      for (const route of defaults) expect(route.unknown.gateway_id).toBe(true);
    });

    test('GIVEN the plans THEN umbrella’s security group and network ACL open, beyond the VPC, only the endpoint’s addresses on 443 (and the replies), and so does the NAT subnets’ ACL', () => {
      const beyondVpc = (cidr: unknown) => typeof cidr === 'string' && !cidr.startsWith('10.40.');
      const sg = results
        .flatMap((r) => created(r.plan, 'aws_vpc_security_group_egress_rule'))
        .filter((r) => r.address.includes('Umbrella_') && beyondVpc(r.after.cidr_ipv4))
        .map(
          (r) =>
            `${String(r.after.ip_protocol)} ${String(r.after.from_port)}-${String(r.after.to_port)} ${String(r.after.cidr_ipv4)}`,
        );
      expect(sg.sort()).toEqual(UMBRELLA_ADDRESSES.map((cidr) => `tcp 443-443 ${cidr}`).sort());
      expect(
        results
          .flatMap((r) => created(r.plan, 'aws_vpc_security_group_ingress_rule'))
          .filter((r) => r.address.includes('Umbrella_') && beyondVpc(r.after.cidr_ipv4)),
      ).toEqual([]);
      const nacl = results
        .flatMap((r) => created(r.plan, 'aws_network_acl_rule'))
        .filter((r) => r.address.includes('Umbrella_') && beyondVpc(r.after.cidr_block))
        .map(
          (r) =>
            `${r.after.egress ? 'out' : 'in'} ${String(r.after.protocol)} ${String(r.after.from_port)}-${String(r.after.to_port)} ${String(r.after.cidr_block)} ${String(r.after.rule_action)}`,
        );
      expect(nacl.sort()).toEqual(
        UMBRELLA_ADDRESSES.flatMap((cidr) => [
          `out tcp 443-443 ${cidr} allow`,
          `in tcp 1024-65535 ${cidr} allow`,
        ]).sort(),
      );
      // The NAT gateways' subnets pass only the customer pool out to the internet on the platform's ports (443)
      // and the replies: the platform's ACL does not change when a DMZ customer joins or leaves; which customer
      // reaches which address is decided by its own routes, security group and ACL (above).
      const publicAcl = results
        .flatMap((r) => created(r.plan, 'aws_network_acl_rule'))
        .filter((r) => r.address.includes('Platform_PublicEgress_'))
        .map(
          (r) =>
            `${r.after.egress ? 'out' : 'in'} ${String(r.after.protocol)} ${String(r.after.from_port)}-${String(r.after.to_port)} ${String(r.after.cidr_block)} ${String(r.after.rule_action)}`,
        );
      expect(publicAcl.sort()).toEqual(
        [
          'in tcp 443-443 10.40.128.0/17 allow',
          'out tcp 1024-65535 10.40.128.0/17 allow',
          'out tcp 443-443 0.0.0.0/0 allow',
          'in tcp 1024-65535 0.0.0.0/0 allow',
        ].sort(),
      );
      expect(probe().runtimeConfig.backend.dns).toEqual({
        pinned: { 'dmz.umbrella.example': ['85.214.20.40', '85.214.20.41'] },
      });
    });

    test('GIVEN the plans THEN one Elastic IP (domain vpc) and one public NAT gateway per zone, and the Elastic IPs are outputs', () => {
      const plan = results[0].plan as PlanJson & {
        output_changes?: Record<string, { after_unknown?: unknown }>;
      };
      expect(created(plan, 'aws_eip').map((e) => e.after.domain)).toEqual(['vpc', 'vpc']);
      expect(created(plan, 'aws_nat_gateway').map((n) => n.after.connectivity_type)).toEqual([
        'public',
        'public',
      ]);
      expect(created(plan, 'aws_internet_gateway')).toHaveLength(1);
      expect(plan.output_changes?.apicloud_public_egress_ips?.after_unknown).toEqual({
        'eu-west-1a': true,
        'eu-west-1b': true,
      });
      expect(plan.output_changes?.umbrella_handoff?.after_unknown).toMatchObject({
        public_endpoint: { egress_ips: [true, true] },
      });
    });
  });
});
