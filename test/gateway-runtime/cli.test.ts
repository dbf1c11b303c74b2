/**
 * The CLI as users run it: a child process, its exit codes, stderr, and a served request. The sources run
 * in one node process (`--require tsx/cjs`), so signals reach the CLI itself, not a wrapper that relays them.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from '../../gateway-runtime/src/cli';
import { echoHandler, RunningBackend, startBackend } from '../support/loopback-backends';
import { TestPki, type Issued } from '../support/pki';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { httpCall, secretFiles } from './fixtures/harness';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'gateway-runtime/src/cli.ts');

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
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

const files = secretFiles();
let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend(echoHandler);
});
afterAll(async () => {
  await backend?.stop();
  files.remove();
});

describe('parseArgs', () => {
  test.each([
    [['serve', '--config', 'f.json'], { command: 'serve', config: 'f.json', help: false, problems: [] }],
    [['serve', '--config=f.json'], { command: 'serve', config: 'f.json', help: false, problems: [] }],
    [['serve', '-c', 'f.json'], { command: 'serve', config: 'f.json', help: false, problems: [] }],
    [['--help'], { help: true, problems: [] }],
  ])('GIVEN %j THEN %j', (argv, parsed) => {
    expect(parseArgs(argv)).toEqual(parsed);
  });

  test.each([
    [[], 'a command is required (serve or check)'],
    [['serve'], 'serve needs --config <file>'],
    [['check'], 'check needs --config <file>'],
    [['start', '--config', 'f'], 'unknown command start (expected serve or check)'],
    [['check', '--config', 'f', '--allow-unready'], '--allow-unready is an option of serve'],
    [['serve', '--config', 'f', '--path', '/health'], '--path is an option of check'],
    [['check', '--config', 'f', '--path', 'health'], '--path must start with "/", got health'],
    [['serve', '--config'], '--config needs a file name'],
    [['serve', '--port', '1', '--config', 'f'], 'unknown option --port'],
  ])('fails when the arguments are %j: %s', (argv, problem) => {
    expect(parseArgs(argv).problems).toContain(problem);
  });
});

describe('gateway-runtime CLI', () => {
  test('GIVEN --help THEN it prints the usage and exits 0', async () => {
    const cli = runCli(['--help']);
    expect(await cli.exit).toBe(0);
    expect(cli.stdout()).toContain('Usage: gateway-runtime serve --config <file>');
  });

  test('fails when no command is given: exit 2 and the usage on stderr', async () => {
    const cli = runCli([]);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toContain('gateway-runtime: a command is required (serve or check)');
  });

  test.each([
    ['the file is missing', 'missing.json', undefined, 'missing.json: can not be read (ENOENT)'],
    ['the file is not JSON', 'bad.json', '{ "version": ', 'bad.json: is not valid JSON'],
    ['a field is invalid', 'wrong.json', JSON.stringify({ version: 7 }), '  - version: must be 1, got 7'],
    [
      'a trusted-source CIDR is invalid',
      'cidr.json',
      JSON.stringify({
        version: 1,
        name: 'x',
        backend: { url: 'http://127.0.0.1:9' },
        security: { type: 'none' },
        trustedSources: { cidrs: ['10.0.0.0/33'] },
      }),
      '  - trustedSources.cidrs[0]: ',
    ],
  ])(
    'fails when %s: exit 2, nothing starts, stderr names the problem',
    async (_what, name, content, message) => {
      const file = join(files.dir, name);
      if (content !== undefined) writeFileSync(file, content);
      const cli = runCli(['serve', '--config', file]);
      expect(await cli.exit).toBe(2);
      expect(cli.stderr()).toContain(message);
      expect(cli.stdout()).not.toContain('listening');
    },
  );

  test('GIVEN a valid file WHEN served THEN requests are proxied, /healthz answers, and SIGTERM exits 0', async () => {
    const port = await freePort();
    const file = join(files.dir, 'ok.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'cli-test',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'basic', username: 'svc', password: files.file('s3cr3t') },
        server: { host: '127.0.0.1', port, shutdownGraceMs: 2000 },
      }),
    );
    const cli = runCli(['serve', '--config', file]);
    try {
      const deadline = Date.now() + 30_000;
      while (!cli.stdout().includes('"msg":"listening"')) {
        if (Date.now() > deadline) throw new Error(`CLI did not start:\n${cli.stdout()}\n${cli.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const health = await httpCall(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const proxied = await httpCall(`http://127.0.0.1:${port}/hello`);
      expect(JSON.parse(proxied.text)).toMatchObject({
        url: '/api/hello',
        headers: { authorization: `Basic ${Buffer.from('svc:s3cr3t').toString('base64')}` },
      });
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
      expect(cli.stdout()).toContain('SIGTERM: shutting down');
      expect(cli.stdout()).not.toContain('s3cr3t');
      // Buffered log lines and the aggregated metrics are written before the exit: the one proxied
      // request is one log line and one value in the metrics.
      const lines = cli
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.filter((l) => l.msg === 'request proxied')).toEqual([
        expect.objectContaining({ path: '/hello', status: 200 }),
      ]);
      const metrics = lines.filter((l) => '_aws' in l);
      expect(metrics.flatMap((m) => m.Latency as number[])).toHaveLength(1);
      expect(metrics.reduce((sum, m) => sum + (m.Upstream2xx as number), 0)).toBe(1);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });
});

describe('gateway-runtime CLI: the inbound side', () => {
  const UNSHARE = requireTool('/usr/bin/unshare', 'util-linux');
  const IP = requireTool('/usr/sbin/ip', 'iproute2');
  const CURL = requireTool('/usr/bin/curl', 'curl');
  let pki: TestPki;
  let serverCa: Issued;
  let clientCa: Issued;
  let serverCert: Issued;
  let client: Issued;
  beforeAll(async () => {
    pki = await TestPki.create();
    serverCa = await pki.ca('cli-server-ca');
    clientCa = await pki.ca('cli-client-ca');
    serverCert = await pki.issue('cli-server', serverCa, {
      usage: 'server',
      cn: 'dmz',
      sans: ['IP:127.0.0.1'],
    });
    client = await pki.issue('cli-client', clientCa, { usage: 'client', cn: 'gateway' });
  });
  afterAll(() => pki?.cleanup());

  const waitFor = async (cli: ReturnType<typeof runCli>, text: string) => {
    const deadline = Date.now() + 30_000;
    while (!cli.stdout().includes(text)) {
      if (Date.now() > deadline || cli.child.exitCode !== null) {
        throw new Error(`CLI did not log ${text}:\n${cli.stdout()}\n${cli.stderr()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  test('fails when it would listen on 0.0.0.0 without server.tls.clientCa: exit 2, the message names server.tls.clientCa and why, nothing listens', async () => {
    const file = join(files.dir, 'open-door.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'open-door',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'token', token: files.file('backend-token') },
        server: { host: '0.0.0.0', port: 0 },
      }),
    );
    const cli = runCli(['serve', '--config', file]);
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), 30_000); // should it start after all
    expect(await cli.exit).toBe(2);
    clearTimeout(timer);
    expect(cli.stderr()).toBe(
      `gateway-runtime: invalid configuration in ${file}:\n` +
        "  - server.tls.clientCa: is required to listen on 0.0.0.0, which is not a loopback address: without client certificates, anyone who reaches the port has requests forwarded with the backend's credentials. Set server.tls (certificate, key, clientCa), listen on 127.0.0.1, or state why not in server.unauthenticatedReason\n",
    );
    expect(cli.stdout()).not.toContain('listening');
  });

  test('GIVEN server.unauthenticatedReason WHEN it starts on 0.0.0.0 (in a network namespace of its own) THEN it warns at start and serves', async () => {
    const file = join(files.dir, 'reasoned.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'reasoned',
        backend: { url: 'http://127.0.0.1:9' },
        security: { type: 'none' },
        server: {
          host: '0.0.0.0',
          port: 8080,
          unauthenticatedReason: 'an Envoy sidecar on this host verifies client certificates',
        },
      }),
    );
    // Only a loopback interface exists in the new namespace: 0.0.0.0 reaches nothing beyond this test.
    const child = spawn(
      UNSHARE,
      [
        '--net',
        'sh',
        '-c',
        `${IP} link set lo up && exec "$0" "$@"`,
        process.execPath,
        '--require',
        'tsx/cjs',
        CLI,
        'serve',
        '--config',
        file,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const cli = { child, exit, stdout: () => stdout, stderr: () => stderr };
    try {
      await waitFor(cli, '"msg":"listening"');
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({
        level: 'warn',
        msg: 'listening on 0.0.0.0 without client certificates (server.unauthenticatedReason: an Envoy sidecar on this host verifies client certificates)',
      });
      expect(lines[1]).toMatchObject({ msg: 'listening', address: '0.0.0.0', port: 8080 });
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('GIVEN server.tls with clientCa WHEN served by the CLI THEN curl with the client certificate is proxied, without it refused, and SIGHUP re-reads the material', async () => {
    const port = await freePort();
    const file = join(files.dir, 'dmz.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'cli-dmz',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'none' },
        server: {
          host: '127.0.0.1',
          port,
          tls: {
            certificate: { file: serverCert.certFile },
            key: { file: serverCert.keyFile },
            clientCa: { file: clientCa.certFile },
          },
        },
      }),
    );
    const cli = runCli(['serve', '--config', file]);
    const curl = (...args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(CURL, ['-sS', '--cacert', serverCa.certFile, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        c.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        c.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        c.on('close', (code) => resolve({ code, out }));
      });
    try {
      await waitFor(cli, '"msg":"listening"');
      const ok = await curl(
        '--cert',
        client.certFile,
        '--key',
        client.keyFile,
        `https://127.0.0.1:${port}/hello`,
      );
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.out)).toMatchObject({ url: '/api/hello' });
      const refused = await curl(`https://127.0.0.1:${port}/hello`);
      expect(refused.code).not.toBe(0);
      expect(refused.out).toContain('alert certificate required');
      cli.child.kill('SIGHUP');
      await waitFor(cli, 'SIGHUP: re-reading the TLS material');
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });
});
