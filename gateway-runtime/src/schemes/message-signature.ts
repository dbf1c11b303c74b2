/**
 * Request signing with RFC 9421 HTTP Message Signatures, and RFC 9530 Content-Digest over the body as
 * sent: ed25519, ecdsa-p256-sha256 (r||s, IEEE P1363, as §3.3.4 requires, not DER), rsa-pss-sha512
 * (salt 64 bytes, §3.3.1) and hmac-sha256.
 *
 * The signature is made in `authorize`, over the final request the proxy sends: the headers it was
 * given plus the ones this scheme adds (Content-Digest, Signature-Input, Signature). The proxy changes
 * nothing the default components cover after that: `@authority` is the URL the request goes to (the
 * proxy's Host header is the same `url.host`); the HTTP client adds only framing (`content-length` or
 * `transfer-encoding`), which the default does not cover.
 *
 * Per request: one hash of the body (when it is covered) and one signature (none when the signature
 * base is the previous request's: the same second, the same covered values, no nonce); the key is
 * parsed once per secret version, and the component list for each shape of request is built once.
 */
import {
  constants,
  createHmac,
  createPrivateKey,
  createSecretKey,
  KeyObject,
  randomBytes,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
} from 'node:crypto';
import type { SecretRef } from '../config/types';
import { BadRequestError, ConfigError, CredentialsUnavailableError, GatewayError } from '../core/errors';
import { componentListProblems } from '../config/message-signature-components';
import type { SecretValue } from '../secrets/types';
import {
  ComponentId,
  ContentDigestAlgorithm,
  contentDigest,
  innerList,
  isSfString,
  parseComponentId,
  serializeParams,
  SF_KEY,
  SignatureBaseError,
  sfBinary,
  signatureBase,
} from './message-signature-base';
import type { AuthScheme, OutgoingRequest, SchemeContext } from './types';

export type MessageSignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'rsa-pss-sha512' | 'hmac-sha256';

export const MESSAGE_SIGNATURE_ALGORITHMS: readonly MessageSignatureAlgorithm[] = [
  'ed25519',
  'ecdsa-p256-sha256',
  'rsa-pss-sha512',
  'hmac-sha256',
];

/** The options of the `message-signature` scheme, shaped as its `security` section will be. */
export interface MessageSignatureSchemeOptions {
  readonly type: 'message-signature';
  readonly algorithm: MessageSignatureAlgorithm;
  /**
   * The signing key: a PEM private key (PKCS#8, or SEC1/PKCS#1) for ed25519, ecdsa-p256-sha256 and
   * rsa-pss-sha512 (RSA of 2048 bits or more); the shared secret for hmac-sha256 (see `secretEncoding`).
   */
  readonly key: SecretRef;
  /** The `keyid` parameter: how the backend finds the verification key. Printable ASCII. */
  readonly keyId: string;
  /** The signature's label in Signature-Input and Signature. @default "sig1" */
  readonly label?: string;
  /**
   * The covered components, in order: derived components (`@method`, `@authority`, `@path`, `@query`,
   * `@target-uri`, `@scheme`, `@request-target`, `@query-param;name="…"`) and lower-case header
   * names. A listed header the request lacks fails the request (400). Listing `content-digest` makes
   * the scheme send Content-Digest (over no body, the digest of zero bytes); listing `content-length`
   * makes it set Content-Length to the body's length and buffer the body (a request without a body
   * and whose method carries none, e.g. GET, sends no Content-Length: it is left out of that list). Hop-by-hop
   * headers (`transfer-encoding`, `connection`, ...) can not be listed: the HTTP client sets them
   * after signing.
   * @default `@method`, `@authority`, `@path`; `@query` when the URL has a query; `content-digest`
   *   when there is a body; `content-type` when the request has one
   */
  readonly components?: readonly string[];
  /** The Content-Digest algorithm. @default "sha-256" */
  readonly contentDigest?: ContentDigestAlgorithm;
  /**
   * `expires` is `created` plus this many seconds (1 to 86400); 0 sends no `expires` (the verifier's
   * own age limit applies then). @default 300
   */
  readonly validitySeconds?: number;
  /** Send a random `nonce` (128 bits, base64url) with each signature. @default false */
  readonly nonce?: boolean;
  /** The `tag` parameter (an application's profile name), printable ASCII. @default - none */
  readonly tag?: string;
  /** Send the `alg` parameter (the verifier should know the algorithm from the key). @default false */
  readonly includeAlg?: boolean;
  /** hmac-sha256 only: how the secret's text becomes key bytes. @default "utf8" */
  readonly secretEncoding?: 'utf8' | 'base64';
}

export const DEFAULT_MESSAGE_SIGNATURE_LABEL = 'sig1';
export const DEFAULT_MESSAGE_SIGNATURE_VALIDITY_SECONDS = 300;
const MAX_VALIDITY_SECONDS = 86_400;
/** RFC 9421 §3.3.1: RSASSA-PSS with SHA-512, MGF1 SHA-512 and a 64-byte salt. */
const PSS_SALT_LENGTH = 64;

/** Signs a signature base with a prepared key: the bytes of the signature. */
export function signBase(algorithm: MessageSignatureAlgorithm, key: KeyObject, base: string): Buffer {
  const data = Buffer.from(base, 'utf8');
  switch (algorithm) {
    case 'ed25519':
      return cryptoSign(null, data, key);
    case 'ecdsa-p256-sha256':
      return cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'rsa-pss-sha512':
      return cryptoSign('sha512', data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: PSS_SALT_LENGTH,
      });
    case 'hmac-sha256':
      return createHmac('sha256', key).update(data).digest();
  }
}

/**
 * Verifies a signature over a signature base (for tests, and for a verifier built on this module):
 * `key` is the public key (or the HMAC secret key). ECDSA signatures must be r||s (64 bytes).
 */
export function verifyBase(
  algorithm: MessageSignatureAlgorithm,
  key: KeyObject,
  base: string,
  signature: Buffer,
): boolean {
  const data = Buffer.from(base, 'utf8');
  switch (algorithm) {
    case 'ed25519':
      return cryptoVerify(null, data, key, signature);
    case 'ecdsa-p256-sha256':
      return (
        signature.length === 64 && cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'rsa-pss-sha512':
      return cryptoVerify(
        'sha512',
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_LENGTH },
        signature,
      );
    case 'hmac-sha256': {
      const expected = createHmac('sha256', key).update(data).digest();
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
  }
}

/**
 * The signing key from the secret's text. Errors name the algorithm and what is wrong, never the
 * text (a parser's message may quote it).
 */
export function parseSigningKey(
  algorithm: MessageSignatureAlgorithm,
  text: string,
  secretEncoding: 'utf8' | 'base64' = 'utf8',
): KeyObject {
  if (algorithm === 'hmac-sha256') {
    const bytes = Buffer.from(text, secretEncoding === 'base64' ? 'base64' : 'utf8');
    if (bytes.length < 32) {
      throw new CredentialsUnavailableError(
        `the message-signature HMAC secret has ${bytes.length} bytes; hmac-sha256 needs at least 32`,
      );
    }
    return createSecretKey(bytes);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new CredentialsUnavailableError(
      `the message-signature key is not a readable private key (PEM) for ${algorithm}`,
    );
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  const wrong = (what: string): never => {
    throw new CredentialsUnavailableError(
      `the message-signature key is ${what}, but ${algorithm} needs ${expected[algorithm]}`,
    );
  };
  if (algorithm === 'ed25519' && type !== 'ed25519') wrong(`a ${type} key`);
  if (algorithm === 'ecdsa-p256-sha256' && (type !== 'ec' || details.namedCurve !== 'prime256v1')) {
    wrong(type === 'ec' ? `an EC key on ${details.namedCurve ?? 'an unknown curve'}` : `a ${type} key`);
  }
  if (algorithm === 'rsa-pss-sha512') {
    if (type !== 'rsa' && type !== 'rsa-pss') wrong(`a ${type} key`);
    if ((details.modulusLength ?? 0) < 2048) wrong(`an RSA key of ${details.modulusLength ?? '?'} bits`);
    if (type === 'rsa-pss' && details.hashAlgorithm !== undefined && details.hashAlgorithm !== 'sha512') {
      wrong(`an RSA-PSS key restricted to ${details.hashAlgorithm}`);
    }
  }
  return key;
}

const expected: Readonly<Record<MessageSignatureAlgorithm, string>> = {
  ed25519: 'an Ed25519 key',
  'ecdsa-p256-sha256': 'an EC key on P-256',
  'rsa-pss-sha512': 'an RSA key of 2048 bits or more',
  'hmac-sha256': 'a secret of 32 bytes or more',
};

/** Validates the options; every problem at once, each naming its field. */
function validate(options: MessageSignatureSchemeOptions): ComponentId[] | undefined {
  const problems: { path: string; message: string }[] = [];
  const add = (field: string, message: string) => problems.push({ path: `security.${field}`, message });
  if (!MESSAGE_SIGNATURE_ALGORITHMS.includes(options.algorithm)) {
    add(
      'algorithm',
      `"${String(options.algorithm)}" is not one of ${MESSAGE_SIGNATURE_ALGORITHMS.join(', ')}`,
    );
  }
  if (typeof options.keyId !== 'string' || options.keyId.length === 0 || !isSfString(options.keyId)) {
    add('keyId', 'must be a non-empty string of printable ASCII characters');
  }
  const label = options.label ?? DEFAULT_MESSAGE_SIGNATURE_LABEL;
  if (!SF_KEY.test(label)) {
    add('label', `"${label}" is not a structured-field key (lower case: a-z, *, then a-z 0-9 _ - . *)`);
  }
  if (options.tag !== undefined && (options.tag.length === 0 || !isSfString(options.tag))) {
    add('tag', 'must be a non-empty string of printable ASCII characters');
  }
  const validity = options.validitySeconds ?? DEFAULT_MESSAGE_SIGNATURE_VALIDITY_SECONDS;
  if (!Number.isInteger(validity) || validity < 0 || validity > MAX_VALIDITY_SECONDS) {
    add(
      'validitySeconds',
      `${String(validity)} is not a whole number of seconds from 0 to ${MAX_VALIDITY_SECONDS}`,
    );
  }
  const digest = options.contentDigest ?? 'sha-256';
  if (digest !== 'sha-256' && digest !== 'sha-512') {
    add('contentDigest', `"${String(digest)}" is not "sha-256" or "sha-512"`);
  }
  if (options.secretEncoding !== undefined && options.algorithm !== 'hmac-sha256') {
    add('secretEncoding', 'applies to hmac-sha256 only');
  }
  let components: ComponentId[] | undefined;
  if (options.components !== undefined) {
    const listed = componentListProblems(options.components);
    for (const { index, message } of listed) add(`components[${index}]`, message);
    if (listed.length === 0) components = options.components.map(parseComponentId);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return components;
}

const PAYLOAD_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** The default's parts, built once: which ones a request gets depends on its query, body and type. */
const DEFAULT_FIXED = ['@method', '@authority', '@path'].map(parseComponentId);
const QUERY = parseComponentId('@query');
const CONTENT_DIGEST = parseComponentId('content-digest');
const CONTENT_TYPE = parseComponentId('content-type');

export function createMessageSignatureScheme(
  options: MessageSignatureSchemeOptions,
  ctx: SchemeContext,
): AuthScheme {
  const configured = validate(options);
  const { algorithm } = options;
  const label = options.label ?? DEFAULT_MESSAGE_SIGNATURE_LABEL;
  const validity = options.validitySeconds ?? DEFAULT_MESSAGE_SIGNATURE_VALIDITY_SECONDS;
  const digestAlgorithm = options.contentDigest ?? 'sha-256';
  const now = ctx.now ?? Date.now;
  /** The parameters after `expires` that never change; `nonce` goes between keyid and tag. */
  const keyidParam = serializeParams({ keyid: options.keyId });
  const tailParams = serializeParams({
    ...(options.tag !== undefined ? { tag: options.tag } : {}),
    ...(options.includeAlg === true ? { alg: algorithm } : {}),
  });
  /** Configured components: always the same list. Default: one list per (query, body, type) shape. */
  const shapes = new Map<number, { components: ComponentId[]; list: string }>();
  const shapeOf = (request: OutgoingRequest, hasBody: boolean, sendsLength: boolean) => {
    if (configured) {
      // A listed content-length is covered only when one is sent (see below).
      const key = sendsLength || !setsLength ? -1 : -2;
      let fixed = shapes.get(key);
      if (!fixed) {
        const components = key === -1 ? configured : configured.filter((c) => c.name !== 'content-length');
        shapes.set(key, (fixed = { components, list: innerList(components) }));
      }
      return fixed;
    }
    const bits =
      (request.url.search !== '' ? 1 : 0) |
      (hasBody ? 2 : 0) |
      (request.headers['content-type'] !== undefined ? 4 : 0);
    let shape = shapes.get(bits);
    if (!shape) {
      const components = [...DEFAULT_FIXED];
      if (bits & 1) components.push(QUERY);
      if (bits & 2) components.push(CONTENT_DIGEST);
      if (bits & 4) components.push(CONTENT_TYPE);
      shape = { components, list: innerList(components) };
      shapes.set(bits, shape);
    }
    return shape;
  };
  const alwaysDigest = configured?.some((c) => c.name === 'content-digest') ?? false;
  const mayDigest = configured === undefined || alwaysDigest;
  /** Covering content-length: the scheme sets it (the body's length), so the value signed is the one sent. */
  const setsLength = configured?.some((c) => c.name === 'content-length') ?? false;
  const headerNames = ['signature', 'signature-input'];
  if (mayDigest) headerNames.push('content-digest');
  if (setsLength) headerNames.push('content-length');

  /** The key, parsed once per version of the secret. */
  let parsed: { version: string; key: KeyObject } | undefined;
  const keyFor = (secret: SecretValue): KeyObject => {
    if (parsed?.version !== secret.version) {
      parsed = {
        version: secret.version,
        key: parseSigningKey(algorithm, secret.value, options.secretEncoding),
      };
    }
    return parsed.key;
  };

  /**
   * The last signature made: a request whose base is the same (same second, same covered values, no
   * nonce; e.g. a poll repeated many times a second) gets the same Signature field, which verifies
   * as well as a fresh one would, without signing again. Keyed by the key too (rotation).
   */
  let last: { key: KeyObject; base: string; field: string } | undefined;

  const signWith = (secret: SecretValue, request: OutgoingRequest): Record<string, string> => {
    const key = keyFor(secret);
    const body = request.body !== undefined && request.body.byteLength > 0 ? request.body : undefined;
    const added: Record<string, string> = {};
    const digesting = configured ? alwaysDigest : body !== undefined;
    if (digesting) added['content-digest'] = contentDigest(digestAlgorithm, body);
    // HTTP clients send Content-Length: 0 only for methods that carry content (undici: POST, PUT, PATCH).
    const sendsLength = setsLength && (body !== undefined || PAYLOAD_METHODS.has(request.method));
    if (sendsLength) added['content-length'] = String(body?.byteLength ?? 0);
    const shape = shapeOf(request, body !== undefined, sendsLength);
    const created = Math.floor(now() / 1000);
    const params =
      `${shape.list};created=${created}${validity > 0 ? `;expires=${created + validity}` : ''}${keyidParam}` +
      (options.nonce === true ? `;nonce="${randomBytes(16).toString('base64url')}"` : '') +
      tailParams;
    let base: string;
    try {
      base = signatureBase(
        shape.components,
        {
          method: request.method,
          url: request.url,
          headers: digesting || setsLength ? { ...request.headers, ...added } : request.headers,
        },
        params,
      );
    } catch (error) {
      if (error instanceof SignatureBaseError) throw new BadRequestError(error.message);
      throw error;
    }
    added['signature-input'] = `${label}=${params}`;
    if (last?.base !== base || last.key !== key) {
      last = { key, base, field: `${label}=${sfBinary(signBase(algorithm, key, base))}` };
    }
    added.signature = last.field;
    return added;
  };

  return {
    type: 'message-signature',
    mayRetry: false,
    needsBody: mayDigest || setsLength,
    headerNames,
    authorize(request) {
      // The secret at hand (a warm cache): sign at once, without a promise.
      const held = ctx.secrets.resolveNow?.(options.key);
      if (held !== undefined) return signWith(held, request);
      return ctx.secrets.resolve(options.key).then(
        (secret) => signWith(secret, request),
        (error: unknown) => {
          if (error instanceof GatewayError) throw error;
          throw new CredentialsUnavailableError('the message-signature key can not be read', {
            cause: error,
          });
        },
      );
    },
  };
}
