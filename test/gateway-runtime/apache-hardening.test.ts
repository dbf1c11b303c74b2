/**
 * Regressions found by attacking the gateway in front of a real Apache httpd (issue 11): TRACE echoing
 * the gateway's credentials, the caller's Authorization on the first digest attempt, a password file
 * with a trailing newline, and strict digest nonce counts (`AuthDigestNcCheck On`) under concurrency.
 */
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { createGateway, Gateway, GatewayRequest } from '../../gateway-runtime/src/proxy';
import { RunningApache, startApacheDigest } from '../support/apache';
import { captureLines, httpCall, secretFiles } from './fixtures/harness';
import { ADAPTERS } from './support/adapters';

jest.setTimeout(90_000);

const REALM = 'hardening';
const USER = 'gateway';
const PASSWORD = 'S3cret-digest-pass';
const CALLER_AUTHORIZATION = 'Basic Y2FsbGVyOmNhbGxlci1zZWNyZXQ='; // caller:caller-secret

const secrets = secretFiles();
let apache: RunningApache;
let strict: RunningApache;

beforeAll(async () => {
  [apache, strict] = await Promise.all([
    startApacheDigest({
      realm: REALM,
      users: [{ username: USER, password: PASSWORD }],
      logAuthorization: true,
      files: {
        'private/a.txt': 'a\n',
        'private/b.txt': 'b\n',
        'private/nl.txt': 'nl\n',
        'open.txt': 'open\n',
      },
    }),
    startApacheDigest({
      realm: REALM,
      users: [{ username: USER, password: PASSWORD }],
      strictNonceCount: true,
      files: { 'private/s.txt': 'strict\n' },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([apache?.stop(), strict?.stop()]);
  secrets.remove();
});

const digestConfig = (baseUrl: string, extra: Partial<GatewayConfig> = {}): GatewayConfig => ({
  version: 1,
  name: 'hardening',
  backend: { url: baseUrl },
  security: { type: 'digest', username: USER, password: secrets.file(PASSWORD) },
  ...extra,
});

const get = (path: string, headers: Record<string, string> = {}): GatewayRequest => ({
  method: 'GET',
  path,
  headers: { 'x-forwarded-for': '10.0.0.1', ...headers },
  protocol: 'https',
});

async function text(body: Buffer | AsyncIterable<Uint8Array>): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('TRACE never reaches the backend (it would echo the credentials the gateway adds)', () => {
  test('GIVEN Apache as it ships WHEN asked TRACE directly THEN it echoes the request headers back (the danger is real)', async () => {
    const answer = await httpCall(`${apache.baseUrl}/open.txt`, {
      method: 'TRACE',
      headers: { authorization: 'Digest username="gateway", response="would-leak"' },
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('would-leak');
  });

  describe.each(ADAPTERS)('through the $name', (adapter) => {
    test.each(['TRACE', 'TRACK', 'trace'])(
      'regression: %s is answered 405 with Allow, Apache never sees it, no credential comes back',
      async (method) => {
        const logs = captureLines();
        const running = await adapter.start(digestConfig(apache.baseUrl), logs.sink);
        try {
          // a warm link: the gateway would add a digest Authorization up front
          expect((await running.call({ path: '/private/a.txt' })).status).toBe(200);
          const before = apache.accessLog().length;
          const answer = await running.call({ method, path: '/open.txt' });
          expect(answer.text).not.toMatch(/Digest|nonce|response=/);
          await fetch(`${apache.baseUrl}/open.txt?marker=${method}`);
          await apache.waitForLogLine('/open.txt');
          const seen = apache.accessLog().slice(before);
          expect(seen.filter((l) => /^(TRACE|TRACK|trace) /.test(l))).toEqual([]);
          if (adapter.name === 'standalone server' && method !== 'TRACE') {
            // Node's HTTP parser itself refuses methods it does not know (TRACK, lower case) with 400
            expect(answer.status).toBe(400);
            return;
          }
          expect(answer.status).toBe(405);
          expect(answer.headers.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
          expect(JSON.parse(answer.text)).toMatchObject({ code: 'METHOD_NOT_ALLOWED', status: 405 });
          const failed = logs.logs().find((l) => l.msg === 'request failed');
          expect(failed).toMatchObject({ level: 'warn', status: 405, error: 'METHOD_NOT_ALLOWED' });
          expect(logs.metrics().at(-1)).toMatchObject({ GatewayErrors: 0 });
        } finally {
          await running.stop();
        }
      },
    );
  });

  test('GIVEN allowedMethods ["GET", "PROPFIND"] WHEN PROPFIND and POST come THEN PROPFIND is forwarded and POST is 405', async () => {
    const gateway = createGateway(
      digestConfig(apache.baseUrl, { forwarding: { allowedMethods: ['GET', 'PROPFIND'] } }),
      {
        logSink: () => undefined,
      },
    );
    try {
      const propfind = await gateway.handle({ ...get('/open.txt'), method: 'PROPFIND' });
      await text(propfind.body);
      expect(propfind.headers.allow).not.toBe('GET, PROPFIND'); // not the gateway's own 405
      await apache.waitForLogLine('/open.txt');
      expect(apache.accessLog().filter((l) => l.startsWith('PROPFIND /open.txt '))).toHaveLength(1);
      const post = await gateway.handle({ ...get('/open.txt'), method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, PROPFIND');
    } finally {
      await gateway.close();
    }
  });
});

describe("the caller's Authorization never goes out when the scheme sets it", () => {
  test("regression: with forwardAuthorization, the caller's header is not sent on the cold first digest attempt nor after", async () => {
    const gateway = createGateway(
      digestConfig(apache.baseUrl, { forwarding: { forwardAuthorization: true } }),
      {
        logSink: () => undefined,
      },
    );
    try {
      for (let i = 0; i < 3; i++) {
        const response = await gateway.handle(get('/private/b.txt', { authorization: CALLER_AUTHORIZATION }));
        expect(response.status).toBe(200);
        expect(await text(response.body)).toBe('b\n');
      }
    } finally {
      await gateway.close();
    }
    await apache.waitForLogLine('/private/b.txt');
    const lines = apache.authLog().filter((l) => l.split(' ')[1] === '/private/b.txt');
    // THEN Apache saw 4 requests: the cold attempt without any Authorization, then 3 digest answers
    expect(lines.map((l) => l.split(' ').slice(2, 4).join(' '))).toEqual([
      '401 -',
      '200 Digest',
      '200 Digest',
      '200 Digest',
    ]);
    expect(apache.authLog().join('\n')).not.toContain(CALLER_AUTHORIZATION);
  });
});

describe('secrets: one trailing-newline rule', () => {
  test('regression: a digest password file written with echo (ending in a newline) authenticates', async () => {
    const config: GatewayConfig = {
      ...digestConfig(apache.baseUrl),
      security: { type: 'digest', username: USER, password: secrets.file(`${PASSWORD}\n`) },
    };
    const gateway = createGateway(config, { logSink: () => undefined });
    try {
      const response = await gateway.handle(get('/private/nl.txt'));
      expect(response.status).toBe(200);
      expect(await text(response.body)).toBe('nl\n');
    } finally {
      await gateway.close();
    }
  });
});

describe('strict digest nonce counts (Apache AuthDigestNcCheck On)', () => {
  let gateway: Gateway;
  afterAll(() => gateway?.close());

  test('regression: 3 rounds of 20 concurrent requests, from a cold start, all get 200; warm rounds cost one round trip each', async () => {
    const logs = captureLines();
    gateway = createGateway(digestConfig(strict.baseUrl), { logSink: logs.sink });
    const statuses: number[] = [];
    const perRound: number[] = [];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const response = await gateway.handle(get('/private/s.txt'));
          await text(response.body);
          return response.status;
        }),
      );
      statuses.push(...answers);
      await fetch(`${strict.baseUrl}/marker-round-${round}`);
      const lines = await strict.waitForLogLine(`/marker-round-${round}`);
      perRound.push(
        lines.filter((l) => l.split(' ')[1] === '/private/s.txt').length -
          perRound.reduce((a, b) => a + b, 0),
      );
    }
    // cold: a challenge and an answer each; warm: one round trip each (a nonce per request in flight)
    expect(perRound).toEqual([40, 20, 20]);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  test.each([
    ['all 16 callers start at once', false],
    ['one caller warms the link, then 15 more join', true],
  ])(
    'regression: 200 requests at concurrency 16 from a cold start (%s) all get 200: a nonce is never shared by requests in flight',
    async (_shape, ramp) => {
      const cold = createGateway(digestConfig(strict.baseUrl), {
        logSink: () => undefined,
        metricsSink: () => undefined,
      });
      try {
        const statuses: number[] = [];
        let next = 0;
        let firstDone: () => void = () => undefined;
        const warmed = new Promise<void>((resolve) => (firstDone = resolve));
        const worker = async () => {
          while (next < 200) {
            next += 1;
            const response = await cold.handle(get('/private/s.txt'));
            await text(response.body);
            statuses.push(response.status);
            firstDone();
          }
        };
        const workers = [worker()];
        if (ramp) await warmed;
        for (let i = 1; i < 16; i++) workers.push(worker());
        await Promise.all(workers);
        expect(statuses).toHaveLength(200);
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
      } finally {
        await cold.close();
      }
    },
  );

  test('GIVEN the warm strict link WHEN 20 sequential requests go through THEN each costs one round trip', async () => {
    const before = strict.accessLog().length;
    for (let i = 0; i < 20; i++) {
      const response = await gateway.handle(get('/private/s.txt'));
      expect(response.status).toBe(200);
      await text(response.body);
    }
    await fetch(`${strict.baseUrl}/marker-strict`);
    const lines = await strict.waitForLogLine('/marker-strict');
    expect(lines.slice(before).filter((l) => l.split(' ')[1] === '/private/s.txt')).toHaveLength(20);
  });
});
