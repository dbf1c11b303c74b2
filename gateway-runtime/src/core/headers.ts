/**
 * Header hygiene, as pure functions: what goes to the backend and what comes back to the caller.
 * Hop-by-hop headers (RFC 9110 §7.6.1) and every header named in `Connection` are removed in both
 * directions; the caller's credentials are kept only when the configuration says so.
 */
import { BadRequestError } from './errors';

/** Headers that describe one connection, never the message: they are not forwarded. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/**
 * Headers some servers and frameworks read as a new path or method (IIS/Symfony `X-Original-URL` and
 * `X-Rewrite-URL`, `X-HTTP-Method-Override` and its variants): a caller could use them to reach a path
 * or method the gateway never checked. They are never forwarded.
 */
export const OVERRIDE_HEADERS: ReadonlySet<string> = new Set([
  'x-original-url',
  'x-original-uri',
  'x-original-method',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/** Headers the gateway sets itself for the backend; the caller's values are dropped. */
const GATEWAY_SET_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
]);

/**
 * Why a scheme can not put its credential in the header `name`, or undefined when it can. Refused:
 * framing and routing headers (`host`, `content-length`, `transfer-encoding`, `expect`, ...), hop-by-hop
 * and connection-class headers, the forwarding headers the gateway sets (`forwarded`, `x-forwarded-*`,
 * `x-real-ip`), proxy credentials (`proxy-*`), `cookie`/`set-cookie`, and the path and method override
 * headers. Such a credential would reach the backend as something else (a client address, a second
 * `Host`) or break every request. One rule for the runtime's validator and the construct.
 */
export function schemeHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (HOP_BY_HOP_HEADERS.has(lower) || lower === 'http2-settings') {
    return 'is a hop-by-hop (connection) header';
  }
  if (lower.startsWith('proxy-')) return 'is meant for a proxy, not the backend';
  if (GATEWAY_SET_HEADERS.has(lower) || lower.startsWith('x-forwarded-') || lower === 'x-real-ip') {
    return 'is set by the gateway itself (framing, routing or forwarding)';
  }
  if (['transfer-encoding', 'content-encoding', 'content-type', 'content-range'].includes(lower)) {
    return 'describes the message body';
  }
  if (lower === 'cookie' || lower === 'set-cookie') return 'carries cookies';
  if (OVERRIDE_HEADERS.has(lower)) return 'overrides the path or method, and is never forwarded';
  return undefined;
}

/** A field value as undici can send it: visible ASCII, space, tab, obs-text (Latin-1); no CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** RFC 9110 §5.6.2 token: the syntax of a header name. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface RequestHeaderOptions {
  /** Keep the caller's `Authorization`. @default false */
  readonly forwardAuthorization?: boolean;
  /** Keep the caller's `Cookie`. @default false */
  readonly forwardCookies?: boolean;
  /**
   * The headers the scheme sets (lower case): the caller's values are never forwarded, on any attempt,
   * whether or not the scheme adds the header on that attempt (a digest request before a nonce is known).
   * @default - none
   */
  readonly schemeHeaders?: ReadonlySet<string>;
}

export interface ForwardedInfo {
  /** The `Host` the caller asked for (becomes `X-Forwarded-Host`). */
  readonly host?: string;
  /** `http` or `https`, as the caller used it (becomes `X-Forwarded-Proto`). */
  readonly proto: string;
  /** The `X-Forwarded-For` entries received, left to right. */
  readonly forwardedFor: readonly string[];
  /** The immediate peer's address, appended to `X-Forwarded-For` when known (standalone server). */
  readonly peerAddress?: string;
}

/** One header value as a string: repeated fields joined as RFC 9110 §5.3 says (`; ` for Cookie). */
export function headerValue(name: string, value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value.length === 0) return undefined;
  return value.join(name.toLowerCase() === 'cookie' ? '; ' : ', ');
}

/** The header names listed in `Connection` (lower case), which are hop-by-hop for this message. */
export function connectionNamedHeaders(connection: string | readonly string[] | undefined): Set<string> {
  // The common values name no header beyond the hop-by-hop ones (a fresh Set: callers may add to it).
  if (connection === 'keep-alive' || connection === 'close') return new Set([connection]);
  const named = new Set<string>();
  const text = headerValue('connection', connection);
  if (!text) return named;
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    if (name) named.add(name);
  }
  return named;
}

/** True when every name is lower case and every value set: the headers as Node's parser hands them. */
function isLowerCaseRecord(headers: IncomingHeaders): headers is Record<string, string | readonly string[]> {
  for (const name of Object.keys(headers)) {
    if (headers[name] === undefined) return false;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 65 && c <= 90) return false;
    }
  }
  return true;
}

/**
 * The headers with lower-case names (repeated names, in any case, merged into lists). Headers that
 * are already so (the standalone server's, undici's) come back as they are, uncopied.
 */
export function lowerCaseHeaders(
  headers: IncomingHeaders,
): Readonly<Record<string, string | readonly string[]>> {
  if (isLowerCaseRecord(headers)) return headers;
  const lower: Record<string, string | readonly string[]> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const previous = Object.hasOwn(lower, key) ? lower[key] : undefined;
    lower[key] =
      previous === undefined
        ? value
        : [...(typeof previous === 'string' ? [previous] : previous), ...[value].flat()];
  }
  return lower;
}

/** The test for "does not describe this message, only its connection": hop-by-hop, or named in `Connection`. */
function hopByHopIn(lower: Readonly<Record<string, string | readonly string[]>>): (name: string) => boolean {
  const named = lower.connection === undefined ? undefined : connectionNamedHeaders(lower.connection);
  return (name) => HOP_BY_HOP_HEADERS.has(name) || named?.has(name) === true;
}

/** Splits `X-Forwarded-For` values (possibly repeated fields) into trimmed entries, left to right. */
export function parseForwardedFor(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const fields = typeof value === 'string' ? [value] : value;
  return fields
    .flatMap((field) => field.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * The headers to send to the backend: the caller's headers without hop-by-hop ones, without
 * `Authorization`/`Cookie` unless configured, without the path and method override headers and the
 * headers the scheme sets, with `Host` set to the backend's and the `X-Forwarded-*` headers set by the
 * gateway. The scheme's headers are added afterwards. A header value a request can not carry (outside
 * Latin-1, CR/LF) is the caller's fault: BadRequestError (400).
 */
export function buildBackendRequestHeaders(
  incoming: IncomingHeaders,
  backendUrl: URL,
  forwarded: ForwardedInfo,
  options: RequestHeaderOptions = {},
): Record<string, string> {
  const lower = lowerCaseHeaders(incoming);
  const hopByHop = hopByHopIn(lower);
  const out: Record<string, string> = {};
  for (const name of Object.keys(lower)) {
    if (hopByHop(name)) continue;
    // Every caller `x-forwarded-*` goes (`-prefix` and `-path` rewrite URLs in Spring, `-client-cert`
    // claims a client certificate); the gateway sets its own `for`, `proto` and `host` below.
    if (GATEWAY_SET_HEADERS.has(name) || OVERRIDE_HEADERS.has(name) || name.startsWith('x-forwarded-')) {
      continue;
    }
    if (name === 'authorization' && !options.forwardAuthorization) continue;
    if (name === 'cookie' && !options.forwardCookies) continue;
    if (options.schemeHeaders?.has(name)) continue;
    const text = headerValue(name, lower[name]);
    if (text === undefined) continue;
    // A caller's fault, answered 400 (an adapter such as the Lambda event can hand us anything).
    if (!FIELD_NAME.test(name)) throw new BadRequestError('a request header name is not a valid token');
    if (!FIELD_VALUE.test(text)) {
      throw new BadRequestError(
        `request header ${name} has a value outside Latin-1 or with control characters`,
      );
    }
    out[name] = text;
  }
  out.host = backendUrl.host;
  const chain = forwarded.peerAddress
    ? [...forwarded.forwardedFor, forwarded.peerAddress]
    : forwarded.forwardedFor;
  if (chain.length > 0) out['x-forwarded-for'] = chain.join(', ');
  out['x-forwarded-proto'] = forwarded.proto;
  if (forwarded.host) out['x-forwarded-host'] = forwarded.host;
  return out;
}

/** The backend's response headers for the caller: hop-by-hop ones removed, names in lower case. */
export function filterResponseHeaders(headers: IncomingHeaders): Record<string, string | readonly string[]> {
  const lower = lowerCaseHeaders(headers);
  const hopByHop = hopByHopIn(lower);
  const out: Record<string, string | readonly string[]> = {};
  for (const name of Object.keys(lower)) if (!hopByHop(name)) out[name] = lower[name];
  return out;
}
