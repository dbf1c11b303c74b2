/**
 * Rung 3 of the test ladder for the network constructs: synthesize the example app, run terraform init,
 * validate and plan offline on every stack, and check the security invariants in the plan JSON.
 * Needs terraform and the local provider mirror; a missing one fails the test with the harness's message.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleApp } from '../../examples/main';
import { PlanJson, listStacks, planOffline } from '../../lib/terraform/harness';

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
      expect(after.ssl_policy).toMatch(/^ELBSecurityPolicy-TLS13-1-[23]-/);
    }
  });
});
