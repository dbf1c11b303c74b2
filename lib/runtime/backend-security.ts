import type {
  BackendTlsConfig,
  SecretRef,
  SecurityScheme,
  SignatureAlgorithm,
  TrustedSourcesConfig,
} from '../../gateway-runtime/src/config/types';
import type { SecretMaterialKind, SecretSourceSpec } from '../secrets/secret-source';
import type { Problem } from '../shared/problems';
import {
  checkBasicAuthProps,
  checkMessageSignatureProps,
  checkBackendTlsProps,
  checkMutualTlsProps,
  checkOAuth2ClientCertificate,
  checkOAuth2ClientCredentialsProps,
  checkRequestSigningProps,
  checkSigV4PlatformProps,
  checkSigV4Props,
  checkTokenAuthProps,
  clientJwksOf,
  publicKeyJwks,
  type SigV4Platform,
} from './backend-security-checks';

/** A piece of secret material a scheme needs; `CustomerBackendLink` creates it through `BackendSecrets`. */
export interface SecretRequirement {
  /** The secret's name within the customer, e.g. `credentials`. */
  readonly name: string;
  readonly material: SecretMaterialKind;
  readonly source: SecretSourceSpec;
}

/** Turns (secret name, JSON key) into the runtime's reference. */
export type SecretRefLookup = (name: string, key: string) => SecretRef;

/** The parts of the runtime configuration a BackendSecurity decides. */
export interface RenderedSecurity {
  readonly security: SecurityScheme;
  readonly backendTls?: BackendTlsConfig;
  readonly trustedSources?: TrustedSourcesConfig;
}

export interface BasicAuthProps {
  /** A secret with JSON keys `username` and `password`. */
  readonly credentials: SecretSourceSpec;
}

export interface TokenAuthProps {
  /** A secret with JSON key `token`. */
  readonly token: SecretSourceSpec;
  /**
   * The header that carries the token. Not a header the gateway manages or that means something else
   * on the way (`host`, `content-length`, `expect`, hop-by-hop headers, `forwarded`, `x-forwarded-*`,
   * `proxy-*`, `cookie`, `x-original-url`, ...): the token would reach the backend as a client address
   * or break every request.
   * @default "authorization"
   */
  readonly header?: string;
  /**
   * Text put before the token, e.g. "Bearer " (the space is part of it).
   * @default - none
   */
  readonly prefix?: string;
}

export interface RequestSigningProps {
  /** The `keyId` the backend knows the key by. */
  readonly keyId: string;
  /**
   * @default "hmac-sha256"
   */
  readonly algorithm?: SignatureAlgorithm;
  /** A secret with JSON key `key`: the HMAC secret or the RSA private key (PEM). */
  readonly key: SecretSourceSpec;
  /**
   * Signed headers, lower case; `(request-target)` is always covered.
   * @default ["(request-target)", "host", "date", "digest"]
   */
  readonly headers?: string[];
  /**
   * @default "authorization"
   */
  readonly headerName?: 'authorization' | 'signature';
  /**
   * Must be true to use hmac-sha1.
   * @default false
   */
  readonly legacySha1?: boolean;
}

/** How the gateway authenticates at the token endpoint (chosen explicitly, never probed). */
export type OAuth2ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';

/** JWS algorithms of a `private_key_jwt` client assertion. */
export type OAuth2AssertionAlgorithm = 'ES256' | 'PS256' | 'RS256' | 'EdDSA';

/** `private_key_jwt` (RFC 7523): the key that signs the client assertion, and the assertion's shape. */
export interface OAuth2PrivateKeyJwtProps {
  /**
   * A secret with JSON key `key`: the unencrypted private key (PEM) whose public key the client registered
   * (material `signing-key`; `backend-link secret signing-key --key FILE` builds it).
   */
  readonly key: SecretSourceSpec;
  /** The JWS `kid`: the key's id in the client's registered JWKS (printable ASCII, no spaces). */
  readonly keyId: string;
  /**
   * ES256 needs a P-256 key, PS256 and RS256 an RSA key of at least 2048 bits, EdDSA an Ed25519 key.
   * @default "ES256"
   */
  readonly algorithm?: OAuth2AssertionAlgorithm;
  /**
   * The assertion's `aud`: the authorization server's issuer identifier, for servers that want it instead
   * of the token endpoint's URL.
   * @default - the token URL
   */
  readonly audience?: string;
  /**
   * Seconds from the assertion's `iat` to its `exp` (5 to 300).
   * @default 60
   */
  readonly lifetimeSeconds?: number;
  /**
   * The public key (PEM, SPKI) of `key`. The construct checks that it parses and suits `algorithm`, and the
   * handoff prints the JWKS the client registration needs. Never the private key.
   * @default - the handoff names the command that derives the JWKS from the key (`backend-link jwks`)
   */
  readonly publicKey?: string;
}

/** The algorithms of `BackendSecurity.messageSignature` (RFC 9421 §3.3). */
export type MessageSignatureAlgorithm = Extract<SecurityScheme, { type: 'message-signature' }>['algorithm'];

export interface MessageSignatureProps {
  /** The `keyid` signature parameter: how the backend finds the verification key (printable ASCII). */
  readonly keyId: string;
  /**
   * A secret with JSON key `key`: the PEM private key (Ed25519, EC P-256, or RSA of 2048 bits or more), or
   * for hmac-sha256 the shared secret (32 bytes or more, used as UTF-8 text).
   */
  readonly key: SecretSourceSpec;
  /**
   * @default "ed25519"
   */
  readonly algorithm?: MessageSignatureAlgorithm;
  /**
   * The covered components, in order: derived components (`@method`, `@authority`, `@path`, `@query`,
   * `@target-uri`, `@scheme`, `@request-target`, `@query-param;name="…"`) and lower-case header names.
   * @default - `@method`, `@authority`, `@path`; `@query` when the URL has a query; `content-digest` when
   *   there is a body; `content-type` when the request has one
   */
  readonly components?: string[];
  /**
   * `expires` is `created` plus this many seconds (0 to 86400; 0 sends no `expires`).
   * @default 300
   */
  readonly validitySeconds?: number;
  /**
   * Send a random `nonce` with each signature (for a backend that keeps a replay cache).
   * @default false
   */
  readonly nonce?: boolean;
  /**
   * The `tag` signature parameter (an application's profile name, printable ASCII).
   * @default - none
   */
  readonly tag?: string;
  /**
   * The Content-Digest algorithm (RFC 9530).
   * @default "sha-256"
   */
  readonly contentDigest?: 'sha-256' | 'sha-512';
  /**
   * The public key (PEM, SubjectPublicKeyInfo) of the private key in `key`: checked at synth (it parses and
   * fits `algorithm`) and published in the handoff as a JWKS, so the customer's backend can verify. Not for
   * hmac-sha256 (the secret has no public half).
   * @default - the handoff gives the command that derives the JWKS from the private key
   */
  readonly publicKey?: string;
}

export interface OAuth2ClientCredentialsProps {
  /** The token endpoint; `https://` only (the client's credentials are sent to it). */
  readonly tokenUrl: string;
  readonly clientId: string;
  /**
   * A secret with JSON key `clientSecret`. Required with `client_secret_basic` and `client_secret_post`,
   * refused with the other methods.
   * @default - none (the key and certificate methods)
   */
  readonly clientSecret?: SecretSourceSpec;
  /**
   * How the gateway authenticates at the token endpoint: a client secret (`client_secret_basic`,
   * `client_secret_post`), a signed assertion (`private_key_jwt`, RFC 7523) or its client certificate
   * (`tls_client_auth`, `self_signed_tls_client_auth`, RFC 8705).
   * @default "client_secret_basic"
   */
  readonly authMethod?: OAuth2ClientAuthMethod;
  /**
   * The signing key and assertion of `private_key_jwt`; required with it, refused with the other methods.
   * @default - none
   */
  readonly privateKeyJwt?: OAuth2PrivateKeyJwtProps;
  /**
   * A secret with JSON keys `certificate`, `privateKey` (PEM) and optionally `passphrase`: the client
   * certificate on the token endpoint's connection. With the two TLS methods and `.withMutualTls(...)`,
   * the backend's client certificate is used when this is not given, so a token bound to it (RFC 8705 §3)
   * passes a backend that checks the binding; give this for a separate token endpoint identity. With the
   * other methods it is optional (the server may bind tokens to it).
   * @default - the `.withMutualTls(...)` certificate with the TLS methods; none otherwise
   */
  readonly tokenEndpointClientCertificate?: SecretSourceSpec;
  /**
   * True when the key of `tokenEndpointClientCertificate` is encrypted and the secret has a `passphrase` key.
   * @default false
   */
  readonly tokenEndpointKeyHasPassphrase?: boolean;
  /**
   * RFC 8707 resource indicators: absolute URIs without a fragment, one `resource` parameter each.
   * @default - no resource parameter
   */
  readonly resource?: string[];
  /**
   * @default - no scope parameter
   */
  readonly scope?: string;
  /**
   * @default - no audience parameter
   */
  readonly audience?: string;
  /**
   * @default - none
   */
  readonly extraParams?: Record<string, string>;
  /**
   * A secret with JSON key `caBundle`: the CA that issued the token endpoint's certificate.
   * @default - Node's public CAs
   */
  readonly tokenEndpointCa?: SecretSourceSpec;
}

/**
 * AWS Signature Version 4 towards an AWS-hosted backend (a private API Gateway, a Lambda function URL with
 * `AWS_IAM` auth, OpenSearch, ...). No secret: the gateway function signs with its own role's credentials
 * (Lambda puts them into its environment), or with a role it assumes.
 */
export interface SigV4Props {
  /** The service's signing name: `execute-api`, `lambda`, `es`, `aoss`, `s3`, ... */
  readonly service: string;
  /**
   * The backend's AWS region (in the platform's partition).
   * @default - the platform's region (filled in where the link renders the runtime configuration)
   */
  readonly region?: string;
  /**
   * A role to assume (`sts:AssumeRole`) and sign with, e.g. the customer's role in its own account that the
   * backend trusts. The function's role is granted `sts:AssumeRole` on exactly this ARN; the call goes to the
   * regional STS of the platform's region, which the function reaches through the platform's `sts` interface
   * endpoint (`interfaceEndpoints.services` must list `"sts"`). Needed for a backend in another account, whose
   * policies can not grant the platform's function role by themselves (cross-account access needs the
   * caller's identity policy too, which backend-link does not write).
   * @default - the function's own role signs
   */
  readonly assumeRoleArn?: string;
  /**
   * The external ID the assumed role's trust policy demands (`sts:ExternalId`; an identifier, not a secret).
   * Only with `assumeRoleArn`.
   * @default - none
   */
  readonly externalId?: string;
  /**
   * Send `UNSIGNED-PAYLOAD` instead of the body's SHA-256. S3 only (other services refuse it).
   * @default false
   */
  readonly unsignedPayload?: boolean;
}

/** What `render` needs of where the link runs (the platform's region fills in a SigV4 region left out). */
export interface RenderContext {
  /** The platform's region. @default - unknown: a SigV4 scheme must name its region */
  readonly region?: string;
}

export interface BackendMutualTlsProps {
  /** A secret with JSON keys `certificate`, `privateKey` and optionally `passphrase` (PEM). */
  readonly clientCertificate: SecretSourceSpec;
  /**
   * True when the private key is encrypted and the secret has a `passphrase` key.
   * @default false
   */
  readonly keyHasPassphrase?: boolean;
  /**
   * A secret with JSON key `caBundle`: the CA(s) that issued the backend's certificate.
   * @default - Node's public CAs
   */
  readonly backendCa?: SecretSourceSpec;
  /**
   * The name to verify the backend's certificate against (when the URL's host differs).
   * @default - the backend URL's host
   */
  readonly servername?: string;
  /**
   * SHA-256 pins (base64) of the backend certificate's public key, checked in addition to the chain.
   * @default - no pinning
   */
  readonly pinnedSpkiSha256?: string[];
}

/**
 * How the gateway verifies the backend's certificate, without a client certificate of its own
 * (`.withBackendTls`): a backend whose certificate comes from the customer's private CA, a name other than the
 * URL's host, or pinned keys. `.withMutualTls` takes the same three props beside the client certificate.
 */
export interface BackendTlsProps {
  /**
   * A secret with JSON key `caBundle`: the CA(s) that issued the backend's certificate (only these are trusted,
   * not Node's public CAs).
   * @default - Node's public CAs
   */
  readonly backendCa?: SecretSourceSpec;
  /**
   * The name to verify the backend's certificate against (when the URL's host differs).
   * @default - the backend URL's host
   */
  readonly servername?: string;
  /**
   * SHA-256 pins (base64) of the backend certificate's public key, checked in addition to the chain.
   * @default - no pinning
   */
  readonly pinnedSpkiSha256?: string[];
}

export interface TrustedSourcesProps {
  /** IPv4/IPv6 blocks whose clients may call the backend (checked against the address the ALB appended). */
  readonly cidrs: string[];
  /**
   * Proxies trusted at the right end of `X-Forwarded-For` (the ALB is one).
   * @default 1
   */
  readonly trustedHops?: number;
}

type HeaderScheme =
  | { kind: 'none' }
  | { kind: 'basic' | 'digest'; props: BasicAuthProps }
  | { kind: 'token'; props: TokenAuthProps }
  | { kind: 'signature'; props: RequestSigningProps }
  | { kind: 'oauth2'; props: OAuth2ClientCredentialsProps }
  | { kind: 'message-signature'; props: MessageSignatureProps }
  | { kind: 'sigv4'; props: SigV4Props };

/** The props a builder was called with, as an object (`{}` for a JavaScript caller that gave none). */
function propsOf<T>(props: T): T {
  return (typeof props === 'object' && props !== null ? props : {}) as T;
}

/**
 * The backend-security scheme of one customer: one header scheme (basic, digest, token, request signing, SigV4,
 * OAuth 2.0 client credentials, or none), optionally combined with mutual TLS (or the backend's certificate
 * checked against a private CA, `withBackendTls`) and trusted sources. Immutable: `withMutualTls`,
 * `withBackendTls` and `withTrustedSources` return a new value.
 *
 * The builders never throw for bad input (`backend-security-checks.ts`): the value they return carries its
 * {@link problems}, each named by the prop of the builder call (`tokenUrl`, `credentials`), and the
 * `CustomerBackendLink` it is given to reports them under `security.<prop>` in the same synth as the rest of the
 * app's problems, and builds nothing. A value that is never given to a link is not part of the app: its
 * problems are reported when it is used (read {@link problems} to check one on its own).
 */
export class BackendSecurity {
  public static none(): BackendSecurity {
    return new BackendSecurity({ kind: 'none' }, []);
  }
  /** Carries a problem when `credentials` is not a SecretSource. */
  public static basic(props: BasicAuthProps): BackendSecurity {
    return new BackendSecurity({ kind: 'basic', props: propsOf(props) }, checkBasicAuthProps(props));
  }
  /** Carries a problem when `credentials` is not a SecretSource. */
  public static digest(props: BasicAuthProps): BackendSecurity {
    return new BackendSecurity({ kind: 'digest', props: propsOf(props) }, checkBasicAuthProps(props));
  }
  /** Carries problems when `token` is not a SecretSource, or `header` is one a credential can not travel in. */
  public static token(props: TokenAuthProps): BackendSecurity {
    return new BackendSecurity({ kind: 'token', props: propsOf(props) }, checkTokenAuthProps(props));
  }
  /** Carries a problem when `key` is not a SecretSource. */
  public static requestSigning(props: RequestSigningProps): BackendSecurity {
    return new BackendSecurity({ kind: 'signature', props: propsOf(props) }, checkRequestSigningProps(props));
  }
  /**
   * Carries problems when `tokenUrl` is not an https:// URL without credentials, a secret source is not a
   * SecretSource, `authMethod` is unknown, or the method's material is missing or given to a method that
   * does not use it (a client secret with `private_key_jwt`, `privateKeyJwt` without a key or with a
   * `publicKey` that does not suit its algorithm, ...).
   */
  public static oauth2ClientCredentials(props: OAuth2ClientCredentialsProps): BackendSecurity {
    return new BackendSecurity(
      { kind: 'oauth2', props: propsOf(props) },
      checkOAuth2ClientCredentialsProps(props),
    );
  }

  /**
   * Signs each request with HTTP Message Signatures (RFC 9421) and a Content-Digest (RFC 9530) of the body as
   * sent. Carries problems when `key` is not a SecretSource, or `publicKey` is not a PEM public key that fits
   * `algorithm` (or is given for hmac-sha256). The other props are checked as the runtime configuration's
   * `security.<prop>` fields.
   */
  public static messageSignature(props: MessageSignatureProps): BackendSecurity {
    return new BackendSecurity(
      { kind: 'message-signature', props: propsOf(props) },
      checkMessageSignatureProps(props),
    );
  }

  /**
   * AWS Signature Version 4 with the function's role (or `assumeRoleArn`); no secret. Carries problems when
   * `service`, `region`, `assumeRoleArn` or `externalId` is not of its shape, `externalId` comes without
   * `assumeRoleArn`, or `unsignedPayload` is asked of a service other than S3.
   */
  public static sigV4(props: SigV4Props): BackendSecurity {
    return new BackendSecurity({ kind: 'sigv4', props: propsOf(props) }, checkSigV4Props(props));
  }

  private constructor(
    private readonly scheme: HeaderScheme,
    private readonly found: readonly Problem[],
    private readonly mtls?: BackendMutualTlsProps,
    private readonly trusted?: TrustedSourcesProps,
    private readonly server?: BackendTlsProps,
  ) {}

  /**
   * What is wrong with the props of the builder calls that made this value (those of `withMutualTls` included),
   * each named as written in the call (`tokenUrl`, `clientCertificate`), the value shown unless it may be a
   * secret; empty when it is sound. `CustomerBackendLink` reports them under `security.<prop>`.
   */
  public get problems(): readonly Problem[] {
    // An OAuth 2.0 TLS method takes its certificate from `withMutualTls` when it has none of its own.
    const s = this.scheme;
    return [
      ...this.found,
      ...(s.kind === 'oauth2' ? checkOAuth2ClientCertificate(s.props, this.mtls !== undefined) : []),
      ...backendTlsConflicts(this.mtls, this.server),
    ];
  }

  /**
   * Adds mutual TLS towards the backend (combines with any header scheme). The new value carries a problem
   * when `clientCertificate` (or `backendCa`) is not a SecretSource, besides this one's.
   */
  public withMutualTls(props: BackendMutualTlsProps): BackendSecurity {
    return new BackendSecurity(
      this.scheme,
      [...this.found, ...checkMutualTlsProps(props)],
      { ...propsOf(props) },
      this.trusted,
      this.server,
    );
  }

  /**
   * Checks the backend's certificate against the customer's CA (`backendCa`), another name (`servername`) or
   * pinned keys, without a client certificate (for that, `withMutualTls`, which takes the same props). The new
   * value carries a problem when `backendCa` is not a SecretSource, when none of the three is given, or when one
   * is given to `withMutualTls` too.
   */
  public withBackendTls(props: BackendTlsProps): BackendSecurity {
    const server = propsOf(props);
    return new BackendSecurity(
      this.scheme,
      [...this.found, ...checkBackendTlsProps(props)],
      this.mtls,
      this.trusted,
      {
        ...server,
        ...(server.pinnedSpkiSha256 !== undefined
          ? { pinnedSpkiSha256: copied(server.pinnedSpkiSha256) }
          : {}),
      },
    );
  }

  /**
   * Admits only clients from these blocks (checked in the runtime, besides the network allow-lists). The blocks
   * are checked with the rest of the runtime configuration, by the link (`trustedSources.cidrs`).
   */
  public withTrustedSources(props: TrustedSourcesProps): BackendSecurity {
    const trusted = propsOf(props);
    return new BackendSecurity(
      this.scheme,
      this.found,
      this.mtls,
      { ...trusted, cidrs: copied(trusted.cidrs) },
      this.server,
    );
  }

  /**
   * What is wrong with this security on a platform (none for most schemes): a SigV4 region or
   * `assumeRoleArn` in another partition, an assumed role without the platform's `sts` interface endpoint.
   * `CustomerBackendLink` reports them under `security.<prop>`.
   */
  public platformProblems(platform: SigV4Platform): readonly Problem[] {
    return this.scheme.kind === 'sigv4' ? checkSigV4PlatformProps(this.scheme.props, platform) : [];
  }

  /** True when the scheme signs with an assumed role (SigV4 `assumeRoleArn`): the function calls STS. */
  public get assumesRole(): boolean {
    return this.scheme.kind === 'sigv4' && this.scheme.props.assumeRoleArn !== undefined;
  }

  /** The runtime's name of the header scheme. */
  public get type(): SecurityScheme['type'] {
    return this.scheme.kind === 'oauth2' ? 'oauth2-client-credentials' : this.scheme.kind;
  }

  public get mutualTls(): BackendMutualTlsProps | undefined {
    return this.mtls;
  }

  /** The backend certificate's checks given with `withBackendTls` (those of `withMutualTls` are in `mutualTls`). */
  public get backendTls(): BackendTlsProps | undefined {
    return this.server;
  }

  public get trustedSources(): TrustedSourcesProps | undefined {
    return this.trusted;
  }

  /** What the handoff tells the customer about the header scheme (no secret values). */
  public get description(): Readonly<Record<string, string>> {
    const s = this.scheme;
    switch (s.kind) {
      case 'signature':
        return {
          scheme: 'HTTP request signing (draft-cavage-http-signatures-10)',
          keyId: s.props.keyId,
          algorithm: s.props.algorithm ?? 'hmac-sha256',
          headers: (s.props.headers ?? ['(request-target)', 'host', 'date', 'digest']).join(' '),
        };
      case 'oauth2':
        return {
          scheme: 'OAuth 2.0 client credentials',
          tokenUrl: s.props.tokenUrl,
          clientId: s.props.clientId,
          authMethod: s.props.authMethod ?? 'client_secret_basic',
          ...(s.props.scope ? { scope: s.props.scope } : {}),
          ...(s.props.audience ? { audience: s.props.audience } : {}),
          ...(Array.isArray(s.props.resource) ? { resource: s.props.resource.join(' ') } : {}),
          ...oauth2ClientAuthDescription(s.props, this.mtls !== undefined),
        };
      case 'message-signature':
        return messageSignatureDescription(s.props);
      case 'sigv4':
        return {
          scheme: 'AWS Signature Version 4',
          service: s.props.service,
          ...(s.props.region !== undefined ? { region: s.props.region } : {}),
          payload: s.props.unsignedPayload ? 'UNSIGNED-PAYLOAD' : 'signed',
          ...(s.props.assumeRoleArn !== undefined ? { assumeRoleArn: s.props.assumeRoleArn } : {}),
          ...(s.props.externalId !== undefined ? { externalId: s.props.externalId } : {}),
        };
      case 'token':
        return { scheme: 'token', header: s.props.header ?? 'authorization' };
      case 'basic':
        return { scheme: 'HTTP Basic authentication' };
      case 'digest':
        return { scheme: 'HTTP Digest authentication (RFC 7616)' };
      case 'none':
        return { scheme: 'none' };
    }
  }

  /** Every secret this security needs, in a stable order. */
  public get secretRequirements(): SecretRequirement[] {
    const s = this.scheme;
    const out: SecretRequirement[] = [];
    switch (s.kind) {
      case 'basic':
      case 'digest':
        out.push({ name: 'credentials', material: 'credentials', source: s.props.credentials });
        break;
      case 'token':
        out.push({ name: 'token', material: 'token', source: s.props.token });
        break;
      case 'signature':
        out.push({ name: 'signing-key', material: 'signing-key', source: s.props.key });
        break;
      case 'message-signature':
        out.push({ name: 'message-signing-key', material: 'message-signing-key', source: s.props.key });
        break;
      case 'oauth2':
        if (s.props.clientSecret !== undefined) {
          out.push({
            name: 'oauth-client-secret',
            material: 'oauth-client-secret',
            source: s.props.clientSecret,
          });
        }
        if (s.props.privateKeyJwt?.key !== undefined) {
          out.push({
            name: 'oauth-assertion-key',
            material: 'signing-key',
            source: s.props.privateKeyJwt.key,
          });
        }
        if (s.props.tokenEndpointClientCertificate !== undefined) {
          out.push({
            name: 'token-endpoint-certificate',
            material: 'client-certificate',
            source: s.props.tokenEndpointClientCertificate,
          });
        }
        if (s.props.tokenEndpointCa) {
          out.push({ name: 'token-endpoint-ca', material: 'ca-bundle', source: s.props.tokenEndpointCa });
        }
        break;
      case 'sigv4': // the function's role (or the role it assumes) signs: no secret
      case 'none':
        break;
    }
    if (this.mtls) {
      out.push({
        name: 'client-certificate',
        material: 'client-certificate',
        source: this.mtls.clientCertificate,
      });
    }
    const backendCa = this.mtls?.backendCa ?? this.server?.backendCa;
    if (backendCa) out.push({ name: 'backend-ca', material: 'ca-bundle', source: backendCa });
    return out;
  }

  /**
   * The runtime configuration's security parts, with secret references from `ref`; `context` is where the
   * link runs (a SigV4 region left out is the platform's).
   */
  public render(ref: SecretRefLookup, context: RenderContext = {}): RenderedSecurity {
    const s = this.scheme;
    let security: SecurityScheme;
    switch (s.kind) {
      case 'none':
        security = { type: 'none' };
        break;
      case 'basic':
      case 'digest':
        security = {
          type: s.kind,
          username: ref('credentials', 'username'),
          password: ref('credentials', 'password'),
        };
        break;
      case 'token':
        security = {
          type: 'token',
          token: ref('token', 'token'),
          ...(s.props.header !== undefined ? { header: s.props.header } : {}),
          ...(s.props.prefix !== undefined ? { prefix: s.props.prefix } : {}),
        };
        break;
      case 'signature':
        security = {
          type: 'signature',
          keyId: s.props.keyId,
          algorithm: s.props.algorithm ?? 'hmac-sha256',
          key: ref('signing-key', 'key'),
          ...(s.props.headers !== undefined ? { headers: copied(s.props.headers) } : {}),
          ...(s.props.headerName !== undefined ? { headerName: s.props.headerName } : {}),
          ...(s.props.legacySha1 !== undefined ? { legacySha1: s.props.legacySha1 } : {}),
        };
        break;
      case 'message-signature':
        security = {
          type: 'message-signature',
          algorithm: s.props.algorithm ?? DEFAULT_MESSAGE_SIGNATURE_ALGORITHM,
          keyId: s.props.keyId,
          key: ref('message-signing-key', 'key'),
          ...(s.props.components !== undefined ? { components: copied(s.props.components) } : {}),
          ...(s.props.contentDigest !== undefined ? { contentDigest: s.props.contentDigest } : {}),
          ...(s.props.validitySeconds !== undefined ? { validitySeconds: s.props.validitySeconds } : {}),
          ...(s.props.nonce !== undefined ? { nonce: s.props.nonce } : {}),
          ...(s.props.tag !== undefined ? { tag: s.props.tag } : {}),
        };
        break;
      case 'oauth2': {
        const jwt = s.props.privateKeyJwt;
        security = {
          type: 'oauth2-client-credentials',
          tokenUrl: s.props.tokenUrl,
          clientId: s.props.clientId,
          ...(s.props.clientSecret !== undefined
            ? { clientSecret: ref('oauth-client-secret', 'clientSecret') }
            : {}),
          ...(s.props.authMethod !== undefined ? { authMethod: s.props.authMethod } : {}),
          ...(jwt !== undefined
            ? {
                privateKeyJwt: {
                  key: ref('oauth-assertion-key', 'key'),
                  algorithm: jwt.algorithm ?? 'ES256',
                  keyId: jwt.keyId,
                  ...(jwt.audience !== undefined ? { assertionAudience: jwt.audience } : {}),
                  ...(jwt.lifetimeSeconds !== undefined ? { lifetimeSeconds: jwt.lifetimeSeconds } : {}),
                },
              }
            : {}),
          // Without it, the TLS methods use backend.tls.clientCertificate (the runtime's default).
          ...(s.props.tokenEndpointClientCertificate !== undefined
            ? {
                clientCertificate: {
                  cert: ref('token-endpoint-certificate', 'certificate'),
                  key: ref('token-endpoint-certificate', 'privateKey'),
                  ...(s.props.tokenEndpointKeyHasPassphrase
                    ? { passphrase: ref('token-endpoint-certificate', 'passphrase') }
                    : {}),
                },
              }
            : {}),
          ...(s.props.scope !== undefined ? { scope: s.props.scope } : {}),
          ...(s.props.audience !== undefined ? { audience: s.props.audience } : {}),
          ...(s.props.resource !== undefined ? { resource: copied(s.props.resource) } : {}),
          ...(s.props.extraParams !== undefined ? { extraParams: { ...s.props.extraParams } } : {}),
          ...(s.props.tokenEndpointCa
            ? { tokenEndpointTls: { ca: ref('token-endpoint-ca', 'caBundle') } }
            : {}),
        };
        break;
      }
      case 'sigv4': {
        const region = s.props.region ?? context.region;
        security = {
          type: 'sigv4',
          // Left out when neither is known: the runtime's validator reports `security.region` is required.
          ...(region !== undefined ? { region } : {}),
          service: s.props.service,
          ...(s.props.unsignedPayload === true ? { payload: 'unsigned' } : {}),
          ...(s.props.assumeRoleArn !== undefined
            ? {
                credentials: {
                  source: 'assume-role',
                  roleArn: s.props.assumeRoleArn,
                  ...(s.props.externalId !== undefined ? { externalId: s.props.externalId } : {}),
                  // AssumeRole goes to the STS of the platform's region (its `sts` interface endpoint), also
                  // for a backend in another region.
                  ...(context.region !== undefined && context.region !== region
                    ? { stsRegion: context.region }
                    : {}),
                },
              }
            : {}),
        } as SecurityScheme;
        break;
      }
    }
    const m = this.mtls;
    // The backend certificate's checks, from withMutualTls or withBackendTls (a prop given to both is a problem).
    const server: BackendTlsProps = { ...this.server, ...definedOnly(m) };
    const backendTls: BackendTlsConfig | undefined =
      m || this.server
        ? {
            ...(m
              ? {
                  clientCertificate: {
                    cert: ref('client-certificate', 'certificate'),
                    key: ref('client-certificate', 'privateKey'),
                    ...(m.keyHasPassphrase ? { passphrase: ref('client-certificate', 'passphrase') } : {}),
                  },
                }
              : {}),
            ...(server.backendCa ? { ca: ref('backend-ca', 'caBundle') } : {}),
            ...(server.servername !== undefined ? { servername: server.servername } : {}),
            ...(server.pinnedSpkiSha256 !== undefined
              ? { pinnedSpkiSha256: copied(server.pinnedSpkiSha256) }
              : {}),
          }
        : undefined;
    return {
      security,
      ...(backendTls ? { backendTls } : {}),
      ...(this.trusted
        ? {
            trustedSources: {
              cidrs: copied(this.trusted.cidrs),
              ...(this.trusted.trustedHops !== undefined ? { trustedHops: this.trusted.trustedHops } : {}),
            },
          }
        : {}),
    };
  }
}

/** The backend certificate's checks of `withMutualTls` props that are given. */
function definedOnly(m: BackendMutualTlsProps | undefined): BackendTlsProps {
  if (!m) return {};
  return {
    ...(m.backendCa !== undefined ? { backendCa: m.backendCa } : {}),
    ...(m.servername !== undefined ? { servername: m.servername } : {}),
    ...(m.pinnedSpkiSha256 !== undefined ? { pinnedSpkiSha256: m.pinnedSpkiSha256 } : {}),
  };
}

/** A backend certificate's check given to both `withMutualTls` and `withBackendTls`: which one holds is unclear. */
function backendTlsConflicts(
  mtls: BackendMutualTlsProps | undefined,
  server: BackendTlsProps | undefined,
): Problem[] {
  if (!mtls || !server) return [];
  return (['backendCa', 'servername', 'pinnedSpkiSha256'] as const)
    .filter((prop) => mtls[prop] !== undefined && server[prop] !== undefined)
    .map((prop) => ({
      prop,
      message: 'is given to both withMutualTls and withBackendTls: give it once',
      secret: prop === 'backendCa',
    }));
}

/**
 * A copy of a list prop; a value that is not an array (from JavaScript) is kept as it is, for the runtime's
 * validator to report, instead of a TypeError.
 */
function copied<T>(list: T[]): T[] {
  return Array.isArray(list) ? [...list] : list;
}

/**
 * What the handoff tells the customer about the client authentication (the client registration): the
 * assertion's key id, algorithm and audience and, from `publicKey`, the JWKS to register; which certificate
 * authenticates a TLS method. No secret values.
 */
function oauth2ClientAuthDescription(
  props: OAuth2ClientCredentialsProps,
  hasMutualTls: boolean,
): Record<string, string> {
  const method = props.authMethod ?? 'client_secret_basic';
  const out: Record<string, string> = {};
  const jwt = props.privateKeyJwt;
  if (method === 'private_key_jwt' && typeof jwt === 'object' && jwt !== null) {
    out.assertionKeyId = String(jwt.keyId);
    out.assertionAlgorithm = jwt.algorithm ?? 'ES256';
    out.assertionAudience = jwt.audience ?? props.tokenUrl;
    const jwks = clientJwksOf(jwt);
    if (jwks) out.clientJwks = JSON.stringify(jwks);
  }
  if (props.tokenEndpointClientCertificate !== undefined) {
    out.tokenEndpointCertificate = 'secret token-endpoint-certificate';
  } else if ((method === 'tls_client_auth' || method === 'self_signed_tls_client_auth') && hasMutualTls) {
    out.tokenEndpointCertificate = 'secret client-certificate (the backend mutual-TLS certificate)';
  }
  return out;
}

/** `BackendSecurity.messageSignature`'s algorithm when none is given. */
export const DEFAULT_MESSAGE_SIGNATURE_ALGORITHM: MessageSignatureAlgorithm = 'ed25519';

/** The default covered components, as the handoff states them. */
export const DEFAULT_MESSAGE_SIGNATURE_COMPONENTS =
  '@method @authority @path, then @query when the URL has a query, content-digest when there is a body, content-type when the request has one';

/**
 * What the handoff tells the customer about a message-signature scheme: everything a verifier needs (no
 * secret), and the JWKS when `publicKey` was given and is sound.
 */
function messageSignatureDescription(props: MessageSignatureProps): Record<string, string> {
  const algorithm = props.algorithm ?? DEFAULT_MESSAGE_SIGNATURE_ALGORITHM;
  const jwks = publicKeyJwks(props.publicKey, props.keyId, algorithm);
  return {
    scheme: MESSAGE_SIGNATURE_SCHEME,
    keyId: String(props.keyId),
    algorithm,
    label: 'sig1',
    components: Array.isArray(props.components)
      ? props.components.join(' ')
      : DEFAULT_MESSAGE_SIGNATURE_COMPONENTS,
    contentDigest: props.contentDigest ?? 'sha-256',
    validitySeconds: String(props.validitySeconds ?? 300),
    nonce: props.nonce === true ? 'yes' : 'no',
    ...(props.tag !== undefined ? { tag: String(props.tag) } : {}),
    ...(jwks !== undefined ? { jwks } : {}),
  };
}

/** The handoff's name of the message-signature scheme (lib/handoff/render.ts renders it). */
export const MESSAGE_SIGNATURE_SCHEME = 'HTTP Message Signatures (RFC 9421)';
