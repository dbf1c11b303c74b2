/**
 * Digest authentication against a real Apache httpd (mod_auth_digest, MD5, qop=auth), through the
 * proxy core and through both adapters. The access log proves that a warm link costs one round trip.
 */
import { createLambdaHandler } from '../../gateway-runtime/src/adapters/lambda';
import { startServer, StandaloneServer } from '../../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { createGateway, Gateway } from '../../gateway-runtime/src/proxy';
import { RunningApache, startApacheDigest } from '../support/apache';
import { albEvent, captureLines, httpCall, secretFiles } from './fixtures/harness';

jest.setTimeout(60_000);

const REALM = 'Digest area, backend of acme'; // a comma and the word Digest inside the realm
const USER = 'mufasa';
const PASSWORD = 'Circle:of:Life'; // colons are part of the password

let apache: RunningApache;
const secrets = secretFiles();

const config = (password: string): GatewayConfig => ({
  version: 1,
  name: 'acme',
  backend: { url: apache.baseUrl },
  security: { type: 'digest', username: USER, password: secrets.file(password) },
});

/** Access-log lines for one path, as `STATUS` values, after waiting for a marker request. */
async function statusesFor(path: string, marker: string): Promise<string[]> {
  await fetch(`${apache.baseUrl}${marker}`);
  const lines = await apache.waitForLogLine(marker);
  return lines.filter((line) => line.split(' ')[1] === path).map((line) => line.split(' ')[2]);
}

beforeAll(async () => {
  apache = await startApacheDigest({
    realm: REALM,
    users: [{ username: USER, password: PASSWORD }],
    files: {
      'private/core.txt': 'core\n',
      'private/lambda.txt': 'lambda\n',
      'private/server.txt': 'server\n',
      'private/wrong.txt': 'never\n',
      'private/concurrent.txt': 'concurrent\n',
      'marker-1.txt': '',
      'marker-2.txt': '',
      'marker-3.txt': '',
      'marker-4.txt': '',
      'marker-5.txt': '',
      'marker-6.txt': '',
    },
  });
});

afterAll(async () => {
  await apache?.stop();
  secrets.remove();
});

describe('digest against Apache httpd through the proxy core', () => {
  let gateway: Gateway;
  afterAll(() => gateway?.close());

  test('GIVEN a cold link WHEN 5 requests go through THEN Apache sees 2 requests for the first and 1 for each other', async () => {
    gateway = createGateway(config(PASSWORD), { logSink: () => undefined });
    for (let i = 0; i < 5; i++) {
      const response = await gateway.handle({
        method: 'GET',
        path: '/private/core.txt',
        headers: { 'x-forwarded-for': '10.0.0.1' },
        protocol: 'https',
      });
      expect(response.status).toBe(200);
      expect(await readAll(response.body)).toBe('core\n');
    }
    expect(await statusesFor('/private/core.txt', '/marker-1.txt')).toEqual([
      '401',
      '200',
      '200',
      '200',
      '200',
      '200',
    ]);
  });

  test('GIVEN the link warmed above (same realm, another path) WHEN 20 requests run concurrently THEN each costs one round trip (nc unique per nonce)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        gateway.handle({ method: 'GET', path: '/private/concurrent.txt', headers: {}, protocol: 'https' }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    await Promise.all(responses.map((r) => readAll(r.body)));
    expect(await statusesFor('/private/concurrent.txt', '/marker-2.txt')).toEqual(Array(20).fill('200'));
  });

  test('GIVEN a wrong password WHEN two requests go through THEN the 401 passes through and nothing loops', async () => {
    const wrong = createGateway(config('Circle:of:Death'), { logSink: () => undefined });
    try {
      const first = await wrong.handle({
        method: 'GET',
        path: '/private/wrong.txt',
        headers: {},
        protocol: 'https',
      });
      const second = await wrong.handle({
        method: 'GET',
        path: '/private/wrong.txt',
        headers: {},
        protocol: 'https',
      });
      expect([first.status, second.status]).toEqual([401, 401]);
      // cold: challenge + one answer; warm: one preemptive answer, rejected, not retried
      expect(await statusesFor('/private/wrong.txt', '/marker-3.txt')).toEqual(['401', '401', '401']);
    } finally {
      await wrong.close();
    }
  });
});

describe('digest against Apache httpd through the adapters', () => {
  test.each([false, true])(
    'GIVEN the Lambda handler (multi-value %s) WHEN 3 requests go through THEN 2 + 1 + 1 backend requests',
    async (multiValue) => {
      const logs = captureLines();
      const handler = createLambdaHandler({
        configJson: JSON.stringify(config(PASSWORD)),
        deps: { logSink: logs.sink },
      });
      const path = '/private/lambda.txt';
      const before = apache.accessLog().filter((l) => l.includes(path)).length;
      for (let i = 0; i < 3; i++) {
        const result = await handler(albEvent({ path, multiValue }));
        expect(result).toMatchObject({ statusCode: 200, statusDescription: '200 OK', body: 'lambda\n' });
      }
      const marker = multiValue ? '/marker-5.txt' : '/marker-4.txt';
      // Apache writes a request's access-log line after it has sent the answer: the challenge's line and the
      // answer's (on another connection, in another worker) may land in either order. What matters is the
      // count: one challenge, then one request each.
      expect((await statusesFor(path, marker)).slice(before).sort()).toEqual(['200', '200', '200', '401']);
    },
  );

  test('GIVEN the standalone server WHEN 3 requests go through THEN 2 + 1 + 1 backend requests', async () => {
    const server: StandaloneServer = await startServer(config(PASSWORD), {
      port: 0,
      deps: { logSink: () => undefined },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await httpCall(`http://127.0.0.1:${server.port}/private/server.txt`);
        expect(response.status).toBe(200);
        expect(response.text).toBe('server\n');
      }
      expect(await statusesFor('/private/server.txt', '/marker-6.txt')).toEqual(['401', '200', '200', '200']);
    } finally {
      await server.shutdown();
    }
  });
});

async function readAll(body: Buffer | AsyncIterable<Uint8Array>): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString();
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}
