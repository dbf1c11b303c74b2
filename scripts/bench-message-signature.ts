/**
 * The message-signature scheme's cost per request beside basic, until it is wired into the config
 * and `npm run bench` (a benchmark, not a test):
 *
 *   npx tsx scripts/bench-message-signature.ts
 *
 * The proxy core's own CPU time per request, without sockets (as `npm run bench`'s core figure):
 * `handle()` against a dispatcher that answers 1 KiB at once, 32 requests at a time, a GET and a POST
 * of 1 KiB, for basic and for each algorithm. Medians of 5 rounds after a warm-up round. "repeated":
 * the same request again and again (as wrk sends; within a second the scheme reuses its signature);
 * "distinct": a new path each time, so every request is signed (the cost of the algorithm itself).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { GatewayConfig, SecretRef } from '../gateway-runtime/src/config/types';
import { createGateway } from '../gateway-runtime/src/proxy';
import { Dispatcher } from '../gateway-runtime/src/io/undici';
import { createBufferedSink } from '../gateway-runtime/src/observability/log';
import {
  createMessageSignatureScheme,
  MessageSignatureAlgorithm,
} from '../gateway-runtime/src/schemes/message-signature';
import type { AuthScheme } from '../gateway-runtime/src/schemes/types';
import type { SecretResolver } from '../gateway-runtime/src/secrets/types';

const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 10_000);
const ONLY = process.env.BENCH_ONLY?.split(',');
const body = Buffer.alloc(1024, 0x78);
const raw = ['Content-Type', 'text/plain', 'Content-Length', '1024'].map((t) => Buffer.from(t));

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

/** Secrets at hand, as a warm cache has them (resolveNow), like the file source after its first read. */
function secretsOf(value: string): SecretResolver {
  const secret = { value, version: '1' };
  return { resolve: async () => secret, resolveNow: () => secret };
}

function keyFor(algorithm: MessageSignatureAlgorithm): string {
  const pem = (kp: { privateKey: import('node:crypto').KeyObject }) =>
    kp.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  switch (algorithm) {
    case 'ed25519':
      return pem(generateKeyPairSync('ed25519'));
    case 'ecdsa-p256-sha256':
      return pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    case 'rsa-pss-sha512':
      return pem(generateKeyPairSync('rsa', { modulusLength: 2048 }));
    case 'hmac-sha256':
      return randomBytes(32).toString('base64');
  }
}

async function measure(
  security: GatewayConfig['security'],
  scheme: AuthScheme | undefined,
  secrets: SecretResolver,
  post: boolean,
  distinct: boolean,
): Promise<number> {
  const instant = new Instant();
  const gateway = createGateway(
    { version: 1, name: 'sig-bench', backend: { url: 'http://127.0.0.1:1' }, security },
    {
      ...(scheme ? { scheme } : {}),
      secrets,
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
    },
  );
  const headers: Record<string, string> = { host: '127.0.0.1:8080', 'user-agent': 'wrk', 'x-bench': '1' };
  if (post) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = '1024';
  }
  let n = 0;
  const one = async () => {
    n += 1;
    const response = await gateway.handle({
      method: post ? 'POST' : 'GET',
      // Distinct: every request has its own path, so every signature base differs.
      path: distinct ? `/orders/${n}` : '/orders',
      ...(post ? { query: 'id=7' } : {}),
      headers,
      ...(post ? { body } : {}),
      peerAddress: '127.0.0.1',
      protocol: 'http',
    });
    if (Buffer.isBuffer(response.body) || response.status !== 200)
      throw new Error(`bench: ${response.status}`);
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
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(rounds.length / 2)];
}

async function main(): Promise<void> {
  const ref: SecretRef = { env: 'BENCH_KEY' };
  const rows: string[] = [];
  // Each gateway's buffered log sink listens for the process's exit.
  process.setMaxListeners(64);
  // A first run warms the JIT for the basic row of the first group.
  await measure({ type: 'basic', username: 'bench', password: ref }, undefined, secretsOf('x'), false, false);
  for (const post of [false, true]) {
    for (const distinct of [false, true]) {
      const what = `${post ? 'POST 1 KiB' : 'GET'}, ${distinct ? 'distinct' : 'repeated'}`.padEnd(22);
      const basic = await measure(
        { type: 'basic', username: 'bench', password: ref },
        undefined,
        secretsOf('bench-password'),
        post,
        distinct,
      );
      rows.push(`${what}  basic              ${basic.toFixed(1)} µs`);
      for (const algorithm of ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512'] as const) {
        if (ONLY && !ONLY.includes(algorithm)) continue;
        const secrets = secretsOf(keyFor(algorithm));
        const scheme = createMessageSignatureScheme(
          {
            type: 'message-signature',
            algorithm,
            key: ref,
            keyId: 'bench',
            ...(algorithm === 'hmac-sha256' ? { secretEncoding: 'base64' as const } : {}),
          },
          { secrets },
        );
        const t = await measure({ type: 'none' }, scheme, secrets, post, distinct);
        rows.push(
          `${what}  ${algorithm.padEnd(17)}  ${t.toFixed(1)} µs  (${((t / basic - 1) * 100).toFixed(0)} % over basic)`,
        );
      }
    }
  }
  process.stdout.write(
    `proxy core CPU per request (in-process, instant 1 KiB answer, median of 5 rounds of ${PER_ROUND}):\n${rows.join('\n')}\n`,
  );
}

void main();
