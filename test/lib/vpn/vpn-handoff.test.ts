import { SiteToSiteVpn } from '../../../lib/vpn/site-to-site-vpn';
import { VPN_HANDOFF_KEYS, vpnOutputName } from '../../../lib/vpn/vpn-handoff';
import { newCustomer, newPlatform, synth } from '../network-fixtures';

describe('the VPN handoff contract', () => {
  test('GIVEN a VPN WHEN synthesized THEN its outputs are exactly the contract, each named <customer>_vpn_<key>', () => {
    const { json } = synth((scope) => {
      const platform = newPlatform(scope);
      new SiteToSiteVpn(scope, 'Vpn', {
        subnets: newCustomer(scope, platform, 'acme'),
        customerGatewayIp: '85.214.10.20',
        onPremCidrs: ['172.20.0.0/16'],
        attachment: 'vpn-gateway',
        routing: 'bgp',
        bgpAsn: 65010,
      });
    });
    const written = Object.keys(json.output ?? {}).filter((name) => name.startsWith('acme_vpn_'));
    // The synthesized JSON sorts its outputs by name.
    expect(written).toEqual(VPN_HANDOFF_KEYS.map((key) => vpnOutputName('acme', key)).sort());
    expect(VPN_HANDOFF_KEYS).toHaveLength(8);
    const output = json.output!;
    expect(output.acme_vpn_customer_gateway.value).toEqual({
      ip_address: '85.214.10.20',
      bgp_asn: 65010,
      device_name: 'plat-acme',
    });
    expect(output.acme_vpn_routing.value).toEqual({
      type: 'bgp',
      on_prem_cidrs: ['172.20.0.0/16'],
      aws_side_cidr: '10.0.128.0/24',
    });
    expect(output.acme_vpn_aws_side_asn.value).toBe(64512);
    expect(Object.keys(output.acme_vpn_ike_parameters.value as object)).toEqual(['tunnel1', 'tunnel2']);
    for (const name of written) expect(output[name].description).toMatch(/acme/);
  });
});
