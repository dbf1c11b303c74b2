/**
 * The runtime configuration, defined once: for each section of the document, its fields with their
 * kind, bounds, patterns, allowed values and default, and (as the doc comment on each field) their
 * meaning. From this table come
 * - the TypeScript types (types.ts: `SectionConfig<typeof TIMEOUTS>` keeps the doc comments) and their
 *   resolved forms with every default applied (`ResolvedSection`, resolve.ts),
 * - the validator's field lists ("unknown field", "did you mean") and its checks of every field by kind
 *   (validate.ts, where the careful messages and the cross-field rules live, once),
 * - `resolveConfig`'s defaults (resolve.ts),
 * - config.schema.json (scripts/generate-config-schema.ts: the doc comments become descriptions, a
 *   `@schema` tag adds what a kind does not say; a test fails when the committed file differs),
 * - the library's `RuntimeOptions` (the sections in `OPERATOR_SECTIONS`, lib/runtime/runtime-options.ts).
 * A field whose check is more than its kind (URLs, CIDRs, DNS servers, header lists) has a check of its
 * own in validate.ts, found by the field's path.
 */

import {
  AWS_REGION,
  AWS_SERVICE,
  EXTERNAL_ID,
  MAX_ASSUME_ROLE_DURATION_SECONDS,
  MIN_ASSUME_ROLE_DURATION_SECONDS,
  AWS_REGION_RULE,
  ROLE_ARN,
  ROLE_ARN_RULE,
  ROLE_SESSION_NAME,
  SIGV4_SIGNED_HEADER,
  STS_ENDPOINT,
} from './sigv4-rules';
import { SF_KEY, SF_STRING } from './message-signature-components';
import type { SecretRef } from './types';

/** Lambda can not run longer than 15 minutes, so no timeout may be longer either. */
export const MAX_TIMEOUT_MS = 900_000;

interface FieldBase<T> {
  readonly required?: boolean;
  readonly default?: unknown;
  /** Phantom: the field's TypeScript type. */
  readonly type?: T;
}
export interface IntField extends FieldBase<number> {
  readonly kind: 'int';
  readonly min: number;
  readonly max?: number;
  readonly default?: number;
}
export interface BoolField extends FieldBase<boolean> {
  readonly kind: 'bool';
  readonly default?: boolean;
}
export interface OneOfField<V extends string = string> extends FieldBase<V> {
  readonly kind: 'oneOf';
  readonly values: readonly V[];
  readonly default?: V;
}
/** A non-empty string; `secret`: its value may be a secret pasted in the wrong field and is never shown. */
export interface StrField<T extends string = string> extends FieldBase<T> {
  readonly kind: 'str';
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** What `pattern` requires, for the message ("is not a method name"). */
  readonly rule?: string;
  readonly secret?: boolean;
  readonly default?: T;
}
/** A secret reference (`{ secretArn | file | env, jsonKey? }`, SECRET_REF), never the secret itself. */
export interface SecretField extends FieldBase<SecretRef> {
  readonly kind: 'secret';
}
/** An array of at least `min` items, each an `items` field, none listed twice. */
export interface ListField<T = unknown> extends FieldBase<readonly T[]> {
  readonly kind: 'list';
  readonly items: Field;
  readonly min: number;
  readonly default?: readonly T[];
}
/** A nested section. With a default (`{}`), it is there once resolved, its own defaults applied. */
export interface ObjField<S extends Fields = Fields> extends FieldBase<SectionConfig<S>> {
  readonly kind: 'obj';
  readonly fields: S;
  readonly default?: object;
}
/** A field validate.ts checks in full; its schema is its `@schema` tag. */
export interface CustomField<T = unknown> extends FieldBase<T> {
  readonly kind: 'custom';
  readonly default?: T;
}
export type Field =
  IntField | BoolField | OneOfField | StrField | SecretField | ListField | ObjField | CustomField;
export type Fields = { readonly [key: string]: Field };

/** An integer from `min` to `max` (inclusive). */
export const int = <D extends number | undefined = undefined>(min: number, max?: number, dflt?: D) =>
  ({ kind: 'int', min, max, default: dflt }) as IntField & { readonly default: D };
export const bool = <D extends boolean | undefined = undefined>(dflt?: D) =>
  ({ kind: 'bool', default: dflt }) as BoolField & { readonly default: D };
export const oneOf = <const V extends string, D extends V | undefined = undefined>(
  values: readonly V[],
  dflt?: D,
) => ({ kind: 'oneOf', values, default: dflt }) as OneOfField<V> & { readonly default: D };
export const str = <D extends string | undefined = undefined>(
  rules: Omit<StrField, 'kind' | 'default'> = {},
  dflt?: D,
) => ({ kind: 'str', ...rules, default: dflt }) as StrField & { readonly default: D };
/** Text that may end up in a header value or a log line: no control characters. */
export const text = (maxLength: number, secret?: boolean) =>
  str({ maxLength, pattern: PRINTABLE, rule: NO_CONTROL, secret });
export const secret = () => ({ kind: 'secret' }) as SecretField;
export const list = <I extends Field, D extends readonly TypeOf<I>[] | undefined = undefined>(
  items: I,
  min = 1,
  dflt?: D,
) => ({ kind: 'list', items, min, default: dflt }) as ListField<TypeOf<I>> & { readonly default: D };
export const obj = <S extends Fields, D extends object | undefined = undefined>(fields: S, dflt?: D) =>
  ({ kind: 'obj', fields, default: dflt }) as ObjField<S> & { readonly default: D };
/** A field validate.ts checks in full (and its `@schema` tag describes): its type, and its default if any. */
export const custom = <T, D extends T | undefined = undefined>(dflt?: D) =>
  ({ kind: 'custom', default: dflt }) as CustomField<T> & { readonly default: D };
/** The field must be given. */
export const required = <F extends Field>(field: F) =>
  ({ ...field, required: true }) as F & { readonly required: true };

type TypeOf<F> = F extends FieldBase<infer T> ? T : never;
type ResolvedTypeOf<F> =
  F extends ObjField<infer S> ? ResolvedSection<S> : F extends FieldBase<infer T> ? T : never;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends { readonly required: true } ? K : never }[keyof S];
type DefaultedKeys<S> = {
  [K in keyof S]: S[K] extends { readonly default: infer D } ? (D extends undefined ? never : K) : never;
}[keyof S];
type Flat<T> = { [K in keyof T]: T[K] };

/** The TypeScript type of a section as written: required fields required, the others optional. */
export type SectionConfig<S> = Flat<
  { readonly [K in keyof S as K extends RequiredKeys<S> ? K : never]: TypeOf<S[K]> } & {
    readonly [K in keyof S as K extends RequiredKeys<S> ? never : K]?: TypeOf<S[K]>;
  }
>;
/** A section with its defaults applied: a field with a default is always there (a nested section resolved). */
export type ResolvedSection<S> = Flat<
  {
    readonly [K in keyof S as K extends RequiredKeys<S> | DefaultedKeys<S> ? K : never]: ResolvedTypeOf<S[K]>;
  } & {
    readonly [K in keyof S as K extends RequiredKeys<S> | DefaultedKeys<S> ? never : K]?: ResolvedTypeOf<
      S[K]
    >;
  }
>;

/** Printable text without control characters (header values, names in logs). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;
const NO_CONTROL = 'must not contain control characters (CR, LF, ...)';
/** RFC 9110 §5.6.2 token: the syntax of a header name (and a method). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A DNS host name: labels of letters, digits and hyphens. */
export const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const SHA256 = {
  pattern: /^[A-Za-z0-9+/]{43}=$/,
  rule: 'is not a base64 SHA-256 digest (44 characters ending in "=")',
};

/**
 * A reference to a secret: exactly one of `secretArn`, `file`, `env`, and optionally `jsonKey`.
 * @schema-def secretRef
 */
export const SECRET_REF = {
  /** A Secrets Manager secret. */
  secretArn: str({
    pattern: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/,
    rule: 'is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  }),
  /** A local file (the standalone proxy, tests); relative to the configuration file. */
  file: text(4096),
  /** An environment variable (local use). */
  env: str({
    maxLength: 256,
    pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
    rule: 'is not an environment variable name (letters, digits, _; not starting with a digit)',
  }),
  /** With it, the secret is a JSON object and the value is this key. */
  jsonKey: text(256),
};

/** A DNS host name that is not an IPv4 address (TLS server names, pinned names). */
export const SERVER_NAME = new RegExp(`^(?![0-9.]+$)${HOSTNAME.source.slice(1)}`);
/** A TLS server name: a DNS host name, no IP address, no port. */
const serverName = () =>
  str({
    pattern: SERVER_NAME,
    rule: 'is not a DNS host name (TLS server names can not be IP addresses or carry a port)',
  });

/** The methods the forwarding section admits when it does not list them; others are answered 405. */
export const DEFAULT_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Admit only clients whose address (as appended by the trusted load balancer) is in these blocks. */
export const TRUSTED_SOURCES = {
  /**
   * IPv4 and IPv6 CIDR blocks (no host bits set; /0 is refused).
   * @schema {"uniqueItems": false, "items": {"pattern": "^((\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]{0,}/\\d{1,3})$", "not": {"pattern": "/0$"}}}
   */
  cidrs: required(list(str({ maxLength: 64 }))),
  /**
   * How many proxies we trust at the right end of `X-Forwarded-For` (the ALB is one). The client address
   * is the entry that many places from the right; entries left of it are client-supplied and ignored.
   * 0: nobody is in front, the client is the immediate peer (the standalone server's socket address; behind
   * the ALB, where the function does not see the peer, every request is then denied).
   * @default 1 (Lambda); 0 for the standalone server
   * @schema {"default": 1}
   */
  trustedHops: int(0, 32),
};

/**
 * How a name is resolved: through the customer's own DNS servers (UDP, TCP for truncated answers) or
 * from pinned addresses, never through the system resolver. TLS still verifies the name.
 * @schema-def dns
 * @schema {"anyOf": [{"required": ["servers"]}, {"required": ["pinned"]}]}
 */
export const DNS = {
  /**
   * The customer's DNS servers, asked in order: IPv4 or IPv6 addresses, optionally with a port
   * (`"172.20.0.53"`, `"172.20.0.53:5353"`, `"fd00::53"`, `"[fd00::53]:5353"`). UDP, and TCP when an
   * answer is truncated. At most 4.
   * @default - none: only `pinned` names resolve
   * @schema {"maxItems": 4, "items": {"pattern": "^([0-9.]+(:[0-9]{1,5})?|[0-9A-Fa-f:.]+|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?)$"}}
   */
  servers: list(str({ maxLength: 64 })),
  /**
   * Fixed addresses by name (`{ "orders.acme.internal": ["172.20.1.10"] }`), used instead of asking the
   * servers. A name in neither is not resolved.
   * @default - none
   * @schema {"type": "object", "propertyNames": {"$ref": "#/$defs/hostname"}, "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string", "maxLength": 64, "pattern": "^[0-9A-Fa-f:.]+$"}}}
   */
  pinned: custom<Readonly<Record<string, readonly string[]>>>(),
  /** How long one lookup may take in all, every server and try included. @default 2000 */
  timeoutMs: int(1, 60_000, 2_000),
  /** Attempts per server within `timeoutMs`. @default 2 */
  tries: int(1, 5, 2),
  /** Which addresses are asked for: A (`ipv4`), AAAA (`ipv6`) or both (`any`). @default "ipv4" */
  family: oneOf(['ipv4', 'ipv6', 'any'], 'ipv4'),
  /** Answers are cached for their TTL, but at least this long. @default 1 */
  minTtlSeconds: int(0, 3600, 1),
  /** ... and at most this long. @default 60 */
  maxTtlSeconds: int(0, 3600, 60),
};

/** Mutual TLS towards the backend: the client certificate, its key and the key's passphrase. */
export const CLIENT_CERTIFICATE = {
  /** The client certificate (PEM, with chain). */
  cert: required(secret()),
  /** Its private key (PEM). */
  key: required(secret()),
  /** The key's passphrase, when the key is encrypted. */
  passphrase: secret(),
};

/** TLS towards the backend. Certificate verification is always on and can not be turned off. */
export const BACKEND_TLS = {
  /** PEM bundle of the CA(s) that issued the backend's certificate. Without it, Node's public CAs are used. */
  ca: secret(),
  /** The name to verify the backend's certificate against, when it differs from the URL's host (e.g. an IP URL). */
  servername: serverName(),
  /** Mutual TLS: the client certificate (PEM, with chain), its key (PEM) and the key's optional passphrase. */
  clientCertificate: obj(CLIENT_CERTIFICATE),
  /**
   * SHA-256 of the backend certificate's SubjectPublicKeyInfo, base64 (as in HPKP). When given, the
   * leaf's key must match one of them *in addition to* normal chain validation.
   */
  pinnedSpkiSha256: list(str(SHA256)),
};

export const BACKEND = {
  /**
   * The backend's base URL (`https://` or `http://`, no credentials, query or fragment); the request
   * path is appended to its path.
   * @schema {"type": "string", "maxLength": 2048, "pattern": "^https?://[^\\s/?#@]+(/[^\\s?#]*)?$"}
   */
  url: required(custom<string>()),
  /** TLS towards the backend. Verification is always on. */
  tls: obj(BACKEND_TLS),
  /** How the URL's host name is resolved. @default - the system resolver (in Lambda: the VPC's) */
  dns: obj(DNS),
  /**
   * IPv4 and IPv6 CIDR blocks every resolved address of the backend and of the token endpoint must be in
   * (through `dns` servers, pins or the system resolver); a connection to any other address is refused with
   * `502 BACKEND_ADDRESS_NOT_ALLOWED`. Guards against a poisoned or misconfigured DNS answer sending the
   * credentials elsewhere.
   * @default - every address
   * @schema {"maxItems": 64, "items": {"maxLength": 43}}
   */
  allowedAddresses: list(str()),
  /**
   * Connect to this `host[:port]` instead of the URL's host and port (a VPC endpoint's DNS name in front of
   * the backend). The `Host` header and the TLS server name stay the URL's (or `tls.servername`); the host
   * is resolved like the URL's would be (`dns`, else the system resolver) and checked against
   * `allowedAddresses`. An IPv6 address is written in brackets (`[fd00::1]:8443`).
   * @default - the URL's host and port
   */
  connectTo: str({
    maxLength: 261,
    pattern:
      /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/,
    rule: 'is not host[:port] (a DNS name or an IPv4 address, or an IPv6 address in brackets, and an optional port)',
  }),
};

export const FORWARDING = {
  /** Forward the caller's `Authorization` header. Ignored when the scheme sets Authorization. @default false */
  forwardAuthorization: bool(false),
  /** Forward the caller's `Cookie` header. @default false */
  forwardCookies: bool(false),
  /**
   * The request methods that are forwarded (upper case); others are answered 405 with `Allow`.
   * TRACE, TRACK and CONNECT are never forwarded and can not be listed.
   * @default ["GET","HEAD","POST","PUT","PATCH","DELETE","OPTIONS"]
   * @schema {"items": {"pattern": "^[!#$%&'*+\\-.^_`|~0-9A-Z]+$"}}
   */
  allowedMethods: list(str({ maxLength: 32, pattern: TOKEN, rule: 'is not a method name' }), 1, [
    ...DEFAULT_ALLOWED_METHODS,
  ]),
};

export const TIMEOUTS = {
  /** Connecting to the backend (and the TLS handshake). @default 5000 */
  connectMs: int(1, MAX_TIMEOUT_MS, 5_000),
  /** Time until the backend's response headers arrive. @default 30000 */
  headersMs: int(1, MAX_TIMEOUT_MS, 30_000),
  /** Maximum idle time between body chunks. @default 30000 */
  bodyMs: int(1, MAX_TIMEOUT_MS, 30_000),
  /**
   * An idle keep-alive connection to the backend is closed after this long (unless the backend's
   * `Keep-Alive: timeout` says less). Keep it below the backend's own idle timeout (many servers: 5 s),
   * so a request is never sent on a connection the backend is closing.
   * @default 4000
   */
  keepAliveMs: int(1, MAX_TIMEOUT_MS, 4_000),
};

export const LIMITS = {
  /** Larger request bodies are answered 413. @default 6291456 (6 MiB) */
  maxRequestBodyBytes: int(1, undefined, 6 * 1024 * 1024),
  /** Larger backend responses are answered 502. @default 6291456 (6 MiB; the Lambda adapter caps at 1 MB) */
  maxResponseBodyBytes: int(1, undefined, 6 * 1024 * 1024),
  /** Bodies up to this size are buffered so a request can be resent (digest, OAuth retry). @default 1048576 */
  maxReplayBodyBytes: int(1, undefined, 1024 * 1024),
  /** Connections to the backend at most (per connection pool); further requests wait for one. @default 64 */
  maxBackendConnections: int(1, 65_536, 64),
};

/**
 * Where the SigV4 scheme's AWS credentials come from. `environment`: `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (in Lambda: the function's execution role); `container`:
 * the ECS/EKS container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`);
 * `assume-role`: `sts:AssumeRole` of `roleArn`, signed with the `baseCredentials`. No EC2 instance
 * metadata (IMDS). The assume-role fields apply only with `source: "assume-role"`.
 * @schema {"if": {"required": ["source"], "properties": {"source": {"const": "assume-role"}}}, "then": {"required": ["roleArn"]}, "else": {"not": {"anyOf": [{"required": ["roleArn"]}, {"required": ["externalId"]}, {"required": ["sessionName"]}, {"required": ["durationSeconds"]}, {"required": ["stsRegion"]}, {"required": ["stsEndpoint"]}, {"required": ["baseCredentials"]}]}}}
 */
export const SIGV4_CREDENTIALS = {
  /** The credentials source. @default "environment" */
  source: oneOf(['environment', 'container', 'assume-role'], 'environment'),
  /** The role to assume (any partition): `arn:aws:iam::<account>:role/<name>`. Required with `assume-role`. */
  roleArn: str({
    maxLength: 2048,
    pattern: ROLE_ARN,
    rule: ROLE_ARN_RULE,
  }),
  /**
   * The external ID the role's trust policy demands (`sts:ExternalId`; an identifier, not a secret, per AWS).
   * @default - none is sent
   */
  externalId: str({
    maxLength: 1224,
    pattern: EXTERNAL_ID,
    rule: 'must be 2 to 1224 characters of letters, digits and +=,.@:/-_',
  }),
  /** `RoleSessionName`, shown in the backend owner's CloudTrail. @default "backend-link-gateway" */
  sessionName: str({
    maxLength: 64,
    pattern: ROLE_SESSION_NAME,
    rule: 'is not 2 to 64 characters of letters, digits and +=,.@-_',
  }),
  /**
   * The assumed credentials' requested lifetime (the role's maximum applies; from Lambda's role this is
   * role chaining, which STS caps at 3600). @default 3600
   */
  durationSeconds: int(MIN_ASSUME_ROLE_DURATION_SECONDS, MAX_ASSUME_ROLE_DURATION_SECONDS),
  /** The region of the STS endpoint. @default - the scheme's `region` */
  stsRegion: str({
    maxLength: 32,
    pattern: AWS_REGION,
    rule: AWS_REGION_RULE,
  }),
  /**
   * The STS endpoint URL: `https://` (`http://` only to a loopback host). A regional STS interface VPC
   * endpoint with private DNS needs none: the default name resolves to it.
   * @default - `https://sts.<stsRegion>.amazonaws.com` (`.amazonaws.com.cn` in the China regions)
   */
  stsEndpoint: str({
    maxLength: 2048,
    pattern: STS_ENDPOINT,
    rule: 'is not an https:// URL (http:// only to loopback)',
  }),
  /** What the AssumeRole call is signed with. @default "environment" */
  baseCredentials: oneOf(['environment', 'container']),
};

/** OAuth 2.0 client authentication methods at the token endpoint (oauth2-client-auth.ts). */
export const CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const;
/** An absolute URI (RFC 3986 §4.3: a scheme, then no spaces) without a fragment (RFC 8707 §2). */
export const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+$/;
const RESOURCE_RULE = 'is not an absolute URI without a fragment (RFC 8707 §2)';

/** `private_key_jwt`: the signing key and the assertion's shape (oauth2-client-auth.ts). */
export const PRIVATE_KEY_JWT = {
  /** The private key (PEM: PKCS#8, PKCS#1 or SEC1) whose public key the client registered (its JWKS). */
  key: required(secret()),
  /** The key's passphrase, when the PEM is encrypted. @default - the key is not encrypted */
  passphrase: secret(),
  /** ES256 needs a P-256 key, PS256 and RS256 an RSA key of at least 2048 bits, EdDSA an Ed25519 key. */
  algorithm: required(oneOf(['ES256', 'PS256', 'RS256', 'EdDSA'])),
  /**
   * The JWS `kid`: the key's id in the client's registered JWKS.
   * @default - the key's RFC 7638 JWK SHA-256 thumbprint
   */
  keyId: str({
    maxLength: 256,
    pattern: /^[\x21-\x7e]+$/,
    rule: 'must be printable ASCII without spaces',
  }),
  /**
   * The assertion's `aud`: the authorization server's issuer identifier, for servers that want it
   * instead of the token endpoint's URL.
   * @default - the token URL, exactly as configured
   */
  assertionAudience: str({
    maxLength: 2048,
    pattern: ABSOLUTE_URI,
    rule: 'is not an absolute URI without a fragment (the issuer identifier)',
  }),
  /** Seconds from the assertion's `iat` to its `exp`. @default 60 */
  lifetimeSeconds: int(5, 300, 60),
};

/** A user name: inline (not a secret; never shown in a message), or a reference. */
const username = () => required(custom<string | SecretRef>());

/**
 * The backend-security schemes, by `type`: each scheme's fields (beside `type`).
 * @schema-def security
 */
export const SCHEMES = {
  none: {},
  basic: {
    /**
     * The user name: inline (no control characters and no ":", RFC 7617; never shown in messages), or a secret reference.
     * @schema {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[^\\u0000-\\u001f\\u007f:]+$"}, {"$ref": "#/$defs/secretRef"}]}
     */
    username: username(),
    /** The password. */
    password: required(secret()),
  },
  digest: {
    /**
     * The user name: inline (no control characters; never shown in messages), or a secret reference.
     * @schema {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[^\\u0000-\\u001f\\u007f]+$"}, {"$ref": "#/$defs/secretRef"}]}
     */
    username: username(),
    /** The password. */
    password: required(secret()),
  },
  token: {
    /**
     * The header to set; not a framing, hop-by-hop, forwarding (x-forwarded-*), proxy-*, cookie or override header.
     * @default "authorization"
     */
    header: str(
      { maxLength: 256, pattern: TOKEN, rule: 'is not a valid header name (RFC 9110 token)' },
      'authorization',
    ),
    /**
     * Text put before the token, e.g. "Bearer " (the space is part of it). @default ""
     * @schema {"type": "string", "pattern": "^[^\\u0000-\\u001f\\u007f]*$"}
     */
    prefix: custom<string, string>(''),
    /** The token. */
    token: required(secret()),
  },
  /**
   * HTTP message signatures (draft-cavage-http-signatures-10).
   * @schema {"if": {"required": ["algorithm"], "properties": {"algorithm": {"const": "hmac-sha1"}}}, "then": {"required": ["legacySha1"], "properties": {"legacySha1": {"const": true}}}}
   */
  signature: {
    /**
     * The key's identifier, sent as a quoted string.
     * @schema {"minLength": 1}
     */
    keyId: required(
      str({
        maxLength: 1024,
        pattern: /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/,
        rule: 'must be printable ASCII without " or \\ (it is sent as a quoted string)',
      }),
    ),
    /** The signing algorithm; hmac-sha1 only with `legacySha1`. */
    algorithm: required(oneOf(['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'rsa-sha256', 'hmac-sha1'])),
    /** The HMAC secret or the RSA private key (PEM). */
    key: required(secret()),
    /**
     * Signed headers, lower case. `(request-target)` must be one of them.
     * @default ["(request-target)","host","date","digest"]
     * @schema {"contains": {"const": "(request-target)"}, "items": {"anyOf": [{"const": "(request-target)"}, {"type": "string", "maxLength": 256, "pattern": "^[!#$%&'*+\\-.^_`|~0-9a-z]+$"}]}}
     */
    headers: list(custom<string>(), 1, ['(request-target)', 'host', 'date', 'digest']),
    /** Where the signature goes. @default "authorization" */
    headerName: oneOf(['authorization', 'signature'], 'authorization'),
    /** Must be true to use hmac-sha1. @default false */
    legacySha1: bool(false),
  },
  /**
   * HTTP Message Signatures (RFC 9421) with Content-Digest (RFC 9530): the request is signed after its
   * last change, over the body as sent.
   * @schema {"if": {"not": {"required": ["algorithm"], "properties": {"algorithm": {"const": "hmac-sha256"}}}}, "then": {"not": {"required": ["secretEncoding"]}}}
   */
  'message-signature': {
    /** The signature algorithm (RFC 9421 §3.3). */
    algorithm: required(oneOf(['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512', 'hmac-sha256'])),
    /**
     * The signing key: a PEM private key (PKCS#8, or SEC1/PKCS#1) for ed25519, ecdsa-p256-sha256 and
     * rsa-pss-sha512 (RSA of 2048 bits or more); the shared secret (32 bytes or more) for hmac-sha256.
     */
    key: required(secret()),
    /**
     * The `keyid` parameter: how the backend finds the verification key (printable ASCII).
     * @schema {"minLength": 1}
     */
    keyId: required(str({ maxLength: 1024, pattern: SF_STRING, rule: 'must be printable ASCII' })),
    /**
     * The signature's label in Signature-Input and Signature (an RFC 8941 key: lower case).
     * @default "sig1"
     */
    label: str(
      {
        maxLength: 64,
        pattern: SF_KEY,
        rule: 'is not a structured-field key (lower case: a-z or *, then a-z 0-9 _ - . *)',
      },
      'sig1',
    ),
    /**
     * The covered components, in order: derived components (`@method`, `@authority`, `@path`, `@query`,
     * `@target-uri`, `@scheme`, `@request-target`, `@query-param;name="…"`) and lower-case header
     * names. A listed header the request lacks fails the request (400). Listing `content-digest` sends
     * Content-Digest on every request; listing `content-length` sets it to the body's length. Hop-by-hop
     * headers, `expect`, `signature` and `signature-input` can not be listed (set after signing).
     * @default `@method`, `@authority`, `@path`; `@query` when the URL has a query; `content-digest`
     *   when there is a body; `content-type` when the request has one
     * @schema {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"type": "string", "maxLength": 256, "pattern": "^(@(method|target-uri|authority|scheme|request-target|path|query)|@query-param;name=(\"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]+\"|[\\x21\\x23-\\x5b\\x5d-\\x7e]+)|[!#$%&'*+\\-.^_`|~0-9a-z]+)$"}}
     */
    components: custom<readonly string[]>(),
    /** The Content-Digest algorithm (RFC 9530). @default "sha-256" */
    contentDigest: oneOf(['sha-256', 'sha-512'], 'sha-256'),
    /**
     * `expires` is `created` plus this many seconds; 0 sends no `expires` (the verifier's own age limit
     * applies then). @default 300
     */
    validitySeconds: int(0, 86_400, 300),
    /** Send a random `nonce` (128 bits, base64url) with each signature. @default false */
    nonce: bool(false),
    /**
     * The `tag` parameter (an application's profile name, printable ASCII).
     * @default - none
     * @schema {"minLength": 1}
     */
    tag: str({ maxLength: 256, pattern: SF_STRING, rule: 'must be printable ASCII' }),
    /** Send the `alg` parameter (the verifier should know the algorithm from the key). @default false */
    includeAlg: bool(false),
    /**
     * hmac-sha256 only: how the secret's text becomes key bytes.
     * @default "utf8"
     */
    secretEncoding: oneOf(['utf8', 'base64']),
  },
  /**
   * OAuth 2.0 client credentials (RFC 6749 §4.4) with the client authentication `authMethod` names.
   * @schema {"allOf": [{"if": {"required": ["authMethod"], "properties": {"authMethod": {"enum": ["private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"]}}}, "then": {"not": {"required": ["clientSecret"]}}, "else": {"required": ["clientSecret"]}}, {"if": {"required": ["authMethod"], "properties": {"authMethod": {"const": "private_key_jwt"}}}, "then": {"required": ["privateKeyJwt"]}, "else": {"not": {"required": ["privateKeyJwt"]}}}]}
   */
  'oauth2-client-credentials': {
    /**
     * The token endpoint: https:// (http:// only on loopback with allowInsecureLoopbackTokenUrl).
     * @schema {"type": "string", "maxLength": 2048, "pattern": "^https?://[^\\s/?#@]+(/[^\\s?#]*)?(\\?[^\\s#]*)?$"}
     */
    tokenUrl: required(custom<string>()),
    /** The client's identifier. */
    clientId: required(text(1024)),
    /**
     * The client's secret: required with `client_secret_basic` and `client_secret_post`, refused with the
     * other methods (they send no shared secret).
     * @default - none (the key and certificate methods)
     */
    clientSecret: secret(),
    /** The scope asked for: scope tokens separated by single spaces. */
    scope: str({
      maxLength: 4096,
      pattern: /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/,
      rule: 'must be scope tokens separated by single spaces (RFC 6749 §3.3)',
    }),
    /** The `audience` parameter (Auth0, Okta, Entra-style servers). @default - not sent */
    audience: text(2048),
    /**
     * RFC 8707 resource indicators: absolute URIs without a fragment, one `resource` parameter each.
     * @default - not sent
     * @schema {"maxItems": 32, "items": {"maxLength": 2048, "pattern": "^[A-Za-z][A-Za-z0-9+.-]*:[^\\s#]+$"}}
     */
    resource: list(str({ maxLength: 2048, pattern: ABSOLUTE_URI, rule: RESOURCE_RULE })),
    /**
     * Further parameters of the token request (not grant_type, scope, audience, resource or the client
     * authentication's client_id, client_secret, client_assertion, client_assertion_type).
     * @schema {"type": "object", "propertyNames": {"not": {"enum": ["grant_type", "client_id", "client_secret", "client_assertion", "client_assertion_type", "scope", "audience", "resource"]}}, "additionalProperties": {"type": "string"}}
     */
    extraParams: custom<Readonly<Record<string, string>>>(),
    /** TLS towards the token endpoint (private CA). @default - Node's public CAs */
    tokenEndpointTls: obj({ ca: secret(), servername: serverName() }),
    /** How the token URL's host name is resolved. @default - `backend.dns` (else the system resolver) */
    tokenEndpointDns: obj(DNS),
    /**
     * How the client authenticates at the token endpoint, chosen explicitly and never probed:
     * `client_secret_basic` (RFC 6749 §2.3.1: `Authorization: Basic`), `client_secret_post` (the secret in
     * the form), `private_key_jwt` (RFC 7523: a signed assertion, `privateKeyJwt`), `tls_client_auth` or
     * `self_signed_tls_client_auth` (RFC 8705: the client certificate on the token endpoint's connection).
     * @default "client_secret_basic"
     */
    authMethod: oneOf(CLIENT_AUTH_METHODS, 'client_secret_basic'),
    /**
     * `private_key_jwt` (RFC 7523 §2.2): the key that signs a fresh client assertion for every token
     * request (`iss` = `sub` = clientId, a random `jti`, a short `exp`). Required with `private_key_jwt`,
     * refused with the other methods.
     * @default - none (the other methods)
     */
    privateKeyJwt: obj(PRIVATE_KEY_JWT),
    /**
     * The client certificate presented on the token endpoint's connection (RFC 8705). With
     * `tls_client_auth` and `self_signed_tls_client_auth` it defaults to `backend.tls.clientCertificate`:
     * a token bound to that certificate (RFC 8705 §3, `cnf.x5t#S256`) then passes the backend's check on
     * the same certificate; give one here for a separate token endpoint identity. With the secret and key
     * methods it is optional (the server may bind tokens to it).
     * @default - `backend.tls.clientCertificate` with the two TLS methods; none otherwise
     */
    clientCertificate: obj(CLIENT_CERTIFICATE),
    /** Refresh this many seconds before the token expires. @default 60 */
    expiryMarginSeconds: int(0, 86_400, 60),
    /** Lifetime assumed when the server omits `expires_in`. @default 300 */
    defaultLifetimeSeconds: int(1, 86_400, 300),
    /**
     * For tests only: accept an `http://` `tokenUrl` whose host is a loopback address (127.0.0.0/8,
     * ::1, localhost). The client's credentials and the tokens then travel unencrypted; any other `http://` URL is refused.
     * @default false
     */
    allowInsecureLoopbackTokenUrl: bool(false),
  },
  /**
   * AWS Signature Version 4 (`AWS4-HMAC-SHA256`) towards an AWS-hosted backend: a private API Gateway
   * (`execute-api`), a Lambda function URL with IAM auth (`lambda`), OpenSearch (`es`, `aoss`), S3. Every
   * attempt is signed anew; `host`, `x-amz-*`, `content-type` and `signedHeaders` are signed (docs/sigv4.md).
   * @schema {"if": {"required": ["payload"], "properties": {"payload": {"const": "unsigned"}}}, "then": {"properties": {"service": {"const": "s3"}}}}
   */
  sigv4: {
    /** The backend's AWS region, e.g. `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
    region: required(str({ maxLength: 32, pattern: AWS_REGION, rule: AWS_REGION_RULE })),
    /** The service's signing name: `execute-api`, `lambda`, `es`, `aoss`, `s3`, ... */
    service: required(
      str({
        maxLength: 63,
        pattern: AWS_SERVICE,
        rule: 'is not a service signing name (e.g. "execute-api")',
      }),
    ),
    /**
     * `signed`: the SHA-256 of the body actually sent is signed (and sent as `x-amz-content-sha256`);
     * `unsigned`: `UNSIGNED-PAYLOAD`, accepted by S3 only, so only with `service: "s3"`.
     * @default "signed"
     */
    payload: oneOf(['signed', 'unsigned'], 'signed'),
    /** Where the AWS credentials come from. @default { "source": "environment" } (in Lambda: the function's role) */
    credentials: obj(SIGV4_CREDENTIALS),
    /**
     * More forwarded headers to sign when the request has them (lower case), beyond `host`, `x-amz-*`
     * and `content-type`; not the scheme's own (`authorization`, `x-amz-date`, `x-amz-content-sha256`,
     * `x-amz-security-token`).
     * @default - none
     */
    signedHeaders: list(
      str({
        maxLength: 256,
        pattern: SIGV4_SIGNED_HEADER,
        rule: 'is not a lower-case header name, or is one the scheme sets',
      }),
    ),
  },
};

/**
 * Inbound TLS of the standalone server (`https://`), and with `clientCa` mutual TLS: a client without a
 * certificate that chains to `clientCa` is refused during the handshake. TLS 1.2 minimum (1.3 preferred),
 * AEAD ciphers with forward secrecy only. The material is re-read while the server runs, so a rotated
 * certificate is served to new connections without a restart.
 * @schema {"if": {"anyOf": [{"required": ["allowedClientNames"]}, {"required": ["allowedClientSpkiSha256"]}]}, "then": {"required": ["clientCa"]}}
 */
export const SERVER_TLS = {
  /** The server's certificate (PEM), leaf first, then any intermediates. */
  certificate: required(secret()),
  /** Its private key (PEM). */
  key: required(secret()),
  /** The key's passphrase, when the key is encrypted. @default - the key is not encrypted */
  passphrase: secret(),
  /**
   * PEM bundle of the CA(s) whose client certificates are admitted. Only these CAs are trusted for
   * clients (never Node's public CAs). Required to listen on anything but loopback (unless
   * `server.unauthenticatedReason` says why not).
   * @default - no client certificate is asked for
   */
  clientCa: secret(),
  /**
   * Client identities admitted, checked in addition to the chain: `CN=<subject common name>`,
   * `DNS:<name>`, `URI:<uri>` or `email:<address>` (subject alternative names), matched exactly. A
   * client matching none of these and none of `allowedClientSpkiSha256` is answered 403
   * `CLIENT_NOT_ALLOWED`. Needs `clientCa`.
   * @default - every certificate that chains to clientCa is admitted
   */
  allowedClientNames: list(
    str({
      maxLength: 1024,
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      pattern: /^(CN=|DNS:|URI:|email:)[^\u0000-\u001f\u007f]+$/,
      rule: 'is not CN=<name>, DNS:<name>, URI:<uri> or email:<address>',
    }),
  ),
  /**
   * base64 SHA-256 of the client certificate's SubjectPublicKeyInfo (as `backend.tls.pinnedSpkiSha256`):
   * a client whose key matches one of these is admitted. Needs `clientCa`.
   * @default - no pin (see allowedClientNames)
   */
  allowedClientSpkiSha256: list(str({ maxLength: 1024, ...SHA256 })),
};

/**
 * The standalone server's admin listener (`server.admin`): liveness and readiness, apart from the proxy's
 * port, loopback-only by default.
 */
export const SERVER_ADMIN = {
  /**
   * The IP address the admin listener binds to. A non-loopback address needs `allowNonLoopback`.
   * @default "127.0.0.1"
   * @schema {"type": "string", "minLength": 2, "maxLength": 45}
   */
  address: custom<string, string>('127.0.0.1'),
  /** Its port (0 picks a free one); not the proxy's `server.port`. */
  port: required(int(0, 65_535)),
  /**
   * Let the admin listener bind beyond loopback (it answers without authentication: liveness, readiness,
   * and the names of unreadable secrets). @default false
   */
  allowNonLoopback: bool(false),
};

/**
 * The standalone server (CLI serve).
 * @schema {"if": {"required": ["unauthenticatedReason", "tls"], "properties": {"tls": {"required": ["clientCa"]}}}, "then": false}
 */
export const SERVER = {
  /**
   * The address the standalone server listens on: an IP address or a host name. @default "127.0.0.1"
   * @schema {"type": "string", "minLength": 1, "maxLength": 253}
   */
  host: custom<string, string>('127.0.0.1'),
  /** @default 8080 */
  port: int(0, 65_535, 8080),
  /** The path answered 200 for health checks. @default "/healthz" */
  healthPath: str(
    {
      maxLength: 256,
      pattern: /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/,
      rule: 'must be a path starting with "/" (no query, no spaces)',
    },
    '/healthz',
  ),
  /** Milliseconds to let in-flight requests finish after SIGTERM. @default 10000 */
  shutdownGraceMs: int(0, MAX_TIMEOUT_MS, 10_000),
  /** A caller's whole request (headers and body) must arrive within this time, else 408. @default 30000 */
  requestTimeoutMs: int(1, MAX_TIMEOUT_MS, 30_000),
  /** A caller's request headers must arrive within this time, else 408. @default 10000 */
  headersTimeoutMs: int(1, MAX_TIMEOUT_MS, 10_000),
  /** An idle keep-alive connection from a caller is closed after this time. @default 5000 */
  keepAliveTimeoutMs: int(1, MAX_TIMEOUT_MS, 5_000),
  /**
   * A caller's request line and headers together may be at most this many bytes, else `431` and the
   * connection is closed. Node's default is 16 KiB: raise it for callers with large cookies or tokens,
   * lower it to refuse oversized headers sooner.
   * @default 16384
   */
  maxHeaderBytes: int(1024, 1_048_576, 16_384),
  /** Serve HTTPS, and with `tls.clientCa` admit only clients with a certificate. @default - plain HTTP */
  tls: obj(SERVER_TLS),
  /**
   * Why this server listens beyond loopback without `tls.clientCa` (say, a mesh sidecar authenticates
   * callers in front of it). Without it, such a server refuses to start; with it, it warns at every start.
   * @default - a non-loopback `host` needs `tls.clientCa`
   */
  unauthenticatedReason: text(512),
  /**
   * The admin listener: `GET /livez` (200 while the process serves) and `GET /readyz` (200 when every
   * secret and the backend's TLS material can be read, else 503 with the reasons).
   * @default - no admin listener
   */
  admin: obj(SERVER_ADMIN),
  /**
   * How many processes serve the port: an integer from 1 to 1024, or `"auto"` for one per core
   * (`os.availableParallelism()`, as nginx's `worker_processes auto`). 1 runs one process, without a
   * primary; more run a primary that starts, watches and replaces the workers. Standalone server only:
   * checked by its loader (gateway-runtime/src/cluster.ts), so the Lambda bundle carries no code for it.
   * @schema {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 1024}, {"const": "auto"}]}
   * @default "auto"
   */
  workers: custom<number | 'auto', number | 'auto'>('auto'),
};

/**
 * Version 1 of the gateway runtime configuration. Secrets are references, never values.
 * @schema-root
 */
export const ROOT = {
  /** This schema, for editors (config.schema.json); ignored by the runtime. */
  $schema: str({ maxLength: 2048 }),
  /**
   * The document version this runtime reads. A document of another version is refused.
   * @schema {"const": 1}
   */
  version: required(custom<1>()),
  /** A name for logs and metrics (e.g. the customer). */
  name: required(text(128)),
  /** The backend the gateway forwards to. */
  backend: required(obj(BACKEND)),
  /** The backend-security scheme. @schema {"$ref": "#/$defs/security"} */
  security: required(custom<SecurityScheme>()),
  /** Admit only clients whose address is in these blocks. @default - every source is admitted (rely on the network allow-lists) */
  trustedSources: obj(TRUSTED_SOURCES),
  /** Which of the caller's headers and methods are forwarded. */
  forwarding: obj(FORWARDING, {}),
  /** Timeouts towards the backend, in milliseconds (1 to 900000, Lambda's 15 minutes). */
  timeouts: obj(TIMEOUTS, {}),
  /** Size and connection limits. */
  limits: obj(LIMITS, {}),
  /** The standalone server (CLI serve). */
  server: obj(SERVER, {}),
  /** How long a secret value is cached before it is read again (rotation is picked up then). @default 300 */
  secretCacheSeconds: int(0, 86_400, 300),
};

/** The scheme types, and each scheme's fields. */
export type SchemeSections = typeof SCHEMES;
export type SecuritySchemeType = keyof SchemeSections;
/** The backend-security scheme, by `type` (its fields: SCHEMES). */
export type SecurityScheme = {
  [K in SecuritySchemeType]: { readonly type: K } & SectionConfig<SchemeSections[K]>;
}[SecuritySchemeType];
/** A scheme with its defaults applied (and its `tokenEndpointDns` resolved). */
export type ResolvedSecurityScheme = {
  [K in SecuritySchemeType]: { readonly type: K } & ResolvedSection<SchemeSections[K]>;
}[SecuritySchemeType];

/**
 * The sections an operator tunes freely, beside what the constructs derive from their own props: the
 * library's `RuntimeOptions` offers exactly these and writes them through unchanged.
 */
export const OPERATOR_SECTIONS = ['forwarding', 'timeouts', 'limits'] as const;
export type OperatorSection = (typeof OPERATOR_SECTIONS)[number];
