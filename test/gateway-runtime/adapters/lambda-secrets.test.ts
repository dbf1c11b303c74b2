/** Issue 20 on Lambda: a secret that can not be read is one log line per secret and cold start. */
import { createLambdaHandler } from '../../../gateway-runtime/src/adapters/lambda';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { albEvent, captureLines } from '../fixtures/harness';

test('GIVEN two secrets that can not be read WHEN three requests come THEN one line per secret at the cold start, every request line names its secret, and the value is never logged', async () => {
  const out = captureLines();
  const handler = createLambdaHandler({
    configJson: JSON.stringify({
      version: 1,
      name: 'acme',
      backend: { url: 'http://127.0.0.1:9/api' },
      security: {
        type: 'basic',
        username: { env: 'GW_JSON', jsonKey: 'user' },
        password: { env: 'GW_JSON', jsonKey: 'password' },
      },
    }),
    deps: {
      logSink: out.sink,
      metricsSink: () => undefined,
      secrets: createSecretResolver({ env: { GW_JSON: '{"user":"","other":"v4lue-never-logged"}' } }),
    },
  });

  for (let i = 0; i < 3; i++) {
    const result = await handler(albEvent({ path: '/x' }));
    expect(result.statusCode).toBe(503);
  }

  const coldStart = out.logs().filter((l) => l.msg === 'secret can not be read');
  expect(coldStart).toEqual([
    expect.objectContaining({
      level: 'error',
      error: 'CREDENTIALS_UNAVAILABLE',
      configPath: 'security.username',
      secret: 'environment variable GW_JSON (jsonKey "user")',
      reason: 'EMPTY',
    }),
    expect.objectContaining({
      configPath: 'security.password',
      secret: 'environment variable GW_JSON (jsonKey "password")',
      reason: 'KEY_MISSING',
    }),
  ]);
  const failed = out.logs().filter((l) => l.msg === 'request failed');
  expect(failed).toHaveLength(3);
  expect(failed[0]).toMatchObject({ error: 'CREDENTIALS_UNAVAILABLE', reason: 'EMPTY' });
  expect(out.lines.join('\n')).not.toContain('v4lue-never-logged');
});
