/**
 * Private backend names through both adapters (the Lambda ALB handler in both header modes, and the
 * standalone server), resolved by the customer's own DNS server: dnsmasq on 127.0.0.1 and an ephemeral
 * port. The backends are HTTPS servers on other loopback addresses (127.0.0.2-4) whose certificates name
 * only the private name, so a request that succeeds proves that TLS verified the name, not the address.
 */
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { RunningDnsmasq, startDnsmasq } from '../support/dnsmasq';
import { Issued, TestPki } from '../support/pki';
import { captureLines, secretFiles } from './fixtures/harness';
import { ADAPTERS } from './support/adapters';

jest.setTimeout(60_000);

interface HttpsBackend {
  readonly port: number;
  /** Authorization headers seen, in order. */
  readonly authorizations: Array<string | undefined>;
  stop(): Promise<void>;
}

/** An HTTPS server on `host` that answers JSON naming `who` (and for `/oauth2/token`, a bearer token). */
async function httpsBackend(host: string, cert: Issued, who: string, port = 0): Promise<HttpsBackend> {
  const authorizations: Array<string | undefined> = [];
  const server: Server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/oauth2/token' && req.method === 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `token-of-${who}`, token_type: 'Bearer', expires_in: 300 }));
        return;
      }
      authorizations.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ who, url: req.url, host: req.headers.host }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    authorizations,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const files = secretFiles();
let pki: TestPki;
let acmeCa: Issued;
let acme: HttpsBackend;
let acmeLogin: HttpsBackend;
let acmeDns: RunningDnsmasq;

beforeAll(async () => {
  pki = await TestPki.create();
  acmeCa = await pki.ca('acme-private-ca');
  // Names only: no IP SAN, so the address the name resolves to can never satisfy the check.
  const orders = await pki.issue('orders', acmeCa, {
    cn: 'orders.acme.internal',
    sans: ['DNS:orders.acme.internal'],
    usage: 'server',
  });
  const login = await pki.issue('login', acmeCa, {
    cn: 'login.acme.internal',
    sans: ['DNS:login.acme.internal'],
    usage: 'server',
  });
  acme = await httpsBackend('127.0.0.2', orders, 'acme');
  acmeLogin = await httpsBackend('127.0.0.2', login, 'acme-login');
  acmeDns = await startDnsmasq({
    records: {
      'orders.acme.internal': ['127.0.0.2'],
      'login.acme.internal': ['127.0.0.2'],
      // The same address as orders, under a name its certificate does not carry.
      'alias.acme.internal': ['127.0.0.2'],
    },
  });
});
afterAll(async () => {
  await Promise.all([acme?.stop(), acmeLogin?.stop(), acmeDns?.stop()]);
  pki?.cleanup();
  files.remove();
});

const acmeConfig = (host: string, extra: Partial<GatewayConfig> = {}): GatewayConfig => ({
  version: 1,
  name: 'acme',
  backend: {
    url: `https://${host}:${acme.port}/api`,
    tls: { ca: files.file(acmeCa.cert) },
    dns: { servers: [acmeDns.server] },
  },
  security: { type: 'none' },
  ...extra,
});

const problem = (code: string, title: string, status: number) => ({
  type: `urn:backend-link:problem:${code.toLowerCase().replace(/_/g, '-')}`,
  title,
  status,
  code,
});

describe.each(ADAPTERS)('through the $name', (adapter) => {
  test("GIVEN the customer's DNS server WHEN a request goes to orders.acme.internal THEN dnsmasq resolves it and TLS verifies the name", async () => {
    const log = captureLines();
    const before = acmeDns.queries().length;
    const gateway = await adapter.start(acmeConfig('orders.acme.internal'), log.sink);

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      who: 'acme',
      url: '/api/orders',
      host: `orders.acme.internal:${acme.port}`,
    });
    expect(acmeDns.queries().slice(before)).toEqual(['A orders.acme.internal']);
  });

  test('fails when the name does not resolve: 502 BACKEND_DNS as problem JSON, without internal detail, and logged', async () => {
    const log = captureLines();
    const gateway = await adapter.start(acmeConfig('missing.acme.internal'), log.sink);

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(answer.status).toBe(502);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body).toEqual({
      ...problem('BACKEND_DNS', 'Backend name not resolved', 502),
      instance: expect.stringMatching(/^urn:request:/),
    });
    expect(answer.text).not.toContain('missing.acme.internal');
    expect(answer.text).not.toContain(acmeDns.server);
    expect(log.logs()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'warn',
          event: 'dns-lookup-failed',
          name: 'acme',
          target: 'backend',
          host: 'missing.acme.internal',
          reason: 'ENOTFOUND',
        }),
        expect.objectContaining({ status: 502, error: 'BACKEND_DNS' }),
      ]),
    );
  });

  test('fails when a name resolves to the right address but the certificate does not carry it: 502 BACKEND_TLS (the name is verified, not the address)', async () => {
    const gateway = await adapter.start(acmeConfig('alias.acme.internal'), captureLines().sink);

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text)).toMatchObject(
      problem('BACKEND_TLS', 'Backend TLS verification failed', 502),
    );
  });

  test('prevents a fallback to the system resolver: "localhost" is not a customer name, so it is BACKEND_DNS', async () => {
    // The system resolver would answer 127.0.0.1 (and the request would then fail as BACKEND_UNREACHABLE);
    // the customer's server does not know the name, and nothing else is asked.
    const gateway = await adapter.start(acmeConfig('localhost'), captureLines().sink);

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(JSON.parse(answer.text)).toMatchObject(problem('BACKEND_DNS', 'Backend name not resolved', 502));
  });

  test('GIVEN OAuth 2.0 WHEN the token URL is a private name THEN it resolves through backend.dns too, and the token reaches the backend', async () => {
    const before = acmeDns.queries().length;
    const gateway = await adapter.start(
      acmeConfig('orders.acme.internal', {
        security: {
          type: 'oauth2-client-credentials',
          tokenUrl: `https://login.acme.internal:${acmeLogin.port}/oauth2/token`,
          clientId: 'gateway',
          clientSecret: files.file('client-secret'),
          tokenEndpointTls: { ca: files.file(acmeCa.cert) },
        },
      }),
      captureLines().sink,
    );

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(answer.status).toBe(200);
    expect(acme.authorizations.at(-1)).toBe('Bearer token-of-acme-login');
    expect(acmeDns.queries().slice(before).sort()).toEqual([
      'A login.acme.internal',
      'A orders.acme.internal',
    ]);
  });

  test('fails when the token URL does not resolve: 503 CREDENTIALS_UNAVAILABLE, nothing forwarded, the lookup logged', async () => {
    const log = captureLines();
    const seen = acme.authorizations.length;
    const gateway = await adapter.start(
      acmeConfig('orders.acme.internal', {
        security: {
          type: 'oauth2-client-credentials',
          tokenUrl: `https://nologin.acme.internal:${acmeLogin.port}/oauth2/token`,
          clientId: 'gateway',
          clientSecret: files.file('client-secret'),
        },
      }),
      log.sink,
    );

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(JSON.parse(answer.text)).toMatchObject(
      problem('CREDENTIALS_UNAVAILABLE', 'Backend credentials unavailable', 503),
    );
    expect(acme.authorizations.length).toBe(seen);
    expect(log.logs()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'dns-lookup-failed',
          target: 'token endpoint',
          host: 'nologin.acme.internal',
          reason: 'ENOTFOUND',
        }),
      ]),
    );
  });
});

describe('two customers with the same domain', () => {
  // Both call their backend orders.corp.internal, on the same port; each name lives in the customer's
  // own DNS and points into the customer's own network (here: 127.0.0.3 and 127.0.0.4).
  let first: { ca: Issued; backend: HttpsBackend; dns: RunningDnsmasq };
  let second: { ca: Issued; backend: HttpsBackend; dns: RunningDnsmasq };

  async function customer(name: string, address: string, port?: number) {
    const ca = await pki.ca(`${name}-ca`);
    const cert = await pki.issue(name, ca, {
      cn: 'orders.corp.internal',
      sans: ['DNS:orders.corp.internal'],
      usage: 'server',
    });
    const backend = await httpsBackend(address, cert, name, port);
    const dns = await startDnsmasq({ records: { 'orders.corp.internal': [address] } });
    return { ca, backend, dns };
  }

  beforeAll(async () => {
    first = await customer('initrode', '127.0.0.3');
    second = await customer('umbrella', '127.0.0.4', first.backend.port);
  });
  afterAll(async () => {
    for (const c of [first, second]) await Promise.all([c?.backend.stop(), c?.dns.stop()]);
  });

  const configOf = (
    name: string,
    c: { ca: Issued; backend: HttpsBackend; dns: RunningDnsmasq },
  ): GatewayConfig => ({
    version: 1,
    name,
    backend: {
      url: `https://orders.corp.internal:${c.backend.port}/api`,
      tls: { ca: files.file(c.ca.cert) },
      dns: { servers: [c.dns.server] },
    },
    security: { type: 'none' },
  });

  test.each(ADAPTERS)(
    'GIVEN both gateways in one process ($name) WHEN requests alternate THEN each reaches its own backend through its own DNS',
    async (adapter) => {
      expect(configOf('a', first).backend.url).toBe(configOf('b', second).backend.url);
      const a = await adapter.start(configOf('initrode', first), captureLines().sink);
      const b = await adapter.start(configOf('umbrella', second), captureLines().sink);

      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(JSON.parse((await a.call({ path: `/a${i}` })).text).who);
        answers.push(JSON.parse((await b.call({ path: `/b${i}` })).text).who);
      }
      await Promise.all([a.stop(), b.stop()]);

      expect(answers).toEqual(['initrode', 'umbrella', 'initrode', 'umbrella', 'initrode', 'umbrella']);
      expect(first.dns.queries()).toContain('A orders.corp.internal');
      expect(second.dns.queries()).toContain('A orders.corp.internal');
    },
  );
});
