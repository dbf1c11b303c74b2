/**
 * The standalone reverse proxy: a Node HTTP server in front of the gateway core, for a customer's DMZ
 * and for local development. Responses are streamed. There is no load balancer in front by default,
 * so the socket's remote address is the client (`trustedHops` 0) unless the configuration says
 * otherwise. `shutdown()` stops accepting, lets in-flight requests finish within `shutdownGraceMs`,
 * then closes what is left and the backend dispatchers. With `server.tls` it serves HTTPS, and with
 * `server.tls.clientCa` only to clients with a certificate (server-tls.ts); beyond loopback it does not
 * start without one.
 */
import {
  createServer,
  IncomingMessage,
  Server,
  ServerOptions as HttpServerOptions,
  ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveConfig, type ResolvedGatewayConfig } from '../config/resolve';
import type { GatewayConfig } from '../config/types';
import { AbortFlag } from '../core/abort';
import { ClientAbortedError, toProblem } from '../core/errors';
import { splitTarget } from '../core/url';
import { createGateway, Gateway, GatewayDeps } from '../proxy';
import { AdminListener, startAdminListener } from './admin';
import { prepareInbound } from './server-tls';

export interface ServerOptions {
  /** Overrides `server.host`. */
  readonly host?: string;
  /** Overrides `server.port` (0 picks a free port). */
  readonly port?: number;
  readonly deps?: GatewayDeps;
  /** How often `server.tls` material is re-read for rotation. @default DEFAULT_SERVER_TLS_CHECK_MS */
  readonly tlsCheckIntervalMs?: number;
}

export interface StandaloneServer {
  readonly server: Server;
  readonly gateway: Gateway;
  /** Where it listens. */
  readonly host: string;
  readonly port: number;
  /** Requests being answered right now. */
  inFlight(): number;
  /** Graceful shutdown; resolves once everything is closed. Safe to call twice. */
  shutdown(): Promise<void>;
  /** Re-reads `server.tls` now (SIGHUP); true when a new certificate is served. False without TLS. */
  reloadTls(): Promise<boolean>;
  /** The admin listener (`server.admin`: /livez, /readyz), when configured. */
  readonly admin?: { readonly address: string; readonly port: number };
}

/** How often Node checks the request and headers timeouts (its default, 30 s, lets a slow caller stay that much longer). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * The caller-facing timeouts from `server.*`: a caller that sends its headers or body slowly is
 * answered 408 and disconnected (Node's own defaults would hold the connection for 300 s).
 */
export function callerTimeouts(config: ResolvedGatewayConfig): HttpServerOptions {
  const { requestTimeoutMs: requestTimeout, headersTimeoutMs, keepAliveTimeoutMs } = config.server;
  return {
    requestTimeout,
    headersTimeout: Math.min(headersTimeoutMs, requestTimeout),
    keepAliveTimeout: keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, requestTimeout),
  };
}

export async function startServer(
  written: GatewayConfig | ResolvedGatewayConfig,
  options: ServerOptions = {},
): Promise<StandaloneServer> {
  // The parse step's second half, once: everything below reads resolved values.
  const config = resolveConfig(written);
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const gateway = createGateway(config, { defaultTrustedHops: 0, ...options.deps });
  const inbound = await prepareInbound(config, host, {
    secrets: gateway.secrets,
    logger: gateway.logger,
    ...(options.tlsCheckIntervalMs !== undefined ? { checkIntervalMs: options.tlsCheckIntervalMs } : {}),
    ...(options.deps?.now ? { now: options.deps.now } : {}),
  }).catch(async (error: unknown) => {
    await gateway.close();
    throw error;
  });
  const { healthPath, shutdownGraceMs: grace } = config.server;
  let draining = false;
  let inFlight = 0;
  /** Aborts every backend request still running when the grace period ends. */
  const aborts = new Set<AbortFlag>();
  let idle: (() => void) | undefined;

  async function onRequest(
    req: IncomingMessage,
    res: ServerResponse,
    expectsContinue = false,
  ): Promise<void> {
    const client = inbound?.clientOf(req.socket);
    if (client && !client.allowed) return inbound?.refuse(req, res, client);
    const target = splitTarget(req.url ?? '/');
    if (target.path === healthPath && (req.method === 'GET' || req.method === 'HEAD')) {
      const status = draining ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ status: draining ? 'draining' : 'ok' }));
      return;
    }
    const abort = new AbortFlag();
    aborts.add(abort);
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(); // the caller went away: stop the backend request too
      aborts.delete(abort);
    });
    // `Expect: 100-continue`: the interim answer only once the gateway wants the body, so a request
    // refused on its headers (a declared length over the limit, a method, a source) never gets one.
    let bodyWanted = !expectsContinue;
    // Without Content-Length and Transfer-Encoding a request has no body (RFC 9112 §6.3): Node's parser
    // reads none, and the gateway need not wait for the stream's end to learn that.
    const hasBody =
      expectsContinue ||
      req.headers['content-length'] !== undefined ||
      req.headers['transfer-encoding'] !== undefined;
    const response = await gateway.handle({
      method: req.method ?? 'GET',
      path: target.path,
      query: target.query,
      headers: req.headers,
      ...(hasBody ? { body: req } : {}),
      ...(req.socket.remoteAddress ? { peerAddress: req.socket.remoteAddress } : {}),
      protocol: inbound ? 'https' : 'http',
      ...(client ? { client: client.identity } : {}),
      signal: abort,
      onBodyWanted: () => {
        if (!bodyWanted) res.writeContinue();
        bodyWanted = true;
      },
    });
    // A body that was refused unread (413 on the declared length, or without 100 Continue) may still
    // be on its way: the connection can not carry another request.
    if (draining || !bodyWanted || response.status === 413) res.setHeader('connection', 'close');
    if (Buffer.isBuffer(response.body)) {
      res.writeHead(response.status, response.headers as Record<string, string | string[]>);
      res.end(response.body);
      return;
    }
    // The body is pushed into the response as the backend's parser reads it, with backpressure. The
    // headers wait for the first chunk (or the end): a body that fails at once (too large, timed out)
    // still gets a proper problem answer.
    // Nothing waits for the end here: the response's `close` does the bookkeeping (accept below).
    const body = response.body;
    {
      let started = false;
      const start = () => {
        started = true;
        res.writeHead(response.status, response.headers as Record<string, string | string[]>);
      };
      const resumeBody = () => body.resume();
      body.pipeTo({
        write(chunk) {
          if (!started) start();
          if (res.write(chunk)) return true;
          res.once('drain', resumeBody);
          return false;
        },
        end() {
          if (!started) start();
          res.end();
        },
        error(error) {
          if (!started) {
            const problem = toProblem(error, response.requestId);
            gateway.logger.log('error', 'response stream failed before the headers', {
              requestId: response.requestId,
              status: problem.status,
              upstreamStatus: response.status,
              error: problem.code,
            });
            res.writeHead(problem.status, {
              'content-type': 'application/problem+json',
              'cache-control': 'no-store',
            });
            res.end(JSON.stringify(problem));
            return;
          }
          // Headers are gone already: the only honest signal left is to cut the connection.
          if (error instanceof ClientAbortedError || (abort.aborted && !draining)) {
            // The caller hung up: not a gateway or backend fault.
            gateway.logger.log('info', 'response aborted by the caller', {
              requestId: response.requestId,
              error: 'CLIENT_ABORTED',
            });
          } else {
            gateway.logger.log('error', 'response stream aborted', {
              requestId: response.requestId,
              error: error.code,
            });
          }
          res.destroy();
        },
      });
    }
  }

  const accept = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    });
    onRequest(req, res, expectsContinue).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.destroy();
    });
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => accept(req, res, false);
  // The caller timeouts, the header limit and the 100-continue handling hold for HTTPS callers as for
  // HTTP ones.
  const httpOptions = { ...callerTimeouts(config), maxHeaderSize: config.server.maxHeaderBytes };
  const server = inbound ? inbound.createServer(httpOptions, listener) : createServer(httpOptions, listener);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => accept(req, res, true));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const adminConfig = config.server.admin;
  let admin: AdminListener | undefined;
  if (adminConfig) {
    try {
      admin = await startAdminListener(gateway, {
        address: adminConfig.address,
        port: adminConfig.port,
        draining: () => draining,
        ...(options.deps?.now ? { now: options.deps.now } : {}),
      });
    } catch (error) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      inbound?.close();
      await gateway.close();
      throw error;
    }
  }

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      draining = true;
      inbound?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, grace))),
        ]);
        clearTimeout(timer);
      }
      for (const abort of aborts) abort.abort();
      server.closeAllConnections();
      await closed;
      await admin?.close();
      await gateway.close();
    })());

  gateway.logger.log('info', 'listening', { address: address.address, port: address.port });
  if (admin) {
    gateway.logger.log('info', 'admin listening (/livez, /readyz)', {
      address: admin.address,
      port: admin.port,
    });
  }
  return {
    server,
    gateway,
    host: address.address,
    port: address.port,
    inFlight: () => inFlight,
    shutdown,
    reloadTls: async () => (await inbound?.reload()) ?? false,
    ...(admin ? { admin: { address: admin.address, port: admin.port } } : {}),
  };
}
