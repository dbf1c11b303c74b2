/**
 * OAuth 2.0 client authentication at the token endpoint (client credentials grant), one method chosen
 * explicitly and never probed (a probe costs a failing token request, and a failed login may lock the
 * client):
 *
 * - `client_secret_basic` (RFC 6749 §2.3.1, the default and today's behaviour): `Authorization: Basic`
 *   over the form-urlencoded client id and secret.
 * - `client_secret_post`: `client_id` and `client_secret` in the form.
 * - `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): a JWT signed with the client's private key
 *   (ES256, PS256, RS256 or EdDSA with Ed25519), `iss` = `sub` = the client id, `aud` the token URL (or a
 *   configured issuer), a random 128-bit `jti`, `iat` and a short `exp`; a fresh assertion for every token
 *   request, so a retry never replays one. The key is parsed once per secret version.
 * - `tls_client_auth` / `self_signed_tls_client_auth` (RFC 8705 §2): no secret in the request, only
 *   `client_id`; the client certificate and key go on the token endpoint's TLS connection.
 *
 * A client certificate may also be given with the other methods: the token endpoint then sees it on the
 * connection and may bind the token to it (RFC 8705 §3, `cnf` `x5t#S256`).
 *
 * The `audience` parameter and RFC 8707 `resource` indicators (which may repeat) are added as well.
 *
 * The OAuth 2.0 scheme (oauth2.ts) makes one `ClientAuthMethod` with `createClientAuthMethod` and calls
 * `clientAuthentication(method)` for every token request. Secrets are read by reference through the
 * SecretResolver; no secret, key or assertion ever appears in an error message.
 */
import {
  constants,
  createHash,
  createPublicKey,
  randomBytes,
  sign,
  type KeyObject,
  type X509Certificate,
} from 'node:crypto';
import { CLIENT_AUTH_METHODS, PRIVATE_KEY_JWT, SCHEMES } from '../config/definition';
import type { SecretRef } from '../config/types';
import { ConfigError, CredentialsUnavailableError } from '../core/errors';
import { buildTlsMaterial, loadPrivateKey, resolveTlsSecrets } from '../io/tls';
import { describeSecretRef } from '../secrets/describe';
import type { SchemeContext } from './types';

// The methods, algorithms, default and bounds are the configuration's (definition.ts), defined once.
export { CLIENT_AUTH_METHODS };
export type ClientAuthMethodName = (typeof CLIENT_AUTH_METHODS)[number];

/** JWS algorithms for `private_key_jwt` (RFC 7518 §3; EdDSA with an Ed25519 key, RFC 8037). */
export const CLIENT_ASSERTION_ALGORITHMS = PRIVATE_KEY_JWT.algorithm.values;
export type ClientAssertionAlgorithm = (typeof CLIENT_ASSERTION_ALGORITHMS)[number];

export const DEFAULT_CLIENT_AUTH_METHOD: ClientAuthMethodName =
  SCHEMES['oauth2-client-credentials'].authMethod.default;
export const DEFAULT_ASSERTION_LIFETIME_SECONDS: number = PRIVATE_KEY_JWT.lifetimeSeconds.default;
export const MIN_ASSERTION_LIFETIME_SECONDS = PRIVATE_KEY_JWT.lifetimeSeconds.min;
export const MAX_ASSERTION_LIFETIME_SECONDS: number = PRIVATE_KEY_JWT.lifetimeSeconds.max!;
/** The smallest RSA key accepted for PS256 and RS256 (RFC 7518 §3.3). */
export const MIN_RSA_BITS = 2048;
/** RFC 7523 §2.2. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/**
 * Token request parameters this module sets: `extraParams` must not name them (nor `grant_type` and
 * `scope`, which the scheme sets), or the request would carry two values the server may refuse.
 */
export const CLIENT_AUTH_PARAMS = [
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'audience',
  'resource',
] as const;

/** `private_key_jwt`: the signing key and the assertion's shape. */
export interface PrivateKeyJwtOptions {
  /** The private key (PEM: PKCS#8, or PKCS#1 / SEC1) whose public key the client registered (its JWKS). */
  readonly key: SecretRef;
  /** The key's passphrase, when the PEM is encrypted. @default - the key is not encrypted */
  readonly passphrase?: SecretRef;
  /** ES256 needs a P-256 key, PS256 and RS256 an RSA key of at least 2048 bits, EdDSA an Ed25519 key. */
  readonly algorithm: ClientAssertionAlgorithm;
  /**
   * The JWS `kid` header: the key's id in the client's registered JWKS.
   * @default - the key's RFC 7638 JWK SHA-256 thumbprint (what `clientAssertionJwk` publishes)
   */
  readonly keyId?: string;
  /**
   * The assertion's `aud`: the authorization server's issuer identifier, for servers that want it
   * instead of the token endpoint's URL.
   * @default - the token URL, exactly as configured
   */
  readonly assertionAudience?: string;
  /** Seconds from `iat` to `exp`. @default 60 (DEFAULT_ASSERTION_LIFETIME_SECONDS), 5 to 300 */
  readonly lifetimeSeconds?: number;
}

/** A client certificate (PEM, with its chain), its key (PEM) and the key's optional passphrase. */
export interface ClientCertificateOptions {
  readonly cert: SecretRef;
  readonly key: SecretRef;
  readonly passphrase?: SecretRef;
}

/** How the client authenticates at the token endpoint: the fields of the `security` section. */
export interface OAuth2ClientAuthConfig {
  readonly tokenUrl: string;
  readonly clientId: string;
  /** @default "client_secret_basic" */
  readonly authMethod?: ClientAuthMethodName;
  /** Required by `client_secret_basic` and `client_secret_post`, refused by the other methods. */
  readonly clientSecret?: SecretRef;
  /** Required by `private_key_jwt`, refused by the other methods. */
  readonly privateKeyJwt?: PrivateKeyJwtOptions;
  /**
   * The certificate presented on the token endpoint's connection. Required by `tls_client_auth` and
   * `self_signed_tls_client_auth`; with another method it lets the server bind tokens to it (RFC 8705 §3).
   * @default - no client certificate towards the token endpoint
   */
  readonly clientCertificate?: ClientCertificateOptions;
  /** The `audience` parameter (Auth0, Okta, Entra-style servers). @default - not sent */
  readonly audience?: string;
  /** RFC 8707 resource indicators: absolute URIs without a fragment, one `resource` parameter each. @default - not sent */
  readonly resource?: readonly string[];
}

/** The client certificate for the token endpoint's connection. */
export interface TokenEndpointClientTls {
  /** The versions of certificate, key and passphrase: a change (rotation) needs a new connection pool. */
  readonly identity: string;
  /** Options for the connection (undici's `connect`, Node's `tls.connect`): PEM certificate, key, passphrase. */
  readonly connect: { readonly cert: string; readonly key: string; readonly passphrase: string | undefined };
  /** The leaf certificate. */
  readonly certificate: X509Certificate;
  /** base64url SHA-256 of the leaf's DER: the `x5t#S256` of tokens bound to it (RFC 8705 §3.1). */
  readonly thumbprint: string;
}

/** What one token request carries for client authentication. */
export interface TokenRequestAuthentication {
  /** Headers to add (lower-case names), e.g. `authorization` for `client_secret_basic`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Form parameters to append, in order; `resource` may repeat. */
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** The client certificate for the token endpoint's connection, when one is configured. */
  readonly tls: TokenEndpointClientTls | undefined;
}

/** A configured method, checked once: hand it to `clientAuthentication` for every token request. */
export interface ClientAuthMethod {
  readonly name: ClientAuthMethodName;
  /** @internal what `clientAuthentication` calls */
  readonly authenticate: () => Promise<TokenRequestAuthentication>;
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 §2.3.1, Appendix B), as oauth2.ts. */
const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);

/** The token request's client authentication: headers, form parameters and the connection's client certificate. */
export function clientAuthentication(method: ClientAuthMethod): Promise<TokenRequestAuthentication> {
  return method.authenticate();
}

/** The field each method needs. */
const REQUIRED: Readonly<Record<ClientAuthMethodName, keyof OAuth2ClientAuthConfig>> = {
  client_secret_basic: 'clientSecret',
  client_secret_post: 'clientSecret',
  private_key_jwt: 'privateKeyJwt',
  tls_client_auth: 'clientCertificate',
  self_signed_tls_client_auth: 'clientCertificate',
};

/**
 * The method, for `clientAuthentication`. The configuration is validated once, before (the whole
 * section, by the runtime's validator, config/validate.ts); this only refuses an unknown
 * method or a missing field it needs (ConfigError). Secrets are read on the first token request, and
 * re-read (the key re-parsed) only when their version changes.
 */
export function createClientAuthMethod(
  config: OAuth2ClientAuthConfig,
  ctx: SchemeContext,
  path = 'security',
): ClientAuthMethod {
  const name = config.authMethod ?? DEFAULT_CLIENT_AUTH_METHOD;
  // An unknown name (even "constructor") finds no field the configuration has.
  const field = REQUIRED[name] as keyof OAuth2ClientAuthConfig | undefined;
  if (!config[field!]) {
    throw new ConfigError([
      field
        ? { path: `${path}.${field}`, message: `is required with authMethod "${name}"` }
        : { path: `${path}.authMethod`, message: `"${name}" is not supported` },
    ]);
  }
  const now = ctx.now ?? Date.now;
  const clientId = config.clientId;

  const common: [string, string][] = [];
  if (config.audience !== undefined) common.push(['audience', config.audience]);
  for (const resource of config.resource ?? []) common.push(['resource', resource]);

  const certificate = config.clientCertificate;
  const tlsConfig = { clientCertificate: certificate };
  let clientTls: TokenEndpointClientTls | undefined;
  const connectionTls = async (): Promise<TokenEndpointClientTls | undefined> => {
    if (!certificate) return undefined;
    const resolved = await resolveTlsSecrets(tlsConfig, ctx.secrets);
    if (clientTls?.identity !== resolved.identity) {
      // The backend's checks (both parse, they belong together; errors name the references): once per version.
      const leaf = buildTlsMaterial(tlsConfig, resolved).clientCertificate!;
      const { cert, key, passphrase } = resolved.values;
      clientTls = {
        identity: resolved.identity,
        connect: { cert: cert!, key: key!, passphrase },
        certificate: leaf,
        thumbprint: createHash('sha256').update(leaf.raw).digest('base64url'),
      };
    }
    return clientTls;
  };
  const secretRef = field === 'clientSecret' ? config.clientSecret : undefined;
  const assertion = name === 'private_key_jwt' ? clientAssertionSigner(config, ctx, now) : undefined;
  const basicPrefix = `${formEncode(clientId)}:`;
  const authenticate = async (): Promise<TokenRequestAuthentication> => {
    const [secret, jwt, tls] = await Promise.all([
      secretRef && ctx.secrets.resolve(secretRef),
      assertion?.(),
      connectionTls(),
    ]);
    const headers: Record<string, string> = {};
    const params: [string, string][] = [];
    if (name === 'client_secret_basic') {
      headers.authorization = `Basic ${Buffer.from(basicPrefix + formEncode(secret!.value)).toString('base64')}`;
    } else {
      params.push(['client_id', clientId]);
    }
    if (name === 'client_secret_post') params.push(['client_secret', secret!.value]);
    if (jwt) params.push(['client_assertion_type', JWT_BEARER_ASSERTION_TYPE], ['client_assertion', jwt]);
    return { headers, params: [...params, ...common], tls };
  };
  return { name, authenticate };
}

/** The signing key as parsed once per secret version, with the JWS header that goes with it. */
interface AssertionKey {
  readonly version: string;
  readonly key: KeyObject;
  /** base64url of the JWS header, and the dot. */
  readonly headerDot: string;
}

/** Returns a function that makes a fresh signed client assertion (compact JWS) on every call. */
function clientAssertionSigner(
  config: OAuth2ClientAuthConfig,
  ctx: SchemeContext,
  now: () => number,
): () => Promise<string> {
  const options = config.privateKeyJwt!;
  const { algorithm } = options;
  const lifetime = options.lifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
  const id = JSON.stringify(config.clientId);
  const claimsPrefix = `{"iss":${id},"sub":${id},"aud":${JSON.stringify(options.assertionAudience ?? config.tokenUrl)},"jti":"`;
  const hash = algorithm === 'EdDSA' ? null : 'sha256';
  let parsed: AssertionKey | undefined;

  return async () => {
    const [pem, passphrase] = await Promise.all([
      ctx.secrets.resolve(options.key),
      options.passphrase ? ctx.secrets.resolve(options.passphrase) : undefined,
    ]);
    const version = `${pem.version};${passphrase?.version ?? '-'}`;
    if (parsed?.version !== version) {
      const key = assertionKey(pem.value, passphrase?.value, algorithm, options.key, options.passphrase);
      const kid = options.keyId ?? jwkThumbprint(key);
      const header = JSON.stringify({ alg: algorithm, kid });
      parsed = { version, key, headerDot: `${Buffer.from(header).toString('base64url')}.` };
    }
    const iat = Math.floor(now() / 1000);
    const claims = `${claimsPrefix}${randomBytes(16).toString('base64url')}","iat":${iat},"exp":${iat + lifetime}}`;
    const input = parsed.headerDot + Buffer.from(claims).toString('base64url');
    const signature = sign(
      hash,
      Buffer.from(input),
      algorithm === 'ES256'
        ? { key: parsed.key, dsaEncoding: 'ieee-p1363' }
        : algorithm === 'PS256'
          ? {
              key: parsed.key,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            }
          : parsed.key,
    );
    return `${input}.${signature.toString('base64url')}`;
  };
}

/**
 * Parses the private key and checks that it suits the algorithm (CredentialsUnavailableError `KEY_TYPE`
 * otherwise); messages name the reference, never the key.
 */
export function assertionKey(
  pem: string,
  passphrase: string | undefined,
  algorithm: ClientAssertionAlgorithm,
  ref: SecretRef | undefined,
  passphraseRef: SecretRef | undefined,
): KeyObject {
  const secret = ref ? describeSecretRef(ref) : 'given';
  const keyName = `private_key_jwt key ${secret}`;
  const key = loadPrivateKey(pem, passphrase, keyName, passphraseRef);
  const { asymmetricKeyType: type, asymmetricKeyDetails: details = {} } = key;
  if (
    algorithm === 'ES256'
      ? type !== 'ec' || details.namedCurve !== 'prime256v1'
      : algorithm === 'EdDSA'
        ? type !== 'ed25519'
        : type !== 'rsa' || details.modulusLength! < MIN_RSA_BITS
  ) {
    const needs =
      algorithm === 'ES256'
        ? 'EC P-256'
        : algorithm === 'EdDSA'
          ? 'Ed25519'
          : `RSA of ${MIN_RSA_BITS} bits or more`;
    throw new CredentialsUnavailableError(
      `${keyName} (${`${type} ${details.namedCurve ?? details.modulusLength ?? ''}`.trim()}) does not suit ${algorithm}, which needs ${needs}`,
      { secret, reason: 'KEY_TYPE' },
    );
  }
  return key;
}

/** The public JWK of a private key (no private member): the members its thumbprint covers. */
function publicJwk(key: KeyObject): Record<string, string> {
  return createPublicKey(key).export({ format: 'jwk' }) as Record<string, string>;
}

/**
 * RFC 7638 JWK SHA-256 thumbprint (base64url) of a key's public part. Node exports exactly the required
 * members of a public EC, RSA or OKP key (`crv kty x y`, `e kty n`, `crv kty x`): sorted, they are the
 * canonical JSON.
 */
export function jwkThumbprint(key: KeyObject): string {
  const members = Object.entries(publicJwk(key)).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify(Object.fromEntries(members)))
    .digest('base64url');
}
