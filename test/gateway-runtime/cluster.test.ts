/**
 * `server.workers`: `gateway-runtime serve` as several processes on one port, run as users run it (a
 * child process on loopback, a real backend, curl-free TLS clients), read through its own log lines: the
 * workers add their pid to every line, so which process served a request is what the logs say, not a
 * debugging header.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { get } from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  HEARTBEAT_INTERVAL_MS,
  MAX_WORKERS,
  restartDelay,
  RESTART_BASE_MS,
  RESTART_MAX_MS,
  STOP_MARGIN_MS,
  UNRESPONSIVE_AFTER_MS,
  workerCount,
  workersProblem,
} from '../../gateway-runtime/src/cluster';
import { startBackend, echoHandler, type RunningBackend } from '../support/loopback-backends';
import { TestPki, type Issued } from '../support/pki';
import { freePort } from '../support/ports';
import { httpCall, secretFiles } from './fixtures/harness';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'gateway-runtime/src/cli.ts');

type Line = Record<string, unknown>;

/**
 * Runs the CLI. `slowPipe`: its stdout is a real pipe (a FIFO; Node's own stdio pipes are socket pairs)
 * read 4 KiB at a time with a pause after each read, so the pipe is full and a write larger than
 * PIPE_BUF (4 KiB) is split: what journald or a slow log shipper does to a busy server's stdout.
 */
function runCli(args: string[], { slowPipe = false } = {}) {
  let stdoutFd: number | undefined;
  let fifoReader: ReturnType<typeof createReadStream> | undefined;
  if (slowPipe) {
    const fifo = join(files.dir, `stdout-${process.hrtime.bigint()}.fifo`);
    execFileSync('mkfifo', [fifo]);
    // Read-write first, so neither open waits for the other side; the child gets it as its stdout.
    stdoutFd = openSync(fifo, 'r+');
    fifoReader = createReadStream('', { fd: openSync(fifo, 'r'), highWaterMark: 4096 });
  }
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  let stdout = '';
  let stderr = '';
  if (fifoReader) {
    const reader = fifoReader;
    reader.on('data', (chunk) => {
      stdout += chunk.toString();
      reader.pause();
      setTimeout(() => reader.resume(), 1);
    });
  } else child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) =>
    child.on('close', (code) => {
      if (!fifoReader || fifoReader.closed) return done(code);
      fifoReader.on('close', () => done(code)); // the last lines are still in the pipe
    }),
  );
  /** Every line of stdout, each parsed as JSON (a line that is not JSON fails the test). */
  const lines = (): Line[] =>
    stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as Line;
        } catch {
          throw new Error(`a log line is not JSON (interleaved?): ${l.slice(0, 300)}`);
        }
      });
  const waitFor = async (what: string, test: (lines: Line[]) => boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!test(lines())) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no ${what} (exit ${child.exitCode}):\n${stdout.slice(-4000)}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exit, stdout: () => stdout, stderr: () => stderr, lines, waitFor };
}
type Cli = ReturnType<typeof runCli>;

/** The parent pid of a process, from /proc. */
const parentOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};
const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const servedBy = (lines: Line[], from = 0) =>
  lines
    .slice(from)
    .filter((l) => l.msg === 'request proxied')
    .map((l) => l.pid as number);
const listeningPids = (lines: Line[]) =>
  lines.filter((l) => l.msg === 'listening').map((l) => l.pid as number);

const files = secretFiles();
let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(echoHandler);
});
afterAll(async () => {
  await backend?.stop();
  files.remove();
});

async function config(name: string, server: Record<string, unknown>) {
  const file = join(files.dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      name,
      backend: { url: `${backend.baseUrl}/api` },
      security: { type: 'basic', username: 'svc', password: files.file('s3cr3t') },
      server: { host: '127.0.0.1', ...server },
    }),
  );
  return file;
}

/** `count` requests, each on a connection of its own (the kernel spreads connections, not requests). */
async function requests(port: number, count: number, concurrency = 8, path = '/hello') {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const response = await httpCall(`http://127.0.0.1:${port}${path}`);
        statuses.push(response.status);
      }
    }),
  );
  return statuses;
}

const stopped = async (cli: Cli) => {
  if (cli.child.exitCode === null) {
    cli.child.kill('SIGKILL');
    await cli.exit;
  }
};

describe('server.workers: the checks', () => {
  test.each([0, -1, 1.5, 1025, 'many', '2', true, null])(
    'fails when server.workers is %j: serve and check exit 2 and name the field, the value and the rule',
    async (value) => {
      const file = join(files.dir, 'bad-workers.json');
      writeFileSync(
        file,
        JSON.stringify({
          version: 1,
          name: 'bad-workers',
          backend: { url: `${backend.baseUrl}/api` },
          security: { type: 'none' },
          server: { port: 0, workers: value },
        }),
      );
      const serve = runCli(['serve', '--config', file]);
      expect(await serve.exit).toBe(2);
      expect(serve.stderr()).toContain(
        `  - server.workers: must be an integer from 1 to 1024 or "auto" (one per core), got ${JSON.stringify(value)}`,
      );
      expect(serve.stdout()).toBe('');
      const check = runCli(['check', '--config', file]);
      expect(await check.exit).toBe(2);
      expect(check.stdout()).toContain('server.workers: must be an integer from 1 to 1024 or "auto"');
    },
  );

  test('GIVEN other problems too THEN server.workers is listed with them', async () => {
    const file = join(files.dir, 'bad-both.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 7,
        name: 'x',
        backend: { url: 'http://127.0.0.1:9' },
        security: { type: 'none' },
        server: { workers: 'lots' },
      }),
    );
    const serve = runCli(['serve', '--config', file]);
    expect(await serve.exit).toBe(2);
    expect(serve.stderr()).toContain('  - version: must be 1, got 7\n');
    expect(serve.stderr()).toContain(
      '  - server.workers: must be an integer from 1 to 1024 or "auto" (one per core), got "lots"\n',
    );
  });

  test('workersProblem: only server.workers, only when it is wrong', () => {
    expect(workersProblem({ server: { workers: 0 } })?.path).toBe('server.workers');
    expect(workersProblem({ server: { workers: 'auto' } })).toBeUndefined();
    expect(workersProblem({ server: { workers: MAX_WORKERS } })).toBeUndefined();
    expect(workersProblem({ server: {} })).toBeUndefined();
    expect(workersProblem(null)).toBeUndefined();
  });

  test('"auto" and no value are one per core; a number is itself', () => {
    expect(workerCount('auto', 8)).toBe(8);
    expect(workerCount(undefined, 4)).toBe(4);
    expect(workerCount(3, 8)).toBe(3);
    expect(workerCount('auto', 0)).toBe(1);
  });

  test('the replacement delay doubles per recent exit, capped', () => {
    expect([1, 2, 3, 4].map(restartDelay)).toEqual([
      RESTART_BASE_MS,
      RESTART_BASE_MS * 2,
      RESTART_BASE_MS * 4,
      RESTART_BASE_MS * 8,
    ]);
    expect(restartDelay(50)).toBe(RESTART_MAX_MS);
  });
});

describe('server.workers: 1 is the one process of before', () => {
  test('GIVEN workers: 1 THEN the serve process itself listens and serves: no primary, no pid field, no child', async () => {
    const port = await freePort();
    const cli = runCli(['serve', '--config', await config('one', { port, workers: 1 })]);
    try {
      await cli.waitFor('listening', (ls) => ls.some((l) => l.msg === 'listening'));
      expect((await requests(port, 5)).every((s) => s === 200)).toBe(true);
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
      const lines = cli.lines();
      expect(lines.filter((l) => l.msg === 'request proxied')).toHaveLength(5);
      expect(lines.every((l) => !('pid' in l))).toBe(true);
      expect(lines.some((l) => l.msg === 'serving')).toBe(false);
    } finally {
      await stopped(cli);
    }
  });
});

describe('server.workers: "auto", the default', () => {
  test('GIVEN no server.workers THEN one worker per core serves (os.availableParallelism)', async () => {
    const port = await freePort();
    const cli = runCli(['serve', '--config', await config('auto', { port })]);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      const cores = availableParallelism();
      expect(cli.lines().find((l) => l.msg === 'serving')).toMatchObject({ workers: cores, port });
      expect(listeningPids(cli.lines())).toHaveLength(cores);
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
    } finally {
      await stopped(cli);
    }
  });
});

describe('server.workers: 2', () => {
  test('GIVEN workers: 2 THEN requests are served by both workers (children of the primary), the admin listener answers for them, and a worker killed with SIGKILL is replaced while requests keep succeeding', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const cli = runCli([
      'serve',
      '--config',
      await config('two', { port, workers: 2, admin: { port: adminPort }, shutdownGraceMs: 2000 }),
    ]);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      const primary = cli.child.pid as number;
      const workers = listeningPids(cli.lines());
      expect(workers).toHaveLength(2);
      for (const pid of workers) expect(parentOf(pid)).toBe(primary);
      expect(cli.lines().find((l) => l.msg === 'serving')).toMatchObject({ pid: primary, workers: 2, port });

      const statuses = await requests(port, 60);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      await cli.waitFor('60 request lines', (ls) => servedBy(ls).length === 60);
      expect(new Set(servedBy(cli.lines()))).toEqual(new Set(workers));

      const live = await httpCall(`http://127.0.0.1:${adminPort}/livez`);
      expect([live.status, JSON.parse(live.text)]).toEqual([200, { status: 'alive' }]);
      const ready = await httpCall(`http://127.0.0.1:${adminPort}/readyz`);
      expect([ready.status, JSON.parse(ready.text)]).toEqual([200, { status: 'ready' }]);

      // SIGKILL one worker: the primary logs its exit with the signal and replaces it.
      const [victim, survivor] = workers;
      process.kill(victim, 'SIGKILL');
      await cli.waitFor('the exit of the killed worker', (ls) =>
        ls.some((l) => l.msg === 'worker exited: replacing it'),
      );
      const exited = cli.lines().find((l) => l.msg === 'worker exited: replacing it');
      expect(exited).toMatchObject({
        level: 'error',
        pid: primary,
        worker: { pid: victim },
        signal: 'SIGKILL',
        restartInMs: RESTART_BASE_MS,
      });
      // Meanwhile the other worker serves every request.
      const during = await requests(port, 20, 4);
      expect(during.filter((s) => s !== 200)).toEqual([]);
      await cli.waitFor('the replacement', (ls) => listeningPids(ls).length === 3);
      const replacement = listeningPids(cli.lines())[2];
      expect(workers).not.toContain(replacement);
      expect(parentOf(replacement)).toBe(primary);
      expect(isRunning(victim)).toBe(false);

      const before = servedBy(cli.lines()).length;
      const after = await requests(port, 60);
      expect(after.filter((s) => s !== 200)).toEqual([]);
      await cli.waitFor('the requests after', (ls) => servedBy(ls).length === before + 60);
      expect(new Set(servedBy(cli.lines(), 0).slice(before))).toEqual(new Set([survivor, replacement]));

      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
      expect(isRunning(survivor) || isRunning(replacement)).toBe(false);
    } finally {
      await stopped(cli);
    }
  });

  test('GIVEN a worker whose event loop stops (SIGSTOP) THEN the primary kills it after UNRESPONSIVE_AFTER_MS without a heartbeat and replaces it, and the other worker is left alone', async () => {
    const port = await freePort();
    const cli = runCli(['serve', '--config', await config('frozen', { port, workers: 2 })]);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      const [frozen, healthy] = listeningPids(cli.lines());
      const stoppedAt = Date.now();
      // A stopped process is a blocked event loop seen from outside: no heartbeat, and the connections the
      // kernel hands to its listening socket hang.
      process.kill(frozen, 'SIGSTOP');
      await cli.waitFor(
        'the watchdog',
        (ls) => ls.some((l) => l.msg === 'worker unresponsive: killing it'),
        UNRESPONSIVE_AFTER_MS + 15_000,
      );
      const killedAfterMs = Date.now() - stoppedAt;
      const killed = cli.lines().find((l) => l.msg === 'worker unresponsive: killing it')!;
      expect(killed).toMatchObject({ level: 'error', pid: cli.child.pid, worker: { pid: frozen } });
      expect(killed.unresponsiveMs as number).toBeGreaterThanOrEqual(UNRESPONSIVE_AFTER_MS);
      expect(killedAfterMs).toBeGreaterThanOrEqual(UNRESPONSIVE_AFTER_MS - HEARTBEAT_INTERVAL_MS);

      await cli.waitFor('the replacement', (ls) => listeningPids(ls).length === 3);
      expect(cli.lines().find((l) => l.msg === 'worker exited: replacing it')).toMatchObject({
        worker: { pid: frozen },
        signal: 'SIGKILL',
      });
      expect(isRunning(frozen)).toBe(false);
      expect(isRunning(healthy)).toBe(true);
      expect(cli.lines().filter((l) => l.msg === 'worker unresponsive: killing it')).toHaveLength(1);
      // Every connection is answered again.
      const after = await requests(port, 40);
      expect(after.filter((s) => s !== 200)).toEqual([]);

      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
    } finally {
      await stopped(cli);
    }
  });

  test('GIVEN a worker that keeps dying THEN each replacement waits twice as long as the one before', async () => {
    const port = await freePort();
    const cli = runCli(['serve', '--config', await config('crash-loop', { port, workers: 2 })]);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      for (let round = 1; round <= 3; round++) {
        const pid = listeningPids(cli.lines()).at(-1) as number;
        process.kill(pid, 'SIGKILL');
        await cli.waitFor(`replacement ${round}`, (ls) => listeningPids(ls).length === 2 + round);
      }
      const exits = cli.lines().filter((l) => l.msg === 'worker exited: replacing it');
      expect(exits.map((l) => l.restartInMs)).toEqual([
        RESTART_BASE_MS,
        RESTART_BASE_MS * 2,
        RESTART_BASE_MS * 4,
      ]);
      // And the replacement really waited: between the exit line and the next worker's listening line.
      const at = (l: Line) => Date.parse(l.time as string);
      const third = cli.lines().filter((l) => l.msg === 'listening')[4];
      expect(at(third) - at(exits[2])).toBeGreaterThanOrEqual(RESTART_BASE_MS * 4);
      // SIGINT (a terminal's Ctrl-C) stops them as SIGTERM does.
      const running = listeningPids(cli.lines()).filter(isRunning);
      expect(running).toHaveLength(2);
      cli.child.kill('SIGINT');
      expect(await cli.exit).toBe(0);
      for (const pid of [cli.child.pid, ...running]) {
        expect(cli.lines().some((l) => l.msg === 'SIGINT: shutting down' && l.pid === pid)).toBe(true);
      }
    } finally {
      await stopped(cli);
    }
  });

  test('GIVEN several workers logging at full speed THEN every line on stdout is whole JSON (lines of 3 KiB, batches past PIPE_BUF)', async () => {
    const port = await freePort();
    const cli = runCli(['serve', '--config', await config('flood', { port, workers: 3 })], {
      slowPipe: true,
    });
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      const long = `/${'x'.repeat(3000)}`;
      const total = 1500;
      const statuses = await requests(port, total, 24, long);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
      // lines() throws on any line that is not JSON: two processes' bytes in one line would.
      const lines = cli.lines();
      const proxied = lines.filter((l) => l.msg === 'request proxied');
      expect(proxied).toHaveLength(total);
      expect(proxied.every((l) => l.path === long)).toBe(true);
      expect(new Set(proxied.map((l) => l.pid)).size).toBe(3);
      expect(cli.stdout().length).toBeGreaterThan(total * 3000);
    } finally {
      await stopped(cli);
    }
  });

  test('GIVEN requests in flight in both workers WHEN SIGTERM THEN each worker drains them, new connections are refused, and the primary exits 0 after them', async () => {
    const slow = await startBackend((req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`slow ${req.url}`);
      }, 1500);
    });
    const port = await freePort();
    const file = join(files.dir, 'drain.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'drain',
        backend: { url: slow.baseUrl },
        security: { type: 'none' },
        server: { host: '127.0.0.1', port, workers: 2, shutdownGraceMs: 10_000 },
      }),
    );
    const cli = runCli(['serve', '--config', file]);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      const workers = listeningPids(cli.lines());
      const inFlight = Array.from({ length: 24 }, (_, i) => httpCall(`http://127.0.0.1:${port}/r${i}`));
      await new Promise((r) => setTimeout(r, 500));
      cli.child.kill('SIGTERM');
      await cli.waitFor('the workers draining', (ls) =>
        workers.every((pid) => ls.some((l) => l.msg === 'SIGTERM: shutting down' && l.pid === pid)),
      );
      await expect(httpCall(`http://127.0.0.1:${port}/late`)).rejects.toThrow();
      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status)).toEqual(Array(24).fill(200));
      expect(answers.map((a) => a.text)).toEqual(Array.from({ length: 24 }, (_, i) => `slow /r${i}`));
      expect(await cli.exit).toBe(0);
      const lines = cli.lines();
      // Both workers had requests in flight, and the primary's line is the first of the shutdown.
      expect(new Set(servedBy(lines))).toEqual(new Set(workers));
      expect(lines.find((l) => l.msg === 'SIGTERM: shutting down')).toMatchObject({
        pid: cli.child.pid,
        workers: 2,
      });
      for (const pid of workers) expect(isRunning(pid)).toBe(false);
    } finally {
      await stopped(cli);
      await slow.stop();
    }
  });

  test("GIVEN a secret that can not be read and --allow-unready THEN the primary logs it once, /readyz gives every worker's reasons once each, then ready once the file is there", async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const missing = join(files.dir, 'no-such-password');
    const file = join(files.dir, 'unready.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'unready',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'basic', username: 'svc', password: { file: missing } },
        server: { host: '127.0.0.1', port, workers: 2, admin: { port: adminPort } },
      }),
    );
    const cli = runCli(['serve', '--config', file, '--allow-unready']);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      expect(cli.lines().filter((l) => l.msg === 'secret can not be read: not ready')).toEqual([
        expect.objectContaining({ pid: cli.child.pid, configPath: 'security.password', reason: 'ENOENT' }),
      ]);
      const ready = await httpCall(`http://127.0.0.1:${adminPort}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toEqual({
        status: 'not ready',
        reasons: [
          {
            check: 'secret',
            configPath: 'security.password',
            secret: `secret file ${missing}`,
            reason: 'ENOENT',
          },
        ],
      });
      // Once the file is there, every worker reads it: ready (after the readiness cache's second).
      writeFileSync(missing, 's3cr3t');
      await new Promise((r) => setTimeout(r, 1100));
      const later = await httpCall(`http://127.0.0.1:${adminPort}/readyz`);
      expect([later.status, JSON.parse(later.text)]).toEqual([200, { status: 'ready' }]);
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
    } finally {
      await stopped(cli);
    }
  });

  test('fails when the admin port is taken: the primary says so and exits 1, its workers stopped', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const adminPort = (holder.address() as { port: number }).port;
    const port = await freePort();
    const cli = runCli([
      'serve',
      '--config',
      await config('admin-taken', { port, workers: 2, admin: { port: adminPort } }),
    ]);
    try {
      expect(await cli.exit).toBe(1);
      expect(cli.stderr()).toContain('gateway-runtime: can not listen (EADDRINUSE) for server.admin');
      for (const pid of listeningPids(cli.lines())) expect(isRunning(pid)).toBe(false);
    } finally {
      await stopped(cli);
      holder.close();
    }
  });

  test('GIVEN a worker that does not stop (SIGSTOP) WHEN SIGTERM THEN the primary kills it after shutdownGraceMs and STOP_MARGIN_MS, and exits 1', async () => {
    const port = await freePort();
    const cli = runCli([
      'serve',
      '--config',
      await config('stuck', { port, workers: 2, shutdownGraceMs: 500 }),
    ]);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      const [stuck, other] = listeningPids(cli.lines());
      process.kill(stuck, 'SIGSTOP');
      const sent = Date.now();
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(1);
      expect(Date.now() - sent).toBeGreaterThanOrEqual(500 + STOP_MARGIN_MS);
      expect(cli.lines().find((l) => l.msg === 'worker did not stop in time: killing it')).toMatchObject({
        level: 'error',
        worker: { pid: stuck },
      });
      expect(cli.lines().some((l) => l.msg === 'SIGTERM: shutting down' && l.pid === other)).toBe(true);
      expect(isRunning(stuck)).toBe(false);
    } finally {
      await stopped(cli);
    }
  });

  test('fails when the port is taken: the first worker says so once, the primary exits 1', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    const cli = runCli(['serve', '--config', await config('taken', { port, workers: 2 })]);
    try {
      expect(await cli.exit).toBe(1);
      expect(cli.stderr().match(/can not listen \(EADDRINUSE\)/g)).toHaveLength(1);
      expect(cli.lines().find((l) => l.msg === 'worker could not start: stopping')).toMatchObject({
        exitCode: 1,
      });
    } finally {
      await stopped(cli);
      holder.close();
    }
  });
});

describe('server.workers: 2 with server.tls', () => {
  let pki: TestPki;
  let ca: Issued;
  let first: Issued;
  let second: Issued;
  beforeAll(async () => {
    pki = await TestPki.create();
    ca = await pki.ca('workers-ca');
    first = await pki.issue('workers-first', ca, { usage: 'server', cn: 'dmz', sans: ['IP:127.0.0.1'] });
    second = await pki.issue('workers-second', ca, { usage: 'server', cn: 'dmz', sans: ['IP:127.0.0.1'] });
  });
  afterAll(() => pki?.cleanup());

  /** One request on a new connection: its status and the serial of the certificate it was served. */
  const httpsGet = (port: number, path: string) =>
    new Promise<{ status: number; serial: string }>((resolveGet, reject) => {
      const req = get({ host: '127.0.0.1', port, path, ca: ca.cert, agent: false }, (res) => {
        const serial = (res.socket as TLSSocket).getPeerX509Certificate()?.serialNumber.toUpperCase() ?? '';
        res.resume();
        res.on('end', () => resolveGet({ status: res.statusCode ?? 0, serial }));
      });
      req.on('error', reject);
    });

  test('GIVEN a new certificate WHEN SIGHUP THEN every worker re-reads it and every new connection, whichever worker takes it, is served the new one', async () => {
    const port = await freePort();
    const certFile = join(files.dir, 'server.crt');
    const keyFile = join(files.dir, 'server.key');
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    const file = join(files.dir, 'tls.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'tls-workers',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'none' },
        server: {
          host: '127.0.0.1',
          port,
          workers: 2,
          tls: { certificate: { file: certFile }, key: { file: keyFile } },
        },
      }),
    );
    const cli = runCli(['serve', '--config', file]);
    try {
      await cli.waitFor('serving', (ls) => ls.some((l) => l.msg === 'serving'));
      const workers = listeningPids(cli.lines());
      const served = await Promise.all(Array.from({ length: 10 }, (_, i) => httpsGet(port, `/before-${i}`)));
      expect(new Set(served.map((r) => `${r.status} ${r.serial}`))).toEqual(new Set([`200 ${first.serial}`]));

      writeFileSync(certFile, second.cert);
      writeFileSync(keyFile, second.key);
      cli.child.kill('SIGHUP');
      await cli.waitFor(
        'both workers reloading',
        (ls) =>
          workers.every((pid) =>
            ls.some(
              (l) =>
                l.msg === 'server TLS material reloaded' &&
                l.pid === pid &&
                (l.certificate as { serial: string }).serial === second.serial,
            ),
          ),
        5_000,
      );
      expect(
        cli.lines().find((l) => l.msg === 'SIGHUP: re-reading the TLS material in every worker'),
      ).toMatchObject({
        pid: cli.child.pid,
        workers: 2,
      });
      // 40 new connections, one request each: every one is served the new certificate, and the request
      // lines show both workers took some.
      const before = servedBy(cli.lines()).length;
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => httpsGet(port, `/after-${i}`)));
      expect(new Set(results.map((r) => `${r.status} ${r.serial}`))).toEqual(
        new Set([`200 ${second.serial}`]),
      );
      await cli.waitFor('the requests after', (ls) => servedBy(ls).length === before + 40);
      expect(new Set(servedBy(cli.lines()).slice(before))).toEqual(new Set(workers));
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
    } finally {
      await stopped(cli);
    }
  });
});
