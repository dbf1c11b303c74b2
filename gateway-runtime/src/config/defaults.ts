/**
 * The runtime's own constants. The defaults of configuration fields are not here: each is written once,
 * in the definition (definition.ts), and the runtime reads resolved values (`resolveConfig` in
 * resolve.ts), never a fallback.
 */
import { ROOT } from './definition';

/** ALB → Lambda responses are capped at 1 MB by the load balancer. */
export const LAMBDA_MAX_RESPONSE_BYTES = 1_000_000;
/** `trustedSources.trustedHops` behind the ALB (the standalone server passes 0: the socket is the client). */
export const DEFAULT_TRUSTED_HOPS = 1;
/**
 * The secret sources' cache lifetime when their caller gives none (the gateway always passes the
 * resolved `secretCacheSeconds`; the CLI's own reads and tests may not): the field's default.
 */
export const DEFAULT_SECRET_CACHE_SECONDS = ROOT.secretCacheSeconds.default;
/** How often the standalone server re-reads its TLS material (a `stat` per file; Secrets Manager is cached). */
export const DEFAULT_SERVER_TLS_CHECK_MS = 10_000;
/**
 * Never forwarded, whatever the configuration says: TRACE and TRACK echo the request (with the
 * credentials the gateway added) back to the caller, CONNECT opens a tunnel.
 */
export const NEVER_FORWARDED_METHODS: ReadonlySet<string> = new Set(['TRACE', 'TRACK', 'CONNECT']);
/**
 * After a backend 401, the OAuth token is fetched anew at most this often: a path that always answers
 * 401 does not drive the token endpoint once per request.
 */
export const DEFAULT_OAUTH_MIN_REFETCH_INTERVAL_SECONDS = 5;
/** Lambda: the answer is due this long before the function's time limit, so the caller gets a 504, not a cut. */
export const LAMBDA_DEADLINE_MARGIN_MS = 500;
/** A DNS server given without a port (`backend.dns.servers`). */
export const DEFAULT_DNS_PORT = 53;
/** `dns.servers` holds at most this many. */
export const MAX_DNS_SERVERS = 4;
