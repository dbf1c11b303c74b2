import { execFileSync } from 'node:child_process';
import {
  DeviceConfigFacts,
  TunnelIkeParameters,
  deadPeerDetectionSeconds,
  deviceConfigFiles,
  deviceFactsFromOutputs,
  fillPresharedKeys,
  presharedKeyPlaceholder,
  renderNftables,
  renderSwanctlConf,
  strongswanLifetimes,
  strongswanProposals,
  tunnelOutsideAddress,
} from '../../../lib/handoff/device-config';
import { requireTool } from '../../support/tools';

const UNKNOWN = Symbol('known after apply');

/** The plan's defaults (HARDENED_TUNNEL_OPTIONS), as the output holds them. */
const IKE: TunnelIkeParameters = {
  ike_versions: ['ikev2'],
  phase1_encryption: ['AES256-GCM-16', 'AES256'],
  phase1_integrity: ['SHA2-384', 'SHA2-256'],
  phase1_dh_groups: [19, 20, 21],
  phase1_lifetime_seconds: 28800,
  phase2_encryption: ['AES256-GCM-16', 'AES256'],
  phase2_integrity: ['SHA2-384', 'SHA2-256'],
  phase2_dh_groups: [19, 20, 21],
  phase2_lifetime_seconds: 3600,
  rekey_margin_seconds: 540,
  rekey_fuzz_percentage: 100,
  replay_window_size: 1024,
  dpd_timeout_seconds: 30,
  dpd_timeout_action: 'restart',
  startup_action: 'add',
};

/** `terraform output -json` of a deployed acme (values as the constructs write them). */
function appliedOutputs(overrides: Record<string, unknown> = {}): { get(name: string): unknown } {
  const values: Record<string, unknown> = {
    acme_handoff: {
      customer: 'acme',
      backend_url: 'https://orders.acme.internal:8443/api',
      security: { scheme: 'HTTP Digest authentication (RFC 7616)' },
      source_cidrs: ['10.40.128.0/25', '10.40.128.128/25'],
      secret_arns: {},
      fill_after_deploy: [],
    },
    acme_firewall_allow_list: ['10.40.128.0/25', '10.40.128.128/25'],
    acme_vpn_ike_parameters: { tunnel1: IKE, tunnel2: IKE },
    acme_vpn_tunnel_outside_addresses: ['3.248.1.10', '52.16.2.20'],
    acme_vpn_tunnel_inside_addresses: {
      tunnel1: { aws: '169.254.10.1', customer: '169.254.10.2' },
      tunnel2: { aws: '169.254.11.1', customer: '169.254.11.2' },
    },
    acme_vpn_routing: { type: 'static', on_prem_cidrs: ['172.20.0.0/16'], aws_side_cidr: '10.40.128.0/24' },
    acme_vpn_aws_side_asn: 64512,
    acme_vpn_customer_gateway: { ip_address: '85.214.10.20', bgp_asn: 65000 },
    acme_vpn_preshared_key_secret_arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:psk-XyZ',
    ...overrides,
  };
  return { get: (name) => values[name] };
}

function acmeFacts(overrides: Record<string, unknown> = {}): DeviceConfigFacts {
  return deviceFactsFromOutputs('acme', appliedOutputs(overrides))!;
}

describe('strongSwan proposals from the AWS tunnel options', () => {
  test.each([
    [
      'the hardened defaults, phase 1',
      IKE,
      1,
      ['aes256gcm16-prfsha384-prfsha256-ecp256-ecp384-ecp521', 'aes256-sha384-sha256-ecp256-ecp384-ecp521'],
    ],
    [
      'the hardened defaults, phase 2 (DH groups = PFS)',
      IKE,
      2,
      ['aes256gcm16-ecp256-ecp384-ecp521', 'aes256-sha384-sha256-ecp256-ecp384-ecp521'],
    ],
    [
      'GCM only, group 20',
      { ...IKE, phase1_encryption: ['AES256-GCM-16'], phase1_dh_groups: [20] },
      1,
      ['aes256gcm16-prfsha384-prfsha256-ecp384'],
    ],
    [
      'CBC only, SHA2-512, MODP groups 14-16',
      {
        ...IKE,
        phase2_encryption: ['AES256'],
        phase2_integrity: ['SHA2-512'],
        phase2_dh_groups: [14, 15, 16],
      },
      2,
      ['aes256-sha512-modp2048-modp3072-modp4096'],
    ],
    [
      'the weak values AWS offers map to their own names (the twin offers them to be refused)',
      { ...IKE, phase1_encryption: ['AES128'], phase1_integrity: ['SHA1'], phase1_dh_groups: [2] },
      1,
      ['aes128-sha1-modp1024'],
    ],
  ] as const)('%s', (_name, ike, phase, expected) => {
    expect(strongswanProposals(ike as TunnelIkeParameters, phase)).toEqual(expected);
  });

  test.each([
    [
      'an encryption algorithm AWS does not offer',
      { phase1_encryption: ['3DES'] },
      '`t.phase1_encryption` lists "3DES", which is not an AWS tunnel option value (AES256-GCM-16, AES128-GCM-16, AES256, AES128)',
    ],
    [
      'a DH group AWS does not offer',
      { phase1_dh_groups: [1] },
      '`t.phase1_dh_groups` lists 1, which is not an AWS tunnel option value (2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)',
    ],
    [
      'the integrity list is empty',
      { phase1_integrity: [] },
      '`t.phase1_integrity` is empty: the tunnel needs at least one algorithm',
    ],
  ])('fails when %s', (_name, override, message) => {
    expect(() => strongswanProposals({ ...IKE, ...override } as TunnelIkeParameters, 1, 't')).toThrow(
      message,
    );
  });
});

describe('lifetimes', () => {
  test.each([
    ['phase 1, AWS defaults', IKE, 1, { rekeyTime: 28260, randTime: 540, lifeTime: 28800 }],
    ['phase 2, AWS defaults', IKE, 2, { rekeyTime: 3060, randTime: 540, lifeTime: 3600 }],
    [
      'phase 2, margin 300 s and fuzz 50 %',
      { ...IKE, rekey_margin_seconds: 300, rekey_fuzz_percentage: 50 },
      2,
      { rekeyTime: 3300, randTime: 150, lifeTime: 3600 },
    ],
    [
      'an output from before the rekey fields: AWS defaults',
      { ...IKE, rekey_margin_seconds: undefined, rekey_fuzz_percentage: undefined },
      1,
      { rekeyTime: 28260, randTime: 540, lifeTime: 28800 },
    ],
  ] as const)('%s', (_name, ike, phase, expected) => {
    expect(strongswanLifetimes(ike as TunnelIkeParameters, phase)).toEqual(expected);
  });

  test("the device finds a dead peer within AWS's 30 s DPD timeout", () => {
    expect(deadPeerDetectionSeconds()).toBeLessThan(30);
  });
});

describe('device facts from the outputs', () => {
  test.each([
    ['a list (what SiteToSiteVpn outputs)', ['3.248.1.10', '52.16.2.20']],
    ['an object by tunnel', { tunnel1: '3.248.1.10', tunnel2: '52.16.2.20' }],
  ])('reads the outside addresses from %s', (_name, value) => {
    expect([tunnelOutsideAddress(value, 'tunnel1'), tunnelOutsideAddress(value, 'tunnel2')]).toEqual([
      '3.248.1.10',
      '52.16.2.20',
    ]);
  });

  test('GIVEN applied outputs THEN every fact is known', () => {
    const facts = acmeFacts();
    expect(facts).toMatchObject({
      customer: 'acme',
      customerGatewayIp: '85.214.10.20',
      routing: 'static',
      onPremCidrs: ['172.20.0.0/16'],
      awsSideCidr: '10.40.128.0/24',
      gatewaySources: ['10.40.128.0/25', '10.40.128.128/25'],
      backend: { host: 'orders.acme.internal', port: 8443 },
      dnsServers: [],
    });
    expect(facts.tunnels.map((t) => [t.outsideAddress, t.insideAddresses?.customer])).toEqual([
      ['3.248.1.10', '169.254.10.2'],
      ['52.16.2.20', '169.254.11.2'],
    ]);
  });

  test('GIVEN a customer without a VPN THEN there are no facts', () => {
    expect(deviceFactsFromOutputs('acme', appliedOutputs({ acme_vpn_ike_parameters: undefined }))).toBe(
      undefined,
    );
  });

  test('fails when the allow-list is not known yet, naming the output', () => {
    expect(() => acmeFacts({ acme_firewall_allow_list: [UNKNOWN] })).toThrow(
      "output acme_firewall_allow_list must list the gateway's source CIDRs before the firewall rules can be written",
    );
  });
});

describe('swanctl.conf', () => {
  const conf = renderSwanctlConf(acmeFacts());

  test('GIVEN applied outputs THEN both tunnels use IKEv2, the exact proposals, lifetimes, DPD and selectors', () => {
    for (const [n, aws] of [
      [1, '3.248.1.10'],
      [2, '52.16.2.20'],
    ]) {
      expect(conf).toContain(
        [
          `  acme-tunnel${n} {`,
          '    version = 2',
          "    # your device's public address; behind NAT, give the device's own address here (the id stays 85.214.10.20)",
          '    local_addrs = 85.214.10.20',
          `    remote_addrs = ${aws}`,
          '    proposals = aes256gcm16-prfsha384-prfsha256-ecp256-ecp384-ecp521, aes256-sha384-sha256-ecp256-ecp384-ecp521',
          '    rekey_time = 28260s',
          '    rand_time = 540s',
          '    over_time = 540s',
          '    dpd_delay = 10s',
          '    mobike = no',
        ].join('\n'),
      );
      expect(conf).toContain(
        [
          `      acme-tunnel${n} {`,
          '        local_ts = 172.20.0.0/16',
          '        remote_ts = 10.40.128.0/24',
          '        esp_proposals = aes256gcm16-ecp256-ecp384-ecp521, aes256-sha384-sha256-ecp256-ecp384-ecp521',
          '        rekey_time = 3060s',
          '        rand_time = 540s',
          '        life_time = 3600s',
          '        replay_window = 1024',
          '        dpd_action = restart',
          '        start_action = start',
          '        close_action = start',
        ].join('\n'),
      );
    }
    expect(conf).not.toContain('FILL_IN_TUNNEL1_AWS');
    expect(conf).not.toContain('NOT COMPLETE');
  });

  test('names the channel of the pre-shared keys, and holds only placeholders for them', () => {
    expect(conf).toContain('secret = "FILL_IN_TUNNEL1_PRESHARED_KEY"');
    expect(conf).toContain('secret = "FILL_IN_TUNNEL2_PRESHARED_KEY"');
    expect(conf).toContain(
      '# the tunnel1 key: your backend-link contact sends both keys over the separate channel you agreed (AWS keeps them in Secrets Manager: arn:aws:secretsmanager:eu-west-1:123456789012:secret:psk-XyZ); never put them in a ticket or e-mail',
    );
    expect(conf).toContain(
      '#   charon {\n#     retransmit_timeout = 2\n#     retransmit_base = 1.4\n#     retransmit_tries = 3\n#   }',
    );
    expect(conf.match(/secret = /g)).toHaveLength(2);
  });

  test('GIVEN a plan (addresses known after deploy) THEN placeholders are marked and the file says it is not complete', () => {
    const planned = renderSwanctlConf(
      acmeFacts({
        acme_vpn_tunnel_outside_addresses: [UNKNOWN, UNKNOWN],
        acme_vpn_tunnel_inside_addresses: { tunnel1: UNKNOWN, tunnel2: UNKNOWN },
      }),
    );
    expect(planned).toContain('    remote_addrs = FILL_IN_TUNNEL1_AWS_OUTSIDE_ADDRESS');
    expect(planned).toContain('    id-2 = FILL_IN_TUNNEL2_AWS_OUTSIDE_ADDRESS');
    expect(planned).toContain(
      '# NOT COMPLETE: the AWS outside address of tunnel1, the AWS outside address of tunnel2 are known after deploy.',
    );
    expect(planned.split('\n').filter((l) => l.startsWith('#') && l.length > 110)).toEqual([]);
  });

  test('GIVEN BGP routing THEN each tunnel is route-based with its XFRM interface and the BGP parameters', () => {
    const bgp = renderSwanctlConf(
      acmeFacts({
        acme_vpn_routing: {
          type: 'bgp',
          on_prem_cidrs: ['192.168.50.0/24', '192.168.60.0/24'],
          aws_side_cidr: '10.40.129.0/24',
        },
        acme_vpn_customer_gateway: { ip_address: '91.198.174.192', bgp_asn: 65010 },
      }),
    );
    expect(bgp).toContain("#   your ASN 65010, AWS's ASN 64512, hold time 30 s, keepalive 10 s");
    expect(bgp).toContain(
      '#   advertise only your ranges: 192.168.50.0/24, 192.168.60.0/24; AWS advertises 10.40.129.0/24',
    );
    expect(bgp).toContain(
      '#   tunnel2: ip link add acme-tunnel2 type xfrm if_id 2 && ip addr add 169.254.11.2/30 dev acme-tunnel2; BGP neighbor 169.254.11.1',
    );
    expect(bgp).toContain(
      '        local_ts = 0.0.0.0/0\n        remote_ts = 0.0.0.0/0\n        if_id_in = 1\n        if_id_out = 1',
    );
  });

  test('GIVEN AWS initiates (startup action start) THEN the device waits', () => {
    const waits = renderSwanctlConf(
      acmeFacts({ acme_vpn_ike_parameters: { tunnel1: { ...IKE, startup_action: 'start' }, tunnel2: IKE } }),
    );
    expect(waits.match(/start_action = none/g)).toHaveLength(1);
  });

  test('fails when a tunnel does not allow IKEv2', () => {
    expect(() =>
      renderSwanctlConf(
        acmeFacts({
          acme_vpn_ike_parameters: { tunnel1: IKE, tunnel2: { ...IKE, ike_versions: ['ikev1'] } },
        }),
      ),
    ).toThrow(
      '`ike_parameters.tunnel2.ike_versions` ["ikev1"] does not allow IKEv2; this configuration is IKEv2 only',
    );
  });

  test('fillPresharedKeys puts the keys in place of the placeholders', () => {
    const filled = fillPresharedKeys(conf, { tunnel1: 'Key.one_12345', tunnel2: 'Key.two_67890' });
    expect(filled).toContain('secret = "Key.one_12345"');
    expect(filled).toContain('secret = "Key.two_67890"');
    expect(filled).not.toContain(`"${presharedKeyPlaceholder('tunnel1')}"`);
  });

  test.each([
    ['a key is shorter than 8 characters', { tunnel1: 'short', tunnel2: 'Key.two_67890' }],
    ['a key starts with 0', { tunnel1: '0Key.one_12345', tunnel2: 'Key.two_67890' }],
    ['a key has a quote', { tunnel1: 'Key"one_12345', tunnel2: 'Key.two_67890' }],
  ])('fillPresharedKeys fails when %s, without echoing it', (_name, keys) => {
    expect(() => fillPresharedKeys(conf, keys)).toThrow(
      'the pre-shared key for tunnel1 is not 8-64 letters, digits, "." or "_" (not starting with 0)',
    );
  });
});

describe('nftables snippet', () => {
  const facts = acmeFacts();
  const rules = renderNftables({ ...facts, dnsServers: ['172.20.0.53', '172.20.8.53:5353'] });

  test('GIVEN the allow-list THEN the gateway sources reach the backend port and DNS, the AWS endpoints IKE, NAT-T and ESP, and the rest is dropped', () => {
    expect(rules).toContain(
      '  set gateway_sources {\n    type ipv4_addr\n    flags interval\n    elements = { 10.40.128.0/25, 10.40.128.128/25 }\n  }',
    );
    expect(rules).toContain('    elements = { 3.248.1.10, 52.16.2.20 }');
    expect(rules).toContain(
      [
        '  chain from_gateway {',
        '    ip saddr @aws_tunnel_endpoints udp dport { 500, 4500 } accept',
        '    ip saddr @aws_tunnel_endpoints meta l4proto esp accept',
        '    ip saddr @aws_tunnel_endpoints counter drop comment "AWS tunnel endpoints: IKE, NAT-T and ESP only"',
        '    ip saddr @gateway_sources ip daddr @on_prem_ranges tcp dport @backend_ports accept',
        '    ip saddr @gateway_sources meta l4proto { udp, tcp } ip daddr . th dport @dns_servers accept',
        '    ip saddr @gateway_sources counter drop comment "gateway sources: the backend port (and DNS) only"',
        '    ip daddr @on_prem_ranges tcp dport @backend_ports counter drop comment "backend port: the gateway sources only"',
        '  }',
      ].join('\n'),
    );
  });

  test('GIVEN DNS servers with and without a port THEN each is admitted on its own port', () => {
    expect(rules).toContain(
      '    type ipv4_addr . inet_service\n    elements = { 172.20.0.53 . 53, 172.20.8.53 . 5353 }',
    );
  });

  test.each(['orders.acme.internal', '172.20.0.53:70000', '[fd00::53]:53'])(
    'fails when a DNS server is %s, naming the field',
    (server) => {
      expect(() => renderNftables({ ...facts, dnsServers: [server] })).toThrow(
        `\`dns_servers\` lists ${JSON.stringify(server)}, which is not an IPv4 address with an optional :port (the tunnels carry IPv4)`,
      );
    },
  );

  test('GIVEN the handoff lists DNS servers THEN the facts carry them', () => {
    const withDns = appliedOutputs();
    const handoff = withDns.get('acme_handoff') as Record<string, unknown>;
    const facts2 = deviceFactsFromOutputs('acme', {
      get: (n) => (n === 'acme_handoff' ? { ...handoff, dns_servers: ['172.20.0.53'] } : withDns.get(n)),
    });
    expect(facts2?.dnsServers).toEqual(['172.20.0.53']);
  });

  test('GIVEN no DNS servers THEN there is no DNS rule', () => {
    expect(renderNftables(facts)).not.toContain('dport 53');
  });

  test('GIVEN a customer name with a dash THEN the table name is valid', () => {
    expect(renderNftables({ ...facts, customer: 'acme-eu' })).toContain('table inet backend_link_acme_eu {');
  });

  test('the real nft accepts the rules (checked in a network namespace of its own, nothing applied)', () => {
    const nft = requireTool('/usr/sbin/nft', 'nftables');
    const unshare = requireTool('/usr/bin/unshare', 'util-linux');
    for (const text of [rules, renderNftables(facts)]) {
      expect(() => execFileSync(unshare, ['--net', nft, '-c', '-f', '-'], { input: text })).not.toThrow();
    }
  });
});

test('deviceConfigFiles names the two files after the customer', () => {
  expect(deviceConfigFiles(acmeFacts()).map((f) => f.name)).toEqual(['acme.swanctl.conf', 'acme.nft']);
});
