import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Agent, request } from 'undici';

/** oidc-provider, started from test/gateway-runtime/fixtures/oauth-server.mjs in a child process. */
export interface OAuthServer {
  readonly origin: string;
  readonly port: number;
  readonly tokenUrl: string;
  /** Token requests received so far, and the non-secret parameters of the last one. */
  stats(): Promise<{ tokenRequests: number; lastParams: Record<string, string> }>;
  /** Whether the server accepts this token (it plays a protected backend): 200 or 401. */
  check(authorization: string): Promise<number>;
  revoke(authorization: string): Promise<void>;
  stop(): Promise<void>;
}

const FIXTURE = join(__dirname, '../fixtures/oauth-server.mjs');

export async function startOAuthServer(opts: {
  /** Working directory (a temporary directory created by the test). */
  readonly cwd: string;
  readonly clients: readonly Record<string, unknown>[];
  readonly tokenTtlSeconds?: number;
  /** The scopes the server knows. @default ["orders:read", "orders:write"] */
  readonly scopes?: readonly string[];
  /** The token endpoint's path. @default "/token" */
  readonly tokenPath?: string;
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caPem: string };
}): Promise<OAuthServer> {
  const child: ChildProcess = spawn(process.execPath, [FIXTURE], {
    cwd: opts.cwd,
    env: {
      ...process.env,
      OAUTH_CLIENTS: JSON.stringify(opts.clients),
      OAUTH_TOKEN_TTL: String(opts.tokenTtlSeconds ?? 600),
      ...(opts.scopes ? { OAUTH_SCOPES: opts.scopes.join(' ') } : {}),
      ...(opts.tokenPath ? { OAUTH_TOKEN_PATH: opts.tokenPath } : {}),
      ...(opts.tls ? { OAUTH_TLS_CERT: opts.tls.certFile, OAUTH_TLS_KEY: opts.tls.keyFile } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));

  // Ready when the fixture prints its port (it prints only after listen() succeeded).
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => reject(new Error(`oauth-server did not start in 20 s: ${stderr}`)),
      20_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`oauth-server exited (${code}) before it was ready: ${stderr}`));
    });
  });

  const origin = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const connect = opts.tls ? { ca: opts.tls.caPem, servername: 'login.test' } : {};
  const agent = new Agent({ connect });
  const call = async (method: 'GET' | 'POST', path: string, authorization?: string) => {
    const response = await request(`${origin}${path}`, {
      method,
      dispatcher: agent,
      headers: authorization ? { authorization } : {},
    });
    return { status: response.statusCode, text: await response.body.text() };
  };
  return {
    origin,
    port,
    tokenUrl: `${origin}${opts.tokenPath ?? '/token'}`,
    stats: async () => JSON.parse((await call('GET', '/__stats')).text),
    check: async (authorization) => (await call('GET', '/__check', authorization)).status,
    revoke: async (authorization) => {
      await call('POST', '/__revoke', authorization);
    },
    stop: async () => {
      await agent.close();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
