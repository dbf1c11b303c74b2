/**
 * The network path to the customer's DNS servers (`backend.dns.servers`, `security.tokenEndpointDns`
 * of the runtime configuration): the function resolves the backend's private names through them, so
 * its security group and the customer's network ACL are opened for UDP and TCP on their port (53
 * unless given) to exactly those addresses, with the replies on the ephemeral ports.
 */
import { isIP } from 'node:net';
import { Construct } from 'constructs';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import type { DnsConfig, GatewayConfig } from '../../gateway-runtime/src/config/types';
import { parseDnsServer, type DnsServer } from '../../gateway-runtime/src/core/dns';
import type { CustomerSubnets } from '../network/customer-subnets';
import { type Cidr, cidrContains, parseCidr } from '../shared/cidr';
import { Problems, isUnresolved, show } from '../shared/validation';

/** Replies come back to the resolver's ephemeral source port (Lambda uses 1024-65535). */
const EPHEMERAL = { fromPort: 1024, toPort: 65535 } as const;
const PROTOCOLS = ['udp', 'tcp'] as const;

/** The DNS sections of a runtime configuration, with the path of each for messages. */
function dnsSections(config: GatewayConfig): Array<{ path: string; dns: DnsConfig }> {
  const sections: Array<{ path: string; dns: DnsConfig }> = [];
  if (config.backend.dns) sections.push({ path: 'backend.dns', dns: config.backend.dns });
  if (config.security.type === 'oauth2-client-credentials' && config.security.tokenEndpointDns) {
    sections.push({ path: 'security.tokenEndpointDns', dns: config.security.tokenEndpointDns });
  }
  return sections;
}

/** Every DNS server the configuration resolves through, once each (literal addresses only). */
export function dnsServersOf(config: GatewayConfig): DnsServer[] {
  const servers = new Map<string, DnsServer>();
  for (const { dns } of dnsSections(config)) {
    for (const text of dns.servers ?? []) {
      if (isUnresolved(text)) continue;
      const parsed = parseDnsServer(text);
      if (typeof parsed !== 'string') servers.set(`${parsed.address}:${parsed.port}`, parsed);
    }
  }
  return [...servers.values()];
}

/** Refuses DNS servers the network can not be opened to: only literal addresses name a rule's target. */
export function checkDnsServersAreLiteral(
  problems: Problems,
  configProp: string,
  config: GatewayConfig,
): void {
  for (const { path, dns } of dnsSections(config)) {
    (dns.servers ?? []).forEach((server, i) => {
      if (isUnresolved(server)) {
        problems.add(
          `\`${configProp}.${path}.servers[${i}]\` ${show(server)} must be a literal address: the security group and network ACL are opened to exactly these servers`,
        );
      }
    });
  }
}

/** A construct-id fragment for a server, address then port: `172-20-0-53-53`, `fd00--53-5353`. */
const serverKey = (server: DnsServer): string => `${server.address.replace(/[.:]/g, '-')}-${server.port}`;

/**
 * Opens UDP and TCP on each server's port: security-group egress to `<address>/32` (`/128`), and
 * network ACL entries out to it and back in from it on the ephemeral ports.
 */
export function openDnsEgress(
  scope: Construct,
  subnets: CustomerSubnets,
  securityGroupId: string,
  servers: readonly DnsServer[],
): void {
  if (servers.length === 0) return;
  const dns = new Construct(scope, 'Dns');
  for (const server of servers) {
    const serverScope = new Construct(dns, serverKey(server));
    const cidr = `${server.address}/${server.family === 6 ? 128 : 32}`;
    for (const protocol of PROTOCOLS) {
      new VpcSecurityGroupEgressRule(serverScope, `Egress-${protocol}`, {
        securityGroupId,
        ipProtocol: protocol,
        fromPort: server.port,
        toPort: server.port,
        description: `customer DNS server ${server.address}:${server.port}/${protocol}`,
        ...(server.family === 6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr }),
      });
      subnets.addNetworkAclRule(serverScope, `NaclOut-${protocol}`, {
        purpose: 'dns',
        egress: true,
        protocol,
        cidrBlock: cidr,
        fromPort: server.port,
        toPort: server.port,
      });
      subnets.addNetworkAclRule(serverScope, `NaclReplies-${protocol}`, {
        purpose: 'dns',
        egress: false,
        protocol,
        cidrBlock: cidr,
        ...EPHEMERAL,
      });
    }
  }
}

/**
 * CustomerBackendLink's checks of `backend.dns`: every server lies inside the ranges the customer's link
 * carries (so the route and the rules reach it), every pinned address inside a range the function may
 * connect to.
 */
export function checkLinkDns(
  problems: Problems,
  dns: DnsConfig | undefined,
  link: { readonly prop: string; readonly cidrs: readonly string[] },
  reachable: { readonly prop: string; readonly cidrs: readonly string[] },
): void {
  if (!dns) return;
  const parsedRanges = (cidrs: readonly string[]) =>
    cidrs.filter((c) => !isUnresolved(c)).flatMap((c) => parseCidr(c) ?? []);
  const linkRanges = parsedRanges(link.cidrs);
  const reachableRanges = parsedRanges(reachable.cidrs);
  const inside = (address: string, ranges: readonly Cidr[]) => {
    const host = parseCidr(`${address}/${isIP(address) === 6 ? 128 : 32}`);
    return host !== undefined && ranges.some((range) => cidrContains(range, host));
  };
  (dns.servers ?? []).forEach((text, i) => {
    if (isUnresolved(text)) return; // refused by GatewayFunction: the rules need a literal address
    const server = parseDnsServer(text);
    if (typeof server === 'string' || linkRanges.length === 0) return; // the runtime's validator reports it
    if (!inside(server.address, linkRanges)) {
      problems.add(
        `\`backend.dns.servers[${i}]\` ${server.address} is not inside \`${link.prop}\` (${link.cidrs.join(', ')}): the gateway reaches the customer's DNS servers over the customer's own link only`,
      );
    }
  });
  for (const [name, addresses] of Object.entries(dns.pinned ?? {})) {
    addresses.forEach((address, i) => {
      if (isUnresolved(address) || isIP(address) === 0 || reachableRanges.length === 0) return;
      if (!inside(address, reachableRanges)) {
        problems.add(
          `\`backend.dns.pinned[${JSON.stringify(name)}][${i}]\` ${address} is not inside ${reachable.prop} (${reachable.cidrs.join(', ')}): the function could not connect to it`,
        );
      }
    });
  }
}
