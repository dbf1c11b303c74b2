/**
 * Issue 20: `backend.allowedAddresses`: every resolved address of the backend and of the token endpoint
 * (through dnsmasq, pins or the system resolver) must be in the blocks, else 502 BACKEND_ADDRESS_NOT_ALLOWED.
 */
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { BackendAddressNotAllowedError } from '../../../gateway-runtime/src/core/errors';
import { createGateway } from '../../../gateway-runtime/src/proxy';
import { RunningDnsmasq, startDnsmasq } from '../../support/dnsmasq';
import { echoHandler, RunningBackend, startBackend } from '../../support/loopback-backends';
import { gatewayResolvers } from '../config/support/resolved';

jest.setTimeout(30_000);

let dnsmasq: RunningDnsmasq;
let backend: RunningBackend;
beforeAll(async () => {
  [dnsmasq, backend] = await Promise.all([
    startDnsmasq({
      records: {
        'orders.acme.internal': ['127.0.0.1'],
        'poisoned.acme.internal': ['127.0.0.1', '127.0.9.9'],
        'login.acme.internal': ['127.0.8.8'],
      },
    }),
    startBackend(echoHandler),
  ]);
});
afterAll(async () => {
  await Promise.all([dnsmasq?.stop(), backend?.stop()]);
});

const config = (host: string, allowedAddresses?: string[]): GatewayConfig =>
  validateConfig({
    version: 1,
    name: 'acme',
    backend: {
      url: `http://${host}:${backend.port}/api`,
      dns: { servers: [dnsmasq.server] },
      ...(allowedAddresses ? { allowedAddresses } : {}),
    },
    security: { type: 'none' },
  });

async function call(cfg: GatewayConfig) {
  const gateway = createGateway(cfg, { logSink: () => undefined, metricsSink: () => undefined });
  try {
    const response = await gateway.handle(
      { method: 'GET', path: '/x', headers: {}, protocol: 'https' },
      { bufferResponse: true },
    );
    return { status: response.status, body: (response.body as Buffer).toString() };
  } finally {
    await gateway.close();
  }
}

test('GIVEN the resolved address inside backend.allowedAddresses THEN the request is proxied', async () => {
  expect((await call(config('orders.acme.internal', ['127.0.0.0/30']))).status).toBe(200);
});

test('fails when one resolved address is outside backend.allowedAddresses: 502 BACKEND_ADDRESS_NOT_ALLOWED, nothing reaches the backend', async () => {
  const before = backend.requests.length;
  const answer = await call(config('poisoned.acme.internal', ['127.0.0.0/30']));
  expect(answer.status).toBe(502);
  expect(JSON.parse(answer.body)).toMatchObject({ code: 'BACKEND_ADDRESS_NOT_ALLOWED' });
  expect(backend.requests.length).toBe(before);
});

test('GIVEN no allowedAddresses THEN the same name is proxied (the check is what refused it)', async () => {
  expect((await call(config('poisoned.acme.internal'))).status).toBe(200);
});

test('fails when the token endpoint resolves outside backend.allowedAddresses, and through the system resolver too', async () => {
  const oauth = validateConfig({
    version: 1,
    name: 'acme',
    backend: {
      url: 'https://orders.acme.internal/api',
      dns: { servers: [dnsmasq.server] },
      allowedAddresses: ['127.0.0.0/30'],
    },
    security: {
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://login.acme.internal/token',
      clientId: 'gw',
      clientSecret: { env: 'X' },
    },
  });
  const resolvers = gatewayResolvers(oauth, { log: () => undefined });
  await expect(resolvers.tokenEndpoint!.resolve('login.acme.internal')).rejects.toBeInstanceOf(
    BackendAddressNotAllowedError,
  );
  await expect(resolvers.backend!.resolve('orders.acme.internal')).resolves.toEqual([
    { address: '127.0.0.1', family: 4 },
  ]);
  const system = gatewayResolvers(
    validateConfig({
      version: 1,
      name: 'acme',
      backend: { url: 'https://localhost/api', allowedAddresses: ['10.0.0.0/8'] },
      security: { type: 'none' },
    }),
  );
  await expect(system.backend!.resolve('localhost')).rejects.toMatchObject({
    code: 'BACKEND_ADDRESS_NOT_ALLOWED',
  });
});

describe('backend.allowedAddresses validation', () => {
  const problems = (backendExtra: object) => {
    try {
      validateConfig({
        version: 1,
        name: 'x',
        backend: { url: 'http://10.1.2.3:8080', ...backendExtra },
        security: { type: 'none' },
      });
      return [];
    } catch (error) {
      return (error as { problems: Array<{ path: string; message: string }> }).problems.map((p) => p.path);
    }
  };
  test.each([
    ['a block that is not a CIDR', { allowedAddresses: ['10.0.0.0/33'] }, ['backend.allowedAddresses[0]']],
    ['an empty list', { allowedAddresses: [] }, ['backend.allowedAddresses']],
    ['an address URL outside the blocks', { allowedAddresses: ['192.168.0.0/16'] }, ['backend.url']],
  ])('fails when it has %s', (_what, extra, paths) => {
    expect(problems(extra)).toEqual(paths);
  });
  test('GIVEN an address URL inside the blocks THEN it is valid', () => {
    expect(problems({ allowedAddresses: ['10.0.0.0/8'] })).toEqual([]);
  });
});
