/**
 * The systemd unit shipped for the DMZ host (gateway-runtime/dmz/gateway-runtime.service): systemd's own
 * checker accepts it, its sandboxing is what the README promises, and systemd rates its exposure "OK".
 * The machine has no running systemd, so the unit is checked offline in a temporary root that holds the
 * unit, stand-ins for its executables and a copy of the system's unit directory.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from '../../../gateway-runtime/src/cli';
import { requireTool } from '../../support/tools';

jest.setTimeout(60_000);

const UNIT = resolve(__dirname, '../../../gateway-runtime/dmz/gateway-runtime.service');
const SYSTEMD_ANALYZE = requireTool('/usr/bin/systemd-analyze', 'systemd');
const SYSTEM_UNITS = '/lib/systemd/system';

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(SYSTEMD_ANALYZE, [...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The [Service] settings of a unit: every value of each key, in order (repeated keys add up). */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    if (section !== 'Service') continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)]);
  }
  return settings;
}

/** The executable paths of ExecStart/ExecReload (without systemd's prefixes such as `-` or `+`). */
function executables(settings: Map<string, string[]>): string[] {
  return ['ExecStart', 'ExecReload'].flatMap((key) =>
    (settings.get(key) ?? []).map((command) => command.replace(/^[-+!@:]+/, '').split(/\s+/)[0]),
  );
}

let root: string;
const unitText = readFileSync(UNIT, 'utf8');
const settings = serviceSettings(unitText);

/** A root with the system's units, the unit under test and a stand-in for each executable it names. */
function makeRoot(unit: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'systemd-root-'));
  cpSync(SYSTEM_UNITS, join(dir, 'lib/systemd/system'), { recursive: true });
  mkdirSync(join(dir, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(dir, 'etc/systemd/system/gateway-runtime.service'), unit);
  for (const executable of executables(serviceSettings(unit))) {
    mkdirSync(join(dir, dirname(executable)), { recursive: true });
    writeFileSync(join(dir, executable), '#!/bin/sh\n');
    chmodSync(join(dir, executable), 0o755);
  }
  return dir;
}

beforeAll(() => {
  if (!existsSync(`${SYSTEM_UNITS}/multi-user.target`)) {
    throw new Error(`${SYSTEM_UNITS} has no multi-user.target: install the Debian package "systemd"`);
  }
  root = makeRoot(unitText);
});
afterAll(() => root && rmSync(root, { recursive: true, force: true }));

describe('gateway-runtime.service', () => {
  test('GIVEN the shipped unit WHEN systemd-analyze verify checks it THEN it passes without a single warning', async () => {
    const result = await run([
      'verify',
      `--root=${root}`,
      join(root, 'etc/systemd/system/gateway-runtime.service'),
    ]);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test.each([
    [
      'a setting has an invalid value',
      ['ProtectSystem=strict', 'ProtectSystem=strictt'],
      'Failed to parse protect system value',
    ],
    ['a setting is misspelt', ['NoNewPrivileges=yes', 'NoNewPrivilege=yes'], "Unknown key 'NoNewPrivilege'"],
  ])('fails when %s: the same check names it (it can fail)', async (_what, [from, to], message) => {
    expect(unitText).toContain(from);
    const broken = makeRoot(unitText.replace(from, to));
    try {
      const result = await run([
        'verify',
        `--root=${broken}`,
        join(broken, 'etc/systemd/system/gateway-runtime.service'),
      ]);
      expect(result.stderr).toContain(message);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  test('GIVEN the unit WHEN systemd-analyze security rates it offline THEN its exposure is at most 1.5 ("OK")', async () => {
    // --threshold is the exposure times ten: 15 = 1.5 (systemd's scale: 10 is unprotected, below 2 "OK").
    const result = await run([
      'security',
      '--offline=true',
      `--root=${root}`,
      '--threshold=15',
      'gateway-runtime.service',
    ]);
    expect(result.stdout).toMatch(/Overall exposure level for gateway-runtime\.service: 1\.[0-5] OK/);
    expect(result.code).toBe(0);
  });

  test.each([
    ['DynamicUser', ['yes']],
    ['ProtectSystem', ['strict']],
    ['NoNewPrivileges', ['yes']],
    ['CapabilityBoundingSet', ['CAP_NET_BIND_SERVICE']],
    ['AmbientCapabilities', ['CAP_NET_BIND_SERVICE']],
    ['PrivateTmp', ['yes']],
    ['ProtectHome', ['yes']],
    ['PrivateDevices', ['yes']],
    ['ProtectKernelTunables', ['yes']],
    ['ProtectKernelModules', ['yes']],
    ['ProtectControlGroups', ['yes']],
    ['RestrictNamespaces', ['yes']],
    ['RestrictSUIDSGID', ['yes']],
    ['LockPersonality', ['yes']],
    ['RestrictAddressFamilies', ['AF_INET AF_INET6 AF_UNIX AF_NETLINK']],
    [
      'SystemCallFilter',
      ['@system-service', 'pkey_alloc pkey_free pkey_mprotect', '~@privileged @resources'],
    ],
    ['SystemCallArchitectures', ['native']],
    ['RestartPreventExitStatus', ['2']],
    ['ExecReload', ['/bin/kill -HUP $MAINPID']],
  ])('GIVEN the unit THEN %s is %j', (key, values) => {
    expect(settings.get(key)).toEqual(values);
  });

  test("GIVEN DynamicUser=yes THEN no static group of the runbook takes the dynamic user's name (status=217/USER: the service would never start)", () => {
    // Without User=, systemd names the dynamic user and its group after the unit; it can not allocate
    // them when a static group has that name. A live systemd shows it (live-systemd.test.ts); this is
    // the same rule, checked offline.
    const dynamicUser = settings.get('User')?.[0] ?? 'gateway-runtime';
    const readme = readFileSync(resolve(__dirname, '../../../gateway-runtime/README.md'), 'utf8');
    const staticGroups = [
      ...(settings.get('SupplementaryGroups') ?? []).flatMap((v) => v.split(/\s+/)),
      ...[...readme.matchAll(/groupadd\s+(?:--\S+\s+)*(\S+)/g)].map((m) => m[1]),
    ];
    expect(staticGroups).toContain('gateway-runtime');
    expect(staticGroups).not.toContain(dynamicUser);
    expect(settings.get('User')).toEqual(['gateway-runtime-proxy']);
  });

  test('GIVEN ExecStart THEN it runs the single-file build with serve --config, as the CLI parses it', () => {
    const [command] = settings.get('ExecStart') ?? [];
    const [node, script, ...args] = command.split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(script).toBe('/opt/gateway-runtime/gateway-runtime.js');
    expect(parseArgs(args)).toEqual({
      command: 'serve',
      config: '/etc/gateway-runtime/gateway.json',
      help: false,
      problems: [],
    });
  });

  test('GIVEN the package THEN it ships the unit (package.json files)', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as {
      files: string[];
    };
    expect(pkg.files).toContain('gateway-runtime/dmz/');
  });
});
