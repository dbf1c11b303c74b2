import { show } from './validation';

/** A port or an inclusive range of ports. */
export type Port = number | PortRange;

/** An inclusive range of ports. */
export interface PortRange {
  readonly fromPort: number;
  readonly toPort: number;
}

/** Normalizes a port to a range. */
export function toPortRange(port: Port): PortRange {
  return typeof port === 'number' ? { fromPort: port, toPort: port } : port;
}

/** A stable construct-id fragment: `443` or `1024-65535`. */
export function portKey(port: Port): string {
  const { fromPort, toPort } = toPortRange(port);
  return fromPort === toPort ? String(fromPort) : `${fromPort}-${toPort}`;
}

/** Returns a problem sentence for an invalid port or range, or undefined. */
export function checkPort(prop: string, port: Port): string | undefined {
  const { fromPort, toPort } = toPortRange(port);
  const valid = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!valid(fromPort) || !valid(toPort)) {
    return `\`${prop}\` ${show(port)} is not a port (an integer from 1 to 65535) or a range of ports`;
  }
  if (fromPort > toPort) return `\`${prop}\` ${show(port)} has \`fromPort\` greater than \`toPort\``;
  return undefined;
}

/** The TCP port a URL reaches: its explicit port, or 80/443 by scheme; undefined when it is not a URL. */
export function urlPort(url: string): number | undefined {
  try {
    const parsed = new URL(url);
    return parsed.port ? Number(parsed.port) : parsed.protocol === 'http:' ? 80 : 443;
  } catch {
    return undefined;
  }
}
