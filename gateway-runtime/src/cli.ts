#!/usr/bin/env node
/**
 * gateway-runtime: the standalone reverse proxy, and the check of a configuration.
 *
 *   gateway-runtime serve --config <file> [--allow-unready]
 *   gateway-runtime check --config <file> [--path /health]   (exit codes: CHECK_EXIT_CODES in check.ts)
 *
 * Exit codes of serve: 0 after a graceful shutdown or --help, 2 for a usage error, an invalid configuration
 * (every bad field is named on stderr) or a secret that can not be read (without --allow-unready), 1
 * when the server can not start (e.g. the port is taken).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { withFilesRelativeTo } from './config/secret-refs';
import { CHECK_EXIT_CODES, formatStep, runChecks } from './check';
import { validateConfig } from './config/validate';
import { ConfigError } from './core/errors';
import { ServerOptions, startServer, StandaloneServer } from './adapters/server';
import {
  isClusterWorker,
  runPrimary,
  runWorker,
  stdoutFlushed,
  workerCount,
  workersProblem,
} from './cluster';
import { boundedStdoutWriter } from './observability/bounded-stdout';
import { createBufferedSink } from './observability/log';
import { createSecretResolver } from './secrets';
import { checkSecrets, type SecretCheck } from './secrets/check';

export const USAGE = `Usage: gateway-runtime serve --config <file> [--allow-unready]
       gateway-runtime check --config <file> [--path /health]

Runs the gateway as a standalone reverse proxy, or checks a configuration end to end. The configuration
file is the gateway's JSON document (see gateway-runtime/README.md); it is validated before anything starts.

Commands:
  serve            start the proxy (listens on server.host:server.port, default 127.0.0.1:8080)
  check            validate the file, read every secret, resolve the backend's (and token endpoint's)
                   name through the configured DNS servers, open TCP and TLS to the backend (chain,
                   names, days to expiry), fetch a token (oauth2) and, with --path, send one
                   authenticated GET; one line per step (ok, FAIL, skip)

Options:
  -c, --config <file>   the configuration file (required); relative secret files are read from its directory
  --allow-unready       serve: start even when a secret can not be read (not ready until it can)
  --path <path>         check: the backend path of the one authenticated request (e.g. /health)
  -h, --help            show this help

Before it listens, serve reads every secret of the configuration: one that can not be read is named with
its reason on stderr and serve exits 2 (unless --allow-unready).

Exit codes of serve: 0 after a graceful shutdown, 1 when it can not listen, 2 for a usage error, an invalid
configuration or a secret that can not be read.
Exit codes of check: 0 every step ok; the first failed step's class otherwise: 2 usage or configuration,
3 secret, 4 DNS, 5 TCP, 6 TLS, 7 token, 8 the request (not 2xx/3xx).

With server.tls it serves HTTPS, and with server.tls.clientCa only to clients with a certificate
from that CA. Beyond loopback it does not start without server.tls.clientCa (exit 2), unless
server.unauthenticatedReason says why.

The health endpoint answers GET server.healthPath (default /healthz). SIGTERM or SIGINT stops
accepting connections, lets in-flight requests finish within server.shutdownGraceMs, and exits.
SIGHUP re-reads the server.tls material now (it is also re-read every 10 seconds).

server.workers processes serve the port (default "auto": one per core; 1: this process alone). Above 1,
this process is their primary: it relays SIGHUP, SIGTERM and SIGINT to every worker, replaces a worker
that dies, serves server.admin, and writes every worker's log lines (each with its "pid").`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const COMMANDS = ['serve', 'check'] as const;

export interface ParsedArgs {
  readonly command?: string;
  readonly config?: string;
  readonly help: boolean;
  /** serve: start even when a secret can not be read (not ready until it can). */
  readonly allowUnready?: boolean;
  /** check: the backend path of the one authenticated request. */
  readonly path?: string;
  readonly problems: readonly string[];
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  let command: string | undefined;
  let config: string | undefined;
  let path: string | undefined;
  let help = false;
  let allowUnready = false;
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-c' || arg === '--config') {
      config = argv[++i];
      if (config === undefined) problems.push(`${arg} needs a file name`);
    } else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else if (arg === '--allow-unready') allowUnready = true;
    else if (arg === '--path') {
      path = argv[++i];
      if (path === undefined) problems.push('--path needs a path');
    } else if (arg.startsWith('--path=')) path = arg.slice('--path='.length);
    else if (arg.startsWith('-')) problems.push(`unknown option ${arg}`);
    else if (command === undefined) command = arg;
    else problems.push(`unexpected argument ${arg}`);
  }
  if (!help) {
    if (command === undefined) problems.push('a command is required (serve or check)');
    else if (!(COMMANDS as readonly string[]).includes(command)) {
      problems.push(`unknown command ${command} (expected serve or check)`);
    } else if (config === undefined) problems.push(`${command} needs --config <file>`);
    if (allowUnready && command !== 'serve') problems.push('--allow-unready is an option of serve');
    if (path !== undefined && command !== 'check') problems.push('--path is an option of check');
    if (path !== undefined && !path.startsWith('/')) problems.push(`--path must start with "/", got ${path}`);
  }
  return {
    ...(command ? { command } : {}),
    ...(config ? { config } : {}),
    help,
    ...(allowUnready ? { allowUnready } : {}),
    ...(path !== undefined ? { path } : {}),
    problems,
  };
}

/** Loads the file and validates it; returns the problems to print instead when it is not usable. */
export async function loadConfigFile(
  file: string,
): Promise<{ config: ReturnType<typeof validateConfig> } | { problems: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { problems: [`${file}: can not be read (${(error as NodeJS.ErrnoException).code})`] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { problems: [`${file}: is not valid JSON (${(error as Error).message})`] };
  }
  // `server.workers` is the server's own field: checked here, so the Lambda bundle carries no code for it.
  const workers = workersProblem(doc);
  const workersLine = workers ? [`${workers.path}: ${workers.message}`] : [];
  try {
    // Relative secret files are read from the configuration file's directory (as `$schema` is resolved).
    const config = withFilesRelativeTo(validateConfig(doc), dirname(resolve(file)));
    return workers ? { problems: workersLine } : { config };
  } catch (error) {
    if (error instanceof ConfigError)
      return { problems: [...error.problems.map((p) => `${p.path}: ${p.message}`), ...workersLine] };
    throw error;
  }
}

/** How often `serve` writes its aggregated EMF document. */
export const CLI_METRICS_INTERVAL_MS = 1000;
/** How long `serve` lets a log line wait for others before one write (the lines of 64 KiB go at once). */
export const CLI_LOG_FLUSH_MS = 100;

/**
 * Runs the CLI. Resolves with the exit code once the server has stopped (or at once for errors and
 * --help). `onStarted` receives the running server (tests use it).
 */
export async function main(
  argv: readonly string[],
  io: CliIo = defaultIo,
  onStarted?: (server: StandaloneServer) => void,
): Promise<number> {
  const args = parseArgs(argv);
  // A worker of `server.workers`: its primary validated the configuration and sends it.
  if (isClusterWorker()) {
    return runWorker(
      (config, options) =>
        startOrExitCode(config, args, io, {
          ...(options.port !== undefined ? { port: options.port } : {}),
          reusePort: options.reusePort,
          admin: false,
          deps: { logSink: options.logSink, metricsIntervalMs: CLI_METRICS_INTERVAL_MS },
        }),
      CLI_LOG_FLUSH_MS,
    );
  }
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (args.problems.length > 0) {
    io.stderr(`gateway-runtime: ${args.problems.join('; ')}\n\n${USAGE}\n`);
    return 2;
  }
  const loaded = await loadConfigFile(args.config as string);
  if (args.command === 'check') return check(args, loaded, io);
  if ('problems' in loaded) {
    io.stderr(
      `gateway-runtime: invalid configuration in ${args.config}:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  // Every secret is read once before anything starts: one that can not be read is named now, with the
  // reason, not by the first request that needs it.
  const unreadable = (
    await checkSecrets(loaded.config, createSecretResolver({ log: () => undefined }))
  ).filter((c) => !c.ok);
  if (unreadable.length > 0 && !args.allowUnready) {
    io.stderr(
      `gateway-runtime: ${unreadable.length} secret(s) of ${args.config} can not be read (--allow-unready starts anyway, not ready):\n${unreadableLines(unreadable)}\n`,
    );
    return 2;
  }
  // `server.workers` above 1: a primary that runs the workers (cluster.ts); 1 is the one process below.
  const workers = workerCount(loaded.config.server?.workers);
  if (workers > 1) return runPrimary(loaded.config, { workers, unreadable });
  // Log lines go out every 100 ms (or per 64 KiB) and metrics once per second (every request is still
  // one log line and one value in the metrics); both are written before the command returns.
  // Never more than 64 MiB of log lines held for a reader that stalls (bounded-stdout.ts).
  const logSink = createBufferedSink(boundedStdoutWriter({ name: loaded.config.name }), CLI_LOG_FLUSH_MS);
  const started = await startOrExitCode(loaded.config, args, io, {
    deps: { logSink, metricsIntervalMs: CLI_METRICS_INTERVAL_MS },
  });
  if (typeof started === 'number') return started;
  const server = started;
  for (const c of unreadable) {
    server.gateway.logger.log('error', 'secret can not be read: not ready', {
      error: 'CREDENTIALS_UNAVAILABLE',
      secret: c.secret,
      reason: c.reason,
      configPath: c.path,
    });
  }
  onStarted?.(server);
  return new Promise<number>((resolve) => {
    const reload = () => {
      server.gateway.logger.log('info', 'SIGHUP: re-reading the TLS material');
      void server.reloadTls();
    };
    const stop = (signal: NodeJS.Signals) => {
      server.gateway.logger.log('info', `${signal}: shutting down`);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', reload);
      // The last lines flushed and written out (process.exit would drop what a slow reader left queued).
      const done = (code: number) => {
        logSink.flush();
        void stdoutFlushed().then(() => resolve(code));
      };
      server.shutdown().then(
        () => done(0),
        () => done(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reload);
  });
}

/** Starts the server; an error is printed and answered with the exit code (2 configuration, 1 listen). */
async function startOrExitCode(
  config: ReturnType<typeof validateConfig>,
  args: ParsedArgs,
  io: CliIo,
  options: ServerOptions,
): Promise<StandaloneServer | number> {
  try {
    return await startServer(config, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(
        `gateway-runtime: invalid configuration in ${args.config}:\n${error.problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}\n`,
      );
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      io.stderr(`gateway-runtime: can not listen (${code})\n`);
      return 1;
    }
    io.stderr(`gateway-runtime: can not start: ${(error as Error).message}\n`);
    return 2;
  }
}

/**
 * `check`: one line per step on stdout (`ok`, `FAIL` or `skip`, then what and why); the exit code is the
 * failure class of the first failed step (CHECK_EXIT_CODES: 2 configuration, 3 secret, 4 DNS, 5 TCP,
 * 6 TLS, 7 token, 8 request).
 */
async function check(
  args: ParsedArgs,
  loaded: Awaited<ReturnType<typeof loadConfigFile>>,
  io: CliIo,
): Promise<number> {
  const step = `config ${args.config}`;
  if ('problems' in loaded) {
    for (const problem of loaded.problems) {
      io.stdout(`${formatStep({ class: 'config', step, status: 'FAIL', detail: problem })}\n`);
    }
    return CHECK_EXIT_CODES.config;
  }
  const config = loaded.config;
  io.stdout(
    `${formatStep({ class: 'config', step, status: 'ok', detail: `valid (name ${config.name}, scheme ${config.security.type}, backend ${config.backend.url})` })}\n`,
  );
  const result = await runChecks(config, {
    ...(args.path !== undefined ? { path: args.path } : {}),
    onStep: (s) => io.stdout(`${formatStep(s)}\n`),
  });
  return result.exitCode;
}

/** One line per secret that can not be read: where it is configured, what it is, why. */
export function unreadableLines(checks: readonly SecretCheck[]): string {
  return checks.map((c) => `  - ${c.path}: ${c.message} [${c.reason}]`).join('\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
