/** Loopback ports for servers started by tests: a free ephemeral port, and waiting until one accepts. */
import { readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { TestProcess } from './processes';

/** A port that was free a moment ago (the OS picks it; the caller binds it next). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to host:port succeeds; polls, no fixed sleep. */
export async function waitForPort(
  port: number,
  options: { host?: string; timeoutMs?: number; isAlive?: () => string | undefined } = {},
): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    const dead = options.isAlive?.();
    if (dead) throw new Error(dead);
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after waiting`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until a server process started by a test listens on `port`. If it exits first (or never
 * listens), kills it, removes its directory `dir` and throws with its output and `dir/error.log`.
 */
export async function waitForServer(proc: TestProcess, port: number, dir: string): Promise<void> {
  try {
    await waitForPort(port, {
      isAlive: () => {
        const exited = proc.exited();
        if (!exited) return undefined;
        let log = '';
        try {
          log = readFileSync(join(dir, 'error.log'), 'utf8');
        } catch {
          // no error log yet
        }
        return `${exited}\n${log}`;
      },
    });
  } catch (error) {
    await proc.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
