/**
 * nginx (Debian's nginx) running a given `server` block, e.g. the DMZ proxy block the handoff generates:
 * the block is placed unchanged in a minimal `http { }` whose pid, logs and temp paths live in a temporary
 * directory. `checkServerBlock` runs `nginx -t` on it; `startServerBlock` runs it until `stop()`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitForServer } from './ports';
import { startProcess } from './processes';
import { nginxTempPaths } from './nginx-temp-paths';
import { requireTool } from './tools';

export const NGINX = '/usr/sbin/nginx';

export interface RunningServerBlock {
  readonly dir: string;
  /** Access-log lines so far: `<remote address> <status> <request line> <ssl_client_verify>`. */
  accessLog(): string[];
  errorLog(): string;
  stop(): Promise<void>;
}

function prepare(serverBlock: string): { dir: string; confFile: string; args: string[] } {
  const binary = requireTool(NGINX, 'nginx');
  const dir = mkdtempSync(join(tmpdir(), 'nginx-block-'));
  chmodSync(dir, 0o755);
  const tempPaths = nginxTempPaths(dir);
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
${tempPaths}
  default_type text/plain;
  log_format short '$remote_addr $status "$request" $ssl_client_verify';
  access_log ${dir}/access.log short;
${serverBlock}
}
`;
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  return { dir, confFile, args: [binary, '-p', dir, '-e', join(dir, 'error.log'), '-c', confFile] };
}

/** `nginx -t` on the block: resolves with nginx's output when it accepts it, rejects with it otherwise. */
export async function checkServerBlock(serverBlock: string): Promise<string> {
  const { dir, args } = prepare(serverBlock);
  try {
    const { stderr } = await promisify(execFile)(args[0], [...args.slice(1), '-t']);
    return stderr;
  } catch (error) {
    throw new Error(`nginx -t refused the block: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts nginx with the block; `port` is the port its `listen` names (the caller chose it free). */
export async function startServerBlock(serverBlock: string, port: number): Promise<RunningServerBlock> {
  const { dir, args } = prepare(serverBlock);
  const proc = startProcess(args[0], [...args.slice(1), '-g', 'daemon off;']);
  await waitForServer(proc, port, dir);
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    dir,
    accessLog: () => read('access.log').split('\n').filter(Boolean),
    errorLog: () => read('error.log'),
    async stop() {
      await proc.stop('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
