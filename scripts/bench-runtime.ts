/**
 * Throughput and latency of the standalone proxy on loopback (a benchmark, not a test):
 *
 *   npm run bench:runtime                       # BENCH_REQUESTS=5000 BENCH_CONCURRENCY=32 by default
 *
 * 1. direct: client → backend
 * 2. proxy, no scheme: client → standalone server → backend
 * 3. proxy, digest warm: the nonce is kept and nc counted (one backend round trip per request)
 * 4. proxy, digest re-challenged: every request is challenged again with nc 1, as many peers do
 *    (two backend round trips per request)
 *
 * The proxies run in this process, the backends in a child process (a plain HTTP server and a Digest
 * MD5 / qop=auth verifier) and the load generator in a worker thread, so the three do not share one
 * event loop. Figures depend on the machine and on what else runs on it.
 */
import { ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startServer, StandaloneServer } from '../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../gateway-runtime/src/config/types';
import { createDigestScheme } from '../gateway-runtime/src/schemes/digest';
import type { SecretResolver } from '../gateway-runtime/src/secrets/types';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const USER = 'bench';
const PASSWORD = 'bench:password';
const REALM = 'bench';

/** The backends' child process (plain JavaScript, Node built-ins only). */
const BACKENDS_JS = `
const { createServer } = require('node:http');
const { createHash, randomBytes } = require('node:crypto');
const counts = { plain: 0, digest: 0 };
const md5 = (s) => createHash('md5').update(s).digest('hex');
const nonce = randomBytes(16).toString('hex');
const challenge = 'Digest realm="${REALM}", nonce="' + nonce + '", qop="auth", algorithm=MD5';
const ha1 = md5('${USER}:${REALM}:${PASSWORD}');
function params(header) {
  const out = {};
  if (!header || !/^digest /i.test(header)) return out;
  for (const m of header.slice(7).matchAll(/([a-z]+)=(?:"((?:[^"\\\\]|\\\\.)*)"|([^,\\s]*))/gi)) out[m[1].toLowerCase()] = m[2] ?? m[3];
  return out;
}
const plain = createServer((req, res) => { counts.plain++; req.resume(); res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
const digest = createServer((req, res) => {
  counts.digest++;
  req.resume();
  const p = params(req.headers.authorization);
  const ok = p.nonce === nonce && p.username === '${USER}' &&
    p.response === md5(ha1 + ':' + nonce + ':' + p.nc + ':' + p.cnonce + ':auth:' + md5(req.method + ':' + p.uri));
  if (!ok) { res.writeHead(401, { 'www-authenticate': challenge }); res.end(); return; }
  res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok');
});
process.on('message', () => process.send({ counts }));
plain.listen(0, '127.0.0.1', () => digest.listen(0, '127.0.0.1', () =>
  process.send({ plain: plain.address().port, digest: digest.address().port })));
`;

/** The load generator's worker thread (plain JavaScript, undici from this repository). */
const CLIENT_JS = `
const { parentPort, workerData } = require('node:worker_threads');
const { Agent, request } = require(workerData.undici);
(async () => {
  const { url, requests, concurrency } = workerData;
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10000 });
  const one = async () => {
    const started = process.hrtime.bigint();
    const response = await request(url, { dispatcher: agent });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(url + ': status ' + response.statusCode);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  for (let i = 0; i < Math.min(200, requests); i++) await one(); // warm connections and nonces
  parentPort.postMessage({ warm: true });
  await new Promise((resolve) => parentPort.once('message', resolve));
  const latencies = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < requests) latencies.push(await one());
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await agent.close();
  parentPort.postMessage({ latencies, seconds });
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  backendPerRequest: number;
}

function ask<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message as T));
    child.send('counts');
  });
}

async function load(
  name: string,
  url: string,
  backends: ChildProcess,
  which: 'plain' | 'digest',
): Promise<Result> {
  const worker = new Worker(CLIENT_JS, {
    eval: true,
    workerData: { url, requests: REQUESTS, concurrency: CONCURRENCY, undici: require.resolve('undici') },
  });
  const message = <T>() =>
    new Promise<T>((resolve, reject) => {
      worker.once('message', (m: T & { error?: string }) =>
        m.error ? reject(new Error(m.error)) : resolve(m),
      );
      worker.once('error', reject);
    });
  await message<{ warm: true }>();
  const before = (await ask<{ counts: Record<string, number> }>(backends)).counts[which];
  const done = message<{ latencies: number[]; seconds: number }>();
  worker.postMessage('go');
  const { latencies, seconds } = await done;
  const after = (await ask<{ counts: Record<string, number> }>(backends)).counts[which];
  await worker.terminate();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    name,
    rps: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    backendPerRequest: (after - before) / latencies.length,
  };
}

async function proxy(config: GatewayConfig, reuseNonce = true): Promise<StandaloneServer> {
  const secrets: SecretResolver = { resolve: async () => ({ value: PASSWORD, version: '1' }) };
  const scheme =
    config.security.type === 'digest'
      ? createDigestScheme(config.security, { secrets }, { reuseNonce })
      : undefined;
  return startServer(config, {
    port: 0,
    deps: { logSink: () => undefined, secrets, ...(scheme ? { scheme } : {}) },
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-runtime-'));
  const script = join(dir, 'backends.js');
  writeFileSync(script, BACKENDS_JS);
  const backends = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise<{ plain: number; digest: number }>((resolve) =>
    backends.once('message', (m) => resolve(m as { plain: number; digest: number })),
  );
  const plainUrl = `http://127.0.0.1:${ports.plain}`;
  const digestUrl = `http://127.0.0.1:${ports.digest}`;
  const config = (url: string, security: GatewayConfig['security']): GatewayConfig => ({
    version: 1,
    name: 'bench',
    backend: { url },
    security,
  });
  const digest: GatewayConfig['security'] = { type: 'digest', username: USER, password: { env: 'UNUSED' } };
  const proxies = await Promise.all([
    proxy(config(plainUrl, { type: 'none' })),
    proxy(config(digestUrl, digest), true),
    proxy(config(digestUrl, digest), false),
  ]);
  const [noneProxy, warmProxy, challengedProxy] = proxies;
  const results: Result[] = [];
  try {
    results.push(await load('direct to backend', `${plainUrl}/`, backends, 'plain'));
    results.push(await load('proxy, no scheme', `http://127.0.0.1:${noneProxy.port}/`, backends, 'plain'));
    results.push(
      await load(
        'proxy, digest warm (nonce kept)',
        `http://127.0.0.1:${warmProxy.port}/`,
        backends,
        'digest',
      ),
    );
    results.push(
      await load(
        'proxy, digest re-challenged',
        `http://127.0.0.1:${challengedProxy.port}/`,
        backends,
        'digest',
      ),
    );
  } finally {
    await Promise.all(proxies.map((p) => p.shutdown()));
    backends.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`${REQUESTS} requests, concurrency ${CONCURRENCY}, node ${process.version}, loopback`);
  console.log('scenario                            req/s     p50 ms   p99 ms   backend requests per request');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)}   ${r.backendPerRequest.toFixed(2)}`,
    );
  }
  const [direct, none, warm, challenged] = results;
  console.log(`proxy / direct throughput: ${(none.rps / direct.rps).toFixed(2)}`);
  console.log(`digest warm / re-challenged throughput: ${(warm.rps / challenged.rps).toFixed(2)}`);
  console.log(`digest re-challenged / warm p50 latency: ${(challenged.p50 / warm.p50).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
