import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { request } from 'undici';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { CredentialsUnavailableError } from '../../../gateway-runtime/src/core/errors';
import { type BackendDispatchers } from '../../../gateway-runtime/src/io/dispatchers';
import { classifyTransportError } from '../../../gateway-runtime/src/io/transport-errors';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { backendDispatchers } from '../config/support/resolved';

const withCode = (code: string) => Object.assign(new Error(`failure ${code}`), { code });

describe('classifyTransportError (table)', () => {
  test.each([
    ['CERT_HAS_EXPIRED', 'BACKEND_TLS', 502],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'BACKEND_TLS', 502],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'BACKEND_TLS', 502],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'BACKEND_TLS', 502],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'BACKEND_TLS', 502],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'BACKEND_TLS', 502],
    ['ERR_TLS_SPKI_PIN_MISMATCH', 'BACKEND_TLS', 502],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'BACKEND_TLS', 502],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'BACKEND_TLS', 502],
    ['ERR_TLS_INVALID_PROTOCOL_VERSION', 'BACKEND_TLS', 502],
    ['CERT_CHAIN_TOO_LONG', 'BACKEND_TLS', 502],
    ['ECONNREFUSED', 'BACKEND_UNREACHABLE', 502],
    ['ECONNRESET', 'BACKEND_UNREACHABLE', 502],
    ['ENOTFOUND', 'BACKEND_UNREACHABLE', 502],
    ['EHOSTUNREACH', 'BACKEND_UNREACHABLE', 502],
    ['UND_ERR_SOCKET', 'BACKEND_UNREACHABLE', 502],
    ['UND_ERR_CONNECT_TIMEOUT', 'BACKEND_TIMEOUT', 504],
    ['UND_ERR_HEADERS_TIMEOUT', 'BACKEND_TIMEOUT', 504],
    ['UND_ERR_BODY_TIMEOUT', 'BACKEND_TIMEOUT', 504],
    ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'RESPONSE_TOO_LARGE', 502],
    ['HPE_INVALID_CONSTANT', 'BACKEND_PROTOCOL', 502],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'BACKEND_PROTOCOL', 502],
    ['SOMETHING_NEW', 'BACKEND_UNREACHABLE', 502],
  ])('GIVEN an error with code %s THEN it maps to %s (%d)', (code, expected, status) => {
    const error = classifyTransportError(withCode(code));

    expect(error).toMatchObject({ code: expected, status });
    expect(error.message).toContain(`(${code})`);
    expect(error.cause).toEqual(withCode(code));
  });

  test('GIVEN a fetch-style TypeError whose cause carries the code THEN the cause decides', () => {
    const wrapped = new TypeError('fetch failed', { cause: withCode('CERT_HAS_EXPIRED') });

    expect(classifyTransportError(wrapped)).toMatchObject({ code: 'BACKEND_TLS' });
  });

  test('GIVEN an AggregateError of connection attempts THEN its members decide', () => {
    const aggregate = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'all failed');

    expect(classifyTransportError(aggregate)).toMatchObject({ code: 'BACKEND_UNREACHABLE' });
  });

  test('GIVEN a GatewayError THEN it is returned unchanged', () => {
    const error = new CredentialsUnavailableError('secret file /x can not be read (ENOENT)');

    expect(classifyTransportError(error)).toBe(error);
  });

  test('GIVEN an error without a code THEN it is BACKEND_UNREACHABLE naming the error class', () => {
    expect(classifyTransportError(new RangeError('odd'))).toMatchObject({
      code: 'BACKEND_UNREACHABLE',
      message: 'backend request failed (RangeError)',
    });
  });
});

/** Real undici errors from misbehaving loopback servers, through the backend dispatchers. */
describe('classifyTransportError (real failures on loopback)', () => {
  const servers: Array<Server | HttpServer> = [];
  const sockets = new Set<Socket>();
  const dispatchers: BackendDispatchers[] = [];

  afterAll(async () => {
    await Promise.all(dispatchers.map((d) => d.close()));
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function listen<T extends Server | HttpServer>(server: T): Promise<string> {
    servers.push(server);
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      // The gateway resets a connection it gives up on (a timeout): the reset reaches these servers.
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function failureOf(origin: string, overrides: Partial<GatewayConfig> = {}) {
    const config: GatewayConfig = {
      version: 1,
      name: 'errors',
      backend: { url: origin },
      security: { type: 'none' },
      ...overrides,
    };
    const d = backendDispatchers(config, createSecretResolver());
    dispatchers.push(d);
    try {
      const response = await request(`${origin}/`, { dispatcher: await d.get() });
      await response.body.text();
    } catch (error) {
      return classifyTransportError(error);
    }
    throw new Error('expected the request to fail');
  }

  test('fails when nothing listens, with BACKEND_UNREACHABLE', async () => {
    const origin = await listen(createNetServer());
    await new Promise((resolve) => servers.pop()!.close(resolve));

    expect(await failureOf(origin)).toMatchObject({
      code: 'BACKEND_UNREACHABLE',
      message: 'backend unreachable (ECONNREFUSED)',
    });
  });

  test('fails when the backend closes the connection without answering, with BACKEND_UNREACHABLE', async () => {
    const origin = await listen(createNetServer((socket) => socket.once('data', () => socket.destroy())));

    expect(await failureOf(origin)).toMatchObject({
      code: 'BACKEND_UNREACHABLE',
      message: 'backend unreachable (UND_ERR_SOCKET)',
    });
  });

  test('fails when the response headers do not come in time, with BACKEND_TIMEOUT', async () => {
    const origin = await listen(createNetServer(() => undefined));

    expect(await failureOf(origin, { timeouts: { headersMs: 200 } })).toMatchObject({
      code: 'BACKEND_TIMEOUT',
      status: 504,
      message: 'backend timed out (UND_ERR_HEADERS_TIMEOUT)',
    });
  });

  test('fails when the body stalls, with BACKEND_TIMEOUT', async () => {
    const origin = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
      }),
    );

    expect(await failureOf(origin, { timeouts: { bodyMs: 200 } })).toMatchObject({
      code: 'BACKEND_TIMEOUT',
      message: 'backend timed out (UND_ERR_BODY_TIMEOUT)',
    });
  });

  test('fails when the response is above limits.maxResponseBodyBytes, with RESPONSE_TOO_LARGE', async () => {
    const origin = await listen(createHttpServer((_req, res) => res.end('x'.repeat(5000))));

    expect(await failureOf(origin, { limits: { maxResponseBodyBytes: 1000 } })).toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
      message: 'backend response above the size limit (UND_ERR_RES_EXCEEDED_MAX_SIZE)',
    });
  });

  test('fails when the backend does not speak HTTP, with BACKEND_PROTOCOL', async () => {
    const origin = await listen(
      createNetServer((socket) => socket.once('data', () => socket.end('HELLO\r\n\r\n'))),
    );

    expect(await failureOf(origin)).toMatchObject({
      code: 'BACKEND_PROTOCOL',
      status: 502,
      message: 'invalid backend response (HTTPParserError)',
    });
  });
});
