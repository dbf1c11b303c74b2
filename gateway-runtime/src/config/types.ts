/**
 * The gateway runtime's configuration: one typed, versioned JSON document. It is the contract between
 * the constructs in lib/ (which write it into the Lambda function's environment) and the runtime (which
 * validates it at start and refuses to start when it is wrong). It holds secret *references*, never
 * secret values.
 */

import type {
  BACKEND,
  DNS,
  FORWARDING,
  LIMITS,
  OAUTH2_TUNING,
  ROOT_TUNING,
  SectionConfig,
  SERVER,
  TIMEOUTS,
  TRUSTED_SOURCES,
} from './definition';

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
 * still verifies the name, not the address. Its fields: DNS in definition.ts.
 */
export type DnsConfig = SectionConfig<typeof DNS>;

export interface BackendConfig extends SectionConfig<typeof BACKEND> {
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
  | ({
      readonly type: 'oauth2-client-credentials';
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: SecretRef;
      readonly scope?: string;
      readonly audience?: string;
      readonly extraParams?: Readonly<Record<string, string>>;
      /** TLS towards the token endpoint (private CA). @default - Node's public CAs */
      readonly tokenEndpointTls?: { readonly ca?: SecretRef; readonly servername?: string };
      /** How the token URL's host name is resolved. @default - `backend.dns` (else the system resolver) */
      readonly tokenEndpointDns?: DnsConfig;
    } & SectionConfig<typeof OAUTH2_TUNING>);

export type SecuritySchemeType = SecurityScheme['type'];

/** Admit only clients whose address (as appended by the trusted load balancer) is in these blocks. */
export type TrustedSourcesConfig = SectionConfig<typeof TRUSTED_SOURCES>;

export type ForwardingConfig = SectionConfig<typeof FORWARDING>;

export type TimeoutsConfig = SectionConfig<typeof TIMEOUTS>;

export type LimitsConfig = SectionConfig<typeof LIMITS>;

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
export type ServerConfig = SectionConfig<typeof SERVER>;

export type GatewayConfig = GatewayDocument & SectionConfig<typeof ROOT_TUNING>;

interface GatewayDocument {
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
}
