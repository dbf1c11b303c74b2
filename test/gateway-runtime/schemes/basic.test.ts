import { createBasicScheme } from '../../../gateway-runtime/src/schemes/basic';
import { createAuthScheme } from '../../../gateway-runtime/src/schemes';
import { fakeSecrets } from './fake-secrets';

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
  ])('GIVEN %j THEN the scheme is %s', (config, type) => {
    expect(createAuthScheme(config, { secrets }).type).toBe(type);
  });

  test.each([
    { type: 'token' as const, token: { env: 'T' } },
    { type: 'signature' as const, keyId: 'k', algorithm: 'hmac-sha256' as const, key: { env: 'K' } },
    {
      type: 'oauth2-client-credentials' as const,
      tokenUrl: 'https://t',
      clientId: 'c',
      clientSecret: { env: 'S' },
    },
  ])('fails when the scheme is $type (not in this build)', (config) => {
    expect(() => createAuthScheme(config, { secrets })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [
          {
            path: 'security.type',
            message: `"${config.type}" is not available in this build of the gateway runtime`,
          },
        ],
      }),
    );
  });
});
