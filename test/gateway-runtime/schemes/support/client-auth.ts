import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, sendRequest } from '../../../../gateway-runtime/src/io/undici';
import type { TokenRequestAuthentication } from '../../../../gateway-runtime/src/schemes/oauth2-client-auth';
import { requireTool } from '../../support/tools';

const FIXTURES = join(__dirname, '../../fixtures');

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Runs the independent verifier (`jose`, in its own process: it is ESM-only) with one request. */
export function jose(request: Record<string, unknown>): JsonObject {
  const out = execFileSync(process.execPath, [join(FIXTURES, 'jose-verify.mjs')], {
    input: JSON.stringify(request),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

export interface ClientPki {
  /** The CA that issues the server's and the tls_client_auth client's certificates. */
  readonly caPem: string;
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Issued by the CA for DNS:gateway.acme.test (tls_client_auth). */
  readonly client: { readonly certPem: string; readonly keyPem: string; readonly sha256Hex: string };
  /** Issued by the CA for DNS:other.acme.test: a valid certificate of another client. */
  readonly other: { readonly certPem: string; readonly keyPem: string };
  /** Self-signed, DNS:gateway.acme.test (self_signed_tls_client_auth). */
  readonly selfSigned: { readonly certPem: string; readonly keyPem: string; readonly sha256Hex: string };
}

/** A throw-away PKI made with openssl (an implementation this code does not use) in `dir`. */
export function createClientPki(dir: string): ClientPki {
  requireTool('openssl', 'openssl');
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(
    'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=backend-link client-auth test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ); // prettier-ignore
  const issue = (name: string, san: string, usage: string) => {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${san}`);
    writeFileSync(
      join(dir, `${name}.ext`),
      `subjectAltName=DNS:${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=${usage}\n`,
    );
    run(
      'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`,
    ); // prettier-ignore
  };
  issue('server', 'login.test', 'serverAuth');
  issue('client', 'gateway.acme.test', 'clientAuth');
  issue('other', 'other.acme.test', 'clientAuth');
  run(
    'req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '2',
    '-subj', '/CN=gateway.acme.test', '-addext', 'subjectAltName=DNS:gateway.acme.test',
  ); // prettier-ignore
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  /** openssl's own SHA-256 fingerprint of a certificate's DER, as hex without colons. */
  const fingerprint = (file: string) =>
    /=([0-9A-F:]+)/
      .exec(execFileSync('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256'], { cwd: dir, encoding: 'utf8' }))![1]
      .replace(/:/g, '')
      .toLowerCase(); // prettier-ignore
  return {
    caPem: read('ca.pem'),
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    client: { certPem: read('client.pem'), keyPem: read('client.key'), sha256Hex: fingerprint('client.pem') },
    other: { certPem: read('other.pem'), keyPem: read('other.key') },
    selfSigned: { certPem: read('self.pem'), keyPem: read('self.key'), sha256Hex: fingerprint('self.pem') },
  };
}

/** hex -> base64url (the form of `x5t#S256`). */
export const hexToBase64url = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url');

export interface TokenAnswer {
  readonly status: number;
  readonly body: JsonObject;
}

/**
 * One token request exactly as oauth2.ts sends it (the runtime's own undici Agent and sendRequest, a form
 * body with grant_type and scope, JSON accepted), with the client authentication's headers, parameters
 * and, when it has one, client certificate on the connection.
 */
export async function requestToken(
  tokenUrl: string,
  auth: TokenRequestAuthentication,
  tls: { readonly caPem: string; readonly servername: string },
  scope?: string,
): Promise<TokenAnswer> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope !== undefined) form.set('scope', scope);
  for (const [name, value] of auth.params) form.append(name, value);
  const agent = new Agent({
    connect: {
      ca: tls.caPem,
      servername: tls.servername,
      rejectUnauthorized: true,
      ...(auth.tls ? auth.tls.connect : {}),
    },
  });
  try {
    const response = await sendRequest(new URL(tokenUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...auth.headers,
      },
      body: form.toString(),
      dispatcher: agent,
    });
    const text = (await response.body.bytesAll()).toString('utf8');
    return { status: response.statusCode, body: JSON.parse(text) };
  } finally {
    await agent.close();
  }
}

/** The authorization server of oauth-client-auth-server.mjs, in a child process. */
export interface ClientAuthServer {
  readonly port: number;
  readonly issuer: string;
  readonly tokenUrl: string;
  /** The server's public keys (it signs JWT access tokens with them). */
  readonly jwks: { keys: Record<string, string>[] };
  stats(): Promise<{
    tokenRequests: number;
    lastParams: Record<string, string | string[]>;
    lastAuthorization: boolean;
    lastCertificate: string | null;
  }>;
  /** GET /__check with the token, over a connection with this client certificate (or none). */
  check(
    authorization: string,
    cert?: { readonly certPem: string; readonly keyPem: string },
  ): Promise<{ status: number; body: JsonObject }>;
  stop(): Promise<void>;
}

export async function startClientAuthServer(opts: {
  readonly cwd: string;
  readonly pki: ClientPki;
  readonly clients: readonly Record<string, unknown>[];
  /** Resource indicator -> the scope its tokens may carry. */
  readonly resources?: Readonly<Record<string, string>>;
}): Promise<ClientAuthServer> {
  const child: ChildProcess = spawn(process.execPath, [join(FIXTURES, 'oauth-client-auth-server.mjs')], {
    cwd: opts.cwd,
    env: {
      ...process.env,
      OAUTH_CLIENTS: JSON.stringify(opts.clients),
      OAUTH_RESOURCES: JSON.stringify(opts.resources ?? {}),
      OAUTH_TLS_CERT: opts.pki.serverCertFile,
      OAUTH_TLS_KEY: opts.pki.serverKeyFile,
      OAUTH_CLIENT_CA: opts.pki.caFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<{ port: number; issuer: string; jwks: { keys: Record<string, string>[] } }>(
    (resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`server did not start in 20 s: ${stderr}`)), 20_000);
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before it was ready: ${stderr}`));
      });
    },
  );
  const origin = `https://127.0.0.1:${ready.port}`;
  const get = async (path: string, authorization?: string, cert?: { certPem: string; keyPem: string }) => {
    const agent = new Agent({
      connect: {
        ca: opts.pki.caPem,
        servername: 'login.test',
        ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
      },
    });
    try {
      const response = await sendRequest(new URL(`${origin}${path}`), {
        method: 'GET',
        headers: authorization ? { authorization } : {},
        dispatcher: agent,
      });
      return {
        status: response.statusCode,
        body: JSON.parse((await response.body.bytesAll()).toString('utf8')),
      };
    } finally {
      await agent.close();
    }
  };
  return {
    ...ready,
    tokenUrl: `${origin}/token`,
    stats: async () => (await get('/__stats')).body as Awaited<ReturnType<ClientAuthServer['stats']>>,
    check: (authorization, cert) => get('/__check', authorization, cert),
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
