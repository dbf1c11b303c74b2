/** Every default of the runtime configuration, in one place. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 6 * 1024 * 1024;
export const DEFAULT_MAX_RESPONSE_BODY_BYTES = 6 * 1024 * 1024;
export const DEFAULT_MAX_REPLAY_BODY_BYTES = 1024 * 1024;
/** ALB → Lambda responses are capped at 1 MB by the load balancer. */
export const LAMBDA_MAX_RESPONSE_BYTES = 1_000_000;
export const DEFAULT_TRUSTED_HOPS = 1;
export const DEFAULT_SECRET_CACHE_SECONDS = 300;
export const DEFAULT_SERVER_HOST = '127.0.0.1';
export const DEFAULT_SERVER_PORT = 8080;
export const DEFAULT_HEALTH_PATH = '/healthz';
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
export const DEFAULT_TOKEN_HEADER = 'authorization';
export const DEFAULT_SIGNED_HEADERS = ['(request-target)', 'host', 'date', 'digest'] as const;
export const DEFAULT_SIGNATURE_HEADER = 'authorization';
export const DEFAULT_OAUTH_AUTH_METHOD = 'client_secret_basic';
export const DEFAULT_OAUTH_EXPIRY_MARGIN_SECONDS = 60;
export const DEFAULT_OAUTH_DEFAULT_LIFETIME_SECONDS = 300;
/** How often the standalone server re-reads its TLS material (a `stat` per file; Secrets Manager is cached). */
export const DEFAULT_SERVER_TLS_CHECK_MS = 10_000;
/** The methods forwarded when `forwarding.allowedMethods` is not set; others are answered 405. */
export const DEFAULT_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/**
 * Never forwarded, whatever the configuration says: TRACE and TRACK echo the request (with the
 * credentials the gateway added) back to the caller, CONNECT opens a tunnel.
 */
export const NEVER_FORWARDED_METHODS: ReadonlySet<string> = new Set(['TRACE', 'TRACK', 'CONNECT']);
/** Standalone server: the whole request (headers and body) must arrive within this time (Node: 300 s). */
export const DEFAULT_SERVER_REQUEST_TIMEOUT_MS = 30_000;
/** Standalone server: the request headers must arrive within this time (Node: 60 s). */
export const DEFAULT_SERVER_HEADERS_TIMEOUT_MS = 10_000;
/** Standalone server: an idle keep-alive connection from a caller is closed after this time. */
export const DEFAULT_SERVER_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Connections the gateway opens to the backend at most (per pool); further requests queue. */
export const DEFAULT_MAX_BACKEND_CONNECTIONS = 64;
/**
 * After a backend 401, the OAuth token is fetched anew at most this often: a path that always answers
 * 401 does not drive the token endpoint once per request.
 */
export const DEFAULT_OAUTH_MIN_REFETCH_INTERVAL_SECONDS = 5;
/** Lambda: the answer is due this long before the function's time limit, so the caller gets a 504, not a cut. */
export const LAMBDA_DEADLINE_MARGIN_MS = 500;
/** DNS towards the customer's servers (`backend.dns`, `security.tokenEndpointDns`). */
export const DEFAULT_DNS_TIMEOUT_MS = 2_000;
export const DEFAULT_DNS_TRIES = 2;
export const DEFAULT_DNS_FAMILY = 'ipv4';
export const DEFAULT_DNS_MIN_TTL_SECONDS = 1;
export const DEFAULT_DNS_MAX_TTL_SECONDS = 60;
export const DEFAULT_DNS_PORT = 53;
export const MAX_DNS_SERVERS = 4;
