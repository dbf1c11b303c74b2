/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): fetches a bearer token from the customer's token
 * endpoint and sends it as `Authorization: Bearer …`.
 *
 * - The token is cached until `expires_in - expiryMarginSeconds` (the margin is capped at half the
 *   lifetime, so a short-lived token is still reused instead of fetched for every request);
 *   `defaultLifetimeSeconds` applies when the server omits `expires_in`.
 * - Single flight: however many requests wait, one fetch is in progress at a time.
 * - A 401 from the backend (attempt 1 only) purges exactly the token that attempt carried and asks for
 *   one retry, at most once per `minRefetchIntervalSeconds` (other 401s meanwhile are passed on), so a
 *   path that always answers 401 does not drive the token endpoint once per request. When another
 *   request already replaced the refused token, the retry uses the current one.
 * - The token endpoint gets the configuration's connect, headers and body timeouts.
 * - Any failure is a CredentialsUnavailableError (503); a request never goes out without a token.
 * - Neither the client secret, the assertion key, an assertion nor a token ever appears in an error message.
 * - The client authenticates with the one method configured (oauth2-client-auth.ts): a client secret
 *   (basic or post), a fresh private_key_jwt assertion per token request (a retry never replays one), or
 *   its certificate on the token endpoint's connection (RFC 8705); `audience` and `resource` parameters.
 */
import { Agent, sendRequest } from '../io/undici';
import { DEFAULT_OAUTH_MIN_REFETCH_INTERVAL_SECONDS } from '../config/defaults';
import type { ResolvedScheme } from '../config/resolve';
import type { SecurityScheme } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';
import { createBackendResolver } from '../io/resolver';
import {
  clientAuthentication,
  createClientAuthMethod,
  type TokenEndpointClientTls,
} from './oauth2-client-auth';
import type { AuthScheme, BackendResponseInfo, CallingOutSchemeContext, SentRequest } from './types';

export type OAuth2SchemeConfig = Extract<SecurityScheme, { type: 'oauth2-client-credentials' }>;

/** The scheme holds a connection pool towards the token endpoint: close it when the scheme is dropped. */
export interface OAuth2Scheme extends AuthScheme {
  close(): Promise<void>;
}

/** Transport settings for the token endpoint; the timeouts default to the configuration's `timeouts`. */
export interface OAuth2Options {
  /** @default - `timeouts.connectMs` */
  readonly connectTimeoutMs?: number;
  /** @default - `timeouts.headersMs` */
  readonly headersTimeoutMs?: number;
  /** @default - `timeouts.bodyMs` */
  readonly bodyTimeoutMs?: number;
  /** Larger token responses are refused. @default 65536 */
  readonly maxResponseBytes?: number;
  /**
   * A backend 401 drops the refused token and fetches a new one at most once per this interval; other
   * 401s meanwhile are passed on. A path that always answers 401 costs one token request per interval,
   * not one per request.
   * @default DEFAULT_OAUTH_MIN_REFETCH_INTERVAL_SECONDS (5)
   */
  readonly minRefetchIntervalSeconds?: number;
}

const DEFAULT_MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** RFC 6750 §2.1 b64token: what a bearer token may look like in an Authorization header. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** RFC 6749 §5.2 error codes: only these are quoted back in messages (a server could echo anything else). */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'server_error',
  'temporarily_unavailable',
]);

interface CachedToken {
  readonly value: string;
  /** Epoch ms from which the token is no longer used. */
  readonly refreshAt: number;
}

export function createOAuth2Scheme(
  config: ResolvedScheme<OAuth2SchemeConfig>,
  ctx: CallingOutSchemeContext,
  options: OAuth2Options = {},
): OAuth2Scheme {
  const now = ctx.now ?? Date.now;
  const { expiryMarginSeconds: marginSeconds, defaultLifetimeSeconds: defaultLifetime } = config;
  // Checked once (ConfigError naming the field); keys and certificates are parsed on the first token request.
  const clientAuth = createClientAuthMethod(config, ctx);
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_TOKEN_RESPONSE_BYTES;
  const minRefetchMs =
    (options.minRefetchIntervalSeconds ?? DEFAULT_OAUTH_MIN_REFETCH_INTERVAL_SECONDS) * 1000;
  const connectTimeout = options.connectTimeoutMs ?? ctx.timeouts.connectMs;
  const headersTimeout = options.headersTimeoutMs ?? ctx.timeouts.headersMs;
  const bodyTimeout = options.bodyTimeoutMs ?? ctx.timeouts.bodyMs;
  const tokenUrl = new URL(config.tokenUrl);
  /** Where, for messages: origin and path, never the query. */
  const where = `${tokenUrl.origin}${tokenUrl.pathname}`;
  const unavailable = (why: string) =>
    new CredentialsUnavailableError(`no OAuth 2.0 token for the backend: token endpoint ${where} ${why}`);

  const resolver =
    ctx.tokenEndpointResolver ??
    (config.tokenEndpointDns
      ? createBackendResolver(config.tokenEndpointDns, { label: 'token endpoint', now })
      : undefined);

  let cached: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;
  /** When a 401 last made the scheme drop its token and fetch another. */
  let lastRefetchAt: number | undefined;
  let pool: { identity: string; agent: Agent } | undefined;
  let closed = false;

  async function dispatcher(clientTls: TokenEndpointClientTls | undefined): Promise<Agent> {
    const ca = config.tokenEndpointTls?.ca
      ? await ctx.secrets.resolve(config.tokenEndpointTls.ca)
      : undefined;
    // The versions of the CA and of the client certificate ("undefined" when there is none).
    const identity = `${ca?.version}|${clientTls?.identity}`;
    if (pool?.identity === identity) return pool.agent;
    const previous = pool?.agent;
    pool = {
      identity,
      agent: new Agent({
        connect: {
          timeout: connectTimeout,
          ...(ca ? { ca: ca.value } : {}),
          // RFC 8705: the client certificate (and key) on the token endpoint's connection.
          ...clientTls?.connect,
          ...(config.tokenEndpointTls?.servername ? { servername: config.tokenEndpointTls.servername } : {}),
          // Verification is always on (the default); stated so no one "fixes" it away.
          rejectUnauthorized: true,
          // The customer's DNS servers or pins resolve the name; TLS still verifies the name.
          ...(resolver ? { lookup: resolver.lookup } : {}),
        },
        headersTimeout,
        bodyTimeout,
      }),
    };
    // A rotated CA or client certificate: requests in flight finish on the old pool, which then closes.
    void previous?.close().catch(() => undefined);
    return pool.agent;
  }

  async function fetchToken(): Promise<CachedToken> {
    // Every token request (the retry after a 401 too) authenticates afresh: a new assertion, the
    // current secret and certificate versions.
    const auth = await clientAuthentication(clientAuth);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (config.scope !== undefined) form.set('scope', config.scope);
    for (const [key, value] of Object.entries(config.extraParams ?? {})) form.set(key, value);
    // client_id, client_secret / client_assertion, audience, resource (which may repeat): appended.
    for (const [key, value] of auth.params) form.append(key, value);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...auth.headers,
    };

    const requestedAt = now();
    let status: number;
    let text: string;
    try {
      const response = await sendRequest(tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        dispatcher: await dispatcher(auth.tls),
      });
      status = response.statusCode;
      const read = await readLimited(response.body, maxResponseBytes);
      if (read === undefined) throw unavailable(`answered more than ${maxResponseBytes} bytes`);
      text = read;
    } catch (error) {
      if (error instanceof CredentialsUnavailableError) throw error;
      const code = (error as { code?: unknown }).code;
      throw unavailable(`could not be reached (${typeof code === 'string' ? code : 'request failed'})`);
    }

    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        body = parsed as Record<string, unknown>;
      }
    } catch {
      body = undefined;
    }
    if (status < 200 || status > 299) {
      const code = typeof body?.error === 'string' && OAUTH_ERRORS.has(body.error) ? ` (${body.error})` : '';
      throw unavailable(`answered ${status}${code}`);
    }
    if (!body) throw unavailable(`answered ${status} with a body that is not a JSON object`);
    const accessToken = body.access_token;
    if (typeof accessToken !== 'string' || accessToken.length === 0) {
      throw unavailable('answered without an access_token');
    }
    if (!B64TOKEN.test(accessToken)) {
      throw unavailable('answered an access_token that is not a valid bearer token (RFC 6750)');
    }
    const tokenType = body.token_type;
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
      const shown =
        typeof tokenType === 'string' && /^[A-Za-z0-9_.-]{1,32}$/.test(tokenType)
          ? `token_type "${tokenType}"`
          : 'no usable token_type';
      throw unavailable(`answered ${shown}; only Bearer tokens are supported`);
    }
    const expiresIn = Number(body.expires_in);
    const lifetime =
      body.expires_in !== undefined && Number.isFinite(expiresIn) && expiresIn > 0
        ? expiresIn
        : defaultLifetime;
    const margin = Math.min(marginSeconds, lifetime / 2);
    return { value: accessToken, refreshAt: requestedAt + (lifetime - margin) * 1000 };
  }

  async function token(): Promise<string> {
    if (closed) throw new CredentialsUnavailableError('the OAuth 2.0 scheme was closed');
    if (cached && now() < cached.refreshAt) return cached.value;
    if (!inflight) {
      inflight = fetchToken()
        .then((fresh) => {
          cached = fresh;
          return fresh;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return (await inflight).value;
  }

  return {
    type: 'oauth2-client-credentials',
    mayRetry: true,
    needsBody: false,
    headerNames: ['authorization'],
    async authorize(): Promise<Record<string, string>> {
      return { authorization: `Bearer ${await token()}` };
    },
    async onResponse(
      request: SentRequest,
      response: BackendResponseInfo,
      attempt: number,
    ): Promise<'retry' | 'done'> {
      if (response.status !== 401 || attempt !== 1) return 'done';
      // Compare with the token this attempt actually carried (never the caller's header).
      const refused = request.authHeaders.authorization;
      // Another request already replaced (or purged) the refused token: retry with the current one.
      if (!cached || refused !== `Bearer ${cached.value}`) return 'retry';
      // The current token is refused. A new token was fetched for a 401 moments ago: most likely the
      // path, not the token, is the problem. Pass the 401 on and fetch again only after the interval.
      const at = now();
      if (lastRefetchAt !== undefined && at - lastRefetchAt < minRefetchMs) return 'done';
      lastRefetchAt = at;
      cached = undefined; // purge exactly the refused token; the retry fetches one (single flight)
      return 'retry';
    },
    async close(): Promise<void> {
      closed = true;
      cached = undefined;
      const agent = pool?.agent;
      pool = undefined;
      await agent?.close();
    },
  };
}

/** The body as text, or undefined (and the body destroyed) when it is larger than `limit` bytes. */
async function readLimited(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  limit: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
