/**
 * Issue 20: `gateway-runtime check`: one line per step against real things (dnsmasq for the customer's
 * DNS, an HTTPS backend with a private CA and Basic auth, secret files), and the exit code of the first
 * failed step's class.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHECK_EXIT_CODES, runChecks } from '../../gateway-runtime/src/check';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { startDnsmasq, type RunningDnsmasq } from '../support/dnsmasq';
import { createTestPki, type TestPki } from './support/test-ca';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'gateway-runtime/src/cli.ts');
const HOST = 'orders.acme.internal';
const PASSWORD = 'check-pa55-never-printed';

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { exit, stdout: () => stdout, stderr: () => stderr };
}

let dir: string;
let pki: TestPki;
let otherPki: TestPki;
let dns: RunningDnsmasq;
let backend: Server;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'check-'));
  pki = createTestPki(mkdtempSync(join(dir, 'pki-')), HOST);
  otherPki = createTestPki(mkdtempSync(join(dir, 'other-')), HOST);
  writeFileSync(join(dir, 'ca.pem'), pki.caPem);
  writeFileSync(join(dir, 'other-ca.pem'), otherPki.caPem);
  writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
  writeFileSync(join(dir, 'wrong-password'), 'not-it\n');
  dns = await startDnsmasq({ records: { [HOST]: ['127.0.0.1'] } });
  const expected = `Basic ${Buffer.from(`gateway:${PASSWORD}`).toString('base64')}`;
  backend = createServer(
    { cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile) },
    (req, res) => {
      res.writeHead(req.headers.authorization === expected ? 200 : 401, { 'content-type': 'text/plain' });
      res.end('.');
    },
  );
  await new Promise<void>((done) => backend.listen(0, '127.0.0.1', () => done()));
  port = (backend.address() as AddressInfo).port;
});
afterAll(async () => {
  backend?.closeAllConnections();
  await new Promise<void>((done) => (backend ? backend.close(() => done()) : done()));
  await dns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (overrides: { host?: string; ca?: string; password?: string } = {}): GatewayConfig => ({
  version: 1,
  name: 'acme',
  backend: {
    url: `https://${overrides.host ?? HOST}:${port}/api`,
    tls: { ca: { file: join(dir, overrides.ca ?? 'ca.pem') } },
    dns: { servers: [dns.server] },
  },
  security: {
    type: 'basic',
    username: 'gateway',
    password: { file: join(dir, overrides.password ?? 'password') },
  },
});

describe('runChecks', () => {
  test('GIVEN a healthy configuration THEN every step is ok: secrets, DNS through dnsmasq, TCP, TLS with chain and expiry, the request', async () => {
    const result = await runChecks(config(), { path: '/health' });

    expect(result).toMatchObject({ ok: true, exitCode: 0 });
    expect(result.steps.map((s) => [s.step, s.status])).toEqual([
      ['secret backend.tls.ca', 'ok'],
      ['secret security.password', 'ok'],
      [`dns backend ${HOST}`, 'ok'],
      [`tcp 127.0.0.1:${port}`, 'ok'],
      [`tls ${HOST}`, 'ok'],
      ['request GET /health', 'ok'],
    ]);
    expect(result.steps[2].detail).toBe('127.0.0.1 (configured DNS)');
    expect(result.steps[4].detail).toMatch(
      new RegExp(
        `^TLSv1\\.3, verified; chain ${HOST.replace(/\./g, '\\.')} \\(1 days to expiry\\) <- backend-link test CA \\(1 days to expiry\\); names DNS:${HOST.replace(/\./g, '\\.')}$`,
      ),
    );
    expect(result.steps[5].detail).toMatch(/^200 in \d+ ms$/);
    expect(dns.queries()).toContain(`A ${HOST}`);
  });

  test.each<[string, Parameters<typeof config>[0], keyof typeof CHECK_EXIT_CODES, string, RegExp]>([
    [
      'a secret file is missing',
      { password: 'missing' },
      'secret',
      'secret security.password',
      /can not be read \(ENOENT\) \[ENOENT\]$/,
    ],
    [
      'the name is unknown to the customer DNS',
      { host: 'billing.acme.internal' },
      'dns',
      'dns backend billing.acme.internal',
      /NXDOMAIN/,
    ],
    [
      'the backend certificate is from another CA',
      { ca: 'other-ca.pem' },
      'tls',
      `tls ${HOST}`,
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self-signed/i,
    ],
    [
      'the password is wrong',
      { password: 'wrong-password' },
      'request',
      'request GET /health',
      /^401 in \d+ ms: the backend refused the credentials$/,
    ],
  ])(
    'fails when %s: the exit code of its class, the failed step says why',
    async (_what, overrides, klass, step, detail) => {
      const result = await runChecks(config(overrides), { path: '/health' });

      expect(result.ok).toBe(false);
      expect(result.exitCode).toBe(CHECK_EXIT_CODES[klass]);
      const failed = result.steps.find((s) => s.status === 'FAIL');
      expect(failed?.step).toBe(step);
      expect(failed?.detail).toMatch(detail);
      expect(JSON.stringify(result)).not.toContain(PASSWORD);
    },
  );
});

describe('gateway-runtime check', () => {
  test('GIVEN a healthy file THEN one ok line per step and exit 0', async () => {
    const file = join(dir, 'healthy.json');
    writeFileSync(file, JSON.stringify(config()));
    const cli = runCli(['check', '--config', file, '--path', '/health']);
    expect(await cli.exit).toBe(0);
    const lines = cli.stdout().trim().split('\n');
    expect(lines.map((l) => l.slice(0, 5))).toEqual([
      'ok   ',
      'ok   ',
      'ok   ',
      'ok   ',
      'ok   ',
      'ok   ',
      'ok   ',
    ]);
    expect(lines[0]).toBe(
      `ok   config ${file}: valid (name acme, scheme basic, backend https://${HOST}:${port}/api)`,
    );
    expect(cli.stdout()).not.toContain(PASSWORD);
  });

  test('fails when the name does not resolve: FAIL line, later steps skipped, exit 4', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(config({ host: 'billing.acme.internal' })));
    const cli = runCli(['check', '--config', file, '--path', '/health']);
    expect(await cli.exit).toBe(4);
    expect(cli.stdout()).toContain(
      `FAIL dns backend billing.acme.internal: backend name billing.acme.internal not resolved through ${dns.server}`,
    );
    expect(cli.stdout()).toContain('skip tcp backend port');
    expect(cli.stdout()).toContain('skip request GET /health: an earlier step failed');
  });

  test('fails when the file is invalid: FAIL config lines, exit 2', async () => {
    const file = join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ version: 1 }));
    const cli = runCli(['check', '--config', file]);
    expect(await cli.exit).toBe(2);
    expect(cli.stdout()).toContain(`FAIL config ${file}: name: `);
  });
});
