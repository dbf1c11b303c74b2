import { UNKNOWN, outputsFromPlan, outputsFromTerraform } from '../../../lib/handoff/outputs';
import { handoffCustomers, renderHandoff } from '../../../lib/handoff/render';

const IKE = {
  ike_versions: ['ikev2'],
  phase1_encryption: ['AES256-GCM-16'],
  phase1_integrity: ['SHA2-384'],
  phase1_dh_groups: [20],
  phase1_lifetime_seconds: 28800,
  phase2_encryption: ['AES256-GCM-16'],
  phase2_integrity: ['SHA2-384'],
  phase2_dh_groups: [20],
  phase2_lifetime_seconds: 3600,
  dpd_timeout_seconds: 30,
  startup_action: 'add',
};

/** What `terraform output -json` prints after a real apply (abridged to one customer). */
const applied = {
  initech_handoff: {
    value: {
      customer: 'initech',
      backend_url: 'https://tps.initech.internal/reports',
      security: {
        scheme: 'HTTP request signing (draft-cavage-http-signatures-10)',
        keyId: 'apicloud-gateway-2026',
        algorithm: 'hmac-sha256',
        headers: '(request-target) host date digest',
      },
      trusted_sources: ['10.40.0.64/26'],
      source_cidrs: ['10.40.130.0/25', '10.40.130.128/25'],
      destinations: [
        { what: 'backend', host: 'tps.initech.internal', cidrs: ['10.77.0.0/20'], port: 443 },
        {
          what: 'OAuth 2.0 token endpoint',
          host: 'login.initech.internal',
          cidrs: ['10.77.1.5/32'],
          port: 8443,
        },
        { what: 'initech token endpoint', cidrs: ['10.77.1.5/32'], port: 8443 },
      ],
      secret_arns: {
        'signing-key':
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/initech/signing-key-AbC123',
      },
      fill_after_deploy: [],
    },
  },
  initech_firewall_allow_list: { value: ['10.40.130.0/25', '10.40.130.128/25'] },
  initech_vpn_ike_parameters: { value: { tunnel1: IKE, tunnel2: IKE } },
  initech_vpn_tunnel_outside_addresses: { value: { tunnel1: '3.248.1.10', tunnel2: '52.16.2.20' } },
  initech_vpn_tunnel_inside_addresses: {
    value: {
      tunnel1: { aws: '169.254.44.1', customer: '169.254.44.2' },
      tunnel2: { aws: '169.254.44.5', customer: '169.254.44.6' },
    },
  },
  initech_vpn_routing: {
    value: { type: 'static', on_prem_cidrs: ['10.77.0.0/20'], aws_side_cidr: '10.40.130.0/24' },
  },
  initech_vpn_aws_side_asn: { value: 64512 },
  initech_vpn_preshared_key_secret_arn: {
    value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:psk-XyZ',
  },
  some_password: { value: 'not-for-the-handoff', sensitive: true },
};

describe('handoff document', () => {
  const outputs = outputsFromTerraform(applied);
  const doc = renderHandoff('initech', outputs, new Date('2026-11-23T10:00:00Z'));

  it('finds the customers from their handoff outputs', () => {
    expect(handoffCustomers(outputs)).toEqual(['initech']);
  });

  it('GIVEN applied outputs THEN it lists both tunnels with addresses and IKE parameters', () => {
    expect(doc).toContain('| AWS outside address | `3.248.1.10` | `52.16.2.20` |');
    expect(doc).toContain('| inside address, your side | `169.254.44.2` | `169.254.44.6` |');
    expect(doc).toContain('| phase 1 DH groups | `20` | `20` |');
    expect(doc).toContain('- Your ranges routed through the tunnels: `10.77.0.0/20`.');
    expect(doc).not.toContain('known after deploy');
  });

  it('shows the outside addresses as SiteToSiteVpn outputs them (a list), not as "known after deploy"', () => {
    const listed = outputsFromTerraform({
      ...applied,
      initech_vpn_tunnel_outside_addresses: { value: ['3.248.1.10', '52.16.2.20'] },
    });
    expect(renderHandoff('initech', listed)).toContain(
      '| AWS outside address | `3.248.1.10` | `52.16.2.20` |',
    );
  });

  it('names the generated device configuration files of a VPN customer', () => {
    expect(doc).toContain('### Your VPN device configuration (generated)');
    expect(doc).toContain(
      '- `initech.swanctl.conf`: strongSwan configuration of both tunnels (`swanctl --load-all --file initech.swanctl.conf`); fill in the pre-shared keys.',
    );
    expect(doc).toContain(
      '- `initech.nft`: nftables rules for your firewall from the allow-list (`nft -f initech.nft`).',
    );
  });

  it('tells the customer which sources to allow, to every destination and port the gateway uses (the token endpoint included)', () => {
    expect(doc).toContain('## 2. Your firewall: allow only these sources, to these destinations');
    expect(doc).toContain('- `10.40.130.0/25`\n- `10.40.130.128/25`');
    expect(doc).toContain(
      [
        'Allow TCP from them to these destinations and ports, and nothing else from our side:',
        '',
        '| destination | host | addresses | TCP port |',
        '| --- | --- | --- | --- |',
        '| backend | `tps.initech.internal` | `10.77.0.0/20` | 443 |',
        '| OAuth 2.0 token endpoint | `login.initech.internal` | `10.77.1.5/32` | 8443 |',
        '| initech token endpoint | – | `10.77.1.5/32` | 8443 |',
      ].join('\n'),
    );
  });

  it('gives the signing keyId, algorithm and signed headers, and says the key is exchanged elsewhere', () => {
    expect(doc).toContain('| keyId | `apicloud-gateway-2026` |');
    expect(doc).toContain('| algorithm | `hmac-sha256` |');
    expect(doc).toContain('| signed headers | `(request-target) host date digest` |');
    expect(doc).toContain('The HMAC key is shared: agree on it with your contact over a separate channel');
    expect(doc).toContain('## 4. Trusted sources');
  });

  it('names where the pre-shared keys are, never a sensitive output', () => {
    expect(doc).toContain(
      'kept in AWS Secrets Manager (`arn:aws:secretsmanager:eu-west-1:123456789012:secret:psk-XyZ`)',
    );
    expect(doc).not.toContain('not-for-the-handoff');
  });

  it('GIVEN a plan THEN values known only after apply are marked, known ones shown', () => {
    const planned = outputsFromPlan({
      output_changes: {
        acme_handoff: {
          after: {
            customer: 'acme',
            backend_url: 'https://orders.acme.internal:8443/api',
            security: { scheme: 'HTTP Digest authentication (RFC 7616)' },
            source_cidrs: ['10.40.128.0/25'],
            secret_arns: {},
            fill_after_deploy: [],
          },
          after_unknown: { secret_arns: { credentials: true } },
        },
        acme_vpn_ike_parameters: { after: { tunnel1: IKE, tunnel2: IKE }, after_unknown: {} },
        acme_vpn_tunnel_outside_addresses: { after: {}, after_unknown: { tunnel1: true, tunnel2: true } },
      },
    });
    expect(planned.get('acme_vpn_tunnel_outside_addresses')).toEqual({ tunnel1: UNKNOWN, tunnel2: UNKNOWN });
    const acme = renderHandoff('acme', planned);
    expect(acme).toContain('| AWS outside address | _known after deploy_ | _known after deploy_ |');
    expect(acme).toContain('| credentials | _known after deploy_ | no |');
    // A handoff output without the destinations (an older stack) still names the backend's host and port.
    expect(acme).toContain(
      'Allow TCP to your backend (`orders.acme.internal`, port 8443) from these addresses',
    );
    expect(acme).toContain('Digest algorithms MD5, MD5-sess, SHA-256 and SHA-256-sess');
  });

  it('fails when the customer has no handoff output, naming it', () => {
    expect(() => renderHandoff('hooli', outputs)).toThrow(
      'no output hooli_handoff: is "hooli" a CustomerBackendLink of this stack?',
    );
  });
});
