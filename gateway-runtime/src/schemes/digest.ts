/**
 * HTTP Digest authentication with a warm nonce. The server's nonce is kept per origin and realm and
 * `nc` is counted, so once a link is warm every request carries a valid `Authorization` up front and
 * costs one round trip (peers such as WSO2 re-challenge every request with nc always 1, which costs
 * two). A 401 answers:
 *
 * - no cached nonce was sent: answer the challenge and retry once;
 * - a cached nonce was sent and the server says `stale=true`: take the new nonce and retry once;
 * - a cached nonce that the server had already accepted was refused and a different nonce is offered
 *   (a server that restarted and forgot its nonces without saying `stale`): retry once with it;
 * - otherwise (e.g. a wrong password): keep the new nonce for the next request, pass the 401 on.
 *
 * A second 401 is always passed on: the scheme never loops. qop `auth` is chosen when offered;
 * `auth-int` (which hashes the body) only when the server offers nothing else.
 */
import { randomBytes } from 'node:crypto';
import type { SecurityScheme } from '../config/types';
import { resolveStringOrSecret } from './basic';
import {
  buildDigestAuthorization,
  DigestChallenge,
  parseAuthenticateHeader,
  selectDigestChallenge,
} from './digest-auth';
import type { AuthScheme, BackendResponseInfo, OutgoingRequest, SchemeContext } from './types';

export type DigestSchemeConfig = Extract<SecurityScheme, { type: 'digest' }>;

export interface DigestSchemeOptions {
  /**
   * Keep the server's nonce and answer preemptively. `false` re-challenges every request (what many
   * peers do); it exists for the benchmark's comparison. @default true
   */
  readonly reuseNonce?: boolean;
}

interface Session {
  readonly challenge: DigestChallenge;
  /** The last nonce count used with this nonce. */
  nc: number;
  /** For the `-sess` algorithms, one cnonce per session (the session key depends on it). */
  readonly sessionCnonce: string;
  /** The server has accepted an answer with this nonce (so a later refusal is about the nonce). */
  proven: boolean;
}

export interface DigestScheme extends AuthScheme {
  /** Nonce sessions held (one per origin and realm); for tests and metrics. */
  sessionCount(): number;
  onResponse(
    request: OutgoingRequest,
    response: BackendResponseInfo,
    attempt: number,
  ): Promise<'retry' | 'done'>;
}

/** A fresh client nonce from the CSPRNG: 16 random bytes, base64url. */
export function newCnonce(): string {
  return randomBytes(16).toString('base64url');
}

export function createDigestScheme(
  config: DigestSchemeConfig,
  ctx: SchemeContext,
  options: DigestSchemeOptions = {},
): DigestScheme {
  const reuseNonce = options.reuseNonce ?? true;
  /** Sessions by `origin realm`. */
  const sessions = new Map<string, Session>();
  /** The realm last seen per origin: a preemptive answer goes to that protection space. */
  const realmByOrigin = new Map<string, string>();
  /** What was sent for a request: the session whose nonce answered it, or nothing. */
  const sent = new WeakMap<OutgoingRequest, { session?: Session }>();
  /** Without nonce reuse: the challenge a request's own 401 carried, for its retry. */
  const pending = new WeakMap<OutgoingRequest, Session>();

  const keyOf = (origin: string, realm: string) => `${origin} ${realm}`;

  function sessionFor(request: OutgoingRequest): Session | undefined {
    const own = pending.get(request);
    if (own) return own;
    if (!reuseNonce) return undefined;
    const realm = realmByOrigin.get(request.url.origin);
    return realm === undefined ? undefined : sessions.get(keyOf(request.url.origin, realm));
  }

  return {
    type: 'digest',
    mayRetry: true,
    needsBody: false,
    sessionCount: () => sessions.size,

    async authorize(request: OutgoingRequest): Promise<Record<string, string>> {
      const username = await resolveStringOrSecret(config.username, ctx.secrets, 'security.username');
      const password = await resolveStringOrSecret(config.password, ctx.secrets, 'security.password');
      // From here on synchronous: the nonce count is taken and incremented atomically.
      const session = sessionFor(request);
      if (!session) {
        sent.set(request, {});
        return {};
      }
      session.nc += 1;
      sent.set(request, { session });
      const challenge = session.challenge;
      return {
        authorization: buildDigestAuthorization({
          challenge,
          username,
          password,
          method: request.method,
          uri: `${request.url.pathname}${request.url.search}`,
          nc: session.nc,
          cnonce: challenge.algorithm.endsWith('-sess') ? session.sessionCnonce : newCnonce(),
          ...(request.body ? { body: request.body } : {}),
        }),
      };
    },

    async onResponse(
      request: OutgoingRequest,
      response: BackendResponseInfo,
      attempt: number,
    ): Promise<'retry' | 'done'> {
      const used = sent.get(request)?.session;
      if (response.status !== 401) {
        if (used) used.proven = true;
        return 'done';
      }
      const challenge = selectDigestChallenge(parseAuthenticateHeader(response.headers['www-authenticate']));
      if (!challenge) return 'done';
      const fresh: Session = { challenge, nc: 0, sessionCnonce: newCnonce(), proven: false };
      if (reuseNonce) {
        const key = keyOf(request.url.origin, challenge.realm);
        const current = sessions.get(key);
        if (!current || current.challenge.nonce !== challenge.nonce) sessions.set(key, fresh);
        realmByOrigin.set(request.url.origin, challenge.realm);
      } else {
        pending.set(request, fresh);
      }
      if (attempt > 1) return 'done';
      if (!used) return 'retry';
      if (challenge.stale) return 'retry';
      return used.proven && used.challenge.nonce !== challenge.nonce ? 'retry' : 'done';
    },
  };
}
