/**
 * The OAuth 2.0 scheme (oauth2.ts, with the client authentication of oauth2-client-auth.ts wired in)
 * with every method against oidc-provider (mTLS, certificate-bound tokens): the token behaviours of
 * oauth2.ts hold for each method (cache, single flight, retry once on a backend 401 with a fresh token
 * and, for private_key_jwt, a fresh assertion, bounded refetch, typed failures); a rotated certificate
 * gets a new connection pool; a token bound to the certificate passes a resource server that checks the
 * binding. Then, against a loopback token endpoint that records every request, the early refresh with
 * an injected clock (a real server would refuse an assertion from the future). Last, RFC 8705 end to end
 * through both adapters: tls_client_auth with only `backend.tls.clientCertificate` gets a token bound to
 * that certificate, and a resource server that verifies the JWT with jose and compares its
 * `cnf.x5t#S256` with the certificate of its own TLS connection accepts it.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveScheme } from '../../../gateway-runtime/src/config/resolve';
import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import {
  createOAuth2Scheme,
  type OAuth2Scheme,
  type OAuth2SchemeConfig,
} from '../../../gateway-runtime/src/schemes/oauth2';
import type { OutgoingRequest } from '../../../gateway-runtime/src/schemes/types';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { captureLines } from '../fixtures/harness';
import { ADAPTERS, type RunningAdapter } from '../support/adapters';
import { defaultTimeouts } from '../config/support/resolved';
import {
  ClientAuthServer,
  ClientPki,
  createClientPki,
  hexToBase64url,
  jose,
  JsonObject,
  startClientAuthServer,
} from './support/client-auth';
import { MapSecrets } from './support/map-secrets';
import { sentRequest } from './support/sent';

jest.setTimeout(60_000);

const REF = {
  secret: { env: 'CLIENT_SECRET' },
  key: { env: 'JWT_KEY' },
  ca: { env: 'TOKEN_ENDPOINT_CA' },
  cert: { file: 'client.pem' },
  certKey: { file: 'client.key' },
} satisfies Record<string, SecretRef>;
const SECRET = 'b4sic:s3cret with+odd&chars%';
const KEY: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ED_KEY: KeyObject = generateKeyPairSync('ed25519').privateKey;
const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const base = {
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: 'orders:read',
};
const backend = (): OutgoingRequest => ({
  method: 'GET',
  url: new URL('https://backend.test/orders'),
  headers: {},
});
/** The client authentication fields of the section (beside tokenUrl and clientId). */
type Fields = Partial<OAuth2SchemeConfig> & { clientId: string };

let dir: string;
let pki: ClientPki;
let server: ClientAuthServer;
const open: OAuth2Scheme[] = [];

/** jose's public JWK of a key (the independent implementation), with its thumbprint as kid. */
const joseJwk = (key: KeyObject) => {
  const answer = jose({
    op: 'jwk',
    publicKeyPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }),
  });
  return { ...(answer.jwk as JsonObject), kid: answer.thumbprint as string };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oauth-client-auth-scheme-'));
  pki = createClientPki(dir);
  const selfSignedX5c = pki.selfSigned.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
  const selfSignedJwk = jose({
    op: 'jwk',
    publicKeyPem: createPublicKey(pki.selfSigned.certPem).export({ type: 'spki', format: 'pem' }),
  });
  server = await startClientAuthServer({
    cwd: dir,
    pki,
    resources: { 'https://orders.acme.test/': 'orders:read', 'https://invoices.acme.test/': 'orders:read' },
    clients: [
      { ...base, client_id: 'gw-basic', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic' },
      { ...base, client_id: 'gw-post', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' },
      { ...base, client_id: 'gw-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [joseJwk(KEY)] } },
      { ...base, client_id: 'gw-jwt-eddsa', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [joseJwk(ED_KEY)] } },
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
        jwks: { keys: [{ ...(selfSignedJwk.jwk as JsonObject), x5c: [selfSignedX5c] }] },
        tls_client_certificate_bound_access_tokens: true,
      },
    ],
  }); // prettier-ignore
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The scheme from the section as the validator passes it, its defaults applied (resolveScheme). */
function scheme(fields: Fields, secrets = new MapSecrets(), tokenUrl = server.tokenUrl) {
  secrets
    .set(REF.secret, SECRET)
    .set(REF.key, pkcs8(KEY))
    .set(REF.ca, pki.caPem)
    .set(REF.cert, pki.client.certPem)
    .set(REF.certKey, pki.client.keyPem);
  const created = createOAuth2Scheme(
    resolveScheme({
      type: 'oauth2-client-credentials',
      tokenUrl,
      tokenEndpointTls: { ca: REF.ca, servername: 'login.test' },
      ...fields,
    }),
    { secrets, timeouts: defaultTimeouts() },
  );
  open.push(created);
  return created;
}

const certificate = { cert: REF.cert, key: REF.certKey };
const METHODS: [string, Fields, (secrets: MapSecrets) => void][] = [
  ['client_secret_basic', { clientId: 'gw-basic', clientSecret: REF.secret }, () => undefined],
  ['client_secret_post', { clientId: 'gw-post', authMethod: 'client_secret_post', clientSecret: REF.secret }, () => undefined],
  ['private_key_jwt ES256', { clientId: 'gw-jwt', authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'ES256' } }, () => undefined],
  ['private_key_jwt EdDSA', { clientId: 'gw-jwt-eddsa', authMethod: 'private_key_jwt', privateKeyJwt: { key: REF.key, algorithm: 'EdDSA' } }, (s) => s.set(REF.key, pkcs8(ED_KEY))],
  ['tls_client_auth', { clientId: 'gw-mtls', authMethod: 'tls_client_auth', clientCertificate: certificate }, () => undefined],
  ['self_signed_tls_client_auth', { clientId: 'gw-self-signed', authMethod: 'self_signed_tls_client_auth', clientCertificate: certificate }, (s) => s.set(REF.cert, pki.selfSigned.certPem).set(REF.certKey, pki.selfSigned.keyPem)],
]; // prettier-ignore

/** The certificate the method presents (for the resource server's binding check). */
const presented = (name: string) =>
  name === 'self_signed_tls_client_auth'
    ? pki.selfSigned
    : name === 'tls_client_auth'
      ? pki.client
      : undefined;

describe.each(METHODS)('GIVEN %s', (name, fields, prepare) => {
  const make = () => {
    const secrets = new MapSecrets();
    const s = scheme(fields, secrets);
    prepare(secrets);
    return s;
  };
  const fetches = async () => (await server.stats()).tokenRequests;

  test('WHEN 20 requests authorize at once and then one more THEN one token request, the token is live, the next request uses the cache', async () => {
    const s = make();
    const before = await fetches();
    const headers = await Promise.all(Array.from({ length: 20 }, () => s.authorize(backend())));
    expect(new Set(headers.map((h) => h.authorization)).size).toBe(1);
    expect(await fetches()).toBe(before + 1);
    expect(await s.authorize(backend())).toEqual(headers[0]);
    expect(await fetches()).toBe(before + 1);
    const check = await server.check(headers[0].authorization, presented(name));
    expect(check).toMatchObject({ status: 200, body: { clientId: fields.clientId } });
    const stats = await server.stats();
    expect(stats.lastAuthorization).toBe(name === 'client_secret_basic');
    if (name !== 'client_secret_basic') expect(stats.lastParams.client_id).toBe(fields.clientId);
  });

  test('WHEN the backend answers 401 THEN one retry with a fresh token the server accepts; a second 401 at once is passed on without a token request', async () => {
    const s = make();
    const first = await s.authorize(backend());
    const firstParams = (await server.stats()).lastParams;
    const before = await fetches();
    // the first 401: purge, retry, new token (for private_key_jwt: a new assertion, no replay)
    expect(await s.onResponse!(sentRequest(backend(), first), { status: 401, headers: {} }, 1)).toBe('retry');
    const second = await s.authorize(backend());
    expect(second.authorization).not.toBe(first.authorization);
    const stats = await server.stats();
    expect(stats.tokenRequests).toBe(before + 1);
    if (name.startsWith('private_key_jwt')) {
      expect(stats.lastParams.client_assertion).toEqual(expect.any(String));
      expect(stats.lastParams.client_assertion).not.toBe(firstParams.client_assertion);
    }
    expect((await server.check(second.authorization, presented(name))).status).toBe(200);
    // a 401 on the retry itself is final
    expect(await s.onResponse!(sentRequest(backend(), second), { status: 401, headers: {} }, 2)).toBe('done');
    // bounded refetch: another 401 for the new token within the interval is passed on, no token request
    expect(await s.onResponse!(sentRequest(backend(), second), { status: 401, headers: {} }, 1)).toBe('done');
    expect(await s.authorize(backend())).toEqual(second);
    expect(await fetches()).toBe(before + 1);
  });
});

test('GIVEN tls_client_auth WHEN the token is used THEN it is bound to the certificate: a backend seeing the same certificate accepts it, another certificate is refused', async () => {
  const s = scheme({ clientId: 'gw-mtls', authMethod: 'tls_client_auth', clientCertificate: certificate });
  const { authorization } = await s.authorize(backend());
  expect(await server.check(authorization, pki.client)).toEqual({
    status: 200,
    body: { clientId: 'gw-mtls', 'x5t#S256': hexToBase64url(pki.client.sha256Hex) },
  });
  expect((await server.check(authorization, pki.other)).status).toBe(401);
  expect((await server.check(authorization)).status).toBe(401);
});

test('GIVEN tls_client_auth WHEN the certificate is rotated to one the server does not accept THEN the next token request uses it (new pool) and fails with 503, no secret in the message', async () => {
  const secrets = new MapSecrets();
  const s = scheme(
    { clientId: 'gw-mtls', authMethod: 'tls_client_auth', clientCertificate: certificate },
    secrets,
  );
  const first = await s.authorize(backend());
  expect((await server.stats()).lastCertificate).toBe(hexToBase64url(pki.client.sha256Hex));
  secrets.set(REF.cert, pki.other.certPem).set(REF.certKey, pki.other.keyPem);
  expect(await s.onResponse!(sentRequest(backend(), first), { status: 401, headers: {} }, 1)).toBe('retry');
  const failure = s.authorize(backend());
  await expect(failure).rejects.toMatchObject({
    code: 'CREDENTIALS_UNAVAILABLE',
    status: 503,
    message: expect.stringMatching(/answered 401 \(invalid_client\)$/),
  });
  await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('PRIVATE KEY') });
});

test('fails (503 KEY_TYPE, naming the reference, not the key) when the private_key_jwt key does not suit the algorithm', async () => {
  const secrets = new MapSecrets();
  const s = scheme(
    {
      clientId: 'gw-jwt',
      authMethod: 'private_key_jwt',
      privateKeyJwt: { key: REF.key, algorithm: 'PS256' },
    },
    secrets,
  );
  const before = (await server.stats()).tokenRequests;
  const failure = s.authorize(backend());
  await expect(failure).rejects.toMatchObject({
    code: 'CREDENTIALS_UNAVAILABLE',
    message: expect.stringMatching(/^private_key_jwt key .*JWT_KEY.* \(ec prime256v1\) does not suit PS256/),
  });
  await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('PRIVATE KEY') });
  expect((await server.stats()).tokenRequests).toBe(before);
});

test('GIVEN a resource indicator and an audience WHEN the token is requested THEN both are parameters and the server issues a token for that resource', async () => {
  // (oidc-provider takes one resource per client-credentials request; two are sent as two parameters,
  // as oauth2-client-auth.server.test.ts shows)
  const s = scheme({
    clientId: 'gw-jwt',
    authMethod: 'private_key_jwt',
    privateKeyJwt: { key: REF.key, algorithm: 'ES256' },
    audience: 'orders-api',
    resource: ['https://orders.acme.test/'],
  });
  const { authorization } = await s.authorize(backend());
  expect((await server.stats()).lastParams).toMatchObject({
    audience: 'orders-api',
    resource: 'https://orders.acme.test/',
    client_id: 'gw-jwt',
  });
  const token = authorization.replace(/^Bearer /, '');
  const verified = jose({
    op: 'verify',
    jwt: token,
    jwks: server.jwks,
    options: { audience: 'https://orders.acme.test/', issuer: server.issuer, algorithms: ['ES256'] },
  });
  expect(verified.ok).toBe(true);
  expect(verified.payload).toMatchObject({ aud: 'https://orders.acme.test/', client_id: 'gw-jwt' });
});

describe('private_key_jwt against a recording token endpoint (injected clock)', () => {
  let recorder: Server;
  let tokenUrl: string;
  const forms: URLSearchParams[] = [];

  beforeAll(async () => {
    recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        forms.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ access_token: `tok-${forms.length}`, token_type: 'Bearer', expires_in: 600 }),
        );
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/token`;
  });
  afterAll(() => new Promise<void>((resolve) => recorder.close(() => resolve())));

  const claims = (form: URLSearchParams) =>
    JSON.parse(
      Buffer.from(form.get('client_assertion')!.split('.')[1], 'base64url').toString('utf8'),
    ) as Record<string, unknown>;

  test('WHEN expires_in minus the margin has passed THEN a new token is fetched with a new assertion dated by the clock', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const start = clock;
    const secrets = new MapSecrets().set(REF.key, pkcs8(KEY));
    const s = createOAuth2Scheme(
      resolveScheme({
        type: 'oauth2-client-credentials',
        tokenUrl,
        clientId: 'gw-jwt',
        authMethod: 'private_key_jwt',
        privateKeyJwt: { key: REF.key, algorithm: 'ES256', lifetimeSeconds: 30 },
      }),
      { secrets, timeouts: defaultTimeouts(), now: () => clock },
    );
    open.push(s);
    forms.length = 0;
    expect(await s.authorize(backend())).toEqual({ authorization: 'Bearer tok-1' });
    clock = start + 540_000 - 1;
    expect(await s.authorize(backend())).toEqual({ authorization: 'Bearer tok-1' });
    clock = start + 540_000;
    expect(await s.authorize(backend())).toEqual({ authorization: 'Bearer tok-2' });
    expect(forms).toHaveLength(2);
    const [first, second] = forms.map(claims);
    expect(first).toMatchObject({
      iss: 'gw-jwt',
      sub: 'gw-jwt',
      aud: tokenUrl,
      iat: start / 1000,
      exp: start / 1000 + 30,
    });
    expect(second).toMatchObject({ iat: (start + 540_000) / 1000, exp: (start + 540_000) / 1000 + 30 });
    expect(second.jti).not.toBe(first.jti);
    // no secret method's parameters ride along
    expect(forms[1].has('client_secret')).toBe(false);
    expect(forms[1].get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
  });
});

describe('RFC 8705 bound tokens end to end: the backend mutual-TLS certificate authenticates at the token endpoint too', () => {
  const ORDERS = 'https://orders.acme.test/';
  let backend: HttpsServer;
  let backendUrl: string;
  const verdicts: Record<string, unknown>[] = [];
  const running: RunningAdapter[] = [];

  beforeAll(async () => {
    // A resource server as RFC 8705 §3 describes it: mutual TLS with the CA's clients, the access token (a JWT
    // for ORDERS) verified with the authorization server's keys by jose, and its cnf.x5t#S256 compared with the
    // SHA-256 of the client certificate on this very connection.
    backend = createHttpsServer(
      {
        cert: readFileSync(pki.serverCertFile),
        key: readFileSync(pki.serverKeyFile),
        ca: pki.caPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const presented = createHash('sha256').update(peer.raw).digest('base64url');
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const verified = jose({
          op: 'verify',
          jwt: token,
          jwks: server.jwks,
          options: { audience: ORDERS, issuer: server.issuer, algorithms: ['ES256'] },
        });
        const bound = (verified.payload as { cnf?: Record<string, string> } | undefined)?.cnf?.['x5t#S256'];
        const verdict = { verified: verified.ok === true, bound, presented, accepted: verified.ok === true && bound === presented };
        verdicts.push(verdict);
        res.writeHead(verdict.accepted ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(verdict));
      },
    );
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `https://127.0.0.1:${(backend.address() as AddressInfo).port}/api`;
  });
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  const config = (backendCert: string, tokenEndpointCert?: string): GatewayConfig => ({
    version: 1,
    name: 'acme',
    backend: {
      url: backendUrl,
      tls: {
        ca: { file: pki.caFile },
        servername: 'login.test',
        clientCertificate: { cert: { file: join(dir, `${backendCert}.pem`) }, key: { file: join(dir, `${backendCert}.key`) } },
      },
    },
    security: {
      type: 'oauth2-client-credentials',
      tokenUrl: server.tokenUrl,
      clientId: 'gw-mtls',
      authMethod: 'tls_client_auth',
      scope: 'orders:read',
      resource: [ORDERS],
      tokenEndpointTls: { ca: { file: pki.caFile }, servername: 'login.test' },
      ...(tokenEndpointCert
        ? { clientCertificate: { cert: { file: join(dir, `${tokenEndpointCert}.pem`) }, key: { file: join(dir, `${tokenEndpointCert}.key`) } } }
        : {}),
    },
  });

  describe.each(ADAPTERS)('through the $name', (adapter) => {
    test('GIVEN tls_client_auth without its own certificate WHEN a request goes through THEN the token is bound to the backend certificate and the backend accepts it', async () => {
      const gateway = await adapter.start(config('client'), captureLines().sink);
      running.push(gateway);
      const answer = await gateway.call({ path: '/orders' });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({
        verified: true,
        accepted: true,
        bound: hexToBase64url(pki.client.sha256Hex),
        presented: hexToBase64url(pki.client.sha256Hex),
      });
      expect((await server.stats()).lastCertificate).toBe(hexToBase64url(pki.client.sha256Hex));
    });

    test('fails when the token endpoint gets another certificate than the backend: the token is bound to the token endpoint certificate, and the backend, seeing its own, refuses it (401 passes through)', async () => {
      // gw-mtls is registered for DNS:gateway.acme.test (pki.client); the backend sees pki.other
      const gateway = await adapter.start(config('other', 'client'), captureLines().sink);
      running.push(gateway);
      const answer = await gateway.call({ path: '/orders' });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)).toMatchObject({
        verified: true,
        accepted: false,
        bound: hexToBase64url(pki.client.sha256Hex),
      });
    });
  });
}); // prettier-ignore
