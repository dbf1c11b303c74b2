/**
 * nginx (Debian's nginx) with `auth_basic`, started by a test on a loopback port with every path (pid,
 * logs, temp directories) inside a temporary directory. `/private/` needs Basic authentication (users
 * from an htpasswd file in the `{SHA}` format, made here); everything else is public.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForServer } from './ports';
import { startProcess } from './processes';
import { requireTool } from './tools';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface NginxBasicOptions {
  readonly realm: string;
  readonly users: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  readonly files?: Readonly<Record<string, string>>;
}

export interface RunningNginx {
  readonly port: number;
  readonly baseUrl: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** `user:{SHA}base64(SHA-1(password))`, an htpasswd format nginx reads. */
export function htpasswdShaLine(username: string, password: string): string {
  return `${username}:{SHA}${createHash('sha1').update(password).digest('base64')}`;
}

export async function startNginxBasic(options: NginxBasicOptions): Promise<RunningNginx> {
  const binary = requireTool(NGINX_BINARY, 'nginx');
  const dir = mkdtempSync(join(tmpdir(), 'nginx-basic-'));
  chmodSync(dir, 0o755); // workers run as an unprivileged user when the test runs as root
  const www = join(dir, 'www');
  mkdirSync(join(www, 'private'), { recursive: true, mode: 0o755 });
  const files = { 'private/hello.txt': 'hello from nginx\n', 'public.txt': 'public\n', ...options.files };
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(www, name), content, { mode: 0o644 });
  writeFileSync(
    join(dir, 'htpasswd'),
    `${options.users.map((u) => htpasswdShaLine(u.username, u.password)).join('\n')}\n`,
    { mode: 0o644 },
  );
  const port = await freePort();
  const conf = `
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:${port};
    root ${www};
    location /private/ {
      auth_basic "${options.realm.replace(/"/g, '\\"')}";
      auth_basic_user_file ${dir}/htpasswd;
    }
  }
}
`;
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const proc = startProcess(binary, [
    '-p',
    dir,
    '-e',
    join(dir, 'error.log'),
    '-c',
    confFile,
    '-g',
    'daemon off;',
  ]);
  await waitForServer(proc, port, dir);
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dir,
    async stop() {
      await proc.stop('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
