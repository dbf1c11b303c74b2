/**
 * The gateway runtime's configuration: one typed, versioned JSON document. It is the contract between
 * the constructs in lib/ (which write it into the Lambda function's environment) and the runtime (which
 * validates it at start and refuses to start when it is wrong). It holds secret *references*, never
 * secret values.
 */

/** The version of the document this runtime reads. A document of another version is refused. */
export const CONFIG_VERSION = 1;

/** A secret in AWS Secrets Manager. With `jsonKey`, the secret string is a JSON object and the value is that key. */
export interface SecretsManagerRef {
  readonly secretArn: string;
  readonly jsonKey?: string;
}

/** A secret in a local file (for the standalone proxy and for tests). With `jsonKey`, the file is JSON. */
export interface FileSecretRef {
  readonly file: string;
  readonly jsonKey?: string;
}

/** A secret in an environment variable (for local use). With `jsonKey`, the variable holds JSON. */
export interface EnvSecretRef {
  readonly env: string;
  readonly jsonKey?: string;
}

export type SecretRef = SecretsManagerRef | FileSecretRef | EnvSecretRef;

/** TLS towards the backend. Certificate verification is always on and can not be turned off. */
export interface BackendTlsConfig {
  /** PEM bundle of the CA(s) that issued the backend's certificate. Without it, Node's public CAs are used. */
  readonly ca?: SecretRef;
  /** The name to verify the backend's certificate against, when it differs from the URL's host (e.g. an IP URL). */
  readonly servername?: string;
  /** Mutual TLS: the client certificate (PEM, with chain), its key (PEM) and the key's optional passphrase. */
  readonly clientCertificate?: {
    readonly cert: SecretRef;
    readonly key: SecretRef;
    readonly passphrase?: SecretRef;
  };
  /**
   * SHA-256 of the backend certificate's SubjectPublicKeyInfo, base64 (as in HPKP). When given, the
   * leaf's key must match one of them *in addition to* normal chain validation.
   */
  readonly pinnedSpkiSha256?: readonly string[];
}

/**
 * How the backend's (or the token endpoint's) name is resolved: through the customer's own DNS servers
 * across its own link, or from pinned addresses, never through the system's (the VPC's) resolver. TLS
 * still verifies the name, not the address.
 */
export interface DnsConfig {
  /**
   * The customer's DNS servers, asked in order: IPv4 or IPv6 addresses, optionally with a port
   * (`"172.20.0.53"`, `"172.20.0.53:5353"`, `"fd00::53"`, `"[fd00::53]:5353"`). UDP, and TCP when an
   * answer is truncated. At most 4.
   * @default - none: only `pinned` names resolve
   */
  readonly servers?: readonly string[];
  /**
   * Fixed addresses by name (`{ "orders.acme.internal": ["172.20.1.10"] }`), used instead of asking the
   * servers. A name in neither is not resolved.
   * @default - none
   */
  readonly pinned?: Readonly<Record<string, readonly string[]>>;
  /** How long one lookup may take in all, every server and try included. @default 2000 */
  readonly timeoutMs?: number;
  /** Attempts per server within `timeoutMs`. @default 2 */
  readonly tries?: number;
  /** Which addresses are asked for: A (`ipv4`), AAAA (`ipv6`) or both (`any`). @default "ipv4" */
  readonly family?: 'ipv4' | 'ipv6' | 'any';
  /** Answers are cached for their TTL, but at least this long. @default 1 */
  readonly minTtlSeconds?: number;
  /** ... and at most this long. @default 60 */
  readonly maxTtlSeconds?: number;
}

export interface BackendConfig {
  /** The backend's base URL (`https://` or `http://`); the request path is appended to its path. */
  readonly url: string;
  readonly tls?: BackendTlsConfig;
  /** How the URL's host name is resolved. @default - the system resolver (in Lambda: the VPC's) */
  readonly dns?: DnsConfig;
}

export type SignatureAlgorithm = 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512' | 'rsa-sha256' | 'hmac-sha1';

/** A value that may be given inline (not secret, e.g. a user name) or by reference. */
export type StringOrSecret = string | SecretRef;

export type SecurityScheme =
  | { readonly type: 'none' }
  | { readonly type: 'basic'; readonly username: StringOrSecret; readonly password: SecretRef }
  | {
      readonly type: 'digest';
      readonly username: StringOrSecret;
      readonly password: SecretRef;
    }
  | {
      readonly type: 'token';
      /** @default "authorization" */
      readonly header?: string;
      /** Text put before the token, e.g. "Bearer " (the space is part of it). @default "" */
      readonly prefix?: string;
      readonly token: SecretRef;
    }
  | {
      readonly type: 'signature';
      readonly keyId: string;
      readonly algorithm: SignatureAlgorithm;
      /** The HMAC secret or the RSA private key (PEM). */
      readonly key: SecretRef;
      /** Signed headers, lower case. `(request-target)` is always covered. @default ["(request-target)","host","date","digest"] */
      readonly headers?: readonly string[];
      /** Where the signature goes. @default "authorization" */
      readonly headerName?: 'authorization' | 'signature';
      /** Must be true to use hmac-sha1. @default false */
      readonly legacySha1?: boolean;
    }
  | {
      readonly type: 'oauth2-client-credentials';
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: SecretRef;
      /** @default "client_secret_basic" */
      readonly authMethod?: 'client_secret_basic' | 'client_secret_post';
      readonly scope?: string;
      readonly audience?: string;
      readonly extraParams?: Readonly<Record<string, string>>;
      /** Refresh this many seconds before the token expires. @default 60 */
      readonly expiryMarginSeconds?: number;
      /** Lifetime assumed when the server omits `expires_in`. @default 300 */
      readonly defaultLifetimeSeconds?: number;
      /** TLS towards the token endpoint (private CA). @default - Node's public CAs */
      readonly tokenEndpointTls?: { readonly ca?: SecretRef; readonly servername?: string };
      /**
       * For tests only: accept an `http://` `tokenUrl` whose host is a loopback address (127.0.0.0/8,
       * ::1, localhost). The client secret then travels unencrypted; any other `http://` URL is refused.
       * @default false
       */
      readonly allowInsecureLoopbackTokenUrl?: boolean;
      /** How the token URL's host name is resolved. @default - `backend.dns` (else the system resolver) */
      readonly tokenEndpointDns?: DnsConfig;
    };

export type SecuritySchemeType = SecurityScheme['type'];

/** Admit only clients whose address (as appended by the trusted load balancer) is in these blocks. */
export interface TrustedSourcesConfig {
  /** IPv4 and IPv6 CIDR blocks. */
  readonly cidrs: readonly string[];
  /**
   * How many proxies we trust at the right end of `X-Forwarded-For` (the ALB is one). The client address
   * is the entry that many places from the right; entries left of it are client-supplied and ignored.
   * 0: nobody is in front, the client is the immediate peer (the standalone server's socket address; behind
   * the ALB, where the function does not see the peer, every request is then denied).
   * @default 1 (Lambda); 0 for the standalone server
   */
  readonly trustedHops?: number;
}

export interface ForwardingConfig {
  /** Forward the caller's `Authorization` header. Ignored when the scheme sets Authorization. @default false */
  readonly forwardAuthorization?: boolean;
  /** Forward the caller's `Cookie` header. @default false */
  readonly forwardCookies?: boolean;
  /**
   * The request methods that are forwarded (upper case); others are answered 405 with `Allow`.
   * TRACE, TRACK and CONNECT are never forwarded and can not be listed.
   * @default ["GET","HEAD","POST","PUT","PATCH","DELETE","OPTIONS"]
   */
  readonly allowedMethods?: readonly string[];
}

export interface TimeoutsConfig {
  /** @default 5000 */
  readonly connectMs?: number;
  /** Time until the backend's response headers arrive. @default 30000 */
  readonly headersMs?: number;
  /** Maximum idle time between body chunks. @default 30000 */
  readonly bodyMs?: number;
}

export interface LimitsConfig {
  /** Larger request bodies are answered 413. @default 6291456 (6 MiB) */
  readonly maxRequestBodyBytes?: number;
  /** Larger backend responses are answered 502. @default 6291456 (6 MiB; the Lambda adapter caps at 1 MB) */
  readonly maxResponseBodyBytes?: number;
  /** Bodies up to this size are buffered so a request can be resent (digest, OAuth retry). @default 1048576 */
  readonly maxReplayBodyBytes?: number;
  /** Connections to the backend at most (per connection pool); further requests wait for one. @default 64 */
  readonly maxBackendConnections?: number;
}

/**
 * Inbound TLS of the standalone server (`https://`), and with `clientCa` mutual TLS: a client without a
 * certificate that chains to `clientCa` is refused during the handshake. TLS 1.2 minimum (1.3 preferred),
 * AEAD ciphers with forward secrecy only. The material is re-read while the server runs, so a rotated
 * certificate is served to new connections without a restart.
 */
export interface ServerTlsConfig {
  /** The server's certificate (PEM), leaf first, then any intermediates. */
  readonly certificate: SecretRef;
  /** Its private key (PEM). */
  readonly key: SecretRef;
  /** The key's passphrase, when the key is encrypted. @default - the key is not encrypted */
  readonly passphrase?: SecretRef;
  /**
   * PEM bundle of the CA(s) whose client certificates are admitted. Only these CAs are trusted for
   * clients (never Node's public CAs). Required to listen on anything but loopback (unless
   * `server.unauthenticatedReason` says why not).
   * @default - no client certificate is asked for
   */
  readonly clientCa?: SecretRef;
  /**
   * Client identities admitted, checked in addition to the chain: `CN=<subject common name>`,
   * `DNS:<name>`, `URI:<uri>` or `email:<address>` (subject alternative names), matched exactly. A
   * client matching none of these and none of `allowedClientSpkiSha256` is answered 403
   * `CLIENT_NOT_ALLOWED`. Needs `clientCa`.
   * @default - every certificate that chains to clientCa is admitted
   */
  readonly allowedClientNames?: readonly string[];
  /**
   * base64 SHA-256 of the client certificate's SubjectPublicKeyInfo (as `backend.tls.pinnedSpkiSha256`):
   * a client whose key matches one of these is admitted. Needs `clientCa`.
   * @default - no pin (see allowedClientNames)
   */
  readonly allowedClientSpkiSha256?: readonly string[];
}

/** The standalone server (CLI `serve`). */
export interface ServerConfig {
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default 8080 */
  readonly port?: number;
  /** @default "/healthz" */
  readonly healthPath?: string;
  /** Milliseconds to let in-flight requests finish after SIGTERM. @default 10000 */
  readonly shutdownGraceMs?: number;
  /** Serve HTTPS, and with `tls.clientCa` admit only clients with a certificate. @default - plain HTTP */
  readonly tls?: ServerTlsConfig;
  /**
   * Why this server listens beyond loopback without `tls.clientCa` (say, a mesh sidecar authenticates
   * callers in front of it). Without it, such a server refuses to start; with it, it warns at every start.
   * @default - a non-loopback `host` needs `tls.clientCa`
   */
  readonly unauthenticatedReason?: string;
  /** A caller's whole request (headers and body) must arrive within this time, else 408. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** A caller's request headers must arrive within this time, else 408. @default 10000 */
  readonly headersTimeoutMs?: number;
  /** An idle keep-alive connection from a caller is closed after this time. @default 5000 */
  readonly keepAliveTimeoutMs?: number;
}

export interface GatewayConfig {
  /** The JSON Schema of this document, for editors (config.schema.json); ignored by the runtime. */
  readonly $schema?: string;
  readonly version: typeof CONFIG_VERSION;
  /** A name for logs and metrics (e.g. the customer). */
  readonly name: string;
  readonly backend: BackendConfig;
  readonly security: SecurityScheme;
  /** @default - every source is admitted (rely on the network allow-lists) */
  readonly trustedSources?: TrustedSourcesConfig;
  readonly forwarding?: ForwardingConfig;
  readonly timeouts?: TimeoutsConfig;
  readonly limits?: LimitsConfig;
  readonly server?: ServerConfig;
  /** How long a secret value is cached before it is read again (rotation is picked up then). @default 300 */
  readonly secretCacheSeconds?: number;
}
