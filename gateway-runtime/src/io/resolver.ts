/**
 * Name resolution through the customer's own DNS servers (`backend.dns`, `security.tokenEndpointDns`).
 *
 * Backend names are private (`orders.acme.internal`): they resolve through that customer's servers
 * across that customer's link, never through the system's (in Lambda: the VPC's) resolver, where two
 * customers with the same domain would collide. Each gateway has its own resolver, cache included.
 *
 * - Node's `dns.Resolver` (c-ares) with `setServers`: UDP, and TCP when an answer is truncated; servers
 *   are asked in order, `tries` attempts each, and one lookup never takes longer than `timeoutMs`.
 * - Pinned addresses (`pinned`) answer their names without a query.
 * - Answers are cached for their TTL, clamped to `minTtlSeconds`..`maxTtlSeconds`; however many
 *   connections wait for a name, one query per name and family is in flight.
 * - Plugged in as the `lookup` of undici's connector: the socket connects to the address, while TLS
 *   still sends and verifies the name (SNI and certificate check use the URL's host, or `servername`).
 * - Every failure is a BackendDnsError (`BACKEND_DNS`, 502), logged once a minute per name and reason.
 */
import { promises as dns } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { ResolvedDnsConfig, ResolvedGatewayConfig } from '../config/resolve';
import { normalizeName, parseDnsServer, serverForResolver, type DnsServer } from '../core/dns';
import { createSourceMatcher } from '../core/client-address';
import { BackendAddressNotAllowedError, BackendDnsError } from '../core/errors';
import { warningsToStderr, type LogSink } from '../secrets/types';

/** One address of a name, as `dns.lookup` with `all: true` gives it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface BackendResolver {
  /** For `net.connect`/`tls.connect` (undici's connect options): resolves through this resolver only. */
  readonly lookup: LookupFunction;
  /**
   * The addresses of `hostname`: pinned, cached or asked for. `family` 4 or 6 narrows the answer to
   * that family (as `net` asks). Rejects with a BackendDnsError.
   */
  resolve(hostname: string, family?: 0 | 4 | 6): Promise<ResolvedAddress[]>;
  /** Queries sent to the servers so far (one per name and family that was not cached or pinned). */
  readonly queries: number;
  /** Cancels the queries in flight; later lookups fail. */
  close(): void;
}

export interface BackendResolverOptions {
  /** Where failures are logged. @default - warnings as JSON lines on stderr */
  readonly log?: LogSink;
  /** @default Date.now */
  readonly now?: () => number;
  /** What the resolver serves, in messages and logs. @default "backend" */
  readonly label?: string;
}

/** The same failure (name and reason) is logged at most this often. */
const WARNING_INTERVAL_MS = 60_000;
/** The cache holds a gateway's few names; past this many, it starts over. */
const MAX_CACHE_ENTRIES = 256;
/** c-ares's own attempt timeout never goes below this. */
const MIN_ATTEMPT_TIMEOUT_MS = 50;

/** What the c-ares codes mean, for messages (the code itself is what is logged). */
const REASONS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'no such name (NXDOMAIN)',
  ENODATA: 'the name has no address of the asked family',
  ESERVFAIL: 'the server failed (SERVFAIL)',
  EREFUSED: 'the server refused the query (REFUSED)',
  ETIMEOUT: 'no answer in time',
  ECONNREFUSED: 'the server is not listening',
  EBADRESP: 'the answer is malformed',
  NOT_PINNED: 'the name is not pinned and no DNS servers are configured',
  ECANCELLED: 'the resolver was closed',
};

/** Failures after which the next configured server is asked. */
const NEXT_SERVER = new Set(['ESERVFAIL', 'EREFUSED', 'ETIMEOUT', 'ECONNREFUSED']);

interface CacheEntry {
  readonly addresses: readonly ResolvedAddress[];
  readonly expiresAt: number;
}

function requestedFamily(family: unknown): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/**
 * A resolver over `config`. Throws a BackendDnsError when a server address is not valid (the
 * configuration validator reports it first, by field).
 */
export function createBackendResolver(
  config: ResolvedDnsConfig,
  options: BackendResolverOptions = {},
): BackendResolver {
  const log = options.log ?? warningsToStderr;
  const now = options.now ?? Date.now;
  const label = options.label ?? 'backend';
  const servers: DnsServer[] = (config.servers ?? []).map((text) => {
    const parsed = parseDnsServer(text);
    if (typeof parsed === 'string') throw new BackendDnsError(`${label} DNS server ${text} ${parsed}`);
    return parsed;
  });
  const pinned = new Map<string, ResolvedAddress[]>(
    Object.entries(config.pinned ?? {}).map(([name, addresses]) => [
      normalizeName(name),
      addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 })),
    ]),
  );
  const { timeoutMs, tries, minTtlSeconds: minTtl, maxTtlSeconds: maxTtl, family } = config;
  const families: ReadonlyArray<4 | 6> = family === 'ipv4' ? [4] : family === 'ipv6' ? [6] : [4, 6];
  const serverList = servers.map(serverForResolver).join(', ');

  // One c-ares resolver per server, asked in order: c-ares takes a SERVFAIL or REFUSED answer for final
  // (and only moves on after a timeout), while a customer's first server failing or refusing is exactly
  // when the next one must be asked. NXDOMAIN and NODATA are answers and end the lookup.
  const resolvers = servers.map((server) => {
    const one = new dns.Resolver({
      // c-ares's per-attempt timeout: every server's tries fit into the lookup's budget.
      timeout: Math.max(MIN_ATTEMPT_TIMEOUT_MS, Math.floor(timeoutMs / (tries * servers.length))),
      tries,
    });
    one.setServers([serverForResolver(server)]);
    return one;
  });

  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<CacheEntry>>();
  const lastWarnings = new Map<string, number>();
  let queries = 0;
  let closed = false;

  function fail(name: string, reason: string, cause?: unknown): BackendDnsError {
    const key = `${name}:${reason}`;
    const at = now();
    const last = lastWarnings.get(key);
    if (last === undefined || at - last >= WARNING_INTERVAL_MS) {
      lastWarnings.set(key, at);
      log({
        level: 'warn',
        event: 'dns-lookup-failed',
        target: label,
        host: name,
        servers: servers.map(serverForResolver),
        reason,
      });
    }
    const through = servers.length > 0 ? `through ${serverList}` : 'from the pinned addresses';
    return new BackendDnsError(
      `${label} name ${name} not resolved ${through}: ${REASONS[reason] ?? reason} (${reason})`,
      cause === undefined ? undefined : { cause },
    );
  }

  async function queryFamily(
    name: string,
    family: 4 | 6,
  ): Promise<{ addresses: ResolvedAddress[]; ttl: number }> {
    let records: Array<{ address: string; ttl: number }> | undefined;
    for (let i = 0; records === undefined; i++) {
      try {
        records = await resolvers[i][family === 4 ? 'resolve4' : 'resolve6'](name, { ttl: true });
      } catch (error) {
        // This server failed or refused (or is silent): the next one is asked, if any.
        if (i + 1 >= resolvers.length || !NEXT_SERVER.has((error as { code?: string }).code ?? ''))
          throw error;
      }
    }
    return {
      addresses: records.map((r) => ({ address: r.address, family })),
      ttl: records.reduce((min, r) => Math.min(min, r.ttl), Number.POSITIVE_INFINITY),
    };
  }

  /** One lookup of `name` for `wanted`, within `timeoutMs`, into a cache entry. */
  async function query(name: string, wanted: ReadonlyArray<4 | 6>): Promise<CacheEntry> {
    if (resolvers.length === 0 || closed) throw fail(name, closed ? 'ECANCELLED' : 'NOT_PINNED');
    queries += wanted.length;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(fail(name, 'ETIMEOUT')), timeoutMs);
      timer.unref();
    });
    const answers = Promise.allSettled(wanted.map((family) => queryFamily(name, family)));
    try {
      const settled = await Promise.race([answers, deadline]);
      const addresses = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value.addresses : []));
      if (addresses.length === 0) {
        // Of several failures, the one that says most: a server problem over "no such name".
        const codes = settled.map((s) =>
          s.status === 'rejected' ? String((s.reason as { code?: unknown }).code ?? 'EUNKNOWN') : 'ENODATA',
        );
        const code = codes.find((c) => c !== 'ENODATA' && c !== 'ENOTFOUND') ?? codes[0];
        const rejected = settled.find((s) => s.status === 'rejected');
        throw fail(name, code, rejected?.status === 'rejected' ? rejected.reason : undefined);
      }
      const ttl = settled.reduce(
        (min, s) =>
          s.status === 'fulfilled' && s.value.addresses.length > 0 ? Math.min(min, s.value.ttl) : min,
        Number.POSITIVE_INFINITY,
      );
      const seconds = Math.min(maxTtl, Math.max(minTtl, Number.isFinite(ttl) ? ttl : minTtl));
      return { addresses, expiresAt: now() + seconds * 1000 };
    } finally {
      clearTimeout(timer);
    }
  }

  async function resolve(hostname: string, family: 0 | 4 | 6 = 0): Promise<ResolvedAddress[]> {
    const literal = isIP(hostname);
    if (literal !== 0) return [{ address: hostname, family: literal as 4 | 6 }];
    const name = normalizeName(hostname);
    const wanted = family === 0 ? families : families.filter((f) => f === family);
    const pin = pinned.get(name);
    if (pin) {
      const matching = pin.filter((a) => family === 0 || a.family === family);
      if (matching.length === 0) throw fail(name, 'ENODATA');
      return matching;
    }
    if (wanted.length === 0) throw fail(name, 'ENODATA');
    const key = `${wanted.join('+')}|${name}`;
    const hit = cache.get(key);
    if (hit && now() < hit.expiresAt) return [...hit.addresses];
    let pending = inflight.get(key);
    if (!pending) {
      pending = query(name, wanted)
        .then((entry) => {
          if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
          cache.set(key, entry);
          return entry;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return [...(await pending).addresses];
  }

  return {
    lookup: lookupOf(resolve),
    resolve,
    get queries() {
      return queries;
    },
    close() {
      closed = true;
      for (const one of resolvers) one.cancel();
    },
  };
}

/** The `lookup` net and tls call, over a `resolve`. */
function lookupOf(resolve: BackendResolver['resolve']): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, requestedFamily(lookupOptions.family)).then(
      (addresses) => {
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => callback(error, '', 0),
    );
  };
}

/**
 * `resolver` (or the system resolver, without one) that refuses a name any of whose addresses is outside
 * `allowedAddresses` (BackendAddressNotAllowedError, 502): the connection is never opened.
 */
export function allowingOnly(
  allowedAddresses: readonly string[],
  resolver: BackendResolver | undefined,
  label: string,
): BackendResolver {
  const allowed = createSourceMatcher(allowedAddresses);
  const resolve = async (hostname: string, family: 0 | 4 | 6 = 0): Promise<ResolvedAddress[]> => {
    const found = resolver
      ? await resolver.resolve(hostname, family)
      : (await systemLookup(hostname, { all: true, family })).map((a) => ({
          address: a.address,
          family: a.family as 4 | 6,
        }));
    const outside = found.find((a) => !allowed(a.address));
    if (outside) {
      throw new BackendAddressNotAllowedError(
        `${label} name ${hostname} resolved to ${outside.address}, outside backend.allowedAddresses`,
      );
    }
    return found;
  };
  return {
    lookup: lookupOf(resolve),
    resolve,
    get queries() {
      return resolver?.queries ?? 0;
    },
    close: () => resolver?.close(),
  };
}

/** The resolvers of one gateway: the backend's and the token endpoint's (each with its own cache). */
export interface GatewayResolvers {
  /** From `backend.dns`. @default - none: the system resolver */
  readonly backend?: BackendResolver;
  /** From `security.tokenEndpointDns`, else `backend.dns`. @default - none: the system resolver */
  readonly tokenEndpoint?: BackendResolver;
}

export function createGatewayResolvers(
  config: ResolvedGatewayConfig,
  options: Omit<BackendResolverOptions, 'label'> = {},
): GatewayResolvers {
  const backendDns = config.backend.dns;
  const tokenDns =
    config.security.type === 'oauth2-client-credentials'
      ? (config.security.tokenEndpointDns ?? backendDns)
      : undefined;
  const backend = backendDns
    ? createBackendResolver(backendDns, { ...options, label: 'backend' })
    : undefined;
  const tokenEndpoint = tokenDns
    ? createBackendResolver(tokenDns, { ...options, label: 'token endpoint' })
    : undefined;
  const allowed = config.backend.allowedAddresses;
  if (!allowed) return { ...(backend ? { backend } : {}), ...(tokenEndpoint ? { tokenEndpoint } : {}) };
  return {
    backend: allowingOnly(allowed, backend, 'backend'),
    ...(config.security.type === 'oauth2-client-credentials'
      ? { tokenEndpoint: allowingOnly(allowed, tokenEndpoint, 'token endpoint') }
      : {}),
  };
}
