/**
 * Digest authentication against a real lighttpd (mod_auth), an implementation independent of the
 * gateway's and of Apache's, and the one that verifies SHA-256 and `userhash` (RFC 7616): every warm
 * answer (HA1 computed once per nonce, pooled cnonce, counted nc) must be one the server accepts,
 * and a wrong password must be refused, so a 200 means the computation is right.
 */
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { createGateway, Gateway, GatewayRequest } from '../../gateway-runtime/src/proxy';
import { RunningLighttpd, startLighttpdDigest } from '../support/lighttpd';
import { captureLines, secretFiles } from './fixtures/harness';

jest.setTimeout(60_000);

const REALM = 'lighttpd area, acme'; // a space and a comma inside the realm
const USER = 'simba';
const PASSWORD = 'Circle:of:Life'; // colons are part of the password
const secrets = secretFiles();

const config = (baseUrl: string, password = PASSWORD): GatewayConfig => ({
  version: 1,
  name: 'acme',
  backend: { url: baseUrl },
  security: { type: 'digest', username: USER, password: secrets.file(password) },
});

const get = (path: string): GatewayRequest => ({
  method: 'GET',
  path: path.split('?')[0],
  ...(path.includes('?') ? { query: path.split('?')[1] } : {}),
  headers: { 'x-forwarded-for': '10.0.0.1' },
  protocol: 'https',
});

async function text(body: unknown): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Backend round trips per request, from the gateway's log lines (`attempts` is logged past 1). */
const attemptsOf = (logs: ReturnType<typeof captureLines>) =>
  logs.logs().map((line) => (line.attempts as number | undefined) ?? 1);

afterAll(() => secrets.remove());

describe.each([
  { algorithm: 'SHA-256', userhash: false },
  { algorithm: 'SHA-256', userhash: true },
  { algorithm: 'MD5', userhash: false },
] as const)('digest against lighttpd: $algorithm, userhash $userhash', ({ algorithm, userhash }) => {
  let server: RunningLighttpd;
  let gateway: Gateway;
  const logs = captureLines();
  beforeAll(async () => {
    server = await startLighttpdDigest({
      realm: REALM,
      algorithm,
      userhash,
      users: [{ username: USER, password: PASSWORD }],
      files: { 'private/a.txt': 'a\n', 'private/b.txt': 'b\n' },
    });
    gateway = createGateway(config(server.baseUrl), { logSink: logs.sink });
  });
  afterAll(async () => {
    await gateway?.close();
    await server?.stop();
  });

  test('GIVEN a cold link WHEN 4 requests go through (with and without a query) THEN lighttpd accepts each, and only the first is challenged', async () => {
    for (const path of [
      '/private/a.txt',
      '/private/a.txt?page=1',
      '/private/a.txt',
      '/private/a.txt?q=a%22b',
    ]) {
      const response = await gateway.handle(get(path));
      expect({ path, status: response.status, body: await text(response.body) }).toEqual({
        path,
        status: 200,
        body: 'a\n',
      });
    }
    expect(attemptsOf(logs)).toEqual([2, 1, 1, 1]);
  });

  test('GIVEN the warm link WHEN 20 requests run concurrently THEN lighttpd accepts each in one round trip', async () => {
    logs.lines.length = 0;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await gateway.handle(get('/private/b.txt'));
        await text(response.body);
        return response.status;
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(attemptsOf(logs)).toEqual(Array(20).fill(1));
  });

  test('GIVEN a wrong password THEN lighttpd refuses it and the 401 passes through (the server really checks)', async () => {
    const wrong = createGateway(config(server.baseUrl, 'Circle:of:Lies'), { logSink: () => undefined });
    try {
      const response = await wrong.handle(get('/private/a.txt'));
      await text(response.body);
      expect(response.status).toBe(401);
    } finally {
      await wrong.close();
    }
  });
});
