/**
 * The customer's side of the public DMZ path, generated: a `gateway-runtime serve` configuration and an
 * nginx `server` block for the customer's DMZ proxy, both made from the same facts of the handoff (the
 * name and port the gateway calls, the platform's Elastic IPs it calls from, the scheme it applies) and
 * from where the customer keeps its files. Pure: no I/O, and no secret value in either output: the
 * server key, the CA bundles and any backend credentials are named by path only.
 */
import type {
  GatewayConfig,
  SecretRef,
  SecurityScheme,
  SecuritySchemeType,
  ServerConfig,
} from '../../gateway-runtime/src/config/types';
import { CONFIG_VERSION } from '../../gateway-runtime/src/config/types';

/** What both configurations are made from: facts of the link, all in the handoff, none secret. */
export interface DmzProxyFacts {
  /** The customer's name (the runtime's `name`, and comments). */
  readonly customer: string;
  /** The name the gateway calls and verifies: nginx's `server_name`, the name in the proxy's certificate. */
  readonly hostname: string;
  /** The port the gateway calls: the proxy listens on it. */
  readonly port: number;
  /**
   * The gateway's source addresses (the platform's Elastic IPs of the customer's zones): the only
   * clients the proxy admits. `undefined` for an address known only after deploy: the configurations then
   * hold a placeholder that neither nginx nor the runtime accepts, so that they fail closed until the
   * handoff is generated again from the deployed stack.
   */
  readonly egressIps: ReadonlyArray<string | undefined>;
  /**
   * The header scheme the gateway applies itself, end to end through the proxy (its `Authorization` is
   * passed on, and the backend's challenges come back). With `none` the proxy applies the customer's own
   * backend scheme.
   */
  readonly gatewayScheme: SecuritySchemeType;
}

/** Where the customer keeps things on its DMZ host. */
export interface DmzProxyLocations {
  /**
   * The directory of the proxy's files (certificate, key, CA bundles, credentials).
   * @default "/etc/gateway-runtime" for the runtime, "/etc/nginx/backend-link" for nginx
   */
  readonly directory?: string;
  /**
   * The proxy's certificate for `hostname`, with its chain (PEM).
   * @default "<directory>/<hostname>.crt"
   */
  readonly serverCertificateFile?: string;
  /** Its private key (PEM). @default "<directory>/<hostname>.key" */
  readonly serverKeyFile?: string;
  /**
   * The CA that issued the gateway's client certificate (PEM, public: sent by the platform team).
   * @default "<directory>/gateway-client-ca.pem"
   */
  readonly clientCaFile?: string;
  /**
   * The customer's backend behind the proxy.
   * @default "https://backend.invalid/" (a placeholder to replace: `.invalid` never resolves)
   */
  readonly backendUrl?: string;
  /**
   * The CA bundle that issued the backend's certificate (an https backend is always verified).
   * @default "<directory>/backend-ca.pem"
   */
  readonly backendCaFile?: string;
  /**
   * The address to listen on.
   * @default - every address (runtime: "0.0.0.0"; nginx: `listen <port> ssl`)
   */
  readonly listenAddress?: string;
}

/** `server.tls` of the standalone server (gateway-runtime's `ServerTlsConfig`). */
export interface DmzServerTlsConfig {
  readonly certificate: SecretRef;
  readonly key: SecretRef;
  readonly clientCa: SecretRef;
}

/** The runtime configuration of the DMZ proxy: a `GatewayConfig` whose `server` has `tls`. */
export type DmzGatewayRuntimeConfig = Omit<GatewayConfig, 'server'> & {
  readonly server: ServerConfig & { readonly tls: DmzServerTlsConfig };
};

/** Stands in for an Elastic IP that is known only after deploy; refused by nginx and by the runtime. */
export const EGRESS_IP_PLACEHOLDER = 'ELASTIC-IP-KNOWN-AFTER-DEPLOY';
export const DMZ_BACKEND_URL_PLACEHOLDER = 'https://backend.invalid/';
export const DMZ_RUNTIME_DIRECTORY = '/etc/gateway-runtime';
export const DMZ_NGINX_DIRECTORY = '/etc/nginx/backend-link';

/** TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's are all fine and not configured here). */
export const DMZ_NGINX_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

interface ResolvedLocations {
  readonly directory: string;
  readonly serverCertificateFile: string;
  readonly serverKeyFile: string;
  readonly clientCaFile: string;
  readonly backendUrl: URL;
  readonly backendCaFile: string;
  readonly listenAddress?: string;
}

function resolve(facts: DmzProxyFacts, given: DmzProxyLocations, directory: string): ResolvedLocations {
  const dir = (given.directory ?? directory).replace(/\/+$/, '');
  return {
    directory: dir,
    serverCertificateFile: given.serverCertificateFile ?? `${dir}/${facts.hostname}.crt`,
    serverKeyFile: given.serverKeyFile ?? `${dir}/${facts.hostname}.key`,
    clientCaFile: given.clientCaFile ?? `${dir}/gateway-client-ca.pem`,
    backendUrl: new URL(given.backendUrl ?? DMZ_BACKEND_URL_PLACEHOLDER),
    backendCaFile: given.backendCaFile ?? `${dir}/backend-ca.pem`,
    ...(given.listenAddress !== undefined ? { listenAddress: given.listenAddress } : {}),
  };
}

const egressCidrs = (facts: DmzProxyFacts): string[] =>
  facts.egressIps.map((ip) => (ip === undefined ? `${EGRESS_IP_PLACEHOLDER}/32` : `${ip}/32`));

/**
 * The `gateway-runtime serve` configuration: HTTPS on `port` with the customer's certificate, client
 * certificates admitted only from the gateway's client CA (`server.tls.clientCa`), only the Elastic IPs
 * (`trustedSources`, from the socket address: nobody is in front), and the backend behind it: the
 * gateway's own scheme passes through (`forwarding.forwardAuthorization`), or, when the gateway applies
 * none, the customer's own scheme (a basic-auth placeholder reading a local file: replace it).
 */
export function dmzGatewayRuntimeConfig(
  facts: DmzProxyFacts,
  locations: DmzProxyLocations = {},
): DmzGatewayRuntimeConfig {
  const at = resolve(facts, locations, DMZ_RUNTIME_DIRECTORY);
  const passThrough = facts.gatewayScheme !== 'none';
  const credentials = `${at.directory}/backend-credentials.json`;
  const security: SecurityScheme = passThrough
    ? { type: 'none' }
    : {
        type: 'basic',
        username: { file: credentials, jsonKey: 'username' },
        password: { file: credentials, jsonKey: 'password' },
      };
  return {
    version: CONFIG_VERSION,
    name: `${facts.customer}-dmz`,
    backend: {
      url: at.backendUrl.href,
      ...(at.backendUrl.protocol === 'https:' ? { tls: { ca: { file: at.backendCaFile } } } : {}),
    },
    security,
    ...(passThrough ? { forwarding: { forwardAuthorization: true } } : {}),
    trustedSources: { cidrs: egressCidrs(facts), trustedHops: 0 },
    server: {
      host: at.listenAddress ?? '0.0.0.0',
      port: facts.port,
      tls: {
        certificate: { file: at.serverCertificateFile },
        key: { file: at.serverKeyFile },
        clientCa: { file: at.clientCaFile },
      },
    },
  };
}

/** `proxy_pass`'s target: the origin alone keeps the request URI as it came; a base path is prefixed. */
function proxyPassTarget(url: URL): string {
  if (url.pathname === '/' || url.pathname === '') return url.origin;
  return `${url.origin}${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}`;
}

/**
 * The nginx `server` block (for an `http { }` context, e.g. `/etc/nginx/conf.d/`): TLS 1.2 and 1.3 with
 * forward-secret AEAD suites, `ssl_verify_client on` against the gateway's client CA, `allow` only the
 * Elastic IPs then `deny all`, and `proxy_pass` to the backend (verified when it is https). nginx passes
 * the gateway's `Authorization` header and the backend's challenges through unchanged.
 */
export function dmzNginxServerBlock(facts: DmzProxyFacts, locations: DmzProxyLocations = {}): string {
  const at = resolve(facts, locations, DMZ_NGINX_DIRECTORY);
  const listen = at.listenAddress ? `${at.listenAddress}:${facts.port}` : String(facts.port);
  const https = at.backendUrl.protocol === 'https:';
  const lines = [
    `# backend-link: the DMZ proxy of ${facts.customer}'s link to the API gateway. No secret is in this block:`,
    '# the key and the CA bundles are files you create (see the handoff).',
    'server {',
    `    listen ${listen} ssl;`,
    `    server_name ${facts.hostname};`,
    '    server_tokens off;',
    '',
    `    ssl_certificate ${at.serverCertificateFile};`,
    `    ssl_certificate_key ${at.serverKeyFile};`,
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    `    ssl_ciphers ${DMZ_NGINX_TLS12_CIPHERS.join(':')};`,
    '    ssl_prefer_server_ciphers off;',
    '    ssl_session_tickets off;',
    '',
    "    # Only clients with a certificate from the gateway's client CA.",
    `    ssl_client_certificate ${at.clientCaFile};`,
    '    ssl_verify_client on;',
    '    ssl_verify_depth 2;',
    '',
    "    # Only the gateway's addresses (the platform's Elastic IPs).",
    ...facts.egressIps.map((ip) => `    allow ${ip ?? EGRESS_IP_PLACEHOLDER};`),
    '    deny all;',
    '',
    '    client_max_body_size 6m;',
    '',
    '    location / {',
    ...(facts.gatewayScheme === 'none'
      ? [
          "        # The gateway sends no credentials: add your backend's here if it needs them, e.g.",
          `        # include ${at.directory}/backend-auth.conf;  (proxy_set_header Authorization "Basic ..."; readable by nginx only)`,
        ]
      : []),
    `        proxy_pass ${proxyPassTarget(at.backendUrl)};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header X-Forwarded-For $remote_addr;',
    '        proxy_set_header X-Forwarded-Proto https;',
    '        proxy_connect_timeout 5s;',
    '        proxy_send_timeout 30s;',
    '        proxy_read_timeout 30s;',
    ...(https
      ? [
          '        proxy_ssl_verify on;',
          `        proxy_ssl_trusted_certificate ${at.backendCaFile};`,
          '        proxy_ssl_verify_depth 3;',
          '        proxy_ssl_server_name on;',
          '        proxy_ssl_protocols TLSv1.2 TLSv1.3;',
        ]
      : []),
    '    }',
    '}',
    '',
  ];
  return lines.join('\n');
}

/**
 * The facts of a handoff output value (`<customer>_handoff`, from a plan, `terraform output` or the
 * synthesized JSON), or undefined when the link is not on the public path. Values not known yet (a plan's
 * unknowns, Terraform interpolations) become `undefined`.
 */
export function dmzProxyFactsFromHandoff(handoff: unknown): DmzProxyFacts | undefined {
  const h = handoff as {
    customer?: unknown;
    public_endpoint?: {
      hostname?: unknown;
      port?: unknown;
      egress_ips?: unknown;
      header_scheme?: unknown;
    };
  };
  const endpoint = h?.public_endpoint;
  if (!endpoint || typeof endpoint !== 'object') return undefined;
  const known = (value: unknown): string | undefined =>
    typeof value === 'string' && !value.includes('${') ? value : undefined;
  return {
    customer: String(h.customer),
    hostname: String(endpoint.hostname),
    port: Number(endpoint.port),
    egressIps: Array.isArray(endpoint.egress_ips) ? endpoint.egress_ips.map(known) : [undefined],
    gatewayScheme: String(endpoint.header_scheme) as SecuritySchemeType,
  };
}
