/**
 * Public IPv4 addresses: the only destinations (and NAT source addresses) the public DMZ path may use.
 * The special-purpose blocks are the ones the customer gateway address is checked against.
 */
import { isIPv4 } from 'node:net';
import { NON_PUBLIC_IPV4_RANGES } from '../vpn/vpn-defaults';
import { Cidr, cidrContains, parseCidr } from './cidr';

const NON_PUBLIC = NON_PUBLIC_IPV4_RANGES.map((text) => parseCidr(text)!);

/**
 * Why `address` is not a public IPv4 address (`"is not an IPv4 address"`, `"is in 10.0.0.0/8, which is
 * not public"`), or undefined when it is one.
 */
export function publicIpv4Problem(address: string): string | undefined {
  if (!isIPv4(address) || address.split('.').some((o) => o.length > 1 && o.startsWith('0'))) {
    return 'is not an IPv4 address';
  }
  const host: Cidr = parseCidr(`${address}/32`)!;
  const range = NON_PUBLIC.find((r) => cidrContains(r, host));
  return range ? `is in ${range.text}, which is not public` : undefined;
}

export function isPublicIpv4(address: string): boolean {
  return publicIpv4Problem(address) === undefined;
}
