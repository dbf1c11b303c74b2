/**
 * The DMZ proxy configurations generated for the customer: both from the same facts (same port, same
 * admitted addresses, same client CA), no secret value in either, the runtime configuration accepted by
 * the runtime's validator, the nginx block accepted by `nginx -t` (with real certificate files) and
 * refused while an Elastic IP is still unknown (fail closed).
 */
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import {
  DmzProxyFacts,
  EGRESS_IP_PLACEHOLDER,
  dmzGatewayRuntimeConfig,
  dmzNginxServerBlock,
  dmzProxyFactsFromHandoff,
} from '../../../lib/handoff/dmz-proxy-config';
import { checkServerBlock } from '../../support/nginx-server-block';
import { TestPki } from '../../support/pki';

jest.setTimeout(60_000);

const FACTS: DmzProxyFacts = {
  customer: 'umbrella',
  hostname: 'dmz.umbrella.example',
  port: 8443,
  egressIps: ['52.30.1.1', '52.30.1.2'],
  gatewayScheme: 'digest',
};

/** The runtime configuration without `server.tls`, which this branch's validator does not know yet. */
function withoutServerTls(config: ReturnType<typeof dmzGatewayRuntimeConfig>): unknown {
  const { tls: _tls, ...server } = config.server;
  return { ...config, server };
}

describe('dmzGatewayRuntimeConfig', () => {
  test('GIVEN the facts THEN HTTPS on the port with the gateway’s client CA, only the Elastic IPs from the socket, the gateway’s scheme passed through', () => {
    const config = dmzGatewayRuntimeConfig(FACTS);

    expect(config).toEqual({
      version: 1,
      name: 'umbrella-dmz',
      backend: {
        url: 'https://backend.invalid/',
        tls: { ca: { file: '/etc/gateway-runtime/backend-ca.pem' } },
      },
      security: { type: 'none' },
      forwarding: { forwardAuthorization: true },
      trustedSources: { cidrs: ['52.30.1.1/32', '52.30.1.2/32'], trustedHops: 0 },
      server: {
        host: '0.0.0.0',
        port: 8443,
        tls: {
          certificate: { file: '/etc/gateway-runtime/dmz.umbrella.example.crt' },
          key: { file: '/etc/gateway-runtime/dmz.umbrella.example.key' },
          clientCa: { file: '/etc/gateway-runtime/gateway-client-ca.pem' },
        },
      },
    });
    expect(() => validateConfig(withoutServerTls(config))).not.toThrow();
  });

  test('GIVEN a gateway that sends no credentials THEN the proxy applies the customer’s own scheme: a placeholder reading a local file', () => {
    const config = dmzGatewayRuntimeConfig(
      { ...FACTS, gatewayScheme: 'none' },
      { directory: '/srv/dmz/', backendUrl: 'http://10.1.2.3:8080/orders' },
    );

    expect(config.security).toEqual({
      type: 'basic',
      username: { file: '/srv/dmz/backend-credentials.json', jsonKey: 'username' },
      password: { file: '/srv/dmz/backend-credentials.json', jsonKey: 'password' },
    });
    expect(config.forwarding).toBeUndefined();
    expect(config.backend).toEqual({ url: 'http://10.1.2.3:8080/orders' });
    expect(() => validateConfig(withoutServerTls(config))).not.toThrow();
  });

  test('fails closed when an Elastic IP is known only after deploy: the runtime refuses the placeholder', () => {
    const config = dmzGatewayRuntimeConfig({ ...FACTS, egressIps: ['52.30.1.1', undefined] });

    expect(config.trustedSources?.cidrs).toEqual(['52.30.1.1/32', `${EGRESS_IP_PLACEHOLDER}/32`]);
    expect(() => validateConfig(withoutServerTls(config))).toThrow('trustedSources.cidrs[1]');
  });
});

describe('dmzNginxServerBlock', () => {
  const block = dmzNginxServerBlock(FACTS);

  test('GIVEN the facts THEN mutual TLS from the gateway’s client CA, TLS 1.2/1.3, only the Elastic IPs, and proxy_pass to the verified backend', () => {
    for (const line of [
      'listen 8443 ssl;',
      'server_name dmz.umbrella.example;',
      'ssl_protocols TLSv1.2 TLSv1.3;',
      'ssl_client_certificate /etc/nginx/backend-link/gateway-client-ca.pem;',
      'ssl_verify_client on;',
      'allow 52.30.1.1;',
      'allow 52.30.1.2;',
      'deny all;',
      'proxy_pass https://backend.invalid;',
      'proxy_ssl_verify on;',
      'proxy_ssl_trusted_certificate /etc/nginx/backend-link/backend-ca.pem;',
      'proxy_set_header X-Forwarded-For $remote_addr;',
    ]) {
      expect({ line, present: block.includes(`    ${line}\n`) }).toEqual({ line, present: true });
    }
    // allow lines come before deny all (nginx takes the first match), and nothing else is allowed.
    const rules = block.split('\n').filter((l) => /^\s+(allow|deny) /.test(l));
    expect(rules.map((l) => l.trim())).toEqual(['allow 52.30.1.1;', 'allow 52.30.1.2;', 'deny all;']);
    expect(block).not.toMatch(/ssl_verify_client (optional|off)/);
  });

  test('GIVEN the same facts THEN nginx admits exactly the addresses, port and client CA file name the runtime does', () => {
    const config = dmzGatewayRuntimeConfig(FACTS);
    const allowed = [...block.matchAll(/allow (\S+);/g)].map((m) => `${m[1]}/32`);

    expect(allowed).toEqual(config.trustedSources?.cidrs);
    expect(block).toContain(`listen ${config.server.port} ssl;`);
    const caName = (path: string) => path.split('/').pop();
    expect(caName(/ssl_client_certificate (\S+);/.exec(block)![1])).toBe(
      caName((config.server.tls.clientCa as { file: string }).file),
    );
  });

  test('GIVEN a backend base path THEN proxy_pass prefixes it; an http backend is not given TLS settings', () => {
    const plain = dmzNginxServerBlock(FACTS, { backendUrl: 'http://10.1.2.3:8080/orders' });
    expect(plain).toContain('    proxy_pass http://10.1.2.3:8080/orders/;\n');
    expect(plain).not.toContain('proxy_ssl');
  });

  describe('against nginx itself', () => {
    let pki: TestPki;
    const files: Record<string, string> = {};
    beforeAll(async () => {
      pki = await TestPki.create();
      const ca = await pki.ca('dmz-ca');
      const server = await pki.issue('dmz', ca, {
        cn: 'dmz.umbrella.example',
        sans: ['DNS:dmz.umbrella.example'],
        usage: 'server',
      });
      Object.assign(files, {
        serverCertificateFile: server.certFile,
        serverKeyFile: server.keyFile,
        clientCaFile: ca.certFile,
        backendCaFile: ca.certFile,
      });
    });
    afterAll(() => pki?.cleanup());

    test('GIVEN real files THEN `nginx -t` accepts the generated block', async () => {
      const output = await checkServerBlock(
        dmzNginxServerBlock(FACTS, {
          ...files,
          listenAddress: '127.0.0.1',
          backendUrl: 'https://127.0.0.1:9443/',
        }),
      );
      expect(output).toContain('test is successful');
    });

    test('fails closed when an Elastic IP is known only after deploy: nginx refuses to load the block', async () => {
      const pending = dmzNginxServerBlock(
        { ...FACTS, egressIps: [undefined] },
        { ...files, listenAddress: '127.0.0.1', backendUrl: 'https://127.0.0.1:9443/' },
      );
      expect(pending).toContain(`allow ${EGRESS_IP_PLACEHOLDER};`);
      await expect(checkServerBlock(pending)).rejects.toThrow(
        /invalid parameter "ELASTIC-IP-KNOWN-AFTER-DEPLOY"/,
      );
    });
  });
});

describe('dmzProxyFactsFromHandoff', () => {
  test('GIVEN a synthesized handoff value THEN interpolated Elastic IPs are unknown', () => {
    expect(
      dmzProxyFactsFromHandoff({
        customer: 'umbrella',
        public_endpoint: {
          hostname: 'dmz.umbrella.example',
          port: 443,
          addresses: ['85.214.20.40'],
          egress_ips: ['${aws_eip.X.public_ip}', '52.30.1.2'],
          header_scheme: 'digest',
        },
      }),
    ).toEqual({ ...FACTS, port: 443, egressIps: [undefined, '52.30.1.2'] });
  });

  test('GIVEN a link off the public path THEN no facts', () => {
    expect(dmzProxyFactsFromHandoff({ customer: 'acme', source_cidrs: [] })).toBeUndefined();
  });
});

test('GIVEN any facts THEN neither configuration holds anything but paths for the secret material', () => {
  const text = JSON.stringify(dmzGatewayRuntimeConfig(FACTS)) + dmzNginxServerBlock(FACTS);
  expect(text).not.toMatch(/-----BEGIN|password"\s*:\s*"|secretArn/);
});
