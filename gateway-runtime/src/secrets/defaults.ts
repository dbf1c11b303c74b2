/** Defaults of the secret sources (the cache lifetime itself is `DEFAULT_SECRET_CACHE_SECONDS` in config). */

/**
 * After a failed Secrets Manager read, the last good value is served for at most this long past its
 * expiry (an outage or throttling does not fail requests); after that, requests fail with 503.
 */
export const DEFAULT_SECRET_MAX_STALE_SECONDS = 900;
/** While a stale value is served, Secrets Manager is asked again at most this often. */
export const DEFAULT_SECRET_STALE_RETRY_SECONDS = 10;
/** Secrets Manager calls: time to connect and to get the whole answer (then the SDK retries). */
export const DEFAULT_SECRETS_MANAGER_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_SECRETS_MANAGER_REQUEST_TIMEOUT_MS = 5_000;
