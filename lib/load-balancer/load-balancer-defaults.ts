/**
 * Secure defaults of the internal load balancer, in one place.
 */

/** TLS 1.3 and 1.2 with forward-secret AEAD ciphers: AWS's recommended policy. */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** TLS 1.3 only, for gateway tiers that all speak it. */
export const TLS13_ONLY_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-3-2021-06';
/**
 * Accepted policies: the `ELBSecurityPolicy-TLS13-1-2-*` and `-TLS13-1-3-*` families (TLS 1.3, and at
 * least TLS 1.2), including their FIPS and post-quantum variants. Policies that allow TLS 1.0 or 1.1
 * (`-TLS13-1-0-`, `-TLS13-1-1-`, `-2016-08`, ...) are refused.
 */
export const ACCEPTED_SSL_POLICY = /^ELBSecurityPolicy-TLS13-1-[23](-[A-Za-z0-9]+)*-20\d\d-\d\d$/;

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
