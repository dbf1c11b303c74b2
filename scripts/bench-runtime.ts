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
 * The digest backend is a small Node server that verifies MD5 / qop=auth answers.
 */
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startServer, StandaloneServer } from '../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../gateway-runtime/src/config/types';
import { createDigestScheme } from '../gateway-runtime/src/schemes/digest';
import {
  computeDigestResponse,
  parseAuthenticateHeader,
  toDigestChallenge,
} from '../gateway-runtime/src/schemes/digest-auth';
import type { SecretResolver } from '../gateway-runtime/src/secrets/types';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const USER = 'bench';
const PASSWORD = 'bench:password';
const REALM = 'bench';

interface Backend {
  server: Server;
  url: string;
  requests: () => number;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function plainBackend(): Promise<Backend> {
  let count = 0;
  const server = createServer((_req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  return { server, url: await listen(server), requests: () => count };
}

/** Verifies Digest MD5 qop=auth; one nonce for the server's life (never stale). */
async function digestBackend(): Promise<Backend> {
  let count = 0;
  const nonce = randomBytes(16).toString('hex');
  const challenge = `Digest realm="${REALM}", nonce="${nonce}", qop="auth", algorithm=MD5`;
  const server = createServer((req, res) => {
    count++;
    const [answer] = parseAuthenticateHeader(req.headers.authorization ?? '');
    const p = answer?.params ?? {};
    const parsed = toDigestChallenge({ scheme: 'Digest', params: { realm: REALM, nonce, qop: 'auth' } });
    const ok =
      answer?.scheme.toLowerCase() === 'digest' &&
      parsed !== undefined &&
      p.nonce === nonce &&
      p.username === USER &&
      p.response ===
        computeDigestResponse({
          challenge: parsed,
          username: USER,
          password: PASSWORD,
          method: req.method ?? 'GET',
          uri: p.uri ?? '',
          nc: parseInt(p.nc ?? '0', 16),
          cnonce: p.cnonce ?? '',
          qop: 'auth',
        });
    req.resume();
    if (!ok) {
      res.writeHead(401, { 'www-authenticate': challenge });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  return { server, url: await listen(server), requests: () => count };
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  backendPerRequest: number;
}

async function load(name: string, url: string, backend: Backend): Promise<Result> {
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });
  const one = async () => {
    const started = process.hrtime.bigint();
    const response = await request(url, { dispatcher: agent });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`${name}: status ${response.statusCode}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  for (let i = 0; i < Math.min(200, REQUESTS); i++) await one(); // warm up connections and nonces
  const before = backend.requests();
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) latencies.push(await one());
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await agent.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    name,
    rps: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    backendPerRequest: (backend.requests() - before) / latencies.length,
  };
}

async function proxy(config: GatewayConfig, reuseNonce?: boolean): Promise<StandaloneServer> {
  const secrets: SecretResolver = { resolve: async () => ({ value: PASSWORD, version: '1' }) };
  const scheme =
    config.security.type === 'digest'
      ? createDigestScheme(config.security, { secrets }, { reuseNonce: reuseNonce ?? true })
      : undefined;
  return startServer(config, {
    port: 0,
    deps: { logSink: () => undefined, secrets, ...(scheme ? { scheme } : {}) },
  });
}

async function main(): Promise<void> {
  const plain = await plainBackend();
  const digest = await digestBackend();
  const base = (url: string, security: GatewayConfig['security']): GatewayConfig => ({
    version: 1,
    name: 'bench',
    backend: { url },
    security,
  });
  const digestSecurity: GatewayConfig['security'] = {
    type: 'digest',
    username: USER,
    password: { env: 'UNUSED' },
  };
  const noneProxy = await proxy(base(plain.url, { type: 'none' }));
  const warmProxy = await proxy(base(digest.url, digestSecurity), true);
  const coldProxy = await proxy(base(digest.url, digestSecurity), false);
  const results: Result[] = [];
  try {
    results.push(await load('direct to backend', `${plain.url}/`, plain));
    results.push(await load('proxy, no scheme', `http://127.0.0.1:${noneProxy.port}/`, plain));
    results.push(
      await load('proxy, digest warm (nonce kept)', `http://127.0.0.1:${warmProxy.port}/`, digest),
    );
    results.push(await load('proxy, digest re-challenged', `http://127.0.0.1:${coldProxy.port}/`, digest));
  } finally {
    await Promise.all([noneProxy.shutdown(), warmProxy.shutdown(), coldProxy.shutdown()]);
    plain.server.close();
    digest.server.close();
  }
  console.log(`${REQUESTS} requests, concurrency ${CONCURRENCY}, node ${process.version}, loopback`);
  console.log('scenario                            req/s     p50 ms   p99 ms   backend requests per request');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)}   ${r.backendPerRequest.toFixed(2)}`,
    );
  }
  const [direct, none, warm, cold] = results;
  console.log(`proxy / direct throughput: ${(none.rps / direct.rps).toFixed(2)}`);
  console.log(`digest warm / re-challenged throughput: ${(warm.rps / cold.rps).toFixed(2)}`);
  console.log(`digest re-challenged / warm p50 latency: ${(cold.p50 / warm.p50).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
