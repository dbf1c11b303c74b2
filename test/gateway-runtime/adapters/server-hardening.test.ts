/**
 * The standalone server against callers that misbehave (issue 11): bodies over the limit or cut off,
 * slow callers, `Expect: 100-continue` with a body over the limit, a crowd against a slow backend.
 * The backend that judges a cut-off request is a raw socket server that reports FIN or RST.
 */
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { startServer, StandaloneServer } from '../../../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { RunningBackend, startBackend } from '../../support/loopback-backends';
import { captureLines, secretFiles } from '../fixtures/harness';
import { RawBackend, startRawBackend } from '../support/raw-backend';
import { serverCallerTimeouts } from '../config/support/resolved';

jest.setTimeout(30_000);

const secrets = secretFiles();
let raw: RawBackend;
beforeAll(async () => {
  raw = await startRawBackend();
});
afterAll(async () => {
  await raw?.stop();
  secrets.remove();
});

const config = (url: string, extra: Partial<GatewayConfig> = {}): GatewayConfig => ({
  version: 1,
  name: 'hardening',
  backend: { url },
  // token: a streaming scheme (the body is not buffered before it is sent)
  security: { type: 'token', header: 'x-api-key', token: secrets.file('tok-1') },
  ...extra,
});

async function withServer<T>(
  cfg: GatewayConfig,
  run: (server: StandaloneServer) => Promise<T>,
  sink: (line: string) => void = () => undefined,
): Promise<T> {
  const server = await startServer(cfg, { port: 0, deps: { logSink: sink } });
  try {
    return await run(server);
  } finally {
    await server.shutdown();
  }
}

/** A raw connection to the server: what it writes back, and whether it closed. */
function rawClient(port: number) {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closedPromise = once(socket, 'close').then(() => (closed = true));
  return {
    socket,
    received: () => received,
    closed: () => closed,
    whenClosed: () => closedPromise,
    async until(test: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!test(received)) {
        if (closed || Date.now() > deadline) return received;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received;
    },
  };
}

const chunk = (size: number) => `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`;

describe('a request body that can not be completed never reaches the backend as a complete request', () => {
  test('regression: a chunked body over limits.maxRequestBodyBytes is answered 413 and the backend connection is reset', async () => {
    await withServer(config(raw.baseUrl, { limits: { maxRequestBodyBytes: 64 * 1024 } }), async (server) => {
      const client = rawClient(server.port);
      await once(client.socket, 'connect');
      client.socket.write(
        'POST /upload-over-limit HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\r\n',
      );
      client.socket.write(chunk(16 * 1024));
      // The request is under way at the backend before the body passes the limit (on Node 24 the whole body
      // could otherwise pass the limit before the gateway has written the request line).
      await raw.startedFor('/upload-over-limit');
      for (let i = 1; i < 8; i++) client.socket.write(chunk(16 * 1024)); // 128 KiB
      client.socket.write('0\r\n\r\n');
      expect(await client.until((t) => t.includes('\r\n\r\n{'))).toMatch(/^HTTP\/1\.1 413 /);
      const report = await raw.endedFor('/upload-over-limit');
      // THEN the backend got part of the body and then a reset: never the terminating chunk
      expect(report.terminated).toBe(false);
      expect(report.end).toBe('reset');
      expect(report.bytes).toBeLessThan(128 * 1024);
      client.socket.destroy();
    });
  });

  test('regression: a caller that hangs up mid-body makes the backend see a reset, and is logged as aborted (not a 502)', async () => {
    const logs = captureLines();
    await withServer(
      config(raw.baseUrl),
      async (server) => {
        const client = rawClient(server.port);
        await once(client.socket, 'connect');
        client.socket.write('POST /upload-hang-up HTTP/1.1\r\nhost: gw\r\ncontent-length: 100000\r\n\r\n');
        client.socket.write('x'.repeat(20_000));
        // the backend has the start of the request before the caller goes away
        await new Promise((resolve) => setTimeout(resolve, 300));
        client.socket.destroy();
        const report = await raw.endedFor('/upload-hang-up');
        expect(report.end).toBe('reset');
        expect(report.bytes).toBeLessThan(100_000);
        const deadline = Date.now() + 5_000;
        while (!logs.logs().some((l) => l.error === 'CLIENT_ABORTED') && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      logs.sink,
    );
    const line = logs.logs().find((l) => l.requestId !== undefined && l.status !== undefined);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request aborted by the caller',
      status: 499,
      error: 'CLIENT_ABORTED',
    });
    expect(logs.logs().filter((l) => l.level === 'error')).toEqual([]);
    expect(logs.metrics().at(-1)).toMatchObject({ GatewayErrors: 0 });
  });
});

describe('a caller that hangs up while the backend is working', () => {
  test('regression: is logged as aborted (info, CLIENT_ABORTED), not as error 502 BACKEND_UNREACHABLE, and is no gateway error', async () => {
    const logs = captureLines();
    const backend = await startBackend((_req, res) => setTimeout(() => res.end('late'), 1_000));
    try {
      await withServer(
        config(backend.baseUrl),
        async (server) => {
          const client = rawClient(server.port);
          await once(client.socket, 'connect');
          client.socket.write('GET /slow-answer HTTP/1.1\r\nhost: gw\r\n\r\n');
          await new Promise((resolve) => setTimeout(resolve, 200));
          client.socket.destroy();
          const deadline = Date.now() + 5_000;
          while (!logs.logs().some((l) => l.status !== undefined) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        },
        logs.sink,
      );
    } finally {
      await backend.stop();
    }
    expect(logs.logs().find((l) => l.path === '/slow-answer')).toMatchObject({
      level: 'info',
      msg: 'request aborted by the caller',
      status: 499,
      error: 'CLIENT_ABORTED',
    });
    expect(logs.logs().filter((l) => l.level === 'error')).toEqual([]);
    expect(logs.metrics().at(-1)).toMatchObject({ GatewayErrors: 0 });
  });
});

describe('a routine close is not a reset', () => {
  test('GIVEN an answered request WHEN the idle keep-alive connection is closed by the pool THEN the backend sees FIN', async () => {
    await withServer(config(raw.baseUrl), async (server) => {
      const response = await fetch(`http://127.0.0.1:${server.port}/answer`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('ok');
      // Keep-Alive: timeout=3 makes undici close the idle connection after about a second
      const report = await raw.endedFor('/answer', 8_000);
      expect(report.end).toBe('fin');
    });
  });
});

describe('slow callers are cut off by the configured server timeouts', () => {
  test('GIVEN server timeouts in the configuration THEN the HTTP server uses them (Node would allow 300 s)', () => {
    expect(
      serverCallerTimeouts(
        config('http://b', {
          server: { requestTimeoutMs: 20_000, headersTimeoutMs: 4_000, keepAliveTimeoutMs: 2_000 },
        }),
      ),
    ).toEqual({
      requestTimeout: 20_000,
      headersTimeout: 4_000,
      keepAliveTimeout: 2_000,
      connectionsCheckingInterval: 1_000,
    });
    expect(serverCallerTimeouts(config('http://b'))).toEqual({
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
  });

  test('regression: a caller sending one body byte every 300 ms is answered 408 and disconnected after requestTimeoutMs', async () => {
    const backend: RunningBackend = await startBackend((_req, res) => res.end('ok'));
    try {
      await withServer(
        config(backend.baseUrl, { server: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 } }),
        async (server) => {
          const client = rawClient(server.port);
          await once(client.socket, 'connect');
          client.socket.write('POST /slow HTTP/1.1\r\nhost: gw\r\ncontent-length: 1000\r\n\r\n');
          const drip = setInterval(() => client.socket.write('x'), 300);
          const started = Date.now();
          try {
            await Promise.race([client.whenClosed(), new Promise((resolve) => setTimeout(resolve, 8_000))]);
          } finally {
            clearInterval(drip);
          }
          expect(client.closed()).toBe(true);
          expect(Date.now() - started).toBeLessThan(5_000);
          expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
        },
      );
    } finally {
      await backend.stop();
    }
  });

  test('regression: a caller that never finishes its headers is disconnected after headersTimeoutMs', async () => {
    await withServer(
      config(raw.baseUrl, { server: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 } }),
      async (server) => {
        const client = rawClient(server.port);
        await once(client.socket, 'connect');
        client.socket.write('GET /slow HTTP/1.1\r\nhost: gw\r\n');
        const drip = setInterval(() => client.socket.write('x-drip: 1\r\n'), 300);
        try {
          await Promise.race([client.whenClosed(), new Promise((resolve) => setTimeout(resolve, 8_000))]);
        } finally {
          clearInterval(drip);
        }
        expect(client.closed()).toBe(true);
        expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      },
    );
  });
});

describe('Expect: 100-continue', () => {
  test('regression: a declared body over the limit is answered 413 without 100 Continue, and the connection closes', async () => {
    const backend = await startBackend((_req, res) => res.end('never'));
    let connections = 0;
    backend.server.on('connection', () => (connections += 1));
    await withServer(config(backend.baseUrl, { limits: { maxRequestBodyBytes: 1024 } }), async (server) => {
      const client = rawClient(server.port);
      await once(client.socket, 'connect');
      client.socket.write(
        'PUT /big HTTP/1.1\r\nhost: gw\r\ncontent-length: 5000\r\nexpect: 100-continue\r\n\r\n',
      );
      const answer = await client.until((t) => t.includes('}'));
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).not.toContain('100 Continue');
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(answer).toContain('"code":"REQUEST_TOO_LARGE"');
      await client.whenClosed();
    });
    await backend.stop();
    expect(connections).toBe(0); // nothing was opened towards the backend
  });

  test('GIVEN a declared body within the limit THEN 100 Continue comes first and the body is forwarded', async () => {
    const backend = await startBackend((_req, res, body) => res.end(`got ${body.length}`));
    try {
      await withServer(config(backend.baseUrl), async (server) => {
        const client = rawClient(server.port);
        await once(client.socket, 'connect');
        client.socket.write(
          'PUT /small HTTP/1.1\r\nhost: gw\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n',
        );
        expect(await client.until((t) => t.includes('\r\n\r\n'))).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
        client.socket.write('hello');
        expect(await client.until((t) => t.includes('got 5'))).toMatch(/HTTP\/1\.1 200 [\s\S]*got 5$/);
        client.socket.destroy();
      });
    } finally {
      await backend.stop();
    }
  });
});

describe('connections per backend are bounded', () => {
  test('GIVEN limits.maxBackendConnections 2 WHEN 6 requests wait on a slow backend THEN it sees at most 2 connections, and all are answered', async () => {
    let open = 0;
    let most = 0;
    const backend = await startBackend((_req, res) => setTimeout(() => res.end('ok'), 150));
    backend.server.on('connection', (socket: Socket) => {
      open += 1;
      most = Math.max(most, open);
      socket.on('close', () => (open -= 1));
    });
    try {
      await withServer(config(backend.baseUrl, { limits: { maxBackendConnections: 2 } }), async (server) => {
        const answers = await Promise.all(
          Array.from({ length: 6 }, () =>
            fetch(`http://127.0.0.1:${server.port}/slow`).then((r) => r.status),
          ),
        );
        expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
      });
      expect(most).toBe(2);
    } finally {
      await backend.stop();
    }
  });
});
