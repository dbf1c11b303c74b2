/**
 * A small Node HTTP server that verifies Digest answers (RFC 7616, qop=auth) and echoes the request
 * body. Unlike Apache it can expire its nonce on demand (`rotateNonce`), so `stale=true` is testable
 * without waiting for a nonce lifetime.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DigestBackend {
  readonly baseUrl: string;
  /** Every request seen: its Authorization nonce/nc (if any), the status answered and the body length. */
  readonly seen: Array<{ nonce?: string; nc?: string; status: number; bodyBytes: number }>;
  /** Issues a new nonce; answers that use the old one get `401 stale=true`. */
  rotateNonce(): void;
  /** Issues a new nonce and forgets the old one (as after a restart): answers with it get a plain 401. */
  forgetNonce(): void;
  stop(): Promise<void>;
}

function params(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header?.toLowerCase().startsWith('digest ')) return out;
  for (const match of header.slice(7).matchAll(/([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi)) {
    out[match[1].toLowerCase()] = (match[2] ?? match[3]).replace(/\\(.)/g, '$1');
  }
  return out;
}

export async function startDigestBackend(options: {
  realm: string;
  username: string;
  password: string;
  algorithm: 'MD5' | 'SHA-256';
  /** The loopback port to listen on. @default - a free port */
  port?: number;
}): Promise<DigestBackend> {
  let nonce = randomBytes(12).toString('hex');
  const retired = new Set<string>();
  const seen: DigestBackend['seen'] = [];
  const H = (s: string) =>
    createHash(options.algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(s)
      .digest('hex');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const p = params(req.headers.authorization);
      const challenge = (stale: boolean) =>
        `Digest realm="${options.realm}", nonce="${nonce}", qop="auth", algorithm=${options.algorithm}${stale ? ', stale=true' : ''}`;
      let status = 200;
      if (!p.response) status = 401;
      else {
        const expected = H(
          `${H(`${options.username}:${options.realm}:${options.password}`)}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${H(`${req.method}:${p.uri}`)}`,
        );
        if (p.username !== options.username || p.response !== expected || p.uri !== req.url) status = 401;
        else if (p.nonce !== nonce) status = retired.has(p.nonce) ? 499 : 401; // 499: stale marker below
      }
      seen.push({
        ...(p.nonce ? { nonce: p.nonce } : {}),
        ...(p.nc ? { nc: p.nc } : {}),
        status: status === 499 ? 401 : status,
        bodyBytes: body.length,
      });
      if (status !== 200) {
        res.writeHead(401, { 'www-authenticate': challenge(status === 499) });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    rotateNonce() {
      retired.add(nonce);
      nonce = randomBytes(12).toString('hex');
    },
    forgetNonce() {
      nonce = randomBytes(12).toString('hex');
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
