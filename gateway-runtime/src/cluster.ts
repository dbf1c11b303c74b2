/**
 * `server.workers`: the standalone server as N processes on one port (the CLI's `serve`; the Lambda
 * adapter never imports this module).
 *
 * - `workers: 1` runs today's single process (cli.ts does not come here). More run a primary that forks
 *   the workers (node:cluster; each is the same command, told by `GATEWAY_RUNTIME_WORKER` and given the
 *   validated configuration over IPC, so a replaced worker serves what its siblings serve even when the
 *   file changed meanwhile).
 * - The port: each worker binds it with SO_REUSEPORT and the kernel spreads new connections over the
 *   workers (`GATEWAY_RUNTIME_BALANCING=primary` lets the primary accept and hand out every connection,
 *   node:cluster's round robin, instead: see the README for the measured difference). Port 0: the first
 *   worker's port is given to the others.
 * - Start: the first worker alone (an error such as a taken port or a refused listen address is reported
 *   once, and the primary exits with its code: 1 can not listen, 2 configuration), then the others.
 * - Logs: a worker sends its buffered lines (whole lines, `"pid"` added) to the primary, the only writer of
 *   stdout, so no two processes' lines ever interleave, whatever stdout is (pipe, file, journald socket).
 * - Signals: SIGHUP (re-read the TLS material) reaches every worker; SIGTERM or SIGINT drains every worker
 *   (each within `server.shutdownGraceMs`; one still running 5 s after that is killed), then the primary
 *   exits: 0 when every worker drained, 1 otherwise. A second SIGTERM/SIGINT ends the primary at once,
 *   and with it the workers (node:cluster ends a worker whose primary is gone).
 * - A worker that exits while the server runs is replaced, after RESTART_BASE_MS doubled for every exit
 *   of the last RESTART_WINDOW_MS (at most RESTART_MAX_MS), so a crash loop does not spin; each exit is
 *   logged with its code or signal. A worker whose event loop stops turning (no heartbeat for
 *   UNRESPONSIVE_AFTER_MS) is killed and replaced the same way.
 * - `server.admin` is served by the primary: /livez while the primary runs; /readyz asks every serving
 *   worker (ready when at least one serves and every one that serves is ready; the reasons of all).
 */
import cluster, { type Worker } from 'node:cluster';
import { writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolveConfig } from './config/resolve';
import type { GatewayConfig } from './config/types';
import { type AdminListener, type Readiness, readinessOf, startAdminListener } from './adapters/admin';
import type { StandaloneServer } from './adapters/server';
import { boundedStdoutWriter } from './observability/bounded-stdout';
import { createBufferedSink, type LineSink } from './observability/log';
import type { SecretCheck } from './secrets/check';

/** Set in a worker's environment by its primary. */
export const WORKER_ENV = 'GATEWAY_RUNTIME_WORKER';
/** `primary`: node:cluster's round robin through the primary instead of SO_REUSEPORT. */
export const BALANCING_ENV = 'GATEWAY_RUNTIME_BALANCING';
export const MAX_WORKERS = 1024;
/** The first replacement waits this long; every further exit within RESTART_WINDOW_MS doubles it. */
export const RESTART_BASE_MS = 250;
export const RESTART_MAX_MS = 30_000;
export const RESTART_WINDOW_MS = 60_000;
/** A worker still running this long after `server.shutdownGraceMs` is killed (SIGKILL). */
export const STOP_MARGIN_MS = 5_000;
/** How long the primary waits for a worker's readiness. */
export const READINESS_TIMEOUT_MS = 2_000;
/** A serving worker tells its primary it is alive this often (from its event loop). */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * A serving worker the primary has not heard from for this long has a blocked event loop (or is stopped):
 * every connection it holds hangs, so it is killed (SIGKILL) and replaced like a worker that exited.
 */
export const UNRESPONSIVE_AFTER_MS = 10_000;

/**
 * The check of `server.workers` (the server's loader runs it beside validateConfig, which keeps the
 * Lambda bundle free of it): an integer from 1 to MAX_WORKERS or "auto".
 */
export function workersProblem(doc: unknown): { path: string; message: string } | undefined {
  const server = (doc as { server?: unknown } | null)?.server;
  if (typeof server !== 'object' || server === null) return undefined;
  const value = (server as { workers?: unknown }).workers;
  if (value === undefined || value === 'auto') return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_WORKERS) {
    return undefined;
  }
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  return {
    path: 'server.workers',
    message: `must be an integer from 1 to ${MAX_WORKERS} or "auto" (one per core), got ${shown}`,
  };
}

/**
 * Resolves once everything written to stdout so far is written out. Node writes to a pipe or socket
 * asynchronously when the reader is behind, and `process.exit` drops what is still queued: `serve` waits
 * for this before it exits, so the last lines (the shutdown's) are not lost to a slow journald or shipper.
 */
export function stdoutFlushed(): Promise<void> {
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}

/** How many processes serve: `auto` (the default) is one per core. */
export function workerCount(value: number | 'auto' | undefined, cores = availableParallelism()): number {
  return value === undefined || value === 'auto' ? Math.max(1, cores) : value;
}

/** True in a process forked by `runPrimary`. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1';
}

/** The replacement delay after the `recent`-th exit within RESTART_WINDOW_MS. */
export function restartDelay(recent: number): number {
  return Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.max(0, recent - 1));
}

// ---- messages between the primary and its workers ----

interface StartMessage {
  readonly kind: 'start';
  readonly config: GatewayConfig;
  /** The port to bind (the first worker's, when `server.port` is 0). */
  readonly port?: number;
  readonly reusePort: boolean;
}
type ToWorker =
  | StartMessage
  | { readonly kind: 'reload' }
  | { readonly kind: 'stop'; readonly signal: string }
  | { readonly kind: 'readiness'; readonly id: number };
type FromWorker =
  | { readonly kind: 'log'; readonly chunk: string }
  | { readonly kind: 'listening'; readonly address: string; readonly port: number }
  | { readonly kind: 'readiness'; readonly id: number; readonly readiness: Readiness }
  /** Sent every HEARTBEAT_INTERVAL_MS while serving: the worker's event loop turns. */
  | { readonly kind: 'alive' }
  /** The last message of a worker: its callback says every log line before it is with the primary. */
  | { readonly kind: 'bye' };

// ---- the primary ----

/** The primary's own lines: the gateway's line format, and only these fields. */
interface PrimaryFields {
  readonly worker?: { readonly id: number; readonly pid?: number };
  readonly exitCode?: number;
  readonly signal?: string;
  readonly restartInMs?: number;
  /** How long the primary had not heard from a worker it kills as unresponsive. */
  readonly unresponsiveMs?: number;
  readonly workers?: number;
  readonly address?: string;
  readonly port?: number;
  readonly error?: string;
  readonly secret?: string;
  readonly reason?: string;
  readonly configPath?: string;
}

export interface PrimaryOptions {
  readonly workers: number;
  /** Secrets that could not be read at start (`--allow-unready`): logged once, by the primary. */
  readonly unreadable?: readonly SecretCheck[];
  /** @default stdout, bounded (boundedStdoutWriter; one write per line or per worker batch: the only writer) */
  readonly write?: (text: string) => void;
  /** Where a reason to exit goes that no worker printed (the admin listener can not listen). @default process.stderr */
  readonly stderr?: (text: string) => void;
  /** @default the GATEWAY_RUNTIME_BALANCING environment variable, else SO_REUSEPORT */
  readonly balancing?: 'kernel' | 'primary';
}

interface Running {
  readonly worker: Worker;
  readonly startedAt: number;
  listening: boolean;
  /** When the primary last heard from it (any message). */
  lastSeen: number;
  /** Killed by the watchdog (killed once; its exit is logged and replaced as any other). */
  killed: boolean;
}

/**
 * Runs the primary until every worker has stopped; resolves with the exit code: the first worker's when
 * it can not start, else 0 when every worker drained after SIGTERM/SIGINT, 1 when one did not.
 */
export function runPrimary(config: GatewayConfig, options: PrimaryOptions): Promise<number> {
  // The only writer of stdout, bounded: a stalled reader costs dropped lines (counted), not memory.
  const write = options.write ?? boundedStdoutWriter({ name: config.name });
  const nameJson = JSON.stringify(config.name);
  const log = (level: 'info' | 'warn' | 'error', msg: string, fields: PrimaryFields = {}) => {
    const head = `{"time":"${new Date().toISOString()}","level":"${level}","msg":${JSON.stringify(msg)},"name":${nameJson}`;
    const rest = JSON.stringify({ pid: process.pid, ...fields }).slice(1);
    write(`${head},${rest}\n`);
  };
  const balancing = options.balancing ?? (process.env[BALANCING_ENV] === 'primary' ? 'primary' : 'kernel');
  const reusePort = balancing === 'kernel';
  // Round robin through the primary (SCHED_RR) is node:cluster's default on Linux; set it in any case,
  // so NODE_CLUSTER_SCHED_POLICY can not make it the unbalanced SCHED_NONE.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.setupPrimary({ silent: false });

  const resolved = resolveConfig(config);
  const grace = resolved.server.shutdownGraceMs;
  const running = new Map<number, Running>();
  const restarts = new Set<NodeJS.Timeout>();
  const exits: number[] = [];
  let port: number | undefined;
  let stopping = false;
  let started = false;
  let failedStop = false;
  /** The exit code when the server could not start (the first worker's, or 1 for the admin listener). */
  let firstFailure: number | undefined;
  /** `serving` is logged once, when as many workers listen as configured. */
  let announced = false;
  let admin: AdminListener | undefined;
  let readinessId = 0;
  const pendingReadiness = new Map<number, (r: Readiness) => void>();

  for (const c of options.unreadable ?? []) {
    log('error', 'secret can not be read: not ready', {
      error: 'CREDENTIALS_UNAVAILABLE',
      secret: c.secret,
      reason: c.reason,
      configPath: c.path,
    });
  }

  const send = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message, () => undefined);
  };

  return new Promise<number>((resolveExit) => {
    let firstListening: (() => void) | undefined;

    const fork = (): Worker => {
      const worker = cluster.fork({ [WORKER_ENV]: '1' });
      const entry: Running = {
        worker,
        startedAt: Date.now(),
        listening: false,
        lastSeen: Date.now(),
        killed: false,
      };
      running.set(worker.id, entry);
      worker.on('message', (message: FromWorker) => {
        entry.lastSeen = Date.now();
        if (message.kind === 'log') write(message.chunk);
        else if (message.kind === 'listening') {
          entry.listening = true;
          port ??= message.port;
          firstListening?.();
          const serving = [...running.values()].filter((r) => r.listening).length;
          if (!announced && serving >= options.workers) {
            announced = true;
            log('info', 'serving', { workers: serving, ...(port !== undefined ? { port } : {}) });
          }
        } else if (message.kind === 'readiness') {
          pendingReadiness.get(message.id)?.(message.readiness);
        }
      });
      worker.on('exit', (code, signal) => onExit(entry, code, signal));
      send(worker, {
        kind: 'start',
        config,
        reusePort,
        ...(port !== undefined ? { port } : {}),
      });
      return worker;
    };

    // The watchdog: a serving worker that stopped sending heartbeats is killed, and replaced on its exit.
    let lastTick = Date.now();
    const watchdog = setInterval(() => {
      const now = Date.now();
      const paused = now - lastTick > 2 * HEARTBEAT_INTERVAL_MS;
      lastTick = now;
      if (stopping) return;
      if (paused) {
        // The primary's own loop did not turn (the host was suspended, or swapping): the silence is not theirs.
        for (const entry of running.values()) entry.lastSeen = now;
        return;
      }
      for (const entry of running.values()) {
        const silentMs = now - entry.lastSeen;
        if (!entry.listening || entry.killed || silentMs < UNRESPONSIVE_AFTER_MS) continue;
        entry.killed = true;
        log('error', 'worker unresponsive: killing it', {
          worker: {
            id: entry.worker.id,
            ...(entry.worker.process.pid ? { pid: entry.worker.process.pid } : {}),
          },
          unresponsiveMs: silentMs,
        });
        entry.worker.process.kill('SIGKILL');
      }
    }, HEARTBEAT_INTERVAL_MS).unref();

    const finish = async (code: number) => {
      clearInterval(watchdog);
      for (const timer of restarts) clearTimeout(timer);
      restarts.clear();
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', reload);
      await admin?.close();
      await stdoutFlushed();
      resolveExit(code);
    };

    const onExit = (entry: Running, code: number | null, signal: string | null) => {
      running.delete(entry.worker.id);
      const how = { ...(code !== null ? { exitCode: code } : {}), ...(signal ? { signal } : {}) };
      const worker = {
        id: entry.worker.id,
        ...(entry.worker.process.pid ? { pid: entry.worker.process.pid } : {}),
      };
      if (!started && !stopping) {
        // The first worker could not start: its reason is on stderr; nothing else would do better.
        log('error', 'worker could not start: stopping', { worker, ...how });
        stopping = true;
        for (const other of running.values()) send(other.worker, { kind: 'stop', signal: 'SIGTERM' });
        if (running.size === 0) void finish(code ?? 1);
        else firstFailure = code ?? 1;
        return;
      }
      if (stopping) {
        if (code !== 0) failedStop = true;
        if (running.size === 0) void finish(firstFailure ?? (failedStop ? 1 : 0));
        return;
      }
      const now = Date.now();
      exits.push(now);
      while (exits.length > 0 && now - exits[0] > RESTART_WINDOW_MS) exits.shift();
      const restartInMs = restartDelay(exits.length);
      log('error', 'worker exited: replacing it', { worker, ...how, restartInMs });
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (!stopping) fork();
      }, restartInMs);
      restarts.add(timer);
    };

    const reload = () => {
      log('info', 'SIGHUP: re-reading the TLS material in every worker', { workers: running.size });
      for (const entry of running.values()) send(entry.worker, { kind: 'reload' });
    };

    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', reload);
      if (stopping) return;
      stopping = true;
      log('info', `${signal}: shutting down`, { workers: running.size });
      for (const timer of restarts) clearTimeout(timer);
      restarts.clear();
      if (running.size === 0) return void finish(0);
      for (const entry of running.values()) send(entry.worker, { kind: 'stop', signal });
      setTimeout(() => {
        for (const entry of running.values()) {
          log('error', 'worker did not stop in time: killing it', {
            worker: {
              id: entry.worker.id,
              ...(entry.worker.process.pid ? { pid: entry.worker.process.pid } : {}),
            },
          });
          failedStop = true;
          entry.worker.process.kill('SIGKILL');
        }
      }, grace + STOP_MARGIN_MS).unref();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reload);

    /** Every serving worker's readiness, together. */
    const readiness = async (): Promise<Readiness> => {
      const serving = [...running.values()].filter((r) => r.listening);
      if (serving.length === 0) {
        return { ready: false, reasons: [{ check: 'workers', reason: 'NO_WORKER_SERVING' }] };
      }
      const answers = await Promise.all(
        serving.map(
          (entry) =>
            new Promise<Readiness>((resolveAnswer) => {
              const id = ++readinessId;
              const timer = setTimeout(() => {
                pendingReadiness.delete(id);
                resolveAnswer({ ready: false, reasons: [{ check: 'workers', reason: 'NO_ANSWER' }] });
              }, READINESS_TIMEOUT_MS);
              pendingReadiness.set(id, (answer) => {
                clearTimeout(timer);
                pendingReadiness.delete(id);
                resolveAnswer(answer);
              });
              send(entry.worker, { kind: 'readiness', id });
            }),
        ),
      );
      const seen = new Set<string>();
      const reasons = answers
        .flatMap((a) => a.reasons)
        .filter((reason) => {
          const key = JSON.stringify(reason);
          return !seen.has(key) && (seen.add(key), true);
        });
      return { ready: answers.every((a) => a.ready), reasons };
    };

    // The first worker alone: what keeps it from starting keeps every worker from starting.
    firstListening = () => {
      firstListening = undefined;
      void (async () => {
        if (stopping) return;
        for (let i = 1; i < options.workers; i++) fork();
        started = true;
        const adminConfig = resolved.server.admin;
        if (adminConfig) {
          try {
            admin = await startAdminListener(readiness, {
              address: adminConfig.address,
              port: adminConfig.port,
              draining: () => stopping,
            });
            log('info', 'admin listening (/livez, /readyz)', { address: admin.address, port: admin.port });
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
            (options.stderr ?? ((text: string) => void process.stderr.write(text)))(
              `gateway-runtime: can not listen (${code}) for server.admin\n`,
            );
            log('error', 'admin listener can not listen: stopping', { error: code });
            firstFailure = 1;
            stop('SIGTERM');
            return;
          }
        }
      })();
    };
    fork();
  });
}

// ---- a worker ----

/** What a worker needs of the CLI: how to start the server (returns an exit code when it can not). */
export type StartWorkerServer = (
  config: GatewayConfig,
  options: { port?: number; reusePort: boolean; logSink: LineSink },
) => Promise<StandaloneServer | number>;

/**
 * Runs a worker: waits for its configuration from the primary, serves it, follows the primary's reload
 * and stop messages (and the same signals sent to it directly), answers readiness questions. Resolves
 * with the exit code once the server stopped and every log line reached the primary.
 */
export async function runWorker(start: StartWorkerServer, logFlushMs: number): Promise<number> {
  let exiting = false;
  // Registered before the buffered sink's own `exit` flush: lines left at a crash go straight to stdout.
  process.on('exit', () => (exiting = true));
  const toPrimary = (chunk: string) => {
    if (!exiting && process.connected) process.send?.({ kind: 'log', chunk }, () => undefined);
    else {
      try {
        writeSync(1, chunk);
      } catch {
        // stdout full or gone at a crash: nothing left to tell it with
      }
    }
  };
  const buffered = createBufferedSink(toPrimary, logFlushMs);
  const suffix = `,"pid":${process.pid}}`;
  const logSink: LineSink = (line) => buffered(line.endsWith('}') ? `${line.slice(0, -1)}${suffix}` : line);
  const reply = (message: FromWorker) => process.send?.(message, () => undefined);

  // One listener from the start, and the signals too: a stop that comes with the configuration (the
  // primary stopping while this worker loads) or during the start is kept, not lost.
  let server: StandaloneServer | undefined = undefined;
  let stopRequested: string | undefined;
  let stop = (signal: string) => void (stopRequested ??= signal);
  const reload = () => {
    if (!server) return; // not started yet: it reads the material as it starts
    server.gateway.logger.log('info', 'SIGHUP: re-reading the TLS material');
    void server.reloadTls();
  };
  let resolveStart: (message: StartMessage) => void = () => undefined;
  const started = new Promise<StartMessage>((resolve) => (resolveStart = resolve));
  process.on('message', (m: ToWorker) => {
    if (m.kind === 'start') resolveStart(m);
    else if (m.kind === 'reload') reload();
    else if (m.kind === 'stop') stop(m.signal);
    else if (m.kind === 'readiness') {
      const answer = (readiness: Readiness) => reply({ kind: 'readiness', id: m.id, readiness });
      if (!server) answer({ ready: false, reasons: [{ check: 'workers', reason: 'STARTING' }] });
      else {
        readinessOf(server.gateway).then(answer, () =>
          answer({ ready: false, reasons: [{ check: 'workers', reason: 'INTERNAL' }] }),
        );
      }
    }
  });
  // The same signals sent to a worker directly (a terminal's Ctrl-C reaches the whole process group).
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', reload);

  const message = await started;
  const result = await start(message.config, {
    ...(message.port !== undefined ? { port: message.port } : {}),
    reusePort: message.reusePort,
    logSink,
  });
  if (typeof result === 'number') {
    buffered.flush();
    return result;
  }
  server = result;
  const running = result;
  // The `listening` line before the message: the primary's `serving` comes after every worker's.
  buffered.flush();
  reply({ kind: 'listening', address: running.host, port: running.port });
  // Heartbeats from the event loop: a loop that blocks stops them, and the primary replaces this worker.
  const heartbeat = setInterval(() => reply({ kind: 'alive' }), HEARTBEAT_INTERVAL_MS).unref();

  const code = await new Promise<number>((resolveCode) => {
    let stopping = false;
    stop = (signal) => {
      if (stopping) return;
      stopping = true;
      clearInterval(heartbeat);
      running.gateway.logger.log('info', `${signal}: shutting down`);
      running.shutdown().then(
        () => resolveCode(0),
        () => resolveCode(1),
      );
    };
    if (stopRequested !== undefined) stop(stopRequested);
  });
  // Every line before the exit: the last batch, then a message whose callback says the channel took it.
  buffered.flush();
  if (process.connected) {
    await new Promise<void>((done) => process.send?.({ kind: 'bye' } satisfies FromWorker, () => done()));
  }
  return code;
}
