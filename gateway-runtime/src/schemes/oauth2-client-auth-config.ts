/**
 * What the OAuth 2.0 client authentication's configuration must hold, checked once where the
 * configuration is validated (every problem of the section at once, each naming its field, the value
 * and the rule), and the public JWK a `private_key_jwt` client registers (for the handoff). Apart from
 * oauth2-client-auth.ts so that the token request's code carries none of it.
 */
import {
  assertionKey,
  CLIENT_ASSERTION_ALGORITHMS,
  CLIENT_AUTH_METHODS,
  DEFAULT_CLIENT_AUTH_METHOD,
  jwkThumbprint,
  MAX_ASSERTION_LIFETIME_SECONDS,
  MIN_ASSERTION_LIFETIME_SECONDS,
  publicJwk,
  type ClientAssertionAlgorithm,
  type OAuth2ClientAuthConfig,
} from './oauth2-client-auth';

/** RFC 6749 Appendix A.1: a client id is VSCHAR (printable ASCII). */
const VSCHAR = /^[\x20-\x7e]+$/;
const KEY_ID = /^[\x21-\x7e]{1,256}$/;

const absoluteUri = (value: unknown): boolean =>
  typeof value === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value) && URL.canParse(value);

/** Every problem of the client authentication fields of the section at `path`, or none. */
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
    problem('clientCertificate', `is required with authMethod "${name}"`);
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

/**
 * The public JWK the authorization server must register for a `private_key_jwt` client (its `jwks`):
 * the key's public members with `kid` (the configured one, else the RFC 7638 thumbprint the gateway
 * sends), `alg` and `use: "sig"`. Throws CredentialsUnavailableError when the key does not suit the
 * algorithm.
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
