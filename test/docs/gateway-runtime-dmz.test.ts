/**
 * gateway-runtime/README.md, "Running in your DMZ": its commands run as written, on loopback. The openssl
 * commands make the server key and request and the gateway's pin; the documented configuration (its paths
 * moved into a temporary directory, its Elastic IPs replaced by loopback, port 443 by a free port, the
 * backend by a digest backend started here) is served by the CLI; the section's curl checks run with
 * `--resolve` pointing the name at it. The host administration lines (`sudo install`, `systemctl`) are not
 * run here: their paths are checked against the shipped unit, which test/gateway-runtime/dmz checks with
 * systemd-analyze; live-systemd.test.ts there runs every command of the section on a booted systemd.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkListenAddress } from '../../gateway-runtime/src/adapters/server-tls';
import { validateConfig } from '../../gateway-runtime/src/config';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { ConfigError } from '../../gateway-runtime/src/core/errors';
import { startDigestBackend, type DigestBackend } from '../support/digest-backend';
import { dmzBlocks, dmzCommands, dmzSection } from '../support/dmz-runbook';
import { TestPki, type Issued } from '../support/pki';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';

jest.setTimeout(90_000);

const ROOT = resolve(__dirname, '../..');
const UNIT = join(ROOT, 'gateway-runtime/dmz/gateway-runtime.service');
const CLI = join(ROOT, 'gateway-runtime/src/cli.ts');
const CURL = requireTool('/usr/bin/curl', 'curl');
requireTool('/usr/bin/openssl', 'openssl');

const section = dmzSection();
const blocks = (lang: string) => dmzBlocks(lang, section);
const commands = dmzCommands(section);
const documented = JSON.parse(blocks('json')[0]) as GatewayConfig;
const command = (start: string): string => {
  const found = commands.filter((line) => line.startsWith(start));
  if (found.length === 0) throw new Error(`the DMZ section has no command starting with "${start}"`);
  return found[0];
};
const commandsStarting = (start: string) => commands.filter((line) => line.startsWith(start));

function sh(line: string, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    execFile('/bin/sh', ['-c', line], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ code, out: `${stdout}${stderr}` });
    });
  });
}

let pki: TestPki;
let work: string;
let dmzCa: Issued;
let clientCa: Issued;
let gatewayClient: Issued;
let backend: DigestBackend;

beforeAll(async () => {
  pki = await TestPki.create();
  work = mkdtempSync(join(tmpdir(), 'dmz-readme-'));
  dmzCa = await pki.ca('acme-dmz-ca');
  clientCa = await pki.ca('apicloud-client-ca');
  gatewayClient = await pki.issue('gateway-client', clientCa, { usage: 'client', cn: 'apicloud-gateway' });
  writeFileSync(join(work, 'dmz-ca.pem'), dmzCa.cert);
  writeFileSync(join(work, 'client-ca.pem'), clientCa.cert);
  writeFileSync(join(work, 'gateway-client.crt'), gatewayClient.cert);
  writeFileSync(join(work, 'gateway-client.key'), gatewayClient.key, { mode: 0o600 });
  backend = await startDigestBackend({
    realm: 'orders',
    username: 'apicloud',
    password: 'the backend password',
    algorithm: 'MD5',
  });
});

afterAll(async () => {
  await backend?.stop();
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('README: Running in your DMZ', () => {
  test('GIVEN the documented configuration THEN it is valid, and without server.tls.clientCa it would not start', async () => {
    expect(validateConfig(documented)).toBe(documented);
    expect(documented.server?.host).toBe('0.0.0.0');
    await expect(checkListenAddress(documented, '0.0.0.0')).resolves.toBeUndefined();
    const { clientCa: _dropped, ...withoutCa } = documented.server?.tls ?? { certificate: {}, key: {} };
    const open = { ...documented, server: { ...documented.server, tls: withoutCa } } as GatewayConfig;
    await expect(checkListenAddress(open, '0.0.0.0')).rejects.toBeInstanceOf(ConfigError);
  });

  test('GIVEN the install commands THEN they put every file where the shipped unit and the configuration read it', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1] ?? '';
    const [, script, , , configFile] = execStart.split(/\s+/);
    const installs = commandsStarting('sudo install').join('\n');
    expect(installs).toContain(`package/dist/gateway-runtime.js ${script}`);
    expect(installs).toContain(`gateway.json ${configFile}`);
    expect(installs).toContain(
      'package/gateway-runtime/dmz/gateway-runtime.service /etc/systemd/system/gateway-runtime.service',
    );
    expect(command('tar -xzf')).toContain('package/gateway-runtime/dmz/gateway-runtime.service');
    expect(unit).toContain('SupplementaryGroups=gateway-runtime');
    expect(command('sudo groupadd')).toBe('sudo groupadd --system gateway-runtime');
    // Every secret file of the configuration is installed, readable by the unit's group.
    const tls = documented.server?.tls;
    const files = [
      tls?.certificate,
      tls?.key,
      tls?.clientCa,
      (documented.security as { password: unknown }).password,
    ].map((ref) => (ref as { file: string }).file);
    for (const file of files) {
      const [dir, name] = [file.slice(0, file.lastIndexOf('/')), file.slice(file.lastIndexOf('/') + 1)];
      const line = commands.find(
        (l) =>
          l.includes('sudo install') &&
          ((l.includes(`${dir}/`) && l.split(/\s+/).includes(name)) || l.endsWith(` ${file}`)),
      );
      expect(line).toMatch(/-m 0640 -g gateway-runtime/);
    }
  });

  test('GIVEN the openssl commands as written WHEN run THEN they make a key and request for the server name, and the pin of the gateway certificate', async () => {
    const request = await sh(command('openssl req -new'), work);
    expect(request.code).toBe(0);
    const csr = await sh('openssl req -in server.csr -noout -subject -text', work);
    expect(csr.out).toContain('subject=CN = dmz.acme.example');
    expect(csr.out).toContain('DNS:dmz.acme.example');
    const pin = await sh(command('openssl x509 -in gateway-client.crt'), work);
    expect(pin.code).toBe(0);
    expect(pin.out.trim()).toBe(await pki.spkiPin(gatewayClient));
  });

  test('GIVEN the documented configuration served by the CLI WHEN the section\'s curl checks run THEN the gateway certificate gets the health answer and a proxied digest request, anyone else the "certificate required" alert', async () => {
    // The server certificate: the section's request, signed by "your CA" (here a test CA).
    if ((await sh('test -f server.csr || exit 1', work)).code !== 0) {
      expect((await sh(command('openssl req -new'), work)).code).toBe(0);
    }
    const ext = join(work, 'server.ext');
    writeFileSync(ext, 'subjectAltName=DNS:dmz.acme.example\nextendedKeyUsage=serverAuth\n');
    const signed = await sh(
      `openssl x509 -req -in server.csr -CA ${dmzCa.certFile} -CAkey ${dmzCa.keyFile} -set_serial 0x1234 -days 30 -extfile ${ext} -out server.crt`,
      work,
    );
    expect(signed.code).toBe(0);

    // /etc/gateway-runtime of the section, in the temporary directory.
    const etc = join(work, 'etc-gateway-runtime');
    mkdirSync(join(etc, 'tls'), { recursive: true });
    for (const name of ['server.crt', 'server.key', 'client-ca.pem']) {
      writeFileSync(join(etc, 'tls', name), readFileSync(join(work, name)));
    }
    writeFileSync(join(etc, 'backend-password'), 'the backend password');
    const port = await freePort();
    const text = JSON.stringify(documented).replaceAll('/etc/gateway-runtime', etc);
    const config = JSON.parse(text) as GatewayConfig & { server: Record<string, unknown> };
    const local = {
      ...config,
      backend: { url: `${backend.baseUrl}/api` },
      trustedSources: { cidrs: ['127.0.0.0/8'] }, // stands in for the operator's Elastic IPs
      server: { ...config.server, host: '127.0.0.1', port },
    };
    const configFile = join(etc, 'gateway.json');
    writeFileSync(configFile, JSON.stringify(local));

    const cli = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((done) => cli.on('close', (code) => done(code)));
    try {
      for (let i = 0; i < 600 && !out.includes('"msg":"listening"'); i++) {
        if (cli.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toContain('"msg":"listening"');

      const local = (line: string) =>
        line
          .replace('curl ', `${CURL} --resolve dmz.acme.example:${port}:127.0.0.1 -sS `)
          .replace('https://dmz.acme.example/', `https://dmz.acme.example:${port}/`);
      const [withCertificate, withoutCertificate] = commandsStarting('curl ');
      const admitted = await sh(local(withCertificate), work);
      expect(admitted).toEqual({ code: 0, out: '{"status":"ok"}' });
      const refused = await sh(local(withoutCertificate), work);
      expect(refused.code).toBe(56);
      expect(refused.out).toContain('alert certificate required');

      const proxied = await sh(
        local(withCertificate)
          .replace('/healthz', '/orders/7')
          .replace(' -sS ', ' -sS -o /dev/null -w %{http_code} '),
        work,
      );
      expect(proxied.out).toBe('200');
      expect(backend.seen.map((s) => s.status)).toEqual([401, 200]); // the digest challenge, then the answer
      cli.kill('SIGTERM');
      expect(await exited).toBe(0);
      // The server writes its log lines once per event-loop turn and flushes them on shutdown: after the
      // exit, every request's line is out.
      expect(out).toContain('"subject":"CN=apicloud-gateway,O=backend-link tests"');
      expect(out).not.toContain('the backend password');
    } finally {
      if (cli.exitCode === null) cli.kill('SIGKILL');
    }
  });
});
