/** The handoff document of a customer on the public DMZ path: the endpoint, the Elastic IPs to allow, both proxy configurations. */
import { dmzGatewayRuntimeConfig, dmzNginxServerBlock } from '../../../lib/handoff/dmz-proxy-config';
import { outputsFromPlan, outputsFromTerraform } from '../../../lib/handoff/outputs';
import { renderHandoff } from '../../../lib/handoff/render';

const handoffValue = (egressIps: unknown[]) => ({
  customer: 'umbrella',
  backend_url: 'https://dmz.umbrella.example:8443/api',
  security: { scheme: 'HTTP Digest authentication (RFC 7616)' },
  mutual_tls: { client_certificate_secret_arn: 'arn:x', servername: 'dmz.umbrella.example' },
  source_cidrs: ['10.40.131.0/25', '10.40.131.128/25'],
  public_endpoint: {
    hostname: 'dmz.umbrella.example',
    port: 8443,
    addresses: ['85.214.20.40', '85.214.20.41'],
    egress_ips: egressIps,
    header_scheme: 'digest',
  },
  secret_arns: {},
  fill_after_deploy: [],
});

describe('handoff document: public DMZ path', () => {
  const deployed = renderHandoff(
    'umbrella',
    outputsFromTerraform({
      umbrella_handoff: { value: handoffValue(['52.30.1.1', '52.30.1.2']) },
      umbrella_firewall_allow_list: { value: ['10.40.131.0/25', '10.40.131.128/25'] },
    }),
  );

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
  });

  test('THEN the firewall section lists the Elastic IPs, not the private subnets', () => {
    const firewall = deployed.split('## 2. Your firewall: allow only these sources')[1].split('## 3.')[0];
    expect(firewall).toContain('- `52.30.1.1`\n- `52.30.1.2`');
    expect(firewall).not.toContain('10.40.131');
  });

  test('THEN the proxy section follows the scheme section in the numbering', () => {
    expect(deployed.match(/^## \d\. .*$/gm)).toEqual([
      '## 1. Network path: your DMZ endpoint, over the internet',
      '## 2. Your firewall: allow only these sources',
      '## 3. How the gateway authenticates to your backend',
      '## 4. Your DMZ proxy: two ready configurations',
    ]);
  });

  test('THEN both proxy configurations are in it, exactly as generated from the same facts', () => {
    const facts = {
      customer: 'umbrella',
      hostname: 'dmz.umbrella.example',
      port: 8443,
      egressIps: ['52.30.1.1', '52.30.1.2'],
      gatewayScheme: 'digest' as const,
    };
    expect(deployed).toContain(
      `\`\`\`json\n${JSON.stringify(dmzGatewayRuntimeConfig(facts), null, 2)}\n\`\`\``,
    );
    expect(deployed).toContain(`\`\`\`nginx\n${dmzNginxServerBlock(facts).trimEnd()}\n\`\`\``);
    expect(deployed).not.toContain('ELASTIC-IP-KNOWN-AFTER-DEPLOY');
  });

  test('GIVEN the offline plan THEN the Elastic IPs are marked known after deploy and the configurations fail closed', () => {
    const doc = renderHandoff(
      'umbrella',
      outputsFromPlan({
        output_changes: {
          umbrella_handoff: {
            after: handoffValue([null, null]),
            after_unknown: { public_endpoint: { egress_ips: [true, true] } },
          },
        },
      }),
    );
    expect(doc).toContain('from these fixed addresses only: _known after deploy_, _known after deploy_.');
    expect(doc).toContain('    allow ELASTIC-IP-KNOWN-AFTER-DEPLOY;');
    expect(doc).toContain('"ELASTIC-IP-KNOWN-AFTER-DEPLOY/32"');
    expect(doc).toContain('Ask for this document again after deploy.');
  });
});
