/**
 * The twin's system layer: the tools it needs, network namespaces it creates and always removes, processes
 * it starts inside them (tracked by pid, stopped by pid), and bounded waits.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';

/** Every binary the twin runs, with the Debian package that ships it (all in .ci/apt-packages). */
export const TWIN_TOOLS = {
  ip: ['/usr/sbin/ip', 'iproute2'],
  nft: ['/usr/sbin/nft', 'nftables'],
  charon: ['/usr/sbin/charon-systemd', 'charon-systemd'],
  swanctl: ['/usr/sbin/swanctl', 'strongswan-swanctl'],
  libipsec: ['/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so', 'libcharon-extra-plugins'],
  openssl: ['/usr/lib/ipsec/plugins/libstrongswan-openssl.so', 'libstrongswan-standard-plugins'],
  dnsmasq: ['/usr/sbin/dnsmasq', 'dnsmasq-base'],
  apache: ['/usr/sbin/apache2', 'apache2'],
  opensslCli: ['/usr/bin/openssl', 'openssl'],
  curl: ['/usr/bin/curl', 'curl'],
} as const;

export class TwinError extends Error {
  public override readonly name = 'TwinError';
}

/** Fails loudly, naming every missing tool and its Debian package, and when not root. */
export function checkTwinPrerequisites(): void {
  const missing: string[] = [];
  for (const [path, pkg] of Object.values(TWIN_TOOLS)) {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      missing.push(`${path} (Debian package "${pkg}")`);
    }
  }
  if (missing.length > 0) {
    throw new TwinError(
      `the VPN twin needs ${missing.join(', ')}: install them (listed in .ci/apt-packages)` +
        (process.env.CI === 'true' ? ' — CI must not skip this test' : ''),
    );
  }
  if (process.getuid?.() !== 0) {
    throw new TwinError('the VPN twin creates network namespaces: run it as root (CI does)');
  }
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    throw new TwinError('the VPN twin needs /dev/net/tun (strongSwan runs ESP in user space through it)');
  }
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`); throws with its output unless `allowFailure`. */
export function run(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  try {
    const stdout = execFileSync(command, args, {
      input: options.input,
      timeout: options.timeoutMs ?? 20_000,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string; message: string };
    const result = { status: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
    if (options.allowFailure) return result;
    throw new TwinError(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }
}

/** A long-running process of the twin, its output kept for failure messages. */
export class TwinProcess {
  private output = '';
  private exit?: string;
  private readonly done: Promise<void>;

  constructor(
    public readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.done = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = `${label} exited (code ${code}, signal ${signal})`;
        resolve();
      });
      child.once('error', (error) => {
        this.exit = `${label} failed to start: ${error.message}`;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Undefined while running. */
  exited(): string | undefined {
    return this.exit;
  }

  log(): string {
    return this.output;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exit !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.done;
    clearTimeout(timer);
  }
}

/** Waits until `check` returns a value (not undefined), polling every `intervalMs`, at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; detail?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new TwinError(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${options.detail ? `\n${options.detail()}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

/**
 * One network namespace of the twin. `ip netns exec` bind-mounts `/etc/netns/<name>/resolv.conf` over
 * `/etc/resolv.conf` for what runs inside, which gives a namespace its own DNS servers.
 */
export class Namespace {
  private readonly processes: TwinProcess[] = [];
  private etcDir?: string;

  private constructor(public readonly name: string) {}

  static create(name: string): Namespace {
    run(TWIN_TOOLS.ip[0], ['netns', 'add', name]);
    const ns = new Namespace(name);
    ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Runs a command inside the namespace to completion. */
  exec(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): RunResult {
    return run(TWIN_TOOLS.ip[0], ['netns', 'exec', this.name, command, ...args], options);
  }

  /** Starts a long-running process inside the namespace (`ip netns exec` execs it: same pid). */
  spawn(label: string, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): TwinProcess {
    const child = spawn(TWIN_TOOLS.ip[0], ['netns', 'exec', this.name, command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const proc = new TwinProcess(`${label} (in ${this.name})`, child);
    this.processes.push(proc);
    return proc;
  }

  /** The namespace's own resolv.conf (for processes started after this). */
  setResolvConf(nameservers: readonly string[]): void {
    this.etcDir = `/etc/netns/${this.name}`;
    mkdirSync(this.etcDir, { recursive: true });
    writeFileSync(
      `${this.etcDir}/resolv.conf`,
      `${nameservers.map((s) => `nameserver ${s}`).join('\n')}\noptions timeout:2 attempts:2\n`,
    );
  }

  /** Stops what it started (by pid), then deletes the namespace (and its veth ends) and its /etc/netns. */
  async destroy(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    // Anything still inside (a child of a child): kill it by pid, from the namespace's own list.
    const left = run(TWIN_TOOLS.ip[0], ['netns', 'pids', this.name], { allowFailure: true });
    for (const pid of left.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    run(TWIN_TOOLS.ip[0], ['netns', 'delete', this.name], { allowFailure: true });
    if (this.etcDir) rmSync(this.etcDir, { recursive: true, force: true });
  }
}

/** The names of the twin's namespaces that exist now (to prove none is left behind). */
export function twinNamespaces(prefix: string): string[] {
  return run(TWIN_TOOLS.ip[0], ['netns', 'list'])
    .stdout.split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(prefix));
}

/**
 * Removes every namespace whose name starts with `prefix` (the twin's, named per run), killing by pid what
 * still runs inside, and their /etc/netns directories: the last resort when a run was cut short.
 */
export function removeTwinNamespaces(prefix: string): void {
  for (const name of twinNamespaces(prefix)) {
    const left = run(TWIN_TOOLS.ip[0], ['netns', 'pids', name], { allowFailure: true });
    for (const pid of left.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    run(TWIN_TOOLS.ip[0], ['netns', 'delete', name], { allowFailure: true });
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  }
}
