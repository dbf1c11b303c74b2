/**
 * The top of the test ladder for the example app: synthesize it, then terraform init (from the local
 * provider mirror), validate and plan it offline, for real.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleApp } from '../../examples/main';
import { OVERRIDE_FILE, PlanResult, listStacks, planOffline } from '../../lib/terraform/harness';
import { writeHandoffs } from '../../lib/cli/handoff';
import { outputsFromPlan } from '../../lib/handoff/outputs';
import { validateConfig } from '../../gateway-runtime/src/config/validate';

jest.setTimeout(300_000);

describe('example app, planned offline', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'example-'));
  const results = new Map<string, PlanResult>();

  beforeAll(async () => {
    buildExampleApp(outdir).synth();
    for (const stackDir of listStacks(outdir)) {
      results.set(stackDir.split('/').pop()!, await planOffline(stackDir));
    }
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('deploys one gateway function per customer, each with a configuration the runtime accepts', () => {
    const { plan, stackDir } = results.get('backend-link-example')!;
    expect((plan.resource_changes ?? []).filter((rc) => rc.type === 'aws_lambda_function')).toHaveLength(5);
    // In the plan the environment is unknown (it holds secret ARNs): read the synthesized configuration.
    const synthesized = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
    const functions = Object.values(synthesized.resource.aws_lambda_function) as Array<{
      environment: { variables: Record<string, string> };
    }>;
    const configs = functions.map((f) => JSON.parse(f.environment.variables.GATEWAY_CONFIG));
    expect(configs.map((c) => [c.name, c.security.type]).sort()).toEqual([
      ['acme', 'digest'],
      ['globex', 'oauth2-client-credentials'],
      ['initech', 'signature'],
      ['umbrella', 'digest'],
      ['wonka', 'basic'],
    ]);
    // wonka's runtime connects to its resource endpoint and keeps its backend's URL (Host, SNI).
    const wonka = configs.find((c) => c.name === 'wonka');
    expect(wonka.backend.url).toBe('https://orders.wonka.internal:8443/api');
    expect(wonka.backend.connectTo).toMatch(
      /^\$\{aws_vpc_endpoint\.Wonka_ResourceEndpoint_[0-9A-F]{8}\.dns_entry\[0\]\.dns_name\}:8443$/,
    );
    // Secret ARNs are Terraform interpolations until apply: checked by shape; everything else in full.
    for (const config of configs) {
      expect(() => validateConfig(config, { isUnresolved: (v) => v.includes('${') })).not.toThrow();
    }
  });

  it('writes a handoff document for each customer, with no secret value', () => {
    const { plan, stackDir } = results.get('backend-link-example')!;
    const files = writeHandoffs(stackDir, outputsFromPlan(plan), join(outdir, 'handoff'));
    // Every VPN customer gets its device configuration beside the document; umbrella (public DMZ path) and
    // wonka (resource endpoint) have none.
    expect(files.map((f) => f.split('/').pop())).toEqual([
      ...['acme', 'globex', 'initech'].flatMap((c) => [`${c}.md`, `${c}.swanctl.conf`, `${c}.nft`]),
      'umbrella.md',
      'wonka.md',
    ]);
    const [acme, globex, initech, umbrella, wonka] = files
      .filter((f) => f.endsWith('.md'))
      .map((f) => readFileSync(f, 'utf8'));
    const acmeSwanctl = readFileSync(join(outdir, 'handoff', 'acme.swanctl.conf'), 'utf8');
    expect(acmeSwanctl).toContain('    remote_addrs = FILL_IN_TUNNEL1_AWS_OUTSIDE_ADDRESS');
    expect(acmeSwanctl).toContain('        local_ts = 172.20.0.0/16\n        remote_ts = 10.40.128.0/24');
    expect(readFileSync(join(outdir, 'handoff', 'globex.swanctl.conf'), 'utf8')).toContain(
      "#   your ASN 65010, AWS's ASN 64520, hold time 30 s, keepalive 10 s",
    );
    expect(readFileSync(join(outdir, 'handoff', 'initech.nft'), 'utf8')).toContain(
      'elements = { 10.40.130.0/25, 10.40.130.128/25 }',
    );
    expect(acme).toContain('Scheme: **HTTP Digest authentication (RFC 7616)**');
    expect(acme).toContain('- `10.40.128.0/25`');
    expect(globex).toContain('| client id | `apicloud-gateway` |');
    expect(globex).toContain('### Mutual TLS');
    expect(initech).toContain('| keyId | `apicloud-gateway-2026` |');
    // The public DMZ path: the Elastic IPs (known after deploy) are the sources to allow, both proxy
    // configurations are there, and no VPN.
    expect(umbrella).toContain('## 1. Network path: your DMZ endpoint, over the internet');
    expect(umbrella).toContain(
      'from these fixed addresses only: _known after deploy_, _known after deploy_.',
    );
    expect(umbrella).toContain('### gateway-runtime (`gateway-runtime serve --config dmz-proxy.json`)');
    expect(umbrella).toContain('    ssl_verify_client on;');
    expect(umbrella).toContain(
      '    allow ELASTIC-IP-KNOWN-AFTER-DEPLOY;\n    allow ELASTIC-IP-KNOWN-AFTER-DEPLOY;\n    deny all;',
    );
    expect(umbrella).toContain('"trustedSources": {');
    expect(umbrella).not.toContain('IKE version');
    // The resource-endpoint path: what wonka shares with which account, and no VPN.
    expect(wonka).toContain('## 1. Network path: a VPC Lattice resource endpoint, no VPN');
    expect(wonka).toContain('(AWS account `123456789012`, region `eu-west-1`)');
    expect(wonka).toContain('## 2. What you create in your AWS account');
    expect(wonka).not.toContain('IKE version');
    for (const doc of [acme, globex, initech, umbrella, wonka]) {
      if (doc !== umbrella && doc !== wonka) expect(doc).toContain('| IKE version | `ikev2` | `ikev2` |');
      expect(doc).not.toMatch(/preshared_key"?\s*[:=]/);
      expect(doc).not.toContain('offline-plan-placeholder');
    }
  });

  it('synthesizes the backend-link-example stack', () => {
    expect([...results.keys()]).toEqual(['backend-link-example']);
  });

  it('plans (plan validates first) and writes plan.json beside every stack', () => {
    for (const result of results.values()) {
      expect(result.runs.map((r) => r.args[0])).toEqual(['init', 'plan', 'show']);
      expect(result.runs[1].stdout).toContain('Plan: ');
      expect(existsSync(result.planJsonPath)).toBe(true);
      expect(JSON.parse(readFileSync(result.planJsonPath, 'utf8')).format_version).toBeDefined();
    }
  });

  it('plans the platform VPC and both customers’ subnets, route tables and network ACLs', () => {
    const { plan, summary } = results.get('backend-link-example')!;
    expect(summary.toChange).toBe(0);
    expect(summary.toDestroy).toBe(0);
    expect(summary.addedByType.aws_vpc).toBe(1);
    // One network ACL per customer and one for the public NAT subnets; one route table per VPN customer and
    // one for the resource-endpoint customer (it holds no route), one per zone for the customer on the public
    // DMZ path and one per public NAT subnet; one subnet and association per customer and zone.
    const customers = 5;
    expect(summary.addedByType.aws_network_acl).toBe(customers + 1);
    expect(summary.addedByType.aws_route_table).toBe(3 + 1 + 2 + 2);
    expect(summary.addedByType.aws_subnet).toBeGreaterThanOrEqual(2 * customers);
    const subnets = (plan.resource_changes ?? [])
      .filter((rc) => rc.type === 'aws_subnet')
      .map((rc) => rc.change.after as { cidr_block: string; availability_zone: string })
      .map((s) => `${s.availability_zone} ${s.cidr_block}`)
      .sort();
    expect(subnets).toEqual(
      expect.arrayContaining([
        'eu-west-1a 10.40.128.0/25',
        'eu-west-1a 10.40.129.0/25',
        'eu-west-1b 10.40.128.128/25',
        'eu-west-1b 10.40.129.128/25',
      ]),
    );
    expect(summary.outputs).toEqual(
      expect.arrayContaining(['acme_subnet_cidrs', 'globex_subnet_cidrs', 'apicloud_vpc_id']),
    );
  });

  it('keeps the offline credentials in an override file, not in the synthesized configuration', () => {
    for (const result of results.values()) {
      const config = readFileSync(join(result.stackDir, 'cdk.tf.json'), 'utf8');
      expect(config).not.toContain('skip_credentials_validation');
      expect(existsSync(join(result.stackDir, OVERRIDE_FILE))).toBe(true);
    }
  });
});
