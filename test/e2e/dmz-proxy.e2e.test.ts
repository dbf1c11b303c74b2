/**
 * End to end on the public DMZ path (the showcase's umbrella): the bundled Lambda handler, with its
 * synthesized configuration, calls the customer's DMZ proxy on loopback over HTTPS with the gateway's
 * client certificate; the proxy forwards to a backend that requires HTTP Digest (Apache httpd with
 * mod_auth_digest), whose challenge the gateway answers through the proxy. The proxy runs the
 * configuration the handoff generates for umbrella, made from the synthesized handoff output; what a
 * test on one machine must change is the Elastic IP (the address the gateway calls from: 127.0.0.1 here),
 * the port and the files' locations.
 *
 * Each DMZ proxy is one entry of PROXIES: nginx with the generated `server` block now; the standalone
 * server (`gateway-runtime serve` with the generated configuration) joins once it serves inbound TLS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlbResult } from '../../gateway-runtime/src/adapters/lambda';
import { validateConfig } from '../../gateway-runtime/src/config/validate';
import {
  DmzProxyFacts,
  DmzProxyLocations,
  dmzNginxServerBlock,
  dmzProxyFactsFromHandoff,
} from '../../lib/handoff/dmz-proxy-config';
import { albEvent } from '../gateway-runtime/fixtures/harness';
import { RunningApache, startApacheDigest } from '../support/apache';
import { startServerBlock } from '../support/nginx-server-block';
import { Issued, TestPki } from '../support/pki';
import { freePort } from '../support/ports';
import { LambdaHost, startLambda } from './support/lambda-host';
import {
  STACK,
  SecretContents,
  SynthesizedExample,
  localizeConfig,
  synthesizeExample,
} from './support/synthesized-example';

jest.setTimeout(240_000);

const USER = 'apicloud-gateway';
const PASSWORD = 'umbrella-digest: 9c2e51d7-never-logged';
/** The gateway's address as the DMZ proxy sees it on one machine: it stands in for the Elastic IP. */
const GATEWAY_ADDRESS = '127.0.0.1';

/** A DMZ proxy started by a test: the origin the gateway calls (by umbrella's name) and its log. */
interface DmzProxy {
  readonly port: number;
  /** Requests the proxy answered itself or passed on, one line each. */
  accessLog(): string[];
  stop(): Promise<void>;
}

type StartProxy = (facts: DmzProxyFacts, locations: DmzProxyLocations) => Promise<DmzProxy>;

const startNginx: StartProxy = async (facts, locations) => {
  const nginx = await startServerBlock(dmzNginxServerBlock(facts, locations), facts.port);
  return { port: facts.port, accessLog: nginx.accessLog, stop: () => nginx.stop() };
};

const PROXIES: Array<[string, StartProxy]> = [['nginx with the generated server block', startNginx]];

const work = mkdtempSync(join(tmpdir(), 'e2e-dmz-'));
let example: SynthesizedExample;
let handoffFacts: DmzProxyFacts;
let pki: TestPki;
let dmzCa: Issued;
let dmzCert: Issued;
let clientCa: Issued;
let clientCert: Issued;
let apache: RunningApache;
const hosts: LambdaHost[] = [];

beforeAll(async () => {
  example = synthesizeExample(join(work, 'out'));
  const tf = JSON.parse(readFileSync(join(example.stackDir, 'cdk.tf.json'), 'utf8')) as {
    output: Record<string, { value: unknown }>;
  };
  handoffFacts = dmzProxyFactsFromHandoff(tf.output.umbrella_handoff.value)!;
  pki = await TestPki.create();
  dmzCa = await pki.ca('umbrella-dmz-ca');
  // The DMZ proxy's certificate carries umbrella's public name only: the gateway verifies the name.
  dmzCert = await pki.issue('umbrella-dmz', dmzCa, {
    cn: handoffFacts.hostname,
    sans: [`DNS:${handoffFacts.hostname}`],
    usage: 'server',
  });
  clientCa = await pki.ca('apicloud-gateway-client-ca');
  clientCert = await pki.issue('apicloud-gateway', clientCa, { cn: 'apicloud-gateway', usage: 'client' });
  apache = await startApacheDigest({
    realm: 'umbrella orders',
    users: [{ username: USER, password: PASSWORD }],
    protectedPath: '/api/',
    files: { 'api/orders.json': '{"orders":["U-7"]}\n' },
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()));
  await apache?.stop();
  pki?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** The gateway's secrets as the handoff asks the platform team to fill them. */
const secrets = (): SecretContents => ({
  credentials: { username: USER, password: PASSWORD },
  'client-certificate': { certificate: clientCert.cert, privateKey: clientCert.key },
  'backend-ca': { caBundle: dmzCa.cert },
});

/** umbrella's synthesized configuration with its name pinned to loopback, calling the proxy's port. */
async function startGateway(label: string, proxyPort: number): Promise<LambdaHost> {
  const fn = example.functions.umbrella;
  const config = localizeConfig(example, fn, {
    dir: join(work, 'secrets', label),
    secrets: secrets(),
    backendOrigin: `https://${handoffFacts.hostname}:${proxyPort}`,
    pinnedAddresses: ['127.0.0.1'],
  });
  validateConfig(config);
  const host = await startLambda(fn.bundleFile, {
    ...fn.environment,
    GATEWAY_CONFIG: JSON.stringify(config),
  });
  hosts.push(host);
  return host;
}

const bodyOf = (result: AlbResult) =>
  result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;

/** A direct HTTPS call to the proxy (not through the gateway), with or without a client certificate. */
function callProxy(port: number, client?: Issued): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/orders.json',
        servername: handoffFacts.hostname,
        ca: dmzCa.cert,
        ...(client ? { cert: client.cert, key: client.key } : {}),
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('GIVEN the synthesized stack THEN umbrella’s handoff names its endpoint, the gateway’s scheme and (unknown until apply) Elastic IPs', () => {
  expect(STACK).toBe('backend-link-example');
  expect(handoffFacts).toEqual({
    customer: 'umbrella',
    hostname: 'dmz.umbrella.example',
    port: 443,
    egressIps: [undefined, undefined],
    gatewayScheme: 'digest',
  });
  expect(example.functions.umbrella.config).toMatchObject({
    backend: {
      url: 'https://dmz.umbrella.example/api',
      dns: { pinned: { 'dmz.umbrella.example': ['85.214.20.40', '85.214.20.41'] } },
      tls: { clientCertificate: { cert: { jsonKey: 'certificate' } } },
    },
    security: { type: 'digest' },
  });
});

describe.each(PROXIES)('umbrella through its DMZ proxy: %s', (_, startProxy) => {
  let proxy: DmzProxy;
  let gateway: LambdaHost;
  const locations = (): DmzProxyLocations => ({
    serverCertificateFile: dmzCert.certFile,
    serverKeyFile: dmzCert.keyFile,
    clientCaFile: clientCa.certFile,
    backendUrl: apache.baseUrl,
    listenAddress: '127.0.0.1',
  });
  const apacheLines = () => apache.accessLog().filter((line) => line.includes('/api/orders.json'));

  beforeAll(async () => {
    const port = await freePort();
    proxy = await startProxy({ ...handoffFacts, port, egressIps: [GATEWAY_ADDRESS] }, locations());
    gateway = await startGateway('gateway', port);
  });
  afterAll(async () => {
    await gateway?.stop();
    await proxy?.stop();
  });

  test('GIVEN the gateway’s client certificate WHEN GET /orders.json THEN the proxy admits it, the backend’s digest challenge is answered through it, 200', async () => {
    const result = await gateway.invoke(albEvent({ path: '/orders.json' }));

    expect({ status: result.statusCode, body: bodyOf(result) }).toEqual({
      status: 200,
      body: '{"orders":["U-7"]}\n',
    });
    await apache.waitForLogLine('/api/orders.json');
    expect(apacheLines()).toEqual(['GET /api/orders.json 401', 'GET /api/orders.json 200']);
    expect(proxy.accessLog().filter((line) => line.includes('/api/orders.json'))).toEqual([
      `${GATEWAY_ADDRESS} 401 "GET /api/orders.json HTTP/1.1" SUCCESS`,
      `${GATEWAY_ADDRESS} 200 "GET /api/orders.json HTTP/1.1" SUCCESS`,
    ]);
  });

  test.each([
    ['has no client certificate', () => undefined, 'No required SSL certificate was sent'],
    [
      'has a certificate from another CA',
      async () =>
        pki.issue('stranger', await pki.ca('stranger-ca'), { cn: 'apicloud-gateway', usage: 'client' }),
      'The SSL certificate error',
    ],
  ])(
    'fails when a client %s: the proxy refuses it and nothing reaches the backend',
    async (__, client, message) => {
      const before = apache.accessLog().length;

      const result = await callProxy(proxy.port, await client());

      expect(result.status).toBe(400);
      expect(result.body).toContain(message);
      expect(apache.accessLog().length).toBe(before);
    },
  );

  test('fails when the gateway calls from an address the proxy does not allow: 403, nothing reaches the backend', async () => {
    const port = await freePort();
    const elsewhere = await startProxy({ ...handoffFacts, port, egressIps: ['127.0.0.2'] }, locations());
    const lost = await startGateway('gateway-other-address', port);
    const before = apache.accessLog().length;

    const result = await lost.invoke(albEvent({ path: '/orders.json' }));
    await lost.stop();
    await elsewhere.stop();

    expect(result.statusCode).toBe(403);
    expect(apache.accessLog().length).toBe(before);
  });
});

test('GIVEN every handler run above THEN none logged a secret value', () => {
  expect(hosts.length).toBeGreaterThan(0);
  for (const host of hosts) {
    for (const value of [
      PASSWORD,
      clientCert.key,
      ...clientCert.key.split('\n').filter((l) => l && !l.startsWith('-----')),
    ]) {
      expect(host.output().includes(value)).toBe(false);
    }
  }
});
