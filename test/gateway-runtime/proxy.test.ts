/** The proxy core (transport errors: io/transport-errors.test.ts): the retry contract with schemes, digest replay and stale nonces. */
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { CredentialsUnavailableError } from '../../gateway-runtime/src/core/errors';
import { createGateway, GatewayRequest } from '../../gateway-runtime/src/proxy';
import type { AuthScheme, OutgoingRequest } from '../../gateway-runtime/src/schemes/types';
import { DigestBackend, startDigestBackend } from '../support/digest-backend';
import { echoHandler, RunningBackend, startBackend } from '../support/loopback-backends';
import { captureLines, secretFiles } from './fixtures/harness';

jest.setTimeout(30_000);

describe('the retry contract with schemes', () => {
  let echo: RunningBackend;
  beforeAll(async () => {
    echo = await startBackend(echoHandler);
  });
  afterAll(() => echo?.stop());

  const config = (): GatewayConfig => ({
    version: 1,
    name: 't',
    backend: { url: echo.baseUrl },
    security: { type: 'none' },
  });
  const post = (body: string): GatewayRequest => ({
    method: 'POST',
    path: '/r',
    headers: { 'content-type': 'text/plain' },
    body: (async function* () {
      yield Buffer.from(body);
    })(),
    protocol: 'https',
  });

  test('regression: a scheme that always asks to retry gets exactly one retry, never a loop', async () => {
    const attempts: number[] = [];
    const scheme: AuthScheme = {
      type: 'greedy',
      mayRetry: true,
      needsBody: false,
      headerNames: ['x-attempt'],
      authorize: async () => ({ 'x-attempt': String(attempts.length + 1) }),
      onResponse: async (_req, _res, attempt) => {
        attempts.push(attempt);
        return 'retry';
      },
    };
    const before = echo.requests.length;
    const gateway = createGateway(config(), { scheme, logSink: () => undefined });
    const response = await gateway.handle(post('replayed body'), { bufferResponse: true });
    await gateway.close();
    expect(response.status).toBe(200);
    expect(attempts).toEqual([1, 2]);
    const sent = echo.requests.slice(before);
    expect(sent.map((r) => [r.headers['x-attempt'], r.body.toString()])).toEqual([
      ['1', 'replayed body'],
      ['2', 'replayed body'],
    ]);
  });

  test('GIVEN a scheme that needs the body WHEN authorizing THEN it sees the whole body buffered', async () => {
    let seen: Buffer | undefined;
    const scheme: AuthScheme = {
      type: 'hashing',
      mayRetry: false,
      needsBody: true,
      headerNames: [],
      authorize: async (request: OutgoingRequest) => {
        seen = request.body;
        return {};
      },
    };
    const gateway = createGateway(config(), { scheme, logSink: () => undefined });
    await gateway.handle(post('hash me'), { bufferResponse: true });
    await gateway.close();
    expect(seen?.toString()).toBe('hash me');
  });

  test('fails when the scheme has no credentials: 503 CREDENTIALS_UNAVAILABLE, nothing sent', async () => {
    const scheme: AuthScheme = {
      type: 'broken',
      mayRetry: false,
      needsBody: false,
      headerNames: [],
      authorize: async () => {
        throw new CredentialsUnavailableError('secret file /x can not be read (ENOENT)');
      },
    };
    const before = echo.requests.length;
    const gateway = createGateway(config(), { scheme, logSink: () => undefined });
    const response = await gateway.handle(post('x'), { bufferResponse: true });
    await gateway.close();
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
    expect(echo.requests.length).toBe(before);
  });
});

describe('a backend body nobody reads', () => {
  test('regression: when the scheme fails on the response, the exchange is given up at once (the backend connection closes) instead of held until the body timeout', async () => {
    let closed: (() => void) | undefined;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const holding = await startBackend((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('the start of a body that never ends');
      req.socket.once('close', () => closed?.());
    });
    const scheme: AuthScheme = {
      type: 'fragile',
      mayRetry: false,
      needsBody: false,
      headerNames: [],
      authorize: async () => ({}),
      onResponse: async () => {
        throw new Error('scheme bug');
      },
    };
    const gateway = createGateway(
      {
        version: 1,
        name: 't',
        backend: { url: holding.baseUrl },
        security: { type: 'none' },
        timeouts: { bodyMs: 60_000 },
      },
      { scheme, logSink: () => undefined },
    );
    try {
      const response = await gateway.handle({ method: 'GET', path: '/', headers: {}, protocol: 'http' });
      expect(response.status).toBe(500);
      const outcome = await Promise.race([
        connectionClosed.then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000)),
      ]);
      expect(outcome).toBe('closed');
    } finally {
      await gateway.close();
      await holding.stop();
    }
  });
});

describe('metrics', () => {
  test('GIVEN a backend that rejects the credentials THEN AuthFailures and Upstream4xx are 1', async () => {
    const backend = await startBackend((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' });
      res.end();
    });
    const secrets = secretFiles();
    const lines = captureLines();
    const gateway = createGateway(
      {
        version: 1,
        name: 'm',
        backend: { url: backend.baseUrl },
        security: { type: 'basic', username: 'u', password: secrets.file('p') },
      },
      { logSink: lines.sink },
    );
    try {
      const response = await gateway.handle({ method: 'GET', path: '/', headers: {}, protocol: 'https' });
      expect(response.status).toBe(401);
    } finally {
      await gateway.close();
      await backend.stop();
      secrets.remove();
    }
    expect(lines.metrics()).toEqual([
      expect.objectContaining({ Gateway: 'm', AuthFailures: 1, Upstream4xx: 1, GatewayErrors: 0 }),
    ]);
    expect(lines.logs()).toEqual([
      expect.objectContaining({ level: 'warn', status: 401, upstreamStatus: 401 }),
    ]);
  });
});

describe('digest through the core against a nonce-rotating backend', () => {
  let backend: DigestBackend;
  const secrets = secretFiles();
  beforeAll(async () => {
    backend = await startDigestBackend({
      realm: 'rot',
      username: 'svc',
      password: 'p:w',
      algorithm: 'SHA-256',
    });
  });
  afterAll(async () => {
    await backend?.stop();
    secrets.remove();
  });

  test('GIVEN POST bodies WHEN cold, warm, after the nonce goes stale and after the backend forgets it THEN bodies are replayed intact and each costs one retry', async () => {
    const lines = captureLines();
    const gateway = createGateway(
      {
        version: 1,
        name: 'rot',
        backend: { url: backend.baseUrl },
        security: { type: 'digest', username: 'svc', password: secrets.file('p:w') },
      },
      { logSink: lines.sink },
    );
    const send = async (text: string) => {
      const response = await gateway.handle(
        {
          method: 'POST',
          path: '/upload',
          query: 'v=1',
          headers: {},
          body: Buffer.from(text),
          protocol: 'https',
        },
        { bufferResponse: true },
      );
      return { status: response.status, body: response.body.toString() };
    };
    try {
      expect(await send('first')).toEqual({ status: 200, body: 'first' }); // cold: 401 + 200
      expect(await send('second')).toEqual({ status: 200, body: 'second' }); // warm: 200
      backend.rotateNonce();
      expect(await send('third')).toEqual({ status: 200, body: 'third' }); // stale: 401 stale + 200
      expect(await send('fourth')).toEqual({ status: 200, body: 'fourth' }); // warm again
      backend.forgetNonce();
      expect(await send('fifth')).toEqual({ status: 200, body: 'fifth' }); // restart: 401 + 200
    } finally {
      await gateway.close();
    }
    expect(backend.seen.map((s) => [s.status, s.nc ?? '-', s.bodyBytes])).toEqual([
      [401, '-', 5],
      [200, '00000001', 5],
      [200, '00000002', 6],
      [401, '00000003', 5],
      [200, '00000001', 5],
      [200, '00000002', 6],
      [401, '00000003', 5],
      [200, '00000001', 5],
    ]);
    expect(lines.logs().map((l) => l.attempts)).toEqual([2, undefined, 2, undefined, 2]);
    expect(lines.metrics().map((m) => m.AuthFailures)).toEqual([0, 0, 0, 0, 0]);
  });
});
