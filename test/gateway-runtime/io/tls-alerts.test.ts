/**
 * A backend that refuses the gateway's client certificate is a certificate problem, in TLS 1.2 and in
 * TLS 1.3 (issue 11). Against Apache mod_ssl with `SSLVerifyClient require`: in TLS 1.3 the refusal
 * is an alert after the client's handshake, which undici alone reports as "other side closed".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import type { BackendTlsConfig, GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { type BackendDispatchers } from '../../../gateway-runtime/src/io/dispatchers';
import { classifyTransportError } from '../../../gateway-runtime/src/io/transport-errors';
import { createGateway } from '../../../gateway-runtime/src/proxy';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { TestPki, type Issued } from '../../support/pki';
import { ApacheTls, startApacheTls } from '../support/apache-tls';
import { backendDispatchers } from '../config/support/resolved';

jest.setTimeout(60_000);

let pki: TestPki;
let secretsDir: string;
let serverRoot: Issued;
let client: Issued;
let stranger: Issued;
const apaches: Record<'TLSv1.2' | 'TLSv1.3', ApacheTls> = {} as never;
const opened: BackendDispatchers[] = [];

function fileSecret(name: string, content: string): { file: string } {
  const file = join(secretsDir, name);
  writeFileSync(file, content);
  return { file };
}

beforeAll(async () => {
  pki = await TestPki.create();
  secretsDir = join(pki.dir, 'secrets');
  mkdirSync(secretsDir);
  serverRoot = await pki.ca('server-root');
  const clientCa = await pki.ca('client-ca');
  const otherCa = await pki.ca('other-ca');
  const server = await pki.issue('server', serverRoot, {
    cn: 'localhost',
    sans: ['DNS:localhost', 'IP:127.0.0.1'],
    usage: 'server',
  });
  client = await pki.issue('client', clientCa, { cn: 'gateway', usage: 'client' });
  stranger = await pki.issue('stranger', otherCa, { cn: 'stranger', usage: 'client' });
  const [v12, v13] = await Promise.all(
    (['TLSv1.2', 'TLSv1.3'] as const).map((protocol) =>
      startApacheTls({
        certFile: server.certFile,
        keyFile: server.keyFile,
        clientCaFile: clientCa.certFile,
        protocol,
      }),
    ),
  );
  apaches['TLSv1.2'] = v12;
  apaches['TLSv1.3'] = v13;
});

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await Promise.all(Object.values(apaches).map((a) => a?.stop()));
  pki?.cleanup();
});

function tlsFor(certificate: Issued | undefined): BackendTlsConfig {
  return {
    ca: fileSecret('server-root.pem', serverRoot.cert),
    ...(certificate
      ? {
          clientCertificate: {
            cert: fileSecret(`${certificate.name}.crt`, certificate.cert),
            key: fileSecret(`${certificate.name}.key`, certificate.key),
          },
        }
      : {}),
  };
}

const config = (url: string, tls: BackendTlsConfig): GatewayConfig => ({
  version: 1,
  name: 'tls-alerts',
  backend: { url, tls },
  security: { type: 'none' },
});

describe.each(['TLSv1.2', 'TLSv1.3'] as const)(
  'Apache mod_ssl, SSLVerifyClient require, %s only',
  (protocol) => {
    test('GIVEN the right client certificate THEN Apache answers 200', async () => {
      const d = backendDispatchers(config(apaches[protocol].baseUrl, tlsFor(client)), createSecretResolver());
      opened.push(d);
      const response = await request(`${apaches[protocol].baseUrl}/hello.txt`, { dispatcher: await d.get() });
      expect(response.statusCode).toBe(200);
      expect(await response.body.text()).toBe('hello over mtls\n');
    });

    test.each([
      ['no client certificate', undefined],
      ['a client certificate of an unknown CA', 'stranger'],
    ] as const)(
      'regression: %s is refused as BACKEND_TLS (a certificate problem, not BACKEND_UNREACHABLE)',
      async (_what, which) => {
        const d = backendDispatchers(
          config(apaches[protocol].baseUrl, tlsFor(which === 'stranger' ? stranger : undefined)),
          createSecretResolver(),
        );
        opened.push(d);
        let failure: unknown;
        try {
          const response = await request(`${apaches[protocol].baseUrl}/hello.txt`, {
            dispatcher: await d.get(),
          });
          await response.body.text();
        } catch (error) {
          failure = error;
        }
        expect(failure).toBeDefined();
        const classified = classifyTransportError(failure);
        expect(classified).toMatchObject({ code: 'BACKEND_TLS', status: 502 });
        // OpenSSL 3.5 (Node 24) names alerts with a slash: ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE.
        expect(classified.message).toMatch(/^backend TLS failed \((ERR_SSL_[A-Z0-9_/]+)\)$/);
      },
    );

    test('regression: through the gateway, a refused client certificate is answered 502 BACKEND_TLS', async () => {
      const logs: string[] = [];
      const gateway = createGateway(config(apaches[protocol].baseUrl, tlsFor(stranger)), {
        logSink: (line) => logs.push(line),
      });
      try {
        const response = await gateway.handle({
          method: 'GET',
          path: '/hello.txt',
          headers: {},
          protocol: 'https',
        });
        expect(response.status).toBe(502);
        expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'BACKEND_TLS' });
      } finally {
        await gateway.close();
      }
      expect(logs.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
        expect.objectContaining({ msg: 'request failed', error: 'BACKEND_TLS' }),
      );
    });
  },
);
