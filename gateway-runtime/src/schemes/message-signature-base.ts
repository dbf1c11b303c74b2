/**
 * The pure parts of RFC 9421 (HTTP Message Signatures) and RFC 9530 (Content-Digest): component
 * identifiers, derived components, the signature base, the signature parameters and the digest field,
 * serialised as Structured Field Values (RFC 8941) require. No keys, no I/O: the RFC's Appendix B
 * vectors and an independent verifier check them.
 */
import { createHash } from 'node:crypto';

import {
  ComponentId,
  ComponentIdError,
  DERIVED_COMPONENTS,
  isSfString,
  parseComponentId,
  SF_KEY,
  sfString,
} from '../config/message-signature-components';

export { ComponentIdError, DERIVED_COMPONENTS, isSfString, parseComponentId, SF_KEY, sfString };
export type { ComponentId };

/** What a signature base is built from. Header names in lower case; a repeated field as an array. */
export interface SignableMessage {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

/** An sf-binary (RFC 8941 §3.3.5): `:base64:`. */
export function sfBinary(bytes: Buffer): string {
  return `:${bytes.toString('base64')}:`;
}

/** A signature base that can not be made from this message (RFC 9421 §2.5 requires an error). */
export class SignatureBaseError extends Error {
  public override readonly name: string = 'SignatureBaseError';
}

/** Thrown when a covered component is not in the message. */
export class MissingComponentError extends SignatureBaseError {
  public override readonly name = 'MissingComponentError';
  constructor(public readonly component: string) {
    super(`the request has no ${component}, which the signature must cover`);
  }
}

/**
 * A field's value for the base (RFC 9421 §2.1): each field line's value with leading and trailing
 * whitespace removed and obsolete line folding replaced by a space, the lines joined by `, `.
 */
export function fieldValue(value: string | readonly string[]): string {
  if (typeof value === 'string') return cleanLine(value);
  return value.map(cleanLine).join(', ');
}

function cleanLine(line: string): string {
  return line.replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * `@query-param` values (RFC 9421 §2.2.8): the query parsed as application/x-www-form-urlencoded, each
 * value of the named parameter re-encoded with the form-urlencoded percent-encode set (a space as
 * `%20`). One value per line; none found throws MissingComponentError.
 */
export function queryParamValues(url: URL, name: string): string[] {
  const values = url.searchParams.getAll(decodeFormComponent(name));
  if (values.length === 0) throw new MissingComponentError(`query parameter "${name}"`);
  return values.map(encodeFormComponent);
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Percent-encodes all but ALPHA, DIGIT and `*-._` (the form-urlencoded percent-encode set), space as %20. */
function encodeFormComponent(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The value(s) of one component for the base. Throws MissingComponentError for an absent field. */
export function componentValues(component: ComponentId, message: SignableMessage): readonly string[] {
  const { url } = message;
  switch (component.name) {
    case '@method':
      return [message.method];
    case '@target-uri':
      return [url.href];
    case '@authority':
      // URL.host is lower case and leaves out the scheme's default port, as §2.2.3 requires.
      return [url.host];
    case '@scheme':
      return [url.protocol.slice(0, -1)];
    case '@request-target':
      return [`${url.pathname}${url.search}`];
    case '@path':
      return [url.pathname === '' ? '/' : url.pathname];
    case '@query':
      // An absent or empty query is `?` (§2.2.7).
      return [url.search === '' ? '?' : url.search];
    case '@query-param':
      return queryParamValues(url, component.param?.value ?? '');
    default: {
      const value = message.headers[component.name];
      if (value === undefined) throw new MissingComponentError(`"${component.name}" header`);
      return [fieldValue(value)];
    }
  }
}

/** The signature parameters (§2.3), in this order when present. */
export interface SignatureParams {
  readonly created?: number;
  readonly expires?: number;
  readonly keyid?: string;
  readonly nonce?: string;
  readonly tag?: string;
  readonly alg?: string;
}

/** The inner list of component identifiers: `("@method" "@path")`. */
export function innerList(components: readonly ComponentId[]): string {
  return `(${components.map((c) => c.serialized).join(' ')})`;
}

/** The parameters as appended to the inner list: `;created=1;expires=2;keyid="k"…` (strings checked by the caller). */
export function serializeParams(params: SignatureParams): string {
  let out = '';
  if (params.created !== undefined) out += `;created=${params.created}`;
  if (params.expires !== undefined) out += `;expires=${params.expires}`;
  if (params.keyid !== undefined) out += `;keyid=${sfString(params.keyid)}`;
  if (params.nonce !== undefined) out += `;nonce=${sfString(params.nonce)}`;
  if (params.tag !== undefined) out += `;tag=${sfString(params.tag)}`;
  if (params.alg !== undefined) out += `;alg=${sfString(params.alg)}`;
  return out;
}

/**
 * The signature base (§2.5): one `"component": value` line per covered component (a multi-valued
 * `@query-param` gives one line per value), then the `"@signature-params"` line last; lines joined by
 * `\n`, no trailing newline. `signatureParamsValue` is the Signature-Input member's value. Throws
 * SignatureBaseError (a missing component, non-ASCII characters).
 */
export function signatureBase(
  components: readonly ComponentId[],
  message: SignableMessage,
  signatureParamsValue: string,
): string {
  let base = '';
  for (const component of components) {
    for (const value of componentValues(component, message)) {
      base += `${component.serialized}: ${value}\n`;
    }
  }
  base += `"@signature-params": ${signatureParamsValue}`;
  // §2.5 step 4: the base is ASCII; a covered value with other characters is an error.
  if (NON_ASCII.test(base)) throw new SignatureBaseError('a covered component has non-ASCII characters');
  return base;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** The RFC 9530 algorithms this runtime sends, with node:crypto's hash names. */
export const DIGEST_HASHES = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
export type ContentDigestAlgorithm = keyof typeof DIGEST_HASHES;

/** Content-Digest (RFC 9530 §2) of the content as sent: `sha-256=:base64:`. No body is zero bytes. */
export function contentDigest(algorithm: ContentDigestAlgorithm, body: Buffer | undefined): string {
  const hash = createHash(DIGEST_HASHES[algorithm]);
  if (body !== undefined) hash.update(body);
  return `${algorithm}=${sfBinary(hash.digest())}`;
}
