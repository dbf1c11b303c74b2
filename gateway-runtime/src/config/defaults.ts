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
/** DNS towards the customer's servers (`backend.dns`, `security.tokenEndpointDns`). */
export const DEFAULT_DNS_TIMEOUT_MS = 2_000;
export const DEFAULT_DNS_TRIES = 2;
export const DEFAULT_DNS_FAMILY = 'ipv4';
export const DEFAULT_DNS_MIN_TTL_SECONDS = 1;
export const DEFAULT_DNS_MAX_TTL_SECONDS = 60;
export const DEFAULT_DNS_PORT = 53;
export const MAX_DNS_SERVERS = 4;
