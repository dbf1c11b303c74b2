/** The Lambda ALB adapter against loopback backends: events in both header modes, failures as problems. */
import { createLambdaHandler, isTextualContentType } from '../../../gateway-runtime/src/adapters/lambda';
import { LAMBDA_MAX_RESPONSE_BYTES } from '../../../gateway-runtime/src/config/defaults';
import { bigResponseHandler, RunningBackend, startBackend } from '../../support/loopback-backends';
import { albEvent, captureLines } from '../fixtures/harness';
import { Backends, baseConfig, FAILURE_SCENARIOS, startBackends } from '../fixtures/scenarios';

jest.setTimeout(30_000);

let backends: Backends;
let binary: RunningBackend;
let huge: RunningBackend;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]);

beforeAll(async () => {
  backends = await startBackends();
  binary = await startBackend((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'set-cookie': ['a=1; Secure', 'b=2; Secure'] });
    res.end(PNG);
  });
  huge = await startBackend(bigResponseHandler(LAMBDA_MAX_RESPONSE_BYTES + 10, true));
});
afterAll(async () => {
  await backends?.stop();
  await binary?.stop();
  await huge?.stop();
});

const handlerFor = (config: object, sink: (line: string) => void = () => undefined) =>
  createLambdaHandler({ configJson: JSON.stringify(config), deps: { logSink: sink } });

const parseBody = (result: { body: string; isBase64Encoded: boolean }) =>
  JSON.parse(result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body);

describe('Lambda ALB adapter', () => {
  test('GIVEN the exported handler THEN it is async-only: an async function of (event, context), never a callback (nodejs24.x)', () => {
    const handler = handlerFor(baseConfig(`${backends.echo.baseUrl}/api`));
    expect(handler.constructor.name).toBe('AsyncFunction');
    expect(handler.length).toBe(2);
  });

  test.each([false, true])(
    'GIVEN a POST event (multi-value %s) with a base64 body WHEN handled THEN the backend gets the bytes, query and filtered headers',
    async (multiValue) => {
      const handler = handlerFor(baseConfig(`${backends.echo.baseUrl}/api`));
      const result = await handler(
        albEvent({
          method: 'POST',
          path: '/v1/items',
          query: { q: 'a%20b', page: '2' },
          headers: {
            'content-type': 'application/octet-stream',
            authorization: 'Bearer caller-token',
            cookie: 'session=caller',
            connection: 'x-hop',
            'x-hop': 'drop me',
            'x-forwarded-for': '198.51.100.1, 10.1.2.3',
          },
          body: Buffer.from([0, 1, 2, 250]),
          multiValue,
        }),
        { awsRequestId: 'req-1' },
      );
      expect(result.statusCode).toBe(200);
      expect(result.statusDescription).toBe('200 OK');
      expect(result.isBase64Encoded).toBe(false); // application/json is text
      if (multiValue) expect(result.multiValueHeaders?.['content-type']).toEqual(['application/json']);
      else expect(result.headers?.['content-type']).toBe('application/json');
      const seen = parseBody(result);
      expect(seen.method).toBe('POST');
      expect(seen.url).toBe('/api/v1/items?q=a%20b&page=2');
      expect(backends.echo.requests.at(-1)?.body).toEqual(Buffer.from([0, 1, 2, 250]));
      expect(seen.headers).toMatchObject({
        host: `127.0.0.1:${backends.echo.port}`,
        'x-forwarded-for': '198.51.100.1, 10.1.2.3',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'gateway.internal',
      });
      expect(seen.headers).not.toHaveProperty('authorization');
      expect(seen.headers).not.toHaveProperty('cookie');
      expect(seen.headers).not.toHaveProperty('x-hop');
    },
  );

  test.each([false, true])(
    'GIVEN a binary backend answer (multi-value %s) WHEN handled THEN the body is base64 and cookies follow the mode',
    async (multiValue) => {
      const result = await handlerFor(baseConfig(binary.baseUrl))(
        albEvent({ path: '/logo.png', multiValue }),
      );
      expect(result.isBase64Encoded).toBe(true);
      expect(Buffer.from(result.body, 'base64')).toEqual(PNG);
      if (multiValue)
        expect(result.multiValueHeaders?.['set-cookie']).toEqual(['a=1; Secure', 'b=2; Secure']);
      else expect(result.headers?.['set-cookie']).toBe('a=1; Secure');
    },
  );

  test('fails when the answer is above the ALB 1 MB limit: 502 RESPONSE_TOO_LARGE', async () => {
    const result = await handlerFor(baseConfig(huge.baseUrl))(albEvent({ path: '/huge' }));
    expect(result.statusCode).toBe(502);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'RESPONSE_TOO_LARGE', status: 502 });
  });

  test.each(FAILURE_SCENARIOS.flatMap((s) => [false, true].map((multiValue) => ({ ...s, multiValue }))))(
    '$name (multi-value $multiValue)',
    async (scenario) => {
      const untouched = scenario.backendUntouched?.(backends);
      const before = untouched?.requests.length;
      const logs = captureLines();
      const result = await handlerFor(
        scenario.config(backends),
        logs.sink,
      )(
        albEvent({
          method: scenario.method,
          path: scenario.path,
          ...(scenario.body ? { body: scenario.body } : {}),
          multiValue: scenario.multiValue,
        }),
      );
      expect(result.statusCode).toBe(scenario.status);
      const contentType = scenario.multiValue
        ? result.multiValueHeaders?.['content-type']?.[0]
        : result.headers?.['content-type'];
      expect(contentType).toBe('application/problem+json');
      expect(JSON.parse(result.body)).toEqual({
        type: `urn:backend-link:problem:${scenario.code.toLowerCase().replace(/_/g, '-')}`,
        title: expect.any(String),
        status: scenario.status,
        code: scenario.code,
        instance: expect.stringMatching(/^urn:request:/),
      });
      if (untouched) expect(untouched.requests.length).toBe(before);
      expect(logs.logs().at(-1)).toMatchObject({ error: scenario.code, status: scenario.status });
    },
  );

  describe('trusted sources', () => {
    const config = () => baseConfig(backends.echo.baseUrl, { trustedSources: { cidrs: ['10.0.0.0/8'] } });

    test.each([
      ['10.1.2.3', 200],
      ['203.0.113.9, 10.1.2.3', 200],
      ['10.1.2.3, 203.0.113.9', 403],
      ['10.1.2.3, 10.9.9.9, 203.0.113.9', 403],
    ])('GIVEN X-Forwarded-For %j (the ALB appended the last) THEN the answer is %i', async (xff, status) => {
      const result = await handlerFor(config())(
        albEvent({ path: '/x', headers: { 'x-forwarded-for': xff } }),
      );
      expect(result.statusCode).toBe(status);
      if (status === 403) expect(JSON.parse(result.body).code).toBe('SOURCE_DENIED');
    });

    test('regression: a spoofed X-Forwarded-For entry never grants access', async () => {
      const result = await handlerFor(config())(
        albEvent({ path: '/x', headers: { 'x-forwarded-for': '10.0.0.1, 10.0.0.2, 198.51.100.77' } }),
      );
      expect(result.statusCode).toBe(403);
    });
  });

  describe('configuration', () => {
    test.each([
      ['an empty value', ''],
      ['invalid JSON', '{"version":'],
      ['a wrong version', JSON.stringify({ ...baseConfig('http://127.0.0.1:9/'), version: 99 })],
      [
        'an invalid trusted-source CIDR',
        JSON.stringify({
          version: 1,
          name: 'x',
          backend: { url: 'http://127.0.0.1:9' },
          security: { type: 'none' },
          trustedSources: { cidrs: ['10.0.0.0/33'] },
        }),
      ],
    ])(
      'fails when GATEWAY_CONFIG is %s: every invocation answers 500 CONFIG_INVALID and the problems are logged once',
      async (_what, json) => {
        const logs = captureLines();
        const handler = createLambdaHandler({ configJson: json, deps: { logSink: logs.sink } });
        for (let i = 0; i < 2; i++) {
          const result = await handler(albEvent({ path: '/x' }));
          expect(result.statusCode).toBe(500);
          expect(JSON.parse(result.body)).toEqual({
            type: 'urn:backend-link:problem:config-invalid',
            title: 'Gateway configuration invalid',
            status: 500,
            code: 'CONFIG_INVALID',
          });
        }
        expect(logs.logs()).toEqual([
          expect.objectContaining({
            level: 'error',
            error: 'CONFIG_INVALID',
            problems: [expect.objectContaining({ path: expect.any(String), message: expect.any(String) })],
          }),
        ]);
      },
    );

    test('fails when GATEWAY_CONFIG has several bad fields: the log names every one, by path', async () => {
      const logs = captureLines();
      const config = { ...baseConfig('http://127.0.0.1:9/'), version: 99, timeouts: { connectMs: -1 } };
      const handler = createLambdaHandler({
        configJson: JSON.stringify(config),
        deps: { logSink: logs.sink },
      });
      expect((await handler(albEvent({ path: '/x' }))).statusCode).toBe(500);
      const [entry] = logs.logs() as Array<{ problems: Array<{ path: string }> }>;
      expect(entry.problems.map((p) => p.path)).toEqual(['version', 'timeouts.connectMs']);
    });

    test('GIVEN initNow (the Lambda init phase) WHEN the handler is created THEN the problems are logged before any invocation', () => {
      const logs = captureLines();
      createLambdaHandler({ configJson: '{}', initNow: true, deps: { logSink: logs.sink } });
      expect(logs.logs()).toEqual([expect.objectContaining({ error: 'CONFIG_INVALID' })]);
    });

    test('GIVEN GATEWAY_CONFIG in the environment WHEN the exported handler runs THEN it reads it once', async () => {
      const previous = process.env.GATEWAY_CONFIG;
      process.env.GATEWAY_CONFIG = JSON.stringify(baseConfig(backends.echo.baseUrl));
      try {
        const handler = createLambdaHandler({ deps: { logSink: () => undefined } });
        expect((await handler(albEvent({ path: '/env' }))).statusCode).toBe(200);
        process.env.GATEWAY_CONFIG = 'garbage';
        expect((await handler(albEvent({ path: '/env' }))).statusCode).toBe(200);
      } finally {
        if (previous === undefined) delete process.env.GATEWAY_CONFIG;
        else process.env.GATEWAY_CONFIG = previous;
      }
    });
  });
});

describe('isTextualContentType', () => {
  test.each([
    ['text/html; charset=utf-8', true],
    ['application/json', true],
    ['application/problem+json', true],
    ['application/vnd.api+json', true],
    ['application/xml', true],
    ['application/x-www-form-urlencoded', true],
    ['image/png', false],
    ['application/octet-stream', false],
    ['application/pdf', false],
    [undefined, false],
  ])('GIVEN %j THEN textual=%s', (contentType, textual) => {
    expect(isTextualContentType(contentType)).toBe(textual);
  });
});
