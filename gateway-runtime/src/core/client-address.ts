/**
 * The client's address, as the trusted load balancer saw it, and the trusted-sources check.
 *
 * The chain is the `X-Forwarded-For` entries followed by the immediate peer. Each proxy appends the
 * address it received the connection from, so only the entries written by proxies we trust mean
 * anything: the client is the entry `trustedHops` places from the right end of the chain. Entries
 * left of it were supplied by the client and are ignored; they can never grant access.
 *
 * - Lambda behind the ALB: the peer is the ALB (its address is not known to the function); with
 *   `trustedHops` 1 (the default) the client is the entry the ALB appended, the last one.
 * - Standalone server: the peer is the socket's remote address. `trustedHops` 0 means the socket
 *   address is the client (nobody in front); 1 means one trusted proxy in front, and so on.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError, SourceDeniedError } from './errors';

export interface ClientAddressInput {
  /** `X-Forwarded-For` entries, left to right. */
  readonly forwardedFor: readonly string[];
  /** The immediate peer (socket remote address), when the adapter knows it. */
  readonly peerAddress?: string;
  /** Proxies we trust at the right end of the chain (the ALB is one). */
  readonly trustedHops: number;
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Normalises an address entry: strips brackets and a port, unwraps IPv4-mapped IPv6. */
export function normalizeAddress(entry: string): string | undefined {
  let text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1];
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  const zone = text.indexOf('%');
  if (zone > 0) text = text.slice(0, zone);
  const mapped = IPV4_MAPPED.exec(text);
  if (mapped) text = mapped[1];
  return isIP(text) ? text : undefined;
}

/** The client address, or undefined when the chain is shorter than the trusted hops or not an IP. */
export function resolveClientAddress(input: ClientAddressInput): string | undefined {
  if (!Number.isInteger(input.trustedHops) || input.trustedHops < 0) return undefined;
  // Lambda: the ALB is the peer; its address is unknown but it still counts as a place in the chain.
  const chain: Array<string | undefined> = [...input.forwardedFor, input.peerAddress];
  const index = chain.length - 1 - input.trustedHops;
  if (index < 0) return undefined;
  const entry = chain[index];
  return entry === undefined ? undefined : normalizeAddress(entry);
}

/**
 * A matcher for allow-listed CIDRs (IPv4 and IPv6; IPv4-mapped IPv6 clients match IPv4 blocks).
 * Throws ConfigError naming every block that is not one.
 */
export function createSourceMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  const problems: Array<{ path: string; message: string }> = [];
  cidrs.forEach((cidr, index) => {
    const [network, prefix, extra] = String(cidr).split('/');
    const family = isIP(network);
    const bits = Number(prefix);
    if (
      family === 0 ||
      extra !== undefined ||
      !/^\d{1,3}$/.test(prefix ?? '') ||
      bits > (family === 4 ? 32 : 128)
    ) {
      problems.push({
        path: `trustedSources.cidrs[${index}]`,
        message: `${JSON.stringify(cidr)} is not an IPv4 or IPv6 CIDR block`,
      });
      return;
    }
    list.addSubnet(network, bits, family === 4 ? 'ipv4' : 'ipv6');
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return (address: string) => {
    const normalized = normalizeAddress(address);
    if (!normalized) return false;
    return list.check(normalized, isIP(normalized) === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Throws SourceDeniedError (403) unless the resolved client address is in an allowed block. */
export function checkTrustedSource(matcher: (address: string) => boolean, input: ClientAddressInput): string {
  const address = resolveClientAddress(input);
  if (address === undefined) throw new SourceDeniedError('no trustworthy client address');
  if (!matcher(address)) throw new SourceDeniedError('client address not in trustedSources');
  return address;
}
