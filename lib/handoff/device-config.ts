/**
 * The customer's VPN device configuration, generated from the stack's outputs for the handoff: a strongSwan
 * `swanctl.conf` for both tunnels, and an nftables snippet for the customer's firewall built from the
 * firewall allow-list. Pure functions: facts in, file text out.
 *
 * It holds no secret value. The pre-shared keys are placeholders ({@link presharedKeyPlaceholder}) that name
 * the channel the keys come over; values Terraform knows only after deploy (the AWS tunnel endpoints, the
 * inside addresses) are placeholders too until the handoff is run on `terraform output -json`.
 */
import { isIPv4 } from 'node:net';
import type { TunnelHandoff } from '../vpn/site-to-site-vpn';
import { vpnOutputName } from '../vpn/vpn-handoff';

/** The fields of the IKE parameters that outputs of earlier versions do not have. */
type AddedLater =
  'rekey_margin_seconds' | 'rekey_fuzz_percentage' | 'replay_window_size' | 'dpd_timeout_action';

/**
 * The IKE/IPsec parameters of one tunnel, as the `<customer>_vpn_ike_parameters` output holds them (the
 * contract `SiteToSiteVpn` writes). Read from outputs of earlier versions too, which lack the fields added
 * later; they then take AWS's defaults: rekey margin 540 s, fuzz 100 %, replay window 1024, DPD action
 * `restart`.
 */
export type TunnelIkeParameters = Omit<TunnelHandoff, AddedLater> & Partial<Pick<TunnelHandoff, AddedLater>>;

export type TunnelName = 'tunnel1' | 'tunnel2';
export const TUNNEL_NAMES: readonly TunnelName[] = ['tunnel1', 'tunnel2'];

export interface DeviceTunnel {
  readonly name: TunnelName;
  /** AWS's endpoint of the tunnel. @default - known after deploy: a placeholder */
  readonly outsideAddress?: string;
  /** The tunnel's inside addresses (BGP). @default - known after deploy: a placeholder */
  readonly insideAddresses?: { readonly aws: string; readonly customer: string };
  readonly ike: TunnelIkeParameters;
}

/** What the generator needs, read from the outputs by {@link deviceFactsFromOutputs}. */
export interface DeviceConfigFacts {
  readonly customer: string;
  /** The customer gateway's public address (the device's IKE identity). @default - a placeholder */
  readonly customerGatewayIp?: string;
  /** The customer gateway's BGP ASN (BGP routing). @default - a placeholder */
  readonly customerAsn?: number;
  /** The Amazon-side ASN. @default - a placeholder */
  readonly awsSideAsn?: number;
  readonly routing: 'static' | 'bgp';
  /** The customer's on-premises ranges routed through the tunnels. */
  readonly onPremCidrs: readonly string[];
  /** The customer's subnet block in AWS: the AWS side of the traffic selectors. */
  readonly awsSideCidr: string;
  /** The firewall allow-list: the only source addresses the customer's firewall admits from our side. */
  readonly gatewaySources: readonly string[];
  /** The backend the gateway calls: its host name and TCP port. */
  readonly backend: { readonly host: string; readonly port: number };
  /**
   * The customer's DNS servers the gateway queries through the tunnels: `address` (port 53) or `address:port`,
   * as the handoff's `dns_servers` lists them.
   * @default - none
   */
  readonly dnsServers?: readonly string[];
  /** Where AWS keeps the pre-shared keys (named in the placeholders). @default - not named */
  readonly presharedKeySecretArn?: string;
  readonly tunnels: readonly [DeviceTunnel, DeviceTunnel];
}

/** A file of the device configuration. */
export interface DeviceConfigFile {
  /** File name, e.g. `acme.swanctl.conf`. */
  readonly name: string;
  readonly content: string;
  /** One line for the handoff document. */
  readonly description: string;
}

export class DeviceConfigError extends Error {
  public override readonly name = 'DeviceConfigError';
  public readonly code = 'DEVICE_CONFIG_INVALID';
}

// --- algorithm names: AWS's tunnel option values → strongSwan proposal keywords -------------------------

const ENCRYPTION: Record<string, { keyword: string; aead: boolean }> = {
  'AES256-GCM-16': { keyword: 'aes256gcm16', aead: true },
  'AES128-GCM-16': { keyword: 'aes128gcm16', aead: true },
  AES256: { keyword: 'aes256', aead: false },
  AES128: { keyword: 'aes128', aead: false },
};
const INTEGRITY: Record<string, string> = {
  'SHA2-512': 'sha512',
  'SHA2-384': 'sha384',
  'SHA2-256': 'sha256',
  SHA1: 'sha1',
};
/** RFC 3526 / RFC 5903 / RFC 5114 groups by number (IANA "Transform Type 4"). */
const DH_GROUPS: Record<number, string> = {
  2: 'modp1024',
  5: 'modp1536',
  14: 'modp2048',
  15: 'modp3072',
  16: 'modp4096',
  17: 'modp6144',
  18: 'modp8192',
  19: 'ecp256',
  20: 'ecp384',
  21: 'ecp521',
  22: 'modp1024s160',
  23: 'modp2048s224',
  24: 'modp2048s256',
};

function keywords<T extends string | number>(
  field: string,
  values: readonly T[],
  table: Record<string, string>,
): string[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new DeviceConfigError(`\`${field}\` is empty: the tunnel needs at least one algorithm`);
  }
  return values.map((value) => {
    const keyword = table[String(value)];
    if (keyword === undefined) {
      throw new DeviceConfigError(
        `\`${field}\` lists ${JSON.stringify(value)}, which is not an AWS tunnel option value (${Object.keys(table).join(', ')})`,
      );
    }
    return keyword;
  });
}

/**
 * strongSwan proposals for one phase, in the plan's order of preference: one AEAD proposal (AES-GCM with the
 * PRFs of the integrity algorithms) and one classic proposal (AES-CBC with HMAC), as AWS accepts either.
 * Phase 2 proposals carry the DH groups, so that every CHILD_SA is created with perfect forward secrecy.
 */
export function strongswanProposals(
  ike: TunnelIkeParameters,
  phase: 1 | 2,
  field = 'ike_parameters',
): string[] {
  const p = `phase${phase}` as const;
  const encryption = ike[`${p}_encryption`];
  const encryptionKeywords = keywords(
    `${field}.${p}_encryption`,
    encryption,
    Object.fromEntries(Object.entries(ENCRYPTION).map(([k, v]) => [k, v.keyword])),
  );
  const integrity = keywords(`${field}.${p}_integrity`, ike[`${p}_integrity`], INTEGRITY);
  const groups = keywords(
    `${field}.${p}_dh_groups`,
    ike[`${p}_dh_groups`],
    Object.fromEntries(Object.entries(DH_GROUPS).map(([k, v]) => [k, v])),
  );
  const aead = encryptionKeywords.filter((_, i) => ENCRYPTION[encryption[i]].aead);
  const classic = encryptionKeywords.filter((_, i) => !ENCRYPTION[encryption[i]].aead);
  const proposals: string[] = [];
  if (aead.length > 0) {
    proposals.push([...aead, ...(phase === 1 ? integrity.map((i) => `prf${i}`) : []), ...groups].join('-'));
  }
  if (classic.length > 0) proposals.push([...classic, ...integrity, ...groups].join('-'));
  return proposals;
}

/** swanctl lifetimes that mirror AWS's lifetime, rekey margin and fuzz for one phase. */
export function strongswanLifetimes(
  ike: TunnelIkeParameters,
  phase: 1 | 2,
): { rekeyTime: number; randTime: number; lifeTime: number } {
  const lifetime = phase === 1 ? ike.phase1_lifetime_seconds : ike.phase2_lifetime_seconds;
  const margin = ike.rekey_margin_seconds ?? DEFAULT_REKEY_MARGIN_SECONDS;
  const fuzz = ike.rekey_fuzz_percentage ?? DEFAULT_REKEY_FUZZ_PERCENTAGE;
  // Rekey `margin` (plus up to `fuzz` % of it, at random) before the lifetime ends, as AWS does on its side.
  return { rekeyTime: lifetime - margin, randTime: Math.round((margin * fuzz) / 100), lifeTime: lifetime };
}

const DEFAULT_REKEY_MARGIN_SECONDS = 540;
const DEFAULT_REKEY_FUZZ_PERCENTAGE = 100;
const DEFAULT_REPLAY_WINDOW = 1024;
/** AWS sends a dead-peer-detection request every 10 seconds; the device does the same. */
export const DPD_DELAY_SECONDS = 10;

/**
 * IKEv2 declares a peer dead when its DPD request goes unanswered through all retransmissions (swanctl has no
 * DPD timeout of its own): these `strongswan.conf` settings make that 2·(1 + 1.4 + 1.4² + 1.4³) ≈ 14 s, so that
 * with the 10 s DPD delay a dead tunnel is found within AWS's DPD timeout (at least 30 s).
 */
export const RETRANSMIT_SETTINGS = {
  retransmit_timeout: 2,
  retransmit_base: 1.4,
  retransmit_tries: 3,
} as const;

/** The longest time the device takes to declare a silent peer dead, in seconds. */
export function deadPeerDetectionSeconds(): number {
  const { retransmit_timeout: t, retransmit_base: b, retransmit_tries: n } = RETRANSMIT_SETTINGS;
  let total = 0;
  for (let i = 0; i <= n; i++) total += t * b ** i;
  return DPD_DELAY_SECONDS + total;
}

// --- placeholders ----------------------------------------------------------------------------------------

/** The placeholder written in place of a tunnel's pre-shared key (never a value). */
export function presharedKeyPlaceholder(tunnel: TunnelName): string {
  return `FILL_IN_${tunnel.toUpperCase()}_PRESHARED_KEY`;
}

/** Replaces the pre-shared-key placeholders; fails when one is missing or a key is not one AWS would make. */
export function fillPresharedKeys(swanctlConf: string, keys: Readonly<Record<TunnelName, string>>): string {
  let text = swanctlConf;
  for (const tunnel of TUNNEL_NAMES) {
    const placeholder = presharedKeyPlaceholder(tunnel);
    if (!text.includes(`"${placeholder}"`)) {
      throw new DeviceConfigError(`the configuration has no placeholder ${placeholder} for ${tunnel}`);
    }
    // AWS's rule for pre-shared keys: 8-64 characters, letters, digits, periods and underscores, not
    // starting with zero.
    if (!/^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$/.test(keys[tunnel])) {
      throw new DeviceConfigError(
        `the pre-shared key for ${tunnel} is not 8-64 letters, digits, "." or "_" (not starting with 0)`,
      );
    }
    text = text.split(`"${placeholder}"`).join(`"${keys[tunnel]}"`);
  }
  return text;
}

const afterDeploy = (what: string) => `FILL_IN_${what}`;

/** A paragraph as `# ` comment lines of at most about 110 characters. */
function comment(text: string, width = 110): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

// --- reading the outputs ---------------------------------------------------------------------------------

/** The part of an output source the generator reads (the handoff's `OutputSource`). */
export interface OutputReader {
  get(name: string): unknown;
}

/** A value that is neither absent nor "known after apply" (a symbol in the handoff's output sources). */
function known<T>(value: unknown): T | undefined {
  return value === undefined || value === null || typeof value === 'symbol' ? undefined : (value as T);
}

/** AWS's endpoint of tunnel 1 or 2, from the output as a list (the construct's) or as `{ tunnel1, tunnel2 }`. */
export function tunnelOutsideAddress(outside: unknown, tunnel: TunnelName): string | undefined {
  const value = known<unknown>(outside);
  if (Array.isArray(value)) return known<string>(value[TUNNEL_NAMES.indexOf(tunnel)]);
  if (value && typeof value === 'object') return known<string>((value as Record<string, unknown>)[tunnel]);
  return undefined;
}

export interface DeviceFactsOptions {
  /**
   * The customer's DNS servers the gateway resolves backend names through.
   * @default - the handoff's `dns_servers`, or none
   */
  readonly dnsServers?: readonly string[];
}

/**
 * The device facts of one customer from the stack's outputs; undefined when the customer has no VPN.
 * Parts known only after deploy stay undefined (the files then carry placeholders).
 */
export function deviceFactsFromOutputs(
  customer: string,
  outputs: OutputReader,
  options: DeviceFactsOptions = {},
): DeviceConfigFacts | undefined {
  const ikeOutput = known<Record<string, TunnelIkeParameters>>(
    outputs.get(vpnOutputName(customer, 'ike_parameters')),
  );
  if (ikeOutput === undefined) return undefined;
  const handoff = known<Record<string, unknown>>(outputs.get(`${customer}_handoff`));
  if (handoff === undefined) {
    throw new DeviceConfigError(`no output ${customer}_handoff: is "${customer}" a CustomerBackendLink?`);
  }
  const routing = known<Record<string, unknown>>(outputs.get(vpnOutputName(customer, 'routing'))) ?? {};
  const onPremCidrs = known<string[]>(routing.on_prem_cidrs);
  const awsSideCidr = known<string>(routing.aws_side_cidr);
  if (!onPremCidrs || !awsSideCidr) {
    throw new DeviceConfigError(
      `output ${vpnOutputName(customer, 'routing')} must give on_prem_cidrs and aws_side_cidr (received ${JSON.stringify(routing)})`,
    );
  }
  const allowList =
    known<unknown[]>(outputs.get(`${customer}_firewall_allow_list`)) ??
    known<unknown[]>(handoff.source_cidrs);
  const gatewaySources = (allowList ?? []).map((c) => known<string>(c));
  if (gatewaySources.length === 0 || gatewaySources.some((c) => c === undefined)) {
    throw new DeviceConfigError(
      `output ${customer}_firewall_allow_list must list the gateway's source CIDRs before the firewall rules can be written`,
    );
  }
  const url = new URL(String(handoff.backend_url));
  const outside = outputs.get(vpnOutputName(customer, 'tunnel_outside_addresses'));
  const inside =
    known<Record<string, unknown>>(outputs.get(vpnOutputName(customer, 'tunnel_inside_addresses'))) ?? {};
  const gateway =
    known<Record<string, unknown>>(outputs.get(vpnOutputName(customer, 'customer_gateway'))) ?? {};
  const tunnels = TUNNEL_NAMES.map((name): DeviceTunnel => {
    const ike = ikeOutput[name];
    if (!ike)
      throw new DeviceConfigError(`output ${vpnOutputName(customer, 'ike_parameters')} has no ${name}`);
    const pair = known<Record<string, unknown>>(inside[name]);
    const aws = known<string>(pair?.aws);
    const cust = known<string>(pair?.customer);
    return {
      name,
      outsideAddress: tunnelOutsideAddress(outside, name),
      ...(aws && cust ? { insideAddresses: { aws, customer: cust } } : {}),
      ike,
    };
  }) as unknown as [DeviceTunnel, DeviceTunnel];
  const dnsServers = options.dnsServers ?? known<string[]>(handoff.dns_servers) ?? [];
  const type = known<string>(routing.type);
  return {
    customer,
    customerGatewayIp: known<string>(gateway.ip_address),
    customerAsn: known<number>(gateway.bgp_asn),
    awsSideAsn: known<number>(outputs.get(vpnOutputName(customer, 'aws_side_asn'))),
    routing: type === 'bgp' ? 'bgp' : 'static',
    onPremCidrs,
    awsSideCidr,
    gatewaySources: gatewaySources as string[],
    backend: { host: url.hostname, port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)) },
    dnsServers,
    presharedKeySecretArn: known<string>(outputs.get(vpnOutputName(customer, 'preshared_key_secret_arn'))),
    tunnels,
  };
}

// --- swanctl.conf ----------------------------------------------------------------------------------------

function checkFacts(facts: DeviceConfigFacts): void {
  for (const tunnel of facts.tunnels) {
    const versions = tunnel.ike.ike_versions;
    if (!versions.includes('ikev2')) {
      throw new DeviceConfigError(
        `\`ike_parameters.${tunnel.name}.ike_versions\` ${JSON.stringify(versions)} does not allow IKEv2; this configuration is IKEv2 only`,
      );
    }
  }
}

/**
 * The strongSwan `swanctl.conf` of the customer's device: both tunnels, IKEv2, the exact proposals, lifetimes,
 * DPD and replay window of the plan, the traffic selectors of static routing (or a route-based setup with the
 * BGP parameters), the pre-shared keys as placeholders.
 */
export function renderSwanctlConf(facts: DeviceConfigFacts): string {
  checkFacts(facts);
  const c = facts.customer;
  const cgw = facts.customerGatewayIp ?? afterDeploy('CUSTOMER_GATEWAY_IP');
  const channel = `your backend-link contact sends both keys over the separate channel you agreed (AWS keeps them in Secrets Manager${facts.presharedKeySecretArn ? `: ${facts.presharedKeySecretArn}` : ''}); never put them in a ticket or e-mail`;
  const lines: string[] = [
    `# strongSwan swanctl.conf for ${c}'s VPN device: two IPsec tunnels to AWS (generated by backend-link).`,
    '#',
    '# Configure BOTH tunnels: AWS may move traffic between them at any time (maintenance, failures).',
    `#   swanctl --load-all --file ${c}.swanctl.conf`,
    '#',
    '# In strongswan.conf, so that a dead tunnel is detected within the DPD timeout (IKEv2 uses the',
    `# retransmissions of the DPD request; with these, at most ${Math.ceil(deadPeerDetectionSeconds())} s):`,
    '#   charon {',
    ...Object.entries(RETRANSMIT_SETTINGS).map(([k, v]) => `#     ${k} = ${v}`),
    '#   }',
    '#',
    ...comment(
      `Pre-shared keys: replace ${presharedKeyPlaceholder('tunnel1')} and ${presharedKeyPlaceholder('tunnel2')} below; ${channel}.`,
    ),
  ];
  const unknown = [
    ...facts.tunnels.filter((t) => !t.outsideAddress).map((t) => `the AWS outside address of ${t.name}`),
    ...(facts.customerGatewayIp ? [] : ['your customer gateway address']),
    ...(facts.routing === 'bgp'
      ? facts.tunnels.filter((t) => !t.insideAddresses).map((t) => `the inside addresses of ${t.name}`)
      : []),
  ];
  if (unknown.length > 0) {
    lines.push(
      '#',
      ...comment(
        `NOT COMPLETE: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} known after deploy. The values named FILL_IN_* are placeholders: generate this file again from \`terraform output -json\` of the deployed stack.`,
      ),
    );
  }
  if (facts.routing === 'bgp') {
    lines.push(
      '#',
      '# Routing: BGP, route-based. Each tunnel is an XFRM interface (if_id below); run BGP over the inside',
      '# addresses, for example with FRR. The traffic selectors are 0.0.0.0/0: the routes come from BGP.',
      `#   your ASN ${facts.customerAsn ?? afterDeploy('CUSTOMER_ASN')}, AWS's ASN ${facts.awsSideAsn ?? afterDeploy('AWS_ASN')}, hold time 30 s, keepalive 10 s`,
      `#   advertise only your ranges: ${facts.onPremCidrs.join(', ')}; AWS advertises ${facts.awsSideCidr}`,
    );
    for (const [i, t] of facts.tunnels.entries()) {
      const aws = t.insideAddresses?.aws ?? afterDeploy(`${t.name.toUpperCase()}_AWS_INSIDE_ADDRESS`);
      const own =
        t.insideAddresses?.customer ?? afterDeploy(`${t.name.toUpperCase()}_CUSTOMER_INSIDE_ADDRESS`);
      lines.push(
        `#   ${t.name}: ip link add ${c}-${t.name} type xfrm if_id ${i + 1} && ip addr add ${own}/30 dev ${c}-${t.name}; BGP neighbor ${aws}`,
      );
    }
  } else {
    lines.push(
      '#',
      `# Routing: static. Traffic between ${facts.onPremCidrs.join(', ')} and ${facts.awsSideCidr} goes through`,
      '# whichever tunnel is up; both tunnels carry the same traffic selectors.',
    );
  }
  lines.push('', 'connections {');
  for (const [i, t] of facts.tunnels.entries()) {
    const field = `${vpnOutputName(c, 'ike_parameters')}.${t.name}`;
    const ikeLife = strongswanLifetimes(t.ike, 1);
    const childLife = strongswanLifetimes(t.ike, 2);
    const remote = t.outsideAddress ?? afterDeploy(`${t.name.toUpperCase()}_AWS_OUTSIDE_ADDRESS`);
    const initiate = t.ike.startup_action !== 'start';
    lines.push(
      `  ${c}-${t.name} {`,
      '    version = 2',
      `    # your device's public address; behind NAT, give the device's own address here (the id stays ${cgw})`,
      `    local_addrs = ${cgw}`,
      `    remote_addrs = ${remote}`,
      `    proposals = ${strongswanProposals(t.ike, 1, field).join(', ')}`,
      `    rekey_time = ${ikeLife.rekeyTime}s`,
      `    rand_time = ${ikeLife.randTime}s`,
      `    over_time = ${ikeLife.lifeTime - ikeLife.rekeyTime}s`,
      `    dpd_delay = ${DPD_DELAY_SECONDS}s`,
      '    mobike = no',
      '    local {',
      '      auth = psk',
      `      id = ${cgw}`,
      '    }',
      '    remote {',
      '      auth = psk',
      `      id = ${remote}`,
      '    }',
      '    children {',
      `      ${c}-${t.name} {`,
      ...(facts.routing === 'bgp'
        ? [
            '        local_ts = 0.0.0.0/0',
            '        remote_ts = 0.0.0.0/0',
            `        if_id_in = ${i + 1}`,
            `        if_id_out = ${i + 1}`,
          ]
        : [`        local_ts = ${facts.onPremCidrs.join(', ')}`, `        remote_ts = ${facts.awsSideCidr}`]),
      `        esp_proposals = ${strongswanProposals(t.ike, 2, field).join(', ')}`,
      `        rekey_time = ${childLife.rekeyTime}s`,
      `        rand_time = ${childLife.randTime}s`,
      `        life_time = ${childLife.lifeTime}s`,
      `        replay_window = ${t.ike.replay_window_size ?? DEFAULT_REPLAY_WINDOW}`,
      '        dpd_action = restart',
      `        start_action = ${initiate ? 'start' : 'none'}`,
      `        close_action = ${initiate ? 'start' : 'none'}`,
      '      }',
      '    }',
      '  }',
    );
  }
  lines.push('}', '', 'secrets {');
  for (const t of facts.tunnels) {
    const remote = t.outsideAddress ?? afterDeploy(`${t.name.toUpperCase()}_AWS_OUTSIDE_ADDRESS`);
    lines.push(
      `  ike-${c}-${t.name} {`,
      `    id-1 = ${cgw}`,
      `    id-2 = ${remote}`,
      `    # the ${t.name} key: ${channel}`,
      `    secret = "${presharedKeyPlaceholder(t.name)}"`,
      '  }',
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}

// --- nftables --------------------------------------------------------------------------------------------

/** A DNS server of the handoff (`10.1.0.53` or `10.1.0.53:5353`); IPv4, since the tunnels carry IPv4. */
export function dnsServerEndpoint(server: string): { address: string; port: number } {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(server);
  const port = Number(match?.[2] ?? 53);
  if (!match || !isIPv4(match[1]) || port < 1 || port > 65535) {
    throw new DeviceConfigError(
      `\`dns_servers\` lists ${JSON.stringify(server)}, which is not an IPv4 address with an optional :port (the tunnels carry IPv4)`,
    );
  }
  return { address: match[1], port };
}

/** The nftables table name for a customer (`backend_link_<customer>`, `-` as `_`). */
export function nftablesTableName(customer: string): string {
  return `backend_link_${customer.replace(/-/g, '_')}`;
}

/**
 * The customer firewall's rules for the link, as one nftables table of its own (it touches no other table):
 * from the gateway's source addresses only the backend's port on the on-premises ranges (and DNS to the
 * customer's DNS servers, if any); from AWS's tunnel endpoints only IKE, NAT-T and ESP; everything else
 * from those addresses, and anything else towards the backend's port, is dropped and counted.
 */
export function renderNftables(facts: DeviceConfigFacts): string {
  const c = facts.customer;
  const table = nftablesTableName(c);
  const endpoints = facts.tunnels.map(
    (t) => t.outsideAddress ?? afterDeploy(`${t.name.toUpperCase()}_AWS_OUTSIDE_ADDRESS`),
  );
  const complete = facts.tunnels.every((t) => t.outsideAddress);
  const dns = (facts.dnsServers ?? []).map(dnsServerEndpoint);
  const set = (name: string, type: string, elements: readonly (string | number)[], interval: boolean) =>
    `  set ${name} {\n    type ${type}\n${interval ? '    flags interval\n' : ''}    elements = { ${elements.join(', ')} }\n  }`;
  return [
    '#!/usr/sbin/nft -f',
    `# nftables rules for ${c}'s firewall: what the backend-link gateway may reach (generated by backend-link).`,
    `#   nft -f ${c}.nft        (one table of its own, ${table}; your other rules stay as they are)`,
    '#',
    `# From our side only these are accepted: the gateway's addresses (${facts.gatewaySources.join(', ')}) to`,
    `# ${facts.backend.host} on TCP ${facts.backend.port} in ${facts.onPremCidrs.join(', ')}${dns.length ? `, DNS to ${dns.map((d) => `${d.address} port ${d.port}`).join(', ')}` : ''},`,
    '# and IKE (UDP 500), NAT-T (UDP 4500) and ESP from the AWS tunnel endpoints. Everything else from those',
    `# addresses is dropped, and so is TCP ${facts.backend.port} to those ranges from any other source: if your own`,
    '# clients reach the backend through this device, accept them in a chain of yours before this table.',
    ...(complete
      ? []
      : [
          '#',
          '# NOT COMPLETE: the AWS tunnel endpoints are known after deploy (FILL_IN_*): generate this file',
          '# again from `terraform output -json` of the deployed stack.',
        ]),
    '',
    `table inet ${table} {`,
    set('gateway_sources', 'ipv4_addr', facts.gatewaySources, true),
    set('aws_tunnel_endpoints', 'ipv4_addr', endpoints, false),
    set('on_prem_ranges', 'ipv4_addr', facts.onPremCidrs, true),
    set('backend_ports', 'inet_service', [facts.backend.port], false),
    ...(dns.length
      ? [
          set(
            'dns_servers',
            'ipv4_addr . inet_service',
            dns.map((d) => `${d.address} . ${d.port}`),
            false,
          ),
        ]
      : []),
    '',
    '  chain from_gateway {',
    '    ip saddr @aws_tunnel_endpoints udp dport { 500, 4500 } accept',
    '    ip saddr @aws_tunnel_endpoints meta l4proto esp accept',
    '    ip saddr @aws_tunnel_endpoints counter drop comment "AWS tunnel endpoints: IKE, NAT-T and ESP only"',
    '    ip saddr @gateway_sources ip daddr @on_prem_ranges tcp dport @backend_ports accept',
    ...(dns.length
      ? ['    ip saddr @gateway_sources meta l4proto { udp, tcp } ip daddr . th dport @dns_servers accept']
      : []),
    '    ip saddr @gateway_sources counter drop comment "gateway sources: the backend port (and DNS) only"',
    '    ip daddr @on_prem_ranges tcp dport @backend_ports counter drop comment "backend port: the gateway sources only"',
    '  }',
    '',
    ...['input', 'forward'].flatMap((hook) => [
      `  chain ${hook} {`,
      `    type filter hook ${hook} priority filter; policy accept;`,
      '    ct state established,related accept',
      '    jump from_gateway',
      '  }',
    ]),
    '}',
    '',
  ].join('\n');
}

/** The device configuration files of a customer with a VPN. */
export function deviceConfigFiles(facts: DeviceConfigFacts): DeviceConfigFile[] {
  const c = facts.customer;
  return [
    {
      name: `${c}.swanctl.conf`,
      content: renderSwanctlConf(facts),
      description: `strongSwan configuration of both tunnels (\`swanctl --load-all --file ${c}.swanctl.conf\`); fill in the pre-shared keys`,
    },
    {
      name: `${c}.nft`,
      content: renderNftables(facts),
      description: `nftables rules for your firewall from the allow-list (\`nft -f ${c}.nft\`)`,
    },
  ];
}
