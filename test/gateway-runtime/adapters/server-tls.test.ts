/**
 * The standalone server's inbound TLS against real TLS clients on loopback (node:https, undici, curl,
 * openssl s_client) with a test PKI made by the openssl CLI: client certificates refused at the
 * handshake, admitted identities, protocol and cipher floor, rotation without restart, the identity in
 * the logs, trusted sources on top.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { Agent, request as undiciRequest } from 'undici';
import { startServer, StandaloneServer } from '../../../gateway-runtime/src/adapters/server';
import {
  certificateNames,
  checkListenAddress,
  INBOUND_CIPHERS,
  INBOUND_HANDSHAKE_TIMEOUT_MS,
  isLoopbackAddress,
  parseSubjectAltName,
} from '../../../gateway-runtime/src/adapters/server-tls';
import type { GatewayConfig, ServerTlsConfig } from '../../../gateway-runtime/src/config/types';
import { ConfigError } from '../../../gateway-runtime/src/core/errors';
import { echoHandler, RunningBackend, startBackend } from '../../support/loopback-backends';
import { TestPki, type Issued } from '../../support/pki';
import { requireTool } from '../../support/tools';
import { captureLines } from '../fixtures/harness';

jest.setTimeout(60_000);

const CURL = requireTool('/usr/bin/curl', 'curl');
const OPENSSL = requireTool('/usr/bin/openssl', 'openssl');

let pki: TestPki;
let serverCa: Issued;
let clientCa: Issued;
let otherCa: Issued;
let serverCert: Issued;
let rotatedServerCert: Issued;
let gatewayClient: Issued;
let otherClient: Issued;
let wrongCaClient: Issued;
let expiredClient: Issued;
let backend: RunningBackend;

beforeAll(async () => {
  pki = await TestPki.create();
  serverCa = await pki.ca('dmz-server-ca');
  clientCa = await pki.ca('apicloud-client-ca');
  otherCa = await pki.ca('someone-elses-ca');
  const serverName = {
    usage: 'server' as const,
    cn: 'dmz.acme.example',
    sans: ['DNS:localhost', 'IP:127.0.0.1'],
  };
  serverCert = await pki.issue('dmz-server', serverCa, serverName);
  rotatedServerCert = await pki.issue('dmz-server-rotated', serverCa, serverName);
  gatewayClient = await pki.issue('gateway-client', clientCa, {
    usage: 'client',
    cn: 'gateway-eu-west-1',
    sans: ['DNS:gateway.apicloud.example', 'URI:spiffe://apicloud/gateway/eu-west-1'],
  });
  otherClient = await pki.issue('other-client', clientCa, { usage: 'client', cn: 'other-tenant' });
  wrongCaClient = await pki.issue('wrong-ca-client', otherCa, { usage: 'client', cn: 'gateway-eu-west-1' });
  expiredClient = await pki.issue('expired-client', clientCa, {
    usage: 'client',
    cn: 'gateway-eu-west-1',
    expired: true,
  });
  backend = await startBackend(echoHandler);
});

afterAll(async () => {
  await backend?.stop();
  pki?.cleanup();
});

/** Writes a file secret atomically (beside it, then rename), as a secret agent or `install` would. */
function writeSecret(name: string, content: string): { file: string } {
  const file = join(pki.dir, name);
  writeFileSync(`${file}.tmp`, content, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return { file };
}

function tlsConfig(extra: Partial<ServerTlsConfig> = {}): ServerTlsConfig {
  return {
    certificate: { file: serverCert.certFile },
    key: { file: serverCert.keyFile },
    clientCa: { file: clientCa.certFile },
    ...extra,
  };
}

function dmzConfig(tls: ServerTlsConfig, extra: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    version: 1,
    name: 'dmz-test',
    backend: { url: `${backend.baseUrl}/api` },
    security: { type: 'none' },
    server: { host: '127.0.0.1', tls },
    ...extra,
  };
}

async function withServer<T>(
  config: GatewayConfig,
  run: (server: StandaloneServer, logs: ReturnType<typeof captureLines>) => Promise<T>,
  tlsCheckIntervalMs?: number,
): Promise<T> {
  const logs = captureLines();
  const server = await startServer(config, {
    port: 0,
    deps: { logSink: logs.sink },
    ...(tlsCheckIntervalMs !== undefined ? { tlsCheckIntervalMs } : {}),
  });
  try {
    return await run(server, logs);
  } finally {
    await server.shutdown();
  }
}

interface CallResult {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  readonly protocol?: string | null;
  readonly cipher?: string;
  readonly serverSerial?: string;
}

/** One HTTPS request on a new connection with node:https; a failed connection resolves with its code. */
function httpsCall(
  port: number,
  options: {
    client?: Issued;
    path?: string;
    minVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    ciphers?: string;
  } = {},
): Promise<CallResult> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/hello',
        agent: false,
        ca: serverCa.cert,
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        ...(options.minVersion ? { minVersion: options.minVersion } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(options.ciphers ? { ciphers: options.ciphers } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const info = {
          protocol: socket.getProtocol(),
          cipher: socket.getCipher().name,
          serverSerial: (socket.getPeerCertificate() as PeerCertificate).serialNumber,
        };
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body, ...info }));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

function run(command: string, args: readonly string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, [...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
    child.stdin?.end(input);
  });
}

const logged = (logs: ReturnType<typeof captureLines>, msg: string) =>
  logs.logs().filter((line) => line.msg === msg);

describe('standalone server with server.tls.clientCa', () => {
  test('GIVEN the gateway client certificate WHEN it calls (undici) THEN it is proxied over TLS 1.3 and the log names the client, never a key', async () => {
    await withServer(dmzConfig(tlsConfig()), async (server, logs) => {
      const dispatcher = new Agent({
        connect: { ca: serverCa.cert, cert: gatewayClient.cert, key: gatewayClient.key },
      });
      try {
        const response = await undiciRequest(`https://127.0.0.1:${server.port}/orders?id=7`, { dispatcher });
        expect(response.statusCode).toBe(200);
        const seen = (await response.body.json()) as { url: string; headers: Record<string, string> };
        expect(seen.url).toBe('/api/orders?id=7');
        expect(seen.headers['x-forwarded-proto']).toBe('https');
      } finally {
        await dispatcher.close();
      }
      const [line] = logged(logs, 'request proxied');
      expect(line.client).toEqual({
        subject: 'CN=gateway-eu-west-1,O=backend-link tests',
        subjectAltName: 'DNS:gateway.apicloud.example, URI:spiffe://apicloud/gateway/eu-west-1',
        issuer: 'CN=apicloud-client-ca',
        serial: gatewayClient.serial,
        spkiSha256: await pki.spkiPin(gatewayClient),
      });
      const all = logs.lines.join('\n');
      expect(all).not.toContain('PRIVATE KEY');
      expect(all).not.toContain(gatewayClient.key.split('\n')[1]);
      const call = await httpsCall(server.port, { client: gatewayClient });
      expect(call).toMatchObject({ status: 200, protocol: 'TLSv1.3' });
    });
  });

  test('fails when a client has no certificate: refused at the handshake (node:https and curl), the backend receives nothing', async () => {
    const before = backend.requests.length;
    await withServer(dmzConfig(tlsConfig()), async (server, logs) => {
      const node = await httpsCall(server.port);
      expect(node.status).toBeUndefined();
      expect(node.error).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
      const curl = await run(CURL, [
        '-sS',
        '--cacert',
        serverCa.certFile,
        `https://127.0.0.1:${server.port}/hello`,
      ]);
      expect(curl.code).not.toBe(0);
      expect(curl.out).toMatch(/alert certificate required/);
      expect(curl.out).not.toContain('"url"');
      const [refusal] = logged(logs, 'TLS handshake refused');
      expect(refusal).toMatchObject({
        level: 'warn',
        error: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
        address: '127.0.0.1',
      });
      expect(logged(logs, 'request proxied')).toEqual([]);
    });
    expect(backend.requests.length).toBe(before);
  });

  test.each([
    ['a certificate from another CA', () => wrongCaClient, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['an expired certificate from the client CA', () => expiredClient, 'CERT_HAS_EXPIRED'],
  ])(
    'fails when a client presents %s: refused at the handshake, the backend receives nothing',
    async (_what, client, code) => {
      const before = backend.requests.length;
      await withServer(dmzConfig(tlsConfig()), async (server, logs) => {
        // Node completes the handshake, then closes the connection before reading any HTTP.
        expect(await httpsCall(server.port, { client: client() })).toEqual({ error: 'ECONNRESET' });
        const curl = await run(CURL, [
          '-sS',
          '--cacert',
          serverCa.certFile,
          '--cert',
          client().certFile,
          '--key',
          client().keyFile,
          `https://127.0.0.1:${server.port}/hello`,
        ]);
        expect(curl.code).not.toBe(0);
        expect(curl.out).not.toContain('"url"');
        const refusals = logged(logs, 'TLS handshake refused');
        expect(refusals[0]).toMatchObject({ level: 'warn', error: code, address: '127.0.0.1' });
        expect(logged(logs, 'request proxied')).toEqual([]);
      });
      expect(backend.requests.length).toBe(before);
    },
  );

  test('fails when a client with a valid certificate is not an admitted identity: 403 CLIENT_NOT_ALLOWED, connection closed, the backend receives nothing', async () => {
    const before = backend.requests.length;
    const tls = tlsConfig({ allowedClientNames: ['CN=gateway-eu-west-1'] });
    await withServer(dmzConfig(tls), async (server, logs) => {
      const refused = await httpsCall(server.port, { client: otherClient });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body ?? '')).toMatchObject({ code: 'CLIENT_NOT_ALLOWED', status: 403 });
      const [line] = logged(logs, 'client certificate not allowed');
      expect(line).toMatchObject({
        level: 'warn',
        status: 403,
        error: 'CLIENT_NOT_ALLOWED',
        path: '/hello',
        client: { subject: 'CN=other-tenant,O=backend-link tests', serial: otherClient.serial },
      });
      expect(backend.requests.length).toBe(before);
      const admitted = await httpsCall(server.port, { client: gatewayClient });
      expect(admitted.status).toBe(200);
    });
    expect(backend.requests.length).toBe(before + 1);
  });

  test('GIVEN a refused client on a keep-alive connection WHEN it sends a second request THEN the connection is closed after the 403', async () => {
    const tls = tlsConfig({ allowedClientNames: ['CN=gateway-eu-west-1'] });
    await withServer(dmzConfig(tls), async (server) => {
      const dispatcher = new Agent({
        connect: { ca: serverCa.cert, cert: otherClient.cert, key: otherClient.key },
      });
      try {
        const first = await undiciRequest(`https://127.0.0.1:${server.port}/a`, { dispatcher });
        expect(first.statusCode).toBe(403);
        expect(first.headers.connection).toBe('close');
        await first.body.dump();
      } finally {
        await dispatcher.close();
      }
    });
  });

  test('GIVEN a resumed TLS session WHEN the admitted client reconnects THEN it is identified again', async () => {
    const tls = tlsConfig({ allowedClientNames: ['CN=gateway-eu-west-1'] });
    await withServer(dmzConfig(tls), async (server, logs) => {
      const agent = new HttpsAgent({
        keepAlive: false,
        maxCachedSessions: 10,
        ca: serverCa.cert,
        cert: gatewayClient.cert,
        key: gatewayClient.key,
      });
      const call = () =>
        new Promise<{ status?: number; reused: boolean }>((resolve, reject) => {
          const req = httpsRequest({ host: '127.0.0.1', port: server.port, path: '/r', agent }, (res) => {
            const reused = (res.socket as TLSSocket).isSessionReused();
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode, reused }));
          });
          req.on('error', reject);
          req.end();
        });
      try {
        expect(await call()).toEqual({ status: 200, reused: false });
        // TLS 1.3 tickets arrive after the handshake; the second connection resumes the first session.
        let second = await call();
        for (let i = 0; i < 5 && !second.reused; i++) second = await call();
        expect(second).toEqual({ status: 200, reused: true });
        const lines = logged(logs, 'request proxied');
        expect(lines[lines.length - 1].client).toMatchObject({ serial: gatewayClient.serial });
      } finally {
        agent.destroy();
      }
    });
  });

  test.each([
    ['its SAN DNS name', { allowedClientNames: ['DNS:gateway.apicloud.example'] }],
    ['its SAN URI', { allowedClientNames: ['URI:spiffe://apicloud/gateway/eu-west-1'] }],
    ['its subject CN among others', { allowedClientNames: ['CN=someone', 'CN=gateway-eu-west-1'] }],
  ])(
    'GIVEN allowedClientNames with %s WHEN the gateway client calls THEN it is admitted',
    async (_what, extra) => {
      await withServer(dmzConfig(tlsConfig(extra)), async (server) => {
        expect((await httpsCall(server.port, { client: gatewayClient })).status).toBe(200);
        expect((await httpsCall(server.port, { client: otherClient })).status).toBe(403);
      });
    },
  );

  test('GIVEN allowedClientSpkiSha256 with the pin openssl computes WHEN that client calls THEN it is admitted, another one is not', async () => {
    const pin = await pki.spkiPin(otherClient);
    await withServer(dmzConfig(tlsConfig({ allowedClientSpkiSha256: [pin] })), async (server) => {
      expect((await httpsCall(server.port, { client: otherClient })).status).toBe(200);
      expect((await httpsCall(server.port, { client: gatewayClient })).status).toBe(403);
    });
  });

  test('fails when the client address is not in trustedSources: 403 SOURCE_DENIED from the socket address, on top of the certificate', async () => {
    const before = backend.requests.length;
    const config = dmzConfig(tlsConfig(), { trustedSources: { cidrs: ['10.0.0.0/8'] } });
    await withServer(config, async (server) => {
      const denied = await httpsCall(server.port, { client: gatewayClient });
      expect(denied.status).toBe(403);
      expect(JSON.parse(denied.body ?? '')).toMatchObject({ code: 'SOURCE_DENIED' });
    });
    await withServer(
      dmzConfig(tlsConfig(), { trustedSources: { cidrs: ['127.0.0.0/8'] } }),
      async (server) => {
        const xff = await new Promise<number | undefined>((resolve) => {
          // A client-written X-Forwarded-For never grants access: the socket address is the client.
          const req = httpsRequest(
            {
              host: '127.0.0.1',
              port: server.port,
              path: '/x',
              agent: false,
              ca: serverCa.cert,
              cert: gatewayClient.cert,
              key: gatewayClient.key,
              headers: { 'x-forwarded-for': '10.1.2.3' },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode);
            },
          );
          req.on('error', () => resolve(undefined));
          req.end();
        });
        expect(xff).toBe(200);
      },
    );
    expect(backend.requests.length).toBe(before + 1);
  });
});

describe('refused handshakes in the log', () => {
  test('GIVEN a burst of clients without a certificate WHEN they are refused THEN one line a second is logged and the next one counts the rest', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const logs = captureLines();
    const server = await startServer(dmzConfig(tlsConfig()), {
      port: 0,
      deps: { logSink: logs.sink, now: () => clock },
    });
    try {
      for (let i = 0; i < 3; i++) expect((await httpsCall(server.port)).status).toBeUndefined();
      expect(logged(logs, 'TLS handshake refused')).toHaveLength(1);
      clock += 1_001;
      await httpsCall(server.port);
      const lines = logged(logs, 'TLS handshake refused');
      expect(lines).toHaveLength(2);
      expect(lines[0]).not.toHaveProperty('suppressed');
      expect(lines[1]).toMatchObject({ suppressed: 2, error: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' });
    } finally {
      await server.shutdown();
    }
  });

  test('fails when a client connects and never completes the handshake: disconnected after INBOUND_HANDSHAKE_TIMEOUT_MS (slowloris)', async () => {
    await withServer(dmzConfig(tlsConfig()), async (server, logs) => {
      const started = Date.now();
      const closed = await new Promise<number>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: server.port });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Date.now() - started));
      });
      expect(closed).toBeGreaterThanOrEqual(INBOUND_HANDSHAKE_TIMEOUT_MS - 100);
      expect(closed).toBeLessThan(INBOUND_HANDSHAKE_TIMEOUT_MS + 5_000);
      expect(logged(logs, 'TLS handshake refused')[0]).toMatchObject({ error: 'ERR_TLS_HANDSHAKE_TIMEOUT' });
    });
  });
});

describe('protocol and cipher floor', () => {
  test('GIVEN a TLS 1.2-only client WHEN it connects THEN it gets ECDHE with AES-GCM (server order)', async () => {
    await withServer(dmzConfig(tlsConfig()), async (server) => {
      const call = await httpsCall(server.port, { client: gatewayClient, maxVersion: 'TLSv1.2' });
      expect(call).toMatchObject({
        status: 200,
        protocol: 'TLSv1.2',
        cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384',
      });
    });
  });

  test('fails when a client offers only TLS 1.1 (openssl s_client): the server refuses the protocol', async () => {
    await withServer(dmzConfig(tlsConfig()), async (server, logs) => {
      const result = await run(OPENSSL, [
        's_client',
        '-connect',
        `127.0.0.1:${server.port}`,
        '-tls1_1',
        '-cipher',
        'DEFAULT@SECLEVEL=0',
        '-cert',
        gatewayClient.certFile,
        '-key',
        gatewayClient.keyFile,
      ]);
      expect(result.code).not.toBe(0);
      expect(logged(logs, 'TLS handshake refused')[0]).toMatchObject({
        error: 'ERR_SSL_UNSUPPORTED_PROTOCOL',
      });
    });
  });

  test.each([
    ['CBC with SHA-1', 'ECDHE-ECDSA-AES128-SHA'],
    ['CBC with SHA-256', 'ECDHE-ECDSA-AES128-SHA256'],
  ])('fails when a TLS 1.2 client offers only %s: no shared cipher', async (_what, cipher) => {
    await withServer(dmzConfig(tlsConfig()), async (server, logs) => {
      const call = await httpsCall(server.port, {
        client: gatewayClient,
        maxVersion: 'TLSv1.2',
        ciphers: cipher,
      });
      expect(call.status).toBeUndefined();
      expect(logged(logs, 'TLS handshake refused')[0]).toMatchObject({ error: 'ERR_SSL_NO_SHARED_CIPHER' });
    });
  });

  test('GIVEN the cipher list THEN every TLS 1.2 suite is ECDHE with an AEAD cipher', () => {
    const tls12 = INBOUND_CIPHERS.split(':').filter((name) => !name.startsWith('TLS_'));
    expect(tls12.length).toBeGreaterThan(0);
    for (const name of tls12)
      expect(name).toMatch(/^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
  });
});

describe('rotation of the server certificate', () => {
  test('GIVEN files rewritten while serving WHEN the new pair is complete THEN new connections get the new certificate, without a restart, and the old connection keeps working', async () => {
    const certificate = writeSecret('rotating.crt', serverCert.cert);
    const key = writeSecret('rotating.key', serverCert.key);
    const config = dmzConfig({ certificate, key, clientCa: { file: clientCa.certFile } });
    await withServer(
      config,
      async (server, logs) => {
        const kept = new Agent({
          connect: { ca: serverCa.cert, cert: gatewayClient.cert, key: gatewayClient.key },
        });
        try {
          const first = await undiciRequest(`https://127.0.0.1:${server.port}/before`, { dispatcher: kept });
          expect(first.statusCode).toBe(200);
          await first.body.dump();
          expect((await httpsCall(server.port, { client: gatewayClient })).serverSerial).toBe(
            serverCert.serial,
          );

          // The certificate first, the key later: the half-written pair is refused, the current one kept.
          writeSecret('rotating.crt', rotatedServerCert.cert);
          const invalid = () =>
            logs.logs().find((l) => String(l.msg).startsWith('server TLS material invalid'));
          for (let i = 0; i < 200 && !invalid(); i++) await new Promise((r) => setTimeout(r, 50));
          expect(invalid()?.msg).toBe(
            `server TLS material invalid, serving the current certificate: server certificate secret file ${certificate.file} does not match server key secret file ${key.file}`,
          );
          expect((await httpsCall(server.port, { client: gatewayClient })).serverSerial).toBe(
            serverCert.serial,
          );

          writeSecret('rotating.key', rotatedServerCert.key);
          let serial: string | undefined;
          for (let i = 0; i < 200 && serial !== rotatedServerCert.serial; i++) {
            await new Promise((r) => setTimeout(r, 50));
            serial = (await httpsCall(server.port, { client: gatewayClient })).serverSerial;
          }
          expect(serial).toBe(rotatedServerCert.serial);
          expect(logged(logs, 'server TLS material reloaded')[0]).toMatchObject({
            certificate: { serial: rotatedServerCert.serial, daysToExpiry: 29 },
          });

          // Client certificates are still required after the new context.
          expect((await httpsCall(server.port)).error).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
          // The connection opened before the rotation is not interrupted.
          const after = await undiciRequest(`https://127.0.0.1:${server.port}/after`, { dispatcher: kept });
          expect(after.statusCode).toBe(200);
          await after.body.dump();
        } finally {
          await kept.close();
        }
      },
      100,
    );
  });

  test('GIVEN a rotated certificate WHEN reloadTls() is called (SIGHUP) THEN it is served at once', async () => {
    const certificate = writeSecret('hup.crt', serverCert.cert);
    const key = writeSecret('hup.key', serverCert.key);
    await withServer(
      dmzConfig({ certificate, key, clientCa: { file: clientCa.certFile } }),
      async (server) => {
        expect(await server.reloadTls()).toBe(false);
        writeSecret('hup.key', rotatedServerCert.key);
        writeSecret('hup.crt', rotatedServerCert.cert);
        expect(await server.reloadTls()).toBe(true);
        expect((await httpsCall(server.port, { client: gatewayClient })).serverSerial).toBe(
          rotatedServerCert.serial,
        );
      },
      3_600_000,
    );
  });

  test('GIVEN the certificate file missing for a moment WHEN the material is re-read THEN the current certificate stays in use and a warning names the file', async () => {
    const certificate = writeSecret('vanishing.crt', serverCert.cert);
    await withServer(
      dmzConfig(tlsConfig({ certificate })),
      async (server, logs) => {
        unlinkSync(certificate.file);
        expect(await server.reloadTls()).toBe(false);
        expect((await httpsCall(server.port, { client: gatewayClient })).serverSerial).toBe(
          serverCert.serial,
        );
        const warning = logs.logs().find((l) => String(l.msg).startsWith('server TLS material unreadable'));
        expect(warning).toMatchObject({ level: 'warn' });
        expect(String(warning?.msg)).toContain(certificate.file);
      },
      3_600_000,
    );
  });

  test('GIVEN the client CA bundle replaced by another CA WHEN reloaded THEN clients of the old CA are refused at the handshake, without a restart', async () => {
    const bundle = writeSecret('rotating-client-ca.pem', clientCa.cert);
    await withServer(
      dmzConfig(tlsConfig({ clientCa: bundle })),
      async (server, logs) => {
        expect((await httpsCall(server.port, { client: gatewayClient })).status).toBe(200);
        writeSecret('rotating-client-ca.pem', otherCa.cert);
        expect(await server.reloadTls()).toBe(true);
        expect(await httpsCall(server.port, { client: gatewayClient })).toEqual({ error: 'ECONNRESET' });
        expect(logged(logs, 'TLS handshake refused')[0]).toMatchObject({
          error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        });
        expect((await httpsCall(server.port, { client: wrongCaClient })).status).toBe(200);
      },
      3_600_000,
    );
  });

  test('GIVEN a client of a removed CA with a cached TLS session WHEN it reconnects after the reload THEN the session is not resumed and it is refused', async () => {
    const bundle = writeSecret('resume-client-ca.pem', clientCa.cert);
    await withServer(
      dmzConfig(tlsConfig({ clientCa: bundle })),
      async (server) => {
        const agent = new HttpsAgent({
          keepAlive: false,
          maxCachedSessions: 10,
          ca: serverCa.cert,
          cert: gatewayClient.cert,
          key: gatewayClient.key,
        });
        const call = () =>
          new Promise<{ status?: number; reused?: boolean; error?: string }>((resolve) => {
            const req = httpsRequest({ host: '127.0.0.1', port: server.port, path: '/r', agent }, (res) => {
              const reused = (res.socket as TLSSocket).isSessionReused();
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode, reused }));
            });
            req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code }));
            req.end();
          });
        try {
          await call();
          let resumed = await call();
          for (let i = 0; i < 5 && !resumed.reused; i++) resumed = await call();
          expect(resumed).toEqual({ status: 200, reused: true });
          writeSecret('resume-client-ca.pem', otherCa.cert);
          expect(await server.reloadTls()).toBe(true);
          expect(await call()).toEqual({ error: 'ECONNRESET' });
        } finally {
          agent.destroy();
        }
      },
      3_600_000,
    );
  });

  test.each([
    ['has expired', { expired: true }, 'server certificate has expired'],
    ['expires in 10 days', { days: 10 }, 'server certificate expires soon'],
  ])(
    'GIVEN a server certificate that %s WHEN it is loaded THEN a warning says so (and it is still served)',
    async (_what, dates, msg) => {
      const short = await pki.issue(`dmz-server-${msg.length}`, serverCa, {
        usage: 'server',
        cn: 'dmz.acme.example',
        sans: ['IP:127.0.0.1'],
        ...dates,
      });
      const tls = tlsConfig({ certificate: { file: short.certFile }, key: { file: short.keyFile } });
      await withServer(dmzConfig(tls), async (_server, logs) => {
        expect(logged(logs, msg)).toEqual([
          expect.objectContaining({
            level: 'warn',
            certificate: expect.objectContaining({ serial: short.serial }),
          }),
        ]);
      });
    },
  );

  test('GIVEN a server certificate valid for 30 days WHEN it is loaded THEN nothing is warned', async () => {
    await withServer(dmzConfig(tlsConfig()), async (_server, logs) => {
      expect(logs.logs().filter((line) => line.level === 'warn')).toEqual([]);
    });
  });

  test('GIVEN an encrypted server key WHEN server.tls.passphrase names its passphrase THEN it serves; with a wrong one it does not start', async () => {
    const encrypted = pki.encryptKey(serverCert, 'correct horse battery staple');
    const tls = tlsConfig({
      key: { file: encrypted.keyFile },
      passphrase: writeSecret('server-key-passphrase', 'correct horse battery staple'),
    });
    await withServer(dmzConfig(tls), async (server) => {
      expect((await httpsCall(server.port, { client: gatewayClient })).status).toBe(200);
    });
    const wrong = writeSecret('wrong-passphrase', 'tr0ub4dor&3');
    const start = startServer(dmzConfig({ ...tls, passphrase: wrong }), {
      port: 0,
      deps: { logSink: () => undefined },
    });
    await expect(start).rejects.toThrow(
      `server key secret file ${encrypted.keyFile} can not be decrypted with passphrase secret file ${wrong.file}`,
    );
  });

  test.each([
    [
      'the key does not match the certificate',
      () => ({ certificate: { file: serverCert.certFile }, key: { file: otherClient.keyFile } }),
      () =>
        `server certificate secret file ${serverCert.certFile} does not match server key secret file ${otherClient.keyFile}`,
    ],
    [
      'the client CA bundle holds no certificate',
      () => ({
        certificate: { file: serverCert.certFile },
        key: { file: serverCert.keyFile },
        clientCa: { file: serverCert.keyFile },
      }),
      () => `client CA bundle secret file ${serverCert.keyFile} holds no PEM certificate`,
    ],
    [
      'the certificate file is missing',
      () => ({ certificate: { file: join(pki.dir, 'missing.crt') }, key: { file: serverCert.keyFile } }),
      () => `secret file ${join(pki.dir, 'missing.crt')}`,
    ],
  ])('fails to start when %s, naming the reference (never the content)', async (_what, tls, message) => {
    const logs = captureLines();
    const start = startServer(dmzConfig(tls() as ServerTlsConfig), { port: 0, deps: { logSink: logs.sink } });
    await expect(start).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
    await expect(start).rejects.toThrow(message());
    await start.catch((error: Error) => expect(error.message).not.toContain('PRIVATE KEY'));
  });
});

describe('safe by default: checkListenAddress', () => {
  const plain = (server: GatewayConfig['server']): GatewayConfig => ({
    version: 1,
    name: 'x',
    backend: { url: 'http://127.0.0.1:9' },
    security: { type: 'none' },
    ...(server ? { server } : {}),
  });

  test.each(['127.0.0.1', '127.10.0.1', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])(
    'GIVEN %s THEN it is loopback',
    (address) => expect(isLoopbackAddress(address)).toBe(true),
  );
  test.each(['0.0.0.0', '::', '10.0.0.1', '192.0.2.10', '::ffff:10.0.0.1', '2001:db8::1', 'localhost'])(
    'GIVEN %s THEN it is not a loopback address',
    (address) => expect(isLoopbackAddress(address)).toBe(false),
  );

  test.each(['127.0.0.1', '::1', 'localhost'])(
    'GIVEN host %s without TLS THEN it may start',
    async (host) => {
      await expect(checkListenAddress(plain({ host }), host)).resolves.toBeUndefined();
    },
  );

  test.each([
    ['0.0.0.0', async () => ['0.0.0.0'], '0.0.0.0'],
    ['::', async () => ['::'], '::'],
    [
      'a name that resolves to a public address too',
      async () => ['127.0.0.1', '192.0.2.10'],
      'dmz.acme.example (192.0.2.10)',
    ],
  ])('fails when it would listen on %s without server.tls.clientCa', async (host, resolveHost, where) => {
    const name = host.includes(' ') ? 'dmz.acme.example' : host;
    const error = await checkListenAddress(plain({ host: name }), name, resolveHost).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        path: 'server.tls.clientCa',
        message: `is required to listen on ${where}, which is not a loopback address: without client certificates, anyone who reaches the port has requests forwarded with the backend's credentials. Set server.tls (certificate, key, clientCa), listen on 127.0.0.1, or state why not in server.unauthenticatedReason`,
      },
    ]);
  });

  test('fails when server.tls has no clientCa on 0.0.0.0: TLS alone authenticates nobody', async () => {
    const config = plain({ host: '0.0.0.0', tls: { certificate: { file: 'c' }, key: { file: 'k' } } });
    await expect(checkListenAddress(config, '0.0.0.0')).rejects.toMatchObject({
      problems: [{ path: 'server.tls.clientCa' }],
    });
  });

  test('GIVEN unauthenticatedReason WHEN it listens on 0.0.0.0 THEN the warning to log says where and why', async () => {
    const config = plain({
      host: '0.0.0.0',
      unauthenticatedReason: 'an Envoy sidecar verifies client certificates',
    });
    await expect(checkListenAddress(config, '0.0.0.0')).resolves.toBe(
      'listening on 0.0.0.0 without client certificates (server.unauthenticatedReason: an Envoy sidecar verifies client certificates)',
    );
  });

  test('GIVEN server.tls.clientCa THEN any address may be used and nothing is resolved', async () => {
    const config = plain({ host: '0.0.0.0', tls: tlsConfig() });
    const resolveHost = jest.fn(async () => ['0.0.0.0']);
    await expect(checkListenAddress(config, '0.0.0.0', resolveHost)).resolves.toBeUndefined();
    expect(resolveHost).not.toHaveBeenCalled();
  });
});

describe('client identities', () => {
  test('GIVEN the gateway client certificate THEN its names are the CN and the DNS and URI SANs', () => {
    expect(certificateNames(new X509Certificate(gatewayClient.cert))).toEqual([
      'CN=gateway-eu-west-1',
      'DNS:gateway.apicloud.example',
      'URI:spiffe://apicloud/gateway/eu-west-1',
    ]);
  });

  test.each([
    ['DNS:a.example, DNS:b.example', ['DNS:a.example', 'DNS:b.example']],
    ['IP Address:127.0.0.1, email:ops@acme.example', ['IP Address:127.0.0.1', 'email:ops@acme.example']],
    ['DNS:"a.example, DNS:evil.example"', ['DNS:a.example, DNS:evil.example']],
    ['URI:spiffe://x/y', ['URI:spiffe://x/y']],
    ['', []],
    [undefined, []],
  ])('GIVEN subjectAltName %j THEN the entries are %j', (text, names) => {
    expect(parseSubjectAltName(text)).toEqual(names);
  });
});
