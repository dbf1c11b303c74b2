/**
 * The pure parts of draft-cavage-http-signatures-10: the signing string, the Date and Digest values and
 * the signature parameters. No keys, no I/O: table-driven tests cover them, the draft's test vectors
 * check them.
 */
import { createHash } from 'node:crypto';

/** What the signing string is built from. Header names in lower case. */
export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}

/** The `(request-target)` value: lower-case method, space, path and query as sent. */
export function requestTarget(method: string, url: URL): string {
  return `${method.toLowerCase()} ${url.pathname}${url.search}`;
}

/** An IMF-fixdate (RFC 9110 §5.6.7), always GMT, e.g. `Sun, 05 Jan 2014 21:31:40 GMT`. */
export function imfFixdate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}

/** The Host header for a URL: the port only when it is not the scheme's default (URL.host does that). */
export function hostHeader(url: URL): string {
  return url.host;
}

/** RFC 3230 Digest of a body: `SHA-256=<base64>`. No body is the digest of the empty string. */
export function bodyDigest(body: Buffer | undefined): string {
  if (body === undefined || body.byteLength === 0) return EMPTY_BODY_DIGEST;
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

/** The digest of no body (most GETs): SHA-256 of zero bytes. */
const EMPTY_BODY_DIGEST = `SHA-256=${createHash('sha256').digest('base64')}`;

/** Thrown when a header to be signed is not in the request (the draft requires an error then). */
export class MissingSignedHeaderError extends Error {
  public override readonly name = 'MissingSignedHeaderError';
  constructor(public readonly header: string) {
    super(`the request has no "${header}" header, which the signature must cover`);
  }
}

/**
 * The signing string (draft-cavage-10 §2.3): one `name: value` line per signed header, in the given
 * order, joined by `\n`. Values are trimmed. Throws MissingSignedHeaderError for an absent header.
 */
export function signingString(signedHeaders: readonly string[], request: SignableRequest): string {
  return signedHeaders
    .map((name) => {
      if (name === '(request-target)') return `${name}: ${requestTarget(request.method, request.url)}`;
      const value = request.headers[name];
      if (value === undefined) throw new MissingSignedHeaderError(name);
      return `${name}: ${value.trim()}`;
    })
    .join('\n');
}

/** The signature parameters: `keyId="…",algorithm="…",headers="…",signature="…"`. */
export function signatureParams(params: {
  readonly keyId: string;
  readonly algorithm: string;
  readonly headers: readonly string[];
  readonly signature: string;
}): string {
  return [
    `keyId="${params.keyId}"`,
    `algorithm="${params.algorithm}"`,
    `headers="${params.headers.join(' ')}"`,
    `signature="${params.signature}"`,
  ].join(',');
}
