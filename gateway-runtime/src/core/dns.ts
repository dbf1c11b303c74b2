/**
 * Pure helpers for `backend.dns` / `security.tokenEndpointDns`: DNS server addresses with an optional
 * port, and the names they resolve. Used by the validator, the resolver and the constructs (which open
 * the network towards exactly these servers).
 */
import { isIP } from 'node:net';
import { DEFAULT_DNS_PORT } from '../config/defaults';

/** One DNS server: its address and the port it answers on (UDP and TCP). */
export interface DnsServer {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

const PORT = /^[0-9]{1,5}$/;

function port(text: string): number | undefined {
  if (!PORT.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= 65535 ? value : undefined;
}

/**
 * `"172.20.0.53"`, `"172.20.0.53:5353"`, `"fd00::53"` or `"[fd00::53]:5353"` as a DnsServer, or a
 * sentence saying what is wrong with it.
 */
export function parseDnsServer(text: string): DnsServer | string {
  const rule =
    'is not a DNS server address: an IPv4 or IPv6 address, optionally with a port ("172.20.0.53:5353", "[fd00::53]:5353")';
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
  if (bracketed) {
    const [, address, portText] = bracketed;
    if (isIP(address) !== 6) return rule;
    const p = portText === undefined ? DEFAULT_DNS_PORT : port(portText);
    if (p === undefined) return `has port ${JSON.stringify(portText)}, which is not 1-65535`;
    return { address, port: p, family: 6 };
  }
  if (isIP(text) === 6) return { address: text, port: DEFAULT_DNS_PORT, family: 6 };
  const [address, portText, ...rest] = text.split(':');
  if (rest.length > 0 || isIP(address) !== 4) return rule;
  const p = portText === undefined ? DEFAULT_DNS_PORT : port(portText);
  if (p === undefined) return `has port ${JSON.stringify(portText)}, which is not 1-65535`;
  return { address, port: p, family: 4 };
}

/** The form `dns.Resolver#setServers` takes: `a.b.c.d:port` or `[v6]:port`. */
export function serverForResolver(server: DnsServer): string {
  return server.family === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`;
}

/** A name as DNS compares it: lower case, without the root's trailing dot. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
