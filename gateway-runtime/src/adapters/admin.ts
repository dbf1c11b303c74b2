/**
 * The standalone server's admin listener (`server.admin`): liveness and readiness for a supervisor or a
 * load balancer's health check, apart from the proxy's port (which may need client certificates), on
 * loopback unless `allowNonLoopback` says otherwise (the validator refuses anything else).
 *
 *   GET /livez   200 {"status":"alive"} while the process answers (also while draining)
 *   GET /readyz  200 {"status":"ready"}; 503 {"status":"not ready","reasons":[...]} while a secret or the
 *                backend's TLS material can not be read; 503 {"status":"draining"} during shutdown
 *
 * Readiness is evaluated at most once per READINESS_CACHE_MS (a probe every second costs one stat per
 * secret file). Reasons name configuration paths, references and reasons, never a value.
 *
 * With `server.workers` above 1 the primary serves it (cluster.ts): /livez while the primary runs, /readyz
 * from every serving worker's readiness (ready when at least one serves and each of them is ready).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialsUnavailableError, GatewayError } from '../core/errors';
import type { Gateway } from '../proxy';
import { checkSecrets } from '../secrets/check';

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: ReadonlyArray<{
    /** `workers`: the primary of `server.workers` has no worker serving, or one did not answer. */
    readonly check: 'secret' | 'backend-tls' | 'workers';
    readonly configPath?: string;
    readonly secret?: string;
    readonly reason?: string;
  }>;
}

/**
 * Whether the gateway can serve now: every secret of the configuration can be read and the backend's TLS
 * material loads. The reasons name what can not, never a value.
 */
export async function readinessOf(gateway: Gateway): Promise<Readiness> {
  const reasons: Array<Readiness['reasons'][number]> = [];
  for (const c of await checkSecrets(gateway.config, gateway.secrets)) {
    if (!c.ok) reasons.push({ check: 'secret', configPath: c.path, secret: c.secret, reason: c.reason });
  }
  try {
    await gateway.backendReady();
  } catch (error) {
    const e = error instanceof CredentialsUnavailableError ? error : undefined;
    reasons.push({
      check: 'backend-tls',
      ...(e?.secret !== undefined ? { secret: e.secret } : {}),
      reason: e?.reason ?? (error instanceof GatewayError ? error.code : 'UNKNOWN'),
    });
  }
  return { ready: reasons.length === 0, reasons };
}

/** A readiness answer is reused this long (probes of several supervisors share one evaluation). */
export const READINESS_CACHE_MS = 1_000;

export interface AdminListener {
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the admin listener. Its readiness is the gateway's (`readinessOf`), or what `source` says when it
 * is a function (the primary of `server.workers` asks every worker).
 */
export async function startAdminListener(
  source: Gateway | (() => Promise<Readiness>),
  options: { address: string; port: number; draining: () => boolean; now?: () => number },
): Promise<AdminListener> {
  const now = options.now ?? Date.now;
  const evaluate = typeof source === 'function' ? source : () => readinessOf(source);
  let cached: { at: number; value: Promise<Readiness> } | undefined;
  const readiness = (): Promise<Readiness> => {
    const at = now();
    if (!cached || at - cached.at >= READINESS_CACHE_MS) cached = { at, value: evaluate() };
    return cached.value;
  };
  const answer = (res: import('node:http').ServerResponse, status: number, body: object, head: boolean) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(head ? undefined : JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return answer(res, 405, { status: 'method not allowed' }, head);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/livez') return answer(res, 200, { status: 'alive' }, head);
    if (path !== '/readyz') return answer(res, 404, { status: 'not found' }, head);
    if (options.draining()) return answer(res, 503, { status: 'draining' }, head);
    readiness().then(
      (r) =>
        answer(
          res,
          r.ready ? 200 : 503,
          r.ready ? { status: 'ready' } : { status: 'not ready', reasons: r.reasons },
          head,
        ),
      () => answer(res, 503, { status: 'not ready', reasons: [{ check: 'internal' }] }, head),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    address: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
