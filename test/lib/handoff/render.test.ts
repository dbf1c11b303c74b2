/**
 * The handoff document of VPN customers, on the constructs' real output: a platform and three
 * CustomerBackendLinks (static routing on the virtual private gateway with digest and with request signing
 * and trusted sources; BGP on the transit gateway with OAuth 2.0 and mutual TLS) synthesized, planned
 * offline, and handed to `backend-link handoff` from the plan and from `terraform output -json`.
 */
import { readFileSync } from 'node:fs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { BackendSecurity, CustomerBackendLink, GatewayPlatform, SecretSource } from '../../../lib';
import { UNKNOWN, outputsFromPlan, outputsFromTerraform } from '../../../lib/handoff/outputs';
import { handoffCustomers, renderHandoff } from '../../../lib/handoff/render';
import { BUNDLE, HandoffApp, HandoffFiles, planHandoffApp, section } from './support/handoff-app';

// Synthesis and an offline plan of 3 customers with Terraform.
jest.setTimeout(300_000);

const ACCOUNT_ID = '123456789012';
const GATEWAY_TIER = '10.40.0.64/26';

function buildCustomers(stack: TerraformStack): void {
  const platform = new GatewayPlatform(stack, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    transitGateway: { attachmentSubnetsCidrBlock: '10.40.0.0/27', amazonSideAsn: 64520 },
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
  });
  const common = {
    platform,
    accountId: ACCOUNT_ID,
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: GATEWAY_TIER, description: 'gateway tier' }],
    },
    runtime: { runtimeBundleDirectory: BUNDLE },
    deployerPrincipalArn: 'arn:aws:iam::123456789012:role/terraform-deploy',
  };
  new CustomerBackendLink(stack, 'Acme', {
    ...common,
    customerName: 'acme',
    cidrBlock: '10.40.128.0/24',
    vpn: { attachment: 'vpn-gateway', customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
    backend: { url: 'https://orders.acme.internal:8443/api', dns: { servers: ['172.20.0.53'] } },
    security: BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
  });
  new CustomerBackendLink(stack, 'Globex', {
    ...common,
    customerName: 'globex',
    cidrBlock: '10.40.129.0/24',
    vpn: {
      attachment: 'transit-gateway',
      customerGatewayIp: '91.198.174.192',
      onPremCidrs: ['192.168.50.0/24', '192.168.60.0/24'],
      routing: 'bgp',
      bgpAsn: 65010,
    },
    backend: {
      url: 'https://api.globex.internal/v2',
      dns: { servers: ['192.168.50.53'] },
      additionalEgress: [{ cidr: '192.168.60.10/32', port: 8443, description: 'globex token endpoint' }],
    },
    security: BackendSecurity.oauth2ClientCredentials({
      tokenUrl: 'https://login.globex.internal:8443/oauth2/token',
      clientId: 'apicloud-gateway',
      clientSecret: SecretSource.fillAfterDeploy(),
      scope: 'inventory:read',
    }).withMutualTls({
      clientCertificate: SecretSource.fillAfterDeploy(),
      backendCa: SecretSource.fillAfterDeploy(),
    }),
  });
  new CustomerBackendLink(stack, 'Initech', {
    ...common,
    customerName: 'initech',
    cidrBlock: '10.40.130.0/24',
    vpn: {
      attachment: 'vpn-gateway',
      customerGatewayIp: '62.210.16.61',
      onPremCidrs: ['10.77.0.0/20'],
      tunnel1: { insideCidr: '169.254.44.0/30' },
      tunnel2: { insideCidr: '169.254.44.4/30' },
    },
    backend: { url: 'https://tps.initech.internal/reports', dns: { servers: ['10.77.0.53'] } },
    security: BackendSecurity.requestSigning({
      keyId: 'apicloud-gateway-2026',
      algorithm: 'hmac-sha256',
      key: SecretSource.fromWriteOnlyVariable({ version: 1 }),
    }).withTrustedSources({ cidrs: [GATEWAY_TIER] }),
  });
  // Another part of the app: a sensitive output the handoff must never show.
  new TerraformOutput(stack, 'SomePassword', {
    value: 'not-for-the-handoff',
    sensitive: true,
  }).overrideLogicalId('some_password');
}

const PSK_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/initech/vpn-psk-XyZ123';
const SIGNING_KEY_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/initech/signing-key-AbC123';

describe('handoff document of VPN customers, from the constructs’ real output', () => {
  let app: HandoffApp;
  /** `backend-link handoff` from plan.json (the command's default). */
  let planned: HandoffFiles;
  /** `backend-link handoff STACK --from-outputs FILE`, FILE from `terraform output -json` of the deployed stack. */
  let applied: HandoffFiles;
  let outputsJson: Record<string, { value: unknown; sensitive?: boolean }>;

  beforeAll(async () => {
    app = await planHandoffApp('customers', buildCustomers);
    planned = app.handoff();
    // What a deploy adds: AWS's tunnel endpoints and inside addresses, the secrets' ARNs.
    const file = app.terraformOutputJson({
      initech_vpn_tunnel_outside_addresses: () => ['3.248.1.10', '52.16.2.20'],
      initech_vpn_tunnel_inside_addresses: () => ({
        tunnel1: { aws: '169.254.44.1', customer: '169.254.44.2' },
        tunnel2: { aws: '169.254.44.5', customer: '169.254.44.6' },
      }),
      initech_vpn_preshared_key_secret_arn: () => PSK_ARN,
      initech_handoff: (derived) => ({
        ...(derived as Record<string, unknown>),
        secret_arns: Object.fromEntries(
          Object.keys((derived as { secret_arns: object }).secret_arns).map((name) => [
            name,
            SIGNING_KEY_ARN,
          ]),
        ),
      }),
    });
    outputsJson = JSON.parse(readFileSync(file, 'utf8'));
    applied = app.handoff([app.stack, '--from-outputs', file]);
  });
  afterAll(() => app?.remove());

  it('finds the customers from their handoff outputs and writes a document for each', () => {
    expect(handoffCustomers(outputsFromTerraform(outputsJson))).toEqual(['acme', 'globex', 'initech']);
    expect(Object.keys(applied).filter((f) => f.endsWith('.md'))).toEqual([
      'acme.md',
      'globex.md',
      'initech.md',
    ]);
    expect(Object.keys(planned).filter((f) => f.endsWith('.md'))).toEqual([
      'acme.md',
      'globex.md',
      'initech.md',
    ]);
  });

  it('GIVEN applied outputs THEN it lists both tunnels with addresses and IKE parameters', () => {
    const doc = applied['initech.md'];
    expect(doc).toContain('| AWS outside address | `3.248.1.10` | `52.16.2.20` |');
    expect(doc).toContain('| inside address, your side | `169.254.44.2` | `169.254.44.6` |');
    expect(doc).toContain('| phase 1 DH groups | `19`, `20`, `21` | `19`, `20`, `21` |');
    expect(doc).toContain('- Your ranges routed through the tunnels: `10.77.0.0/20`.');
    expect(doc).toContain('- Routing: `static`; AWS-side ASN');
    expect(doc).not.toContain('known after deploy');
  });

  it('shows the outside addresses as SiteToSiteVpn outputs them (a list), not as "known after deploy"', () => {
    expect(outputsJson.initech_vpn_tunnel_outside_addresses.value).toEqual(['3.248.1.10', '52.16.2.20']);
    expect(applied['initech.md']).toContain('| AWS outside address | `3.248.1.10` | `52.16.2.20` |');
  });

  it('names the generated device configuration files of a VPN customer, written beside it', () => {
    const doc = applied['initech.md'];
    expect(doc).toContain('### Your VPN device configuration (generated)');
    expect(doc).toContain(
      '- `initech.swanctl.conf`: strongSwan configuration of both tunnels (`swanctl --load-all --file initech.swanctl.conf`); fill in the pre-shared keys.',
    );
    expect(doc).toContain(
      '- `initech.nft`: nftables rules for your firewall from the allow-list (`nft -f initech.nft`).',
    );
    expect(applied['initech.swanctl.conf']).toContain('3.248.1.10');
    expect(applied['initech.nft']).toContain('10.40.130.0/25');
  });

  it('tells the customer which sources to allow, to every destination and port the gateway uses', () => {
    const firewall = section(applied['initech.md'], '## 2. Your firewall');
    expect(firewall).toContain('## 2. Your firewall: allow only these sources, to these destinations');
    expect(firewall).toContain('- `10.40.130.0/25`\n- `10.40.130.128/25`');
    expect(firewall).toContain(
      [
        'Allow TCP from them to these destinations and ports, and nothing else from our side:',
        '',
        '| destination | host | addresses | TCP port |',
        '| --- | --- | --- | --- |',
        '| backend | `tps.initech.internal` | `10.77.0.0/20` | 443 |',
      ].join('\n'),
    );
    // backend.dns: the gateway's DNS queries to the customer's servers, from the same addresses.
    expect(firewall).toContain(
      'The gateway resolves `tps.initech.internal` through your DNS servers: from the same addresses, allow DNS queries (UDP and TCP) to\n\n- 10.77.0.53, port 53',
    );
  });

  it('GIVEN OAuth 2.0 THEN the destinations include the token endpoint, by name and as additional egress', () => {
    const firewall = section(applied['globex.md'], '## 2. Your firewall');
    expect(firewall).toContain(
      '| backend | `api.globex.internal` | `192.168.50.0/24`, `192.168.60.0/24` | 443 |',
    );
    // The token endpoint's name resolves to the address given as additional egress on its port.
    expect(firewall).toContain(
      '| OAuth 2.0 token endpoint | `login.globex.internal` | `192.168.60.10/32` | 8443 |',
    );
    expect(firewall).toContain('| globex token endpoint | – | `192.168.60.10/32` | 8443 |');
  });

  it('gives the signing keyId, algorithm and signed headers, and says the key is exchanged elsewhere', () => {
    const doc = applied['initech.md'];
    expect(doc).toContain('| keyId | `apicloud-gateway-2026` |');
    expect(doc).toContain('| algorithm | `hmac-sha256` |');
    expect(doc).toContain('| signed headers | `(request-target) host date digest` |');
    expect(doc).toContain('The HMAC key is shared: agree on it with your contact over a separate channel');
    expect(doc).toContain('## 4. Trusted sources');
    expect(doc).toContain(`only from \`${GATEWAY_TIER}\` (the gateway tier)`);
  });

  it('names where the pre-shared keys are, never a sensitive output', () => {
    expect(outputsJson.some_password).toEqual(expect.objectContaining({ sensitive: true }));
    expect(applied['initech.md']).toContain(`kept in AWS Secrets Manager (\`${PSK_ARN}\`)`);
    for (const files of [applied, planned]) {
      for (const [name, content] of Object.entries(files)) {
        expect([name, content.includes('not-for-the-handoff')]).toEqual([name, false]);
      }
    }
  });

  it('GIVEN the plan THEN values known only after apply are marked, known ones shown', () => {
    expect(outputsFromPlan(app.plan).get('acme_vpn_tunnel_outside_addresses')).toEqual([UNKNOWN, UNKNOWN]);
    const acme = planned['acme.md'];
    expect(acme).toContain('| AWS outside address | _known after deploy_ | _known after deploy_ |');
    expect(acme).toContain('| credentials | _known after deploy_ | no |');
    expect(acme).toContain('| phase 1 DH groups | `19`, `20`, `21` | `19`, `20`, `21` |');
    expect(acme).toContain('Digest algorithms MD5, MD5-sess, SHA-256 and SHA-256-sess');
  });

  it('GIVEN a handoff output without the destinations (an older stack) THEN it still names the backend’s host and port', () => {
    const change = app.outputChange('acme_handoff');
    const { destinations: _after, ...older } = change.after as Record<string, unknown>;
    const { destinations: _unknown, ...olderUnknown } = (change.after_unknown ?? {}) as Record<
      string,
      unknown
    >;
    const doc = renderHandoff(
      'acme',
      outputsFromPlan({ output_changes: { acme_handoff: { after: older, after_unknown: olderUnknown } } }),
    );
    expect(doc).toContain(
      'Allow TCP to your backend (`orders.acme.internal`, port 8443) from these addresses',
    );
  });

  it('fails when the customer has no handoff output, naming it', () => {
    expect(() => renderHandoff('hooli', outputsFromTerraform(outputsJson))).toThrow(
      'no output hooli_handoff: is "hooli" a CustomerBackendLink of this stack?',
    );
  });
});
