/**
 * Secure defaults of the internal load balancer, in one place.
 */

/** TLS 1.3 and 1.2 with forward-secret AEAD ciphers: AWS's recommended policy. */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** TLS 1.3 only, for gateway tiers that all speak it. */
export const TLS13_ONLY_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-3-2021-06';
/**
 * The predefined ALB policies that offer TLS 1.3, refuse TLS 1.0 and 1.1, and negotiate only forward-secret
 * key exchanges (TLS 1.3 suites and ECDHE_* suites for TLS 1.2), with AEAD or SHA-2 CBC ciphers. From AWS's
 * "Security policies for your Application Load Balancer" tables (protocols and ciphers by policy): the base,
 * `Res` (GCM only) and TLS 1.3-only policies, their FIPS and post-quantum (`PQ`, hybrid ML-KEM key exchange)
 * variants, and the strict RFC 9151 (CNSA 1.0) policies. An exact list, not a pattern: a name AWS does not
 * have fails at synth time instead of at apply.
 */
export const FORWARD_SECRET_TLS13_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  'ELBSecurityPolicy-TLS13-1-3-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-3-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07',
  'ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07',
] as const;

/**
 * TLS 1.3 policies (TLS 1.2 minimum) kept for old clients: `Ext1` and `Ext2` add RSA key exchange
 * (`AES128-GCM-SHA256`, ...: no forward secrecy), `Ext2` and `Ext0` add CBC suites with SHA-1 MACs, and the
 * RFC 9151 `INTEROP` policies add suites outside CNSA 1.0 for a migration. Accepted only with
 * `legacySslPolicyReason`.
 */
export const LEGACY_TLS13_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07',
  'ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07',
  'ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07',
  'ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07',
  'ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07',
] as const;

export const DEFAULT_LISTENER_PORT = 443;

/** Load balancer attributes set unless the caller overrides them. */
export const LOAD_BALANCER_DEFAULTS = {
  /** Refuse requests with header names that are not valid HTTP tokens (request smuggling). */
  dropInvalidHeaderFields: true,
  enableDeletionProtection: true,
  /** Refuse ambiguous requests outright (desync / smuggling), not only the severe ones. */
  desyncMitigationMode: 'strictest',
  enableHttp2: true,
  idleTimeout: 60,
  /** The gateway tier must not be able to inject its own X-Forwarded-For: ALB appends the real peer. */
  xffHeaderProcessingMode: 'append',
} as const;

/** What the construct requires (not overridable). */
export const LOAD_BALANCER_REQUIRED = {
  internal: true,
  loadBalancerType: 'application',
  ipAddressType: 'ipv4',
} as const;

/** Mutual TLS: verify the client certificate against the trust store; expired certificates are refused. */
export const MUTUAL_TLS_DEFAULTS = {
  mode: 'verify',
  ignoreClientCertificateExpiry: false,
} as const;

/** The default action when no target group is given: a plain 404. */
export const DEFAULT_FIXED_RESPONSE = {
  contentType: 'text/plain',
  messageBody: 'Not Found',
  statusCode: '404',
} as const;

/** ALB names are at most 32 characters. */
export const MAX_LOAD_BALANCER_NAME_LENGTH = 32;

/** An ALB needs subnets of at least /27 (with 8 free addresses each). */
export const LARGEST_ALB_SUBNET_PREFIX = 27;
