/**
 * Benchmark (not a test): requests/s and p50/p99 latency over mutual TLS to nginx on loopback, with
 * keep-alive (the runtime's dispatchers) versus a new connection (a full TLS handshake with client
 * certificate) per request. Prints the figures and the ratio.
 *
 *   npm run bench:mtls                        # 3000 requests per mode, 10 at a time
 *   BENCH_REQUESTS=10000 BENCH_CONCURRENCY=1 npm run bench:mtls
 *
 * Needs nginx and openssl (apt-get install nginx openssl).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import { createBackendDispatchers } from '../gateway-runtime/src/io/dispatchers';
import { createSecretResolver } from '../gateway-runtime/src/secrets';
import { resolveConfig } from '../gateway-runtime/src/config/resolve';
import type { BackendTlsConfig } from '../gateway-runtime/src/config/types';
import { startNginxTls, type NginxTls } from '../test/support/nginx-tls';
import { TestPki } from '../test/support/pki';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const WARM_UP = 100;

interface Result {
  readonly mode: string;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly connections: number;
  /** Of those connections, how many resumed a TLS session (nginx `$ssl_session_reused`). */
  readonly resumed: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function run(
  mode: string,
  url: string,
  dispatcher: () => Promise<Dispatcher>,
  reset: boolean,
  accessLog: () => ReturnType<NginxTls['accessLog']>,
): Promise<Result> {
  const connections = () => new Set(accessLog().map((e) => e.connection)).size;
  const once = async () => {
    const response = await request(url, { dispatcher: await dispatcher(), reset });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`${mode}: nginx answered ${response.statusCode}`);
  };
  for (let i = 0; i < WARM_UP; i++) await once();
  const before = connections();
  const logBefore = accessLog().length;
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const t = performance.now();
        await once();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    mode,
    perSecond: REQUESTS / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    connections: connections() - before,
    resumed: new Set(
      accessLog()
        .slice(logBefore)
        .filter((e) => e.sessionReused === 'r')
        .map((e) => e.connection),
    ).size,
  };
}

async function main(): Promise<void> {
  const pki = await TestPki.create();
  const root = await pki.ca('bench-root');
  const server = await pki.issue('bench-server', root, {
    cn: 'localhost',
    sans: ['DNS:localhost', 'IP:127.0.0.1'],
    usage: 'server',
  });
  const client = await pki.issue('bench-client', root, { cn: 'bench-gateway', usage: 'client' });
  const secrets = join(pki.dir, 'secrets');
  mkdirSync(secrets);
  const file = (name: string, content: string) => {
    writeFileSync(join(secrets, name), content);
    return { file: join(secrets, name) };
  };
  const tls: BackendTlsConfig = {
    ca: file('ca.pem', root.cert),
    clientCertificate: { cert: file('client.crt', client.cert), key: file('client.key', client.key) },
  };
  const nginx = await startNginxTls({
    certFile: server.certFile,
    keyFile: server.keyFile,
    clientCaFile: root.certFile,
  });
  const url = `${nginx.origin}/bench`;
  const accessLog = () => nginx.accessLog();

  const resolver = createSecretResolver();
  const config = resolveConfig({
    version: 1,
    name: 'bench',
    backend: { url: nginx.origin, tls },
    security: { type: 'none' },
  });
  const keepAlive = createBackendDispatchers(config, resolver);
  const perRequest = createBackendDispatchers(config, resolver);

  try {
    const results = [
      await run('keep-alive (runtime dispatchers)', url, () => keepAlive.get(), false, accessLog),
      await run('new connection per request', url, () => perRequest.get(), true, accessLog),
    ];
    console.log(`mTLS to nginx on loopback: ${REQUESTS} requests per mode, ${CONCURRENCY} at a time\n`);
    console.log(
      'mode                                                req/s     p50 ms   p99 ms   new connections (TLS resumed)',
    );
    for (const r of results) {
      console.log(
        `${r.mode.padEnd(50)} ${r.perSecond.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(7)}  ${r.p99
          .toFixed(2)
          .padStart(7)}  ${String(r.connections).padStart(11)} (${r.resumed})`,
      );
    }
    const [ka, fresh] = results;
    console.log(
      `\nkeep-alive: ${(ka.perSecond / fresh.perSecond).toFixed(1)}x the requests/s of a new connection per request, ` +
        `p50 ${(fresh.p50 / ka.p50).toFixed(1)}x lower, p99 ${(fresh.p99 / ka.p99).toFixed(1)}x lower.`,
    );
  } finally {
    await Promise.all([keepAlive.close(), perRequest.close()]);
    await nginx.stop();
    pki.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
