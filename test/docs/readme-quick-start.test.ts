/** The README's quick start must be short and must work: compile it as written and synthesize it. */
import { transformSync } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const README = resolve(__dirname, '../../README.md');

function quickStart(): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README has no ```ts block under "## Quick start"');
  return match[1];
}

describe('README quick start', () => {
  it('is under 40 lines of TypeScript', () => {
    expect(quickStart().trimEnd().split('\n').length).toBeLessThan(40);
  });

  it('synthesizes as written (with the package name pointing at this repository)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'quick-start-'));
    try {
      const source = quickStart().replace('new App()', `new App({ outdir: ${JSON.stringify(outdir)} })`);
      const { code } = transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' });
      const requireFrom = (name: string): unknown =>
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(name === 'backend-link' ? resolve(__dirname, '../../lib') : name);
      new Function('require', 'module', 'exports', code)(requireFrom, { exports: {} }, {});
      const stack = JSON.parse(readFileSync(join(outdir, 'stacks', 'gateway', 'cdk.tf.json'), 'utf8'));
      expect(Object.keys(stack.resource.aws_lambda_function)).toHaveLength(1);
      expect(Object.keys(stack.resource.aws_vpn_connection)).toHaveLength(1);
      expect(stack.variable.acme_credentials).toMatchObject({ ephemeral: true, sensitive: true });
      expect(existsSync(join(outdir, 'stacks', 'gateway', 'assets'))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
