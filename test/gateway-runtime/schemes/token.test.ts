import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { OutgoingRequest } from '../../../gateway-runtime/src/schemes/types';
import { MapSecrets } from './support/map-secrets';
import { tokenScheme } from '../config/support/resolved';

const TOKEN = { env: 'API_TOKEN' } as const;
const outgoing = (): OutgoingRequest => ({ method: 'GET', url: new URL('http://backend/x'), headers: {} });

describe('token scheme', () => {
  test('GIVEN only a token WHEN authorizing THEN the token goes into authorization, without prefix', async () => {
    const secrets = new MapSecrets().set(TOKEN, 'tok-123');
    const scheme = tokenScheme({ type: 'token', token: TOKEN }, { secrets });
    expect(await scheme.authorize(outgoing())).toEqual({ authorization: 'tok-123' });
    expect(scheme).toMatchObject({ type: 'token', mayRetry: false, needsBody: false });
  });

  test.each([
    ['Authorization', 'Bearer ', { authorization: 'Bearer tok-123' }],
    ['X-Api-Key', undefined, { 'x-api-key': 'tok-123' }],
    ['x-custom', 'Token token=', { 'x-custom': 'Token token=tok-123' }],
  ])('GIVEN header %s and prefix %j WHEN authorizing THEN it sets %j', async (header, prefix, expected) => {
    const secrets = new MapSecrets().set(TOKEN, 'tok-123');
    const scheme = tokenScheme({ type: 'token', header, prefix, token: TOKEN }, { secrets });
    expect(await scheme.authorize(outgoing())).toEqual(expected);
  });

  test('GIVEN a token file ending in a newline WHEN authorizing through the resolver THEN the newline is not sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-'));
    try {
      writeFileSync(join(dir, 'token'), 'tok-123\n');
      const secrets = createSecretResolver();
      const scheme = tokenScheme({ type: 'token', token: { file: join(dir, 'token') } }, { secrets });
      expect(await scheme.authorize(outgoing())).toEqual({ authorization: 'tok-123' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN a rotated token WHEN authorizing again THEN the secret is read again and the new token sent', async () => {
    const secrets = new MapSecrets().set(TOKEN, 'old');
    const scheme = tokenScheme({ type: 'token', token: TOKEN }, { secrets });
    await scheme.authorize(outgoing());
    secrets.set(TOKEN, 'new');
    expect(await scheme.authorize(outgoing())).toEqual({ authorization: 'new' });
    expect(secrets.reads).toBe(2);
  });

  test.each([
    ['empty', '', 'the token secret is empty'],
    ['only a newline', '\n', 'the token secret is empty'],
    [
      'a header injection',
      'tok\r\nx-admin: yes',
      'the token secret contains characters a header value can not hold (control characters or line breaks)',
    ],
  ])(
    'fails when the token is %s, with CREDENTIALS_UNAVAILABLE and without the value',
    async (_, value, message) => {
      const secrets = new MapSecrets().set(TOKEN, value);
      const scheme = tokenScheme({ type: 'token', token: TOKEN }, { secrets });
      const error = await Promise.resolve()
        .then(() => scheme.authorize(outgoing()))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', status: 503, message });
    },
  );

  test('fails when the secret can not be read, with CREDENTIALS_UNAVAILABLE', async () => {
    const scheme = tokenScheme({ type: 'token', token: TOKEN }, { secrets: new MapSecrets() });
    await expect(scheme.authorize(outgoing())).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
  });

  describe('against a real HTTP server', () => {
    let server: Server;
    let seen: IncomingHttpHeaders[] = [];
    let origin: string;

    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(req.headers);
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('GIVEN an X-Api-Key scheme WHEN its headers are sent THEN the server receives exactly the token', async () => {
      seen = [];
      const secrets = new MapSecrets().set(TOKEN, 'k-42');
      const scheme = tokenScheme({ type: 'token', header: 'X-Api-Key', token: TOKEN }, { secrets });
      const url = new URL('/orders', origin);
      const headers = await scheme.authorize({ method: 'GET', url, headers: {} });
      const response = await request(url, { headers });
      await response.body.text();
      expect(seen).toHaveLength(1);
      expect(seen[0]['x-api-key']).toBe('k-42');
      expect(seen[0].authorization).toBeUndefined();
    });
  });
});
