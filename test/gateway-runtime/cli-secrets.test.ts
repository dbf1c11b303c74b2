/**
 * Issue 20: `serve` reads every secret before it starts. One it can not read is named with its reason and
 * the command exits 2, unless --allow-unready; relative `file` paths are read from the configuration
 * file's directory, whatever the working directory.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { echoHandler, RunningBackend, startBackend } from '../support/loopback-backends';
import { freePort } from '../support/ports';
import { httpCall } from './fixtures/harness';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'gateway-runtime/src/cli.ts');
const VALUE = 'cli-s3cr3t-never-logged';

function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

async function waitFor(cli: ReturnType<typeof runCli>, text: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cli.stdout().includes(text)) {
    if (Date.now() > deadline || cli.child.exitCode !== null) {
      throw new Error(`CLI did not log ${text}:\n${cli.stdout()}\n${cli.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dir: string;
let backend: RunningBackend;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-secrets-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'password'), `${VALUE}\n`);
  writeFileSync(join(dir, 'secrets', 'empty'), '');
  backend = await startBackend(echoHandler);
});
afterAll(async () => {
  await backend?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const configWith = (name: string, security: object, server: object = {}) => {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      name,
      backend: { url: `${backend.baseUrl}/api` },
      security,
      server: { host: '127.0.0.1', port: 0, ...server },
    }),
  );
  return file;
};

test('fails when secrets can not be read: exit 2 before listening, one line per secret with its path, reference and reason, never a value', async () => {
  const file = configWith('unreadable', {
    type: 'basic',
    username: { env: 'GW_CLI_USER_NOT_SET' },
    password: { file: 'secrets/missing' },
  });
  const cli = runCli(['serve', '--config', file]);
  expect(await cli.exit).toBe(2);
  expect(cli.stderr()).toBe(
    `gateway-runtime: 2 secret(s) of ${file} can not be read (--allow-unready starts anyway, not ready):\n` +
      `  - security.username: environment variable GW_CLI_USER_NOT_SET is not set [NOT_SET]\n` +
      `  - security.password: secret file ${join(dir, 'secrets', 'missing')} can not be read (ENOENT) [ENOENT]\n`,
  );
  expect(cli.stdout()).not.toContain('listening');
});

test('fails when a secret file is empty: exit 2, reason EMPTY', async () => {
  const file = configWith('empty', { type: 'token', token: { file: 'secrets/empty' } });
  const cli = runCli(['serve', '--config', file]);
  expect(await cli.exit).toBe(2);
  expect(cli.stderr()).toContain(
    `security.token: secret file ${join(dir, 'secrets', 'empty')} is empty [EMPTY]`,
  );
});

test("GIVEN a relative secret file WHEN served from another working directory THEN it is read from the configuration file's directory", async () => {
  const port = await freePort();
  const file = configWith(
    'relative',
    { type: 'basic', username: 'svc', password: { file: 'secrets/password' } },
    { port },
  );
  const cli = runCli(['serve', '--config', file]); // cwd is the repository, not `dir`
  try {
    await waitFor(cli, '"msg":"listening"');
    const proxied = await httpCall(`http://127.0.0.1:${port}/hello`);
    expect(JSON.parse(proxied.text)).toMatchObject({
      headers: { authorization: `Basic ${Buffer.from(`svc:${VALUE}`).toString('base64')}` },
    });
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exit;
  }
  expect(cli.stdout()).not.toContain(VALUE);
});

test('GIVEN --allow-unready WHEN a secret can not be read THEN it starts, logs the secret and reason once, and requests get 503 CREDENTIALS_UNAVAILABLE', async () => {
  const port = await freePort();
  const file = configWith('unready', { type: 'token', token: { env: 'GW_CLI_TOKEN_NOT_SET' } }, { port });
  const cli = runCli(['serve', '--config', file, '--allow-unready']);
  try {
    await waitFor(cli, '"msg":"listening"');
    await waitFor(cli, 'secret can not be read');
    const answer = await httpCall(`http://127.0.0.1:${port}/hello`);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exit;
  }
  const lines = cli
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        level: 'error',
        msg: 'secret can not be read: not ready',
        secret: 'environment variable GW_CLI_TOKEN_NOT_SET',
        reason: 'NOT_SET',
        configPath: 'security.token',
      }),
      expect.objectContaining({
        msg: 'request failed',
        error: 'CREDENTIALS_UNAVAILABLE',
        secret: 'environment variable GW_CLI_TOKEN_NOT_SET',
        reason: 'NOT_SET',
      }),
    ]),
  );
});
