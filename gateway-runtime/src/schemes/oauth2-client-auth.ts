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
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import type { SecretRef } from '../config/types';
import { ConfigError, CredentialsUnavailableError } from '../core/errors';
import { loadPrivateKey, parseCertificates } from '../io/tls';
import { describeSecretRef } from '../secrets/describe';
import type { SchemeContext } from './types';

export const CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const;
export type ClientAuthMethodName = (typeof CLIENT_AUTH_METHODS)[number];

/** JWS algorithms for `private_key_jwt` (RFC 7518 §3; EdDSA with an Ed25519 key, RFC 8037). */
export const CLIENT_ASSERTION_ALGORITHMS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;
export type ClientAssertionAlgorithm = (typeof CLIENT_ASSERTION_ALGORITHMS)[number];

export const DEFAULT_CLIENT_AUTH_METHOD: ClientAuthMethodName = 'client_secret_basic';
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 60;
export const MIN_ASSERTION_LIFETIME_SECONDS = 5;
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
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
  readonly connect: { readonly cert: string; readonly key: string; readonly passphrase?: string };
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
  readonly tls?: TokenEndpointClientTls;
}

/** A configured method, checked once: hand it to `clientAuthentication` for every token request. */
export interface ClientAuthMethod {
  readonly name: ClientAuthMethodName;
  /** @internal what `clientAuthentication` calls */
  readonly authenticate: () => Promise<TokenRequestAuthentication>;
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 §2.3.1, Appendix B), as oauth2.ts. */
const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);

/** RFC 6749 Appendix A.1: a client id is VSCHAR (printable ASCII). */
const VSCHAR = /^[\x20-\x7e]+$/;
const KEY_ID = /^[\x21-\x7e]{1,256}$/;

/** The token request's client authentication: headers, form parameters and the connection's client certificate. */
export function clientAuthentication(method: ClientAuthMethod): Promise<TokenRequestAuthentication> {
  return method.authenticate();
}

/**
 * Checks the configuration once (throws ConfigError naming every bad field under `path`) and returns the
 * method. Secrets are read later, on the first token request, and re-read (the key re-parsed) only when
 * their version changes.
 */
export function createClientAuthMethod(
  config: OAuth2ClientAuthConfig,
  ctx: SchemeContext,
  path = 'security',
): ClientAuthMethod {
  const name = config.authMethod ?? DEFAULT_CLIENT_AUTH_METHOD;
  checkClientAuthConfig(config, path);
  const now = ctx.now ?? Date.now;
  const clientId = config.clientId;

  const common: [string, string][] = [];
  if (config.audience !== undefined) common.push(['audience', config.audience]);
  for (const resource of config.resource ?? []) common.push(['resource', resource]);

  const certificate = config.clientCertificate;
  let clientTls: TokenEndpointClientTls | undefined;
  const connectionTls = async (): Promise<TokenEndpointClientTls | undefined> => {
    if (!certificate) return undefined;
    const [cert, key, passphrase] = await Promise.all([
      ctx.secrets.resolve(certificate.cert),
      ctx.secrets.resolve(certificate.key),
      certificate.passphrase ? ctx.secrets.resolve(certificate.passphrase) : undefined,
    ]);
    const identity = `cert=${cert.version};key=${key.version};passphrase=${passphrase?.version ?? '-'}`;
    if (clientTls?.identity !== identity) {
      clientTls = loadClientCertificate(certificate, identity, cert.value, key.value, passphrase?.value);
    }
    if (Date.parse(clientTls.certificate.validTo) <= now()) {
      throw new CredentialsUnavailableError(
        `the token endpoint's client certificate ${describeSecretRef(certificate.cert)} expired at ${clientTls.certificate.validTo}`,
        { secret: describeSecretRef(certificate.cert), reason: 'CERTIFICATE_EXPIRED' },
      );
    }
    return clientTls;
  };
  const result = (
    headers: Record<string, string>,
    params: [string, string][],
    tls: TokenEndpointClientTls | undefined,
  ): TokenRequestAuthentication => ({ headers, params: [...params, ...common], ...(tls ? { tls } : {}) });

  let authenticate: () => Promise<TokenRequestAuthentication>;
  if (name === 'client_secret_basic' || name === 'client_secret_post') {
    const secretRef = config.clientSecret!;
    const basicPrefix = `${formEncode(clientId)}:`;
    authenticate = async () => {
      const [secret, tls] = await Promise.all([ctx.secrets.resolve(secretRef), connectionTls()]);
      return name === 'client_secret_basic'
        ? result(
            {
              authorization: `Basic ${Buffer.from(basicPrefix + formEncode(secret.value)).toString('base64')}`,
            },
            [],
            tls,
          )
        : result(
            {},
            [
              ['client_id', clientId],
              ['client_secret', secret.value],
            ],
            tls,
          );
    };
  } else if (name === 'private_key_jwt') {
    const assertion = clientAssertionSigner(config, ctx, now);
    authenticate = async () => {
      const [jwt, tls] = await Promise.all([assertion(), connectionTls()]);
      return result(
        {},
        [
          ['client_id', clientId],
          ['client_assertion_type', JWT_BEARER_ASSERTION_TYPE],
          ['client_assertion', jwt],
        ],
        tls,
      );
    };
  } else {
    authenticate = async () => result({}, [['client_id', clientId]], await connectionTls());
  }
  return { name, authenticate };
}

/** Every problem of the configuration, or nothing; `createClientAuthMethod` throws them as one ConfigError. */
export function clientAuthConfigProblems(
  config: OAuth2ClientAuthConfig,
  path = 'security',
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const problem = (field: string, message: string) => problems.push({ path: `${path}.${field}`, message });
  const name = config.authMethod ?? DEFAULT_CLIENT_AUTH_METHOD;
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(name)) {
    problem('authMethod', `${JSON.stringify(name)} is not one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    return problems;
  }
  if (typeof config.clientId !== 'string' || !VSCHAR.test(config.clientId)) {
    problem('clientId', 'must be a non-empty string of printable ASCII characters (RFC 6749 Appendix A.1)');
  }
  const usesSecret = name === 'client_secret_basic' || name === 'client_secret_post';
  if (usesSecret && !config.clientSecret) problem('clientSecret', `is required with authMethod "${name}"`);
  if (!usesSecret && config.clientSecret) {
    problem('clientSecret', `is not sent with authMethod "${name}" (no shared secret): remove it`);
  }
  const jwt = config.privateKeyJwt;
  if (name === 'private_key_jwt' && !jwt)
    problem('privateKeyJwt', 'is required with authMethod "private_key_jwt"');
  if (name !== 'private_key_jwt' && jwt) {
    problem('privateKeyJwt', `is not used with authMethod "${name}": remove it`);
  }
  if (name === 'private_key_jwt' && jwt) {
    if (!(CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(jwt.algorithm)) {
      problem(
        'privateKeyJwt.algorithm',
        `${JSON.stringify(jwt.algorithm)} is not one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`,
      );
    }
    if (jwt.keyId !== undefined && (typeof jwt.keyId !== 'string' || !KEY_ID.test(jwt.keyId))) {
      problem('privateKeyJwt.keyId', 'must be 1 to 256 printable ASCII characters without spaces');
    }
    const lifetime = jwt.lifetimeSeconds;
    if (
      lifetime !== undefined &&
      (!Number.isInteger(lifetime) ||
        lifetime < MIN_ASSERTION_LIFETIME_SECONDS ||
        lifetime > MAX_ASSERTION_LIFETIME_SECONDS)
    ) {
      problem(
        'privateKeyJwt.lifetimeSeconds',
        `${JSON.stringify(lifetime)} is not an integer from ${MIN_ASSERTION_LIFETIME_SECONDS} to ${MAX_ASSERTION_LIFETIME_SECONDS}`,
      );
    }
    if (jwt.assertionAudience !== undefined && !absoluteUri(jwt.assertionAudience)) {
      problem(
        'privateKeyJwt.assertionAudience',
        `${JSON.stringify(jwt.assertionAudience)} is not an absolute URI (the issuer identifier)`,
      );
    }
  }
  if ((name === 'tls_client_auth' || name === 'self_signed_tls_client_auth') && !config.clientCertificate) {
    problem('clientCertificate', `is required with authMethod "${name}" (RFC 8705)`);
  }
  if (config.audience !== undefined && (typeof config.audience !== 'string' || config.audience === '')) {
    problem('audience', 'must be a non-empty string');
  }
  if (config.resource !== undefined) {
    if (!Array.isArray(config.resource) || config.resource.length === 0) {
      problem('resource', 'must be a non-empty list of absolute URIs');
    } else {
      config.resource.forEach((resource, i) => {
        if (!absoluteUri(resource) || resource.includes('#')) {
          problem(
            `resource[${i}]`,
            `${JSON.stringify(resource)} is not an absolute URI without a fragment (RFC 8707 §2)`,
          );
        } else if (config.resource!.indexOf(resource) !== i) {
          problem(`resource[${i}]`, `${JSON.stringify(resource)} is listed twice`);
        }
      });
    }
  }
  return problems;
}

function checkClientAuthConfig(config: OAuth2ClientAuthConfig, path: string): void {
  const problems = clientAuthConfigProblems(config, path);
  if (problems.length > 0) throw new ConfigError(problems);
}

const absoluteUri = (value: unknown): boolean =>
  typeof value === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value) && URL.canParse(value);

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

/** Parses the private key and checks that it suits the algorithm; messages name the reference, never the key. */
function assertionKey(
  pem: string,
  passphrase: string | undefined,
  algorithm: ClientAssertionAlgorithm,
  ref: SecretRef | undefined,
  passphraseRef: SecretRef | undefined,
): KeyObject {
  const secret = ref ? describeSecretRef(ref) : 'given';
  const keyName = `private_key_jwt key ${secret}`;
  const key = loadPrivateKey(pem, passphrase, keyName, passphraseRef);
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const wrong = (rule: string, reason: string): never => {
    throw new CredentialsUnavailableError(`${keyName} is ${rule}`, { secret, reason });
  };
  switch (algorithm) {
    case 'ES256':
      if (type !== 'ec' || details.namedCurve !== 'prime256v1') {
        wrong(`a ${describeKey(key)} key, but ES256 needs an EC P-256 key`, 'KEY_TYPE');
      }
      break;
    case 'EdDSA':
      if (type !== 'ed25519') wrong(`a ${describeKey(key)} key, but EdDSA needs an Ed25519 key`, 'KEY_TYPE');
      break;
    default:
      if (type !== 'rsa') {
        wrong(`a ${describeKey(key)} key, but ${algorithm} needs an RSA key`, 'KEY_TYPE');
      }
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        wrong(
          `a ${details.modulusLength}-bit RSA key, below the ${MIN_RSA_BITS} bits RFC 7518 requires`,
          'KEY_SIZE',
        );
      }
  }
  return key;
}

const describeKey = (key: KeyObject): string =>
  key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : `${key.asymmetricKeyType}`;

/** RFC 7638 members of each key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The public JWK of a private key (no private member). */
function publicJwk(key: KeyObject): Record<string, string> {
  return createPublicKey(key).export({ format: 'jwk' }) as Record<string, string>;
}

/** RFC 7638 JWK SHA-256 thumbprint (base64url) of a key's public part. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = publicJwk(key);
  const members = THUMBPRINT_MEMBERS[jwk.kty];
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The public JWK the authorization server must register for a `private_key_jwt` client (its `jwks`):
 * the key's public members with `kid` (the configured one, else the thumbprint), `alg` and `use: "sig"`.
 * Throws CredentialsUnavailableError when the key does not suit the algorithm.
 */
export function clientAssertionJwk(
  privateKeyPem: string,
  algorithm: ClientAssertionAlgorithm,
  keyId?: string,
  passphrase?: string,
): Record<string, string> {
  const key = assertionKey(privateKeyPem, passphrase, algorithm, undefined, undefined);
  return { ...publicJwk(key), kid: keyId ?? jwkThumbprint(key), alg: algorithm, use: 'sig' };
}

/** Checks the client certificate and key (both parse, they belong together) once per version. */
function loadClientCertificate(
  refs: ClientCertificateOptions,
  identity: string,
  cert: string,
  key: string,
  passphrase: string | undefined,
): TokenEndpointClientTls {
  const certName = `the token endpoint's client certificate ${describeSecretRef(refs.cert)}`;
  let leaf: X509Certificate | undefined;
  try {
    [leaf] = parseCertificates(cert);
  } catch {
    leaf = undefined;
  }
  if (!leaf) {
    throw new CredentialsUnavailableError(`${certName} is not a PEM certificate`, {
      secret: describeSecretRef(refs.cert),
      reason: 'NOT_PEM',
    });
  }
  const keyName = `its key ${describeSecretRef(refs.key)}`;
  const privateKey = loadPrivateKey(key, passphrase, keyName, refs.passphrase);
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new CredentialsUnavailableError(`${certName} does not match ${keyName}`, {
      secret: describeSecretRef(refs.key),
      reason: 'KEY_MISMATCH',
    });
  }
  return {
    identity,
    connect: { cert, key, ...(passphrase !== undefined ? { passphrase } : {}) },
    certificate: leaf,
    thumbprint: createHash('sha256').update(leaf.raw).digest('base64url'),
  };
}
