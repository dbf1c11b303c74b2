/**
 * The second provider line: the library and the examples type-checked and synthesized against
 * `@cdktf/provider-aws` 21.22.1 (hashicorp/aws 6.25.0, the last prebuilt cdktf bindings), installed beside
 * 20.1.0 as the alias `@cdktf/provider-aws-21` and mapped in by tsconfig.provider-aws-21.json. No
 * hashicorp/aws 6.x provider binary is at hand: these stacks are synthesized, never planned; offline plans
 * are verified against hashicorp/aws 5.100.0 only (test/examples/example.test.ts and the others).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../..');
const TSCONFIG = join(ROOT, 'tsconfig.provider-aws-21.json');
const run = promisify(execFile);

interface StackJson {
  terraform: { required_providers: { aws: { source: string; version: string } } };
  resource: Record<string, Record<string, { runtime?: string }>>;
}

/** Synthesizes the example apps with tsx, optionally under another tsconfig, and reads every stack. */
async function synthExamples(outdir: string, tsconfig?: string): Promise<Map<string, StackJson>> {
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      ...(tsconfig ? ['--tsconfig', tsconfig] : []),
      join(ROOT, 'scripts/synth-examples.ts'),
      outdir,
    ],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const stacks = new Map<string, StackJson>();
  for (const base of [outdir, join(outdir, 'multi-stack')]) {
    for (const name of readdirSync(join(base, 'stacks')).sort()) {
      const file = join(base, 'stacks', name, 'cdk.tf.json');
      stacks.set(name, JSON.parse(readFileSync(file, 'utf8')) as StackJson);
    }
  }
  return stacks;
}

/** Every resource address of a stack, `type.name`. */
const addresses = (stack: StackJson) =>
  Object.entries(stack.resource ?? {})
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();

describe('@cdktf/provider-aws 21.22.1 (hashicorp/aws 6.25.0): type-checked and synthesized, not planned', () => {
  const work = mkdtempSync(join(tmpdir(), 'provider-aws-21-'));
  let line20: Map<string, StackJson>;
  let line21: Map<string, StackJson>;

  beforeAll(async () => {
    [line20, line21] = await Promise.all([
      synthExamples(join(work, 'aws-20')),
      synthExamples(join(work, 'aws-21'), TSCONFIG),
    ]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('type-checks the library, the runtime and the examples against the 21.22.1 bindings only', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', TSCONFIG, '--listFiles'],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    const files = stdout.split('\n');
    expect(files.some((f) => f.includes('/node_modules/@cdktf/provider-aws-21/lib/lambda-function/'))).toBe(
      true,
    );
    expect(files.filter((f) => f.includes('/node_modules/@cdktf/provider-aws/'))).toEqual([]);
  });

  it('asks Terraform for hashicorp/aws 6.25.0 in every stack of both examples (5.100.0 with the 20.1.0 line)', () => {
    expect([...line21.keys()]).toEqual([...line20.keys()]);
    expect(line21.size).toBeGreaterThan(1);
    for (const stack of line21.values()) {
      expect(stack.terraform.required_providers.aws).toEqual({ source: 'aws', version: '6.25.0' });
    }
    for (const stack of line20.values()) {
      expect(stack.terraform.required_providers.aws).toEqual({ source: 'aws', version: '5.100.0' });
    }
  });

  it('creates the same resources, under the same addresses, with either provider line', () => {
    for (const [name, stack] of line21)
      expect([name, addresses(stack)]).toEqual([name, addresses(line20.get(name)!)]);
  });

  it('runs the gateway functions on nodejs24.x with hashicorp/aws 6.x, on nodejs22.x with 5.100.0 (which rejects nodejs24.x)', () => {
    const runtimes = (stacks: Map<string, StackJson>) =>
      [...stacks.values()].flatMap((s) =>
        Object.values(s.resource?.aws_lambda_function ?? {}).map((fn) => fn.runtime),
      );
    expect(runtimes(line21).length).toBeGreaterThan(0);
    expect(new Set(runtimes(line21))).toEqual(new Set(['nodejs24.x']));
    expect(new Set(runtimes(line20))).toEqual(new Set(['nodejs22.x']));
  });
});
