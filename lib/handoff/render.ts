/**
 * The customer handoff: one Markdown document per customer, from the stack's outputs, replacing the
 * "send us your certificate" / "here are our IP ranges" tickets. It holds no secret value: pre-shared keys,
 * passwords and private keys stay in Secrets Manager and are exchanged out of band.
 */
import { dmzHandoffSections } from './dmz-handoff';
import { endpointHandoffSections } from '../connectivity/endpoint-handoff';
import type { Port } from '../shared/ports';
import {
  DeviceConfigError,
  deviceConfigFiles,
  deviceFactsFromOutputs,
  tunnelOutsideAddress,
} from './device-config';
import { OutputSource, UNKNOWN } from './outputs';
import { sigV4HandoffLines } from './sigv4-handoff';
import { vpnOutputName } from '../vpn/vpn-handoff';

const AFTER_APPLY = '_known after deploy_';

interface Handoff {
  customer: string;
  backend_url: string;
  security: Record<string, string>;
  mutual_tls?: { client_certificate_secret_arn?: unknown; servername?: string };
  trusted_sources?: string[];
  source_cidrs: unknown[];
  /** Every destination and port the gateway connects to (absent in outputs of older versions). */
  destinations?: Array<{ what: string; host?: string; cidrs: unknown[]; port: number }>;
  dns_servers?: string[];
  /** The public DMZ path (lib/handoff/dmz-handoff.ts renders it). */
  public_endpoint?: { egress_ips: unknown[] };
  /** The private-endpoint path (lib/connectivity/endpoint-handoff.ts renders it). */
  private_endpoint?: {
    mode: 'resourceEndpoint' | 'privateLinkEndpoint';
    platform_account_id: string;
    region: string;
    ports: Port[];
  };
  secret_arns: Record<string, unknown>;
  fill_after_deploy: unknown[];
}

interface TunnelParameters {
  ike_versions?: string[];
  phase1_encryption?: string[];
  phase1_integrity?: string[];
  phase1_dh_groups?: number[];
  phase1_lifetime_seconds?: number;
  phase2_encryption?: string[];
  phase2_integrity?: string[];
  phase2_dh_groups?: number[];
  phase2_lifetime_seconds?: number;
  dpd_timeout_seconds?: number;
  startup_action?: string;
}

function text(value: unknown): string {
  if (value === UNKNOWN || value === undefined) return AFTER_APPLY;
  if (Array.isArray(value)) return value.map(text).join(', ');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return `\`${String(value)}\``;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The customers that have a handoff output (`<customer>_handoff`). */
export function handoffCustomers(outputs: OutputSource): string[] {
  return outputs.names.filter((n) => n.endsWith('_handoff')).map((n) => n.slice(0, -'_handoff'.length));
}

function vpnSection(customer: string, outputs: OutputSource): string {
  const ike = outputs.get(vpnOutputName(customer, 'ike_parameters')) as
    Record<string, TunnelParameters> | undefined;
  if (ike === undefined) {
    return '## 1. Network path\n\nNo site-to-site VPN is part of this link: your backend is reached over an existing private path.';
  }
  const outside = (outputs.get(vpnOutputName(customer, 'tunnel_outside_addresses')) ?? {}) as Record<
    string,
    unknown
  >;
  const inside = (outputs.get(vpnOutputName(customer, 'tunnel_inside_addresses')) ?? {}) as Record<
    string,
    Record<string, unknown>
  >;
  const routing = (outputs.get(vpnOutputName(customer, 'routing')) ?? {}) as Record<string, unknown>;
  const asn = outputs.get(vpnOutputName(customer, 'aws_side_asn'));
  const psk = outputs.get(vpnOutputName(customer, 'preshared_key_secret_arn'));
  const device = (outputs.get(vpnOutputName(customer, 'customer_gateway')) ?? {}) as Record<string, unknown>;
  const tunnels = ['tunnel1', 'tunnel2'];
  const pick = (t: string, k: keyof TunnelParameters) => text(ike[t]?.[k]);
  const insideOf = (t: string, side: string) => {
    const v = inside[t];
    return v === (UNKNOWN as unknown) ? AFTER_APPLY : text(v?.[side]);
  };
  return [
    '## 1. Site-to-site VPN (two IPsec tunnels: configure both)',
    '',
    table(
      ['', 'tunnel 1', 'tunnel 2'],
      [
        [
          'AWS outside address',
          ...tunnels.map((t) => text(tunnelOutsideAddress(outside, t as 'tunnel1' | 'tunnel2'))),
        ],
        ['inside address, AWS side', ...tunnels.map((t) => insideOf(t, 'aws'))],
        ['inside address, your side', ...tunnels.map((t) => insideOf(t, 'customer'))],
        ['IKE version', ...tunnels.map((t) => pick(t, 'ike_versions'))],
        ['phase 1 encryption', ...tunnels.map((t) => pick(t, 'phase1_encryption'))],
        ['phase 1 integrity', ...tunnels.map((t) => pick(t, 'phase1_integrity'))],
        ['phase 1 DH groups', ...tunnels.map((t) => pick(t, 'phase1_dh_groups'))],
        ['phase 1 lifetime (s)', ...tunnels.map((t) => pick(t, 'phase1_lifetime_seconds'))],
        ['phase 2 encryption', ...tunnels.map((t) => pick(t, 'phase2_encryption'))],
        ['phase 2 integrity', ...tunnels.map((t) => pick(t, 'phase2_integrity'))],
        ['phase 2 DH groups', ...tunnels.map((t) => pick(t, 'phase2_dh_groups'))],
        ['phase 2 lifetime (s)', ...tunnels.map((t) => pick(t, 'phase2_lifetime_seconds'))],
        ['dead peer detection (s)', ...tunnels.map((t) => pick(t, 'dpd_timeout_seconds'))],
      ],
    ),
    '',
    `- Routing: ${text(routing.type)}; AWS-side ASN ${text(asn)}.`,
    `- Your ranges routed through the tunnels: ${text(routing.on_prem_cidrs)}.`,
    `- Our side of the tunnels: ${text(routing.aws_side_cidr)}.`,
    ...(device.device_name === undefined
      ? []
      : [
          `- Our record of your device: ${text(device.ip_address)}, BGP ASN ${text(device.bgp_asn)}, device name ${text(device.device_name)}. Each of our environments (staging, production) and regions is a separate VPN connection with its own tunnel pair and its own device name: configure each pair on your device side by side; they share nothing.`,
        ]),
    `- Pre-shared keys: not in this document. They are kept in AWS Secrets Manager (${text(psk)}); your contact sends them to you over a separate, agreed channel.`,
    ...deviceConfigSection(customer, outputs),
  ].join('\n');
}

/** The generated device configuration, written beside this document (see `writeHandoffs`). */
function deviceConfigSection(customer: string, outputs: OutputSource): string[] {
  let facts;
  try {
    facts = deviceFactsFromOutputs(customer, outputs);
  } catch (error) {
    if (!(error instanceof DeviceConfigError)) throw error;
    return ['', `- Your VPN device configuration could not be generated: ${error.message}.`];
  }
  if (!facts) return [];
  return [
    '',
    '### Your VPN device configuration (generated)',
    '',
    'Beside this document, generated from the same values:',
    '',
    ...deviceConfigFiles(facts).map((f) => `- \`${f.name}\`: ${f.description}.`),
  ];
}

function schemeSection(h: Handoff): string {
  const s = h.security;
  const lines = ['## 3. How the gateway authenticates to your backend', '', `Scheme: **${s.scheme}**.`, ''];
  switch (s.scheme) {
    case 'HTTP Basic authentication':
    case 'HTTP Digest authentication (RFC 7616)':
      lines.push(
        'Create a dedicated service account on your backend for the gateway and send us its user name and password over a separate, agreed channel (never in a ticket or e-mail). We store them in AWS Secrets Manager; you can rotate them at any time by sending new ones.',
      );
      if (s.scheme.startsWith('HTTP Digest')) {
        lines.push(
          '',
          'Digest algorithms MD5, MD5-sess, SHA-256 and SHA-256-sess with `qop=auth` are supported; SHA-256 is preferred when you offer it.',
        );
      }
      break;
    case 'token':
      lines.push(
        `Issue an API token for the gateway; it is sent in the \`${s.header}\` header. Send it to us over a separate, agreed channel.`,
      );
      break;
    case 'HTTP request signing (draft-cavage-http-signatures-10)':
      lines.push(
        table(
          ['parameter', 'value'],
          [
            ['keyId', text(s.keyId)],
            ['algorithm', text(s.algorithm)],
            ['signed headers', text(s.headers)],
            ['Digest header', '`SHA-256=<base64>` of the body'],
            [
              'Date header',
              'IMF-fixdate (GMT); reject requests whose Date is off by more than your tolerance',
            ],
          ],
        ),
        '',
        s.algorithm?.startsWith('hmac')
          ? 'The HMAC key is shared: agree on it with your contact over a separate channel; it is never in this document.'
          : 'Send us nothing secret: we will send you the public key that matches our signing key.',
      );
      break;
    case 'HTTP Message Signatures (RFC 9421)':
      lines.push(...messageSignatureSection(s, h.backend_url));
      break;
    case 'OAuth 2.0 client credentials':
      lines.push(...oauth2Registration(s));
      break;
    case 'AWS Signature Version 4':
      lines.push(...sigV4HandoffLines(s));
      break;
    default:
      lines.push('No credentials are sent to your backend.');
  }
  if (h.mutual_tls) {
    lines.push(
      '',
      '### Mutual TLS',
      '',
      `- The gateway presents a client certificate. We send you its certificate (public part only) or the CA that issued it: install it as a trusted client CA on your backend (e.g. nginx \`ssl_client_certificate\` with \`ssl_verify_client on\`).`,
      `- The gateway verifies your server certificate against the CA bundle you give us, for the name ${text(h.mutual_tls.servername)}: send us the CA that issued it. Verification can not be turned off.`,
    );
  }
  return lines.join('\n');
}

/** `@authority` of a URL (RFC 9421 §2.2.3): the host, and the port when it is not the scheme's default. */
function authorityOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The JWS name of each RFC 9421 algorithm (the `alg` of its JWK). */
const JWS_ALG: Readonly<Record<string, string>> = {
  ed25519: 'EdDSA',
  'ecdsa-p256-sha256': 'ES256',
  'rsa-pss-sha512': 'PS512',
};

/**
 * Section 3 for RFC 9421 message signatures: the parameters, the exact headers the backend receives, how
 * to verify them (the key as a JWKS, or the shared HMAC secret), the Content-Digest check and the validity.
 */
function messageSignatureSection(s: Record<string, string>, backendUrl: string): string[] {
  const label = s.label ?? 'sig1';
  const validity = Number(s.validitySeconds ?? '300');
  const listed = s.components !== undefined && !s.components.startsWith('@method @authority @path, then');
  const components = listed
    ? s.components.split(' ')
    : ['@method', '@authority', '@path', 'content-digest', 'content-type'];
  const digest = s.contentDigest ?? 'sha-256';
  const coversDigest = components.includes('content-digest');
  const params =
    `;created=1767225600${validity > 0 ? `;expires=${1767225600 + validity}` : ''};keyid="${s.keyId}"` +
    (s.nonce === 'yes' ? ';nonce="<random>"' : '') +
    (s.tag ? `;tag="${s.tag}"` : '');
  const hmac = s.algorithm === 'hmac-sha256';
  const alg = JWS_ALG[s.algorithm];
  const key: string[] = hmac
    ? [
        'The HMAC key is shared (32 bytes or more): agree on it with your contact over a separate channel; it is never in this document. Verify with HMAC-SHA256 over the signature base, comparing in constant time.',
      ]
    : s.jwks
      ? [
          `Verify with this public key (JWKS, RFC 7517; \`kid\` is the signatures' keyid, \`alg\` ${alg}), e.g. served at a URL your verifier reads or loaded into it. Send us nothing secret.`,
          '',
          '```json',
          JSON.stringify(JSON.parse(s.jwks), null, 2),
          '```',
        ]
      : [
          `Send us nothing secret: we send you the public key as a JWKS (\`kid\` \`${s.keyId}\`, \`alg\` ${alg}), which we print from our signing key with`,
          '',
          '```sh',
          `npx backend-link jwks --key signing-key.pem --kid ${JSON.stringify(s.keyId)} --alg ${s.algorithm}`,
          '```',
        ];
  return [
    table(
      ['parameter', 'value'],
      [
        ['label', text(label)],
        ['keyid', text(s.keyId)],
        ['algorithm', `${text(s.algorithm)}${alg ? ` (JWS \`${alg}\`)` : ''}`],
        [
          'covered components',
          listed
            ? text(s.components)
            : '`@method` `@authority` `@path`; `@query` when the URL has a query; `content-digest` when there is a body; `content-type` when the request has one (the list is in each Signature-Input)',
        ],
        [
          'created / expires',
          validity > 0 ? `\`expires\` = \`created\` + ${validity} s` : '`created` only (no `expires`)',
        ],
        ['nonce', s.nonce === 'yes' ? 'a random `nonce` in each signature' : '(none)'],
        ['tag', s.tag ? text(s.tag) : '(none)'],
        ['Content-Digest', `\`${digest}=:<base64>:\` (RFC 9530) of the body as sent`],
      ],
    ),
    '',
    'Your backend receives, for example on a request with a body:',
    '',
    '```http',
    ...(!coversDigest ? [] : [`Content-Digest: ${digest}=:<base64 of the ${digest} of the body>:`]),
    `Signature-Input: ${label}=(${components.map((c) => JSON.stringify(c.split(';')[0]) + (c.includes(';') ? `;${c.split(';').slice(1).join(';')}` : '')).join(' ')})${params}`,
    `Signature: ${label}=:<base64 of the signature>:`,
    '```',
    '',
    'To verify a request (any RFC 9421 verifier does this; e.g. the npm package `http-message-signatures`):',
    '',
    `1. Take the \`${label}\` member of Signature-Input and Signature; require \`keyid\` ${text(s.keyId)}${s.tag ? ` and \`tag\` ${text(s.tag)}` : ''}, and that the covered components ${listed ? 'are those above, in that order' : 'include at least `@method`, `@authority` and `@path` (and `content-digest` when there is a body)'}.`,
    `2. Rebuild the signature base from the request as received (RFC 9421 §2.5; \`@authority\` is ${text(authorityOf(backendUrl))}, the host the gateway calls: behind a proxy that changes Host, use that value) and verify the signature with ${hmac ? 'the shared secret (HMAC-SHA256)' : `the public key below (${s.algorithm}${s.algorithm === 'ecdsa-p256-sha256' ? ', r||s of 64 bytes' : s.algorithm === 'rsa-pss-sha512' ? ', salt 64 bytes' : ''})`}.`,
    validity > 0
      ? `3. Reject a signature whose \`expires\` has passed or whose \`created\` is in the future, each with a clock skew of a few seconds (our clocks are NTP-synchronised; 5 s is plenty): a signature is good for ${validity} s.`
      : '3. No `expires` is sent: reject a signature whose `created` is older than your own limit, or in the future beyond a few seconds of clock skew.',
    `4. When \`content-digest\` is covered, compute the ${digest} of the body you received and compare it with Content-Digest: a request whose body does not match is refused.`,
    ...(s.nonce === 'yes'
      ? ['5. Keep the nonces seen within the validity window and refuse a repeated one.']
      : []),
    '',
    ...key,
  ];
}

/** Section 2: the sources to allow, and every destination and port the gateway connects to. */
function firewallSection(h: Handoff, allowList: unknown, host: string, port: string): string[] {
  const sources = Array.isArray(allowList) ? allowList.map((c) => `- ${text(c)}`) : [`- ${text(allowList)}`];
  if (!h.destinations) {
    return [
      '## 2. Your firewall: allow only these sources',
      '',
      `Allow TCP to your backend (\`${host}\`, port ${port}) from these addresses, and nothing else from our side:`,
      '',
      ...sources,
    ];
  }
  return [
    '## 2. Your firewall: allow only these sources, to these destinations',
    '',
    'The gateway connects from these addresses:',
    '',
    ...sources,
    '',
    'Allow TCP from them to these destinations and ports, and nothing else from our side:',
    '',
    table(
      ['destination', 'host', 'addresses', 'TCP port'],
      h.destinations.map((d) => [d.what, d.host ? text(d.host) : '–', text(d.cidrs), String(d.port)]),
    ),
  ];
}

/** `172.20.0.53` as "172.20.0.53, port 53"; `172.20.0.53:5353` and `[fd00::53]:5353` with their port. */
function dnsServerText(server: string): string {
  const match = /^\[(.+)\]:(\d+)$/.exec(server) ?? /^([\d.]+):(\d+)$/.exec(server);
  return match ? `${match[1]}, port ${match[2]}` : `${server}, port 53`;
}

/** The handoff document for one customer. */
export function renderHandoff(customer: string, outputs: OutputSource, now = new Date()): string {
  const h = outputs.get(`${customer}_handoff`) as Handoff | undefined;
  if (!h)
    throw new Error(`no output ${customer}_handoff: is "${customer}" a CustomerBackendLink of this stack?`);
  const dmz = dmzHandoffSections(h);
  const endpoint = h.private_endpoint
    ? endpointHandoffSections({
        customerName: customer,
        mode: h.private_endpoint.mode,
        platformAccountId: h.private_endpoint.platform_account_id,
        region: h.private_endpoint.region,
        backendUrl: h.backend_url,
        ports: h.private_endpoint.ports,
      })
    : undefined;
  const allowList = dmz
    ? h.public_endpoint!.egress_ips
    : (outputs.get(`${customer}_firewall_allow_list`) ?? h.source_cidrs);
  const url = new URL(h.backend_url);
  const port = url.port || (url.protocol === 'http:' ? '80' : '443');
  const secretRows = Object.keys(h.secret_arns ?? {}).length
    ? Object.entries(h.secret_arns).map(([name, arn]) => [
        name,
        text(arn),
        (h.fill_after_deploy ?? []).includes(name) ? 'yes' : 'no',
      ])
    : (h.fill_after_deploy ?? []).map((name) => [String(name), AFTER_APPLY, 'yes']);
  return [
    `# Backend link for ${customer}`,
    '',
    `Generated ${now.toISOString().slice(0, 10)} from ${outputs.description}. This document holds no secret value.`,
    '',
    `The API gateway calls your backend at \`${h.backend_url}\` over ${dmz ? 'the internet, authenticated (see 1.)' : 'a private link'}.`,
    '',
    dmz?.network ?? endpoint?.network ?? vpnSection(customer, outputs),
    '',
    // On the endpoint path the backend sees the customer's own resource gateway (or load balancer), never us.
    ...(endpoint ? [endpoint.customerSide(2)] : firewallSection(h, allowList, url.hostname, port)),
    '',
    ...(h.dns_servers?.length
      ? [
          `The gateway resolves \`${url.hostname}\` through your DNS servers: from the same addresses, allow DNS queries (UDP and TCP) to`,
          '',
          ...h.dns_servers.map((server) => `- ${dnsServerText(server)}`),
          '',
        ]
      : []),
    schemeSection(h),
    '',
    ...(h.trusted_sources
      ? [
          '## 4. Trusted sources',
          '',
          `The gateway itself admits requests for your backend only from ${text(h.trusted_sources)} (the gateway tier), in addition to the network rules.`,
          '',
        ]
      : []),
    ...(dmz ? [dmz.proxy(h.trusted_sources ? 5 : 4), ''] : []),
    '---',
    '',
    '### For the platform team (not for the customer)',
    '',
    table(['secret', 'ARN', 'fill after deploy'], secretRows),
    '',
    'Fill a secret from files, e.g. the client certificate:',
    '',
    '```sh',
    'npx backend-link secret client-certificate --cert client.pem --key client.key \\',
    '  | aws secretsmanager put-secret-value --secret-id <ARN> --secret-string file:///dev/stdin',
    '```',
    '',
  ].join('\n');
}

/** What the OAuth 2.0 client registration on the customer's authorization server must say, per method. */
function oauth2Registration(s: Record<string, string>): string[] {
  const method = s.authMethod ?? 'client_secret_basic';
  const secretMethod = method === 'client_secret_basic' || method === 'client_secret_post';
  const lines = [
    secretMethod
      ? 'Register this client on your authorization server (grant type `client_credentials`) and send us its secret over a separate, agreed channel:'
      : 'Register this client on your authorization server (grant type `client_credentials`). It has no shared secret: send us nothing secret.',
    '',
    table(
      ['parameter', 'value'],
      [
        ['token endpoint', text(s.tokenUrl)],
        ['client id', text(s.clientId)],
        ['`token_endpoint_auth_method`', text(method)],
        ['scope', s.scope ? text(s.scope) : '(none)'],
        ...(s.audience ? [['audience', text(s.audience)]] : []),
        ...(s.resource ? [['resource indicators (RFC 8707)', text(s.resource)]] : []),
        ...(method === 'private_key_jwt'
          ? [
              ['`token_endpoint_auth_signing_alg`', text(s.assertionAlgorithm)],
              ['assertion key id (`kid`)', text(s.assertionKeyId)],
              ['assertion audience (`aud`)', text(s.assertionAudience)],
            ]
          : []),
        ...(s.tokenEndpointCertificate ? [['client certificate', s.tokenEndpointCertificate]] : []),
      ],
    ),
    '',
  ];
  if (method === 'private_key_jwt') {
    lines.push(
      "The gateway signs a fresh JWT (RFC 7523: `iss` = `sub` = the client id, a unique `jti`, a short `exp`) for every token request. Register its public key as the client's `jwks`:",
      '',
      ...(s.clientJwks
        ? ['```json', JSON.stringify(JSON.parse(s.clientJwks), null, 2), '```']
        : [
            `We derive it from the private key and send it to you: \`backend-link jwks --key FILE --kid ${s.assertionKeyId ?? 'KID'} --alg ${s.assertionAlgorithm ?? 'ES256'}\` (the public key only; the private key never leaves our Secrets Manager).`,
          ]),
      '',
    );
  } else if (method === 'tls_client_auth') {
    lines.push(
      "The gateway presents its client certificate on the token endpoint's TLS connection (RFC 8705 §2.1). Register the certificate's subject as `tls_client_auth_subject_dn`, or one of its subject alternative names (`tls_client_auth_san_dns`, `_san_uri`, `_san_ip`, `_san_email`); we send you the certificate, and `openssl x509 -noout -subject -ext subjectAltName -in cert.pem` shows both. Your authorization server must trust the CA that issued it.",
      '',
    );
  } else if (method === 'self_signed_tls_client_auth') {
    lines.push(
      "The gateway presents its self-signed client certificate on the token endpoint's TLS connection (RFC 8705 §2.2). Register that certificate in the client's `jwks` (as `x5c`); we send it to you (the certificate only, never its key).",
      '',
    );
  }
  if (s.tokenEndpointCertificate) {
    lines.push(
      'Tokens your server binds to that certificate (RFC 8705 §3, `cnf.x5t#S256`, `tls_client_certificate_bound_access_tokens`) pass a backend that checks the binding when the gateway calls it with the same certificate.',
      '',
    );
  }
  lines.push(
    'Your backend accepts `Authorization: Bearer <token>`; when it answers 401, the gateway fetches a new token and retries once.',
  );
  return lines;
}
