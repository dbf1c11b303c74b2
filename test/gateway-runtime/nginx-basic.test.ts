/** Basic authentication against a real nginx (`auth_basic`), through the proxy core and both adapters. */
import { createLambdaHandler } from '../../gateway-runtime/src/adapters/lambda';
import { startServer } from '../../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { createGateway } from '../../gateway-runtime/src/proxy';
import { RunningNginx, startNginxBasic } from '../support/nginx';
import { albEvent, httpCall, secretFiles } from './fixtures/harness';

jest.setTimeout(60_000);

const USER = 'aladdin';
const PASSWORD = 'open:sesame:ünïcode'; // colons and non-ASCII are part of the password

let nginx: RunningNginx;
const secrets = secretFiles();

const config = (password: string): GatewayConfig => ({
  version: 1,
  name: 'acme',
  backend: { url: nginx.baseUrl },
  security: { type: 'basic', username: USER, password: secrets.file(password) },
});

beforeAll(async () => {
  nginx = await startNginxBasic({ realm: 'nginx basic', users: [{ username: USER, password: PASSWORD }] });
});

afterAll(async () => {
  await nginx?.stop();
  secrets.remove();
});

describe('basic against nginx auth_basic', () => {
  test.each([
    { what: 'the right password', password: PASSWORD, status: 200, text: 'hello from nginx\n' },
    { what: 'a wrong password', password: 'open:sesame', status: 401, text: undefined },
  ])(
    'GIVEN $what WHEN a request goes through the core THEN nginx answers $status',
    async ({ password, status, text }) => {
      const gateway = createGateway(config(password), { logSink: () => undefined });
      try {
        const response = await gateway.handle(
          { method: 'GET', path: '/private/hello.txt', headers: {}, protocol: 'https' },
          { bufferResponse: true },
        );
        expect(response.status).toBe(status);
        if (text !== undefined) expect(response.body.toString()).toBe(text);
        else expect(response.headers['www-authenticate']).toBe('Basic realm="nginx basic"');
      } finally {
        await gateway.close();
      }
    },
  );

  test.each([false, true])(
    'GIVEN the Lambda handler (multi-value %s) WHEN a request goes through THEN nginx answers 200',
    async (multiValue) => {
      const handler = createLambdaHandler({
        configJson: JSON.stringify(config(PASSWORD)),
        deps: { logSink: () => undefined },
      });
      const result = await handler(albEvent({ path: '/private/hello.txt', multiValue }));
      expect(result).toMatchObject({ statusCode: 200, body: 'hello from nginx\n', isBase64Encoded: false });
      const contentType = multiValue
        ? result.multiValueHeaders?.['content-type']
        : result.headers?.['content-type'];
      expect(contentType).toEqual(multiValue ? ['text/plain'] : 'text/plain');
    },
  );

  test('GIVEN the Lambda handler and a wrong password WHEN a request goes through THEN the 401 passes through', async () => {
    const handler = createLambdaHandler({
      configJson: JSON.stringify(config('wrong')),
      deps: { logSink: () => undefined },
    });
    const result = await handler(albEvent({ path: '/private/hello.txt' }));
    expect(result).toMatchObject({ statusCode: 401, statusDescription: '401 Unauthorized' });
  });

  test.each([
    [PASSWORD, 200],
    ['wrong', 401],
  ])(
    'GIVEN the standalone server and password %j WHEN a request goes through THEN nginx answers %i',
    async (password, status) => {
      const server = await startServer(config(password), { port: 0, deps: { logSink: () => undefined } });
      try {
        const response = await httpCall(`http://127.0.0.1:${server.port}/private/hello.txt`, {
          headers: { authorization: 'Basic Y2FsbGVyOm93bg==' }, // the caller's own: never forwarded
        });
        expect(response.status).toBe(status);
      } finally {
        await server.shutdown();
      }
    },
  );
});
