import { createBasicScheme } from '../../../gateway-runtime/src/schemes/basic';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { fakeSecrets } from './fake-secrets';
import { authScheme } from '../config/support/resolved';

const secrets = fakeSecrets({ USER: 'svc', PW: 'pa:ss wörd', COLON_USER: 'a:b' });
const request = { method: 'GET', url: new URL('http://backend.test/'), headers: {} };

describe('basic scheme', () => {
  test.each([
    ['svc', { env: 'PW' }, 'Basic ' + Buffer.from('svc:pa:ss wörd', 'utf8').toString('base64')],
    [{ env: 'USER' }, { env: 'PW' }, 'Basic ' + Buffer.from('svc:pa:ss wörd', 'utf8').toString('base64')],
  ])('GIVEN username %j WHEN authorizing THEN Authorization is %s', async (username, password, expected) => {
    const basic = createBasicScheme({ type: 'basic', username, password }, { secrets });
    expect(await basic.authorize(request)).toEqual({ authorization: expected });
    expect(basic.mayRetry).toBe(false);
  });

  test('fails when the username contains a colon: CREDENTIALS_UNAVAILABLE without the value', async () => {
    const basic = createBasicScheme(
      { type: 'basic', username: { env: 'COLON_USER' }, password: { env: 'PW' } },
      { secrets },
    );
    await expect(basic.authorize(request)).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: 'security.username contains ":", which Basic can not carry',
    });
  });

  test('fails when the password secret is missing: CREDENTIALS_UNAVAILABLE', async () => {
    const basic = createBasicScheme(
      { type: 'basic', username: 'svc', password: { env: 'NOPE' } },
      { secrets },
    );
    await expect(basic.authorize(request)).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      status: 503,
    });
  });
});

describe('createAuthScheme', () => {
  test.each([
    [{ type: 'none' as const }, 'none'],
    [{ type: 'basic' as const, username: 'u', password: { env: 'PW' } }, 'basic'],
    [{ type: 'digest' as const, username: 'u', password: { env: 'PW' } }, 'digest'],
    [{ type: 'token' as const, token: { env: 'T' } }, 'token'],
    [
      { type: 'signature' as const, keyId: 'k', algorithm: 'hmac-sha256' as const, key: { env: 'K' } },
      'signature',
    ],
  ])('GIVEN %j THEN the scheme is %s', (config, type) => {
    expect(authScheme(config, { secrets }).type).toBe(type);
  });

  it('GIVEN oauth2-client-credentials THEN the scheme holds a pool it releases on close', async () => {
    const scheme = authScheme(
      {
        type: 'oauth2-client-credentials',
        tokenUrl: 'https://t.example',
        clientId: 'c',
        clientSecret: { env: 'S' },
      },
      { secrets },
    );
    expect(scheme.type).toBe('oauth2-client-credentials');
    expect(scheme.mayRetry).toBe(true);
    await scheme.close?.();
    await expect(scheme.authorize(request)).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
  });

  test('GIVEN a file password already read and unchanged THEN the header comes at once (no promise); after a rotation, through the resolver, with the new password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'basic-now-'));
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      const file = join(dir, 'password');
      writeFileSync(file, 'first');
      const basic = createBasicScheme(
        { type: 'basic', username: 'svc', password: { file } },
        { secrets: createSecretResolver() },
      );
      const header = (password: string) => ({
        authorization: `Basic ${Buffer.from(`svc:${password}`).toString('base64')}`,
      });
      const cold = basic.authorize(request);
      expect(cold).toBeInstanceOf(Promise);
      expect(await cold).toEqual(header('first'));
      const warm = basic.authorize(request);
      expect(warm).not.toBeInstanceOf(Promise);
      expect(warm).toEqual(header('first'));
      writeFileSync(file, 'second');
      await nextTurn();
      const rotated = basic.authorize(request);
      expect(rotated).toBeInstanceOf(Promise);
      expect(await rotated).toEqual(header('second'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
