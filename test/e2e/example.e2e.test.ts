/**
 * End to end on one machine (the last rung of the test ladder): synthesize the example app, take each
 * customer's bundled handler out of its synthesized asset, give it the synthesized configuration (secret
 * references turned into local files, origins turned into loopback ones, nothing else changed), and
 * invoke it with ALB target-group events against real servers started here on loopback:
 *
 *  - acme (HTTP Digest):        Apache httpd with mod_auth_digest (MD5, qop=auth), mod_reflector echoes bodies;
 *  - globex (mTLS + OAuth 2.0): nginx with `ssl_verify_client on` in front of a small Node backend that
 *                               accepts a bearer token only when the OAuth server (oidc-provider, https with
 *                               its own CA) says it is live; the token endpoint CA comes from its own secret;
 *  - initech (HMAC signing +    a Node backend that verifies every request with joyent's http-signature
 *    trusted sources):          (parseRequest + verifyHMAC) and checks the body digest;
 *  - wonka (HTTP Basic on a     a Node HTTPS server on 127.0.0.4 with a certificate that names only the
 *    VPC Lattice resource       backend (`orders.wonka.internal`): the endpoint's DNS name (`backend.connectTo`)
 *    endpoint):                 becomes that address, the Host header and the TLS name stay the backend's.
 *
 * Every backend and token-endpoint name keeps its synthesized private name (`orders.acme.internal`, ...):
 * each customer's own DNS server, dnsmasq on loopback, answers it, through the configuration's
 * `backend.dns` (only the servers' addresses are localized), and TLS verifies the name.
 *
 * Every handler runs in its own process (test/e2e/support/lambda-host.ts); what it logs is scanned for
 * the secret values written here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyHMAC } from 'http-signature';
import type { AlbResult } from '../../gateway-runtime/src/adapters/lambda';
import { validateConfig } from '../../gateway-runtime/src/config/validate';
import { albEvent } from '../gateway-runtime/fixtures/harness';
import { OAuthServer, startOAuthServer } from '../gateway-runtime/support/oauth-server';
import { RunningApache, startApacheDigest } from '../support/apache';
import { RunningDnsmasq, startDnsmasq } from '../support/dnsmasq';
import { RunningBackend, startBackend } from '../support/loopback-backends';
import { signatureVerifier } from '../support/signature-verifier';
import { NginxTls, startNginxTls } from '../support/nginx-tls';
import { Issued, TestPki } from '../support/pki';
import { LambdaHost, startLambda } from './support/lambda-host';
import {
  Customer,
  SecretContents,
  SynthesizedExample,
  localizeConfig,
  synthesizeExample,
  withoutLocations,
} from './support/synthesized-example';

jest.setTimeout(240_000);

// Secret values written into the secret files (and nowhere else): no handler output may contain them.
const ACME_USER = 'apicloud-gateway';
const ACME_PASSWORD = 'acme-digest: 3b9f61c0-never-logged';
const ACME_WRONG_PASSWORD = 'acme-wrong: 77d2e4a8-never-logged';
const GLOBEX_CLIENT_SECRET = 'globex-client-secret-5e0a9c17-never-logged';
const INITECH_HMAC_KEY = 'initech-hmac-key-c41d8b02-never-logged';

const TRUSTED_CLIENT = '10.40.0.70'; // inside the gateway tier, 10.40.0.64/26
const UNTRUSTED_CLIENT = '198.51.100.7';

const work = mkdtempSync(join(tmpdir(), 'e2e-example-'));
let example: SynthesizedExample;
/** Every handler started, customer by customer: their output is scanned at the end. */
const hosts: Array<{ customer: Customer; host: LambdaHost }> = [];
/** Secret values that must never be logged (private keys join them as they are made). */
const secretValues: string[] = [ACME_PASSWORD, ACME_WRONG_PASSWORD, GLOBEX_CLIENT_SECRET, INITECH_HMAC_KEY];
/** The bearer tokens the globex backend received: secrets too. */
const bearerTokens = new Set<string>();

beforeAll(() => {
  example = synthesizeExample(join(work, 'out'));
}, 120_000);

afterAll(async () => {
  await Promise.all(hosts.map(({ host }) => host.stop()));
  rmSync(work, { recursive: true, force: true });
});

/** The synthesized configuration's backend and token-endpoint host names. */
function namesOf(customer: Customer): string[] {
  const config = example.functions[customer].config as {
    backend: { url: string };
    security: { tokenUrl?: string };
  };
  return [config.backend.url, config.security.tokenUrl]
    .filter((url): url is string => url !== undefined)
    .map((url) => new URL(url).hostname);
}

/** The customer's own DNS server: dnsmasq on loopback, answering the customer's names with 127.0.0.1. */
function customerDns(customer: Customer): Promise<RunningDnsmasq> {
  return startDnsmasq({
    records: Object.fromEntries(namesOf(customer).map((name) => [name, ['127.0.0.1']])),
  });
}

/** A loopback server's scheme and port under the synthesized URL's own name (the name must resolve). */
function named(synthesizedUrl: string, serverOrigin: string): string {
  const server = new URL(serverOrigin);
  return `${server.protocol}//${new URL(synthesizedUrl).hostname}:${server.port}`;
}

/** Localizes the customer's synthesized configuration, validates it and starts its handler on it. */
async function startGateway(
  customer: Customer,
  label: string,
  secrets: SecretContents,
  origins: { backendOrigin: string; tokenEndpointOrigin?: string; dnsServers: readonly string[] },
): Promise<{ host: LambdaHost; config: Record<string, unknown> }> {
  const fn = example.functions[customer];
  const config = localizeConfig(example, fn, { dir: join(work, 'secrets', label), secrets, ...origins });
  validateConfig(config);
  const host = await startLambda(fn.bundleFile, {
    ...fn.environment,
    GATEWAY_CONFIG: JSON.stringify(config),
  });
  hosts.push({ customer, host });
  return { host, config };
}

function headerOf(result: AlbResult, name: string): string | undefined {
  return result.headers?.[name] ?? result.multiValueHeaders?.[name]?.join(', ');
}

function bodyOf(result: AlbResult): string {
  return result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
}

/** The PEM's base64 lines: a private key must not appear in any form, not even line by line. */
function pemLines(pem: string): string[] {
  return pem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));
}

const ORDER = { orderId: 'A-1042', lines: [{ sku: 'X-9', quantity: 3 }], note: 'ünïcødé ✓' };

describe('localizing the synthesized configuration', () => {
  test.each([
    [
      'no contents are given for a referenced secret',
      {},
      'acme: no contents given for the secret "credentials"',
    ],
    [
      'the contents lack a referenced JSON key',
      { credentials: { username: ACME_USER } },
      'acme: the secret "credentials" has no JSON key password',
    ],
  ])('fails when %s', (_, secrets: SecretContents, message) => {
    const targets = { dir: join(work, 'secrets', 'refused'), secrets, backendOrigin: 'http://127.0.0.1:9' };

    expect(() => localizeConfig(example, example.functions.acme, targets)).toThrow(message);
  });
});

describe('acme: HTTP Digest, against Apache httpd with mod_auth_digest (MD5, qop=auth)', () => {
  let apache: RunningApache;
  let dns: RunningDnsmasq;
  const synthesizedUrl = () => (example.functions.acme.config as { backend: { url: string } }).backend.url;
  const origins = () => ({
    backendOrigin: named(synthesizedUrl(), apache.baseUrl),
    dnsServers: [dns.server],
  });
  let gateway: LambdaHost;
  let config: Record<string, unknown>;
  const files = {
    'api/orders.json': '{"orders":["A-1041","A-1042"]}\n',
    'api/customers.json': '{"customers":["initrode"]}\n',
    'api/invoices.json': '{"invoices":[]}\n',
  };

  beforeAll(async () => {
    apache = await startApacheDigest({
      realm: 'acme orders',
      users: [{ username: ACME_USER, password: ACME_PASSWORD }],
      protectedPath: '/api/',
      echoPath: '/api/echo',
      files,
    });
    dns = await customerDns('acme');
    ({ host: gateway, config } = await startGateway(
      'acme',
      'acme',
      { credentials: { username: ACME_USER, password: ACME_PASSWORD } },
      origins(),
    ));
  });
  afterAll(async () => {
    await gateway?.stop();
    await apache?.stop();
    await dns?.stop();
  });

  /**
   * Apache's access-log lines for `path`, once `count` lines with `finalStatus` are there (Apache logs a
   * request after answering it; the last answer the gateway received is the last line).
   */
  async function apacheLines(
    method: string,
    path: string,
    finalStatus: number,
    count = 1,
  ): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines = apache.accessLog().filter((line) => line.startsWith(`${method} ${path} `));
      if (lines.filter((line) => line.endsWith(` ${finalStatus}`)).length >= count) return lines;
      if (Date.now() > deadline) throw new Error(`apache never logged ${method} ${path} ${finalStatus}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  test('GIVEN the synthesized configuration THEN only secret references and the origin are localized, and it is valid', () => {
    expect(withoutLocations(config)).toEqual(withoutLocations(example.functions.acme.config));
    expect(config).toMatchObject({
      name: 'acme',
      backend: {
        url: `http://orders.acme.internal:${new URL(apache.baseUrl).port}/api`,
        dns: { servers: [dns.server] },
      },
      security: { type: 'digest', password: { jsonKey: 'password' } },
    });
    expect(JSON.stringify(config)).not.toContain('secretArn');
    expect(example.functions.acme.handler).toBe('index.handler');
  });

  test('GIVEN a cold gateway WHEN GET /orders.json THEN Apache challenges once and its body comes back', async () => {
    const result = await gateway.invoke(albEvent({ path: '/orders.json' }));

    expect({ status: result.statusCode, body: bodyOf(result) }).toEqual({
      status: 200,
      body: files['api/orders.json'],
    });
    expect(await apacheLines('GET', '/api/orders.json', 200)).toEqual([
      'GET /api/orders.json 401',
      'GET /api/orders.json 200',
    ]);
  });

  test('GIVEN a warm gateway WHEN GET /customers.json THEN it costs one round trip to Apache', async () => {
    const result = await gateway.invoke(albEvent({ path: '/customers.json', multiValue: true }));

    expect({ status: result.statusCode, body: bodyOf(result) }).toEqual({
      status: 200,
      body: files['api/customers.json'],
    });
    expect(await apacheLines('GET', '/api/customers.json', 200)).toEqual(['GET /api/customers.json 200']);
  });

  test('GIVEN a JSON body WHEN POST /echo THEN Apache receives it intact (mod_reflector answers it back)', async () => {
    const body = JSON.stringify(ORDER);

    const result = await gateway.invoke(
      albEvent({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body }),
    );

    expect(result.statusCode).toBe(200);
    expect(headerOf(result, 'content-type')).toBe('application/json');
    expect(JSON.parse(bodyOf(result))).toEqual(ORDER);
    expect(await apacheLines('POST', '/api/echo', 200)).toEqual(['POST /api/echo 200']);
  });

  test("fails when the password in the secret file is wrong: Apache's 401 passes through", async () => {
    const wrong = await startGateway(
      'acme',
      'acme-wrong-password',
      { credentials: { username: ACME_USER, password: ACME_WRONG_PASSWORD } },
      origins(),
    );

    const result = await wrong.host.invoke(albEvent({ path: '/invoices.json' }));
    await wrong.host.stop();

    expect(result.statusCode).toBe(401);
    expect(headerOf(result, 'www-authenticate')).toMatch(/^Digest realm="acme orders"/);
    // The unauthenticated request and one answer to the challenge: no retry loop.
    expect(await apacheLines('GET', '/api/invoices.json', 401, 2)).toEqual([
      'GET /api/invoices.json 401',
      'GET /api/invoices.json 401',
    ]);
  });

  test("GIVEN the requests above THEN orders.acme.internal was resolved by acme's own DNS server", () => {
    expect(namesOf('acme')).toEqual(['orders.acme.internal']);
    expect(dns.queries()).toContain('A orders.acme.internal');
  });

  test("fails when the backend name does not resolve (another customer's DNS server): 502 BACKEND_DNS, Apache sees nothing", async () => {
    const other = await startDnsmasq({ records: { 'tps.initech.internal': ['127.0.0.1'] } });
    const entries = apache.accessLog().length;
    const lost = await startGateway(
      'acme',
      'acme-foreign-dns',
      { credentials: { username: ACME_USER, password: ACME_PASSWORD } },
      { ...origins(), dnsServers: [other.server] },
    );

    const result = await lost.host.invoke(albEvent({ path: '/orders.json' }));
    await lost.host.stop();
    await other.stop();

    expect(result.statusCode).toBe(502);
    expect(JSON.parse(result.body)).toMatchObject({ status: 502, code: 'BACKEND_DNS' });
    expect(apache.accessLog().length).toBe(entries);
  });
});

describe('globex: mutual TLS + OAuth 2.0 client credentials, against nginx (ssl_verify_client) and oidc-provider', () => {
  let pki: TestPki;
  let clientCa: Issued;
  let clientCert: Issued;
  let backendCa: Issued;
  let loginCa: Issued;
  let oauth: OAuthServer;
  let backend: RunningBackend;
  let nginx: NginxTls;
  let gateway: LambdaHost;
  let config: Record<string, unknown>;
  let dns: RunningDnsmasq;

  /** The secrets the construct documents for globex (JSON keys as in its descriptions), some replaced. */
  const secretsWith = (overrides: SecretContents = {}): SecretContents => ({
    'client-certificate': { certificate: clientCert.cert, privateKey: clientCert.key },
    'backend-ca': { caBundle: backendCa.cert },
    'token-endpoint-ca': { caBundle: loginCa.cert },
    'oauth-client-secret': { clientSecret: GLOBEX_CLIENT_SECRET },
    ...overrides,
  });
  const synthesized = () =>
    example.functions.globex.config as { backend: { url: string }; security: { tokenUrl: string } };
  const origins = () => ({
    backendOrigin: named(synthesized().backend.url, nginx.origin),
    tokenEndpointOrigin: named(synthesized().security.tokenUrl, oauth.origin),
    dnsServers: [dns.server],
  });

  beforeAll(async () => {
    pki = await TestPki.create();
    backendCa = await pki.ca('globex-backend-ca');
    clientCa = await pki.ca('globex-client-ca');
    loginCa = await pki.ca('globex-login-ca');
    // The loopback servers stand in for api.globex.internal and login.globex.internal: globex's DNS
    // server answers those names with 127.0.0.1, and their certificates carry the names only (no IP), so
    // every connection verifies the name.
    const nginxCert = await pki.issue('globex-api', backendCa, {
      cn: 'api.globex.internal',
      sans: ['DNS:api.globex.internal'],
      usage: 'server',
    });
    const loginCert = await pki.issue('globex-login', loginCa, {
      cn: 'login.globex.internal',
      // login.test: the name the test's own calls to the OAuth server (stats, token checks) verify.
      sans: ['DNS:login.globex.internal', 'DNS:login.test'],
      usage: 'server',
    });
    clientCert = await pki.issue('apicloud-gateway', clientCa, { cn: 'apicloud-gateway', usage: 'client' });
    secretValues.push(clientCert.key, ...pemLines(clientCert.key));

    // The OAuth client the handoff asks globex to register, from the synthesized configuration.
    const security = example.functions.globex.config.security as {
      clientId: string;
      scope: string;
      tokenUrl: string;
    };
    oauth = await startOAuthServer({
      cwd: pki.dir,
      clients: [
        {
          client_id: security.clientId,
          client_secret: GLOBEX_CLIENT_SECRET,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: security.scope,
        },
      ],
      scopes: security.scope.split(' '),
      tokenPath: new URL(security.tokenUrl).pathname,
      tls: { certFile: loginCert.certFile, keyFile: loginCert.keyFile, caPem: loginCa.cert },
    });

    // Behind nginx: accepts a request only with a bearer token the OAuth server says is live.
    backend = await startBackend((req, res, body) => {
      const authorization = req.headers.authorization ?? '';
      const token = /^Bearer (.+)$/.exec(authorization)?.[1];
      if (token) bearerTokens.add(token);
      void (token ? oauth.check(authorization) : Promise.resolve(401)).then((tokenStatus) => {
        if (tokenStatus !== 200) {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            url: req.url,
            clientVerify: req.headers['x-client-verify'],
            clientSerial: req.headers['x-client-serial'],
            contentType: req.headers['content-type'],
            body: body.toString('utf8'),
          }),
        );
      });
    });
    nginx = await startNginxTls({
      certFile: nginxCert.certFile,
      keyFile: nginxCert.keyFile,
      clientCaFile: clientCa.certFile,
      proxyTo: backend.baseUrl,
    });
    dns = await customerDns('globex');
    ({ host: gateway, config } = await startGateway('globex', 'globex', secretsWith(), origins()));
  });
  afterAll(async () => {
    await gateway?.stop();
    await nginx?.stop();
    await backend?.stop();
    await oauth?.stop();
    await dns?.stop();
    pki?.cleanup();
  });

  test('GIVEN the synthesized configuration THEN only secret references and origins are localized, and it is valid', () => {
    expect(withoutLocations(config)).toEqual(withoutLocations(example.functions.globex.config));
    expect(config).toMatchObject({
      name: 'globex',
      backend: {
        url: `https://api.globex.internal:${new URL(nginx.origin).port}/v2`,
        tls: { clientCertificate: { key: { jsonKey: 'privateKey' } } },
        dns: { servers: [dns.server] },
      },
      security: {
        type: 'oauth2-client-credentials',
        tokenUrl: `https://login.globex.internal:${new URL(oauth.origin).port}/oauth2/token`,
      },
    });
    expect(JSON.stringify(config)).not.toContain('secretArn');
  });

  test('GIVEN the client certificate and a token WHEN GET /items twice THEN nginx verifies the certificate, the backend accepts the token, fetched once', async () => {
    const first = await gateway.invoke(albEvent({ path: '/items', query: { limit: '2' }, multiValue: true }));
    const second = await gateway.invoke(albEvent({ path: '/items', query: { limit: '3' } }));

    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(bodyOf(first))).toMatchObject({
      url: '/v2/items?limit=2',
      clientVerify: 'SUCCESS',
      clientSerial: clientCert.serial,
    });
    expect(JSON.parse(bodyOf(second))).toMatchObject({ url: '/v2/items?limit=3', clientVerify: 'SUCCESS' });
    const stats = await oauth.stats();
    expect(stats.tokenRequests).toBe(1);
    expect(stats.lastParams).toEqual({
      grant_type: 'client_credentials',
      scope: 'inventory:read inventory:write',
    });
    expect(bearerTokens.size).toBe(1);
  });

  test('GIVEN a JSON body WHEN POST /items THEN the backend behind nginx receives it intact', async () => {
    const result = await gateway.invoke(
      albEvent({
        method: 'POST',
        path: '/items',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(ORDER)),
      }),
    );

    expect(result.statusCode).toBe(200);
    const seen = JSON.parse(bodyOf(result)) as { url: string; contentType: string; body: string };
    expect(seen).toMatchObject({ url: '/v2/items', contentType: 'application/json' });
    expect(JSON.parse(seen.body)).toEqual(ORDER);
  });

  test('fails closed when the client certificate is not from the CA nginx trusts: nginx answers 400, nothing reaches the backend', async () => {
    const stranger = await pki.issue('stranger', await pki.ca('stranger-ca'), {
      cn: 'apicloud-gateway',
      usage: 'client',
    });
    secretValues.push(stranger.key);
    const before = backend.requests.length;
    const wrong = await startGateway(
      'globex',
      'globex-stranger-certificate',
      secretsWith({ 'client-certificate': { certificate: stranger.cert, privateKey: stranger.key } }),
      origins(),
    );

    const result = await wrong.host.invoke(albEvent({ path: '/items' }));
    await wrong.host.stop();

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toContain('The SSL certificate error');
    expect(backend.requests.length).toBe(before);
  });

  test('fails closed when the token endpoint CA secret does not hold its issuer: 503 CREDENTIALS_UNAVAILABLE, nothing forwarded', async () => {
    const before = backend.requests.length;
    const entries = nginx.accessLog().length;
    const wrong = await startGateway(
      'globex',
      'globex-wrong-token-ca',
      secretsWith({ 'token-endpoint-ca': { caBundle: backendCa.cert } }),
      origins(),
    );

    const result = await wrong.host.invoke(albEvent({ path: '/items' }));
    await wrong.host.stop();

    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({ status: 503, code: 'CREDENTIALS_UNAVAILABLE' });
    expect(backend.requests.length).toBe(before);
    expect(nginx.accessLog().length).toBe(entries);
  });

  test("GIVEN the requests above THEN api.globex.internal and login.globex.internal were resolved by globex's own DNS server", () => {
    expect(namesOf('globex')).toEqual(['api.globex.internal', 'login.globex.internal']);
    expect(dns.queries()).toEqual(
      expect.arrayContaining(['A api.globex.internal', 'A login.globex.internal']),
    );
  });
});

describe('initech: HMAC request signing + trusted sources, against a joyent http-signature verifier', () => {
  let backend: RunningBackend;
  let dns: RunningDnsmasq;
  let gateway: LambdaHost;
  let config: Record<string, unknown>;
  const KEYS: Record<string, string> = { 'apicloud-gateway-2026': INITECH_HMAC_KEY };

  beforeAll(async () => {
    backend = await startBackend(
      signatureVerifier(
        (parsed) => KEYS[parsed.keyId] !== undefined && verifyHMAC(parsed, KEYS[parsed.keyId]),
      ),
    );
    dns = await customerDns('initech');
    const synthesizedUrl = (example.functions.initech.config as { backend: { url: string } }).backend.url;
    ({ host: gateway, config } = await startGateway(
      'initech',
      'initech',
      { 'signing-key': { key: INITECH_HMAC_KEY } },
      { backendOrigin: named(synthesizedUrl, backend.baseUrl), dnsServers: [dns.server] },
    ));
  });
  afterAll(async () => {
    await gateway?.stop();
    await backend?.stop();
    await dns?.stop();
  });

  const fromClient = (xForwardedFor: string) => ({ 'x-forwarded-for': xForwardedFor });

  test('GIVEN the synthesized configuration THEN only secret references and the origin are localized, and it is valid', () => {
    expect(withoutLocations(config)).toEqual(withoutLocations(example.functions.initech.config));
    expect(config).toMatchObject({
      name: 'initech',
      backend: { url: `http://tps.initech.internal:${backend.port}/reports`, dns: { servers: [dns.server] } },
      security: { type: 'signature', keyId: 'apicloud-gateway-2026', algorithm: 'hmac-sha256' },
      trustedSources: { cidrs: ['10.40.0.64/26'] },
    });
  });

  test('GIVEN a trusted source WHEN GET /daily THEN the backend verifies the signature', async () => {
    const result = await gateway.invoke(
      albEvent({ path: '/daily', query: { date: '2026-11-23' }, headers: fromClient(TRUSTED_CLIENT) }),
    );

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(bodyOf(result))).toMatchObject({
      verified: true,
      digestMatchesBody: true,
      keyId: 'apicloud-gateway-2026',
      algorithm: 'HMAC-SHA256',
      signedHeaders: ['(request-target)', 'host', 'date', 'digest'],
      url: '/reports/daily?date=2026-11-23',
    });
  });

  test('GIVEN a trusted source WHEN POST a JSON body THEN it is signed with its digest and arrives intact', async () => {
    const result = await gateway.invoke(
      albEvent({
        method: 'POST',
        path: '/weekly',
        headers: { ...fromClient(`203.0.113.50, ${TRUSTED_CLIENT}`), 'content-type': 'application/json' },
        body: JSON.stringify(ORDER),
      }),
    );

    expect(result.statusCode).toBe(200);
    const seen = JSON.parse(bodyOf(result)) as Record<string, unknown>;
    expect(seen).toMatchObject({ verified: true, digestMatchesBody: true, contentType: 'application/json' });
    expect(JSON.parse(seen.body as string)).toEqual(ORDER);
  });

  test.each([
    ['the load balancer appended an untrusted address', UNTRUSTED_CLIENT],
    [
      'a client-supplied trusted entry precedes an untrusted appended one',
      `${TRUSTED_CLIENT}, ${UNTRUSTED_CLIENT}`,
    ],
  ])('fails when %s: 403 SOURCE_DENIED and the backend sees nothing', async (_, xForwardedFor) => {
    const before = backend.requests.length;

    const result = await gateway.invoke(
      albEvent({ method: 'POST', path: '/daily', headers: fromClient(xForwardedFor), body: '{}' }),
    );

    expect(result.statusCode).toBe(403);
    expect(headerOf(result, 'content-type')).toBe('application/problem+json');
    expect(JSON.parse(result.body)).toMatchObject({ status: 403, code: 'SOURCE_DENIED' });
    expect(backend.requests.length).toBe(before);
  });
  test("GIVEN the requests above THEN tps.initech.internal was resolved by initech's own DNS server", () => {
    expect(namesOf('initech')).toEqual(['tps.initech.internal']);
    expect(dns.queries()).toContain('A tps.initech.internal');
  });
});

describe("wonka: HTTP Basic auth through a VPC Lattice resource endpoint (backend.connectTo), the backend's own Host and TLS name", () => {
  const WONKA_USER = 'apicloud-gateway';
  const WONKA_PASSWORD = 'wonka-basic: 9c2e7f41-never-logged';
  /** A loopback address of its own stands in for the endpoint's network interface in the customer's subnet. */
  const ENDPOINT_ADDRESS = '127.0.0.4';
  let pki: TestPki;
  let ca: Issued;
  let server: HttpsServer;
  let port: number;
  let gateway: LambdaHost;
  let config: Record<string, unknown>;
  const seen: Array<{ host?: string; servername?: string; url?: string; authorized: boolean }> = [];

  beforeAll(async () => {
    secretValues.push(WONKA_PASSWORD);
    pki = await TestPki.create();
    ca = await pki.ca('wonka-ca');
    // The backend's certificate names only the backend: not the endpoint's name, not an address.
    const cert = await pki.issue('orders-wonka', ca, {
      cn: 'orders.wonka.internal',
      sans: ['DNS:orders.wonka.internal'],
      usage: 'server',
    });
    const expected = `Basic ${Buffer.from(`${WONKA_USER}:${WONKA_PASSWORD}`).toString('base64')}`;
    server = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      const authorized = req.headers.authorization === expected;
      seen.push({
        host: req.headers.host,
        servername: (req.socket as unknown as { servername?: string }).servername,
        url: req.url,
        authorized,
      });
      req.resume();
      req.on('end', () => {
        res.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ who: 'wonka', url: req.url }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, ENDPOINT_ADDRESS, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    const fn = example.functions.wonka;
    config = localizeConfig(example, fn, {
      dir: join(work, 'secrets', 'wonka'),
      secrets: { credentials: { username: WONKA_USER, password: WONKA_PASSWORD } },
      backendOrigin: `https://orders.wonka.internal:${port}`,
      connectTo: `${ENDPOINT_ADDRESS}:${port}`,
    });
    validateConfig(config);
    // The customer's CA is trusted the way a Lambda function can trust one without a client certificate:
    // Node's NODE_EXTRA_CA_CERTS (the configuration names no CA).
    gateway = await startLambda(fn.bundleFile, {
      ...fn.environment,
      GATEWAY_CONFIG: JSON.stringify(config),
      NODE_EXTRA_CA_CERTS: ca.certFile,
    });
    hosts.push({ customer: 'wonka', host: gateway });
  });
  afterAll(async () => {
    await gateway?.stop();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    pki?.cleanup();
  });

  test("GIVEN the synthesized configuration THEN it connects to the resource endpoint's DNS name and keeps the backend's URL", () => {
    const synthesized = example.functions.wonka.config as { backend: Record<string, unknown> };
    expect(synthesized.backend).toEqual({
      url: 'https://orders.wonka.internal:8443/api',
      connectTo: expect.stringMatching(
        /^\$\{aws_vpc_endpoint\.[A-Za-z0-9_]+\.dns_entry\[0\]\.dns_name\}:8443$/,
      ),
    });
    expect(withoutLocations(config)).toEqual(withoutLocations(synthesized));
  });

  test("GIVEN a request THEN it reaches the backend at the endpoint's address with the backend's own Host and TLS name, authenticated", async () => {
    const before = seen.length;
    const result = await gateway.invoke(
      albEvent({ path: '/orders/42', headers: { 'x-forwarded-for': TRUSTED_CLIENT } }),
    );

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(bodyOf(result))).toEqual({ who: 'wonka', url: '/api/orders/42' });
    expect(seen.slice(before)).toEqual([
      {
        host: `orders.wonka.internal:${port}`,
        servername: 'orders.wonka.internal',
        url: '/api/orders/42',
        authorized: true,
      },
    ]);
  });
});

describe('what the handlers logged', () => {
  test('GIVEN every handler run above THEN each logged JSON lines, and none holds a secret value', () => {
    const customers = new Set(hosts.map((h) => h.customer));
    expect([...customers].sort()).toEqual(['acme', 'globex', 'initech', 'wonka']);
    for (const { customer, host } of hosts) {
      const lines = host.output().split('\n').filter(Boolean);
      expect({ customer, logged: lines.length > 0 }).toEqual({ customer, logged: true });
      for (const line of lines) {
        const entry = JSON.parse(line) as { name?: string; Gateway?: string };
        expect({ customer, gateway: entry.name ?? entry.Gateway }).toEqual({ customer, gateway: customer });
      }
      for (const value of [...secretValues, ...bearerTokens]) {
        expect({ customer, leaked: host.output().includes(value) }).toEqual({ customer, leaked: false });
      }
    }
    // The scan covered the bearer token the globex backend received, too.
    expect(bearerTokens.size).toBe(1);
  });
});
