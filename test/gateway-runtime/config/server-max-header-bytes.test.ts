/**
 * `server.maxHeaderBytes` end to end: the standalone server started from a configuration document (as
 * `serve` reads it, validated and resolved) answers a caller whose headers are over the limit with 431,
 * and forwards one under it; the default is Node's 16 KiB.
 */
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startServer, StandaloneServer } from '../../../gateway-runtime/src/adapters/server';
import { parseConfig } from '../../../gateway-runtime/src/config';
import { ConfigError } from '../../../gateway-runtime/src/core/errors';

/** The backend: takes headers up to 1 MiB (so only the gateway's limit applies) and answers the padding's length. */
let backend: Server;
let backendUrl: string;
let forwarded: number[] = [];
beforeAll(async () => {
  backend = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    forwarded.push(String(req.headers['x-padding'] ?? '').length);
    res.end(String(req.headers['x-padding']?.length ?? 0));
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
});
beforeEach(() => {
  forwarded = [];
});
afterAll(async () => {
  backend?.close();
});

const document = (server: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'headers',
  backend: { url: backendUrl },
  security: { type: 'none' },
  server: { port: 0, ...server },
});

/** The status the server answers a GET with one `x-padding` header of `bytes` bytes. */
async function statusWithHeader(server: StandaloneServer, bytes: number): Promise<number> {
  const response = await request(`http://127.0.0.1:${server.port}/orders`, {
    headers: { 'x-padding': 'a'.repeat(bytes) },
  });
  await response.body.dump();
  return response.statusCode;
}

async function withServer(doc: object, run: (server: StandaloneServer) => Promise<void>): Promise<void> {
  const server = await startServer(parseConfig(doc), { deps: { logSink: () => undefined } });
  try {
    await run(server);
  } finally {
    await server.shutdown();
  }
}

test('GIVEN server.maxHeaderBytes 2048 WHEN a caller sends 4 KB of headers THEN 431, and 1 KB is forwarded', async () => {
  await withServer(document({ maxHeaderBytes: 2048 }), async (server) => {
    expect(await statusWithHeader(server, 4096)).toBe(431);
    expect(await statusWithHeader(server, 1024)).toBe(200);
    expect(forwarded).toEqual([1024]);
  });
});

test('GIVEN no server.maxHeaderBytes WHEN a caller sends 4 KB, then 20 KB of headers THEN Node 16 KiB default: 200, then 431', async () => {
  await withServer(document(), async (server) => {
    expect(await statusWithHeader(server, 4096)).toBe(200);
    expect(await statusWithHeader(server, 20_000)).toBe(431);
    expect(forwarded).toEqual([4096]);
  });
});

test('GIVEN server.maxHeaderBytes 65536 WHEN a caller sends 20 KB of headers THEN it is forwarded', async () => {
  await withServer(document({ maxHeaderBytes: 65_536 }), async (server) => {
    expect(await statusWithHeader(server, 20_000)).toBe(200);
    expect(forwarded).toEqual([20_000]);
  });
});

test.each([
  [512, 'must be between 1024 and 1048576, got 512'],
  ['16k', 'must be an integer, got "16k"'],
])('GIVEN server.maxHeaderBytes %p THEN the document is refused, naming the field', (value, message) => {
  expect(() => parseConfig(document({ maxHeaderBytes: value }))).toThrow(ConfigError);
  try {
    parseConfig(document({ maxHeaderBytes: value }));
  } catch (error) {
    expect((error as ConfigError).problems).toEqual([{ path: 'server.maxHeaderBytes', message }]);
  }
});

test('GIVEN a misspelt maxHeaderByte THEN "did you mean" names the field', () => {
  try {
    parseConfig(document({ maxHeaderByte: 4096 }));
    throw new Error('expected a ConfigError');
  } catch (error) {
    expect((error as ConfigError).problems).toEqual([
      { path: 'server.maxHeaderByte', message: 'unknown field (did you mean "maxHeaderBytes"?)' },
    ]);
  }
});
