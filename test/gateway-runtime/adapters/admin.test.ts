/** Issue 20: the admin listener (`server.admin`): liveness and readiness, loopback-only by default. */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type StandaloneServer } from '../../../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { echoHandler, RunningBackend, silentHandler, startBackend } from '../../support/loopback-backends';
import { httpCall } from '../fixtures/harness';

let dir: string;
let backend: RunningBackend;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'admin-'));
  backend = await startBackend(echoHandler);
});
afterAll(async () => {
  await backend?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const quiet = { logSink: () => undefined, metricsSink: () => undefined };

async function serve(config: GatewayConfig, clock: { t: number }): Promise<StandaloneServer> {
  return startServer(validateConfig(config), { port: 0, deps: { ...quiet, now: () => clock.t } });
}

const get = async (server: StandaloneServer, path: string) => {
  const answer = await httpCall(`http://127.0.0.1:${server.admin!.port}${path}`);
  return { status: answer.status, body: JSON.parse(answer.text) as Record<string, unknown> };
};

test('GIVEN server.admin WHEN a secret file disappears and comes back THEN /readyz goes 200 → 503 naming the secret and reason → 200, and /livez stays 200', async () => {
  const password = join(dir, 'password');
  writeFileSync(password, 'pw-never-shown\n');
  const clock = { t: 1_000_000 };
  const server = await serve(
    {
      version: 1,
      name: 'acme',
      backend: { url: backend.baseUrl },
      security: { type: 'basic', username: 'u', password: { file: password } },
      server: { admin: { port: 0 } },
    },
    clock,
  );
  try {
    expect(server.admin?.address).toBe('127.0.0.1');
    expect(await get(server, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

    unlinkSync(password);
    clock.t += 1_000;
    const notReady = await get(server, '/readyz');
    expect(notReady).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        reasons: [
          {
            check: 'secret',
            configPath: 'security.password',
            secret: `secret file ${password}`,
            reason: 'ENOENT',
          },
        ],
      },
    });
    expect(await get(server, '/livez')).toEqual({ status: 200, body: { status: 'alive' } });

    writeFileSync(password, 'pw-never-shown\n');
    clock.t += 1_000;
    expect((await get(server, '/readyz')).status).toBe(200);
    expect(JSON.stringify(notReady)).not.toContain('pw-never-shown');
  } finally {
    await server.shutdown();
  }
});

test('GIVEN a backend client key that is not PEM THEN /readyz is 503 for the backend TLS material', async () => {
  const cert = join(dir, 'client.crt');
  const key = join(dir, 'client.key');
  writeFileSync(cert, 'not a certificate\n');
  writeFileSync(key, 'not a key\n');
  const server = await serve(
    {
      version: 1,
      name: 'acme',
      backend: {
        url: 'https://127.0.0.1:9',
        tls: { clientCertificate: { cert: { file: cert }, key: { file: key } } },
      },
      security: { type: 'none' },
      server: { admin: { port: 0 } },
    },
    { t: 0 },
  );
  try {
    const answer = await get(server, '/readyz');
    expect(answer.status).toBe(503);
    expect(answer.body.reasons).toEqual([
      { check: 'backend-tls', secret: `secret file ${cert}`, reason: 'NOT_PEM' },
    ]);
  } finally {
    await server.shutdown();
  }
});

test('GIVEN a shutdown in progress THEN /readyz answers 503 draining', async () => {
  const silent = await startBackend(silentHandler);
  const server = await serve(
    {
      version: 1,
      name: 'acme',
      backend: { url: silent.baseUrl },
      security: { type: 'none' },
      server: { admin: { port: 0 }, shutdownGraceMs: 5_000 },
    },
    { t: 0 },
  );
  // A request the backend never answers keeps the shutdown in its grace period.
  const pending = httpCall(`http://127.0.0.1:${server.port}/slow`).catch(() => undefined);
  while (silent.requests.length === 0) await new Promise((r) => setImmediate(r));
  const stopping = server.shutdown();
  try {
    expect(await get(server, '/readyz')).toEqual({ status: 503, body: { status: 'draining' } });
    expect(await get(server, '/livez')).toEqual({ status: 200, body: { status: 'alive' } });
  } finally {
    await silent.stop();
    await pending;
    await stopping;
  }
});

describe('server.admin validation', () => {
  const doc = (admin: unknown, port?: number) => ({
    version: 1,
    name: 'x',
    backend: { url: 'http://127.0.0.1:9' },
    security: { type: 'none' },
    server: { ...(port !== undefined ? { port } : {}), admin },
  });
  const problems = (input: unknown) => {
    try {
      validateConfig(input);
      return [];
    } catch (error) {
      return (error as { problems: Array<{ path: string; message: string }> }).problems;
    }
  };

  test.each([
    [
      'a non-loopback address without allowNonLoopback',
      { address: '0.0.0.0', port: 9901 },
      'server.admin.address',
      '0.0.0.0 is not a loopback address (the admin listener has no authentication): set server.admin.allowNonLoopback to allow it',
    ],
    [
      'a host name',
      { address: 'localhost', port: 9901 },
      'server.admin.address',
      '"localhost" is not an IP address',
    ],
    ['no port', { address: '127.0.0.1' }, 'server.admin.port', 'is required'],
    ['the proxy port', { port: 8080 }, 'server.admin.port', 'must differ from server.port (8080)'],
  ])('fails when server.admin has %s', (_what, admin, path, message) => {
    expect(problems(doc(admin))).toEqual([{ path, message }]);
  });

  test.each([
    [{ port: 9901 }],
    [{ address: '::1', port: 9901 }],
    [{ address: '10.0.0.5', port: 9901, allowNonLoopback: true }],
  ])('GIVEN %j THEN it is valid', (admin) => {
    expect(problems(doc(admin))).toEqual([]);
  });
});
