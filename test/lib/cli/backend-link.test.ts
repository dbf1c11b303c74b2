import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/backend-link';

async function backendLink(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** A plan's output changes for one customer, the shape `terraform show -json` writes. */
function planWithCustomer(customer: string) {
  return {
    format_version: '1.2',
    output_changes: {
      [`${customer}_handoff`]: {
        after: {
          customer,
          backend_url: `https://orders.${customer}.internal:8443/api`,
          security: { scheme: 'HTTP Basic authentication' },
          source_cidrs: ['10.40.128.0/25'],
          secret_arns: {},
          fill_after_deploy: [],
        },
        after_unknown: { secret_arns: { credentials: true } },
      },
    },
  };
}

describe('backend-link', () => {
  it('GIVEN --help THEN it lists the five commands and exits 0', async () => {
    const run = await backendLink('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: backend-link <command> \[options\]/);
    for (const command of ['plan', 'stacks', 'handoff', 'secret', 'jwks'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test.each(['plan', 'stacks', 'handoff', 'secret', 'jwks'])(
    'GIVEN %s --help THEN it prints that command’s usage and exits 0',
    async (command) => {
      const run = await backendLink(command, '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: backend-link ${command} `);
      expect(run.stdout).toContain('Exit codes: 0 ');
      expect(run.stderr).toBe('');
    },
  );

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
    expect(await backendLink('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('fails when the command is unknown, naming it, with exit code 2', async () => {
    const run = await backendLink('deploy');
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      'backend-link: unknown command deploy (expected plan, stacks, handoff, secret or jwks)',
    );
  });

  it('fails when no command is given, with the usage and exit code 2', async () => {
    const run = await backendLink();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: backend-link <command>/);
  });

  it('runs secret with its own name in messages', async () => {
    const run = await backendLink('secret', 'token');
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'backend-link secret: token needs --token-file\n' });
  });
});

describe('backend-link handoff', () => {
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'handoff-cli-'));
    for (const stack of ['platform', 'customers-a', 'customers-b']) {
      mkdirSync(join(out, 'stacks', stack), { recursive: true });
      writeFileSync(join(out, 'stacks', stack, 'cdk.tf.json'), '{}');
    }
    writeFileSync(join(out, 'stacks', 'platform', 'plan.json'), JSON.stringify({ output_changes: {} }));
    writeFileSync(join(out, 'stacks', 'customers-a', 'plan.json'), JSON.stringify(planWithCustomer('acme')));
    writeFileSync(
      join(out, 'stacks', 'customers-b', 'plan.json'),
      JSON.stringify(planWithCustomer('globex')),
    );
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('GIVEN no stack THEN it writes the documents of every stack that has customers', async () => {
    const run = await backendLink('handoff', '--out', out);
    expect(run).toEqual({
      code: 0,
      stdout: `wrote ${join(out, 'handoff', 'customers-a', 'acme.md')}\nwrote ${join(out, 'handoff', 'customers-b', 'globex.md')}\n`,
      stderr: '',
    });
    expect(readFileSync(join(out, 'handoff', 'customers-a', 'acme.md'), 'utf8')).toContain(
      'The API gateway calls your backend at `https://orders.acme.internal:8443/api`',
    );
    expect(readdirSync(join(out, 'handoff'))).toEqual(['customers-a', 'customers-b']);
  });

  it('GIVEN a stack and --dest THEN that stack’s documents go there', async () => {
    const dest = join(out, 'to-send');
    const run = await backendLink('handoff', 'customers-b', '--out', out, '--dest', dest);
    expect(run).toEqual({ code: 0, stdout: `wrote ${join(dest, 'globex.md')}\n`, stderr: '' });
  });

  it('GIVEN --from-outputs THEN the values come from a saved terraform output -json', async () => {
    const saved = join(out, 'outputs.json');
    const { after } = planWithCustomer('acme').output_changes.acme_handoff;
    writeFileSync(
      saved,
      JSON.stringify({
        acme_handoff: {
          value: {
            ...after,
            secret_arns: { credentials: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:c-AbC' },
          },
        },
      }),
    );
    const run = await backendLink('handoff', 'customers-a', '--out', out, '--from-outputs', saved);
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'handoff', 'customers-a', 'acme.md'), 'utf8')).toContain(
      '| credentials | `arn:aws:secretsmanager:eu-west-1:123456789012:secret:c-AbC` | no |',
    );
  });

  it('fails when the named stack has no customer, with exit code 1', async () => {
    const run = await backendLink('handoff', 'platform', '--out', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `backend-link handoff: platform: ${join(out, 'stacks', 'platform')} has no <customer>_handoff output: no CustomerBackendLink?\n`,
    );
  });

  it('fails when the stack was not planned, saying which command writes plan.json', async () => {
    rmSync(join(out, 'stacks', 'customers-a', 'plan.json'));
    const run = await backendLink('handoff', 'customers-a', '--out', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `backend-link handoff: customers-a: ${join(out, 'stacks', 'customers-a', 'plan.json')} does not exist: run \`backend-link plan\` first\n`,
    );
  });

  test.each([
    [['nope'], (out: string) => `no stack nope in ${out} (stacks: customers-a, customers-b, platform)`],
    [
      ['--from-outputs', 'x.json'],
      () => 'name the stack the outputs belong to: customers-a, customers-b, platform',
    ],
    [['customers-a', '--outputs', 'x.json'], () => '--outputs is now --from-outputs FILE'],
    [['--cdktf-out', 'x'], () => '--cdktf-out is now --out DIR'],
    [
      ['customers-a', '--from-outputs', 'x', '--terraform-output'],
      () => 'give --from-outputs FILE or --terraform-output, not both',
    ],
    [['--bogus'], () => 'unknown option --bogus'],
  ])('fails when the arguments are %j, with exit code 2', async (argv, message) => {
    const run = await backendLink('handoff', '--out', out, ...argv);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`backend-link handoff: ${message(out)}`);
  });

  it('fails when the app is not synthesized', async () => {
    const run = await backendLink('handoff', '--out', join(out, 'missing'));
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      `backend-link handoff: ${join(out, 'missing')} holds no stacks/: synthesize the app first`,
    );
  });
});
