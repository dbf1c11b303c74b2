/** Small Node HTTP backends on loopback for the proxy's failure scenarios. */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningBackend {
  readonly server: Server;
  readonly port: number;
  readonly baseUrl: string;
  /** Requests seen so far: method, url, headers, body. */
  readonly requests: Array<{
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: Buffer;
  }>;
  stop(): Promise<void>;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export async function startBackend(handler: BackendHandler): Promise<RunningBackend> {
  const requests: RunningBackend['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers JSON describing what it received (method, url, headers, body as text). */
export const echoHandler: BackendHandler = (req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString() }));
};

/** Answers `bytes` bytes of `application/octet-stream`; chunked (no length) when `chunked`. */
export function bigResponseHandler(bytes: number, chunked = false): BackendHandler {
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      ...(chunked ? {} : { 'content-length': String(bytes) }),
    });
    res.end(Buffer.alloc(bytes, 0x61));
  };
}

/** Never answers (the request hangs until the connection is closed). */
export const silentHandler: BackendHandler = () => undefined;
