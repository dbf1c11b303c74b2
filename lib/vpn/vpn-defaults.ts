/**
 * Secure defaults of the site-to-site VPN, the values AWS accepts, and the ones refused as weak.
 * Sources: AWS Site-to-Site VPN user guide ("Tunnel options", "Customer gateway options").
 */

/** Every tunnel option the construct sets, with the hardened value used unless the caller overrides it. */
export interface TunnelOptionValues {
  readonly ikeVersions: readonly string[];
  readonly phase1EncryptionAlgorithms: readonly string[];
  readonly phase2EncryptionAlgorithms: readonly string[];
  readonly phase1IntegrityAlgorithms: readonly string[];
  readonly phase2IntegrityAlgorithms: readonly string[];
  readonly phase1DhGroupNumbers: readonly number[];
  readonly phase2DhGroupNumbers: readonly number[];
  readonly phase1LifetimeSeconds: number;
  readonly phase2LifetimeSeconds: number;
  readonly rekeyMarginTimeSeconds: number;
  readonly rekeyFuzzPercentage: number;
  readonly replayWindowSize: number;
  readonly dpdTimeoutSeconds: number;
  readonly dpdTimeoutAction: string;
  readonly startupAction: string;
}

/**
 * Hardened tunnel options for both tunnels: IKEv2 only, AES-256 (GCM first), SHA-2 384/256, elliptic-curve
 * DH groups 19-21 (group 14 only when listed explicitly), AWS's longest lifetimes with its default rekey
 * margin and fuzz, and a tunnel that restarts IKE when dead-peer detection times out.
 */
export const HARDENED_TUNNEL_OPTIONS: TunnelOptionValues = {
  ikeVersions: ['ikev2'],
  phase1EncryptionAlgorithms: ['AES256-GCM-16', 'AES256'],
  phase2EncryptionAlgorithms: ['AES256-GCM-16', 'AES256'],
  phase1IntegrityAlgorithms: ['SHA2-384', 'SHA2-256'],
  phase2IntegrityAlgorithms: ['SHA2-384', 'SHA2-256'],
  phase1DhGroupNumbers: [19, 20, 21],
  phase2DhGroupNumbers: [19, 20, 21],
  phase1LifetimeSeconds: 28800,
  phase2LifetimeSeconds: 3600,
  rekeyMarginTimeSeconds: 540,
  rekeyFuzzPercentage: 100,
  replayWindowSize: 1024,
  dpdTimeoutSeconds: 30,
  dpdTimeoutAction: 'restart',
  startupAction: 'add',
};

/** Encryption algorithms accepted; AWS also offers AES128 and AES128-GCM-16, refused here as weaker than the design's AES-256. */
export const ALLOWED_ENCRYPTION_ALGORITHMS = ['AES256-GCM-16', 'AES256'] as const;
export const WEAK_ENCRYPTION_ALGORITHMS = ['AES128', 'AES128-GCM-16'] as const;
/** Integrity algorithms accepted; SHA1 is refused. */
export const ALLOWED_INTEGRITY_ALGORITHMS = ['SHA2-256', 'SHA2-384', 'SHA2-512'] as const;
export const WEAK_INTEGRITY_ALGORITHMS = ['SHA1'] as const;
/**
 * Diffie-Hellman groups accepted: 14-18 (MODP ≥ 2048 bits) and 19-21 (ECP). AWS also offers 2 and 5
 * (MODP 1024/1536) and 22-24 (MODP with small subgroups, RFC 8247 "SHOULD NOT"); all are refused.
 */
export const ALLOWED_DH_GROUPS = [14, 15, 16, 17, 18, 19, 20, 21] as const;
export const WEAK_DH_GROUPS = [2, 5, 22, 23, 24] as const;
export const DPD_TIMEOUT_ACTIONS = ['clear', 'none', 'restart'] as const;
export const STARTUP_ACTIONS = ['add', 'start'] as const;

/** AWS ranges of the numeric tunnel options. */
export const TUNNEL_OPTION_LIMITS = {
  phase1LifetimeSeconds: [900, 28800],
  phase2LifetimeSeconds: [900, 3600],
  rekeyFuzzPercentage: [0, 100],
  replayWindowSize: [64, 2048],
  dpdTimeoutSeconds: [30, Number.MAX_SAFE_INTEGER],
} as const;
/** The rekey margin is at least 60 s and at most half the phase 2 lifetime. */
export const MIN_REKEY_MARGIN_SECONDS = 60;

/** Inside tunnel blocks: a /30 from 169.254.0.0/16, except these, which AWS reserves. */
export const TUNNEL_INSIDE_RANGE = '169.254.0.0/16';
export const RESERVED_TUNNEL_INSIDE_CIDRS = [
  '169.254.0.0/30',
  '169.254.1.0/30',
  '169.254.2.0/30',
  '169.254.3.0/30',
  '169.254.4.0/30',
  '169.254.5.0/30',
  '169.254.169.252/30',
] as const;

/** Customer gateway ASNs: 1-4294967294, except these, which AWS reserves. */
export const MAX_CUSTOMER_GATEWAY_ASN = 4294967294;
/** Above this, the provider needs `bgp_asn_extended` instead of `bgp_asn`. */
export const MAX_BGP_ASN_ATTRIBUTE = 2147483647;
export const RESERVED_CUSTOMER_GATEWAY_ASNS: ReadonlyArray<{ readonly asn: number; readonly where: string }> =
  [
    { asn: 7224, where: 'all Regions' },
    { asn: 9059, where: 'eu-west-1' },
    { asn: 10124, where: 'ap-northeast-1' },
    { asn: 17943, where: 'ap-southeast-1' },
  ];
/** The customer gateway ASN of a statically routed VPN (AWS's default; not used for routing). */
export const DEFAULT_STATIC_CUSTOMER_GATEWAY_ASN = 65000;

/**
 * Address ranges a customer gateway's public address can not be in: private, shared, loopback,
 * link-local, documentation, benchmarking, multicast and reserved (RFC 6890).
 */
export const NON_PUBLIC_IPV4_RANGES = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

/** On-premises ranges broader than this are refused: a route to them would capture most of the internet. */
export const BROADEST_ON_PREM_PREFIX = 8;

/** Tunnel logs. */
export const DEFAULT_TUNNEL_LOG_RETENTION_DAYS = 365;
export const DEFAULT_TUNNEL_LOG_OUTPUT_FORMAT = 'json';
/** The retention values CloudWatch Logs accepts (one list for every construct). */
export { LOG_RETENTION_DAYS } from '../shared/cloudwatch';

/** Ports the backends listen on, when not given. */
export const DEFAULT_BACKEND_PORTS = [443] as const;
/** The ephemeral ports replies come back to (the network ACL is stateless). */
export const EPHEMERAL_PORTS = { fromPort: 1024, toPort: 65535 } as const;

/** Tunnel-down alarms: TunnelState (1 up, 0 down) below 1 for two 5-minute periods; no data counts as down. */
export const TUNNEL_ALARM_DEFAULTS = {
  namespace: 'AWS/VPN',
  metricName: 'TunnelState',
  statistic: 'Maximum',
  period: 300,
  evaluationPeriods: 2,
  threshold: 1,
  comparisonOperator: 'LessThanThreshold',
  treatMissingData: 'breaching',
} as const;
