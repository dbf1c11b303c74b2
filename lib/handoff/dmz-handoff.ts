/**
 * The handoff document's parts for a customer on the public DMZ path: the network section (the endpoint
 * we call over the internet, the addresses we call from) and the DMZ proxy section with both generated
 * configurations (lib/handoff/dmz-proxy-config.ts). Markdown, no secret value.
 */
import {
  DmzProxyFacts,
  dmzGatewayRuntimeConfig,
  dmzNginxServerBlock,
  dmzProxyFactsFromHandoff,
} from './dmz-proxy-config';

export interface DmzHandoffSections {
  readonly facts: DmzProxyFacts;
  /** Replaces the VPN section: how the gateway reaches the customer. */
  readonly network: string;
  /** The customer's proxy, as section `number`: what to install and the two configurations. */
  proxy(number: number): string;
}

const AFTER_DEPLOY = '_known after deploy_';

/** The DMZ parts of the handoff for `handoff` (the `<customer>_handoff` value), or undefined off that path. */
export function dmzHandoffSections(handoff: unknown): DmzHandoffSections | undefined {
  const facts = dmzProxyFactsFromHandoff(handoff);
  if (!facts) return undefined;
  const { public_endpoint: endpoint, mutual_tls: mutualTls } = handoff as {
    public_endpoint: { addresses?: unknown; header_only_scheme_reason?: unknown };
    mutual_tls?: unknown;
  };
  const addresses = Array.isArray(endpoint.addresses) ? endpoint.addresses.map(String) : [];
  const ips = facts.egressIps.map((ip) => (ip === undefined ? AFTER_DEPLOY : `\`${ip}\``));
  const unknown = facts.egressIps.some((ip) => ip === undefined);
  const reason =
    typeof endpoint.header_only_scheme_reason === 'string' ? endpoint.header_only_scheme_reason : undefined;
  const network = [
    '## 1. Network path: your DMZ endpoint, over the internet',
    '',
    `The gateway calls \`https://${facts.hostname}:${facts.port}\` over the internet, at ${addresses.map((a) => `\`${a}\``).join(', ')} (the addresses you gave us: tell us before they change), from these fixed addresses only: ${ips.join(', ')}.`,
    '',
    reason
      ? `The gateway authenticates with a header scheme only; agreed because: ${reason}.`
      : mutualTls
        ? 'It presents a client certificate (mutual TLS, below): your proxy admits no other caller.'
        : 'It signs every request (below): your backend verifies every signature.',
  ].join('\n');
  const fence = (language: string, body: string) => ['```' + language, body.trimEnd(), '```'].join('\n');
  const proxy = (number: number) =>
    [
      `## ${number}. Your DMZ proxy: two ready configurations`,
      '',
      'Both are made from the facts above; use one. Neither holds a secret: they name files you create on the proxy host.',
      '',
      `- your server certificate for \`${facts.hostname}\` (with its chain) and its key;`,
      "- `gateway-client-ca.pem`: the CA of the gateway's client certificate (public; your contact sends it);",
      "- `backend-ca.pem`: the CA of your backend's certificate; and replace `https://backend.invalid/` with your backend's URL;",
      facts.gatewayScheme === 'none'
        ? "- the gateway sends no credentials: your proxy adds your backend's (the runtime's `security`: a basic-auth placeholder reading `backend-credentials.json`; replace it with your backend's scheme)."
        : `- the gateway's own \`${facts.gatewayScheme}\` authentication passes through your proxy unchanged (\`forwarding.forwardAuthorization\`; nginx passes it by default).`,
      ...(unknown
        ? [
            '',
            `The Elastic IPs are known only once the platform is deployed: until then both configurations hold \`ELASTIC-IP-KNOWN-AFTER-DEPLOY\`, which nginx and the runtime refuse. Ask for this document again after deploy.`,
          ]
        : []),
      '',
      '### gateway-runtime (`gateway-runtime serve --config dmz-proxy.json`)',
      '',
      fence('json', JSON.stringify(dmzGatewayRuntimeConfig(facts), null, 2)),
      '',
      '### nginx (a `server` block for `/etc/nginx/conf.d/`)',
      '',
      fence('nginx', dmzNginxServerBlock(facts)),
    ].join('\n');
  return { facts, network, proxy };
}
