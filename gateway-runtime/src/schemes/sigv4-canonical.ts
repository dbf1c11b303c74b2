/**
 * The pure parts of AWS Signature Version 4 (AWS4-HMAC-SHA256), as the IAM user guide's "Create a signed
 * AWS API request" describes them: the canonical request, the string to sign, the signing key and the
 * Authorization header. No credentials sources, no I/O: AWS's published SigV4 test suite and botocore
 * check these functions.
 *
 * The request is taken as it goes on the wire: `url.pathname` and `url.search` are what the backend
 * receives (percent-encoded), so the canonical form is derived from them the way the service does:
 *
 * - path, every service but S3: the wire path, consecutive slashes collapsed, then URI-encoded once
 *   more ("double encoding": `/a%20b` becomes `/a%2520b`), `/` kept. The gateway has already refused
 *   `.`/`..` segments (core/url.ts), so there is nothing else to normalise.
 * - path, S3: each segment decoded and URI-encoded once (the object key as S3 encodes it), no
 *   normalisation: `/a b`, `/a%20b` and `/a%20b` all sign as `/a%20b`.
 * - query: each `name=value` pair split at the first `=`, percent-decoded (a `+` stays a literal plus:
 *   RFC 3986, not form encoding), URI-encoded with SigV4's unreserved set, sorted by name then value;
 *   a name without `=` gets an empty value.
 * - headers: names lower case, values trimmed with inner runs of spaces collapsed, sorted by name.
 */
import { createHmac, hash } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Hex SHA-256 of a payload (one-shot `crypto.hash`: about half the cost of createHash for small inputs). */
export function payloadSha256(body: Buffer | string): string {
  return hash('sha256', body, 'hex');
}

/** Hex SHA-256 of zero bytes: the payload hash of a request without a body. */
export const EMPTY_PAYLOAD_SHA256 = hash('sha256', '', 'hex');

/** The characters encodeURIComponent keeps that SigV4 encodes. */
const SUB_DELIMS = /[!'()*]/g;
/** A UTF-16 surrogate without its pair (encodeURIComponent throws on it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const escapeSubDelim = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * SigV4's URI encoding: RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) kept, every other
 * UTF-8 byte `%XY` (upper case); `/` kept too with `keepSlash`. encodeURIComponent (native) does all
 * but `! ' ( ) *`; a lone surrogate (never in a parsed URL) is encoded as U+FFFD, as URL would.
 */
export function uriEncode(text: string, keepSlash = false): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    encoded = encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));
  }
  encoded = encoded.replace(SUB_DELIMS, escapeSubDelim);
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

/** Percent-decoding that keeps a malformed escape as it is (the backend would see those bytes too). */
function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** True when `text` needs no SigV4 encoding at all (the common path and query: nothing to rebuild). */
const PLAIN = /^[A-Za-z0-9\-._~/]*$/;
/** True when a query name or value needs no SigV4 encoding. */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/**
 * The canonical URI of a wire path (`url.pathname`). `singleEncode` is S3's rule (decode, encode once,
 * no normalisation); otherwise the path is normalised (`//` collapsed) and encoded once more.
 */
export function canonicalUri(pathname: string, singleEncode: boolean): string {
  if (pathname === '') return '/';
  if (singleEncode) {
    if (PLAIN.test(pathname)) return pathname;
    return pathname
      .split('/')
      .map((segment) => uriEncode(percentDecode(segment)))
      .join('/');
  }
  let path = pathname;
  if (path.includes('//')) {
    const segments = path.split('/').filter((segment) => segment.length > 0);
    path = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  }
  return PLAIN.test(path) ? path : uriEncode(path, true);
}

/** The canonical query string of a wire query (`url.search`, with or without its `?`). */
export function canonicalQuery(search: string): string {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    const name = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1);
    pairs.push([
      UNRESERVED.test(name) ? name : uriEncode(percentDecode(name)),
      UNRESERVED.test(value) ? value : uriEncode(percentDecode(value)),
    ]);
  }
  // Sorted by the encoded name, then value, by code unit (the encoded text is ASCII: byte order).
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let out = '';
  for (const [name, value] of pairs) out += `${out === '' ? '' : '&'}${name}=${value}`;
  return out;
}

/** A header value as SigV4 signs it: trimmed, inner runs of spaces collapsed to one. */
export function canonicalHeaderValue(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes('  ') ? trimmed.replace(/ {2,}/g, ' ') : trimmed;
}

/** `YYYYMMDD'T'HHMMSS'Z'` (the x-amz-date value) of an epoch-ms time. */
export function amzDate(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2015-08-30T12:36:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** What the canonical request is built from. Header names in lower case. */
export interface CanonicalInput {
  readonly method: string;
  readonly url: URL;
  /** The headers to sign (and only those), lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD. */
  readonly payloadHash: string;
  /** S3's path rule (see canonicalUri). */
  readonly singleEncodePath: boolean;
}

/** The canonical request and the signed-headers list (`host;x-amz-date;...`). */
export function canonicalRequest(input: CanonicalInput): { text: string; signedHeaders: string } {
  const names = Object.keys(input.headers).sort();
  let headerLines = '';
  for (const name of names) headerLines += `${name}:${canonicalHeaderValue(input.headers[name])}\n`;
  const signedHeaders = names.join(';');
  const text =
    `${input.method.toUpperCase()}\n${canonicalUri(input.url.pathname, input.singleEncodePath)}\n` +
    `${canonicalQuery(input.url.search)}\n${headerLines}\n${signedHeaders}\n${input.payloadHash}`;
  return { text, signedHeaders };
}

/** `YYYYMMDD/region/service/aws4_request`. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

/** The string to sign for a canonical request at `amzDate` in `scope`. */
export function stringToSign(amzDateValue: string, scope: string, canonical: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDateValue}\n${scope}\n${hash('sha256', canonical, 'hex')}`;
}

/** The signing key: HMAC chain over date, region, service and `aws4_request`. */
export function deriveSigningKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Buffer {
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

/** Hex HMAC-SHA256 of the string to sign with the signing key. */
export function signatureOf(signingKey: Buffer, toSign: string): string {
  return createHmac('sha256', signingKey).update(toSign).digest('hex');
}

/** The Authorization header value. */
export function authorizationHeader(
  accessKeyId: string,
  scope: string,
  signedHeaders: string,
  signature: string,
): string {
  return `${SIGV4_ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/**
 * Signing keys, one per (secret key, day, region, service): the HMAC chain runs once a day, not per
 * request. Holds the current key only (a new day or rotated credentials replace it).
 */
export class SigningKeyCache {
  private entry: { secret: string; date: string; key: Buffer } | undefined;
  /** How often the chain ran (tests check it runs once per day). */
  derivations = 0;

  constructor(
    private readonly region: string,
    private readonly service: string,
  ) {}

  key(secretAccessKey: string, date: string): Buffer {
    const entry = this.entry;
    if (entry && entry.date === date && entry.secret === secretAccessKey) return entry.key;
    this.derivations += 1;
    const key = deriveSigningKey(secretAccessKey, date, this.region, this.service);
    this.entry = { secret: secretAccessKey, date, key };
    return key;
  }
}
