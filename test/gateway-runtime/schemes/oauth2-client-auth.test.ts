/**
 * The client authentication core on its own: private_key_jwt assertions verified by `jose` (never used to
 * sign), client_secret_basic/post compared with what oauth2.ts sends today, the mTLS material, the
 * request parameters, and every configuration and key failure.
 */
import * as crypto from 'node:crypto';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import { ConfigError, CredentialsUnavailableError } from '../../../gateway-runtime/src/core/errors';
import {
  clientAuthentication,
  createClientAuthMethod,
  JWT_BEARER_ASSERTION_TYPE,
  jwkThumbprint,
  type ClientAssertionAlgorithm,
  type OAuth2ClientAuthConfig,
} from '../../../gateway-runtime/src/schemes/oauth2-client-auth';
import { publicJwks } from '../../../gateway-runtime/src/schemes/message-signature-jwks';
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { oauth2Scheme } from '../config/support/resolved';
import { ClientPki, createClientPki, hexToBase64url, jose, JsonObject } from './support/client-auth';
import { MapSecrets } from './support/map-secrets';
import * as tls from '../../../gateway-runtime/src/io/tls';

// Count private key parses (node:crypto's own exports can not be spied on): the real function, observed.
jest.mock('../../../gateway-runtime/src/io/tls', () => {
  const actual = jest.requireActual('../../../gateway-runtime/src/io/tls');
  return { ...actual, loadPrivateKey: jest.fn(actual.loadPrivateKey) };
});
const loadPrivateKey = tls.loadPrivateKey as jest.MockedFunction<typeof tls.loadPrivateKey>;

const TOKEN_URL = 'https://login.acme.test/oauth2/token';
const ISSUER = 'https://login.acme.test';
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const REF = {
  secret: { env: 'CLIENT_SECRET' },
  key: { secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:gw-jwt-key' },
  passphrase: { env: 'JWT_KEY_PASSPHRASE' },
  cert: { file: 'client.pem' },
  certKey: { file: 'client.key' },
} satisfies Record<string, SecretRef>;

const KEYS: Record<ClientAssertionAlgorithm, KeyObject> = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  RS256: generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey,
  EdDSA: generateKeyPairSync('ed25519').privateKey,
};
const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = (key: KeyObject) =>
  crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();

/** jose's public JWK of the key, with jose's RFC 7638 thumbprint as kid. */
function joseJwks(key: KeyObject, kid?: string): { keys: JsonObject[] } {
  const answer = jose({ op: 'jwk', publicKeyPem: publicPem(key) });
  return { keys: [{ ...(answer.jwk as JsonObject), kid: kid ?? answer.thumbprint }] };
}
const joseThumbprint = (key: KeyObject) => jose({ op: 'jwk', publicKeyPem: publicPem(key) }).thumbprint;

const jwtConfig = (
  algorithm: ClientAssertionAlgorithm,
  extra: Partial<NonNullable<OAuth2ClientAuthConfig['privateKeyJwt']>> = {},
): OAuth2ClientAuthConfig => ({
  tokenUrl: TOKEN_URL,
  clientId: 'gw-acme',
  authMethod: 'private_key_jwt',
  privateKeyJwt: { key: REF.key, algorithm, ...extra },
});

const assertionOf = (params: ReadonlyArray<readonly [string, string]>) =>
  params.find(([name]) => name === 'client_assertion')![1];
const decode = (jwt: string) => {
  const [header, payload] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
};

let dir: string;
let pki: ClientPki;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oauth-client-auth-unit-'));
  pki = createClientPki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

describe('private_key_jwt assertions, verified by jose', () => {
  test.each(Object.keys(KEYS) as ClientAssertionAlgorithm[])(
    'GIVEN a %s key WHEN authenticating THEN jose verifies the assertion: alg, kid, iss = sub = client_id, aud = token URL, jti, iat, exp',
    async (algorithm) => {
      // GIVEN the client's private key by reference
      const secrets = new MapSecrets().set(REF.key, pem(KEYS[algorithm]));
      const method = createClientAuthMethod(jwtConfig(algorithm), { secrets, now: () => NOW });
      // WHEN a token request is authenticated
      const auth = await clientAuthentication(method);
      // THEN the form carries the client id, the assertion type and the assertion; nothing else, no header
      expect(auth.headers).toEqual({});
      expect(auth.tls).toBeUndefined();
      expect(auth.params.map(([name]) => name)).toEqual([
        'client_id',
        'client_assertion_type',
        'client_assertion',
      ]);
      expect(auth.params.slice(0, 2)).toEqual([
        ['client_id', 'gw-acme'],
        ['client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
      ]);
      // AND jose verifies it with the public key, checking alg, aud, iss, sub and the time claims
      const jwt = assertionOf(auth.params);
      const verified = jose({
        op: 'verify',
        jwt,
        jwks: joseJwks(KEYS[algorithm]),
        options: {
          algorithms: [algorithm],
          audience: TOKEN_URL,
          issuer: 'gw-acme',
          subject: 'gw-acme',
          requiredClaims: ['jti', 'iat', 'exp'],
          currentDate: NOW / 1000,
        },
      });
      expect(verified).toMatchObject({
        ok: true,
        protectedHeader: { alg: algorithm, kid: joseThumbprint(KEYS[algorithm]) },
      });
      const payload = verified.payload as JsonObject;
      expect(payload.iat).toBe(NOW / 1000);
      expect(payload.exp).toBe(NOW / 1000 + 60);
      expect(Buffer.from(payload.jti as string, 'base64url')).toHaveLength(16);
      expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
    },
  );

  test.each([
    ['another audience', { audience: ISSUER }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['another issuer', { issuer: 'gw-other' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['a time after exp', { currentDate: NOW / 1000 + 61 }, 'ERR_JWT_EXPIRED'],
    ['another algorithm', { algorithms: ['RS256'] }, 'ERR_JOSE_ALG_NOT_ALLOWED'],
  ])(
    'fails verification with %s (the verifier checks what the tests rely on)',
    async (_what, options, code) => {
      const secrets = new MapSecrets().set(REF.key, pem(KEYS.ES256));
      const auth = await clientAuthentication(
        createClientAuthMethod(jwtConfig('ES256'), { secrets, now: () => NOW }),
      );
      const verified = jose({
        op: 'verify',
        jwt: assertionOf(auth.params),
        jwks: joseJwks(KEYS.ES256),
        options: {
          algorithms: ['ES256'],
          audience: TOKEN_URL,
          issuer: 'gw-acme',
          currentDate: NOW / 1000,
          ...options,
        },
      });
      expect(verified).toMatchObject({ ok: false, code });
    },
  );

  test('fails verification with another key of the same type', async () => {
    const secrets = new MapSecrets().set(REF.key, pem(KEYS.ES256));
    const auth = await clientAuthentication(
      createClientAuthMethod(jwtConfig('ES256'), { secrets, now: () => NOW }),
    );
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const [kid] = [joseThumbprint(KEYS.ES256)];
    expect(
      jose({
        op: 'verify',
        jwt: assertionOf(auth.params),
        jwks: joseJwks(other, kid as string),
        options: { currentDate: NOW / 1000 },
      }),
    ).toMatchObject({ ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  test('GIVEN a key id, an issuer audience and a lifetime WHEN authenticating THEN the assertion carries them', async () => {
    const secrets = new MapSecrets().set(REF.key, pem(KEYS.EdDSA));
    const method = createClientAuthMethod(
      jwtConfig('EdDSA', { keyId: 'gw-2026-12', assertionAudience: ISSUER, lifetimeSeconds: 120 }),
      { secrets, now: () => NOW },
    );
    const jwt = assertionOf((await clientAuthentication(method)).params);
    const verified = jose({
      op: 'verify',
      jwt,
      jwks: joseJwks(KEYS.EdDSA, 'gw-2026-12'),
      options: { algorithms: ['EdDSA'], audience: ISSUER, issuer: 'gw-acme', currentDate: NOW / 1000 },
    });
    expect(verified).toMatchObject({ ok: true, protectedHeader: { alg: 'EdDSA', kid: 'gw-2026-12' } });
    expect((verified.payload as JsonObject).exp).toBe(NOW / 1000 + 120);
  });

  test('GIVEN three token requests WHEN authenticating each THEN every assertion is new and the key is parsed once', async () => {
    // GIVEN a method, and a count of private key parses
    loadPrivateKey.mockClear();
    const parse = loadPrivateKey;
    const secrets = new MapSecrets().set(REF.key, pem(KEYS.PS256));
    const method = createClientAuthMethod(jwtConfig('PS256'), { secrets, now: () => NOW });
    // WHEN three token requests are authenticated (the same second)
    const jwts = [];
    for (let i = 0; i < 3; i += 1) jwts.push(assertionOf((await clientAuthentication(method)).params));
    // THEN three different assertions (different jti) from one parse of the key
    expect(new Set(jwts).size).toBe(3);
    expect(new Set(jwts.map((jwt) => decode(jwt).payload.jti)).size).toBe(3);
    expect(parse).toHaveBeenCalledTimes(1);
    // AND a rotated key (a new secret version) is parsed once more, and its thumbprint is the new kid
    const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    secrets.set(REF.key, pem(rotated));
    const jwt = assertionOf((await clientAuthentication(method)).params);
    expect(parse).toHaveBeenCalledTimes(2);
    expect(decode(jwt).header.kid).toBe(joseThumbprint(rotated));
    expect(
      jose({ op: 'verify', jwt, jwks: joseJwks(rotated), options: { currentDate: NOW / 1000 } }).ok,
    ).toBe(true);
  });

  test('GIVEN an encrypted key and its passphrase WHEN authenticating THEN the assertion verifies', async () => {
    const encrypted = KEYS.ES256.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'key passphrase',
    }).toString();
    const secrets = new MapSecrets().set(REF.key, encrypted).set(REF.passphrase, 'key passphrase');
    const method = createClientAuthMethod(jwtConfig('ES256', { passphrase: REF.passphrase }), {
      secrets,
      now: () => NOW,
    });
    const jwt = assertionOf((await clientAuthentication(method)).params);
    expect(
      jose({ op: 'verify', jwt, jwks: joseJwks(KEYS.ES256), options: { currentDate: NOW / 1000 } }).ok,
    ).toBe(true);
  });

  test.each(Object.keys(KEYS) as ClientAssertionAlgorithm[])(
    'GIVEN a %s key WHEN publishing its JWK (the handoff, backend-link jwks) THEN it is the public JWK jose exports, and the default kid is the thumbprint jose computes',
    (algorithm) => {
      const key = crypto.createPrivateKey(pem(KEYS[algorithm]));
      const expected = jose({ op: 'jwk', publicKeyPem: publicPem(KEYS[algorithm]) });
      expect(jwkThumbprint(key)).toBe(expected.thumbprint);
      expect(publicJwks(key, 'k1', algorithm).keys).toEqual([
        { ...(expected.jwk as JsonObject), kid: 'k1', alg: algorithm, use: 'sig' },
      ]);
    },
  );

  test.each([
    ['ES256', 'P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'KEY_TYPE', '(ec secp384r1) does not suit ES256, which needs EC P-256'],
    ['ES256', 'RSA', () => KEYS.RS256, 'KEY_TYPE', '(rsa 3072) does not suit ES256, which needs EC P-256'],
    ['EdDSA', 'Ed448', () => generateKeyPairSync('ed448').privateKey, 'KEY_TYPE', '(ed448) does not suit EdDSA, which needs Ed25519'],
    ['PS256', 'Ed25519', () => KEYS.EdDSA, 'KEY_TYPE', '(ed25519) does not suit PS256, which needs RSA of 2048 bits or more'],
    ['RS256', 'RSA 1024', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'KEY_TYPE', '(rsa 1024) does not suit RS256, which needs RSA of 2048 bits or more'],
  ] as const)(
    'fails when the %s key is unsuitable (%s)',
    async (algorithm, _what, key, reason, message) => {
      const secrets = new MapSecrets().set(REF.key, pem(key()));
      const method = createClientAuthMethod(jwtConfig(algorithm), { secrets });
      const error = await clientAuthentication(method).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialsUnavailableError);
      expect(error).toMatchObject({
        code: 'CREDENTIALS_UNAVAILABLE',
        status: 503,
        reason,
        secret: `secret ${REF.key.secretArn}`,
        message: `private_key_jwt key secret ${REF.key.secretArn} ${message}`,
      });
    },
  ); // prettier-ignore

  test.each([
    ['not a PEM key', () => 'not a key', undefined, 'NOT_PEM'],
    ['an encrypted key without a passphrase', () => KEYS.ES256.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString(), undefined, 'NO_PASSPHRASE'],
    ['an encrypted key with a wrong passphrase', () => KEYS.ES256.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString(), 'y', 'DECRYPTION_FAILED'],
  ])('fails when the key is %s, without quoting it', async (_what, value, passphrase, reason) => {
    const secrets = new MapSecrets().set(REF.key, value());
    if (passphrase !== undefined) secrets.set(REF.passphrase, passphrase);
    const method = createClientAuthMethod(
      jwtConfig('ES256', passphrase !== undefined ? { passphrase: REF.passphrase } : {}),
      { secrets },
    );
    const error = (await clientAuthentication(method).catch((e: unknown) => e)) as CredentialsUnavailableError;
    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', reason });
    expect(error.message).toContain(REF.key.secretArn);
    expect(error.message).not.toMatch(/BEGIN|not a key/);
  }); // prettier-ignore
});

describe('client secrets, as oauth2.ts sends them today', () => {
  const ODD = 'b4sic:s3cret with+odd&chars%';
  let server: Server;
  let seen: { authorization?: string; body: string }[];
  let tokenUrl: string;

  beforeAll(async () => {
    seen = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: 'tok', token_type: 'Bearer', expires_in: 600 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** What today's oauth2.ts sends for this method (captured on the wire). */
  async function today(authMethod: 'client_secret_basic' | 'client_secret_post', clientId: string) {
    const secrets = new MapSecrets().set(REF.secret, ODD);
    const scheme = oauth2Scheme(
      { type: 'oauth2-client-credentials', tokenUrl, clientId, clientSecret: REF.secret, authMethod },
      { secrets },
    );
    await scheme.authorize({ method: 'GET', url: new URL('https://backend.test/'), headers: {} });
    await scheme.close();
    return seen.at(-1)!;
  }

  test('GIVEN client_secret_basic WHEN authenticating THEN the header is byte for byte what oauth2.ts sends, form-encoded per RFC 6749 §2.3.1', async () => {
    const clientId = 'gw acme:1';
    const sent = await today('client_secret_basic', clientId);
    const secrets = new MapSecrets().set(REF.secret, ODD);
    const auth = await clientAuthentication(
      createClientAuthMethod({ tokenUrl, clientId, clientSecret: REF.secret }, { secrets }),
    );
    expect(auth).toEqual({ headers: { authorization: sent.authorization }, params: [] });
    // form-urlencoding: space as "+", then ":" "+" "&" "%" percent-encoded
    expect(Buffer.from(auth.headers.authorization.slice('Basic '.length), 'base64').toString()).toBe(
      'gw+acme%3A1:b4sic%3As3cret+with%2Bodd%26chars%25',
    );
  });

  test('GIVEN client_secret_post WHEN authenticating THEN client_id and client_secret are the form fields oauth2.ts sends', async () => {
    const sent = await today('client_secret_post', 'gw-post');
    const secrets = new MapSecrets().set(REF.secret, ODD);
    const auth = await clientAuthentication(
      createClientAuthMethod(
        { tokenUrl, clientId: 'gw-post', authMethod: 'client_secret_post', clientSecret: REF.secret },
        { secrets },
      ),
    );
    const form = new URLSearchParams(sent.body);
    expect(auth).toEqual({
      headers: {},
      params: [
        ['client_id', form.get('client_id')],
        ['client_secret', form.get('client_secret')],
      ],
    });
    expect(form.get('client_secret')).toBe(ODD);
  });
});

describe('mutual TLS (RFC 8705)', () => {
  const tlsConfig = (
    authMethod: 'tls_client_auth' | 'self_signed_tls_client_auth',
  ): OAuth2ClientAuthConfig => ({
    tokenUrl: TOKEN_URL,
    clientId: 'gw-mtls',
    authMethod,
    clientCertificate: { cert: REF.cert, key: REF.certKey },
  });
  const certSecrets = (cert: { certPem: string; keyPem: string }) =>
    new MapSecrets().set(REF.cert, cert.certPem).set(REF.certKey, cert.keyPem);

  test.each(['tls_client_auth', 'self_signed_tls_client_auth'] as const)(
    'GIVEN %s WHEN authenticating THEN only client_id goes in the form and the certificate on the connection',
    async (authMethod) => {
      const cert = authMethod === 'tls_client_auth' ? pki.client : pki.selfSigned;
      const auth = await clientAuthentication(
        createClientAuthMethod(tlsConfig(authMethod), { secrets: certSecrets(cert) }),
      );
      expect(auth.headers).toEqual({});
      expect(auth.params).toEqual([['client_id', 'gw-mtls']]);
      expect(auth.tls?.connect).toEqual({ cert: cert.certPem, key: cert.keyPem });
      // the thumbprint a bound token carries, as openssl computes it
      expect(auth.tls?.thumbprint).toBe(hexToBase64url(cert.sha256Hex));
    },
  );

  test('GIVEN a rotated certificate WHEN authenticating again THEN the TLS identity changes (a new connection pool)', async () => {
    const secrets = certSecrets(pki.client);
    const method = createClientAuthMethod(tlsConfig('tls_client_auth'), { secrets });
    const first = (await clientAuthentication(method)).tls!;
    expect((await clientAuthentication(method)).tls).toBe(first);
    secrets.set(REF.cert, pki.other.certPem).set(REF.certKey, pki.other.keyPem);
    const second = (await clientAuthentication(method)).tls!;
    expect(second.identity).not.toBe(first.identity);
    expect(second.connect.cert).toBe(pki.other.certPem);
  });

  test('GIVEN client_secret_basic with a client certificate WHEN authenticating THEN the certificate goes on the connection too (token binding)', async () => {
    const secrets = certSecrets(pki.client).set(REF.secret, 's3cret');
    const auth = await clientAuthentication(
      createClientAuthMethod(
        { tokenUrl: TOKEN_URL, clientId: 'gw', clientSecret: REF.secret, clientCertificate: { cert: REF.cert, key: REF.certKey } },
        { secrets },
      ),
    ); // prettier-ignore
    expect(auth.headers.authorization).toMatch(/^Basic /);
    expect(auth.tls?.thumbprint).toBe(hexToBase64url(pki.client.sha256Hex));
  });

  test('fails when the certificate and the key do not belong together', async () => {
    const secrets = new MapSecrets().set(REF.cert, pki.client.certPem).set(REF.certKey, pki.other.keyPem);
    const error = await clientAuthentication(
      createClientAuthMethod(tlsConfig('tls_client_auth'), { secrets }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      reason: 'KEY_MISMATCH',
      message: 'client certificate secret file client.pem does not match client key secret file client.key',
    });
  });

  test('fails when the certificate is not PEM', async () => {
    const secrets = new MapSecrets().set(REF.cert, 'garbage').set(REF.certKey, pki.client.keyPem);
    const error = await clientAuthentication(
      createClientAuthMethod(tlsConfig('tls_client_auth'), { secrets }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', reason: 'NOT_PEM' });
  });
});

describe('audience and resource parameters', () => {
  test.each([
    ['client_secret_post', { clientSecret: REF.secret }, ['client_id', 'client_secret']],
    ['private_key_jwt', { privateKeyJwt: { key: REF.key, algorithm: 'ES256' } }, ['client_id', 'client_assertion_type', 'client_assertion']],
    ['tls_client_auth', { clientCertificate: { cert: REF.cert, key: REF.certKey } }, ['client_id']],
  ] as const)('GIVEN %s with an audience and two resources WHEN authenticating THEN they follow, resource repeated', async (authMethod, extra, names) => {
    const secrets = new MapSecrets()
      .set(REF.secret, 's')
      .set(REF.key, pem(KEYS.ES256))
      .set(REF.cert, pki.client.certPem)
      .set(REF.certKey, pki.client.keyPem);
    const auth = await clientAuthentication(
      createClientAuthMethod(
        { tokenUrl: TOKEN_URL, clientId: 'gw', authMethod, ...extra, audience: 'api://orders', resource: ['https://orders.acme.test/', 'https://invoices.acme.test/v1'] },
        { secrets },
      ),
    );
    expect(auth.params.map(([name]) => name)).toEqual([...names, 'audience', 'resource', 'resource']);
    expect(auth.params.slice(-3)).toEqual([
      ['audience', 'api://orders'],
      ['resource', 'https://orders.acme.test/'],
      ['resource', 'https://invoices.acme.test/v1'],
    ]);
    expect(auth.params.find(([name]) => name === 'client_assertion_type')?.[1] ?? JWT_BEARER_ASSERTION_TYPE).toBe(JWT_BEARER_ASSERTION_TYPE);
  }); // prettier-ignore
});

/** The runtime validator's problems of a document whose security is this oauth2 section (the one place its rules live). */
function validatorProblems(section: Record<string, unknown>): Array<{ path: string; message: string }> {
  try {
    validateConfig({
      version: 1,
      name: 'gw',
      backend: { url: 'https://orders.acme.test/api' },
      security: { type: 'oauth2-client-credentials', ...section },
    });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(({ path, message }) => ({ path, message }));
  }
}

describe('configuration errors name the field, the value and the rule (the runtime validator)', () => {
  const base = { tokenUrl: TOKEN_URL, clientId: 'gw' };
  test.each<[string, Record<string, unknown>, string, string]>([
    ['an unknown method', { authMethod: 'client_secret_jwt' }, 'security.authMethod', 'must be one of "client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth", got "client_secret_jwt"'],
    ['a secret method without a secret', {}, 'security.clientSecret', 'is required with authMethod "client_secret_basic"'],
    ['a secret with private_key_jwt', { authMethod: 'private_key_jwt', clientSecret: REF.secret, privateKeyJwt: { key: REF.key, algorithm: 'ES256' } }, 'security.clientSecret', 'is not sent with authMethod "private_key_jwt" (no shared secret): remove it'],
    ['private_key_jwt without its options', { authMethod: 'private_key_jwt' }, 'security.privateKeyJwt', 'is required with authMethod "private_key_jwt"'],
    ['privateKeyJwt with another method', { clientSecret: REF.secret, privateKeyJwt: { key: REF.key, algorithm: 'ES256' } }, 'security.privateKeyJwt', 'is not used with authMethod "client_secret_basic": remove it, or set authMethod "private_key_jwt"'],
    ['an unknown algorithm', { authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'HS256' } }, 'security.privateKeyJwt.algorithm', 'must be one of "ES256", "PS256", "RS256", "EdDSA", got "HS256"'],
    ['a lifetime too long', { authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'ES256', lifetimeSeconds: 3600 } }, 'security.privateKeyJwt.lifetimeSeconds', 'must be between 5 and 300, got 3600'],
    ['a lifetime too short', { authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'ES256', lifetimeSeconds: 1 } }, 'security.privateKeyJwt.lifetimeSeconds', 'must be between 5 and 300, got 1'],
    ['a key id with a space', { authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'ES256', keyId: 'my key' } }, 'security.privateKeyJwt.keyId', '"my key" must be printable ASCII without spaces'],
    ['a relative assertion audience', { authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'ES256', assertionAudience: 'login.acme.test' } }, 'security.privateKeyJwt.assertionAudience', '"login.acme.test" is not an absolute URI without a fragment (the issuer identifier)'],
    ['tls_client_auth without a certificate', { authMethod: 'tls_client_auth' }, 'security.clientCertificate', 'is required with authMethod "tls_client_auth" (the certificate authenticates the client), unless backend.tls.clientCertificate is set (then that one is used)'],
    ['self_signed_tls_client_auth without a certificate', { authMethod: 'self_signed_tls_client_auth' }, 'security.clientCertificate', 'is required with authMethod "self_signed_tls_client_auth" (the certificate authenticates the client), unless backend.tls.clientCertificate is set (then that one is used)'],
    ['an empty audience', { clientSecret: REF.secret, audience: '' }, 'security.audience', 'must not be empty'],
    ['an empty resource list', { clientSecret: REF.secret, resource: [] }, 'security.resource', 'must have at least 1 item'],
    ['a relative resource', { clientSecret: REF.secret, resource: ['orders'] }, 'security.resource[0]', '"orders" is not an absolute URI without a fragment (RFC 8707 §2)'],
    ['a resource with a fragment', { clientSecret: REF.secret, resource: ['https://a.test/', 'https://b.test/#x'] }, 'security.resource[1]', '"https://b.test/#x" is not an absolute URI without a fragment (RFC 8707 §2)'],
    ['a resource twice', { clientSecret: REF.secret, resource: ['https://a.test/', 'https://a.test/'] }, 'security.resource[1]', '"https://a.test/" is listed twice'],
    ['a client id with a control character', { clientSecret: REF.secret, clientId: 'gw\n' }, 'security.clientId', '"gw\\n" must not contain control characters (CR, LF, ...)'],
  ])('fails with %s', (_what, config, path, message) => {
    expect(validatorProblems({ ...base, ...config })).toEqual([{ path, message }]);
  }); // prettier-ignore

  test('fails with every problem at once', () => {
    const problems = validatorProblems({
      ...base,
      authMethod: 'tls_client_auth',
      clientSecret: REF.secret,
      audience: '',
    });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: 'security.clientSecret',
          message: 'is not sent with authMethod "tls_client_auth" (no shared secret): remove it',
        },
        { path: 'security.audience', message: 'must not be empty' },
        {
          path: 'security.clientCertificate',
          message:
            'is required with authMethod "tls_client_auth" (the certificate authenticates the client), unless backend.tls.clientCertificate is set (then that one is used)',
        },
      ]),
    );
  });

  test('GIVEN a valid section of each method THEN there is no problem', () => {
    const sections: Array<Record<string, unknown>> = [
      { ...base, clientSecret: REF.secret, audience: 'api://orders', resource: ['https://orders.acme.test/'] },
      { ...base, authMethod: 'client_secret_post', clientSecret: REF.secret },
      { ...base, authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'PS256', keyId: 'k-1', assertionAudience: ISSUER, lifetimeSeconds: 300 } },
      { ...base, authMethod: 'tls_client_auth', clientCertificate: { cert: REF.cert, key: REF.certKey } },
      { ...base, authMethod: 'self_signed_tls_client_auth', clientCertificate: { cert: REF.cert, key: REF.certKey } },
    ]; // prettier-ignore
    expect(sections.map((section) => validatorProblems(section))).toEqual([[], [], [], [], []]);
  });

  test.each<[string, Record<string, unknown>, string, string]>([
    ['an unknown method', { authMethod: 'none' }, 'security.authMethod', '"none" is not supported'],
    ['a method without the field it needs', { authMethod: 'private_key_jwt' }, 'security.privateKeyJwt', 'is required with authMethod "private_key_jwt"'],
    ['the default method without a secret', {}, 'security.clientSecret', 'is required with authMethod "client_secret_basic"'],
  ])('fails to create the method with %s (ConfigError)', (_what, config, path, message) => {
    let error: unknown;
    try {
      createClientAuthMethod({ ...base, ...config } as OAuth2ClientAuthConfig, { secrets: new MapSecrets() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ path, message }]);
  }); // prettier-ignore
});
