/**
 * The backend dispatchers against real nginx on loopback with `ssl_verify_client on` and a test PKI
 * made by the openssl CLI: mutual TLS, fail-closed verification, pinning, passphrases, rotation
 * during a stream of requests, keep-alive.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { fetch, request } from 'undici';
import type { BackendTlsConfig, GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { GatewayError } from '../../../gateway-runtime/src/core/errors';
import { type BackendDispatchers } from '../../../gateway-runtime/src/io/dispatchers';
import { spkiSha256 } from '../../../gateway-runtime/src/io/tls';
import { classifyTransportError } from '../../../gateway-runtime/src/io/transport-errors';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import type { LogEntry } from '../../../gateway-runtime/src/secrets/types';
import { X509Certificate } from 'node:crypto';
import { startNginxTls, type NginxTls } from '../../support/nginx-tls';
import { TestPki, type Issued } from '../../support/pki';
import { backendDispatchers } from '../config/support/resolved';

jest.setTimeout(60_000);

const execFileAsync = promisify(execFile);

const PASSPHRASE = 'correct horse battery staple';

let pki: TestPki;
let secretsDir: string;
let serverRoot: Issued;
let otherRoot: Issued;
let clientCa: Issued;
let server: Issued;
let client1: Issued;
let client2: Issued;
let unknownClient: Issued;
let mtls: NginxTls;
let expired: NginxTls;
let internalName: NginxTls;
let selfSigned: NginxTls;
const opened: BackendDispatchers[] = [];

/** Writes `content` to a file secret atomically (write beside it, then rename) and returns its reference. */
function fileSecret(name: string, content: string): { file: string } {
  const file = join(secretsDir, name);
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
  return { file };
}

function gatewayConfig(origin: string, tls: BackendTlsConfig): GatewayConfig {
  return { version: 1, name: 'mtls-test', backend: { url: origin, tls }, security: { type: 'none' } };
}

function dispatchersFor(
  origin: string,
  tls: BackendTlsConfig,
  log?: (e: LogEntry) => void,
): BackendDispatchers {
  const d = backendDispatchers(gatewayConfig(origin, tls), createSecretResolver(), log ? { log } : {});
  opened.push(d);
  return d;
}

/** The client certificate of `issued` as file secrets named after it. */
function clientCertificateOf(issued: Issued): NonNullable<BackendTlsConfig['clientCertificate']> {
  return {
    cert: fileSecret(`${issued.name}.crt`, issued.cert),
    key: fileSecret(`${issued.name}.key`, issued.key),
  };
}

async function send(
  d: BackendDispatchers,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const dispatcher = await d.get();
  const response = await request(url, { dispatcher, headers });
  const result = { status: response.statusCode, body: await response.body.text() };
  // undici hands a keep-alive socket to the next request one event-loop turn after a response ended
  // (client-h1's setImmediate); a request sent sooner gets a second connection. A caller's next request
  // through the gateway always comes later than that (it crosses the network); so does this one.
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

/** Sends and returns the typed error the request failed with. */
async function failure(
  d: BackendDispatchers,
  url: string,
  headers: Record<string, string> = {},
): Promise<GatewayError> {
  try {
    await send(d, url, headers);
  } catch (error) {
    return classifyTransportError(error);
  }
  throw new Error(`expected ${url} to fail`);
}

function causeCode(error: GatewayError): unknown {
  return (error.cause as { code?: unknown } | undefined)?.code;
}

beforeAll(async () => {
  pki = await TestPki.create();
  secretsDir = join(pki.dir, 'secrets');
  mkdirSync(secretsDir);
  serverRoot = await pki.ca('server-root');
  const serverIntermediate = await pki.ca('server-intermediate', serverRoot);
  otherRoot = await pki.ca('other-root');
  clientCa = await pki.ca('client-ca');
  server = await pki.issue('server', serverIntermediate, {
    cn: 'localhost',
    sans: ['DNS:localhost', 'IP:127.0.0.1'],
    usage: 'server',
  });
  const expiredServer = await pki.issue('expired-server', serverIntermediate, {
    cn: 'localhost',
    sans: ['DNS:localhost', 'IP:127.0.0.1'],
    usage: 'server',
    expired: true,
  });
  const internalServer = await pki.issue('internal-server', serverIntermediate, {
    cn: 'backend.internal',
    sans: ['DNS:backend.internal'],
    usage: 'server',
  });
  const selfSignedServer = await pki.issue('self-signed-server', 'self-signed', {
    cn: 'localhost',
    sans: ['DNS:localhost', 'IP:127.0.0.1'],
    usage: 'server',
  });
  client1 = await pki.issue('client-1', clientCa, { cn: 'gateway-1', usage: 'client' });
  client2 = await pki.issue('client-2', clientCa, { cn: 'gateway-2', usage: 'client' });
  unknownClient = await pki.issue('unknown-client', otherRoot, { cn: 'stranger', usage: 'client' });

  const clientCaFile = clientCa.certFile;
  const chain = (leaf: Issued) => pki.bundle(`${leaf.name}.chain.pem`, leaf, serverIntermediate);
  [mtls, expired, internalName, selfSigned] = await Promise.all([
    startNginxTls({ certFile: chain(server), keyFile: server.keyFile, clientCaFile }),
    startNginxTls({ certFile: chain(expiredServer), keyFile: expiredServer.keyFile, clientCaFile }),
    startNginxTls({ certFile: chain(internalServer), keyFile: internalServer.keyFile, clientCaFile }),
    startNginxTls({ certFile: selfSignedServer.certFile, keyFile: selfSignedServer.keyFile }),
  ]);
});

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await Promise.all([mtls, expired, internalName, selfSigned].map((n) => n?.stop()));
  pki?.cleanup();
});

const serverCa = () => fileSecret('server-root.pem', serverRoot.cert);

describe('mutual TLS against nginx (ssl_verify_client on)', () => {
  test('GIVEN the right client certificate THEN nginx answers 200 and logs its serial', async () => {
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(client1),
    });

    const response = await send(d, `${mtls.origin}/right-cert`);

    expect(response).toEqual({ status: 200, body: `serial=${client1.serial}\n` });
    const entries = await mtls.waitForAccessLog(1);
    expect(entries.find((e) => e.uri === '/right-cert')).toMatchObject({
      clientSerial: client1.serial,
      clientVerify: 'SUCCESS',
      clientSubject: 'O=backend-link tests,CN=gateway-1',
    });
    expect(d.clientCertificateDaysToExpiry()).toBe(29);
  });

  test('GIVEN the dispatcher from get() THEN its own request() and undici fetch() send with the client certificate', async () => {
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(client1),
    });
    const dispatcher = await d.get();

    const viaRequest = await dispatcher.request({
      origin: mtls.origin,
      path: '/dispatcher-request',
      method: 'GET',
    });
    const viaFetch = await fetch(`${mtls.origin}/dispatcher-fetch`, { dispatcher });

    expect([viaRequest.statusCode, await viaRequest.body.text()]).toEqual([
      200,
      `serial=${client1.serial}\n`,
    ]);
    expect([viaFetch.status, await viaFetch.text()]).toEqual([200, `serial=${client1.serial}\n`]);
  });

  test('GIVEN a client certificate from an intermediate CA, sent with its chain THEN nginx verifies it against the root', async () => {
    const clientIntermediate = await pki.ca('client-intermediate', clientCa);
    const chained = await pki.issue('client-chained', clientIntermediate, {
      cn: 'gateway-chained',
      usage: 'client',
    });
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      clientCertificate: {
        cert: fileSecret('chained.crt', chained.cert + clientIntermediate.cert),
        key: fileSecret('chained.key', chained.key),
      },
    });

    expect(await send(d, `${mtls.origin}/chained`)).toEqual({
      status: 200,
      body: `serial=${chained.serial}\n`,
    });
  });

  test('GIVEN a client key with a passphrase THEN mutual TLS works', async () => {
    const { key } = pki.encryptKey(client1, PASSPHRASE);
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      clientCertificate: {
        cert: fileSecret('pp.crt', client1.cert),
        key: fileSecret('pp.key', key),
        passphrase: fileSecret('pp.pass', PASSPHRASE),
      },
    });

    expect(await send(d, `${mtls.origin}/passphrase`)).toEqual({
      status: 200,
      body: `serial=${client1.serial}\n`,
    });
  });

  test('GIVEN a servername override THEN a certificate for another name is accepted at an IP URL', async () => {
    const d = dispatchersFor(internalName.origin, {
      ca: serverCa(),
      servername: 'backend.internal',
      clientCertificate: clientCertificateOf(client1),
    });

    expect((await send(d, `${internalName.origin}/servername`)).status).toBe(200);
  });

  test('GIVEN the backend key pinned (pin computed by the openssl CLI) THEN the request succeeds', async () => {
    const pin = await pki.spkiPin(server);
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      pinnedSpkiSha256: [pin],
      clientCertificate: clientCertificateOf(client1),
    });

    expect(spkiSha256(new X509Certificate(server.cert))).toBe(pin);
    expect((await send(d, `${mtls.origin}/pinned`)).status).toBe(200);
  });

  test('GIVEN no client certificate THEN nginx answers 400, passed through as the backend answer', async () => {
    const d = dispatchersFor(mtls.origin, { ca: serverCa() });

    const response = await send(d, `${mtls.origin}/no-cert`);

    expect(response.status).toBe(400);
    expect(response.body).toContain('No required SSL certificate was sent');
  });

  test('GIVEN a client certificate of an unknown CA THEN nginx answers 400, passed through as the backend answer', async () => {
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(unknownClient),
    });

    const response = await send(d, `${mtls.origin}/unknown-cert`);

    expect(response.status).toBe(400);
    expect(response.body).toContain('The SSL certificate error');
  });
});

describe('fails closed (BACKEND_TLS, 502)', () => {
  test('fails when the backend certificate is not issued by the configured CA', async () => {
    const d = dispatchersFor(mtls.origin, {
      ca: fileSecret('other-root.pem', otherRoot.cert),
      clientCertificate: clientCertificateOf(client1),
    });

    const error = await failure(d, `${mtls.origin}/wrong-ca`);

    expect(error).toMatchObject({ code: 'BACKEND_TLS', status: 502 });
    expect(causeCode(error)).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  test('fails when the backend certificate has expired', async () => {
    const d = dispatchersFor(expired.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(client1),
    });

    const error = await failure(d, `${expired.origin}/expired`);

    expect(error).toMatchObject({ code: 'BACKEND_TLS', status: 502 });
    expect(causeCode(error)).toBe('CERT_HAS_EXPIRED');
  });

  test('fails when the servername does not match the backend certificate', async () => {
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      servername: 'wrong.example',
      clientCertificate: clientCertificateOf(client1),
    });

    const error = await failure(d, `${mtls.origin}/wrong-servername`);

    expect(error).toMatchObject({ code: 'BACKEND_TLS', status: 502 });
    expect(causeCode(error)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('fails when the backend key does not match the pin, although the chain is valid', async () => {
    const otherPin = await pki.spkiPin(client2);
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      pinnedSpkiSha256: [otherPin],
      clientCertificate: clientCertificateOf(client1),
    });

    const error = await failure(d, `${mtls.origin}/pin-mismatch`);

    expect(error).toMatchObject({ code: 'BACKEND_TLS', status: 502 });
    expect(causeCode(error)).toBe('ERR_TLS_SPKI_PIN_MISMATCH');
  });

  test('fails when the pin matches but the chain does not verify (pinning never replaces validation)', async () => {
    const pin = await pki.spkiPin(server);
    const d = dispatchersFor(mtls.origin, {
      ca: fileSecret('other-root-2.pem', otherRoot.cert),
      pinnedSpkiSha256: [pin],
      clientCertificate: clientCertificateOf(client1),
    });

    const error = await failure(d, `${mtls.origin}/pin-without-chain`);

    expect(error).toMatchObject({ code: 'BACKEND_TLS' });
    expect(causeCode(error)).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  test('fails when the client key passphrase is wrong, with CREDENTIALS_UNAVAILABLE naming the secrets', async () => {
    const { key } = pki.encryptKey(client1, PASSPHRASE);
    const tls = {
      ca: serverCa(),
      clientCertificate: {
        cert: fileSecret('wrong-pp.crt', client1.cert),
        key: fileSecret('wrong-pp.key', key),
        passphrase: fileSecret('wrong-pp.pass', 'not the passphrase'),
      },
    };
    const d = dispatchersFor(mtls.origin, tls);

    await expect(d.get()).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      status: 503,
      message: `client key secret file ${tls.clientCertificate.key.file} can not be decrypted with passphrase secret file ${tls.clientCertificate.passphrase.file}`,
    });
  });
});

describe('regression: certificate verification can not be turned off', () => {
  test('fails when the backend is self-signed', async () => {
    const d = dispatchersFor(selfSigned.origin, {});

    const error = await failure(d, `${selfSigned.origin}/self-signed`);

    expect(error).toMatchObject({ code: 'BACKEND_TLS' });
    expect(causeCode(error)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  test('fails when the backend is self-signed, even in a process with NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    // Node reads this variable from the real environment (jest's process.env is a sandboxed copy): a child process.
    const { stdout } = await execFileAsync(
      join(__dirname, '../../../node_modules/.bin/tsx'),
      [join(__dirname, 'fixtures/probe-backend.ts'), `${selfSigned.origin}/self-signed-env`, '{}'],
      { env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' } },
    );

    expect(JSON.parse(stdout)).toEqual({ code: 'BACKEND_TLS', cause: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  test('fails when the backend certificate is for another hostname and no servername is configured', async () => {
    const d = dispatchersFor(internalName.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(client1),
    });

    const error = await failure(d, `${internalName.origin}/wrong-hostname`);

    expect(error).toMatchObject({ code: 'BACKEND_TLS' });
    expect(causeCode(error)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('regression: a Host header can not choose the name the backend certificate is verified against', () => {
  test('fails when the URL is an IP and only the Host header names the certificate', async () => {
    const d = dispatchersFor(internalName.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(client1),
    });

    const error = await failure(d, `${internalName.origin}/host-header`, { host: 'backend.internal' });

    expect(error).toMatchObject({ code: 'BACKEND_TLS' });
    expect(causeCode(error)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('GIVEN a servername and another Host header THEN the servername is verified and connections are reused', async () => {
    const d = dispatchersFor(internalName.origin, {
      ca: serverCa(),
      servername: 'backend.internal',
      clientCertificate: clientCertificateOf(client1),
    });
    const before = internalName.accessLog().length;

    for (const host of ['caller.example', 'other.example', 'caller.example']) {
      expect((await send(d, `${internalName.origin}/host-header-servername`, { host })).status).toBe(200);
    }

    const entries = (await internalName.waitForAccessLog(before + 3)).filter(
      (e) => e.uri === '/host-header-servername',
    );
    expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
  });
  test('GIVEN an IP URL and varying Host headers THEN the IP is verified and connections are reused', async () => {
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(client1),
    });
    const before = mtls.accessLog().length;

    for (const host of ['a.example', 'b.example', 'localhost']) {
      expect((await send(d, `${mtls.origin}/host-header-ip`, { host })).status).toBe(200);
    }

    const entries = (await mtls.waitForAccessLog(before + 3)).filter((e) => e.uri === '/host-header-ip');
    expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
  });
});

describe('keep-alive', () => {
  test('GIVEN 100 sequential requests over mutual TLS THEN nginx sees them on one connection', async () => {
    const d = dispatchersFor(mtls.origin, {
      ca: serverCa(),
      clientCertificate: clientCertificateOf(client1),
    });
    const before = mtls.accessLog().length;

    for (let i = 0; i < 100; i++) {
      expect((await send(d, `${mtls.origin}/keep-alive/${i}`)).status).toBe(200);
    }

    const entries = (await mtls.waitForAccessLog(before + 100)).filter((e) =>
      e.uri.startsWith('/keep-alive/'),
    );
    expect(entries).toHaveLength(100);
    expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
    expect(Math.max(...entries.map((e) => e.connectionRequests))).toBe(100);
  });
});

describe('rotation', () => {
  test('GIVEN 300 requests, 10 at a time WHEN the client certificate files are rotated THEN none fails, later requests present the new certificate and the old pool closes', async () => {
    const logs: LogEntry[] = [];
    const certRef = fileSecret('rotating.crt', client1.cert);
    const keyRef = fileSecret('rotating.key', client1.key);
    const d = dispatchersFor(
      mtls.origin,
      { ca: serverCa(), clientCertificate: { cert: certRef, key: keyRef } },
      (e) => logs.push(e),
    );
    await d.get();
    const firstPool = d.openPools()[0];
    const before = mtls.accessLog().length;

    let completed = 0;
    let newSeen = false;
    let certWrittenAt = -1;
    const results: Array<{ status: number; serial: string; startedAfterNewSeen: boolean }> = [];
    let next = 0;
    async function worker(): Promise<void> {
      while (next < 300) {
        const i = next++;
        const startedAfterNewSeen = newSeen;
        const { status, body } = await send(d, `${mtls.origin}/rotation/${i}`);
        const serial = body.trim().replace('serial=', '');
        results.push({ status, serial, startedAfterNewSeen });
        if (serial === client2.serial) newSeen = true;
        completed += 1;
        if (completed === 100) {
          // The certificate first, the key a few requests later: meanwhile the pair does not match.
          fileSecret('rotating.crt', client2.cert);
          certWrittenAt = completed;
        }
        if (certWrittenAt > 0 && completed === certWrittenAt + 20) fileSecret('rotating.key', client2.key);
      }
    }
    await Promise.all(Array.from({ length: 10 }, () => worker()));
    await d.retiredPoolsClosed();

    expect(results).toHaveLength(300);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.startedAfterNewSeen && r.serial !== client2.serial)).toEqual([]);
    expect(results.filter((r) => r.serial === client2.serial).length).toBeGreaterThan(100);

    const entries = (await mtls.waitForAccessLog(before + 300)).filter((e) => e.uri.startsWith('/rotation/'));
    const serialByConnection = new Map(entries.map((e) => [e.connection, e.clientSerial]));
    const serialsInConnectionOrder = [...serialByConnection.entries()]
      .sort((a, b) => a[0] - b[0])
      .map((e) => e[1]);
    const firstNew = serialsInConnectionOrder.indexOf(client2.serial);
    expect(firstNew).toBeGreaterThan(0);
    expect(serialsInConnectionOrder.slice(firstNew).every((s) => s === client2.serial)).toBe(true);
    expect(new Set(entries.map((e) => e.clientSerial))).toEqual(new Set([client1.serial, client2.serial]));

    expect(d.generation).toBe(2);
    expect(firstPool.closed).toBe(true);
    expect(firstPool.destroyed).toBe(true);
    expect(d.openPools()).toHaveLength(1);
    expect(d.openPools()[0]).not.toBe(firstPool);
    expect(logs.filter((e) => e.event === 'backend-tls-material-invalid-keeping-current')).toHaveLength(1);
    expect(logs.filter((e) => e.event === 'backend-pool-rotated')).toEqual([
      expect.objectContaining({ generation: 2, clientCertificateSerial: client2.serial }),
    ]);
  });

  test('GIVEN the client certificate in one Secrets Manager secret WHEN a new version appears THEN requests after the cache lifetime present it', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:customer-a/client-Xy12Zq';
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: arn })
      .resolvesOnce({
        SecretString: JSON.stringify({ cert: client1.cert, key: client1.key }),
        VersionId: 'v1',
      })
      .resolves({ SecretString: JSON.stringify({ cert: client2.cert, key: client2.key }), VersionId: 'v2' });
    let now = 1_700_000_000_000;
    const config = gatewayConfig(mtls.origin, {
      ca: serverCa(),
      clientCertificate: {
        cert: { secretArn: arn, jsonKey: 'cert' },
        key: { secretArn: arn, jsonKey: 'key' },
      },
    });
    const d = backendDispatchers(config, createSecretResolver({ cacheSeconds: 60, now: () => now }));
    opened.push(d);

    try {
      const first = await send(d, `${mtls.origin}/sm/1`);
      now += 59_000;
      const withinLifetime = await send(d, `${mtls.origin}/sm/2`);
      now += 1_000;
      const afterLifetime = await send(d, `${mtls.origin}/sm/3`);

      expect([first.body, withinLifetime.body, afterLifetime.body]).toEqual([
        `serial=${client1.serial}\n`,
        `serial=${client1.serial}\n`,
        `serial=${client2.serial}\n`,
      ]);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      expect(d.generation).toBe(2);
    } finally {
      sm.restore();
    }
  });
});
