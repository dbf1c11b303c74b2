/**
 * The Lambda handler against events and peers that misbehave (issue 11): malformed events, header
 * values a request can not carry, and a token endpoint or backend that never answers within the
 * function's time limit.
 */
import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AlbEvent, createLambdaHandler } from '../../../gateway-runtime/src/adapters/lambda';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { RunningBackend, startBackend } from '../../support/loopback-backends';
import { albEvent, captureLines, secretFiles } from '../fixtures/harness';

jest.setTimeout(30_000);

const secrets = secretFiles();
let echo: RunningBackend;
/** Accepts connections and never answers: a silent token endpoint or backend. */
let silent: Server;
let silentUrl: string;
const silentSockets = new Set<Socket>();

beforeAll(async () => {
  echo = await startBackend((_req, res) => res.end('ok'));
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await echo?.stop();
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  secrets.remove();
});

const noneConfig = (): GatewayConfig => ({
  version: 1,
  name: 'lambda-hardening',
  backend: { url: echo.baseUrl },
  security: { type: 'none' },
});

const body = (result: { body: string }) => JSON.parse(result.body) as Record<string, unknown>;

describe('malformed events', () => {
  const valid = albEvent({ path: '/x' }) as unknown as Record<string, unknown>;
  test.each<[string, unknown, string]>([
    ['no httpMethod', { ...valid, httpMethod: undefined }, 'httpMethod'],
    ['a numeric httpMethod', { ...valid, httpMethod: 7 }, 'httpMethod'],
    ['no path', { ...valid, path: undefined }, 'path'],
    ['a non-string body', { ...valid, body: { a: 1 } }, 'body'],
    ['headers that are not strings', { ...valid, headers: { host: 1 } }, 'headers'],
    [
      'multi-value headers that are not lists',
      { ...valid, headers: undefined, multiValueHeaders: { host: 'x' } },
      'multiValueHeaders',
    ],
    ['a query that is not a map', { ...valid, queryStringParameters: 'a=1' }, 'queryStringParameters'],
    ['isBase64Encoded that is not a boolean', { ...valid, isBase64Encoded: 'yes' }, 'isBase64Encoded'],
    ['no event at all', null, '(event)'],
  ])(
    'regression: an event with %s is answered 400 BAD_REQUEST and logged, never a TypeError',
    async (_what, event, field) => {
      const logs = captureLines();
      const handler = createLambdaHandler({
        configJson: JSON.stringify(noneConfig()),
        deps: { logSink: logs.sink },
      });
      const before = echo.requests.length;
      const result = await handler(event as AlbEvent, { awsRequestId: 'req-1' });
      expect(echo.requests.length).toBe(before);
      expect(result.statusCode).toBe(400);
      expect(body(result)).toMatchObject({ code: 'BAD_REQUEST', status: 400, instance: 'urn:request:req-1' });
      expect(logs.logs()).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'malformed load balancer event',
          field,
          error: 'BAD_REQUEST',
        }),
      );
    },
  );
});

describe('caller faults are 4xx, not gateway errors', () => {
  test.each([false, true])(
    'regression: a header value outside Latin-1 (multi-value %s) is answered 400 BAD_REQUEST, not 502, and is no gateway error',
    async (multiValue) => {
      const logs = captureLines();
      const handler = createLambdaHandler({
        configJson: JSON.stringify(noneConfig()),
        deps: { logSink: logs.sink },
      });
      const before = echo.requests.length;
      const result = await handler(albEvent({ path: '/x', headers: { 'x-name': 'Zoë 😀' }, multiValue }));
      expect(result.statusCode).toBe(400);
      expect(body(result)).toMatchObject({ code: 'BAD_REQUEST' });
      expect(echo.requests.length).toBe(before);
      expect(logs.metrics().at(-1)).toMatchObject({ GatewayErrors: 0 });
      expect(logs.logs().find((l) => l.msg === 'request failed')).toMatchObject({
        level: 'warn',
        status: 400,
      });
    },
  );
});

describe('every request is answered within the function time limit', () => {
  test('regression: a silent token endpoint gets the configured timeouts (headersMs), not a fixed 30 s: 503 within ~0.5 s', async () => {
    const config: GatewayConfig = {
      version: 1,
      name: 'lambda-hardening',
      backend: { url: echo.baseUrl },
      security: {
        type: 'oauth2-client-credentials',
        tokenUrl: `${silentUrl}/token`,
        clientId: 'gw',
        clientSecret: secrets.file('client-secret'),
        allowInsecureLoopbackTokenUrl: true,
      },
      timeouts: { connectMs: 500, headersMs: 500, bodyMs: 500 },
    };
    const handler = createLambdaHandler({
      configJson: JSON.stringify(config),
      deps: { logSink: () => undefined },
    });
    const started = Date.now();
    const result = await handler(albEvent({ path: '/x' }));
    expect(result.statusCode).toBe(503);
    expect(body(result)).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test.each([
    ['a silent token endpoint', 'token'],
    ['a silent backend', 'backend'],
  ])(
    'regression: with %s and 30 s timeouts, a function with 1.5 s left answers 504 BACKEND_TIMEOUT before its time limit',
    async (_what, silentPart) => {
      const config: GatewayConfig = {
        version: 1,
        name: 'lambda-hardening',
        backend: { url: silentPart === 'backend' ? silentUrl : echo.baseUrl },
        security:
          silentPart === 'backend'
            ? { type: 'none' }
            : {
                type: 'oauth2-client-credentials',
                tokenUrl: `${silentUrl}/token`,
                clientId: 'gw',
                clientSecret: secrets.file('client-secret'),
                allowInsecureLoopbackTokenUrl: true,
              },
      };
      const logs = captureLines();
      const handler = createLambdaHandler({
        configJson: JSON.stringify(config),
        deps: { logSink: logs.sink },
      });
      const started = Date.now();
      const deadline = started + 1_500;
      const result = await handler(albEvent({ path: '/x' }), {
        awsRequestId: 'req-deadline',
        getRemainingTimeInMillis: () => deadline - Date.now(),
      });
      const took = Date.now() - started;
      expect(result.statusCode).toBe(504);
      expect(body(result)).toMatchObject({ code: 'BACKEND_TIMEOUT', status: 504 });
      expect(took).toBeLessThan(1_500);
      expect(took).toBeGreaterThanOrEqual(900); // the 500 ms margin before the limit, not at once
      expect(logs.logs().find((l) => l.requestId === 'req-deadline')).toMatchObject({
        level: 'error',
        status: 504,
        error: 'BACKEND_TIMEOUT',
      });
    },
  );
});
