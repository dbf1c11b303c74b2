/**
 * The validator's part for `backend.dns` and `security.tokenEndpointDns` (called from validate.ts with
 * its Checker): the customer's DNS servers, pinned addresses, the lookup's timeout and the cache bounds.
 */
import { isIP } from 'node:net';
import { normalizeName, parseDnsServer } from '../core/dns';
import { MAX_DNS_SERVERS } from './defaults';
import { DNS, Fields, HOSTNAME, TIMEOUTS } from './definition';
import { withDefaults } from './resolve';

type Obj = Record<string, unknown>;

/** The Checker methods this part uses (validate.ts's Checker has them). */
export interface DnsChecker {
  add(path: string, message: string): void;
  object(value: unknown, path: string, allowed: readonly string[]): Obj | undefined;
  array(value: unknown, path: string, minItems: number): value is unknown[];
  string(
    value: unknown,
    path: string,
    rules?: { maxLength?: number; pattern?: RegExp; rule?: string },
  ): value is string;
  fields(obj: Obj, path: string, section: Fields, custom?: Record<string, (value: unknown) => void>): boolean;
}

/** The fields of a DNS section (the definition's DNS). */
export const DNS_FIELDS = Object.keys(DNS) as ReadonlyArray<keyof typeof DNS>;

const MAX_PINNED_NAMES = 32;
const MAX_PINNED_ADDRESSES = 16;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The host of a URL string (IPv6 without brackets), or undefined when it is not (yet) a URL. */
function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

interface DnsContext {
  /** The name this section must resolve (the URL's host). */
  readonly host: string | undefined;
  /** The field that holds that URL, for messages. */
  readonly urlPath: string;
  /** The connect timeout the lookup is part of: `timeouts.connectMs`, for the backend and the token endpoint. */
  readonly connectMs: number;
}

/** Checks one DNS section, and that it can resolve `context.host` (servers, or a pin for it). */
function checkDns(check: DnsChecker, value: unknown, path: string, context: DnsContext): void {
  const dns = check.object(value, path, DNS_FIELDS);
  if (!dns) return;
  const hasServers = Array.isArray(dns.servers) && dns.servers.length > 0;
  const pinnedNames = new Set<string>();
  if (dns.servers === undefined && dns.pinned === undefined) {
    check.add(
      path,
      'must have "servers" (the customer\'s DNS servers) or "pinned" (fixed addresses by name)',
    );
  }
  const servers = (value: unknown): void => {
    if (!check.array(value, `${path}.servers`, 1)) return;
    if (value.length > MAX_DNS_SERVERS) {
      check.add(`${path}.servers`, `must have at most ${MAX_DNS_SERVERS} servers, got ${value.length}`);
    }
    const seen = new Set<string>();
    value.forEach((server, i) => {
      const itemPath = `${path}.servers[${i}]`;
      if (!check.string(server, itemPath, { maxLength: 64 })) return;
      const parsed = parseDnsServer(server);
      if (typeof parsed === 'string') {
        check.add(itemPath, `${JSON.stringify(server)} ${parsed}`);
        return;
      }
      const key = `${parsed.address}:${parsed.port}`;
      if (seen.has(key)) check.add(itemPath, `${JSON.stringify(server)} is listed twice`);
      seen.add(key);
    });
  };
  const pinned = (value: unknown): void => {
    const pinnedPath = `${path}.pinned`;
    if (!isObj(value)) {
      check.add(pinnedPath, 'must be a JSON object of names to address lists');
    } else {
      const entries = Object.entries(value);
      if (entries.length === 0) check.add(pinnedPath, 'must pin at least one name');
      if (entries.length > MAX_PINNED_NAMES) {
        check.add(pinnedPath, `must pin at most ${MAX_PINNED_NAMES} names, got ${entries.length}`);
      }
      for (const [name, addresses] of entries) {
        const namePath = `${pinnedPath}.${name}`;
        if (!HOSTNAME.test(name) || isIP(name) !== 0) {
          check.add(namePath, `${JSON.stringify(name)} is not a DNS host name`);
          continue;
        }
        pinnedNames.add(normalizeName(name));
        if (!check.array(addresses, namePath, 1)) continue;
        if (addresses.length > MAX_PINNED_ADDRESSES) {
          check.add(namePath, `must have at most ${MAX_PINNED_ADDRESSES} addresses, got ${addresses.length}`);
        }
        addresses.forEach((address, i) => {
          const itemPath = `${namePath}[${i}]`;
          if (check.string(address, itemPath, { maxLength: 64 }) && isIP(address) === 0) {
            check.add(itemPath, `${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
          }
        });
      }
    }
  };
  const ok = check.fields(dns, path, DNS, {
    servers: (v) => v !== undefined && servers(v),
    pinned: (v) => v !== undefined && pinned(v),
  });
  if (ok) {
    const { minTtlSeconds: min, maxTtlSeconds: max, timeoutMs: timeout } = withDefaults(dns, DNS);
    if (min > max) {
      check.add(`${path}.minTtlSeconds`, `must not be above maxTtlSeconds (${min} > ${max})`);
    }
    if (timeout >= context.connectMs) {
      check.add(
        `${path}.timeoutMs`,
        `must be less than timeouts.connectMs (${timeout} >= ${context.connectMs}): the lookup is part of connecting, so a slow server would be reported as a connect timeout`,
      );
    }
  }
  const host = context.host;
  if (host !== undefined) {
    if (isIP(host) !== 0) {
      check.add(path, `is set, but ${context.urlPath} has the address ${host}: there is no name to resolve`);
    } else if (!hasServers && isObj(dns.pinned) && !pinnedNames.has(normalizeName(host))) {
      check.add(
        `${path}.pinned`,
        `has no entry for ${host} (the host of ${context.urlPath}) and there are no servers: it would not resolve`,
      );
    }
  }
}

/** Checks `backend.dns` and `security.tokenEndpointDns` (the token endpoint falls back to `backend.dns`). */
export function checkDnsSections(check: DnsChecker, doc: Obj): void {
  const backend = isObj(doc.backend) ? doc.backend : undefined;
  const security = isObj(doc.security) ? doc.security : undefined;
  const timeouts = isObj(doc.timeouts) ? doc.timeouts : undefined;
  const connectMs = Number.isInteger(timeouts?.connectMs)
    ? (timeouts?.connectMs as number)
    : TIMEOUTS.connectMs.default;
  if (backend?.dns !== undefined) {
    checkDns(check, backend.dns, 'backend.dns', {
      host: hostOf(backend.url),
      urlPath: 'backend.url',
      connectMs,
    });
  }
  if (security?.type !== 'oauth2-client-credentials') return;
  const tokenHost = hostOf(security.tokenUrl);
  if (security.tokenEndpointDns !== undefined) {
    checkDns(check, security.tokenEndpointDns, 'security.tokenEndpointDns', {
      host: tokenHost,
      urlPath: 'security.tokenUrl',
      // The token endpoint's pool connects with timeouts.connectMs too (schemes/oauth2.ts).
      connectMs,
    });
    return;
  }
  // Without its own section the token endpoint's name goes through backend.dns: it must resolve there.
  const inherited = isObj(backend?.dns) ? backend.dns : undefined;
  if (!inherited || tokenHost === undefined || isIP(tokenHost) !== 0) return;
  const servers = Array.isArray(inherited.servers) && inherited.servers.length > 0;
  const pinned = isObj(inherited.pinned)
    ? Object.keys(inherited.pinned).map(normalizeName)
    : ([] as string[]);
  if (!servers && !pinned.includes(normalizeName(tokenHost))) {
    check.add(
      'security.tokenUrl',
      `${tokenHost} is resolved through backend.dns (security.tokenEndpointDns is not set), which has no servers and does not pin it: pin it there or set security.tokenEndpointDns`,
    );
  }
}
