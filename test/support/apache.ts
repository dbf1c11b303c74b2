/**
 * Apache httpd (Debian's apache2) with mod_auth_digest, started by a test on a loopback port in a
 * temporary directory with its own minimal configuration. `/private/` needs Digest authentication
 * (MD5, qop=auth, users from an htdigest file made here); everything else is public. Apache 2.4 only
 * implements MD5 (2.4.71 refuses `AuthDigestAlgorithm MD5-sess` as unsupported; there is no SHA-256).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { APACHE_MODULES, htdigestLine, loadModules } from '../../scripts/support/apache-conf';
import { freePort, waitForServer } from './ports';
import { startProcess, TestProcess } from './processes';
import { requireTool } from './tools';

export const APACHE_BINARY = '/usr/sbin/apache2';
const MODULES = APACHE_MODULES;

export interface ApacheDigestOptions {
  readonly realm: string;
  readonly users: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  /** Files served under /private/ and / (name → content). */
  readonly files?: Readonly<Record<string, string>>;
  /** The URL path prefix that needs Digest authentication. @default "/private/" */
  readonly protectedPath?: string;
  /** A path where Apache answers the request body back with its content type (mod_reflector). @default - none */
  readonly echoPath?: string;
  /**
   * `AuthDigestNcCheck On` (with shared memory): every nonce count of a client record must be exactly
   * the next one, as a strict server wants. @default false (Apache's default)
   */
  readonly strictNonceCount?: boolean;
  /** Also log each request's `Authorization` header (`authLog()`). @default false */
  readonly logAuthorization?: boolean;
}

export interface RunningApache {
  readonly port: number;
  readonly baseUrl: string;
  readonly dir: string;
  /** Access-log lines so far: `METHOD PATH STATUS`. */
  accessLog(): string[];
  /** With `logAuthorization`: `METHOD PATH STATUS AUTHORIZATION` per request (`-` when none was sent). */
  authLog(): string[];
  /** Waits until the access log has a line for `path` (requests are logged after they are answered). */
  waitForLogLine(path: string, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

export { htdigestLine };

export async function startApacheDigest(options: ApacheDigestOptions): Promise<RunningApache> {
  const binary = requireTool(APACHE_BINARY, 'apache2');
  const dir = mkdtempSync(join(tmpdir(), 'apache-digest-'));
  chmodSync(dir, 0o755); // worker processes run as www-data when the test runs as root
  const www = join(dir, 'www');
  mkdirSync(join(www, 'private'), { recursive: true, mode: 0o755 });
  const files = { 'private/hello.txt': 'hello from apache\n', 'public.txt': 'public\n', ...options.files };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(www, name)), { recursive: true, mode: 0o755 });
    writeFileSync(join(www, name), content, { mode: 0o644 });
  }
  writeFileSync(
    join(dir, 'htdigest'),
    `${options.users.map((u) => htdigestLine(u.username, options.realm, u.password)).join('\n')}\n`,
    { mode: 0o644 },
  );
  const protectedPath = options.protectedPath ?? '/private/';
  const echo = options.echoPath
    ? `LoadModule reflector_module ${MODULES}/mod_reflector.so
<Location "${options.echoPath}">
  SetHandler reflector
  ReflectorHeader Content-Type
</Location>`
    : '';
  const port = await freePort();
  const isRoot = process.getuid?.() === 0;
  const conf = `
ServerRoot "${dir}"
DefaultRuntimeDir "${dir}"
PidFile "${dir}/httpd.pid"
Listen 127.0.0.1:${port}
ServerName 127.0.0.1
ErrorLog "${dir}/error.log"
LogLevel warn
${loadModules(['mpm_event'])}
${isRoot ? 'User www-data\nGroup www-data' : ''}
${loadModules(['log_config', 'authn_core', 'authn_file', 'authz_core', 'authz_user', 'auth_digest', 'mime'])}
TypesConfig "${dir}/mime.types"
AddType text/plain .txt
LogFormat "%m %U %>s" short
CustomLog "${dir}/access.log" short
DocumentRoot "${www}"
<Directory "${www}">
  Require all granted
</Directory>
<Location "${protectedPath}">
  AuthType Digest
  AuthName "${options.realm.replace(/"/g, '\\"')}"
  AuthDigestDomain ${protectedPath}
  AuthDigestProvider file
  AuthUserFile "${dir}/htdigest"
  AuthDigestAlgorithm MD5
  AuthDigestQop auth
  ${options.strictNonceCount ? 'AuthDigestNcCheck On' : ''}
  Require valid-user
</Location>
${options.strictNonceCount ? 'AuthDigestShmemSize 1048576' : ''}
${options.logAuthorization ? `LogFormat "%m %U %>s %{Authorization}i" withauth\nCustomLog "${dir}/auth.log" withauth` : ''}
${echo}
`;
  writeFileSync(join(dir, 'mime.types'), '');
  const confFile = join(dir, 'httpd.conf');
  writeFileSync(confFile, conf);
  const proc: TestProcess = startProcess(binary, ['-f', confFile, '-DFOREGROUND'], { cwd: dir });
  await waitForServer(proc, port, dir);
  const logLines = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const accessLog = () => logLines('access.log');
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dir,
    accessLog,
    authLog: () => logLines('auth.log'),
    async waitForLogLine(path, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = accessLog();
        if (lines.some((line) => line.split(' ')[1] === path)) return lines;
        if (Date.now() > deadline) throw new Error(`apache never logged ${path}; log:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      await proc.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
