/**
 * The runtime's speed beside nginx and haproxy, measured in one run on this machine (a benchmark, not
 * a test; the CI does not run it):
 *
 *   npm run bench                       # BENCH_SECONDS=4 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 by default
 *   BENCH_CPU_PROF=/tmp/prof npm run bench   # also writes a .cpuprofile per standalone server
 *   BENCH_ONLY=nginx,basic npm run bench     # only these rows (names as in the table)
 *
 * One nginx backend answers 1 KiB (plain HTTP, TLS, and TLS with a required client certificate; a
 * Digest challenge on /digest/ without credentials; an OAuth token endpoint). In front of it, each
 * adding a Basic Authorization header with upstream keep-alive and one worker: nginx, haproxy, a
 * 15-line Node proxy on undici Pool.request, a 25-line one on undici dispatch (the floor of the
 * gateway's own I/O path), and the standalone server (the single-file bundle, as the
 * DMZ runs it) once per scheme, logging every request to a file; then `server.workers`: the build
 * before the field (BENCH_BASELINE_REF, default a440d23) beside `workers: 1`, and `workers: 2` with
 * SO_REUSEPORT and with the primary's round robin, with keep-alive and a connection per request.
 * The message-signature rows (RFC 9421) sign with each algorithm; wrk repeats one GET, whose signature
 * base repeats within a second (the scheme then reuses its signature), so rows named `*-distinct` send
 * a new path with each request (a wrk script), and the in-process figures after the table sign a
 * distinct request each time too: the algorithm's own cost beside basic.
 * wrk (-t1) drives each in turn,
 * round after round, so the ratios compare runs made under the same machine load. A run with a
 * non-2xx answer prints no ratio. Then the Lambda figures: bundle bytes, module load time against a
 * bare `node` (medians over process starts), and the handler's own time per ALB event.
 *
 * Needs nginx, haproxy, wrk and openssl (.ci/apt-packages).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool, request } from 'undici';
import { buildRuntimeCode, bundleRuntime, standaloneBuildOptions } from './build-runtime';
import type { AlbEvent } from '../gateway-runtime/src/adapters/lambda';
import { TestPki } from '../test/support/pki';
import { requireTool } from '../test/support/tools';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const STARTS = Number(process.env.BENCH_STARTS ?? 15);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const ONLY = process.env.BENCH_ONLY?.split(',');
const CPU_PROF = process.env.BENCH_CPU_PROF;

const WRK = requireTool('/usr/bin/wrk', 'wrk');
const NGINX = requireTool('/usr/sbin/nginx', 'nginx');
const HAPROXY = requireTool('/usr/sbin/haproxy', 'haproxy');

const USER = 'bench';
const PASSWORD = 'bench-password';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const BODY = 'x'.repeat(1024);

const dir = mkdtempSync(join(tmpdir(), 'bench-'));
const children: ChildProcess[] = [];
let port = 20000 + Math.floor(Math.random() * 20000);
const nextPort = () => port++;

/** The processes started, by name (their CPU time is read from /proc). */
const processes = new Map<string, ChildProcess>();

function startChild(
  name: string,
  command: string,
  args: readonly string[],
  logFile?: string,
  env?: Record<string, string>,
): ChildProcess {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(command, [...args], {
    stdio: ['ignore', out, 'inherit'],
    cwd: dir,
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  if (typeof out === 'number') closeSync(out);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${code ?? signal})`);
  });
  children.push(child);
  processes.set(name, child);
  return child;
}

/** CPU time (user + system, ms) of a process and all its descendants (nginx's workers), from /proc. */
function cpuMs(pid: number): number {
  const ticks = new Map<number, number>();
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After the command in parentheses: state, ppid, ... utime (14th field), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const id = Number(entry);
    ticks.set(id, Number(fields[11]) + Number(fields[12]));
    const ppid = Number(fields[1]);
    childrenOf.set(ppid, [...(childrenOf.get(ppid) ?? []), id]);
  }
  const sum = (p: number): number =>
    (ticks.get(p) ?? 0) + (childrenOf.get(p) ?? []).reduce((total, c) => total + sum(c), 0);
  return (sum(pid) * 1000) / CLOCK_TICKS;
}
/** USER_HZ: /proc's unit of CPU time (100 on Linux). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

async function waitFor(url: string, init: { dispatcher?: Pool } = {}): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const response = await request(url, init);
      await response.body.dump();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} did not answer`);
}

interface Target {
  readonly name: string;
  readonly what: string;
  readonly url: string;
  /** Lines the target logs, for the check that every request was logged. */
  readonly log?: string;
  /** The row this one is compared with (default: nginx). */
  readonly versus?: string;
  /** The process whose CPU time per request is shown (a name given to startChild). */
  readonly process?: string;
  /** wrk sends `Connection: close`: a new connection per request. */
  readonly close?: boolean;
  /** `server.workers` of a standalone server row. */
  readonly workers?: number;
  /** A wrk Lua script (`-s`): DISTINCT_PATHS sends a new path with each request. */
  readonly script?: string;
}

interface Run {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  /** CPU microseconds per request of the row's process (user + system, its threads and children). */
  readonly cpuUs?: number;
}

const ms = (value: string, unit: string) =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];

function parseWrk(output: string): Run {
  const latency = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (!m) throw new Error(`wrk printed no ${p}% latency:\n${output}`);
    return ms(m[1], m[2]);
  };
  const perSecond = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const requests = /(\d+) requests in/.exec(output);
  if (!perSecond || !requests) throw new Error(`unexpected wrk output:\n${output}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    perSecond: Number(perSecond[1]),
    p50: latency('50'),
    p99: latency('99'),
    requests: Number(requests[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

function wrk(url: string, seconds: number, process?: string, close = false, script?: string): Run {
  const pid = process ? processes.get(process)?.pid : undefined;
  const before = pid ? cpuMs(pid) : 0;
  const output = execFileSync(
    WRK,
    [
      '-t1',
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      '--latency',
      '-H',
      'X-Bench: 1',
      ...(close ? ['-H', 'Connection: close'] : []),
      ...(script ? ['-s', script] : []),
      url,
    ],
    { encoding: 'utf8' },
  );
  const run = parseWrk(output);
  return pid ? { ...run, cpuUs: ((cpuMs(pid) - before) * 1000) / run.requests } : run;
}

function nginxBackend(pki: { server: string; serverKey: string; ca: string }) {
  const ports = { http: nextPort(), tls: nextPort(), mtls: nextPort() };
  const common = `
    access_log off;
    keepalive_requests 1000000;
    location / { default_type text/plain; return 200 '${BODY}'; }
    location /digest/ {
      if ($http_authorization !~ "^Digest ") {
        add_header WWW-Authenticate 'Digest realm="bench", nonce="0123456789abcdef", qop="auth", algorithm=MD5' always;
        return 401;
      }
      default_type text/plain; return 200 '${BODY}';
    }
    location = /oauth/token {
      default_type application/json;
      return 200 '{"access_token":"bench-access-token","token_type":"Bearer","expires_in":3600}';
    }`;
  const tls = `ssl_certificate ${pki.server}; ssl_certificate_key ${pki.serverKey};`;
  writeFileSync(
    join(dir, 'backend.conf'),
    `daemon off; worker_processes 1; pid ${dir}/backend.pid; error_log ${dir}/backend-error.log;
events { worker_connections 4096; }
http {
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${ports.http}; ${common} }
  server { listen 127.0.0.1:${ports.tls} ssl; ${tls} ${common} }
  server { listen 127.0.0.1:${ports.mtls} ssl; ${tls} ssl_client_certificate ${pki.ca}; ssl_verify_client on; ${common} }
}
`,
  );
  startChild('nginx backend', NGINX, ['-p', dir, '-c', join(dir, 'backend.conf')]);
  return ports;
}

function nginxProxy(backend: number): number {
  const listen = nextPort();
  writeFileSync(
    join(dir, 'proxy.conf'),
    `daemon off; worker_processes 1; pid ${dir}/proxy.pid; error_log ${dir}/proxy-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream backend { server 127.0.0.1:${backend}; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${listen};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "${BASIC}";
    }
  }
}
`,
  );
  startChild('nginx proxy', NGINX, ['-p', dir, '-c', join(dir, 'proxy.conf')]);
  return listen;
}

function haproxy(backend: number): number {
  const listen = nextPort();
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend in
  bind 127.0.0.1:${listen}
  http-request set-header Authorization "${BASIC}"
  default_backend out
backend out
  server b 127.0.0.1:${backend}
`,
  );
  startChild('haproxy', HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')]);
  return listen;
}

/** The Node baseline: a proxy on undici Pool.request, nothing else (no checks, no logs). */
function nodeBaseline(backend: number): number {
  const listen = nextPort();
  const undici = require.resolve('undici');
  writeFileSync(
    join(dir, 'baseline.js'),
    `const { createServer } = require('node:http');
const { Pool } = require(${JSON.stringify(undici)});
const pool = new Pool('http://127.0.0.1:${backend}', { connections: 64 });
createServer(async (req, res) => {
  try {
    const headers = { ...req.headers, authorization: ${JSON.stringify(BASIC)} };
    delete headers.connection;
    const r = await pool.request({ path: req.url, method: req.method, headers, body: req.method === 'GET' ? null : req });
    const out = { ...r.headers }; delete out.connection; delete out['keep-alive'];
    res.writeHead(r.statusCode, out);
    for await (const chunk of r.body) res.write(chunk);
    res.end();
  } catch { res.statusCode = 502; res.end(); }
}).listen(${listen}, '127.0.0.1');
`,
  );
  startChild('node baseline', process.execPath, [join(dir, 'baseline.js')]);
  return listen;
}

/**
 * The floor of the gateway's own I/O path: the same server and undici pool, the response written
 * straight from undici's dispatch handler (no checks, no logs, no limits).
 */
function nodeDispatchBaseline(backend: number): number {
  const listen = nextPort();
  const undici = require.resolve('undici');
  writeFileSync(
    join(dir, 'dispatch-baseline.js'),
    `const { createServer } = require('node:http');
const { Pool } = require(${JSON.stringify(undici)});
const pool = new Pool('http://127.0.0.1:${backend}', { connections: 64 });
createServer((req, res) => {
  const headers = { ...req.headers, authorization: ${JSON.stringify(BASIC)} };
  delete headers.connection;
  pool.dispatch({ path: req.url, method: req.method, headers, body: req.method === 'GET' ? null : req }, {
    onConnect() {},
    onError() { if (!res.headersSent) res.statusCode = 502; res.end(); },
    onHeaders(status, raw, resume) {
      if (status < 200) return true;
      this.resume = resume;
      const out = {};
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toString('latin1').toLowerCase();
        if (name !== 'connection' && name !== 'keep-alive') out[name] = raw[i + 1].toString('latin1');
      }
      res.writeHead(status, out);
      return true;
    },
    onData(chunk) { return res.write(chunk) || (res.once('drain', this.resume), false); },
    onComplete() { res.end(); },
  });
}).listen(${listen}, '127.0.0.1');
`,
  );
  startChild('node dispatch baseline', process.execPath, [join(dir, 'dispatch-baseline.js')]);
  return listen;
}

/**
 * A standalone server. `workers` is `server.workers` (default 1: one process, as nginx and haproxy run
 * here); `null` leaves the field out (the baseline build, which does not know it).
 */
function gateway(
  name: string,
  bundle: string,
  config: Record<string, unknown>,
  workers: number | null = 1,
  env?: Record<string, string>,
): Target & { port: number } {
  const listen = nextPort();
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      name,
      server: { host: '127.0.0.1', port: listen, ...(workers !== null ? { workers } : {}) },
      ...config,
    }),
  );
  const log = join(dir, `${name}.log`);
  const prof = CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  startChild(`gateway ${name}`, process.execPath, [...prof, bundle, 'serve', '--config', file], log, env);
  return {
    name,
    what: '',
    url: `http://127.0.0.1:${listen}/`,
    log,
    port: listen,
    process: `gateway ${name}`,
  };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function countLines(file: string): { requests: number; metrics: number; byPid: Map<number, number> } {
  let requests = 0;
  let metrics = 0;
  const byPid = new Map<number, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === 'request proxied') {
      requests += 1;
      // The workers of `server.workers` add their pid to every line.
      if (typeof entry.pid === 'number') byPid.set(entry.pid, (byPid.get(entry.pid) ?? 0) + 1);
    }
    const latency = entry.Latency;
    if ('_aws' in entry) metrics += Array.isArray(latency) ? latency.length : 1;
  }
  return { requests, metrics, byPid };
}

/**
 * The rows of `server.workers` (the basic scheme, as the `basic` row), each with a server of its own and
 * next to each other in every round: the build before the field (BASELINE_REF), then `workers: 1` (the
 * ratio "one worker against today"), then `workers: 2` with SO_REUSEPORT (the default) and with the
 * primary's round robin (GATEWAY_RUNTIME_BALANCING=primary); then the same with a new connection per
 * request (`Connection: close`).
 */
function workerRows(bundle: string, config: Record<string, unknown>): Target[] {
  const rows: Target[] = [];
  const baseline = baselineBundle();
  if (baseline) {
    rows.push({
      ...gateway('today', baseline, config, null),
      what: `gateway-runtime serve, basic, the build before server.workers (${BASELINE_REF})`,
    });
  } else console.log(`(no row "today": ${BASELINE_REF} is not in this clone; set BENCH_BASELINE_REF)`);
  const primary = { GATEWAY_RUNTIME_BALANCING: 'primary' };
  for (const close of [false, true]) {
    const tail = close ? ', Connection: close' : '';
    const suffix = close ? '-close' : '';
    const one = `workers1${suffix}`;
    rows.push(
      {
        ...gateway(one, bundle, config, 1),
        what: `gateway-runtime serve, basic, workers: 1${tail}`,
        ...(close ? {} : { versus: baseline ? 'today' : 'basic' }),
        close,
        workers: 1,
      },
      {
        ...gateway(`workers2${suffix}`, bundle, config, 2),
        what: `gateway-runtime serve, basic, workers: 2 (SO_REUSEPORT)${tail}`,
        versus: one,
        close,
        workers: 2,
      },
      {
        ...gateway(`workers2-rr${suffix}`, bundle, config, 2, primary),
        what: `gateway-runtime serve, basic, workers: 2 (primary round robin)${tail}`,
        versus: one,
        close,
        workers: 2,
      },
    );
  }
  return rows;
}

/** Requests per second per worker, beside workers: 1 and the build before (the figures the README states). */
function workerFigures(
  targets: readonly Target[],
  summary: Map<string, { perSecond: number; cpuUs?: number; bad: number }>,
): string[] {
  const lines = [`server.workers on this machine (${cpus().length} cores, shared with wrk and the backend):`];
  const today = summary.get('today');
  for (const t of targets) {
    if (t.workers === undefined) continue;
    const s = summary.get(t.name);
    if (!s) continue;
    const one = summary.get(t.close ? 'workers1-close' : 'workers1');
    let ratio = '';
    if (t.workers === 1 && !t.close && today) {
      ratio = `, ${(s.perSecond / today.perSecond).toFixed(2)}x the build before (${Math.round(today.perSecond).toLocaleString('en')} req/s${today.cpuUs === undefined ? '' : `, ${today.cpuUs.toFixed(1)} µs`})`;
    } else if (t.workers > 1 && one) ratio = `, ${(s.perSecond / one.perSecond).toFixed(2)}x workers: 1`;
    lines.push(
      `  ${t.name}: ${Math.round(s.perSecond).toLocaleString('en')} req/s, ${Math.round(s.perSecond / t.workers).toLocaleString('en')} per worker${s.cpuUs === undefined ? '' : `, ${s.cpuUs.toFixed(1)} µs CPU per request (primary included)`}${ratio}${s.bad > 0 ? ` (${s.bad} failures)` : ''}`,
    );
  }
  return lines;
}

/** The runtime before `server.workers` (the row "one worker costs nothing against today" compares with). */
const BASELINE_REF = process.env.BENCH_BASELINE_REF ?? 'a440d23';

/**
 * The standalone bundle of BASELINE_REF's gateway-runtime/src (git archive, built with today's build
 * and node_modules); undefined when the ref is not in this clone (a shallow CI checkout).
 */
function baselineBundle(): string | undefined {
  const root = resolve(__dirname, '..');
  let tar: Buffer;
  try {
    tar = execFileSync('git', ['-C', root, 'archive', BASELINE_REF, 'gateway-runtime/src'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  const src = join(dir, 'baseline-src');
  mkdirSync(src);
  execFileSync('tar', ['-x', '-C', src], { input: tar });
  const file = join(dir, 'gateway-runtime-baseline.js');
  writeFileSync(
    file,
    buildRuntimeCode({
      ...standaloneBuildOptions(join(src, 'gateway-runtime/src/cli.ts')),
      nodePaths: [join(root, 'node_modules')],
    }),
  );
  return file;
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolveExit) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
          child.once('exit', () => resolveExit());
          child.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * The proxy core on `config` against a dispatcher that answers 1 KiB at once (in a microtask), logging to a
 * buffered sink that writes nothing: what the gateway adds per request, without sockets.
 */
async function coreGateway(config: Record<string, unknown>) {
  const { createGateway } = await import('../gateway-runtime/src/proxy');
  const { Dispatcher } = await import('../gateway-runtime/src/io/undici');
  const { createBufferedSink } = await import('../gateway-runtime/src/observability/log');
  const body = Buffer.alloc(1024, 0x78);
  const raw = [
    'Server',
    'nginx',
    'Content-Type',
    'text/plain',
    'Content-Length',
    '1024',
    'Connection',
    'keep-alive',
  ].map((text) => Buffer.from(text));
  class Instant extends Dispatcher {
    override dispatch(_options: unknown, handler: Record<string, (...args: unknown[]) => unknown>): boolean {
      queueMicrotask(() => {
        handler.onConnect(() => undefined);
        handler.onHeaders(200, raw, () => undefined, 'OK');
        handler.onData(body);
        handler.onComplete([]);
      });
      return true;
    }
  }
  const instant = new Instant();
  return createGateway(config as never, {
    dispatchers: {
      get: async () => instant,
      current: () => instant,
      clientCertificateDaysToExpiry: () => undefined,
      close: async () => undefined,
      generation: 1,
      openPools: () => [],
      retiredPoolsClosed: async () => undefined,
    },
    logSink: createBufferedSink(() => undefined, 100),
    metricsIntervalMs: 1000,
    defaultTrustedHops: 0,
  });
}

/**
 * The proxy core's own time per request, without sockets: `handle()` for a basic-scheme GET against
 * a dispatcher that answers 1 KiB at once (in a microtask), logging to a buffered sink, 32 at a time.
 * It is what the gateway adds to Node's HTTP server and undici's client.
 */
async function coreFigure(): Promise<string> {
  const gateway = await coreGateway({
    version: 1,
    name: 'core-bench',
    backend: { url: 'http://127.0.0.1:1' },
    security: { type: 'basic', username: USER, password: { file: join(dir, 'password') } },
  });
  const headers = { host: '127.0.0.1:8080', 'user-agent': 'wrk', 'x-bench': '1' };
  const one = async () => {
    const response = await gateway.handle({
      method: 'GET',
      path: '/',
      headers,
      peerAddress: '127.0.0.1',
      protocol: 'http',
    });
    if (Buffer.isBuffer(response.body) || response.status !== 200)
      throw new Error(`core bench: ${response.status}`);
    for await (const chunk of response.body) void chunk;
  };
  const rounds: number[] = [];
  const PER_ROUND = 20_000;
  for (let round = 0; round < 6; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i += 32) await Promise.all(Array.from({ length: 32 }, one));
    const used = process.cpuUsage(before);
    if (round > 0) rounds.push((used.user + used.system) / PER_ROUND); // round 0 warms up
  }
  await gateway.close();
  return `proxy core per request (in-process, basic, an instant 1 KiB answer; median of 5 rounds of ${PER_ROUND.toLocaleString('en')}): ${median(rounds).toFixed(1)} µs`;
}

/** The wrk script that sends a new path with each request (`/orders/1`, `/orders/2`, ...). */
const DISTINCT_PATHS = () => join(dir, 'distinct-paths.lua');

/** The message-signature rows: row name and algorithm (RFC 9421 §3.3). */
const MESSAGE_SIGNATURE_ALGORITHMS = [
  ['msig-ed25519', 'ed25519'],
  ['msig-ecdsa', 'ecdsa-p256-sha256'],
  ['msig-rsa-pss', 'rsa-pss-sha512'],
  ['msig-hmac', 'hmac-sha256'],
] as const;
type MessageSignatureAlgorithm = (typeof MESSAGE_SIGNATURE_ALGORITHMS)[number][1];

/** The signing keys of the message-signature rows, as files the servers read (PEM; the HMAC secret base64). */
function writeMessageSigningKeys(): void {
  const pem = (pair: { privateKey: import('node:crypto').KeyObject }) =>
    pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(join(dir, 'msig-ed25519.pem'), pem(generateKeyPairSync('ed25519')));
  writeFileSync(
    join(dir, 'msig-ecdsa-p256-sha256.pem'),
    pem(generateKeyPairSync('ec', { namedCurve: 'P-256' })),
  );
  writeFileSync(
    join(dir, 'msig-rsa-pss-sha512.pem'),
    pem(generateKeyPairSync('rsa', { modulusLength: 2048 })),
  );
  writeFileSync(join(dir, 'msig-hmac-sha256.pem'), Buffer.alloc(32, 0x5a).toString('base64'));
}

/** A message-signature `security` section with the defaults (covered components, 300 s validity). */
function messageSignatureSecurity(algorithm: MessageSignatureAlgorithm): Record<string, unknown> {
  return {
    type: 'message-signature',
    algorithm,
    keyId: 'bench',
    key: { file: join(dir, `msig-${algorithm}.pem`) },
    ...(algorithm === 'hmac-sha256' ? { secretEncoding: 'base64' } : {}),
  };
}

/**
 * The message-signature scheme's CPU per request in the proxy core, beside basic (in-process, an instant
 * 1 KiB answer, 32 requests at a time; medians of 5 rounds after a warm-up round): a GET repeated (as wrk
 * sends it: within a second the scheme reuses its signature), a GET and a POST of 1 KiB with a distinct
 * path each time (every request hashed and signed: the algorithm's own cost).
 */
async function messageSignatureCoreFigures(): Promise<string[]> {
  const PER_ROUND = 10_000;
  const REQUEST_BODY = Buffer.alloc(1024, 0x78);
  const measure = async (security: Record<string, unknown>, post: boolean, distinct: boolean) => {
    const gateway = await coreGateway({
      version: 1,
      name: 'msig-core',
      backend: { url: 'http://127.0.0.1:1' },
      security,
    });
    const headers: Record<string, string> = { host: '127.0.0.1:8080', 'user-agent': 'wrk', 'x-bench': '1' };
    if (post) Object.assign(headers, { 'content-type': 'application/json', 'content-length': '1024' });
    let n = 0;
    const one = async () => {
      n += 1;
      const response = await gateway.handle({
        method: post ? 'POST' : 'GET',
        path: distinct ? `/orders/${n}` : '/orders',
        headers,
        ...(post ? { body: REQUEST_BODY } : {}),
        peerAddress: '127.0.0.1',
        protocol: 'http',
      });
      if (Buffer.isBuffer(response.body) || response.status !== 200)
        throw new Error(`message-signature core bench: ${response.status}`);
      for await (const chunk of response.body) void chunk;
    };
    const rounds: number[] = [];
    for (let round = 0; round < 6; round++) {
      const before = process.cpuUsage();
      for (let i = 0; i < PER_ROUND; i += 32) await Promise.all(Array.from({ length: 32 }, one));
      const used = process.cpuUsage(before);
      if (round > 0) rounds.push((used.user + used.system) / PER_ROUND);
    }
    await gateway.close();
    return median(rounds);
  };
  process.setMaxListeners(64); // each gateway's buffered log sink listens for the process's exit
  const basicSecurity = { type: 'basic', username: USER, password: { file: join(dir, 'password') } };
  const out = [
    `message-signature in the proxy core, CPU per request (in-process, instant 1 KiB answer, medians of 5 rounds of ${PER_ROUND.toLocaleString('en')}):`,
    '',
    '| request | basic | ' + MESSAGE_SIGNATURE_ALGORITHMS.map(([, a]) => a).join(' | ') + ' |',
    '|---|---|' + MESSAGE_SIGNATURE_ALGORITHMS.map(() => '---').join('|') + '|',
  ];
  for (const [what, post, distinct] of [
    ['GET, repeated', false, false],
    ['GET, distinct', false, true],
    ['POST 1 KiB, distinct', true, true],
  ] as const) {
    const basic = await measure(basicSecurity, post, distinct);
    const cells: string[] = [];
    for (const [name, algorithm] of MESSAGE_SIGNATURE_ALGORITHMS) {
      if (ONLY && !ONLY.includes(name)) {
        cells.push('-');
        continue;
      }
      const t = await measure(messageSignatureSecurity(algorithm), post, distinct);
      cells.push(`${t.toFixed(1)} µs (${(t / basic).toFixed(2)}x)`);
    }
    out.push(`| ${what} | ${basic.toFixed(1)} µs | ${cells.join(' | ')} |`);
  }
  return out;
}

async function lambdaFigures(backend: number): Promise<string[]> {
  const out: string[] = [];
  // The bundle the constructs deploy: the same build and rewrites as synth's.
  const { file } = await bundleRuntime(join(dir, 'lambda'));
  const bytes = statSync(file).size;
  out.push(`Lambda bundle: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB), @aws-sdk/* external`);
  const bare: number[] = [];
  const loaded: number[] = [];
  const time = (args: string[]) => {
    const t = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - t;
  };
  for (let i = 0; i < STARTS; i++) {
    bare.push(time(['-e', '0']));
    loaded.push(time(['-e', `require(${JSON.stringify(file)})`]));
  }
  out.push(
    `module load (whole process, median of ${STARTS}): bare node ${median(bare).toFixed(1)} ms, ` +
      `with the bundle ${median(loaded).toFixed(1)} ms: +${(median(loaded) - median(bare)).toFixed(1)} ms`,
  );

  // The handler's own time per ALB event: the handler's time minus a plain undici request's (the
  // backend round trip), interleaved one by one against the same backend.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createLambdaHandler } = require(file) as typeof import('../gateway-runtime/src/adapters/lambda');
  const devNull = openSync('/dev/null', 'w');
  const handler = createLambdaHandler({
    configJson: JSON.stringify({
      version: 1,
      name: 'lambda-bench',
      backend: { url: `http://127.0.0.1:${backend}/` },
      security: { type: 'basic', username: USER, password: { file: join(dir, 'password') } },
    }),
    deps: { logSink: (line) => writeSync(devNull, `${line}\n`) },
  });
  const pool = new Pool(`http://127.0.0.1:${backend}`, { connections: 1 });
  const event: AlbEvent = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/b/1' } },
    httpMethod: 'GET',
    path: '/orders/42',
    queryStringParameters: { page: '1' },
    headers: {
      host: 'gw.internal',
      'x-forwarded-for': '10.0.0.1',
      'x-forwarded-proto': 'https',
      'user-agent': 'bench',
      accept: 'application/json',
    },
    body: '',
    isBase64Encoded: false,
  };
  const context = { awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 };
  const viaHandler: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    let t = performance.now();
    const result = await handler(event, { ...context, awsRequestId: `r${i}` });
    viaHandler.push(performance.now() - t);
    if (result.statusCode !== 200) throw new Error(`the handler answered ${result.statusCode}`);
    t = performance.now();
    const response = await pool.request({
      path: '/orders/42?page=1',
      method: 'GET',
      headers: { authorization: BASIC },
    });
    await response.body.text();
    direct.push(performance.now() - t);
  }
  await pool.close();
  closeSync(devNull);
  const skip = Math.floor(EVENTS / 10); // warm-up
  const h = median(viaHandler.slice(skip));
  const d = median(direct.slice(skip));
  out.push(
    `handler per ALB event (median of ${EVENTS - skip}): ${h.toFixed(3)} ms, backend round trip ` +
      `${d.toFixed(3)} ms: overhead ${(h - d).toFixed(3)} ms`,
  );
  return out;
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), load average ${load}`);
  const pkiTool = await TestPki.create();
  const ca = await pkiTool.ca('bench-ca');
  const server = await pkiTool.issue('backend', ca, {
    cn: 'localhost',
    sans: ['IP:127.0.0.1'],
    usage: 'server',
  });
  const client = await pkiTool.issue('gateway', ca, { cn: 'gateway', usage: 'client' });
  writeFileSync(join(dir, 'password'), PASSWORD);
  writeFileSync(join(dir, 'token'), 'bench-static-token');
  writeFileSync(join(dir, 'hmac'), 'bench-hmac-key-0123456789abcdef');
  writeFileSync(join(dir, 'client-secret'), 'bench-client-secret');
  writeMessageSigningKeys();
  writeFileSync(
    DISTINCT_PATHS(),
    'n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, "/orders/" .. n)\nend\n',
  );
  const assertionKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  writeFileSync(join(dir, 'assertion-key.pem'), assertionKey.export({ type: 'pkcs8', format: 'pem' }));

  const bundle = join(dir, 'gateway-runtime.js');
  // Profiles read better without minified names.
  // The file the DMZ runs (buildRuntimeCode: esbuild and the bundle rewrites); profiles read better unminified.
  writeFileSync(
    bundle,
    buildRuntimeCode({ ...standaloneBuildOptions(), ...(CPU_PROF ? { minify: false } : {}) }),
  );

  const ports = nginxBackend({ server: server.certFile, serverKey: server.keyFile, ca: ca.certFile });
  const http = `http://127.0.0.1:${ports.http}`;
  const password = { file: join(dir, 'password') };
  const tlsBackend = (p: number, withClient: boolean) => ({
    url: `https://127.0.0.1:${p}/`,
    tls: {
      ca: { file: ca.certFile },
      servername: 'localhost',
      ...(withClient
        ? { clientCertificate: { cert: { file: client.certFile }, key: { file: client.keyFile } } }
        : {}),
    },
  });
  const targets: Target[] = [
    { name: 'direct', what: 'direct to the backend', url: `${http}/`, process: 'nginx backend' },
    {
      name: 'nginx',
      what: `nginx ${NGINX_VERSION()} (upstream keep-alive)`,
      url: `http://127.0.0.1:${nginxProxy(ports.http)}/`,
      process: 'nginx proxy',
    },
    {
      name: 'haproxy',
      what: 'haproxy (http-reuse always)',
      url: `http://127.0.0.1:${haproxy(ports.http)}/`,
      process: 'haproxy',
    },
    {
      name: 'node',
      what: '15-line Node proxy, undici Pool.request',
      url: `http://127.0.0.1:${nodeBaseline(ports.http)}/`,
      process: 'node baseline',
    },
    {
      name: 'dispatch',
      what: '25-line Node proxy, undici dispatch',
      url: `http://127.0.0.1:${nodeDispatchBaseline(ports.http)}/`,
      process: 'node dispatch baseline',
    },
    {
      ...gateway('basic', bundle, {
        backend: { url: `${http}/` },
        security: { type: 'basic', username: USER, password },
      }),
      what: 'gateway-runtime serve, basic',
    },
    ...workerRows(bundle, {
      backend: { url: `${http}/` },
      security: { type: 'basic', username: USER, password },
    }),
    {
      ...gateway('digest', bundle, {
        backend: { url: `${http}/digest/` },
        security: { type: 'digest', username: USER, password },
      }),
      what: 'gateway-runtime serve, digest (warm)',
      versus: 'basic',
    },
    {
      ...gateway('token', bundle, {
        backend: { url: `${http}/` },
        security: { type: 'token', token: { file: join(dir, 'token') } },
      }),
      what: 'gateway-runtime serve, token',
      versus: 'basic',
    },
    {
      ...gateway('signature', bundle, {
        backend: { url: `${http}/` },
        security: {
          type: 'signature',
          keyId: 'bench',
          algorithm: 'hmac-sha256',
          key: { file: join(dir, 'hmac') },
        },
      }),
      what: 'gateway-runtime serve, signature (hmac-sha256)',
      versus: 'basic',
    },
    // wrk repeats one request, whose signature base repeats within a second (signed once): these rows
    // send a new path each time, so every request is signed, as distinct traffic is.
    {
      ...gateway('basic-distinct', bundle, {
        backend: { url: `${http}/` },
        security: { type: 'basic', username: USER, password },
      }),
      what: 'gateway-runtime serve, basic, a new path per request',
      script: DISTINCT_PATHS(),
      versus: 'basic',
    },
    ...(['ed25519', 'hmac-sha256'] as const).map((algorithm) => ({
      ...gateway(`msig-${algorithm === 'ed25519' ? 'ed25519' : 'hmac'}-distinct`, bundle, {
        backend: { url: `${http}/` },
        security: messageSignatureSecurity(algorithm),
      }),
      what: `gateway-runtime serve, message-signature (${algorithm}), a new path per request`,
      script: DISTINCT_PATHS(),
      versus: 'basic-distinct',
    })),
    ...MESSAGE_SIGNATURE_ALGORITHMS.map(([name, algorithm]) => ({
      ...gateway(name, bundle, {
        backend: { url: `${http}/` },
        security: messageSignatureSecurity(algorithm),
      }),
      what: `gateway-runtime serve, message-signature (${algorithm})`,
      versus: 'basic',
    })),
    {
      ...gateway('oauth', bundle, {
        backend: { url: `${http}/` },
        security: {
          type: 'oauth2-client-credentials',
          tokenUrl: `${http}/oauth/token`,
          clientId: 'bench',
          clientSecret: { file: join(dir, 'client-secret') },
          allowInsecureLoopbackTokenUrl: true,
        },
      }),
      what: 'gateway-runtime serve, OAuth (cached token)',
      versus: 'basic',
    },
    {
      // Signed with the environment's credentials, as the function's role gives them in Lambda (a session
      // token too); the nginx backend does not verify them (the tests do, with botocore).
      ...gateway(
        'sigv4',
        bundle,
        {
          backend: { url: `${http}/` },
          security: { type: 'sigv4', region: 'eu-west-1', service: 'execute-api' },
        },
        1,
        {
          AWS_ACCESS_KEY_ID: 'ASIABENCHEXAMPLE0001',
          AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key/K7MDENGbPxRfiCY',
          AWS_SESSION_TOKEN: 'bench-session-token//////////wEaCWV1LXdlc3QtMSJH',
        },
      ),
      what: 'gateway-runtime serve, SigV4 (environment credentials)',
      versus: 'basic',
    },
    {
      ...gateway('oauth-jwt', bundle, {
        backend: { url: `${http}/` },
        security: {
          type: 'oauth2-client-credentials',
          tokenUrl: `${http}/oauth/token`,
          clientId: 'bench',
          authMethod: 'private_key_jwt',
          privateKeyJwt: {
            key: { file: join(dir, 'assertion-key.pem') },
            algorithm: 'ES256',
            keyId: 'bench',
          },
          allowInsecureLoopbackTokenUrl: true,
        },
      }),
      what: 'gateway-runtime serve, oauth2 private_key_jwt (cached token)',
      versus: 'basic',
    },
    {
      ...gateway('tls', bundle, { backend: tlsBackend(ports.tls, false), security: { type: 'none' } }),
      what: 'gateway-runtime serve, TLS to the backend',
    },
    {
      ...gateway('mtls', bundle, { backend: tlsBackend(ports.mtls, true), security: { type: 'none' } }),
      what: 'gateway-runtime serve, mTLS to the backend',
      versus: 'tls',
    },
  ].filter((t) => !ONLY || ONLY.includes(t.name) || t.name === 'nginx');

  for (const target of targets) await waitFor(target.url);
  for (const target of targets) wrk(target.url, 1, undefined, target.close, target.script); // warm-up: connections, JIT, nonces, tokens
  const runs = new Map<string, Run[]>(targets.map((t) => [t.name, []]));
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts one row later: no row is always the one after nginx (or first), whose runs a
    // shared machine's state was seen to favour or penalise by 20 %.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const target of order) {
      runs.get(target.name)!.push(wrk(target.url, SECONDS, target.process, target.close, target.script));
    }
  }
  const loadAfter = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

  const summary = new Map(
    targets.map((t) => {
      const all = runs.get(t.name)!;
      return [
        t.name,
        {
          perSecond: median(all.map((r) => r.perSecond)),
          p50: median(all.map((r) => r.p50)),
          p99: median(all.map((r) => r.p99)),
          bad: all.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
          requests: all.reduce((sum, r) => sum + r.requests, 0),
          cpuUs: all.every((r) => r.cpuUs !== undefined) ? median(all.map((r) => r.cpuUs!)) : undefined,
        },
      ];
    }),
  );
  console.log(
    `\nwrk -t1 -c${CONNECTIONS}, ${ROUNDS} rounds of ${SECONDS} s per row, alternating (medians; ${((Date.now() - started) / 1000).toFixed(0)} s), load average after ${loadAfter}\n`,
  );
  console.log('| proxy | req/s | p50 | p99 | CPU per request | ratio |');
  console.log('|---|---|---|---|---|---|');
  for (const t of targets) {
    const s = summary.get(t.name)!;
    const versus = t.versus ?? 'nginx';
    const v = summary.get(versus);
    let ratio: string;
    if (s.bad > 0) ratio = `none: ${s.bad} non-2xx answers or socket errors`;
    else if (!v || v.bad > 0) ratio = `none: ${versus} had failures or did not run`;
    else ratio = `${(s.perSecond / v.perSecond).toFixed(2)}x ${versus}, p99 ${(s.p99 / v.p99).toFixed(2)}x`;
    console.log(
      `| ${t.what} | ${Math.round(s.perSecond).toLocaleString('en')} | ${s.p50.toFixed(2)} ms | ${s.p99.toFixed(2)} ms | ${s.cpuUs === undefined ? '-' : `${s.cpuUs.toFixed(1)} µs`} | ${ratio} |`,
    );
  }

  console.log('');
  for (const line of workerFigures(targets, summary)) console.log(line);
  console.log('');
  console.log(await coreFigure());
  if (!ONLY || ONLY.some((name) => name.startsWith('msig-'))) {
    for (const line of await messageSignatureCoreFigures()) console.log(line);
  }
  for (const line of await lambdaFigures(ports.http)) console.log(line);

  await stopAll();
  // Every request logged and counted: the servers' lines, after their shutdown flushed them.
  for (const t of targets) {
    if (!t.log) continue;
    const lines = countLines(t.log);
    const expected = runs.get(t.name)!.reduce((sum, r) => sum + r.requests, 0);
    const verdict = lines.requests >= expected && lines.metrics >= lines.requests ? 'ok' : 'MISSING LINES';
    // The workers of `server.workers` (their lines carry their pid): each one's share of the requests.
    const spread =
      lines.byPid.size > 1
        ? `; by worker ${[...lines.byPid.values()].map((n) => `${((100 * n) / lines.requests).toFixed(0)}%`).join(' / ')}`
        : '';
    console.log(
      `${t.name}: ${lines.requests} request lines, ${lines.metrics} requests in the metrics, wrk counted ${expected} in the timed runs: ${verdict}${spread}`,
    );
  }
  await pkiTool.cleanup();
}

function NGINX_VERSION(): string {
  const out = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  return /nginx\/([\d.]+)/.exec(out.stderr)?.[1] ?? '';
}

main()
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${resolve(dir)}`);
  });
