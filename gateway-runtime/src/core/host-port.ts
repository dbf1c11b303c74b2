/** `host[:port]` as `backend.connectTo` gives it: an IPv6 address is in brackets (returned without them). */
export interface HostPort {
  readonly host: string;
  /** Absent: the URL's port. */
  readonly port?: number;
}

/** Splits `host[:port]`; the port is returned as written (its range is the caller's to check). */
export function parseHostPort(text: string): HostPort {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    return bracketed[2] === undefined
      ? { host: bracketed[1] }
      : { host: bracketed[1], port: Number(bracketed[2]) };
  }
  const colon = text.lastIndexOf(':');
  return colon < 0 ? { host: text } : { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}
