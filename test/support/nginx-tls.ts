/**
 * Real nginx on loopback for TLS tests: `ssl_verify_client` against a test CA, and an access log (JSON
 * lines) with the client certificate's serial and subject and nginx's connection number. Everything
 * (config, pid, logs, temp paths) lives in a temporary directory; the port is ephemeral.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxTempPaths } from './nginx-temp-paths';

export const NGINX_BIN = '/usr/sbin/nginx';

export interface NginxTlsOptions {
  /** The server certificate followed by its intermediates (PEM file). */
  readonly certFile: string;
  readonly keyFile: string;
  /** Require a client certificate issued by this CA bundle (`ssl_verify_client on`). @default - no client certificate asked */
  readonly clientCaFile?: string;
  /**
   * Forward every request, once the client certificate is verified, to this plain-HTTP origin (e.g.
   * `http://127.0.0.1:8081`), adding `X-Client-Verify` and `X-Client-Serial` request headers.
   * @default - nginx answers 200 `serial=<client serial>` itself
   */
  readonly proxyTo?: string;
}

/** One line of the access log. */
export interface AccessEntry {
  /** nginx's connection serial number (`$connection`): equal numbers are one TCP connection. */
  readonly connection: number;
  readonly connectionRequests: number;
  /** `$ssl_client_serial`: upper-case hex, empty without a client certificate. */
  readonly clientSerial: string;
  readonly clientSubject: string;
  readonly clientVerify: string;
  /** `$ssl_session_reused`: "r" when the TLS session was resumed, "." otherwise. */
  readonly sessionReused: string;
  readonly status: number;
  readonly uri: string;
}

export interface NginxTls {
  readonly port: number;
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every access-log entry so far. */
  accessLog(): AccessEntry[];
  /** Waits (polling) until the access log has at least `count` entries, then returns them. */
  waitForAccessLog(count: number, timeoutMs?: number): Promise<AccessEntry[]>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `tempPaths`: the `*_temp_path` lines (nginxTempPaths). */
function config(dir: string, port: number, options: NginxTlsOptions, tempPaths: string): string {
  const clientAuth = options.clientCaFile
    ? `ssl_verify_client on;\n    ssl_client_certificate ${options.clientCaFile};\n    ssl_verify_depth 3;`
    : '';
  const location = options.proxyTo
    ? `proxy_pass ${options.proxyTo};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Client-Verify $ssl_client_verify;
      proxy_set_header X-Client-Serial $ssl_client_serial;`
    : 'return 200 "serial=$ssl_client_serial\\n";';
  return `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
${tempPaths}
  default_type text/plain;
  keepalive_timeout 75s;
  keepalive_requests 100000;
  log_format mtls escape=json '{"connection":$connection,"connectionRequests":$connection_requests,'
    '"clientSerial":"$ssl_client_serial","clientSubject":"$ssl_client_s_dn",'
    '"clientVerify":"$ssl_client_verify","sessionReused":"$ssl_session_reused",'
    '"status":$status,"uri":"$request_uri"}';
  access_log ${dir}/access.log mtls;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${options.certFile};
    ssl_certificate_key ${options.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ${clientAuth}
    location / { ${location} }
  }
}
`;
}

async function startOnce(options: NginxTlsOptions): Promise<NginxTls | 'port-taken'> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-tls-'));
  const port = await freePort();
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, config(dir, port, options, nginxTempPaths(dir)));
  const errorLog = join(dir, 'error.log');
  const accessLogFile = join(dir, 'access.log');

  const child: ChildProcess = spawn(
    NGINX_BIN,
    ['-p', dir, '-c', confFile, '-e', errorLog, '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const failure = () => `${stderr}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;

  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      if (/Address already in use/.test(failure())) return 'port-taken';
      throw new Error(`nginx did not start: ${failure()}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10 s: ${failure()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const accessLog = (): AccessEntry[] =>
    existsSync(accessLogFile)
      ? readFileSync(accessLogFile, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as AccessEntry)
      : [];

  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    accessLog,
    async waitForAccessLog(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const entries = accessLog();
        if (entries.length >= count) return entries;
        if (Date.now() > until) {
          throw new Error(`nginx access log has ${entries.length} entries, expected ${count}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await exit;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts nginx (fails loudly, naming nginx, when it is not installed). */
export async function startNginxTls(options: NginxTlsOptions): Promise<NginxTls> {
  if (!existsSync(NGINX_BIN)) {
    throw new Error(
      `nginx is not installed (${NGINX_BIN} missing): the mTLS tests need it (apt-get install nginx)`,
    );
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await startOnce(options);
    if (started !== 'port-taken') return started;
  }
  throw new Error('nginx could not bind a free loopback port in 5 attempts');
}
