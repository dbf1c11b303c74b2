import type { EventEmitter } from 'node:events';
import { Agent, buildConnector, Dispatcher } from './undici';
import type { ResolvedGatewayConfig } from '../config/resolve';
import { BackendUnreachableError, GatewayError } from '../core/errors';
import { warningsToStderr, type LogSink, type SecretResolver } from '../secrets/types';
import { parseHostPort } from '../core/host-port';
import { createBackendResolver, type BackendResolver } from './resolver';
import { guardSocket } from './socket-guard';
import { buildTlsMaterial, checkPins, hasMaterialRefs, resolveTlsSecrets, type TlsMaterial } from './tls';

/** While the TLS material can not be re-read or is invalid, the same warning is logged at most this often. */
const WARNING_INTERVAL_MS = 60_000;

/** The connection pool(s) towards one customer's backend. */
export interface BackendDispatchers {
  /**
   * The dispatcher to send the next request with. It resolves the TLS secrets (the resolver caches)
   * and, when their versions changed, switches to a new connection pool built from the new material;
   * the previous pool drains its in-flight requests and closes. The returned dispatcher always sends
   * with the current pool, so a request never lands on a closed one.
   */
  get(): Promise<Dispatcher>;
  /**
   * The dispatcher at once, when there is nothing to check per request (no TLS material references,
   * so nothing can rotate) and a pool exists; otherwise undefined (then `get()`).
   */
  current(): Dispatcher | undefined;
  /** Days until the client certificate expires (negative once expired), when mutual TLS is configured. */
  clientCertificateDaysToExpiry(): number | undefined;
  close(): Promise<void>;
  /** How many pools were built so far: 1 after the first `get()`, +1 per rotation. */
  readonly generation: number;
  /** The pools still open: the current one and any retired one still draining. */
  openPools(): readonly Agent[];
  /** Resolves when every pool retired by a rotation has finished its requests and closed. */
  retiredPoolsClosed(): Promise<void>;
}

export interface BackendDispatchersOptions {
  /** Where pool changes and rejected material are logged. @default - warnings and errors as JSON lines on stderr */
  readonly log?: LogSink;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * Resolves the backend's name (the connector's `lookup`; TLS still verifies the name).
   * @default - a resolver over `backend.dns` when it is set; else the system resolver
   */
  readonly resolver?: BackendResolver;
}

interface ActivePool {
  readonly identity: string;
  readonly agent: Agent;
  readonly material: TlsMaterial;
}

/** The host of an https origin (an IP address without brackets), else undefined. */
function httpsHostOf(origin: string | URL | undefined): string | undefined {
  if (origin === undefined) return undefined;
  const url = typeof origin === 'string' ? new URL(origin) : origin;
  return url.protocol === 'https:' ? url.hostname.replace(/^\[|\]$/g, '') : undefined;
}

/** A dispatcher that always sends with the current pool. */
class CurrentPoolDispatcher extends Dispatcher {
  constructor(
    private readonly servername: string | undefined,
    private readonly current: () => Agent | undefined,
    private readonly closeAll: () => Promise<void>,
    private readonly destroyAll: (error: Error | null) => Promise<void>,
  ) {
    super();
  }

  /** The last origin's https host: the origin is the same on every request (no URL parse per request). */
  private last: { origin: Dispatcher.DispatchOptions['origin']; host: string | undefined } | undefined;

  private hostOf(origin: Dispatcher.DispatchOptions['origin']): string | undefined {
    if (this.last === undefined || this.last.origin !== origin) {
      this.last = { origin, host: httpsHostOf(origin) };
    }
    return this.last.host;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const agent = this.current();
    if (!agent) throw new BackendUnreachableError('the backend dispatcher is closed');
    // A fixed server name per request, so that varying Host headers do not make undici drop keep-alive
    // connections ("servername changed"). Only this comparison uses it: the connector decides the name
    // that is sent and verified (the configured servername, else the URL's host; no SNI for an IP).
    const servername = this.servername ?? this.hostOf(options.origin);
    // `servername` is a request option undici reads (lib/core/request.js) that its typings leave out.
    return agent.dispatch(
      servername ? ({ ...options, servername } as Dispatcher.DispatchOptions) : options,
      handler,
    );
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = this.closeAll();
    if (!callback) return done;
    done.then(callback, callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const error = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const done = this.destroyAll(error);
    if (!callback) return done;
    done.then(callback, callback);
  }
}

/**
 * Keep-alive connection pools towards the backend with explicit connect, headers and body timeouts
 * and a bounded response size. TLS goes through the connector: the backend's private CA bundle, the
 * client certificate and key (mutual TLS), a `servername` override and optional SPKI pinning on top
 * of chain validation. Verification can not be turned off: no code path sets `rejectUnauthorized`
 * to false.
 *
 * The pool is keyed by the certificate identity (the secret versions of CA, certificate, key and
 * passphrase). When a version changes, the first request that sees it builds one new pool (the
 * check and the switch are synchronous, so a crowd of requests builds one), later requests use it
 * and the old pool closes gracefully once its in-flight requests are done: rotation without restart
 * and without failed requests. New material that can not be read or does not load (say, the
 * certificate was written and the key not yet) keeps the current pool and is logged; only without
 * any working pool does `get()` fail (CredentialsUnavailableError, 503).
 */
export function createBackendDispatchers(
  config: ResolvedGatewayConfig,
  secrets: SecretResolver,
  options: BackendDispatchersOptions = {},
): BackendDispatchers {
  const tls = config.backend.tls;
  checkPins(tls?.pinnedSpkiSha256);
  const log = options.log ?? warningsToStderr;
  const now = options.now ?? Date.now;
  const resolver =
    options.resolver ??
    (config.backend.dns ? createBackendResolver(config.backend.dns, { log, now }) : undefined);

  let active: ActivePool | undefined;
  let closed = false;
  let generation = 0;
  /** Every `get()` takes a ticket; a resolution older than the one applied last never switches back. */
  let tickets = 0;
  let appliedTicket = 0;
  let rejected: { identity: string; error: unknown } | undefined;
  let lastWarning: { text: string; at: number } | undefined;
  const open = new Set<Agent>();
  const retiring = new Set<Promise<void>>();

  const facade = new CurrentPoolDispatcher(
    tls?.servername,
    () => active?.agent,
    () => closeAll(),
    async (error) => {
      closed = true;
      active = undefined;
      await Promise.all([...open].map((agent) => agent.destroy(error)));
    },
  );

  function warn(event: string, error: unknown): void {
    // Our own errors name references only; of anything else, only its code or class is logged.
    const other = error as { code?: unknown; name?: unknown } | undefined;
    const reason =
      error instanceof GatewayError ? error.message : String(other?.code ?? other?.name ?? 'unknown error');
    const at = now();
    if (
      lastWarning &&
      lastWarning.text === `${event}:${reason}` &&
      at - lastWarning.at < WARNING_INTERVAL_MS
    ) {
      return;
    }
    lastWarning = { text: `${event}:${reason}`, at };
    log({ level: 'warn', event, reason, generation });
  }

  // `backend.connectTo`: the socket goes there (resolved like the URL's host would be, the resolver applying
  // allowedAddresses), while Host (from the request's origin) and the TLS server name stay the URL's.
  // (undici derives the server name from `host`, left as the URL's, when no servername is configured.)
  const connectTo =
    config.backend.connectTo === undefined ? undefined : parseHostPort(config.backend.connectTo);

  function newAgent(material: TlsMaterial): Agent {
    const connector = buildConnector({
      timeout: config.timeouts.connectMs,
      ...material.connect,
      ...(resolver ? { lookup: resolver.lookup } : {}),
    });
    const agent = new Agent({
      // undici takes the TLS server name from a request's Host header when one is set; here it is always
      // the configured servername, else the URL's host, so a Host header can never choose the name the
      // backend's certificate is verified against.
      connect: (connectOptions, callback) =>
        connector(
          connectTo
            ? {
                ...connectOptions,
                hostname: connectTo.host,
                port: connectTo.port === undefined ? connectOptions.port : String(connectTo.port),
                servername: tls?.servername,
              }
            : { ...connectOptions, servername: tls?.servername },
          (error, socket) => (error ? callback(error, null) : callback(null, guardSocket(socket!))),
        ),
      headersTimeout: config.timeouts.headersMs,
      bodyTimeout: config.timeouts.bodyMs,
      keepAliveTimeout: config.timeouts.keepAliveMs,
      // Bounded: a crowd of slow callers queues here instead of opening a connection each.
      connections: config.limits.maxBackendConnections,
      maxResponseSize: config.limits.maxResponseBodyBytes,
    });
    // Connection events of every pool are re-emitted by the dispatcher `get()` returns (metrics, tests).
    const source = agent as unknown as EventEmitter;
    for (const event of ['connect', 'disconnect', 'connectionError']) {
      source.on(event, (...args: unknown[]) => (facade as unknown as EventEmitter).emit(event, ...args));
    }
    return agent;
  }

  function switchTo(identity: string, material: TlsMaterial, ticket: number): void {
    const previous = active;
    const agent = newAgent(material);
    open.add(agent);
    active = { identity, agent, material };
    appliedTicket = ticket;
    rejected = undefined;
    generation += 1;
    log({
      level: 'info',
      event: previous ? 'backend-pool-rotated' : 'backend-pool-created',
      generation,
      ...(material.clientCertificate
        ? {
            clientCertificateSerial: material.clientCertificate.serialNumber,
            clientCertificateDaysToExpiry: daysToExpiry(material),
          }
        : {}),
    });
    if (previous) {
      const retired = previous.agent
        .close()
        .catch((error: unknown) => warn('backend-pool-close-failed', error))
        .then(() => {
          open.delete(previous.agent);
          retiring.delete(retired);
        });
      retiring.add(retired);
    }
  }

  function daysToExpiry(material: TlsMaterial | undefined): number | undefined {
    if (!material?.clientCertificate) return undefined;
    return Math.floor((Date.parse(material.clientCertificate.validTo) - now()) / 86_400_000);
  }

  async function closeAll(): Promise<void> {
    closed = true;
    const last = active;
    active = undefined;
    await Promise.all([last?.agent.close(), ...retiring]);
    open.clear();
  }

  /** No secret references in `backend.tls`: the pool never rotates, `current()` may skip the check. */
  const staticMaterial = !hasMaterialRefs(tls);
  /** The material being read: requests that arrive meanwhile share it (one read per turn under load). */
  let resolving: ReturnType<typeof resolveTlsSecrets> | undefined;
  const resolveShared = () =>
    (resolving ??= resolveTlsSecrets(tls, secrets).finally(() => {
      resolving = undefined;
    }));

  return {
    async get() {
      if (closed) throw new BackendUnreachableError('the backend dispatcher is closed');
      const ticket = ++tickets;
      let resolved;
      try {
        resolved = await resolveShared();
      } catch (error) {
        if (!active) throw error;
        warn('backend-tls-material-unreadable-keeping-current', error);
        return facade;
      }
      if (closed) throw new BackendUnreachableError('the backend dispatcher is closed');
      // From here to the switch nothing awaits: a crowd of requests seeing a new version builds one pool.
      if (active && (active.identity === resolved.identity || ticket < appliedTicket)) return facade;
      if (rejected?.identity === resolved.identity) {
        if (!active) throw rejected.error;
        return facade;
      }
      let material: TlsMaterial;
      try {
        material = buildTlsMaterial(tls, resolved);
      } catch (error) {
        rejected = { identity: resolved.identity, error };
        if (!active) throw error;
        warn('backend-tls-material-invalid-keeping-current', error);
        return facade;
      }
      switchTo(resolved.identity, material, ticket);
      return facade;
    },
    current: () => (staticMaterial && active && !closed ? facade : undefined),
    clientCertificateDaysToExpiry: () => daysToExpiry(active?.material),
    close: closeAll,
    get generation() {
      return generation;
    },
    openPools: () => [...open],
    retiredPoolsClosed: async () => {
      await Promise.all([...retiring]);
    },
  };
}
