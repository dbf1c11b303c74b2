/** The standalone server: a real HTTP client → server → loopback backends. */
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startServer, StandaloneServer } from '../../../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { bigResponseHandler, RunningBackend, startBackend } from '../../support/loopback-backends';
import { captureLines, httpCall } from '../fixtures/harness';
import { Backends, baseConfig, FAILURE_SCENARIOS, startBackends } from '../fixtures/scenarios';

jest.setTimeout(30_000);

let backends: Backends;
let chunkedBig: RunningBackend;
beforeAll(async () => {
  backends = await startBackends();
  chunkedBig = await startBackend(bigResponseHandler(64 * 1024, true));
});
afterAll(async () => {
  await backends?.stop();
  await chunkedBig?.stop();
});

async function withServer<T>(
  config: GatewayConfig,
  run: (server: StandaloneServer) => Promise<T>,
  sink: (line: string) => void = () => undefined,
) {
  const server = await startServer(config, { port: 0, deps: { logSink: sink } });
  try {
    return await run(server);
  } finally {
    await server.shutdown();
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('standalone server', () => {
  test('GIVEN a POST WHEN proxied THEN the backend gets the body, the path under its base and filtered headers', async () => {
    await withServer(baseConfig(`${backends.echo.baseUrl}/api`), async (server) => {
      const response = await httpCall(`http://127.0.0.1:${server.port}/v1/items?q=1`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', cookie: 'sid=caller', 'x-forwarded-for': '198.51.100.1' },
        body: 'hello',
      });
      expect(response.status).toBe(200);
      const seen = JSON.parse(response.text);
      expect(seen).toMatchObject({ method: 'POST', url: '/api/v1/items?q=1', body: 'hello' });
      expect(seen.headers).toMatchObject({
        'x-forwarded-for': '198.51.100.1, 127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': `127.0.0.1:${server.port}`,
      });
      expect(seen.headers).not.toHaveProperty('cookie');
    });
  });

  test('GIVEN the health path WHEN asked THEN it answers 200 without touching the backend', async () => {
    const before = backends.echo.requests.length;
    await withServer(
      baseConfig(backends.echo.baseUrl, { server: { healthPath: '/_health' } }),
      async (server) => {
        const response = await httpCall(`http://127.0.0.1:${server.port}/_health`);
        expect(response.status).toBe(200);
        expect(JSON.parse(response.text)).toEqual({ status: 'ok' });
      },
    );
    expect(backends.echo.requests.length).toBe(before);
  });

  test.each(FAILURE_SCENARIOS)('$name', async (scenario) => {
    const untouched = scenario.backendUntouched?.(backends);
    const before = untouched?.requests.length;
    await withServer(scenario.config(backends), async (server) => {
      const response = await httpCall(`http://127.0.0.1:${server.port}${scenario.path}`, {
        method: scenario.method,
        ...(scenario.body ? { body: scenario.body } : {}),
      });
      expect(response.status).toBe(scenario.status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(response.text)).toMatchObject({ code: scenario.code, status: scenario.status });
    });
    if (untouched) expect(untouched.requests.length).toBe(before);
  });

  test('fails when a streamed (chunked) request body passes maxRequestBodyBytes: 413 REQUEST_TOO_LARGE', async () => {
    await withServer(
      baseConfig(backends.echo.baseUrl, { limits: { maxRequestBodyBytes: 1024 } }),
      async (server) => {
        async function* chunks() {
          for (let i = 0; i < 8; i++) yield Buffer.alloc(512, 0x63);
        }
        const response = await request(`http://127.0.0.1:${server.port}/upload`, {
          method: 'POST',
          body: Readable.from(chunks()),
        });
        expect(response.statusCode).toBe(413);
        expect(JSON.parse(await response.body.text())).toMatchObject({ code: 'REQUEST_TOO_LARGE' });
      },
    );
  });

  test('fails when a chunked response is above maxResponseBodyBytes at once: 502 RESPONSE_TOO_LARGE', async () => {
    await withServer(
      baseConfig(chunkedBig.baseUrl, { limits: { maxResponseBodyBytes: 1024 } }),
      async (server) => {
        const response = await httpCall(`http://127.0.0.1:${server.port}/big`);
        expect(response.status).toBe(502);
        expect(JSON.parse(response.text)).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
      },
    );
  });

  test('fails when a streamed response passes maxResponseBodyBytes after the headers: the connection is cut', async () => {
    let sendRest: () => void = () => undefined;
    const drip = await startBackend((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(512, 0x64)); // within the limit: the proxy sends its headers
      sendRest = () => res.end(Buffer.alloc(64 * 1024, 0x64)); // then far above it, once the client has them
    });
    const logs = captureLines();
    try {
      await withServer(
        baseConfig(drip.baseUrl, { limits: { maxResponseBodyBytes: 1024 } }),
        async (server) => {
          const response = await request(`http://127.0.0.1:${server.port}/drip`);
          expect(response.statusCode).toBe(200);
          const body = response.body.arrayBuffer().then(
            () => 'complete',
            () => 'cut',
          );
          sendRest();
          expect(await body).toBe('cut');
        },
        logs.sink,
      );
    } finally {
      await drip.stop();
    }
    expect(logs.logs()).toContainEqual(
      expect.objectContaining({ msg: 'response stream aborted', error: 'RESPONSE_TOO_LARGE' }),
    );
  });

  test('GIVEN a caller that stops reading WHEN the backend streams a large body THEN the gateway holds back (backpressure) and the body arrives whole later', async () => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    const stream = await startBackend((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (written < total) {
          written += chunk.byteLength;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    try {
      await withServer(
        baseConfig(stream.baseUrl, { limits: { maxResponseBodyBytes: total } }),
        async (server) => {
          const socket = connect({ host: '127.0.0.1', port: server.port });
          let received = 0;
          socket.on('data', (data: Buffer) => {
            received += data.byteLength;
            socket.pause(); // read the first bytes, then stop reading
          });
          socket.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
          // Whatever the backend manages to write while the caller reads nothing is socket buffers only.
          let before = -1;
          for (let i = 0; i < 50 && written !== before; i++) {
            before = written;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          expect(written).toBeLessThan(total / 2);
          const done = new Promise((resolve) => socket.on('end', resolve));
          socket.on('data', () => socket.resume());
          socket.resume();
          await done;
          expect(received).toBeGreaterThan(total); // the whole body, plus the response head
          expect(received).toBeLessThan(total + 1024);
        },
      );
    } finally {
      await stream.stop();
    }
  });

  describe('trusted sources (the socket address is the client unless trustedHops says otherwise)', () => {
    test.each([
      { cidrs: ['127.0.0.1/32'], hops: undefined, xff: undefined, status: 200 },
      { cidrs: ['10.0.0.0/8'], hops: undefined, xff: '10.1.1.1', status: 403 },
      { cidrs: ['10.0.0.0/8'], hops: 1, xff: '10.1.1.1', status: 200 },
      { cidrs: ['10.0.0.0/8'], hops: 1, xff: '10.1.1.1, 198.51.100.3', status: 403 },
      { cidrs: ['::1/128', '127.0.0.0/8'], hops: 0, xff: '203.0.113.1', status: 200 },
    ])(
      'GIVEN cidrs $cidrs, trustedHops $hops and X-Forwarded-For $xff THEN $status',
      async ({ cidrs, hops, xff, status }) => {
        const config = baseConfig(backends.echo.baseUrl, {
          trustedSources: { cidrs, ...(hops !== undefined ? { trustedHops: hops } : {}) },
        });
        await withServer(config, async (server) => {
          const response = await httpCall(`http://127.0.0.1:${server.port}/x`, {
            headers: xff ? { 'x-forwarded-for': xff } : {},
          });
          expect(response.status).toBe(status);
          if (status === 403) expect(JSON.parse(response.text).code).toBe('SOURCE_DENIED');
        });
      },
    );

    test('regression: a spoofed X-Forwarded-For never grants access to a direct client', async () => {
      const config = baseConfig(backends.echo.baseUrl, { trustedSources: { cidrs: ['10.0.0.0/8'] } });
      await withServer(config, async (server) => {
        const response = await httpCall(`http://127.0.0.1:${server.port}/x`, {
          headers: { 'x-forwarded-for': '10.0.0.1, 10.0.0.2' },
        });
        expect(response.status).toBe(403);
      });
    });
  });

  describe('graceful shutdown', () => {
    test('GIVEN an idle server WHEN shut down THEN the port refuses connections', async () => {
      const server = await startServer(baseConfig(backends.echo.baseUrl), {
        port: 0,
        deps: { logSink: () => undefined },
      });
      await server.shutdown();
      expect(await refused(server.port)).toBe(true);
    });

    test('GIVEN a request in flight WHEN shutdown starts THEN new connections are refused and the request completes', async () => {
      const held: Array<() => void> = [];
      const backend = await startBackend((_req, res) => held.push(() => res.end('finished')));
      try {
        const server = await startServer(
          { ...baseConfig(backend.baseUrl), server: { shutdownGraceMs: 10_000 } },
          { port: 0, deps: { logSink: () => undefined } },
        );
        const pending = httpCall(`http://127.0.0.1:${server.port}/slow`);
        await waitUntil(() => held.length === 1);
        const stopped = server.shutdown();
        expect(await refused(server.port)).toBe(true);
        expect(server.inFlight()).toBe(1);
        held[0]();
        expect(await pending).toMatchObject({ status: 200, text: 'finished' });
        await stopped;
        expect(server.inFlight()).toBe(0);
      } finally {
        await backend.stop();
      }
    });

    test('GIVEN a request that outlives shutdownGraceMs WHEN shut down THEN it is cut and shutdown completes', async () => {
      const backend = await startBackend(() => undefined);
      try {
        const server = await startServer(
          { ...baseConfig(backend.baseUrl), server: { shutdownGraceMs: 100 } },
          { port: 0, deps: { logSink: () => undefined } },
        );
        const pending = httpCall(`http://127.0.0.1:${server.port}/never`).then(
          () => 'answered',
          (error: Error) => `cut: ${error.message}`,
        );
        await waitUntil(() => backend.requests.length === 1);
        await server.shutdown();
        expect(await pending).toBe('cut: other side closed');
      } finally {
        await backend.stop();
      }
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
