/**
 * HTTP Digest authentication with warm nonces. The server's nonces are kept per origin and realm and
 * `nc` is counted per nonce, so once a link is warm every request carries a valid `Authorization` up
 * front and costs one round trip (peers such as WSO2 re-challenge every request with nc always 1,
 * which costs two).
 *
 * Strict nonce counts: a server such as Apache with `AuthDigestNcCheck On` wants the counts of one
 * nonce (its `opaque` client record) to arrive exactly in order, which concurrent requests sharing a
 * nonce over several connections can not promise. So each protection space holds a pool of nonces, and
 * a request takes one that no other request is using. When all are busy and their challenges carry an
 * `opaque` (the client record a server counts per; Apache sends one exactly when it tracks counts), it
 * sends no answer and takes the nonce of its own challenge, which joins the pool (one more round trip,
 * once per nonce): the pool grows to the peak concurrency, up to MAX_NONCES_PER_SPACE, past which busy
 * nonces are shared. Without `opaque`, busy nonces are shared with unique counts (one round trip each).
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
 * A nonce whose count reached `nc=ffffffff` (eight hex digits) is retired after that request.
 *
 * A second 401 is always passed on: the scheme never loops. qop `auth` is chosen when offered;
 * `auth-int` (which hashes the body) only when the server offers nothing else.
 */
import { randomBytes } from 'node:crypto';
import type { SecurityScheme } from '../config/types';
import { resolveStringOrSecret } from './basic';
import {
  createDigestAnswerer,
  DigestAnswerer,
  MAX_NONCE_COUNT,
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
  /**
   * The last nonce count sent with one nonce: the request that uses it retires the nonce, and the
   * next one is challenged afresh (`nc` is eight hex digits, RFC 7616 §3.4). Tests lower it.
   * @default MAX_NONCE_COUNT (0xffffffff)
   */
  readonly maxNonceCount?: number;
}

/** Nonces kept per protection space at most; past this, busy nonces are shared. */
export const MAX_NONCES_PER_SPACE = 32;

interface Session {
  readonly challenge: DigestChallenge;
  /** The last nonce count used with this nonce. */
  nc: number;
  /** For the `-sess` algorithms, one cnonce per session (the session key depends on it); else undefined. */
  readonly sessionCnonce: string | undefined;
  /** The answerer for the credentials last used with this nonce (HA1 computed once). */
  answerer?: { readonly username: string; readonly password: string; readonly answer: DigestAnswerer };
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

/**
 * The headers `authorize` returns, carrying what the attempt used in a private field: the proxy hands
 * the very object back as `authHeaders`, and a private field is neither copied by the proxy's spread
 * into the headers it sends nor visible to anything else (cheaper than a WeakMap entry per request).
 */
class DigestHeaders {
  readonly [name: string]: string;
  readonly authorization: string;
  readonly #sent: Sent;
  constructor(authorization: string, sent: Sent) {
    this.authorization = authorization;
    this.#sent = sent;
  }
  /** What the attempt that `authorize` returned these headers for carried; undefined for other objects. */
  static sentOf(headers: object): Sent | undefined {
    return #sent in headers ? (headers as DigestHeaders).#sent : undefined;
  }
}

export interface DigestScheme extends AuthScheme {
  /** Protection spaces (origin and realm) with at least one nonce; for tests and metrics. */
  sessionCount(): number;
  /** Nonces held in all protection spaces. */
  nonceCount(): number;
  onResponse(request: SentRequest, response: BackendResponseInfo, attempt: number): Promise<'retry' | 'done'>;
  onNoResponse(request: SentRequest): void;
}

/** Characters per client nonce: 22 base64url characters carry 132 random bits. */
const CNONCE_CHARS = 22;
/** Client nonces drawn from the CSPRNG at once (one `randomBytes` call per this many requests). */
const CNONCES_PER_DRAW = 128;
/** Random bytes per draw: a multiple of 3, so every base64url character carries 6 random bits. */
const DRAW_BYTES = (CNONCE_CHARS * CNONCES_PER_DRAW * 3) / 4;
let cnonces = '';
let cnonceAt = 0;

/**
 * A fresh client nonce: 22 base64url characters (132 bits) from the CSPRNG, never handed out twice.
 * The bytes are drawn 128 nonces at a time (as Node draws its `randomUUID`s), because one
 * `randomBytes` call per request cost more than all the hashing of a warm request; each nonce is
 * still fresh and unpredictable, which is what RFC 7616 §3.4 asks of it (`cnonce` guards against
 * chosen-plaintext attacks: a value the server can not choose or predict).
 */
export function newCnonce(): string {
  if (cnonceAt + CNONCE_CHARS > cnonces.length) {
    cnonces = randomBytes(DRAW_BYTES).toString('base64url');
    cnonceAt = 0;
  }
  const cnonce = cnonces.slice(cnonceAt, cnonceAt + CNONCE_CHARS);
  cnonceAt += CNONCE_CHARS;
  return cnonce;
}

const newSession = (challenge: DigestChallenge): Session => ({
  challenge,
  nc: 0,
  sessionCnonce: challenge.algorithm.endsWith('-sess') ? newCnonce() : undefined,
  proven: false,
  inFlight: 0,
});

const DONE: Promise<'done'> = Promise.resolve('done');

export function createDigestScheme(
  config: DigestSchemeConfig,
  ctx: SchemeContext,
  options: DigestSchemeOptions = {},
): DigestScheme {
  const reuseNonce = options.reuseNonce ?? true;
  const maxNonceCount = options.maxNonceCount ?? MAX_NONCE_COUNT;
  if (!Number.isInteger(maxNonceCount) || maxNonceCount < 1 || maxNonceCount > MAX_NONCE_COUNT) {
    throw new RangeError(
      `maxNonceCount must be an integer from 1 to ${MAX_NONCE_COUNT}, got ${maxNonceCount}`,
    );
  }
  /** Nonce pools by `origin realm`, oldest first. */
  const pools = new Map<string, Session[]>();
  /**
   * The pool of the realm last seen per origin: a preemptive answer goes to that protection space.
   * (A pool deleted from `pools` is empty, so a stale entry here offers no nonce either.)
   */
  const poolByOrigin = new Map<string, Session[]>();
  /** A session reserved for a request's retry (its own 401's challenge), by the prepared request. */
  const reserved = new WeakMap<OutgoingRequest, Session>();

  const keyOf = (origin: string, realm: string) => `${origin} ${realm}`;

  /** Takes a nonce for a request: a free one (proven first), else the least busy; undefined if none. */
  function take(request: OutgoingRequest): Sent | undefined {
    const own = reserved.get(request);
    if (own) {
      reserved.delete(request); // the reservation already counts as in flight
      if (own.nc < maxNonceCount) return { session: own, shared: own.inFlight > 1 };
      own.inFlight -= 1; // used up by other requests meanwhile: take another
    }
    if (!reuseNonce) return undefined;
    const pool = poolByOrigin.get(request.url.origin);
    if (!pool || pool.length === 0) return undefined;
    let best: Session | undefined;
    for (const session of pool) {
      if (session.nc >= maxNonceCount) continue;
      if (
        best === undefined ||
        session.inFlight < best.inFlight ||
        (session.inFlight === best.inFlight && session.proven && !best.proven)
      ) {
        best = session;
      }
    }
    if (best === undefined) return undefined;
    // Every nonce is busy, and the server keeps a client record (`opaque`) whose counts it may check:
    // while the pool may grow, this request asks for a nonce of its own (one more round trip, once per
    // nonce) instead of sharing one. Counts of a shared nonce travel over several
    // connections and can arrive out of order, which a strict server (Apache `AuthDigestNcCheck On`)
    // refuses; and its fresh challenges keep the client record (`opaque`), so the retries of several
    // refused requests would collide again. Past MAX_NONCES_PER_SPACE, nonces are shared.
    if (best.inFlight > 0 && best.challenge.opaque && pool.length < MAX_NONCES_PER_SPACE) return undefined;
    best.inFlight += 1;
    return { session: best, shared: best.inFlight > 1 };
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
    let pool = pools.get(key);
    if (!pool) pools.set(key, (pool = []));
    poolByOrigin.set(origin, pool);
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

  const recordOf = (request: SentRequest): Sent | undefined => DigestHeaders.sentOf(request.authHeaders);

  return {
    type: 'digest',
    mayRetry: true,
    needsBody: false,
    headerNames: ['authorization'],
    sessionCount: () => pools.size,
    nonceCount: () => [...pools.values()].reduce((n, pool) => n + pool.length, 0),

    async authorize(request: OutgoingRequest): Promise<Record<string, string>> {
      const username =
        typeof config.username === 'string'
          ? config.username
          : await resolveStringOrSecret(config.username, ctx.secrets, 'security.username');
      const password =
        typeof config.password === 'string'
          ? config.password
          : await resolveStringOrSecret(config.password, ctx.secrets, 'security.password');
      // From here on synchronous: the nonce and its count are taken and incremented atomically.
      const record = take(request);
      if (!record) return {};
      const session = record.session;
      session.nc += 1;
      if (session.nc >= maxNonceCount) drop(request.url.origin, session); // its last count
      let answerer = session.answerer;
      if (answerer === undefined || answerer.username !== username || answerer.password !== password) {
        // The first answer with this nonce, or the secret rotated: HA1 once per nonce and password.
        answerer = {
          username,
          password,
          answer: createDigestAnswerer(session.challenge, username, password),
        };
        session.answerer = answerer;
      }
      const authorization = answerer.answer.authorization({
        method: request.method,
        uri: `${request.url.pathname}${request.url.search}`,
        nc: session.nc,
        cnonce: session.sessionCnonce ?? newCnonce(),
        body: request.body,
      });
      // The record rides on the headers object: the proxy hands it back as `authHeaders`.
      return new DigestHeaders(authorization, record);
    },

    onNoResponse(request: SentRequest): void {
      const record = recordOf(request);
      release(record);
      // The count may never have reached the server: on a strict server the nonce is now out of step.
      if (record) drop(request.url.origin, record.session);
    },

    onResponse(
      request: SentRequest,
      response: BackendResponseInfo,
      attempt: number,
    ): Promise<'retry' | 'done'> {
      const record = recordOf(request);
      release(record);
      if (response.status !== 401) {
        // The common case, without an async function's own promise.
        if (record) record.session.proven = true;
        return DONE;
      }
      try {
        return Promise.resolve(onChallenge(request, response, attempt, record));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
  };

  /** A 401: what to do with the nonce that was sent and the one offered (see the module's TSDoc). */
  function onChallenge(
    request: SentRequest,
    response: BackendResponseInfo,
    attempt: number,
    record: Sent | undefined,
  ): 'retry' | 'done' {
    const used = record?.session;
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
  }
}
