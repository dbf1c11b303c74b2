/**
 * Every client authentication method against a real authorization server (oidc-provider with mTLS,
 * resource indicators and certificate-bound tokens, behind a Node https server that plays the TLS
 * terminator), with token requests sent the way oauth2.ts sends them (the runtime's undici Agent and
 * sendRequest). JWTs the server issues are verified with `jose`.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import {
  clientAuthentication,
  createClientAuthMethod,
  OAuth2ClientAuthConfig,
  type ClientAssertionAlgorithm,
} from '../../../gateway-runtime/src/schemes/oauth2-client-auth';
import {
  ClientAuthServer,
  ClientPki,
  createClientPki,
  hexToBase64url,
  jose,
  requestToken,
  startClientAuthServer,
} from './support/client-auth';
import { MapSecrets } from './support/map-secrets';

jest.setTimeout(60_000);

const BASIC_SECRET = 'b4sic:s3cret with+odd&chars%';
const POST_SECRET = 'p0st-s3cret-value';
const ORDERS = 'https://orders.acme.test/';
const INVOICES = 'https://invoices.acme.test/';
const REF = {
  secret: { env: 'CLIENT_SECRET' },
  jwtKey: { secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:gw-jwt-key' },
  cert: { file: 'client.pem' },
  certKey: { file: 'client.key' },
} satisfies Record<string, SecretRef>;

/** The private_key_jwt clients' keys, made with node:crypto; the server learns their public JWKs from jose. */
const KEYS: Record<ClientAssertionAlgorithm, KeyObject> = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  EdDSA: generateKeyPairSync('ed25519').privateKey,
};
const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
/** jose's public JWK of a key and its RFC 7638 thumbprint (what the gateway uses as kid by default). */
const joseJwk = (key: KeyObject) => {
  const answer = jose({
    op: 'jwk',
    publicKeyPem: (key.type === 'public' ? key : createPublicKey(key))
      .export({ type: 'spki', format: 'pem' })
      .toString(),
  });
  return { ...(answer.jwk as Record<string, string>), kid: answer.thumbprint as string };
};

const base = {
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: 'orders:read orders:write',
};

let dir: string;
let pki: ClientPki;
let server: ClientAuthServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oauth-client-auth-'));
  pki = createClientPki(dir);
  const selfSignedX5c = pki.selfSigned.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
  const selfSignedJwk = joseJwk(createPublicKey(pki.selfSigned.certPem));
  const clients = [
    { ...base, client_id: 'gw-basic', client_secret: BASIC_SECRET, token_endpoint_auth_method: 'client_secret_basic' },
    { ...base, client_id: 'gw-post', client_secret: POST_SECRET, token_endpoint_auth_method: 'client_secret_post' },
    ...Object.entries(KEYS).map(([alg, key]) => ({
      ...base,
      client_id: `gw-jwt-${alg.toLowerCase()}`,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: alg,
      jwks: { keys: [joseJwk(key)] },
    })),
    {
      ...base,
      client_id: 'gw-mtls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'gateway.acme.test',
      tls_client_certificate_bound_access_tokens: true,
    },
    {
      ...base,
      client_id: 'gw-self-signed',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...selfSignedJwk, x5c: [selfSignedX5c] }] },
      tls_client_certificate_bound_access_tokens: true,
    },
  ]; // prettier-ignore
  server = await startClientAuthServer({
    cwd: dir,
    pki,
    clients,
    resources: { [ORDERS]: 'orders:read', [INVOICES]: 'orders:read' },
  });
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TLS = () => ({ caPem: pki.caPem, servername: 'login.test' });

function secretsFor(cert?: { certPem: string; keyPem: string }): MapSecrets {
  const secrets = new MapSecrets().set(REF.secret, BASIC_SECRET).set(REF.jwtKey, pem(KEYS.ES256));
  if (cert) secrets.set(REF.cert, cert.certPem).set(REF.certKey, cert.keyPem);
  return secrets;
}

function method(config: Partial<OAuth2ClientAuthConfig> & { clientId: string }, secrets: MapSecrets) {
  return createClientAuthMethod({ tokenUrl: server.tokenUrl, ...config }, { secrets });
}

async function tokenFor(
  config: Partial<OAuth2ClientAuthConfig> & { clientId: string },
  secrets: MapSecrets,
  scope = 'orders:read',
) {
  const auth = await clientAuthentication(method(config, secrets));
  return { auth, answer: await requestToken(server.tokenUrl, auth, TLS(), scope) };
}

describe('each method obtains a token from oidc-provider', () => {
  test('GIVEN client_secret_basic WHEN requesting a token THEN the server authenticates the form-encoded id and secret', async () => {
    // GIVEN a secret that needs form-urlencoding (RFC 6749 §2.3.1)
    const secrets = secretsFor();
    // WHEN the token request goes out
    const { answer } = await tokenFor({ clientId: 'gw-basic', clientSecret: REF.secret }, secrets);
    // THEN a token is issued and it is live; the secret travelled in the Authorization header only
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('Bearer');
    expect((await server.check(`Bearer ${answer.body.access_token}`)).status).toBe(200);
    const stats = await server.stats();
    expect(stats.lastAuthorization).toBe(true);
    expect(stats.lastParams).toEqual({ grant_type: 'client_credentials', scope: 'orders:read' });
  });

  test('GIVEN client_secret_post WHEN requesting a token THEN the id and secret go in the form', async () => {
    const secrets = secretsFor().set(REF.secret, POST_SECRET);
    const { answer } = await tokenFor(
      { clientId: 'gw-post', authMethod: 'client_secret_post', clientSecret: REF.secret },
      secrets,
    );
    expect(answer.status).toBe(200);
    const stats = await server.stats();
    expect(stats.lastAuthorization).toBe(false);
    // (the fixture leaves client_secret out of what it records)
    expect(stats.lastParams).toEqual({
      grant_type: 'client_credentials',
      scope: 'orders:read',
      client_id: 'gw-post',
    });
  });

  test.each(Object.keys(KEYS) as ClientAssertionAlgorithm[])(
    'GIVEN private_key_jwt with %s WHEN requesting a token THEN the server verifies the assertion and issues a token',
    async (algorithm) => {
      // GIVEN the client's key (the server holds its public JWK, with the thumbprint as kid, and requires this alg)
      const secrets = secretsFor().set(REF.jwtKey, pem(KEYS[algorithm]));
      const clientId = `gw-jwt-${algorithm.toLowerCase()}`;
      // WHEN a token is requested
      const { answer } = await tokenFor(
        { clientId, authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.jwtKey, algorithm } },
        secrets,
      );
      // THEN the server accepted the assertion; no secret went out
      expect(answer).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
      expect((await server.check(`Bearer ${answer.body.access_token}`)).body.clientId).toBe(clientId);
      const stats = await server.stats();
      expect(stats.lastAuthorization).toBe(false);
      expect(stats.lastParams).toMatchObject({
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      });
    },
  );

  test('GIVEN private_key_jwt with the issuer as the assertion audience WHEN requesting a token THEN the server accepts it', async () => {
    const secrets = secretsFor();
    const { answer } = await tokenFor(
      {
        clientId: 'gw-jwt-es256',
        authMethod: 'private_key_jwt',
        privateKeyJwt: { key: REF.jwtKey, algorithm: 'ES256', assertionAudience: server.issuer },
      },
      secrets,
    );
    expect(answer.status).toBe(200);
  });

  test('GIVEN tls_client_auth WHEN requesting a token THEN the CA-issued certificate on the connection authenticates and binds the token', async () => {
    // GIVEN the gateway's certificate, issued by the CA the server trusts, for the registered DNS name
    const secrets = secretsFor(pki.client);
    // WHEN a token is requested
    const { auth, answer } = await tokenFor(
      {
        clientId: 'gw-mtls',
        authMethod: 'tls_client_auth',
        clientCertificate: { cert: REF.cert, key: REF.certKey },
      },
      secrets,
    );
    // THEN it is issued; the request carried only client_id; the connection carried the certificate
    expect(answer.status).toBe(200);
    const stats = await server.stats();
    expect(stats.lastAuthorization).toBe(false);
    expect(stats.lastParams).toEqual({
      grant_type: 'client_credentials',
      scope: 'orders:read',
      client_id: 'gw-mtls',
    });
    const thumbprint = hexToBase64url(pki.client.sha256Hex);
    expect(stats.lastCertificate).toBe(thumbprint);
    expect(auth.tls?.thumbprint).toBe(thumbprint);
    // AND the token is bound to that certificate (cnf x5t#S256, RFC 8705 §3)
    const check = await server.check(`Bearer ${answer.body.access_token}`, pki.client);
    expect(check).toEqual({ status: 200, body: { clientId: 'gw-mtls', 'x5t#S256': thumbprint } });
  });

  test('GIVEN self_signed_tls_client_auth WHEN requesting a token THEN the registered self-signed certificate authenticates', async () => {
    const secrets = secretsFor(pki.selfSigned);
    const { answer } = await tokenFor(
      {
        clientId: 'gw-self-signed',
        authMethod: 'self_signed_tls_client_auth',
        clientCertificate: { cert: REF.cert, key: REF.certKey },
      },
      secrets,
    );
    expect(answer.status).toBe(200);
    const thumbprint = hexToBase64url(pki.selfSigned.sha256Hex);
    expect((await server.stats()).lastCertificate).toBe(thumbprint);
    expect((await server.check(`Bearer ${answer.body.access_token}`, pki.selfSigned)).body['x5t#S256']).toBe(
      thumbprint,
    );
  });
});

describe('the server refuses what it must (the tests above can fail)', () => {
  test('fails when tls_client_auth presents another client certificate of the same CA', async () => {
    const { answer } = await tokenFor(
      {
        clientId: 'gw-mtls',
        authMethod: 'tls_client_auth',
        clientCertificate: { cert: REF.cert, key: REF.certKey },
      },
      secretsFor(pki.other),
    );
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  test('fails when tls_client_auth presents the self-signed certificate (not issued by the trusted CA)', async () => {
    const { answer } = await tokenFor(
      {
        clientId: 'gw-mtls',
        authMethod: 'tls_client_auth',
        clientCertificate: { cert: REF.cert, key: REF.certKey },
      },
      secretsFor(pki.selfSigned),
    );
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  test('fails when private_key_jwt signs with a key the client did not register', async () => {
    const secrets = secretsFor().set(
      REF.jwtKey,
      pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    );
    const { answer } = await tokenFor(
      {
        clientId: 'gw-jwt-es256',
        authMethod: 'private_key_jwt',
        privateKeyJwt: { key: REF.jwtKey, algorithm: 'ES256' },
      },
      secrets,
    );
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  test('fails when a client assertion is replayed, so a fresh one per request matters', async () => {
    // GIVEN one assertion that obtained a token
    const m = method(
      {
        clientId: 'gw-jwt-es256',
        authMethod: 'private_key_jwt',
        privateKeyJwt: { key: REF.jwtKey, algorithm: 'ES256' },
      },
      secretsFor(),
    );
    const auth = await clientAuthentication(m);
    expect((await requestToken(server.tokenUrl, auth, TLS())).status).toBe(200);
    // WHEN the same assertion is sent again THEN the server refuses it (jti replay detection)
    expect(await requestToken(server.tokenUrl, auth, TLS())).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    // AND the method's next authentication (a retry) carries a new assertion, which the server accepts
    const again = await clientAuthentication(m);
    expect((await requestToken(server.tokenUrl, again, TLS())).status).toBe(200);
  });

  test('fails when a certificate-bound token is used on a connection without, or with another, certificate', async () => {
    const { answer } = await tokenFor(
      {
        clientId: 'gw-mtls',
        authMethod: 'tls_client_auth',
        clientCertificate: { cert: REF.cert, key: REF.certKey },
      },
      secretsFor(pki.client),
    );
    const bearer = `Bearer ${answer.body.access_token}`;
    expect((await server.check(bearer)).status).toBe(401);
    expect((await server.check(bearer, pki.other)).status).toBe(401);
    expect((await server.check(bearer, pki.client)).status).toBe(200);
  });
});

describe('audience and resource indicators (RFC 8707)', () => {
  test('GIVEN a resource and an audience WHEN requesting a token THEN a JWT for that resource is issued, bound to the certificate', async () => {
    // GIVEN tls_client_auth with one resource indicator and an audience parameter
    const { answer } = await tokenFor(
      {
        clientId: 'gw-mtls',
        authMethod: 'tls_client_auth',
        clientCertificate: { cert: REF.cert, key: REF.certKey },
        audience: 'orders-api',
        resource: [ORDERS],
      },
      secretsFor(pki.client),
    );
    // THEN both parameters reached the server
    expect(answer.status).toBe(200);
    expect((await server.stats()).lastParams).toMatchObject({ audience: 'orders-api', resource: ORDERS });
    // AND the access token is a JWT for that resource, verified by jose with the server's keys
    const verified = jose({
      op: 'verify',
      jwt: answer.body.access_token,
      jwks: server.jwks,
      options: { audience: ORDERS, issuer: server.issuer, algorithms: ['ES256'] },
    });
    expect(verified.ok).toBe(true);
    expect(verified.payload).toMatchObject({
      aud: ORDERS,
      client_id: 'gw-mtls',
      scope: 'orders:read',
      cnf: { 'x5t#S256': hexToBase64url(pki.client.sha256Hex) },
    });
  });

  test('GIVEN two resources WHEN requesting a token THEN both are sent (and this server, which takes one per client-credentials request, says invalid_target)', async () => {
    const { answer } = await tokenFor(
      { clientId: 'gw-basic', clientSecret: REF.secret, resource: [ORDERS, INVOICES] },
      secretsFor(),
    );
    expect((await server.stats()).lastParams.resource).toEqual([ORDERS, INVOICES]);
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
  });

  test('fails when the resource is unknown to the server (invalid_target)', async () => {
    const { answer } = await tokenFor(
      { clientId: 'gw-basic', clientSecret: REF.secret, resource: ['https://unknown.acme.test/'] },
      secretsFor(),
    );
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
  });
});
