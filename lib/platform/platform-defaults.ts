/**
 * Defaults and AWS limits of the platform's VPN attachment point and alarm topic, in one place.
 */

/** The Amazon-side BGP ASN of a new virtual private gateway or transit gateway (AWS's own default). */
export const DEFAULT_AMAZON_SIDE_ASN = 64512;

/** AWS quota: VPN connections per virtual private gateway. Past it, use a transit gateway. */
export const MAX_VPN_CONNECTIONS_PER_VPN_GATEWAY = 10;

/** Transit gateway attachment subnets: AWS advises a dedicated /28 per availability zone. */
export const TRANSIT_GATEWAY_ATTACHMENT_SUBNET_PREFIX = 28;

/** The alarm topic's KMS key: rotation on, the longest deletion window. */
export const ALARM_TOPIC_KEY_DEFAULTS = {
  enableKeyRotation: true,
  deletionWindowInDays: 30,
} as const;

/**
 * A new transit gateway: no default route table association or propagation, so that no attachment
 * can reach another unless a per-customer route table says so; no automatic acceptance of shared
 * attachments; DNS support for the VPC attachment.
 */
export const TRANSIT_GATEWAY_DEFAULTS = {
  defaultRouteTableAssociation: 'disable',
  defaultRouteTablePropagation: 'disable',
  autoAcceptSharedAttachments: 'disable',
  dnsSupport: 'enable',
  vpnEcmpSupport: 'enable',
} as const;

/** Private ASN ranges AWS accepts for the Amazon side of a gateway. */
export const AMAZON_SIDE_ASN_RANGES: ReadonlyArray<readonly [number, number]> = [
  [64512, 65534],
  [4200000000, 4294967294],
];
