/** The customer's VPN device as AWS knows it: the customer gateway. */
import type { Construct } from 'constructs';
import { CustomerGateway } from '@cdktf/provider-aws/lib/customer-gateway';
import { MAX_BGP_ASN_ATTRIBUTE } from './vpn-defaults';

export interface VpnCustomerGatewayProps {
  /** The device's public IPv4 address (its IKE identity). */
  readonly ipAddress: string;
  /** The device's BGP ASN (AWS's default for static routing). */
  readonly bgpAsn: number;
  /** `<platform>-<customer>`: see {@link createCustomerGateway}. */
  readonly deviceName: string;
  readonly tags: Record<string, string>;
}

/**
 * The customer gateway `CustomerGateway` in `scope`. AWS answers an identical CreateCustomerGateway (type,
 * address, ASN) with the existing gateway unless the device name differs: the platform's name in the device name
 * keeps staging's and production's gateways (one device, two tunnel pairs) apart, so destroying one never takes
 * the other's away.
 */
export function createCustomerGateway(scope: Construct, props: VpnCustomerGatewayProps): CustomerGateway {
  const { bgpAsn } = props;
  return new CustomerGateway(scope, 'CustomerGateway', {
    type: 'ipsec.1',
    ipAddress: props.ipAddress,
    // Above 2^31 - 1 the provider takes the ASN as `bgp_asn_extended`.
    ...(bgpAsn > MAX_BGP_ASN_ATTRIBUTE ? { bgpAsnExtended: String(bgpAsn) } : { bgpAsn: String(bgpAsn) }),
    deviceName: props.deviceName,
    tags: props.tags,
  });
}
