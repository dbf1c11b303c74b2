/**
 * The package as a user installs it: `npm pack`, the README's install line with the tarball into a scratch
 * cdktf app outside the repository, the README's quick start type-checked against the installed types and
 * synthesized there, then every command the READMEs name, through `npx --no-install` (never the registry),
 * and the single-file proxy started alone, without node_modules, against a backend on loopback.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { echoHandler, RunningBackend, startBackend } from '../support/loopback-backends';
import { freePort } from '../support/ports';
import { startProcess } from '../support/processes';

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The child processes' environment: this machine's npm cache and registry, none of the repository's npm_* settings. */
function userEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase()),
    ),
  );
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** The first ```<lang> block of a README section. */
function block(markdown: string, heading: string, lang: string): string {
  const section = markdown.slice(markdown.indexOf(heading));
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
  if (!match) throw new Error(`no \`\`\`${lang} block under "${heading}"`);
  return match[1];
}

describe('the packed package, installed into a scratch cdktf app', () => {
  const work = mkdtempSync(join(tmpdir(), 'installed-package-'));
  const app = join(work, 'app');
  let tarball: string;
  let backend: RunningBackend;

  beforeAll(async () => {
    await ok('npm', ['pack', '--pack-destination', work], ROOT);
    const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    tarball = join(work, `${name}-${version}.tgz`);
    await ok('mkdir', ['-p', app], work);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch-app', version: '0.0.0', private: true }),
    );
    const install = block(README, '## Install', 'sh').trim().split(/\s+/);
    expect(install.slice(0, 3)).toEqual(['npm', 'install', 'backend-link']);
    await ok(
      'npm',
      [
        ...install.slice(1).map((a) => (a === 'backend-link' ? tarball : a)),
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      app,
    );
    backend = await startBackend(echoHandler);
  });
  afterAll(async () => {
    await backend?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled library, the commands and the single-file proxy, without source maps or repository files', async () => {
    const listed = await ok('tar', ['-tzf', tarball], work);
    const files = listed.stdout.trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/lib/index.js',
        'package/dist/lib/cli/backend-link.js',
        'package/dist/gateway-runtime/src/cli.js',
        'package/dist/gateway-runtime/src/index.d.ts',
        'package/dist/gateway-runtime.js',
        'package/README.md',
        'package/gateway-runtime/README.md',
      ]),
    );
    expect(
      files.filter((f) => f.endsWith('.map') || /^package\/(scripts|test|examples|lib)\//.test(f)),
    ).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/backend-link/package.json'), 'utf8'));
    expect(pkg.dependencies).not.toHaveProperty('cdktf');
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['@cdktf/provider-aws', 'cdktf', 'constructs']);
    // One copy of each peer: the app's own.
    expect(existsSync(join(app, 'node_modules/backend-link/node_modules/cdktf'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/backend-link/node_modules/@cdktf'))).toBe(false);
  });

  it("type-checks the README's quick start against the installed types, synthesizes it, plans it offline and writes the handoff", async () => {
    writeFileSync(join(app, 'main.ts'), block(README, '## Quick start', 'ts'));
    // The runtime's entry point for users' own code: no deep import into dist/.
    writeFileSync(
      join(app, 'runtime-check.ts'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { GatewayConfig, validateConfig } from 'backend-link/runtime';",
        "import { validateConfig as fromMain } from 'backend-link';",
        "const doc: unknown = JSON.parse(readFileSync(require.resolve('backend-link/package.json').replace('package.json', 'gateway-runtime/examples/basic.json'), 'utf8'));",
        'const config: GatewayConfig = validateConfig(doc);',
        'console.log(JSON.stringify({ name: config.name, same: fromMain === validateConfig }));',
        '',
      ].join('\n'),
    );
    await ok(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--strict',
        '--target',
        'es2022',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node',
        '--esModuleInterop',
        '--skipLibCheck',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules/@types'),
        'main.ts',
        'runtime-check.ts',
      ],
      app,
    );
    expect(JSON.parse((await ok(process.execPath, ['runtime-check.js'], app)).stdout)).toEqual({
      name: 'acme-orders',
      same: true,
    });

    await ok(process.execPath, ['main.js'], app);
    expect(existsSync(join(app, 'cdktf.out/stacks/gateway/cdk.tf.json'))).toBe(true);

    const plan = await run('npx', ['--no-install', 'backend-link', 'plan'], app);
    expect(plan.stderr).toContain('planned gateway');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^gateway\s+\d+\s+0\s+0\s+[\d.]+\s+planned$/m);
    expect(existsSync(join(app, 'cdktf.out/stacks/gateway/plan.json'))).toBe(true);

    const handoff = await run('npx', ['--no-install', 'backend-link', 'handoff'], app);
    expect(handoff).toMatchObject({
      code: 0,
      stdout: `wrote ${join(app, 'cdktf.out/handoff/gateway/acme.md')}\n`,
    });
    expect(readFileSync(join(app, 'cdktf.out/handoff/gateway/acme.md'), 'utf8')).toContain(
      'Scheme: **HTTP Digest authentication (RFC 7616)**',
    );
  });

  test.each([
    [['gateway-runtime', '--help'], 'Usage: gateway-runtime serve --config <file>'],
    [['backend-link', '--help'], 'Usage: backend-link <command> [options]'],
    [['backend-link', 'plan', '--help'], 'Usage: backend-link plan '],
    [['backend-link', 'handoff', '--help'], 'Usage: backend-link handoff '],
    [['backend-link', 'secret', '--help'], 'Usage: backend-link secret <material> [options]'],
    [['backend-link-secret', '--help'], 'Usage: backend-link secret <material> [options]'],
  ])('npx %j runs the installed command and exits 0', async (argv, usage) => {
    const result = await run('npx', ['--no-install', ...argv], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(usage);
  });

  it('runs the single-file proxy with no node_modules anywhere, and proxies a request to a loopback backend', async () => {
    const host = mkdtempSync(join(tmpdir(), 'dmz-host-'));
    try {
      copyFileSync(
        join(app, 'node_modules/backend-link/dist/gateway-runtime.js'),
        join(host, 'gateway-runtime.js'),
      );
      expect(readdirSync(host)).toEqual(['gateway-runtime.js']);
      // No node_modules the file could fall back on, in its directory or any above it.
      for (let dir = host; dir !== dirname(dir); dir = dirname(dir)) {
        expect(existsSync(join(dir, 'node_modules'))).toBe(false);
      }
      const port = await freePort();
      writeFileSync(join(host, 'token'), 'dmz-token-value\n');
      writeFileSync(
        join(host, 'gateway.json'),
        JSON.stringify({
          version: 1,
          name: 'dmz',
          backend: { url: `${backend.baseUrl}/api` },
          security: { type: 'token', header: 'X-Api-Key', prefix: '', token: { file: join(host, 'token') } },
          server: { host: '127.0.0.1', port, shutdownGraceMs: 1000 },
        }),
      );
      const env = { ...userEnv(), NODE_PATH: '' };
      const proxy = startProcess(
        process.execPath,
        ['gateway-runtime.js', 'serve', '--config', 'gateway.json'],
        {
          cwd: host,
          env,
        },
      );
      try {
        const deadline = Date.now() + 20_000;
        while (!proxy.output().includes('"msg":"listening"')) {
          if (proxy.exited() !== undefined || Date.now() > deadline)
            throw new Error(`proxy did not start:\n${proxy.output()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const answer = await fetch(`http://127.0.0.1:${port}/orders?id=7`);
        expect(answer.status).toBe(200);
        const echoed = (await answer.json()) as { url: string; headers: Record<string, string> };
        expect(echoed.url).toBe('/api/orders?id=7');
        expect(echoed.headers['x-api-key']).toBe('dmz-token-value');
      } finally {
        await proxy.stop('SIGTERM');
      }
      expect(proxy.exited()).toContain('(code 0, signal null)');
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });
});
