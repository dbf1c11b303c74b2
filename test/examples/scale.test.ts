/**
 * The generated 100-customer app (examples/scale/): synthesized in full, every customer's resources
 * checked, no two resources with the same name where AWS needs unique names, and the AWS quotas the
 * layout meets respected, counted from the synthesized stacks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGIONS, SCALE_QUOTAS, buildScaleApp, scaleLayout } from '../../examples/scale/main';
import { listStacks } from '../../lib/terraform/harness';

jest.setTimeout(180_000);

const BUNDLE = join(__dirname, '..', 'lib', 'runtime', 'fixtures', 'bundle');

type Resources = Record<string, Record<string, Record<string, unknown>>>;
interface Stack {
  name: string;
  region: string;
  resources: Resources;
  backendKey: string;
  remoteStateKeys: string[];
}

const all = (stack: Stack, type: string) => Object.values(stack.resources[type] ?? {});

/** Resource types whose `attribute` AWS requires unique per region (or per account, for IAM). */
const UNIQUE_NAMES: Array<[type: string, attribute: string, scope: 'region' | 'account']> = [
  ['aws_lambda_function', 'function_name', 'region'],
  ['aws_lb', 'name', 'region'],
  ['aws_lb_target_group', 'name', 'region'],
  ['aws_lb_trust_store', 'name', 'region'],
  ['aws_security_group', 'name', 'region'],
  ['aws_cloudwatch_log_group', 'name', 'region'],
  ['aws_cloudwatch_metric_alarm', 'alarm_name', 'region'],
  ['aws_cloudwatch_composite_alarm', 'alarm_name', 'region'],
  ['aws_secretsmanager_secret', 'name', 'region'],
  ['aws_kms_alias', 'name', 'region'],
  ['aws_sns_topic', 'name', 'region'],
  ['aws_iam_role', 'name', 'account'],
];

describe('scale app: 100 customers, one stack each', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'scale-'));
  let stacks: Stack[] = [];
  let platformNames = new Map<string, string>();
  const customers = () => stacks.filter((s) => s.name.startsWith('customer-'));

  beforeAll(() => {
    const { app, layout } = buildScaleApp(outdir, { runtimeBundleDirectory: BUNDLE });
    app.synth();
    platformNames = new Map(layout.platforms.map((p) => [p.region, p.props.name]));
    stacks = listStacks(outdir).map((dir) => {
      const json = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
      return {
        name: dir.split('/').pop()!,
        region: json.provider.aws[0].region,
        resources: json.resource ?? {},
        backendKey: json.terraform.backend.s3.key,
        remoteStateKeys: Object.values(json.data?.terraform_remote_state ?? {}).map(
          (r) => (r as { config: { key: string } }).config.key,
        ),
      };
    });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes 104 stacks: 4 platforms (one per region) and 100 customers', () => {
    expect(stacks).toHaveLength(104);
    expect(customers()).toHaveLength(100);
    const platforms = stacks.filter((s) => s.name.startsWith('platform-'));
    expect(platforms.map((s) => s.region).sort()).toEqual([...REGIONS].sort());
  });

  it('gives every customer its subnets, VPN, secrets, function and load balancer, in its own stack', () => {
    for (const stack of customers()) {
      const customer = stack.name.replace('customer-', '');
      const counts = Object.fromEntries(
        ['aws_subnet', 'aws_route_table', 'aws_network_acl', 'aws_customer_gateway', 'aws_vpn_connection']
          .concat(['aws_kms_key', 'aws_lambda_function', 'aws_lb', 'aws_lb_listener', 'aws_lb_target_group'])
          .map((type) => [type, all(stack, type).length]),
      );
      expect({ stack: stack.name, counts }).toEqual({
        stack: stack.name,
        counts: {
          aws_subnet: 2,
          aws_route_table: 1,
          aws_network_acl: 1,
          aws_customer_gateway: 1,
          aws_vpn_connection: 1,
          aws_kms_key: 1,
          aws_lambda_function: 1,
          aws_lb: 1,
          aws_lb_listener: 1,
          aws_lb_target_group: 1,
        },
      });
      expect(all(stack, 'aws_lambda_function')[0].function_name).toBe(
        `${platformNames.get(stack.region)}-${customer}-gateway`,
      );
      expect(all(stack, 'aws_secretsmanager_secret').length).toBeGreaterThanOrEqual(1);
      const vpn = all(stack, 'aws_vpn_connection')[0];
      const onTgw = 'transit_gateway_id' in vpn;
      expect(all(stack, 'aws_ec2_transit_gateway_route_table')).toHaveLength(onTgw ? 1 : 0);
    }
  });

  it('mixes virtual private gateway and transit gateway customers', () => {
    const onTgw = customers().filter((s) => 'transit_gateway_id' in all(s, 'aws_vpn_connection')[0]);
    expect(onTgw).toHaveLength(64);
    expect(customers().length - onTgw.length).toBe(36);
  });

  it('has no two resources with the same name where AWS needs unique names', () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const stack of stacks) {
      for (const [type, attribute, scope] of UNIQUE_NAMES) {
        for (const resource of all(stack, type)) {
          const name = resource[attribute];
          if (typeof name !== 'string') continue;
          const key = `${type} ${scope === 'account' ? 'account' : stack.region} ${name}`;
          const earlier = seen.get(key);
          if (earlier) duplicates.push(`${key} in ${earlier} and ${stack.name}`);
          seen.set(key, stack.name);
        }
      }
    }
    expect(duplicates).toEqual([]);
    expect(seen.size).toBeGreaterThan(100 * 10);
  });

  it('keeps each stack’s state under its own key; each customer reads only its own region’s platform', () => {
    expect(new Set(stacks.map((s) => s.backendKey)).size).toBe(stacks.length);
    const platformKey = new Map(
      stacks.filter((s) => s.name.startsWith('platform-')).map((s) => [s.region, s.backendKey]),
    );
    for (const stack of customers()) expect(stack.remoteStateKeys).toEqual([platformKey.get(stack.region)]);
  });

  it('respects the AWS quotas, counted from the synthesized stacks', () => {
    const perRegion = (type: string) =>
      REGIONS.map((region) =>
        customers()
          .filter((s) => s.region === region)
          .reduce((n, s) => n + all(s, type).length, 0),
      );
    expect(Math.max(...perRegion('aws_lb'))).toBeLessThanOrEqual(SCALE_QUOTAS.loadBalancersPerRegion);
    expect(Math.max(...perRegion('aws_vpn_connection'))).toBeLessThanOrEqual(
      SCALE_QUOTAS.vpnConnectionsPerRegion,
    );
    expect(Math.max(...perRegion('aws_lb_trust_store'))).toBeLessThanOrEqual(
      SCALE_QUOTAS.trustStoresPerRegion,
    );
    expect(Math.max(...perRegion('aws_lb_trust_store'))).toBeGreaterThan(0);
    // Per attachment point: customers of one region share one platform (one VGW, one TGW).
    for (const region of REGIONS) {
      const inRegion = customers().filter((s) => s.region === region);
      const vpns = inRegion.map((s) => all(s, 'aws_vpn_connection')[0]);
      const onVgw = vpns.filter((v) => 'vpn_gateway_id' in v).length;
      const tgwTables =
        1 + inRegion.reduce((n, s) => n + all(s, 'aws_ec2_transit_gateway_route_table').length, 0);
      expect(onVgw).toBeLessThanOrEqual(SCALE_QUOTAS.vpnConnectionsPerVpnGateway);
      expect(tgwTables).toBeLessThanOrEqual(SCALE_QUOTAS.routeTablesPerTransitGateway);
    }
  });

  test('fails when more customers are asked for than the four regions hold within the quotas', () => {
    expect(() => scaleLayout(101)).toThrow(
      'customers 101: give 1-100 (25 per platform, one platform per region of eu-west-1, eu-central-1, eu-north-1, eu-west-3)',
    );
  });
});
