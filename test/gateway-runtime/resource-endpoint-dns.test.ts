/**
 * The runtime on a private-endpoint path (a VPC Lattice resource endpoint or a PrivateLink interface endpoint),
 * end to end through both adapters: the runtime connects to the endpoint's AWS-provided DNS name
 * (`backend.connectTo`), while the Host header and the TLS server name stay the backend's own (the URL's host).
 * The configuration is built by the library's `endpointRuntimeBackend`, as CustomerBackendLink builds it.
 *
 * Stand-ins: dnsmasq on 127.0.0.1 answers the endpoint's name with a loopback address (in AWS the VPC's
 * resolver answers it with the endpoint's interface addresses; the runtime has no way to use another system
 * resolver in a test, so the stand-in is given as `backend.dns.servers`), and an HTTPS server on 127.0.0.3
 * whose certificate names only `orders.acme.internal` stands in for the backend behind the customer's
 * resource gateway.
 */
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { endpointRuntimeBackend } from '../../lib/connectivity/checks';
import { RunningDnsmasq, startDnsmasq } from '../support/dnsmasq';
import { Issued, TestPki } from '../support/pki';
import { captureLines, secretFiles } from './fixtures/harness';
import { ADAPTERS } from './support/adapters';

jest.setTimeout(60_000);

/** The shape of a resource endpoint's DNS name (`dns_entry[0].dns_name` of an `aws_vpc_endpoint` of type Resource). */
const ENDPOINT_NAME =
  'vpce-0a1b2c3d4e5f60718-snra-0f1e2d3c4b5a69788.rcfg-0a1b2c3d4e5f60718.4232ccc.vpc-lattice-rsc.eu-west-1.on.aws';
const BACKEND_NAME = 'orders.acme.internal';

const files = secretFiles();
let pki: TestPki;
let ca: Issued;
let server: Server;
let port: number;
let dns: RunningDnsmasq;
const seen: Array<{ host?: string; servername?: string; url?: string }> = [];

beforeAll(async () => {
  pki = await TestPki.create();
  ca = await pki.ca('acme-private-ca');
  // The backend's certificate names only the backend: neither the endpoint's name nor an address.
  const cert = await pki.issue('orders', ca, {
    cn: BACKEND_NAME,
    sans: [`DNS:${BACKEND_NAME}`],
    usage: 'server',
  });
  server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    seen.push({
      host: req.headers.host,
      servername: (req.socket as unknown as { servername?: string }).servername,
      url: req.url,
    });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ who: 'acme', url: req.url }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.3', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  dns = await startDnsmasq({ records: { [ENDPOINT_NAME]: ['127.0.0.3'] } });
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await dns?.stop();
  pki?.cleanup();
  files.remove();
});

/**
 * The runtime configuration for the customer's backend URL on the endpoint, as the library derives it;
 * `extra` adds to `backend` (say, `tls.servername` or `allowedAddresses`).
 */
function endpointConfig(extra: { servername?: string; allowedAddresses?: string[] } = {}): GatewayConfig {
  const backend = endpointRuntimeBackend(`https://${BACKEND_NAME}:${port}/api`, ENDPOINT_NAME);
  return {
    version: 1,
    name: 'acme',
    backend: {
      url: backend.url,
      connectTo: backend.connectTo,
      tls: { ca: files.file(ca.cert), ...(extra.servername ? { servername: extra.servername } : {}) },
      dns: { servers: [dns.server] },
      ...(extra.allowedAddresses ? { allowedAddresses: extra.allowedAddresses } : {}),
    },
    security: { type: 'none' },
  };
}

describe.each(ADAPTERS)('through the $name', (adapter) => {
  test("GIVEN the endpoint's name resolving to a loopback address WHEN a request goes out THEN it reaches the backend with the backend's own Host and SNI", async () => {
    const before = dns.queries().length;
    const requests = seen.length;
    const gateway = await adapter.start(endpointConfig(), captureLines().sink);

    const answer = await gateway.call({ path: '/orders' });
    const again = await gateway.call({ path: '/orders/2' });
    await gateway.stop();

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ who: 'acme', url: '/api/orders' });
    expect(again.status).toBe(200);
    // The endpoint's name was looked up; the backend's name was never resolved, only sent (Host, SNI).
    expect(new Set(dns.queries().slice(before))).toEqual(new Set([`A ${ENDPOINT_NAME}`]));
    expect(seen.slice(requests)).toEqual([
      { host: `${BACKEND_NAME}:${port}`, servername: BACKEND_NAME, url: '/api/orders' },
      { host: `${BACKEND_NAME}:${port}`, servername: BACKEND_NAME, url: '/api/orders/2' },
    ]);
  });

  test("GIVEN allowedAddresses that admit the endpoint's address THEN the request goes through", async () => {
    const gateway = await adapter.start(
      endpointConfig({ allowedAddresses: ['127.0.0.3/32'] }),
      captureLines().sink,
    );

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(answer.status).toBe(200);
  });

  test("GIVEN allowedAddresses without the endpoint's address THEN 502 BACKEND_ADDRESS_NOT_ALLOWED and nothing reaches the backend", async () => {
    const requests = seen.length;
    const gateway = await adapter.start(
      endpointConfig({ allowedAddresses: ['10.0.0.0/8'] }),
      captureLines().sink,
    );

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'BACKEND_ADDRESS_NOT_ALLOWED', status: 502 });
    expect(seen.length).toBe(requests);
  });

  test('fails when `servername` is another name than the certificate carries: 502 BACKEND_TLS', async () => {
    const gateway = await adapter.start(
      endpointConfig({ servername: 'billing.acme.internal' }),
      captureLines().sink,
    );

    const answer = await gateway.call({ path: '/orders' });
    await gateway.stop();

    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'BACKEND_TLS', status: 502 });
  });
});
