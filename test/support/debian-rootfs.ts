/**
 * A Debian root file system booted with its own systemd as PID 1, for tests that need a live service
 * manager (dynamic users, sandboxing, reload and stop as systemd does them).
 *
 * `unpackDebianRootfs` makes the root file system with `debootstrap` from the Debian mirror apt uses here
 * (never a hard-coded one) and keeps a tar of it under the system's temporary directory, so that a later
 * run unpacks it in seconds instead of bootstrapping again (about two minutes). Nothing of it enters the
 * repository.
 *
 * `bootSystemd` starts /lib/systemd/systemd in new mount, PID, UTS, IPC, network and cgroup namespaces
 * (`unshare`), in a cgroup of its own, chrooted into the root file system: proc (its /proc/sys read-only),
 * sysfs read-only, cgroup2 at /sys/fs/cgroup, tmpfs on /run, /tmp and /dev (a few device nodes, its own
 * devpts), `container=other` in the environment. The host's network, hostname, kernel settings and devices
 * stay out of reach: the network namespace has only `lo`. It resolves once systemd has exited (a unit
 * inside ends it with `systemctl exit N`); on timeout the whole cgroup is killed. Either way no process of
 * it is left. systemd-nspawn is not used: it wants the host's system bus.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool } from './tools';

const run = promisify(execFile);

const DEBOOTSTRAP = '/usr/sbin/debootstrap';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const UNSHARE = '/usr/bin/unshare';
const TAR = '/usr/bin/tar';

/** Tools and privileges the live tests need; a missing one fails loudly, in CI and outside it. */
export function requireLiveSystemdHost(): void {
  requireTool(DEBOOTSTRAP, 'debootstrap');
  requireTool(UNSHARE, 'util-linux');
  requireTool(TAR, 'tar');
  requireTool('/usr/sbin/chroot', 'coreutils');
  requireTool('/usr/sbin/ip', 'iproute2');
  if (!existsSync(KEYRING)) {
    throw new Error(
      `${KEYRING} is missing: install the Debian package "debian-archive-keyring" (listed in .ci/apt-packages)`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'booting a root file system with systemd needs root (mount, PID and cgroup namespaces, chroot)' +
        (process.env.CI === 'true' ? ' — CI must not skip this test' : ''),
    );
  }
}

/**
 * The Debian mirror apt uses on this machine for `suite` (the first `deb` source whose suites include it,
 * from /etc/apt/sources.list and /etc/apt/sources.list.d, one-line or deb822 format).
 */
export function debianMirror(suite: string): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    files.push(
      ...readdirSync(dir)
        .filter((name) => name.endsWith('.list') || name.endsWith('.sources'))
        .sort()
        .map((name) => join(dir, name)),
    );
  }
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name: string) =>
          new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1].trim().split(/\s+/) ?? [];
        if (field('Types').includes('deb') && field('Suites').includes(suite)) {
          const [uri] = field('URIs');
          if (uri) return uri;
        }
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s/.exec(line.trim());
        if (m && m[2] === suite) return m[1];
      }
    }
  }
  throw new Error(
    `apt has no "deb" source for Debian ${suite} (in /etc/apt/sources.list or sources.list.d): debootstrap needs the mirror`,
  );
}

export interface DebianRootfsOptions {
  /** The Debian suite, e.g. `bookworm`. */
  readonly suite: string;
  /** Packages beyond the `minbase` variant. */
  readonly include: readonly string[];
}

/** Where the tars of bootstrapped root file systems are kept between runs. */
export const ROOTFS_CACHE = join(tmpdir(), 'backend-link-debian-rootfs');

/**
 * Unpacks a fresh root file system into `dest` (which must not exist): from the cached tar, or, without
 * one, from `debootstrap --variant=minbase` (the tar is written for the next run).
 */
export async function unpackDebianRootfs(
  dest: string,
  options: DebianRootfsOptions,
): Promise<{ bootstrapped: boolean; mirror: string }> {
  const mirror = debianMirror(options.suite);
  const include = [...options.include].sort().join(',');
  const key = createHash('sha256')
    .update(JSON.stringify({ suite: options.suite, include, mirror, variant: 'minbase', arch: process.arch }))
    .digest('hex')
    .slice(0, 16);
  const tarball = join(ROOTFS_CACHE, `${options.suite}-minbase-${key}.tar`);
  let bootstrapped = false;
  if (!existsSync(tarball)) {
    mkdirSync(ROOTFS_CACHE, { recursive: true });
    const work = mkdtempSync(join(ROOTFS_CACHE, 'build-'));
    try {
      const root = join(work, 'root');
      try {
        await run(
          DEBOOTSTRAP,
          ['--variant=minbase', `--include=${include}`, `--keyring=${KEYRING}`, options.suite, root, mirror],
          { maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 },
        );
      } catch (error) {
        const e = error as Error & { stdout?: string; stderr?: string };
        throw new Error(
          `debootstrap ${options.suite} from ${mirror} failed: ${e.message}\n${(e.stdout ?? '').slice(-4000)}${e.stderr ?? ''}`,
        );
      }
      const partial = join(work, 'rootfs.tar');
      await run(TAR, ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-C', root, '-cf', partial, '.']);
      renameSync(partial, tarball); // atomic: a concurrent run sees a whole tar or none
      bootstrapped = true;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  mkdirSync(dest);
  await run(TAR, ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-C', dest, '-xf', tarball]);
  return { bootstrapped, mirror };
}

/** The boot script: PID 1 of the new namespaces until it execs systemd (host binaries, host paths). */
const BOOT_SCRIPT = `set -eu
root=$1
# The root must be a mount point: systemd's per-service mount namespaces (PrivateTmp=, ProtectSystem=, ...)
# fail with EINVAL in a chroot that is not one.
mount --bind "$root" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount --bind "$root/proc/sys" "$root/proc/sys"
mount -o remount,bind,ro "$root/proc/sys"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
mknod -m 0666 "$root/dev/null" c 1 3
mknod -m 0666 "$root/dev/zero" c 1 5
mknod -m 0666 "$root/dev/full" c 1 7
mknod -m 0666 "$root/dev/random" c 1 8
mknod -m 0666 "$root/dev/urandom" c 1 9
mknod -m 0666 "$root/dev/tty" c 5 0
mkdir -m 0755 "$root/dev/pts"
mkdir -m 1777 "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ip link set lo up
for address in $ADDRESSES; do ip address add "$address" dev lo; done
exec env -i container=other /usr/sbin/chroot "$root" /lib/systemd/systemd
`;

export interface BootOptions {
  /** Addresses added to `lo` of the new network namespace (`lo` has 127.0.0.1 and ::1 anyway). @default [] */
  readonly addresses?: readonly string[];
  /** When to kill the whole boot. */
  readonly timeoutMs: number;
}

export interface BootResult {
  /** systemd's exit code (`systemctl exit N` inside), null when killed. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** What the boot script and systemd wrote to stdout and stderr. */
  readonly output: string;
  readonly seconds: number;
}

/** The cgroup2 directory of this process on the host (the unified hierarchy, also on hybrid hosts). */
function ownCgroup2(): string {
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2');
  if (!mount) throw new Error('no cgroup2 file system is mounted: systemd in a container needs one');
  const path = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
  return join(mount[4], path);
}

function removeCgroup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroup(join(dir, entry.name));
  }
  rmdirSync(dir);
}

/** Boots `root` with systemd as PID 1 and resolves once it has exited and every process of it is gone. */
export async function bootSystemd(root: string, options: BootOptions): Promise<BootResult> {
  const started = Date.now();
  const cgroup = join(ownCgroup2(), `backend-link-boot-${process.pid}-${started}`);
  mkdirSync(cgroup);
  const script = join(mkdtempSync(join(tmpdir(), 'boot-')), 'boot.sh');
  writeFileSync(script, BOOT_SCRIPT);
  // The shell moves itself into the new cgroup, then becomes unshare, whose child is PID 1 of the new
  // PID namespace (--kill-child: it dies with unshare) and the root of the new cgroup namespace.
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      `echo $$ > "$1/cgroup.procs" && exec ${UNSHARE} --mount --pid --fork --kill-child=SIGKILL --uts --ipc --net --cgroup /bin/sh "$2" "$3"`,
      'boot',
      cgroup,
      script,
      root,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ADDRESSES: (options.addresses ?? []).join(' ') },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  const killAll = () => {
    // cgroup.kill (Linux 5.14) kills every process of the subtree at once; unshare's death kills PID 1 too.
    try {
      writeFileSync(join(cgroup, 'cgroup.kill'), '1');
    } catch {
      // an older kernel: --kill-child takes PID 1, and the kernel every other process of its namespace
    }
    child.kill('SIGKILL');
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killAll();
  }, options.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (c, s) => done({ code: c, signal: s })),
  );
  clearTimeout(timer);
  // PID 1 has exited, so the kernel kills the rest of its namespace; wait until the cgroup is empty.
  for (let i = 0; i < 200; i++) {
    const populated = /^populated 1$/m.test(readFileSync(join(cgroup, 'cgroup.events'), 'utf8'));
    if (!populated) break;
    if (i === 100) killAll();
    await new Promise((r) => setTimeout(r, 50));
  }
  removeCgroup(cgroup);
  rmSync(join(script, '..'), { recursive: true, force: true });
  return { code, signal, timedOut, output, seconds: (Date.now() - started) / 1000 };
}

/** Removes an unpacked root file system, refusing while anything is still mounted inside it. */
export function removeRootfs(dir: string): void {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point) => point !== undefined && (point === dir || point.startsWith(`${dir}/`)));
  if (mounted.length > 0) {
    throw new Error(`not removing ${dir}: still mounted inside it: ${mounted.join(', ')}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
