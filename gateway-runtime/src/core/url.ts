/**
 * Backend URL building: the backend's base URL, then the request path, then the query. A path that
 * could step out of the base path — a `..` or `.` segment (also with path parameters, `..;x`), also
 * percent-encoded or double-encoded, an encoded slash, a backslash, a control character — is rejected
 * rather than normalised.
 */
import { PathRejectedError } from './errors';

const MAX_DECODE_ROUNDS = 3;
/** `.` or `..`, alone or followed by path parameters (`;...`). */
const DOT_SEGMENT = /^\.\.?(;.*)?$/;

function decodeOnce(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Why a request path is rejected, or undefined when it is acceptable. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'does not start with "/"';
  if (path.startsWith('//')) return 'starts with "//"';
  let stage = path;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(stage)) return 'contains a control character';
    if (stage.includes('\\')) return 'contains a backslash';
    if (/%(2f|5c)/i.test(stage)) return 'contains an encoded slash or backslash';
    // A segment's path parameters (`..;jsessionid=x`, `.;`) do not make it another segment: Tomcat,
    // Jetty and Spring drop them and then resolve the `..`.
    if (stage.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
      return 'contains a "." or ".." segment';
    }
    if (!stage.includes('%')) return undefined;
    const next = decodeOnce(stage);
    if (next === undefined) return 'contains an invalid percent-encoding';
    if (next === stage) return undefined;
    stage = next;
  }
  return 'is encoded too many times';
}

/**
 * The URL to send to: `base` (its path kept as a prefix) + `path` + `?query`. Throws PathRejectedError
 * (400) for a path that could escape the base path.
 */
export function buildBackendUrl(base: string | URL, path: string, query?: string): URL {
  const problem = pathProblem(path);
  if (problem) throw new PathRejectedError(`request path ${problem}`);
  const baseUrl = typeof base === 'string' ? new URL(base) : base;
  const prefix = baseUrl.pathname.endsWith('/') ? baseUrl.pathname.slice(0, -1) : baseUrl.pathname;
  const rawQuery = query === undefined || query === '' ? '' : `?${query.replace(/^\?/, '')}`;
  const origin = baseUrl.origin; // a getter that builds the string: once
  const url = new URL(`${origin}${prefix}${path}${rawQuery}`);
  if (url.origin !== origin || !url.pathname.startsWith(prefix)) {
    throw new PathRejectedError('request path leaves the backend base path');
  }
  return url;
}

/** Splits a request target (`/a/b?x=1`) into path and raw query (without `?`). */
export function splitTarget(target: string): { path: string; query: string } {
  const at = target.indexOf('?');
  return at < 0 ? { path: target, query: '' } : { path: target.slice(0, at), query: target.slice(at + 1) };
}
