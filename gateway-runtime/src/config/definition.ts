/**
 * The runtime configuration's fields, defined once: for each section of the document, its fields with
 * their kind, bounds, allowed values and default, and (as the doc comment on each field) their meaning.
 * From this table come
 * - the section types (`TimeoutsConfig`, `LimitsConfig`, ...: `SectionConfig<typeof TIMEOUTS>` keeps the
 *   doc comments) and their resolved forms with every default applied (`Resolved*`),
 * - the validator's field lists ("unknown field", "did you mean"), its checks of every `int`, `bool` and
 *   `oneOf` field (the careful messages live in validate.ts, once) and `resolveConfig`'s defaults,
 * - config.schema.json (`npm run generate:config-schema`; the doc comments become its descriptions; a test
 *   fails when the committed file differs from the generated one),
 * - the library's `RuntimeOptions` (the sections in `OPERATOR_SECTIONS`).
 * A field whose check is more than a kind (URLs, secret references, CIDRs, header names) is `custom()`:
 * validate.ts checks it and json-schema.ts gives its schema.
 */

import type { ServerTlsConfig } from './types';

/** Lambda can not run longer than 15 minutes, so no timeout may be longer either. */
export const MAX_TIMEOUT_MS = 900_000;

interface FieldBase<T> {
  readonly required?: boolean;
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
export interface CustomField<T = unknown> extends FieldBase<T> {
  readonly kind: 'custom';
  readonly default?: T;
}
export type Field = IntField | BoolField | OneOfField | CustomField;
export type Fields = Readonly<Record<string, Field>>;

/** An integer from `min` to `max` (inclusive). */
export const int = <D extends number | undefined = undefined>(min: number, max?: number, dflt?: D) =>
  ({ kind: 'int', min, max, default: dflt }) as IntField & { readonly default: D };
export const bool = <D extends boolean | undefined = undefined>(dflt?: D) =>
  ({ kind: 'bool', default: dflt }) as BoolField & { readonly default: D };
export const oneOf = <const V extends string, D extends V | undefined = undefined>(
  values: readonly V[],
  dflt?: D,
) => ({ kind: 'oneOf', values, default: dflt }) as OneOfField<V> & { readonly default: D };
/** A field validate.ts checks in full (and json-schema.ts describes): its type, and its default if any. */
export const custom = <T, D extends T | undefined = undefined>(dflt?: D) =>
  ({ kind: 'custom', default: dflt }) as CustomField<T> & { readonly default: D };
/** The field must be given. */
export const required = <F extends Field>(field: F) =>
  ({ ...field, required: true }) as F & { readonly required: true };

type TypeOf<F> = F extends FieldBase<infer T> ? T : never;
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
/** A section with its defaults applied: a field with a default is always there. */
export type ResolvedSection<S> = Flat<
  { readonly [K in keyof S as K extends RequiredKeys<S> | DefaultedKeys<S> ? K : never]: TypeOf<S[K]> } & {
    readonly [K in keyof S as K extends RequiredKeys<S> | DefaultedKeys<S> ? never : K]?: TypeOf<S[K]>;
  }
>;

/** The methods the forwarding section admits when it does not list them; others are answered 405. */
export const DEFAULT_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const TRUSTED_SOURCES = {
  /** IPv4 and IPv6 CIDR blocks (no host bits set; /0 is refused). */
  cidrs: required(custom<readonly string[]>()),
  /**
   * How many proxies we trust at the right end of `X-Forwarded-For` (the ALB is one). The client address
   * is the entry that many places from the right; entries left of it are client-supplied and ignored.
   * 0: nobody is in front, the client is the immediate peer (the standalone server's socket address; behind
   * the ALB, where the function does not see the peer, every request is then denied).
   * @default 1 (Lambda); 0 for the standalone server
   */
  trustedHops: int(0, 32),
};

export const BACKEND = {
  /**
   * IPv4 and IPv6 CIDR blocks every resolved address of the backend and of the token endpoint must be in
   * (through `dns` servers, pins or the system resolver); a connection to any other address is refused with
   * `502 BACKEND_ADDRESS_NOT_ALLOWED`. Guards against a poisoned or misconfigured DNS answer sending the
   * credentials elsewhere.
   * @default - every address
   */
  allowedAddresses: custom<readonly string[]>(),
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
   */
  allowedMethods: custom<readonly string[], readonly string[]>(DEFAULT_ALLOWED_METHODS),
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

export const DNS = {
  /**
   * The customer's DNS servers, asked in order: IPv4 or IPv6 addresses, optionally with a port
   * (`"172.20.0.53"`, `"172.20.0.53:5353"`, `"fd00::53"`, `"[fd00::53]:5353"`). UDP, and TCP when an
   * answer is truncated. At most 4.
   * @default - none: only `pinned` names resolve
   */
  servers: custom<readonly string[]>(),
  /**
   * Fixed addresses by name (`{ "orders.acme.internal": ["172.20.1.10"] }`), used instead of asking the
   * servers. A name in neither is not resolved.
   * @default - none
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

export const OAUTH2_TUNING = {
  /** How the client authenticates at the token endpoint. @default "client_secret_basic" */
  authMethod: oneOf(['client_secret_basic', 'client_secret_post'], 'client_secret_basic'),
  /** Refresh this many seconds before the token expires. @default 60 */
  expiryMarginSeconds: int(0, 86_400, 60),
  /** Lifetime assumed when the server omits `expires_in`. @default 300 */
  defaultLifetimeSeconds: int(1, 86_400, 300),
  /**
   * For tests only: accept an `http://` `tokenUrl` whose host is a loopback address (127.0.0.0/8,
   * ::1, localhost). The client secret then travels unencrypted; any other `http://` URL is refused.
   * @default false
   */
  allowInsecureLoopbackTokenUrl: bool(false),
};

/**
 * The standalone server's admin listener (`server.admin`): liveness and readiness, apart from the proxy's
 * port, loopback-only by default.
 */
export const SERVER_ADMIN = {
  /** The IP address the admin listener binds to. A non-loopback address needs `allowNonLoopback`. @default "127.0.0.1" */
  address: custom<string, string>('127.0.0.1'),
  /** Its port (0 picks a free one); not the proxy's `server.port`. */
  port: required(int(0, 65_535)),
  /**
   * Let the admin listener bind beyond loopback (it answers without authentication: liveness, readiness,
   * and the names of unreadable secrets). @default false
   */
  allowNonLoopback: bool(false),
};

export const SERVER = {
  /** The address the standalone server listens on. @default "127.0.0.1" */
  host: custom<string, string>('127.0.0.1'),
  /** @default 8080 */
  port: int(0, 65_535, 8080),
  /** The path answered 200 for health checks. @default "/healthz" */
  healthPath: custom<string, string>('/healthz'),
  /** Milliseconds to let in-flight requests finish after SIGTERM. @default 10000 */
  shutdownGraceMs: int(0, MAX_TIMEOUT_MS, 10_000),
  /** A caller's whole request (headers and body) must arrive within this time, else 408. @default 30000 */
  requestTimeoutMs: int(1, MAX_TIMEOUT_MS, 30_000),
  /** A caller's request headers must arrive within this time, else 408. @default 10000 */
  headersTimeoutMs: int(1, MAX_TIMEOUT_MS, 10_000),
  /** An idle keep-alive connection from a caller is closed after this time. @default 5000 */
  keepAliveTimeoutMs: int(1, MAX_TIMEOUT_MS, 5_000),
  /** Serve HTTPS, and with `tls.clientCa` admit only clients with a certificate. @default - plain HTTP */
  tls: custom<ServerTlsConfig>(),
  /**
   * Why this server listens beyond loopback without `tls.clientCa` (say, a mesh sidecar authenticates
   * callers in front of it). Without it, such a server refuses to start; with it, it warns at every start.
   * @default - a non-loopback `host` needs `tls.clientCa`
   */
  unauthenticatedReason: custom<string>(),
  /**
   * The admin listener: `GET /livez` (200 while the process serves) and `GET /readyz` (200 when every
   * secret and the backend's TLS material can be read, else 503 with the reasons).
   * @default - no admin listener
   */
  admin: custom<SectionConfig<typeof SERVER_ADMIN>>(),
  /**
   * How many processes serve the port: an integer from 1 to 1024, or `"auto"` for one per core
   * (`os.availableParallelism()`, as nginx's `worker_processes auto`). 1 runs one process, without a
   * primary; more run a primary that starts, watches and replaces the workers. Standalone server only:
   * checked by its loader (gateway-runtime/src/cluster.ts), so the Lambda bundle carries no code for it.
   * @default "auto"
   */
  workers: custom<number | 'auto'>(),
};

export const ROOT_TUNING = {
  /** How long a secret value is cached before it is read again (rotation is picked up then). @default 300 */
  secretCacheSeconds: int(0, 86_400, 300),
};

/**
 * The sections an operator tunes freely, beside what the constructs derive from their own props: the
 * library's `RuntimeOptions` offers exactly these and writes them through unchanged.
 */
export const OPERATOR_SECTIONS = ['forwarding', 'timeouts', 'limits'] as const;
export type OperatorSection = (typeof OPERATOR_SECTIONS)[number];
