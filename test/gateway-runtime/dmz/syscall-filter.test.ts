/**
 * The unit's SystemCallFilter against what the proxy really calls: the CLI, bundled into one file with
 * esbuild (as the single-file build is), runs under `strace -f` through a start with server.tls, an
 * admitted request, a refused handshake, SIGHUP and SIGTERM; every system call it made must be in the
 * unit's allow list as systemd expands it (`systemd-analyze syscall-filter`).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleStandalone } from '../../../scripts/build-runtime';
import { echoHandler, RunningBackend, startBackend } from '../../support/loopback-backends';
import { TestPki, type Issued } from '../../support/pki';
import { freePort } from '../../support/ports';
import { requireTool } from '../../support/tools';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');
const UNIT = join(ROOT, 'gateway-runtime/dmz/gateway-runtime.service');
const STRACE = requireTool('/usr/bin/strace', 'strace');
const SYSTEMD_ANALYZE = requireTool('/usr/bin/systemd-analyze', 'systemd');
const CURL = requireTool('/usr/bin/curl', 'curl');

function run(command: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(
      command,
      [...args],
      { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        done({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          out: `${stdout}${stderr}`,
        });
      },
    );
  });
}

/** Group name → its members (system calls and further @groups), from `systemd-analyze syscall-filter`. */
function parseGroups(text: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const item = line.trim();
    if (item === '' || item.startsWith('#')) continue;
    if (line.startsWith('@')) groups.set(item, (current = []));
    else current?.push(item);
  }
  return groups;
}

function expand(groups: Map<string, string[]>, entry: string, seen = new Set<string>()): Set<string> {
  if (!entry.startsWith('@')) return new Set([entry]);
  const members = groups.get(entry);
  if (!members) throw new Error(`systemd does not know the system call group ${entry}`);
  const out = new Set<string>();
  for (const member of members) {
    if (seen.has(member)) continue;
    seen.add(member);
    for (const call of expand(groups, member, seen)) out.add(call);
  }
  return out;
}

/** The system calls the unit's SystemCallFilter= lines allow (allow lists joined, `~` lists removed). */
function allowedByUnit(unit: string, groups: Map<string, string[]>): Set<string> {
  const lines = [...unit.matchAll(/^SystemCallFilter=(.+)$/gm)].map((m) => m[1].trim());
  const allowed = new Set<string>();
  const denied = new Set<string>();
  for (const line of lines) {
    const deny = line.startsWith('~');
    for (const entry of line.replace(/^~/, '').split(/\s+/)) {
      for (const call of expand(groups, entry)) (deny ? denied : allowed).add(call);
    }
  }
  for (const call of denied) allowed.delete(call);
  return allowed;
}

let pki: TestPki;
let dir: string;
let serverCa: Issued;
let clientCa: Issued;
let server: Issued;
let client: Issued;
let backend: RunningBackend;

beforeAll(async () => {
  pki = await TestPki.create();
  dir = mkdtempSync(join(tmpdir(), 'syscalls-'));
  serverCa = await pki.ca('sc-server-ca');
  clientCa = await pki.ca('sc-client-ca');
  server = await pki.issue('sc-server', serverCa, { usage: 'server', cn: 'dmz', sans: ['IP:127.0.0.1'] });
  client = await pki.issue('sc-client', clientCa, { usage: 'client', cn: 'gateway' });
  backend = await startBackend(echoHandler);
});

afterAll(async () => {
  await backend?.stop();
  pki?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('gateway-runtime.service SystemCallFilter', () => {
  test('GIVEN the single-file proxy under strace WHEN it serves TLS, refuses a client, reloads and stops THEN every system call it made is allowed by the unit', async () => {
    const bundle = join(dir, 'gateway-runtime.js');
    await bundleStandalone(bundle);
    const port = await freePort();
    const config = join(dir, 'gateway.json');
    writeFileSync(
      config,
      JSON.stringify({
        version: 1,
        name: 'syscalls',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'none' },
        server: {
          host: '127.0.0.1',
          port,
          tls: {
            certificate: { file: server.certFile },
            key: { file: server.keyFile },
            clientCa: { file: clientCa.certFile },
          },
        },
      }),
    );
    const trace = join(dir, 'trace.txt');
    const traced = spawn(
      STRACE,
      ['-f', '-qq', '-o', trace, process.execPath, bundle, 'serve', '--config', config],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    traced.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    traced.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((done) => traced.on('close', (code) => done(code)));
    const waitFor = async (text: string) => {
      for (let i = 0; i < 600 && !out.includes(text); i++) {
        if (traced.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toContain(text);
    };
    try {
      await waitFor('"msg":"listening"');
      const url = `https://127.0.0.1:${port}/orders`;
      const ok = await run(CURL, [
        '-sS',
        '--cacert',
        serverCa.certFile,
        '--cert',
        client.certFile,
        '--key',
        client.keyFile,
        url,
      ]);
      expect(JSON.parse(ok.out)).toMatchObject({ url: '/api/orders' });
      const refused = await run(CURL, ['-sS', '--cacert', serverCa.certFile, url]);
      expect(refused.out).toContain('alert certificate required');
      // strace -f: the node process is strace's child; signals go to it through strace's process group.
      const node = (await run('/usr/bin/pgrep', ['-P', String(traced.pid)])).out.trim();
      expect(node).toMatch(/^\d+$/);
      process.kill(Number(node), 'SIGHUP');
      await waitFor('SIGHUP: re-reading the TLS material');
      process.kill(Number(node), 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (traced.exitCode === null) traced.kill('SIGKILL');
    }

    const traceText = readFileSync(trace, 'utf8');
    const used = new Set([...traceText.matchAll(/^\d+\s+([a-z0-9_]+)\(/gm)].map((m) => m[1]));
    // Socket families, against RestrictAddressFamilies=.
    const families = new Set([...traceText.matchAll(/\bsocket\((AF_[A-Z0-9]+)/g)].map((m) => m[1]));
    expect(families).toContain('AF_INET');
    const restricted =
      /^RestrictAddressFamilies=(.+)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1].split(/\s+/) ?? [];
    expect([...families].filter((family) => !restricted.includes(family))).toEqual([]);
    expect(used.size).toBeGreaterThan(30);
    expect(used).toContain('accept4');
    const groups = parseGroups((await run(SYSTEMD_ANALYZE, ['syscall-filter'])).out);
    const allowed = allowedByUnit(readFileSync(UNIT, 'utf8'), groups);
    expect([...used].filter((call) => !allowed.has(call)).sort()).toEqual([]);
  });

  test('fails when the unit denies a call the proxy makes: the same comparison names it (it can fail)', async () => {
    const groups = parseGroups((await run(SYSTEMD_ANALYZE, ['syscall-filter'])).out);
    const unit = readFileSync(UNIT, 'utf8').replace(
      '~@privileged @resources',
      '~@privileged @resources @network-io',
    );
    const allowed = allowedByUnit(unit, groups);
    expect(allowed.has('accept4')).toBe(false);
    expect(allowedByUnit(readFileSync(UNIT, 'utf8'), groups).has('accept4')).toBe(true);
  });
});
