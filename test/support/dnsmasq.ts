/**
 * dnsmasq (Debian's dnsmasq) as a customer's DNS server, started by a test on 127.0.0.1 and an
 * ephemeral port (UDP and TCP), with everything in a temporary directory. It answers only the names
 * it is given (a hosts file: several addresses per name are fine) and NXDOMAIN for any other name in
 * their domains; it forwards nothing (`--no-resolv`). Queries are logged, so tests can count them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForServer } from './ports';
import { startProcess } from './processes';
import { requireTool } from './tools';

export const DNSMASQ_BINARY = '/usr/sbin/dnsmasq';

export interface DnsmasqOptions {
  /** Names and their addresses (A for IPv4, AAAA for IPv6). */
  readonly records: Readonly<Record<string, readonly string[]>>;
  /** Domains answered locally only (NXDOMAIN for unknown names). @default - each record's parent domain */
  readonly domains?: readonly string[];
  /** The TTL of every answer. @default 30 */
  readonly ttlSeconds?: number;
}

export interface RunningDnsmasq {
  /** `127.0.0.1:<port>`: the form `backend.dns.servers` takes. */
  readonly server: string;
  readonly port: number;
  /** The names queried so far, in order, with their type: `A orders.acme.internal`. */
  queries(): string[];
  stop(): Promise<void>;
}

const parentOf = (name: string): string => name.split('.').slice(1).join('.');

export async function startDnsmasq(options: DnsmasqOptions): Promise<RunningDnsmasq> {
  const binary = requireTool(DNSMASQ_BINARY, 'dnsmasq-base');
  const dir = mkdtempSync(join(tmpdir(), 'dnsmasq-'));
  const hosts = Object.entries(options.records).flatMap(([name, addresses]) =>
    addresses.map((address) => `${address} ${name}`),
  );
  writeFileSync(join(dir, 'hosts'), `${hosts.join('\n')}\n`);
  const domains = [...new Set(options.domains ?? Object.keys(options.records).map(parentOf).filter(Boolean))];
  const port = await freePort();
  const proc = startProcess(binary, [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    `--addn-hosts=${join(dir, 'hosts')}`,
    ...domains.map((domain) => `--local=/${domain}/`),
    `--local-ttl=${options.ttlSeconds ?? 30}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    `--port=${port}`,
    `--pid-file=${join(dir, 'dnsmasq.pid')}`,
    `--user=${userInfo().username}`,
    '--log-queries',
    '--log-facility=-',
  ]);
  await waitForServer(proc, port, dir);
  return {
    server: `127.0.0.1:${port}`,
    port,
    queries: () =>
      [...proc.output().matchAll(/query\[(\w+)\] (\S+) from/g)].map(([, type, name]) => `${type} ${name}`),
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
