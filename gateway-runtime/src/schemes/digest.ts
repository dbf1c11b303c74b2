/**
 * HTTP Digest authentication with warm nonces. The server's nonces are kept per origin and realm and
 * `nc` is counted per nonce, so once a link is warm every request carries a valid `Authorization` up
 * front and costs one round trip (peers such as WSO2 re-challenge every request with nc always 1,
 * which costs two).
 *
 * Strict nonce counts: a server such as Apache with `AuthDigestNcCheck On` wants the counts of one
 * nonce (its `opaque` client record) to arrive exactly in order, which concurrent requests sharing a
 * nonce over several connections can not promise. So each protection space holds a small pool of
 * nonces, and a request takes one that no other request is using; only when all are busy does it share
 * one (which any default server accepts). A shared nonce that a server refuses makes the retry answer
 * the fresh challenge, and that nonce joins the pool: the pool grows to the concurrency a strict server
 * needs, and stays at one nonce on a default server (one round trip per warm request either way).
 *
 * A 401 answers:
 *
 * - no cached nonce was sent: answer the challenge and retry once;
 * - a cached nonce was sent and the server says `stale=true`: drop it, retry once with the new nonce;
 * - a cached nonce was refused and a different nonce is offered, and the refused one had been accepted
 *   before (a server that restarted without saying `stale`): drop it, retry once with the new nonce;
 * - the same, but the refused nonce was shared with a request in flight (counts may have arrived out of
 *   order): keep it, add the new nonce to the pool, retry once with the new nonce;
 * - otherwise (e.g. a wrong password): drop the refused nonce, keep the new one for the next request,
 *   pass the 401 on.
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
import type { AuthScheme, BackendResponseInfo, OutgoingRequest, SchemeContext, SentRequest } from './types';

export type DigestSchemeConfig = Extract<SecurityScheme, { type: 'digest' }>;

export interface DigestSchemeOptions {
  /**
   * Keep the server's nonce and answer preemptively. `false` re-challenges every request (what many
   * peers do); it exists for the benchmark's comparison. @default true
   */
  readonly reuseNonce?: boolean;
}

/** Nonces kept per protection space at most; past this, busy nonces are shared. */
export const MAX_NONCES_PER_SPACE = 32;

interface Session {
  readonly challenge: DigestChallenge;
  /** The last nonce count used with this nonce. */
  nc: number;
  /** For the `-sess` algorithms, one cnonce per session (the session key depends on it). */
  readonly sessionCnonce: string;
  /** The server has accepted an answer with this nonce (so a later refusal is about the nonce). */
  proven: boolean;
  /** Requests in flight that carry this nonce. */
  inFlight: number;
}

/** What one attempt carried. */
interface Sent {
  readonly session: Session;
  /** Another request carried the same nonce when this one was sent. */
  readonly shared: boolean;
}

export interface DigestScheme extends AuthScheme {
  /** Protection spaces (origin and realm) with at least one nonce; for tests and metrics. */
  sessionCount(): number;
  /** Nonces held in all protection spaces. */
  nonceCount(): number;
  onResponse(request: SentRequest, response: BackendResponseInfo, attempt: number): Promise<'retry' | 'done'>;
  onNoResponse(request: SentRequest): void;
}

/** A fresh client nonce from the CSPRNG: 16 random bytes, base64url. */
export function newCnonce(): string {
  return randomBytes(16).toString('base64url');
}

const newSession = (challenge: DigestChallenge): Session => ({
  challenge,
  nc: 0,
  sessionCnonce: newCnonce(),
  proven: false,
  inFlight: 0,
});

export function createDigestScheme(
  config: DigestSchemeConfig,
  ctx: SchemeContext,
  options: DigestSchemeOptions = {},
): DigestScheme {
  const reuseNonce = options.reuseNonce ?? true;
  /** Nonce pools by `origin realm`, oldest first. */
  const pools = new Map<string, Session[]>();
  /** The realm last seen per origin: a preemptive answer goes to that protection space. */
  const realmByOrigin = new Map<string, string>();
  /** What each attempt carried, by the headers object `authorize` returned for it. */
  const sent = new WeakMap<object, Sent>();
  /** A session reserved for a request's retry (its own 401's challenge), by the prepared request. */
  const reserved = new WeakMap<OutgoingRequest, Session>();

  const keyOf = (origin: string, realm: string) => `${origin} ${realm}`;

  /** Takes a nonce for a request: a free one (proven first), else the least busy; undefined if none. */
  function take(request: OutgoingRequest): Sent | undefined {
    const own = reserved.get(request);
    if (own) {
      reserved.delete(request); // the reservation already counts as in flight
      return { session: own, shared: own.inFlight > 1 };
    }
    if (!reuseNonce) return undefined;
    const realm = realmByOrigin.get(request.url.origin);
    const pool = realm === undefined ? undefined : pools.get(keyOf(request.url.origin, realm));
    if (!pool || pool.length === 0) return undefined;
    let best: Session | undefined;
    for (const session of pool) {
      if (
        best === undefined ||
        session.inFlight < best.inFlight ||
        (session.inFlight === best.inFlight && session.proven && !best.proven)
      ) {
        best = session;
      }
    }
    best!.inFlight += 1;
    return { session: best!, shared: best!.inFlight > 1 };
  }

  function release(record: Sent | undefined): void {
    if (record && record.session.inFlight > 0) record.session.inFlight -= 1;
  }

  function drop(origin: string, session: Session): void {
    const key = keyOf(origin, session.challenge.realm);
    const pool = pools.get(key);
    if (!pool) return;
    const at = pool.indexOf(session);
    if (at >= 0) pool.splice(at, 1);
    if (pool.length === 0) pools.delete(key);
  }

  /** The session of a challenge: the pooled one with this nonce, else a new one joining the pool. */
  function adopt(origin: string, challenge: DigestChallenge): Session {
    const key = keyOf(origin, challenge.realm);
    realmByOrigin.set(origin, challenge.realm);
    let pool = pools.get(key);
    if (!pool) pools.set(key, (pool = []));
    const known = pool.find(
      (s) => s.challenge.nonce === challenge.nonce && s.challenge.opaque === challenge.opaque,
    );
    if (known) return known;
    const fresh = newSession(challenge);
    pool.push(fresh);
    if (pool.length > MAX_NONCES_PER_SPACE) {
      const idle = pool.findIndex((s) => s.inFlight === 0 && s !== fresh);
      pool.splice(idle >= 0 ? idle : 0, 1);
    }
    return fresh;
  }

  const recordOf = (request: SentRequest): Sent | undefined => sent.get(request.authHeaders);

  return {
    type: 'digest',
    mayRetry: true,
    needsBody: false,
    headerNames: ['authorization'],
    sessionCount: () => pools.size,
    nonceCount: () => [...pools.values()].reduce((n, pool) => n + pool.length, 0),

    async authorize(request: OutgoingRequest): Promise<Record<string, string>> {
      const username = await resolveStringOrSecret(config.username, ctx.secrets, 'security.username');
      const password = await resolveStringOrSecret(config.password, ctx.secrets, 'security.password');
      // From here on synchronous: the nonce and its count are taken and incremented atomically.
      const record = take(request);
      const headers: Record<string, string> = {};
      if (!record) return headers;
      const session = record.session;
      session.nc += 1;
      const challenge = session.challenge;
      headers.authorization = buildDigestAuthorization({
        challenge,
        username,
        password,
        method: request.method,
        uri: `${request.url.pathname}${request.url.search}`,
        nc: session.nc,
        cnonce: challenge.algorithm.endsWith('-sess') ? session.sessionCnonce : newCnonce(),
        ...(request.body ? { body: request.body } : {}),
      });
      // Keyed by the headers object: the proxy hands it back as `authHeaders` of the sent request.
      sent.set(headers, record);
      return headers;
    },

    onNoResponse(request: SentRequest): void {
      const record = recordOf(request);
      release(record);
      // The count may never have reached the server: on a strict server the nonce is now out of step.
      if (record) drop(request.url.origin, record.session);
    },

    async onResponse(
      request: SentRequest,
      response: BackendResponseInfo,
      attempt: number,
    ): Promise<'retry' | 'done'> {
      const record = recordOf(request);
      release(record);
      const used = record?.session;
      if (response.status !== 401) {
        if (used) used.proven = true;
        return 'done';
      }
      const challenge = selectDigestChallenge(parseAuthenticateHeader(response.headers['www-authenticate']));
      if (!challenge) return 'done';
      const origin = request.url.origin;
      const replaced = used !== undefined && used.challenge.nonce !== challenge.nonce;
      // A nonce refused while this request had it alone is not used again once the server offers
      // another. One refused while shared stays: the counts, not the nonce, were out of order, and the
      // fresh nonce joins it, so the pool grows to the concurrency the server needs.
      if (used && (challenge.stale || (replaced && !record!.shared))) drop(origin, used);
      const fresh = reuseNonce ? adopt(origin, challenge) : newSession(challenge);
      const retry =
        attempt === 1 && (!used || challenge.stale || (replaced && (used.proven || record!.shared)));
      if (!retry) return 'done';
      fresh.inFlight += 1; // reserved for this request's retry
      reserved.set(request.prepared, fresh);
      return 'retry';
    },
  };
}
