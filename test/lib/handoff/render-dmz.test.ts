/**
 * The handoff document of a customer on the public DMZ path, on the constructs' real output: a platform with
 * public egress and a CustomerBackendLink with a public endpoint (mutual TLS and digest), synthesized,
 * planned offline and handed to `backend-link handoff`: the endpoint, the Elastic IPs to allow, both proxy
 * configurations.
 */
import { readFileSync } from 'node:fs';
import { TerraformStack } from 'cdktf';
import { BackendSecurity, CustomerBackendLink, GatewayPlatform, SecretSource } from '../../../lib';
import { dmzGatewayRuntimeConfig, dmzNginxServerBlock } from '../../../lib/handoff/dmz-proxy-config';
import { BUNDLE, HandoffApp, HandoffFiles, planHandoffApp, section } from './support/handoff-app';

// Synthesis and an offline plan with Terraform.
jest.setTimeout(300_000);

const ELASTIC_IPS = ['52.30.1.1', '52.30.1.2'];

function buildDmzCustomer(stack: TerraformStack): void {
  const platform = new GatewayPlatform(stack, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
    publicEgress: { subnetsCidrBlock: '10.40.1.0/27', ports: [8443] },
  });
  new CustomerBackendLink(stack, 'Umbrella', {
    platform,
    accountId: '123456789012',
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    runtime: { runtimeBundleDirectory: BUNDLE },
    customerName: 'umbrella',
    cidrBlock: '10.40.131.0/24',
    publicEndpoint: { addresses: ['85.214.20.40', '85.214.20.41'] },
    backend: { url: 'https://dmz.umbrella.example:8443/api' },
    security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }).withMutualTls({
      clientCertificate: SecretSource.fillAfterDeploy(),
      backendCa: SecretSource.fillAfterDeploy(),
    }),
  });
}

describe('handoff document: public DMZ path, from the constructs’ real output', () => {
  let app: HandoffApp;
  let planned: HandoffFiles;
  let deployed: string;
  let outputsJson: Record<string, { value: unknown }>;

  beforeAll(async () => {
    app = await planHandoffApp('dmz', buildDmzCustomer);
    planned = app.handoff();
    // A deploy gives the Elastic IPs: in the handoff's public endpoint and in the firewall's allow-list.
    const file = app.terraformOutputJson({
      umbrella_handoff: (derived) => {
        const h = derived as { public_endpoint: Record<string, unknown> };
        return { ...h, public_endpoint: { ...h.public_endpoint, egress_ips: ELASTIC_IPS } };
      },
      umbrella_firewall_allow_list: () => ELASTIC_IPS,
    });
    outputsJson = JSON.parse(readFileSync(file, 'utf8'));
    deployed = app.handoff([app.stack, '--from-outputs', file])['umbrella.md'];
  });
  afterAll(() => app?.remove());

  test('GIVEN a deployed stack THEN the network section names the endpoint, its addresses and the Elastic IPs, and no VPN', () => {
    expect(deployed).toContain('## 1. Network path: your DMZ endpoint, over the internet');
    expect(deployed).toContain(
      'The gateway calls `https://dmz.umbrella.example:8443` over the internet, at `85.214.20.40`, `85.214.20.41` (the addresses you gave us: tell us before they change), from these fixed addresses only: `52.30.1.1`, `52.30.1.2`.',
    );
    expect(deployed).toContain(
      'It presents a client certificate (mutual TLS, below): your proxy admits no other caller.',
    );
    expect(deployed).not.toContain('Site-to-site VPN');
    expect(deployed).not.toContain('over a private link');
    // No device configuration for a customer without a VPN.
    expect(Object.keys(planned)).toEqual(['umbrella.md']);
  });

  test('THEN the firewall section lists the Elastic IPs, not the private subnets', () => {
    const firewall = section(deployed, '## 2. Your firewall: allow only these sources');
    expect(firewall).toContain('- `52.30.1.1`\n- `52.30.1.2`');
    expect(firewall).not.toContain('10.40.131');
    expect(firewall).toContain(
      '| backend | `dmz.umbrella.example` | `85.214.20.40/32`, `85.214.20.41/32` | 8443 |',
    );
  });

  test('THEN the firewall allow-list output is the Elastic IPs of the customer’s zones, as the handoff’s egress_ips are', () => {
    const outputs = (
      app.plan.configuration as {
        root_module: { outputs: Record<string, { expression?: { references?: string[] } }> };
      }
    ).root_module.outputs;
    const eips = (name: string) =>
      (outputs[name].expression?.references ?? [])
        .filter((r) => /^aws_eip\.[^.]+\.public_ip$/.test(r))
        .sort();
    const allowList = eips('umbrella_firewall_allow_list');
    expect(allowList).toHaveLength(2);
    expect(
      outputs.umbrella_firewall_allow_list.expression?.references?.every((r) => r.startsWith('aws_eip.')),
    ).toBe(true);
    expect(eips('umbrella_handoff')).toEqual(allowList);
    expect(outputsJson.umbrella_firewall_allow_list.value).toEqual(ELASTIC_IPS);
  });

  test('THEN the proxy section follows the scheme section in the numbering', () => {
    expect(deployed.match(/^## \d\. .*$/gm)).toEqual([
      '## 1. Network path: your DMZ endpoint, over the internet',
      '## 2. Your firewall: allow only these sources, to these destinations',
      '## 3. How the gateway authenticates to your backend',
      '## 4. Your DMZ proxy: two ready configurations',
    ]);
  });

  test('THEN both proxy configurations are in it, exactly as generated from the same facts', () => {
    const facts = {
      customer: 'umbrella',
      hostname: 'dmz.umbrella.example',
      port: 8443,
      egressIps: ELASTIC_IPS,
      gatewayScheme: 'digest' as const,
    };
    expect(deployed).toContain(
      `\`\`\`json\n${JSON.stringify(dmzGatewayRuntimeConfig(facts), null, 2)}\n\`\`\``,
    );
    expect(deployed).toContain(`\`\`\`nginx\n${dmzNginxServerBlock(facts).trimEnd()}\n\`\`\``);
    expect(deployed).not.toContain('ELASTIC-IP-KNOWN-AFTER-DEPLOY');
  });

  test('GIVEN the offline plan THEN the Elastic IPs are marked known after deploy and the configurations fail closed', () => {
    expect(app.outputChange('umbrella_handoff').after_unknown).toEqual(
      expect.objectContaining({ public_endpoint: expect.objectContaining({ egress_ips: [true, true] }) }),
    );
    const doc = planned['umbrella.md'];
    expect(doc).toContain('from these fixed addresses only: _known after deploy_, _known after deploy_.');
    expect(doc).toContain('    allow ELASTIC-IP-KNOWN-AFTER-DEPLOY;');
    expect(doc).toContain('"ELASTIC-IP-KNOWN-AFTER-DEPLOY/32"');
    expect(doc).toContain('Ask for this document again after deploy.');
  });
});
