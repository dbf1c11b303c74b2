/**
 * lighttpd (Debian's lighttpd) with mod_auth digest, started by a test on a loopback port in a
 * temporary directory with its own minimal configuration: a second, independent Digest verifier
 * beside Apache, and the one that implements SHA-256 and `userhash` (RFC 7616). `/private/` needs
 * Digest authentication; everything else is public. Users come from a plain password file made here
 * (lighttpd computes HA1 itself), or with `userhash` from an htdigest file with lighttpd's userhash
 * column.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitForServer } from './ports';
import { startProcess, TestProcess } from './processes';
import { requireTool } from './tools';

export const LIGHTTPD_BINARY = '/usr/sbin/lighttpd';

export interface LighttpdDigestOptions {
  readonly realm: string;
  /** The one algorithm lighttpd offers. */
  readonly algorithm: 'MD5' | 'SHA-256';
  /** Offer `userhash=true`: the client sends H(user:realm) instead of the name. @default false */
  readonly userhash?: boolean;
  readonly users: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  /** Files served under / (name → content). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface RunningLighttpd {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/** A lighttpd string literal. */
const literal = (value: string) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;

export async function startLighttpdDigest(options: LighttpdDigestOptions): Promise<RunningLighttpd> {
  const binary = requireTool(LIGHTTPD_BINARY, 'lighttpd');
  const dir = mkdtempSync(join(tmpdir(), 'lighttpd-digest-'));
  const www = join(dir, 'www');
  mkdirSync(join(www, 'private'), { recursive: true });
  for (const [name, content] of Object.entries({ 'private/hello.txt': 'hello\n', ...options.files })) {
    mkdirSync(dirname(join(www, name)), { recursive: true });
    writeFileSync(join(www, name), content);
  }
  const H = (data: string) =>
    createHash(options.algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(data)
      .digest('hex');
  const users = join(dir, 'users');
  const { realm } = options;
  writeFileSync(
    users,
    options.users
      .map(({ username, password }) =>
        options.userhash
          ? // htdigest with lighttpd's fourth column: user:realm:H(user:realm:password):H(user:realm)
            `${username}:${realm}:${H(`${username}:${realm}:${password}`)}:${H(`${username}:${realm}`)}\n`
          : // plain: user:password (the password may contain colons)
            `${username}:${password}\n`,
      )
      .join(''),
  );
  const backend = options.userhash
    ? `auth.backend = "htdigest"\nauth.backend.htdigest.userfile = ${literal(users)}`
    : `auth.backend = "plain"\nauth.backend.plain.userfile = ${literal(users)}`;
  const port = await freePort();
  const conf = `
server.document-root = ${literal(www)}
server.bind = "127.0.0.1"
server.port = ${port}
server.pid-file = ${literal(join(dir, 'lighttpd.pid'))}
server.errorlog = ${literal(join(dir, 'error.log'))}
server.modules = ("mod_auth", "mod_authn_file")
mimetype.assign = (".txt" => "text/plain")
${backend}
auth.require = ( "/private/" => (
  "method" => "digest",
  "algorithm" => ${literal(options.algorithm)},
  "realm" => ${literal(realm)},
  ${options.userhash ? '"userhash" => "enable",' : ''}
  "require" => "valid-user"
) )
`;
  const confFile = join(dir, 'lighttpd.conf');
  writeFileSync(confFile, conf);
  const proc: TestProcess = startProcess(binary, ['-D', '-f', confFile], { cwd: dir });
  await waitForServer(proc, port, dir);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await proc.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
