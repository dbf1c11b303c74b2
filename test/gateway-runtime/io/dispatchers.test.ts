import { X509Certificate } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendTlsConfig, GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { ConfigError } from '../../../gateway-runtime/src/core/errors';
import {
  createBackendDispatchers,
  type BackendDispatchers,
} from '../../../gateway-runtime/src/io/dispatchers';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import type { LogEntry } from '../../../gateway-runtime/src/secrets/types';
import { TestPki, type Issued } from '../../support/pki';
import { backendDispatchers } from '../config/support/resolved';

let pki: TestPki;
let dir: string;
let clientA: Issued;
let clientB: Issued;
const opened: BackendDispatchers[] = [];

beforeAll(async () => {
  pki = await TestPki.create();
  dir = join(pki.dir, 'secrets');
  mkdirSync(dir);
  const ca = await pki.ca('dispatchers-ca');
  clientA = await pki.issue('client-a', ca, { cn: 'a', usage: 'client', days: 90 });
  clientB = await pki.issue('client-b', ca, { cn: 'b', usage: 'client', days: 90 });
});
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  pki?.cleanup();
});

function write(name: string, content: string): { file: string } {
  const file = join(dir, name);
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
  return { file };
}

function create(
  tls: BackendTlsConfig | undefined,
  options: Parameters<typeof createBackendDispatchers>[2] = {},
) {
  const config: GatewayConfig = {
    version: 1,
    name: 'dispatchers',
    backend: { url: 'https://backend.internal:8443', ...(tls ? { tls } : {}) },
    security: { type: 'none' },
  };
  const d = backendDispatchers(config, createSecretResolver(), options);
  opened.push(d);
  return d;
}

function mtls(prefix: string, issued: Issued): BackendTlsConfig {
  return {
    clientCertificate: { cert: write(`${prefix}.crt`, issued.cert), key: write(`${prefix}.key`, issued.key) },
  };
}

describe('createBackendDispatchers', () => {
  test('GIVEN no TLS material THEN one pool is built and there is no client certificate expiry', async () => {
    const d = create(undefined);

    const dispatchers = await Promise.all([d.get(), d.get(), d.get()]);

    expect(new Set(dispatchers).size).toBe(1);
    expect(d.generation).toBe(1);
    expect(d.clientCertificateDaysToExpiry()).toBeUndefined();
  });

  test('GIVEN a client certificate valid for 90 days THEN the days to expiry follow the clock', async () => {
    const validTo = Date.parse(new X509Certificate(clientA.cert).validTo);
    const d = create(mtls('expiry', clientA), { now: () => validTo - 10.5 * 86_400_000 });

    await d.get();

    expect(d.clientCertificateDaysToExpiry()).toBe(10);
  });

  test('GIVEN 50 requests that see a rotated certificate at once THEN exactly one new pool is built (no thundering herd)', async () => {
    const tls = mtls('herd', clientA);
    const d = create(tls);
    await d.get();
    const [firstPool] = d.openPools();

    write('herd.crt', clientB.cert);
    write('herd.key', clientB.key);
    const dispatchers = await Promise.all(Array.from({ length: 50 }, () => d.get()));
    await d.retiredPoolsClosed();

    expect(new Set(dispatchers).size).toBe(1);
    expect(d.generation).toBe(2);
    expect(d.openPools()).toHaveLength(1);
    expect(d.openPools()[0]).not.toBe(firstPool);
    expect(firstPool.destroyed).toBe(true);
  });

  test('GIVEN 30 requests at once THEN they share one read of the TLS material, and a request after a rotation reads it again', async () => {
    const tls = mtls('shared-read', clientA);
    const config: GatewayConfig = {
      version: 1,
      name: 'dispatchers',
      backend: { url: 'https://backend.internal:8443', tls },
      security: { type: 'none' },
    };
    const real = createSecretResolver();
    let reads = 0;
    const d = backendDispatchers(config, {
      resolve: (ref) => {
        reads += 1;
        return real.resolve(ref);
      },
    });
    opened.push(d);

    await Promise.all(Array.from({ length: 30 }, () => d.get()));
    expect(reads).toBe(2); // the certificate and the key, once

    write('shared-read.crt', clientB.cert);
    write('shared-read.key', clientB.key);
    await d.get();
    expect(reads).toBe(4);
    expect(d.generation).toBe(2);
  });

  test('GIVEN a working pool WHEN the new certificate does not match the old key THEN the current pool is kept and one warning logged', async () => {
    const logs: LogEntry[] = [];
    const d = create(mtls('half', clientA), { log: (e) => logs.push(e), now: () => 0 });
    await d.get();

    write('half.crt', clientB.cert);
    await Promise.all(Array.from({ length: 5 }, () => d.get()));

    expect(d.generation).toBe(1);
    expect(logs.filter((e) => e.level === 'warn')).toEqual([
      {
        level: 'warn',
        event: 'backend-tls-material-invalid-keeping-current',
        reason: `client certificate secret file ${join(dir, 'half.crt')} does not match client key secret file ${join(dir, 'half.key')}`,
        generation: 1,
      },
    ]);
  });

  test('GIVEN a working pool WHEN a secret file disappears THEN the current pool is kept and the failure logged', async () => {
    const logs: LogEntry[] = [];
    const d = create(mtls('gone', clientA), { log: (e) => logs.push(e) });
    await d.get();

    rmSync(join(dir, 'gone.key'));
    await d.get();

    expect(d.generation).toBe(1);
    expect(logs.at(-1)).toMatchObject({
      level: 'warn',
      event: 'backend-tls-material-unreadable-keeping-current',
      reason: `secret file ${join(dir, 'gone.key')} can not be read (ENOENT)`,
    });
  });

  test('fails when the first material does not load, for every waiting request, naming the secrets', async () => {
    const tls: BackendTlsConfig = {
      clientCertificate: { cert: write('bad.crt', clientA.cert), key: write('bad.key', clientB.key) },
    };
    const d = create(tls);

    const results = await Promise.allSettled(Array.from({ length: 10 }, () => d.get()));

    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: `client certificate secret file ${join(dir, 'bad.crt')} does not match client key secret file ${join(dir, 'bad.key')}`,
    });
    expect(d.generation).toBe(0);
  });

  test('fails when a pin is malformed, at creation', () => {
    expect(() => create({ pinnedSpkiSha256: ['sha256/abc'] })).toThrow(
      new ConfigError([
        {
          path: 'backend.tls.pinnedSpkiSha256[0]',
          message: '"sha256/abc" is not a base64 SHA-256 (44 characters ending in "=")',
        },
      ]),
    );
  });

  test('fails when used after close, with BACKEND_UNREACHABLE', async () => {
    const d = create(undefined);
    await d.get();

    await d.close();

    expect(d.openPools()).toEqual([]);
    await expect(d.get()).rejects.toMatchObject({ code: 'BACKEND_UNREACHABLE' });
  });
});
