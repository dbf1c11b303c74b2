/** Issue 20: the check event runs `gateway-runtime check`'s steps on a direct invoke, never through the ALB. */
import { createLambdaHandler, type AlbEvent } from '../../../gateway-runtime/src/adapters/lambda';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { echoHandler, RunningBackend, startBackend } from '../../support/loopback-backends';
import { albEvent, captureLines } from '../fixtures/harness';

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(echoHandler);
});
afterAll(() => backend?.stop());

const handlerFor = (env: Record<string, string>, configJson?: string) => {
  const out = captureLines();
  const handler = createLambdaHandler({
    configJson:
      configJson ??
      JSON.stringify({
        version: 1,
        name: 'acme',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'token', token: { env: 'GW_TOKEN' }, prefix: 'Bearer ' },
      }),
    deps: { logSink: out.sink, metricsSink: () => undefined, secrets: createSecretResolver({ env }) },
  });
  return { handler, out };
};

test('GIVEN a healthy configuration WHEN invoked with {"backendLinkCheck": true, "path": "/health"} THEN every step is ok and the backend got one authenticated request', async () => {
  const { handler, out } = handlerFor({ GW_TOKEN: 'tok-never-shown' });
  const before = backend.requests.length;

  const result = await handler({ backendLinkCheck: true, path: '/health' });

  expect(result).toMatchObject({ ok: true, exitCode: 0 });
  expect(result.steps.map((s) => `${s.status} ${s.step}`)).toEqual([
    'ok secret security.token',
    'ok dns backend 127.0.0.1',
    `ok tcp 127.0.0.1:${backend.port}`,
    'ok request GET /health',
  ]);
  expect(backend.requests.slice(before)).toEqual([
    expect.objectContaining({
      url: '/api/health',
      headers: expect.objectContaining({ authorization: 'Bearer tok-never-shown' }),
    }),
  ]);
  expect(out.logs()).toContainEqual(expect.objectContaining({ msg: 'check passed' }));
  expect(JSON.stringify(result) + out.lines.join('')).not.toContain('tok-never-shown');
});

test('fails when the secret is not set: exit code 3, the step names the variable, the request is skipped', async () => {
  const { handler } = handlerFor({});
  const result = await handler({ backendLinkCheck: true, path: '/health' });
  expect(result).toMatchObject({ ok: false, exitCode: 3 });
  expect(result.steps[0]).toEqual({
    class: 'secret',
    step: 'secret security.token',
    status: 'FAIL',
    detail: 'environment variable GW_TOKEN is not set [NOT_SET]',
  });
  expect(result.steps.at(-1)).toMatchObject({ status: 'skip', step: 'request GET /health' });
});

test('fails when the configuration is invalid: exit code 2 and its problems', async () => {
  const { handler } = handlerFor({}, JSON.stringify({ version: 1 }));
  const result = await handler({ backendLinkCheck: true });
  expect(result).toMatchObject({ ok: false, exitCode: 2 });
  expect(result.steps[0]).toMatchObject({ class: 'config', status: 'FAIL' });
});

test('GIVEN an ALB event that carries backendLinkCheck THEN it is a request like any other: the load balancer can never run the check', async () => {
  const { handler, out } = handlerFor({ GW_TOKEN: 't' });
  const event = { ...albEvent({ path: '/x' }), backendLinkCheck: true } as AlbEvent;

  const result = await handler(event);

  expect(result.statusCode).toBe(200);
  expect(out.logs()).not.toContainEqual(expect.objectContaining({ msg: 'check passed' }));
  const withoutMethod = { requestContext: { elb: {} }, backendLinkCheck: true } as unknown as AlbEvent;
  expect((await handler(withoutMethod)).statusCode).toBe(400);
});

test("regression: GIVEN trustedSources WHEN checked THEN the check request is the operator's own and not refused as a source (403 SOURCE_DENIED was reported as the backend refusing the credentials)", async () => {
  const { handler } = handlerFor(
    { GW_TOKEN: 't' },
    JSON.stringify({
      version: 1,
      name: 'acme',
      backend: { url: `${backend.baseUrl}/api` },
      security: { type: 'token', token: { env: 'GW_TOKEN' } },
      trustedSources: { cidrs: ['198.51.100.10/32'] },
    }),
  );
  const result = await handler({ backendLinkCheck: true, path: '/health' });
  expect(result.steps.at(-1)).toMatchObject({ step: 'request GET /health', status: 'ok' });

  const rejected = await handler({ backendLinkCheck: true, path: '/%2e%2e/etc' });
  expect(rejected.steps.at(-1)?.detail).toMatch(/^400 in \d+ ms PATH_REJECTED$/);
  expect(rejected.exitCode).toBe(8);
});
