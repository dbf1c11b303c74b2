/**
 * HTTP Digest access authentication (RFC 7616, and RFC 2617 which it obsoletes), as pure functions:
 * parsing `WWW-Authenticate`, choosing a challenge, computing the `Authorization` answer.
 */
import { hash } from 'node:crypto';

/** One challenge of a `WWW-Authenticate` field: its scheme and its parameters (names lower case). */
export interface AuthChallenge {
  /** The auth-scheme as sent (compare case-insensitively). */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (e.g. `Negotiate abc==`), when the challenge has no parameters. */
  readonly token68?: string;
}

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
export type DigestQop = 'auth' | 'auth-int';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly algorithm: DigestAlgorithm;
  /** The qop values the server offers; empty for an RFC 2069 server (no qop). */
  readonly qop: readonly DigestQop[];
  readonly stale: boolean;
  readonly userhash: boolean;
  readonly domain?: string;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/** Parses one or more `WWW-Authenticate` field values (RFC 9110 §11.6.1) into challenges. */
export function parseAuthenticateHeader(values: string | readonly string[] | undefined): AuthChallenge[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  return list.flatMap(parseOneField);
}

function parseOneField(text: string): AuthChallenge[] {
  const challenges: Array<{ scheme: string; params: Record<string, string>; token68?: string }> = [];
  let pos = 0;
  const skipSpace = () => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
  };
  const readToken = () => {
    const start = pos;
    while (pos < text.length && TOKEN_CHAR.test(text[pos])) pos++;
    return text.slice(start, pos);
  };
  const readQuoted = () => {
    // text[pos] is the opening quote.
    pos++;
    let value = '';
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\' && pos + 1 < text.length) pos++;
      value += text[pos++];
    }
    pos++; // closing quote (or end of text for an unterminated string)
    return value;
  };
  const skipToComma = () => {
    while (pos < text.length && text[pos] !== ',') {
      if (text[pos] === '"') readQuoted();
      else pos++;
    }
  };

  while (pos < text.length) {
    skipSpace();
    if (text[pos] === ',') {
      pos++;
      continue;
    }
    const token = readToken();
    if (!token) {
      skipToComma(); // unparseable garbage: skip this list element
      continue;
    }
    const afterToken = pos;
    skipSpace();
    const current = challenges[challenges.length - 1];
    if (text[pos] === '=' && current && current.token68 === undefined) {
      // auth-param of the current challenge
      pos++;
      skipSpace();
      const value = text[pos] === '"' ? readQuoted() : readToken();
      const name = token.toLowerCase();
      if (!(name in current.params)) current.params[name] = value;
      skipSpace();
      if (pos < text.length && text[pos] !== ',') skipToComma();
      continue;
    }
    // A new challenge: `scheme`, `scheme token68`, or `scheme param=value, ...`
    pos = afterToken;
    const challenge: { scheme: string; params: Record<string, string>; token68?: string } = {
      scheme: token,
      params: {},
    };
    challenges.push(challenge);
    skipSpace();
    const rest = text.slice(pos);
    const t68 = TOKEN68.exec(rest);
    if (t68) {
      const after = rest.slice(t68[0].length).trimStart();
      if (after === '' || after.startsWith(',')) {
        challenge.token68 = t68[0];
        pos += t68[0].length;
      }
    }
  }
  return challenges;
}

const ALGORITHMS: Readonly<Record<string, DigestAlgorithm>> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/** Preference when a server offers several digest challenges: SHA-256 first (RFC 7616 §3.7). */
const PREFERENCE: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/** A digest challenge from parsed challenges, or undefined when it is not one this runtime can answer. */
export function toDigestChallenge(challenge: AuthChallenge): DigestChallenge | undefined {
  if (challenge.scheme.toLowerCase() !== 'digest') return undefined;
  const p = challenge.params;
  if (p.realm === undefined || !p.nonce) return undefined;
  const algorithm = ALGORITHMS[(p.algorithm ?? 'MD5').toLowerCase()];
  if (!algorithm) return undefined;
  const offered = (p.qop ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q): q is DigestQop => q === 'auth' || q === 'auth-int');
  if (p.qop !== undefined && offered.length === 0) return undefined; // only unknown qop values
  return {
    realm: p.realm,
    nonce: p.nonce,
    ...(p.opaque !== undefined ? { opaque: p.opaque } : {}),
    ...(p.domain !== undefined ? { domain: p.domain } : {}),
    algorithm,
    qop: offered,
    stale: (p.stale ?? '').toLowerCase() === 'true',
    userhash: (p.userhash ?? '').toLowerCase() === 'true',
  };
}

/** The best digest challenge among those offered (SHA-256 preferred), or undefined. */
export function selectDigestChallenge(challenges: readonly AuthChallenge[]): DigestChallenge | undefined {
  const digests = challenges.map(toDigestChallenge).filter((c): c is DigestChallenge => c !== undefined);
  digests.sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm));
  return digests[0];
}

function hashName(algorithm: DigestAlgorithm): 'md5' | 'sha256' {
  return algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
}

/** H(data) for the challenge's algorithm, lower-case hex (strings hashed as UTF-8). */
export function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  // The one-shot crypto.hash (Node >= 20.12): no Hash object per call.
  return hash(hashName(algorithm), data, 'hex');
}

export interface DigestInput {
  readonly challenge: DigestChallenge;
  readonly username: string;
  readonly password: string;
  readonly method: string;
  /** The request-target as sent: path and query. */
  readonly uri: string;
  /** The nonce count; ignored when the server offered no qop. */
  readonly nc: number;
  readonly cnonce: string;
  /** Chosen qop; @default - `auth` when offered, else `auth-int`, else none (RFC 2069) */
  readonly qop?: DigestQop;
  /** The request body, needed for `auth-int`. */
  readonly body?: Buffer;
}

/** The qop to answer with: `auth` when offered; `auth-int` only when it is the only choice. */
export function chooseQop(challenge: DigestChallenge): DigestQop | undefined {
  if (challenge.qop.includes('auth')) return 'auth';
  if (challenge.qop.includes('auth-int')) return 'auth-int';
  return undefined;
}

/** The largest nonce count: `nc` is exactly eight hex digits (RFC 7616 §3.4, §3.5). */
export const MAX_NONCE_COUNT = 0xffffffff;

/** `nc` as sent: eight lower-case hex digits. */
export function formatNonceCount(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/** What changes from one answer to the next under one challenge and one set of credentials. */
export interface DigestAnswerRequest {
  readonly method: string;
  /** The request-target as sent: path and query. */
  readonly uri: string;
  /** The nonce count; ignored when the server offered no qop. */
  readonly nc: number;
  /** The client nonce; for the `-sess` algorithms, the session's (HA1 depends on it). */
  readonly cnonce: string;
  /** The request body, needed for `auth-int`. */
  readonly body?: Buffer;
}

/** Answers one challenge with one set of credentials, request after request. */
export interface DigestAnswerer {
  /** The `response` value (request-digest) of RFC 7616 §3.4.1. */
  response(request: DigestAnswerRequest): string;
  /** The `Authorization: Digest ...` value. */
  authorization(request: DigestAnswerRequest): string;
}

const EMPTY = Buffer.alloc(0);

/**
 * An answerer for a challenge and credentials: what does not change between requests (HA1, the
 * quoted realm, nonce and opaque, the username field) is computed once, so a warm request costs two
 * hashes (HA2 and the response) and one string. The credentials are the caller's to compare: a
 * rotated password needs a new answerer.
 */
export function createDigestAnswerer(
  challenge: DigestChallenge,
  username: string,
  password: string,
  qop: DigestQop | undefined = chooseQop(challenge),
): DigestAnswerer {
  const algorithm = challenge.algorithm;
  const name = hashName(algorithm);
  const H = (data: string | Buffer) => hash(name, data, 'hex');
  const userHa1 = H(`${username}:${challenge.realm}:${password}`);
  const sess = algorithm.endsWith('-sess');
  /** For `-sess`: HA1 = H(H(user:realm:pass):nonce:cnonce), kept for the last cnonce. */
  let sessHa1: { readonly cnonce: string; readonly value: string } | undefined;
  const ha1Of = (cnonce: string): string => {
    if (!sess) return userHa1;
    if (sessHa1?.cnonce !== cnonce) {
      sessHa1 = { cnonce, value: H(`${userHa1}:${challenge.nonce}:${cnonce}`) };
    }
    return sessHa1.value;
  };
  const nonceColon = `:${challenge.nonce}:`;
  const qopColon = `:${qop}:`;
  /** The request-digest, with `nc` already formatted (the header carries the same text). */
  const digestOf = (request: DigestAnswerRequest, nc: string): string => {
    const ha2 =
      qop === 'auth-int'
        ? H(`${request.method}:${request.uri}:${H(request.body ?? EMPTY)}`)
        : H(`${request.method}:${request.uri}`);
    const ha1 = ha1Of(request.cnonce);
    if (qop === undefined) return H(`${ha1}${nonceColon}${ha2}`);
    return H(`${ha1}${nonceColon}${nc}:${request.cnonce}${qopColon}${ha2}`);
  };

  // The fields in a fixed order: username, realm, uri, algorithm, nonce, [nc, cnonce, qop,] response,
  // [opaque,] [userhash].
  let usernameField: string;
  if (challenge.userhash) {
    usernameField = `username=${quote(H(`${username}:${challenge.realm}`))}`;
  } else if (/^[\x20-\x7e]*$/.test(username)) {
    usernameField = `username=${quote(username)}`;
  } else {
    // RFC 7616 §3.4.4: a name that can not go in a quoted-string is sent as an RFC 8187 ext-value.
    usernameField = `username*=UTF-8''${encodeURIComponent(username).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  }
  const head = `Digest ${usernameField}, realm=${quote(challenge.realm)}, uri=`;
  const middle = `, algorithm=${algorithm}, nonce=${quote(challenge.nonce)}`;
  const tail =
    (challenge.opaque !== undefined ? `, opaque=${quote(challenge.opaque)}` : '') +
    (challenge.userhash ? ', userhash=true' : '');
  return {
    response: (request) => digestOf(request, formatNonceCount(request.nc)),
    authorization(request) {
      const nc = formatNonceCount(request.nc);
      const digest = digestOf(request, nc);
      const counted = qop === undefined ? '' : `, nc=${nc}, cnonce=${quote(request.cnonce)}, qop=${qop}`;
      return `${head}${quote(request.uri)}${middle}${counted}, response="${digest}"${tail}`;
    },
  };
}

/** The `response` value (request-digest) of RFC 7616 §3.4.1. */
export function computeDigestResponse(input: DigestInput): string {
  return createDigestAnswerer(input.challenge, input.username, input.password, input.qop).response(input);
}

const NEEDS_ESCAPE = /["\\]/;

/** A quoted-string (RFC 9110 §5.6.4): `"` and `\` escaped. */
export function quote(value: string): string {
  return NEEDS_ESCAPE.test(value) ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : `"${value}"`;
}

/** The `Authorization: Digest ...` value. */
export function buildDigestAuthorization(input: DigestInput): string {
  return createDigestAnswerer(input.challenge, input.username, input.password, input.qop).authorization(
    input,
  );
}
