/**
 * The resolver of `backend.dns` against a real DNS server: dnsmasq on 127.0.0.1 and an ephemeral port,
 * answering the customer's private names.
 */
import { createSocket, Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { BackendDnsError } from '../../../gateway-runtime/src/core/errors';
import type { LogEntry } from '../../../gateway-runtime/src/secrets/types';
import { RunningDnsmasq, startDnsmasq } from '../../support/dnsmasq';
import { RCODE, startFailingDns } from '../../support/failing-dns';
import { backendResolver, gatewayResolvers } from '../config/support/resolved';

jest.setTimeout(30_000);

let dnsmasq: RunningDnsmasq;
/** 100 A records: the answer (~1.6 KB) does not fit a UDP answer (c-ares: EDNS 1232 bytes), only TCP. */
const MANY = Array.from({ length: 100 }, (_, i) => `127.0.1.${i + 1}`);

beforeAll(async () => {
  dnsmasq = await startDnsmasq({
    records: {
      'orders.acme.internal': ['127.0.0.1'],
      'dual.acme.internal': ['127.0.0.2', '::1'],
      'many.acme.internal': MANY,
    },
    ttlSeconds: 30,
  });
});
afterAll(async () => {
  await dnsmasq?.stop();
});

/** A DNS server that receives every query and never answers. */
async function silentServer(): Promise<{ server: string; received: () => number; close: () => void }> {
  const socket: Socket = createSocket('udp4');
  let received = 0;
  socket.on('message', () => (received += 1));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return { server: `127.0.0.1:${port}`, received: () => received, close: () => socket.close() };
}

async function failure(promise: Promise<unknown>): Promise<BackendDnsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BackendDnsError) return error;
    throw error;
  }
  throw new Error('expected a BackendDnsError');
}

describe('createBackendResolver against dnsmasq', () => {
  test("GIVEN the customer's server on a non-standard port WHEN resolving its private name THEN dnsmasq answers it", async () => {
    const resolver = backendResolver({ servers: [dnsmasq.server] });
    const before = dnsmasq.queries().length;

    const addresses = await resolver.resolve('orders.acme.internal');

    expect(addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(dnsmasq.queries().slice(before)).toEqual(['A orders.acme.internal']);
  });

  test('GIVEN an answer with a TTL WHEN resolving again within it THEN the cache answers, one query in all', async () => {
    let clock = 1_000_000;
    const resolver = backendResolver({ servers: [dnsmasq.server] }, { now: () => clock });

    await resolver.resolve('orders.acme.internal');
    clock += 29_000;
    await resolver.resolve('ORDERS.acme.internal.');

    expect(resolver.queries).toBe(1);
    clock += 2_000; // past the record's 30 s
    await resolver.resolve('orders.acme.internal');
    expect(resolver.queries).toBe(2);
  });

  test("GIVEN maxTtlSeconds below the record's TTL THEN the answer is asked for again after maxTtlSeconds", async () => {
    let clock = 1_000_000;
    const resolver = backendResolver({ servers: [dnsmasq.server], maxTtlSeconds: 5 }, { now: () => clock });

    await resolver.resolve('orders.acme.internal');
    clock += 4_999;
    await resolver.resolve('orders.acme.internal');
    expect(resolver.queries).toBe(1);
    clock += 2;
    await resolver.resolve('orders.acme.internal');
    expect(resolver.queries).toBe(2);
  });

  test('GIVEN 30 connections needing the name at once THEN one query is sent', async () => {
    const resolver = backendResolver({ servers: [dnsmasq.server] });
    const before = dnsmasq.queries().length;

    const answers = await Promise.all(
      Array.from({ length: 30 }, () => resolver.resolve('orders.acme.internal')),
    );

    expect(new Set(answers.map((a) => a[0].address))).toEqual(new Set(['127.0.0.1']));
    expect(resolver.queries).toBe(1);
    expect(dnsmasq.queries().slice(before)).toEqual(['A orders.acme.internal']);
  });

  test('GIVEN an answer too large for UDP THEN the resolver falls back to TCP and gets every address', async () => {
    const resolver = backendResolver({ servers: [dnsmasq.server] });

    const addresses = await resolver.resolve('many.acme.internal');

    expect(addresses.map((a) => a.address).sort()).toEqual([...MANY].sort());
  });

  test.each([
    ['ipv4', 0, [{ address: '127.0.0.2', family: 4 }]],
    ['ipv6', 0, [{ address: '::1', family: 6 }]],
    [
      'any',
      0,
      [
        { address: '127.0.0.2', family: 4 },
        { address: '::1', family: 6 },
      ],
    ],
    ['any', 6, [{ address: '::1', family: 6 }]],
  ] as const)(
    'GIVEN family %s WHEN Node asks for family %s THEN the matching records come back',
    async (family, asked, expected) => {
      const resolver = backendResolver({ servers: [dnsmasq.server], family });

      expect(await resolver.resolve('dual.acme.internal', asked)).toEqual(expected);
    },
  );

  test('GIVEN the lookup function net.connect calls THEN it answers both the single and the all form', async () => {
    const { lookup } = backendResolver({ servers: [dnsmasq.server] });

    const single = await new Promise((resolve, reject) =>
      lookup('orders.acme.internal', { family: 0 }, (error, address, family) =>
        error ? reject(error) : resolve({ address, family }),
      ),
    );
    const all = await new Promise((resolve, reject) =>
      lookup('orders.acme.internal', { all: true }, (error, addresses) =>
        error ? reject(error) : resolve(addresses),
      ),
    );

    expect(single).toEqual({ address: '127.0.0.1', family: 4 });
    expect(all).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  test('fails when the name does not exist: BACKEND_DNS (NXDOMAIN), logged once a minute', async () => {
    const entries: LogEntry[] = [];
    const resolver = backendResolver({ servers: [dnsmasq.server] }, { log: (e) => entries.push(e) });

    const error = await failure(resolver.resolve('nope.acme.internal'));
    await failure(resolver.resolve('nope.acme.internal'));

    expect({ code: error.code, status: error.status }).toEqual({ code: 'BACKEND_DNS', status: 502 });
    expect(error.message).toBe(
      `backend name nope.acme.internal not resolved through ${dnsmasq.server}: no such name (NXDOMAIN) (ENOTFOUND)`,
    );
    expect(entries).toEqual([
      {
        level: 'warn',
        event: 'dns-lookup-failed',
        target: 'backend',
        host: 'nope.acme.internal',
        servers: [dnsmasq.server],
        reason: 'ENOTFOUND',
      },
    ]);
  });

  test('fails when the name has no address of the asked family: BACKEND_DNS (ENODATA)', async () => {
    const resolver = backendResolver({ servers: [dnsmasq.server], family: 'ipv6' }, { log: () => undefined });

    const error = await failure(resolver.resolve('orders.acme.internal'));

    expect(error.code).toBe('BACKEND_DNS');
    expect(error.message).toContain('(ENODATA)');
  });

  test('fails when the server never answers: BACKEND_DNS (ETIMEOUT) after timeoutMs and its tries', async () => {
    const silent = await silentServer();
    try {
      const resolver = backendResolver(
        { servers: [silent.server], timeoutMs: 600, tries: 2 },
        { log: () => undefined },
      );

      const error = await failure(resolver.resolve('orders.acme.internal'));

      expect(error.code).toBe('BACKEND_DNS');
      expect(error.message).toContain('(ETIMEOUT)');
      expect(silent.received()).toBeGreaterThanOrEqual(1);
      expect(silent.received()).toBeLessThanOrEqual(2);
    } finally {
      silent.close();
    }
  });

  test('GIVEN a first server that never answers THEN the second one answers within timeoutMs', async () => {
    const silent = await silentServer();
    try {
      const resolver = backendResolver({
        servers: [silent.server, dnsmasq.server],
        // Each server gets half the budget: generous, so a loaded machine's slow dnsmasq still answers in it.
        timeoutMs: 6000,
        tries: 1,
      });

      expect(await resolver.resolve('orders.acme.internal')).toEqual([{ address: '127.0.0.1', family: 4 }]);
      expect(silent.received()).toBe(1);
    } finally {
      silent.close();
    }
  });
});

describe('pinned addresses', () => {
  test.each([
    ['SERVFAIL', RCODE.SERVFAIL],
    ['REFUSED', RCODE.REFUSED],
  ])(
    'GIVEN a first server that answers %s THEN the second one (dnsmasq) is asked and answers',
    async (_name, rcode) => {
      const failing = await startFailingDns(rcode);
      try {
        const resolver = backendResolver({ servers: [failing.server, dnsmasq.server] });
        const before = dnsmasq.queries().length;

        const addresses = await resolver.resolve('orders.acme.internal');

        expect(addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
        expect(failing.queries()).toBeGreaterThanOrEqual(1);
        expect(dnsmasq.queries().slice(before)).toEqual(['A orders.acme.internal']);
        resolver.close();
      } finally {
        await failing.stop();
      }
    },
  );

  test('fails when every server answers SERVFAIL or REFUSED: BACKEND_DNS with the last reason, each server asked', async () => {
    const servfail = await startFailingDns(RCODE.SERVFAIL);
    const refused = await startFailingDns(RCODE.REFUSED);
    try {
      const resolver = backendResolver(
        { servers: [servfail.server, refused.server] },
        { log: () => undefined },
      );
      const error = await failure(resolver.resolve('orders.acme.internal'));
      expect(error.code).toBe('BACKEND_DNS');
      expect(error.message).toContain('(EREFUSED)');
      expect(servfail.queries()).toBeGreaterThanOrEqual(1);
      expect(refused.queries()).toBeGreaterThanOrEqual(1);
      resolver.close();
    } finally {
      await servfail.stop();
      await refused.stop();
    }
  });

  test('GIVEN a first server that answers NXDOMAIN THEN that is the answer: the second server is not asked', async () => {
    const second = await startFailingDns(RCODE.SERVFAIL);
    try {
      const resolver = backendResolver(
        { servers: [dnsmasq.server, second.server] },
        { log: () => undefined },
      );
      const error = await failure(resolver.resolve('nope.acme.internal'));
      expect(error.message).toContain('(ENOTFOUND)');
      expect(second.queries()).toBe(0);
      resolver.close();
    } finally {
      await second.stop();
    }
  });

  test('GIVEN a pinned name THEN its addresses answer without a query; other names still go to the servers', async () => {
    const resolver = backendResolver({
      servers: [dnsmasq.server],
      pinned: { 'Login.Acme.Internal': ['10.1.2.3', 'fd00::3'] },
    });

    expect(await resolver.resolve('login.acme.internal')).toEqual([
      { address: '10.1.2.3', family: 4 },
      { address: 'fd00::3', family: 6 },
    ]);
    expect(await resolver.resolve('login.acme.internal', 6)).toEqual([{ address: 'fd00::3', family: 6 }]);
    expect(resolver.queries).toBe(0);
    expect(await resolver.resolve('orders.acme.internal')).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  test('fails when a name is neither pinned nor resolvable (no servers): BACKEND_DNS, no fallback to the system resolver', async () => {
    const resolver = backendResolver(
      { pinned: { 'orders.acme.internal': ['10.1.2.3'] } },
      { log: () => undefined },
    );

    const error = await failure(resolver.resolve('localhost'));

    expect(error.code).toBe('BACKEND_DNS');
    expect(error.message).toBe(
      'backend name localhost not resolved from the pinned addresses: the name is not pinned and no DNS servers are configured (NOT_PINNED)',
    );
  });

  test('GIVEN an IP address THEN it is its own answer', async () => {
    const resolver = backendResolver({ pinned: { 'x.internal': ['10.0.0.1'] } });

    expect(await resolver.resolve('10.9.8.7')).toEqual([{ address: '10.9.8.7', family: 4 }]);
  });
});

describe('createGatewayResolvers', () => {
  const base = { version: 1 as const, name: 'acme', backend: { url: 'https://orders.acme.internal' } };

  test('GIVEN no dns section THEN there is no resolver (the system resolver is used)', () => {
    expect(gatewayResolvers({ ...base, security: { type: 'none' } })).toEqual({});
  });

  test('GIVEN backend.dns and OAuth without tokenEndpointDns THEN the token endpoint resolves through backend.dns', async () => {
    const resolvers = gatewayResolvers({
      ...base,
      backend: { ...base.backend, dns: { pinned: { 'login.acme.internal': ['10.0.0.9'] } } },
      security: {
        type: 'oauth2-client-credentials',
        tokenUrl: 'https://login.acme.internal/token',
        clientId: 'gw',
        clientSecret: { env: 'X' },
      },
    });

    expect(await resolvers.tokenEndpoint?.resolve('login.acme.internal')).toEqual([
      { address: '10.0.0.9', family: 4 },
    ]);
    expect(resolvers.backend).toBeDefined();
  });
});
