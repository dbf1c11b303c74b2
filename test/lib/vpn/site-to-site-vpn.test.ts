import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchCompositeAlarm } from '@cdktf/provider-aws/lib/cloudwatch-composite-alarm';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CustomerGateway } from '@cdktf/provider-aws/lib/customer-gateway';
import { Ec2TransitGatewayRoute } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route';
import { NetworkAclRule } from '@cdktf/provider-aws/lib/network-acl-rule';
import { Route } from '@cdktf/provider-aws/lib/route';
import { VpnConnection } from '@cdktf/provider-aws/lib/vpn-connection';
import { VpnConnectionRoute } from '@cdktf/provider-aws/lib/vpn-connection-route';
import { GatewayPlatformProps } from '../../../lib/platform/gateway-platform';
import { SiteToSiteVpn, SiteToSiteVpnProps } from '../../../lib/vpn/site-to-site-vpn';
import { HARDENED_TUNNEL_OPTIONS } from '../../../lib/vpn/vpn-defaults';
import { newCustomer, newPlatform, resourcesOf, synth, validationErrorOf } from '../network-fixtures';

/** GIVEN a platform (both attachment points) and customer "acme" (10.0.128.0/24): a VPN with `props`. */
function acmeVpn(
  scope: Construct,
  props: Partial<SiteToSiteVpnProps> = {},
  platformOverrides: Partial<GatewayPlatformProps> = {},
): SiteToSiteVpn {
  const platform = newPlatform(scope, platformOverrides);
  return new SiteToSiteVpn(scope, 'Vpn', {
    subnets: newCustomer(scope, platform, 'acme'),
    customerGatewayIp: '85.214.10.20',
    onPremCidrs: ['172.20.0.0/16'],
    attachment: 'vpn-gateway',
    ...props,
  });
}

describe('SiteToSiteVpn secure defaults', () => {
  const { text, json } = synth((scope) => {
    acmeVpn(scope);
  });

  test('GIVEN no tunnel options WHEN synthesized THEN both tunnels are IKEv2 only with AES-256, SHA-2 and DH 19-21', () => {
    for (const n of [1, 2]) {
      expect(text).toHaveResourceWithProperties(VpnConnection, {
        [`tunnel${n}_ike_versions`]: ['ikev2'],
        [`tunnel${n}_phase1_encryption_algorithms`]: ['AES256-GCM-16', 'AES256'],
        [`tunnel${n}_phase2_encryption_algorithms`]: ['AES256-GCM-16', 'AES256'],
        [`tunnel${n}_phase1_integrity_algorithms`]: ['SHA2-384', 'SHA2-256'],
        [`tunnel${n}_phase2_integrity_algorithms`]: ['SHA2-384', 'SHA2-256'],
        [`tunnel${n}_phase1_dh_group_numbers`]: [19, 20, 21],
        [`tunnel${n}_phase2_dh_group_numbers`]: [19, 20, 21],
        [`tunnel${n}_phase1_lifetime_seconds`]: 28800,
        [`tunnel${n}_phase2_lifetime_seconds`]: 3600,
        [`tunnel${n}_rekey_margin_time_seconds`]: 540,
        [`tunnel${n}_dpd_timeout_seconds`]: 30,
        [`tunnel${n}_dpd_timeout_action`]: 'restart',
        [`tunnel${n}_startup_action`]: 'add',
      });
    }
  });

  test('GIVEN the defaults WHEN synthesized THEN the pre-shared keys are kept in Secrets Manager and never set', () => {
    expect(text).toHaveResourceWithProperties(VpnConnection, {
      preshared_key_storage: 'SecretsManager',
      static_routes_only: true,
      tunnel_inside_ip_version: 'ipv4',
      remote_ipv4_network_cidr: '10.0.128.0/24',
      local_ipv4_network_cidr: '172.20.0.0/16',
      vpn_gateway_id: expect.stringContaining('aws_vpn_gateway.'),
    });
    expect(text).not.toMatch(/preshared_key"\s*:/);
    expect(JSON.stringify(json.output)).not.toMatch(/tunnel[12]_preshared_key/);
    expect(json.output?.acme_vpn_preshared_key_secret_arn.value).toMatch(/\.preshared_key_arn\}$/);
  });

  test('GIVEN the defaults WHEN synthesized THEN both tunnels log as JSON to a log group kept 365 days', () => {
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: '/backend-link/plat/acme/vpn-tunnels',
      retention_in_days: 365,
    });
    for (const n of [1, 2]) {
      expect(text).toHaveResourceWithProperties(VpnConnection, {
        [`tunnel${n}_log_options`]: {
          cloudwatch_log_options: {
            log_enabled: true,
            log_group_arn: expect.stringContaining('aws_cloudwatch_log_group.'),
            log_output_format: 'json',
          },
        },
      });
    }
  });

  test('GIVEN static routing WHEN synthesized THEN the customer gateway has ASN 65000 and the only routes are the on-prem range to the VGW', () => {
    expect(text).toHaveResourceWithProperties(CustomerGateway, {
      ip_address: '85.214.10.20',
      bgp_asn: '65000',
      type: 'ipsec.1',
    });
    expect(resourcesOf(json, 'aws_route')).toEqual([
      expect.objectContaining({
        destination_cidr_block: '172.20.0.0/16',
        gateway_id: expect.stringContaining('aws_vpn_gateway.'),
        route_table_id: expect.stringContaining('aws_route_table.'),
      }),
    ]);
    expect(text).toHaveResourceWithProperties(VpnConnectionRoute, {
      destination_cidr_block: '172.20.0.0/16',
    });
    expect(resourcesOf(json, 'aws_ec2_transit_gateway_route')).toHaveLength(0);
  });

  test('GIVEN backend port 443 WHEN synthesized THEN the network ACL lets 443 out to the on-prem range and the replies back', () => {
    const rules = resourcesOf(json, 'aws_network_acl_rule').map((r) => [
      r.egress,
      r.protocol,
      r.cidr_block,
      r.from_port,
      r.to_port,
      r.rule_action,
    ]);
    expect(rules).toHaveLength(2);
    expect(rules).toEqual(
      expect.arrayContaining([
        [true, 'tcp', '172.20.0.0/16', 443, 443, 'allow'],
        [false, 'tcp', '172.20.0.0/16', 1024, 65535, 'allow'],
      ]),
    );
  });

  test('GIVEN the defaults WHEN synthesized THEN each tunnel has a TunnelState alarm and a composite alarm fires when both are down, all to the platform topic', () => {
    for (const n of [1, 2]) {
      expect(text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        alarm_name: `plat-acme-vpn-tunnel${n}-down`,
        namespace: 'AWS/VPN',
        metric_name: 'TunnelState',
        statistic: 'Maximum',
        comparison_operator: 'LessThanThreshold',
        threshold: 1,
        treat_missing_data: 'breaching',
        dimensions: {
          VpnId: expect.stringContaining('aws_vpn_connection.'),
          TunnelIpAddress: expect.stringContaining(`.tunnel${n}_address}`),
        },
        alarm_actions: [expect.stringContaining('aws_sns_topic.')],
      });
    }
    expect(text).toHaveResourceWithProperties(CloudwatchCompositeAlarm, {
      alarm_name: 'plat-acme-vpn-down',
      alarm_rule: expect.stringMatching(/^ALARM\(".*Tunnel1Down.*"\) AND ALARM\(".*Tunnel2Down.*"\)$/),
      alarm_actions: [expect.stringContaining('aws_sns_topic.')],
    });
  });

  test('GIVEN the defaults WHEN synthesized THEN the handoff outputs give addresses, ASN, IKE parameters and the secret ARN', () => {
    expect(
      Object.keys(json.output ?? {})
        .filter((k) => k.startsWith('acme_vpn_'))
        .sort(),
    ).toEqual([
      'acme_vpn_aws_side_asn',
      'acme_vpn_connection_id',
      'acme_vpn_customer_gateway',
      'acme_vpn_ike_parameters',
      'acme_vpn_preshared_key_secret_arn',
      'acme_vpn_routing',
      'acme_vpn_tunnel_inside_addresses',
      'acme_vpn_tunnel_outside_addresses',
    ]);
    expect(json.output?.acme_vpn_aws_side_asn.value).toBe(64512);
    expect(json.output?.acme_vpn_ike_parameters.value).toEqual({
      tunnel1: expect.objectContaining({ ike_versions: ['ikev2'], phase1_dh_groups: [19, 20, 21] }),
      tunnel2: expect.objectContaining({ phase2_encryption: ['AES256-GCM-16', 'AES256'] }),
    });
    // What the device configuration needs beyond the algorithms: rekeying, replay window, DPD action.
    expect(json.output?.acme_vpn_ike_parameters.value).toMatchObject({
      tunnel1: {
        rekey_margin_seconds: 540,
        rekey_fuzz_percentage: 100,
        replay_window_size: 1024,
        dpd_timeout_action: 'restart',
      },
    });
    expect(json.output?.acme_vpn_customer_gateway.value).toEqual({
      ip_address: '85.214.10.20',
      bgp_asn: 65000,
      device_name: 'plat-acme',
    });
  });

  test('GIVEN the defaults WHEN synthesized THEN it matches the snapshot', () => {
    const snapshot = Testing.synthScope((scope) => {
      acmeVpn(scope);
    });
    expect(snapshot).toMatchSnapshot();
  });
});

describe('SiteToSiteVpn overrides', () => {
  test('GIVEN tunnelOptions with DH group 14 and tunnel2 SHA2-512 WHEN synthesized THEN tunnel 1 takes the shared options and tunnel 2 its own on top', () => {
    const { text } = synth((scope) => {
      const vpn = acmeVpn(scope, {
        tunnelOptions: { phase1DhGroupNumbers: [14, 19] },
        tunnel2: { phase1IntegrityAlgorithms: ['SHA2-512'] },
      });
      expect(vpn.tunnelOptions[0].phase1DhGroupNumbers).toEqual([14, 19]);
    });
    expect(text).toHaveResourceWithProperties(VpnConnection, {
      tunnel1_phase1_dh_group_numbers: [14, 19],
      tunnel1_phase1_integrity_algorithms: ['SHA2-384', 'SHA2-256'],
      tunnel2_phase1_dh_group_numbers: [14, 19],
      tunnel2_phase1_integrity_algorithms: ['SHA2-512'],
    });
  });

  test('GIVEN IKEv1 with a reason WHEN synthesized THEN both versions are allowed', () => {
    const { text } = synth((scope) => {
      acmeVpn(scope, { tunnelOptions: { ikeVersions: ['ikev1', 'ikev2'], ikev1Reason: 'legacy firewall' } });
    });
    expect(text).toHaveResourceWithProperties(VpnConnection, {
      tunnel1_ike_versions: ['ikev1', 'ikev2'],
      tunnel2_ike_versions: ['ikev1', 'ikev2'],
    });
  });

  test('GIVEN every numeric option and the actions WHEN synthesized THEN they are set on the tunnel', () => {
    const { text } = synth((scope) => {
      acmeVpn(scope, {
        tunnel1: {
          insideCidr: '169.254.44.0/30',
          phase1LifetimeSeconds: 14400,
          phase2LifetimeSeconds: 1800,
          rekeyMarginTimeSeconds: 300,
          rekeyFuzzPercentage: 50,
          replayWindowSize: 2048,
          dpdTimeoutSeconds: 40,
          dpdTimeoutAction: 'clear',
          startupAction: 'start',
          phase1EncryptionAlgorithms: ['AES256'],
          phase2EncryptionAlgorithms: ['AES256-GCM-16'],
          phase2IntegrityAlgorithms: ['SHA2-256'],
          phase2DhGroupNumbers: [21],
        },
        tunnel2: { insideCidr: '169.254.44.4/30' },
      });
    });
    expect(text).toHaveResourceWithProperties(VpnConnection, {
      tunnel1_inside_cidr: '169.254.44.0/30',
      tunnel2_inside_cidr: '169.254.44.4/30',
      tunnel1_phase1_lifetime_seconds: 14400,
      tunnel1_phase2_lifetime_seconds: 1800,
      tunnel1_rekey_margin_time_seconds: 300,
      tunnel1_rekey_fuzz_percentage: 50,
      tunnel1_replay_window_size: 2048,
      tunnel1_dpd_timeout_seconds: 40,
      tunnel1_dpd_timeout_action: 'clear',
      tunnel1_startup_action: 'start',
      tunnel1_phase1_encryption_algorithms: ['AES256'],
      tunnel1_phase2_encryption_algorithms: ['AES256-GCM-16'],
      tunnel1_phase2_integrity_algorithms: ['SHA2-256'],
      tunnel1_phase2_dh_group_numbers: [21],
      tunnel2_phase1_lifetime_seconds: HARDENED_TUNNEL_OPTIONS.phase1LifetimeSeconds,
    });
  });

  test('GIVEN BGP with a 4-byte private ASN WHEN synthesized THEN the customer gateway uses bgp_asn_extended and the VPN is dynamic', () => {
    const { text } = synth((scope) => {
      acmeVpn(scope, { routing: 'bgp', bgpAsn: 4200000001 });
    });
    expect(text).toHaveResourceWithProperties(CustomerGateway, { bgp_asn_extended: '4200000001' });
    expect(text).toHaveResourceWithProperties(VpnConnection, { static_routes_only: false });
    expect(text).not.toHaveResourceWithProperties(VpnConnectionRoute, {});
  });

  test('GIVEN two on-prem ranges, ports 8443 and 9000-9100 and a log retention of 30 days WHEN synthesized THEN routes, ACL entries and retention follow', () => {
    const { text, json } = synth((scope) => {
      acmeVpn(scope, {
        onPremCidrs: ['172.20.0.0/16', '192.168.7.0/24'],
        backendPorts: [8443, { fromPort: 9000, toPort: 9100 }],
        logRetentionDays: 30,
        logKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      });
    });
    expect(resourcesOf(json, 'aws_route').map((r) => r.destination_cidr_block)).toEqual([
      '172.20.0.0/16',
      '192.168.7.0/24',
    ]);
    expect(text).toHaveResourceWithProperties(NetworkAclRule, {
      egress: true,
      cidr_block: '192.168.7.0/24',
      from_port: 9000,
      to_port: 9100,
    });
    expect(resourcesOf(json, 'aws_network_acl_rule')).toHaveLength(6);
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, {
      retention_in_days: 30,
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    });
    // Two ranges: the traffic selector on the customer side stays open; the AWS side stays narrowed.
    const [connection] = resourcesOf(json, 'aws_vpn_connection');
    expect(connection.local_ipv4_network_cidr).toBeUndefined();
    expect(connection.remote_ipv4_network_cidr).toBe('10.0.128.0/24');
  });

  test('GIVEN transit gateway mode WHEN synthesized THEN the customer gets its own TGW route table, associated with its VPN, routing only to its subnets, and the platform table routes its on-prem range to it', () => {
    const { text, json } = synth((scope) => {
      const vpn = acmeVpn(scope, { attachment: 'transit-gateway' });
      expect(vpn.transitGatewayRouteTable).toBeDefined();
    });
    expect(text).toHaveResourceWithProperties(VpnConnection, {
      transit_gateway_id: expect.stringContaining('aws_ec2_transit_gateway.'),
    });
    const tables = Object.keys(json.resource.aws_ec2_transit_gateway_route_table);
    expect(tables).toHaveLength(2);
    const associations = resourcesOf(json, 'aws_ec2_transit_gateway_route_table_association');
    expect(associations).toContainEqual({
      transit_gateway_attachment_id: expect.stringMatching(
        /aws_vpn_connection\..*\.transit_gateway_attachment_id/,
      ),
      transit_gateway_route_table_id: expect.stringContaining('Vpn_TransitGateway_RouteTable'),
    });
    expect(text).toHaveResourceWithProperties(Ec2TransitGatewayRoute, {
      destination_cidr_block: '10.0.128.0/24',
      transit_gateway_attachment_id: expect.stringContaining('aws_ec2_transit_gateway_vpc_attachment.'),
      transit_gateway_route_table_id: expect.stringContaining('Vpn_TransitGateway_RouteTable'),
    });
    expect(text).toHaveResourceWithProperties(Ec2TransitGatewayRoute, {
      destination_cidr_block: '172.20.0.0/16',
      transit_gateway_route_table_id: expect.stringContaining('Platform_TransitGateway_VpcRouteTable'),
    });
    expect(text).toHaveResourceWithProperties(Route, {
      destination_cidr_block: '172.20.0.0/16',
      // The id read from the VPC attachment orders the route after it, with no depends_on (which
      // Terraform refuses when the platform is in another stack).
      transit_gateway_id: expect.stringMatching(
        /^\$\{aws_ec2_transit_gateway_vpc_attachment\..*\.transit_gateway_id\}$/,
      ),
    });
    const routes = resourcesOf(json, 'aws_route');
    expect(routes.filter((route) => 'depends_on' in route)).toEqual([]);
    expect(resourcesOf(json, 'aws_ec2_transit_gateway_route_table_propagation')).toHaveLength(0);
    expect(resourcesOf(json, 'aws_vpn_connection_route')).toHaveLength(0);
  });

  test('GIVEN a platform with only a transit gateway WHEN attachment is not given THEN the VPN uses it', () => {
    const { text } = synth((scope) => {
      const vpn = acmeVpn(scope, { attachment: undefined }, { vpnGateway: undefined });
      expect(vpn.attachment).toBe('transit-gateway');
    });
    expect(text).toHaveResourceWithProperties(VpnConnection, {
      transit_gateway_id: expect.stringContaining('aws_ec2_transit_gateway.'),
    });
  });

  test('GIVEN transit gateway mode WHEN synthesized THEN it matches the snapshot', () => {
    const snapshot = Testing.synthScope((scope) => {
      acmeVpn(scope, { attachment: 'transit-gateway', routing: 'bgp', bgpAsn: 65010 });
    });
    expect(snapshot).toMatchSnapshot();
  });
});

describe('SiteToSiteVpn bad props', () => {
  const bad: Array<[string, Partial<SiteToSiteVpnProps>, string[]]> = [
    [
      'the customer gateway address is private',
      { customerGatewayIp: '10.1.2.3' },
      [
        '`customerGatewayIp` "10.1.2.3" is in 10.0.0.0/8, which is not public; give the static public address of the customer\'s VPN device',
      ],
    ],
    [
      'the customer gateway address is a documentation address',
      { customerGatewayIp: '203.0.113.10' },
      [
        '`customerGatewayIp` "203.0.113.10" is in 203.0.113.0/24, which is not public; give the static public address of the customer\'s VPN device',
      ],
    ],
    [
      'the customer gateway address is carrier-grade NAT space',
      { customerGatewayIp: '100.64.1.1' },
      [
        '`customerGatewayIp` "100.64.1.1" is in 100.64.0.0/10, which is not public; give the static public address of the customer\'s VPN device',
      ],
    ],
    [
      'the customer gateway address is not IPv4',
      { customerGatewayIp: '2001:db8::1' },
      ['`customerGatewayIp` "2001:db8::1" is not an IPv4 address'],
    ],
    [
      'the BGP ASN is 0',
      { routing: 'bgp', bgpAsn: 0 },
      ['`bgpAsn` 0 must be an integer from 1 to 4294967294'],
    ],
    [
      'the BGP ASN is 4294967295',
      { routing: 'bgp', bgpAsn: 4294967295 },
      ['`bgpAsn` 4294967295 must be an integer from 1 to 4294967294'],
    ],
    [
      'the BGP ASN is 7224 (reserved by AWS)',
      { routing: 'bgp', bgpAsn: 7224 },
      [
        "`bgpAsn` 7224 is reserved by AWS (all Regions); use the customer's own public ASN or a private one (64512-65534, 4200000000-4294967294)",
      ],
    ],
    [
      'the BGP ASN is 9059 (reserved in eu-west-1)',
      { routing: 'bgp', bgpAsn: 9059 },
      [
        "`bgpAsn` 9059 is reserved by AWS (eu-west-1); use the customer's own public ASN or a private one (64512-65534, 4200000000-4294967294)",
      ],
    ],
    [
      'the BGP ASN equals the Amazon-side ASN',
      { routing: 'bgp', bgpAsn: 64512 },
      [
        '`bgpAsn` 64512 is the Amazon-side ASN of the attachment point; the customer gateway needs a different ASN',
      ],
    ],
    ['BGP routing has no ASN', { routing: 'bgp' }, ["`bgpAsn` is required when `routing` is 'bgp'"]],
    [
      'IKEv1 is allowed without a reason',
      { tunnelOptions: { ikeVersions: ['ikev1', 'ikev2'] } },
      [
        "`tunnelOptions.ikeVersions` allows IKEv1, which needs an explicit opt-in: give `ikev1Reason` (why the customer's device can not use IKEv2)",
      ],
    ],
    [
      'tunnel 1 uses AES128',
      { tunnel1: { phase1EncryptionAlgorithms: ['AES128'] } },
      ['`tunnel1.phase1EncryptionAlgorithms` lists "AES128", which is too weak; use AES256-GCM-16 or AES256'],
    ],
    [
      'phase 2 integrity is SHA1 for both tunnels',
      { tunnelOptions: { phase2IntegrityAlgorithms: ['SHA1'] } },
      [
        '`tunnelOptions.phase2IntegrityAlgorithms` lists "SHA1", which is too weak; use SHA2-256, SHA2-384 or SHA2-512',
      ],
    ],
    [
      'tunnel 2 allows DH group 2',
      { tunnel2: { phase2DhGroupNumbers: [2, 19] } },
      ['`tunnel2.phase2DhGroupNumbers` lists 2, which is too weak; use groups 19, 20, 21 (or 14-18)'],
    ],
    [
      'DH group 24 is listed',
      { tunnel1: { phase1DhGroupNumbers: [24] } },
      ['`tunnel1.phase1DhGroupNumbers` lists 24, which is too weak; use groups 19, 20, 21 (or 14-18)'],
    ],
    [
      'an encryption algorithm is unknown',
      { tunnel1: { phase2EncryptionAlgorithms: ['3DES'] } },
      [
        '`tunnel1.phase2EncryptionAlgorithms` lists "3DES", which is not one AWS offers; use AES256-GCM-16 or AES256',
      ],
    ],
    [
      'the phase 1 lifetime is above 28800',
      { tunnel1: { phase1LifetimeSeconds: 86400 } },
      ['`tunnel1.phase1LifetimeSeconds` 86400 must be an integer from 900 to 28800'],
    ],
    [
      'the rekey margin exceeds half the phase 2 lifetime',
      { tunnel2: { phase2LifetimeSeconds: 900, rekeyMarginTimeSeconds: 600 } },
      ['`tunnel2.rekeyMarginTimeSeconds` 600 must be an integer from 60 to half the phase 2 lifetime (450)'],
    ],
    [
      'the DPD timeout is below 30 s',
      { tunnel1: { dpdTimeoutSeconds: 10 } },
      ['`tunnel1.dpdTimeoutSeconds` 10 must be an integer of at least 30'],
    ],
    [
      'the DPD timeout action is unknown',
      { tunnel1: { dpdTimeoutAction: 'drop' as 'clear' } },
      ['`tunnel1.dpdTimeoutAction` "drop" must be one of clear, none, restart'],
    ],
    [
      'the tunnel 1 inside block is a /29',
      { tunnel1: { insideCidr: '169.254.0.0/29' } },
      ['`tunnel1.insideCidr` "169.254.0.0/29" for tunnel 1 is not a /30 inside 169.254.0.0/16'],
    ],
    [
      'the tunnel 2 inside block is outside 169.254.0.0/16',
      { tunnel2: { insideCidr: '10.0.0.0/30' } },
      ['`tunnel2.insideCidr` "10.0.0.0/30" for tunnel 2 is not a /30 inside 169.254.0.0/16'],
    ],
    [
      'the tunnel 1 inside block is reserved by AWS',
      { tunnel1: { insideCidr: '169.254.169.252/30' } },
      [
        '`tunnel1.insideCidr` 169.254.169.252/30 for tunnel 1 is reserved by AWS (169.254.0.0/30, 169.254.1.0/30, 169.254.2.0/30, 169.254.3.0/30, 169.254.4.0/30, 169.254.5.0/30, 169.254.169.252/30); pick another /30 in 169.254.0.0/16',
      ],
    ],
    [
      'both tunnels use the same inside block',
      { tunnel1: { insideCidr: '169.254.9.0/30' }, tunnel2: { insideCidr: '169.254.9.0/30' } },
      [
        '`tunnel1.insideCidr` and `tunnel2.insideCidr` are both 169.254.9.0/30; each tunnel needs its own /30',
      ],
    ],
    [
      'an inside block is given for both tunnels at once',
      { tunnelOptions: { insideCidr: '169.254.9.0/30' } },
      [
        '`tunnelOptions.insideCidr` is not allowed: the tunnels need different inside blocks; give `tunnel1.insideCidr` and `tunnel2.insideCidr`',
      ],
    ],
    [
      'no on-prem range is given',
      { onPremCidrs: [] },
      ["`onPremCidrs` is empty; list the customer's on-premises ranges the runtime must reach"],
    ],
    [
      'an on-prem range is 0.0.0.0/0',
      { onPremCidrs: ['0.0.0.0/0'] },
      [
        '`onPremCidrs[0]` 0.0.0.0/0 is broader than /8; a route to it would send most of the internet to the customer',
      ],
    ],
    [
      'an on-prem range has host bits set',
      { onPremCidrs: ['172.20.1.0/16'] },
      ['`onPremCidrs[0]` "172.20.1.0/16" has host bits set (did you mean 172.20.0.0/16?)'],
    ],
    [
      'two on-prem ranges overlap',
      { onPremCidrs: ['172.20.0.0/16', '172.20.5.0/24'] },
      ['`onPremCidrs[1]` 172.20.5.0/24 overlaps 172.20.0.0/16, listed before it'],
    ],
    [
      'a backend port is 0',
      { backendPorts: [0] },
      ['`backendPorts[0]` 0 is not a port (an integer from 1 to 65535) or a range of ports'],
    ],
    [
      'the log retention is not one CloudWatch accepts',
      { logRetentionDays: 10 },
      [
        '`logRetentionDays` 10 is not a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
      ],
    ],
    [
      'the attachment is unknown',
      { attachment: 'direct-connect' as 'vpn-gateway' },
      ["`attachment` \"direct-connect\" must be 'vpn-gateway' or 'transit-gateway'"],
    ],
  ];
  test.each(bad)('fails when %s', (_case, props, problems) => {
    const error = validationErrorOf((scope) => {
      acmeVpn(scope, props);
    });
    expect(error.problems).toEqual(problems);
    expect(error.constructPath).toBe('stack/Vpn');
  });

  test('fails when the platform offers both attachment points and none is chosen', () => {
    const error = validationErrorOf((scope) => {
      acmeVpn(scope, { attachment: undefined });
    });
    expect(error.problems).toEqual([
      "`attachment` is required: platform \"plat\" offers both 'vpn-gateway' and 'transit-gateway'",
    ]);
  });

  test('fails when the platform offers no attachment point', () => {
    const error = validationErrorOf((scope) => {
      acmeVpn(scope, { attachment: undefined }, { vpnGateway: undefined, transitGateway: undefined });
    });
    expect(error.problems).toEqual([
      'platform "plat" offers no VPN attachment point; give the platform `vpnGateway` or `transitGateway`',
    ]);
  });

  test('fails with every problem at once when several props are bad', () => {
    const error = validationErrorOf((scope) => {
      acmeVpn(scope, {
        customerGatewayIp: '192.168.1.1',
        onPremCidrs: ['nope'],
        tunnel1: { replayWindowSize: 1 },
      });
    });
    expect(error.problems).toEqual([
      '`customerGatewayIp` "192.168.1.1" is in 192.168.0.0/16, which is not public; give the static public address of the customer\'s VPN device',
      '`onPremCidrs[0]` "nope" is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)',
      '`tunnel1.replayWindowSize` 1 must be an integer from 64 to 2048',
    ]);
  });
});
