/**
 * Regression: no secret value ever appears in logs, metrics, problem answers, response headers or
 * thrown messages. Real requests with known secret strings go to real servers (nginx, Apache httpd)
 * and to failing backends, through the core and both adapters; everything captured is scanned.
 */
import { createLambdaHandler } from '../../../gateway-runtime/src/adapters/lambda';
import { startServer } from '../../../gateway-runtime/src/adapters/server';
import type { FileSecretRef, GatewayConfig, SecurityScheme } from '../../../gateway-runtime/src/config/types';
import { createGateway } from '../../../gateway-runtime/src/proxy';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { RunningApache, startApacheDigest } from '../../support/apache';
import { RunningNginx, startNginxBasic } from '../../support/nginx';
import { RunningBackend, silentHandler, startBackend } from '../../support/loopback-backends';
import { freePort } from '../../support/ports';
import { albEvent, captureLines, httpCall, secretFiles } from '../fixtures/harness';
import { authScheme } from '../config/support/resolved';

jest.setTimeout(60_000);

const BASIC_SECRET = 'basic-SECRET-7f3a9c';
const DIGEST_SECRET = 'digest:SECRET:41be07';
const WRONG_SECRET = 'wrong-SECRET-c0ffee';
const USER_SECRET = 'user:SECRET:e11e'; // a username with a colon, rejected by Basic

const secrets = secretFiles();
let nginx: RunningNginx;
let apache: RunningApache;
let silent: RunningBackend;
let closedPort: number;
const captured: string[] = [];

const forbidden = [BASIC_SECRET, DIGEST_SECRET, WRONG_SECRET, USER_SECRET].flatMap((s) => [
  s,
  Buffer.from(s).toString('base64'),
  Buffer.from(`svc:${s}`).toString('base64'),
  Buffer.from(`${s}:${BASIC_SECRET}`).toString('base64'),
]);

beforeAll(async () => {
  [nginx, apache, silent, closedPort] = await Promise.all([
    startNginxBasic({ realm: 'r', users: [{ username: 'svc', password: BASIC_SECRET }] }),
    startApacheDigest({ realm: 'r', users: [{ username: 'svc', password: DIGEST_SECRET }] }),
    startBackend(silentHandler),
    freePort(),
  ]);
});
afterAll(async () => {
  await Promise.all([nginx?.stop(), apache?.stop(), silent?.stop()]);
  secrets.remove();
});

function configs(): Array<[string, GatewayConfig]> {
  const basic = (password: string, username: string | FileSecretRef = 'svc') =>
    ({ type: 'basic', username, password: secrets.file(password) }) as SecurityScheme;
  const digest = (password: string) =>
    ({ type: 'digest', username: 'svc', password: secrets.file(password) }) as SecurityScheme;
  const base = (
    url: string,
    security: SecurityScheme,
    extra: Partial<GatewayConfig> = {},
  ): GatewayConfig => ({
    version: 1,
    name: 'leak-check',
    backend: { url },
    security,
    ...extra,
  });
  return [
    ['basic, right password, nginx', base(nginx.baseUrl, basic(BASIC_SECRET))],
    ['basic, wrong password, nginx', base(nginx.baseUrl, basic(WRONG_SECRET))],
    ['basic, username with a colon', base(nginx.baseUrl, basic(BASIC_SECRET, secrets.file(USER_SECRET)))],
    ['digest, right password, Apache', base(apache.baseUrl, digest(DIGEST_SECRET))],
    ['digest, wrong password, Apache', base(apache.baseUrl, digest(WRONG_SECRET))],
    ['basic, unreachable backend', base(`http://127.0.0.1:${closedPort}`, basic(BASIC_SECRET))],
    ['digest, silent backend', base(silent.baseUrl, digest(DIGEST_SECRET), { timeouts: { headersMs: 200 } })],
    [
      'digest, body too large to replay',
      base(apache.baseUrl, digest(DIGEST_SECRET), { limits: { maxReplayBodyBytes: 10 } }),
    ],
  ];
}

describe('no secret value ever leaves the gateway', () => {
  test('GIVEN known secrets WHEN requests succeed and fail through the core, Lambda and the server THEN nothing captured contains them', async () => {
    for (const [what, config] of configs()) {
      const lines = captureLines();
      // core
      const gateway = createGateway(config, { logSink: lines.sink });
      const core = await gateway.handle(
        {
          method: 'POST',
          path: '/private/hello.txt',
          query: 'token=not-a-secret',
          headers: { 'content-type': 'text/plain' },
          body: Buffer.from('0123456789abcdef'),
          protocol: 'https',
        },
        { bufferResponse: true },
      );
      captured.push(what, JSON.stringify(core.headers), core.body.toString());
      await gateway.close();
      // Lambda
      const handler = createLambdaHandler({
        configJson: JSON.stringify(config),
        deps: { logSink: lines.sink },
      });
      for (const multiValue of [false, true]) {
        captured.push(JSON.stringify(await handler(albEvent({ path: '/private/hello.txt', multiValue }))));
      }
      // standalone server
      const server = await startServer(config, { port: 0, deps: { logSink: lines.sink } });
      try {
        const response = await httpCall(`http://127.0.0.1:${server.port}/private/hello.txt`);
        captured.push(JSON.stringify(response.headers), response.text);
      } finally {
        await server.shutdown();
      }
      // the scheme's own errors
      try {
        const scheme = authScheme(config.security, { secrets: createSecretResolver() });
        await scheme.authorize({ method: 'GET', url: new URL(config.backend.url), headers: {} });
      } catch (error) {
        captured.push(String(error), JSON.stringify(error), (error as Error).stack ?? '');
      }
      captured.push(...lines.lines);
      expect(lines.lines.length).toBeGreaterThan(0);
    }

    const everything = captured.join('\n');
    expect(everything).toContain('"level"'); // logs were captured
    expect(everything).toContain('"_aws"'); // metrics were captured
    expect(everything).toContain('BACKEND_UNREACHABLE');
    expect(everything).toContain('REPLAY_BODY_TOO_LARGE');
    expect(everything).toContain('CREDENTIALS_UNAVAILABLE');
    for (const secret of forbidden) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('not-a-secret'); // query strings are not logged either
  });
});
