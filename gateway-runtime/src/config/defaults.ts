/**
 * Named defaults. Those of configuration fields are read from the definition (definition.ts), where each
 * is written once; the runtime reads resolved configuration values (resolve.ts), not these. The others
 * are the runtime's own constants.
 */
import {
  DEFAULT_ALLOWED_METHODS,
  DNS,
  LIMITS,
  OAUTH2_TUNING,
  ROOT_TUNING,
  SERVER,
  SERVER_ADMIN,
  TIMEOUTS,
} from './definition';

export const DEFAULT_CONNECT_TIMEOUT_MS = TIMEOUTS.connectMs.default;
export const DEFAULT_HEADERS_TIMEOUT_MS = TIMEOUTS.headersMs.default;
export const DEFAULT_BODY_TIMEOUT_MS = TIMEOUTS.bodyMs.default;
export const DEFAULT_MAX_REQUEST_BODY_BYTES = LIMITS.maxRequestBodyBytes.default;
export const DEFAULT_MAX_RESPONSE_BODY_BYTES = LIMITS.maxResponseBodyBytes.default;
export const DEFAULT_MAX_REPLAY_BODY_BYTES = LIMITS.maxReplayBodyBytes.default;
/** ALB → Lambda responses are capped at 1 MB by the load balancer. */
export const LAMBDA_MAX_RESPONSE_BYTES = 1_000_000;
export const DEFAULT_TRUSTED_HOPS = 1;
export const DEFAULT_SECRET_CACHE_SECONDS = ROOT_TUNING.secretCacheSeconds.default;
export const DEFAULT_SERVER_HOST = SERVER.host.default;
export const DEFAULT_SERVER_PORT = SERVER.port.default;
export const DEFAULT_HEALTH_PATH = SERVER.healthPath.default;
/** `server.admin.address`: the admin listener is loopback-only unless configured otherwise. */
export const DEFAULT_ADMIN_ADDRESS = SERVER_ADMIN.address.default;
export const DEFAULT_SHUTDOWN_GRACE_MS = SERVER.shutdownGraceMs.default;
export const DEFAULT_TOKEN_HEADER = 'authorization';
export const DEFAULT_SIGNED_HEADERS = ['(request-target)', 'host', 'date', 'digest'] as const;
export const DEFAULT_SIGNATURE_HEADER = 'authorization';
export const DEFAULT_OAUTH_AUTH_METHOD = OAUTH2_TUNING.authMethod.default;
export const DEFAULT_OAUTH_EXPIRY_MARGIN_SECONDS = OAUTH2_TUNING.expiryMarginSeconds.default;
export const DEFAULT_OAUTH_DEFAULT_LIFETIME_SECONDS = OAUTH2_TUNING.defaultLifetimeSeconds.default;
/** How often the standalone server re-reads its TLS material (a `stat` per file; Secrets Manager is cached). */
export const DEFAULT_SERVER_TLS_CHECK_MS = 10_000;
/** The methods forwarded when `forwarding.allowedMethods` is not set; others are answered 405. */
export { DEFAULT_ALLOWED_METHODS };
/**
 * Never forwarded, whatever the configuration says: TRACE and TRACK echo the request (with the
 * credentials the gateway added) back to the caller, CONNECT opens a tunnel.
 */
export const NEVER_FORWARDED_METHODS: ReadonlySet<string> = new Set(['TRACE', 'TRACK', 'CONNECT']);
/** Standalone server: the whole request (headers and body) must arrive within this time (Node: 300 s). */
export const DEFAULT_SERVER_REQUEST_TIMEOUT_MS = SERVER.requestTimeoutMs.default;
/** Standalone server: the request headers must arrive within this time (Node: 60 s). */
export const DEFAULT_SERVER_HEADERS_TIMEOUT_MS = SERVER.headersTimeoutMs.default;
/** Standalone server: an idle keep-alive connection from a caller is closed after this time. */
export const DEFAULT_SERVER_KEEP_ALIVE_TIMEOUT_MS = SERVER.keepAliveTimeoutMs.default;
/** Connections the gateway opens to the backend at most (per pool); further requests queue. */
export const DEFAULT_MAX_BACKEND_CONNECTIONS = LIMITS.maxBackendConnections.default;
/**
 * After a backend 401, the OAuth token is fetched anew at most this often: a path that always answers
 * 401 does not drive the token endpoint once per request.
 */
export const DEFAULT_OAUTH_MIN_REFETCH_INTERVAL_SECONDS = 5;
/** Lambda: the answer is due this long before the function's time limit, so the caller gets a 504, not a cut. */
export const LAMBDA_DEADLINE_MARGIN_MS = 500;
/** DNS towards the customer's servers (`backend.dns`, `security.tokenEndpointDns`). */
export const DEFAULT_DNS_TIMEOUT_MS = DNS.timeoutMs.default;
export const DEFAULT_DNS_TRIES = DNS.tries.default;
export const DEFAULT_DNS_FAMILY = DNS.family.default;
export const DEFAULT_DNS_MIN_TTL_SECONDS = DNS.minTtlSeconds.default;
export const DEFAULT_DNS_MAX_TTL_SECONDS = DNS.maxTtlSeconds.default;
export const DEFAULT_DNS_PORT = 53;
export const MAX_DNS_SERVERS = 4;
