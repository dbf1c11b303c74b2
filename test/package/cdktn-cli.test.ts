/**
 * The CDK Terrain recipe the README documents: a cdktf 0.21 app with backend-link, driven by the `cdktn`
 * CLI (`cdktn-cli` 0.24.0, from the npm registry, installed into a scratch folder; it needs Node ≥ 22.19,
 * which CI runs this on: Node 22 and Node 24). `cdktn synth --app …` synthesizes the showcase; its Terraform
 * is the same as a plain synth's.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(600_000);

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..');
const CDKTN_CLI_VERSION = '0.24.0';
const [major, minor] = process.versions.node.split('.').map(Number);
const nodeSupported = major > 22 || (major === 22 && minor >= 19);

if (!nodeSupported && process.env.CI === 'true') {
  throw new Error(
    `cdktn-cli ${CDKTN_CLI_VERSION} needs Node >= 22.19; this test runs on Node ${process.versions.node} in CI: run it on Node 22 or 24`,
  );
}

/** cdktn-cli, installed once per machine into the temporary folder (npm's cache makes it quick). */
async function installCdktnCli(): Promise<string> {
  const dir = join(tmpdir(), `backend-link-cdktn-cli-${CDKTN_CLI_VERSION}`);
  const bin = join(dir, 'node_modules', 'cdktn-cli', 'bin', 'cdktn');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  await run('npm', ['install', '--no-audit', '--no-fund', '--silent', `cdktn-cli@${CDKTN_CLI_VERSION}`], {
    cwd: dir,
    env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
  });
  return bin;
}

type Synthesized = {
  resource: Record<string, Record<string, unknown>>;
  output: Record<string, unknown>;
};

(nodeSupported ? describe : describe.skip)(
  `the cdktn CLI (cdktn-cli ${CDKTN_CLI_VERSION}) driving a cdktf 0.21 app with backend-link`,
  () => {
    const out = mkdtempSync(join(tmpdir(), 'cdktn-synth-'));
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    test('GIVEN the showcase WHEN `cdktn synth --app …` THEN it writes the stack the plain synth writes', async () => {
      const cdktn = await installCdktnCli();
      const tsx = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const app = `${process.execPath} ${tsx} examples/main.ts`;
      // WHEN: the CLI runs the app (CHECKPOINT_DISABLE: no version check against HashiCorp's servers)
      const result = await run(process.execPath, [cdktn, 'synth', '--app', app, '--output', out], {
        cwd: REPO,
        env: {
          ...process.env,
          CHECKPOINT_DISABLE: '1',
          PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
        },
      });
      expect(result.stdout).toContain('backend-link-example');
      // THEN the stack is there, with every customer's function and the platform's contract
      const stack = JSON.parse(
        readFileSync(join(out, 'stacks', 'backend-link-example', 'cdk.tf.json'), 'utf8'),
      ) as Synthesized;
      expect(Object.keys(stack.resource.aws_lambda_function)).toHaveLength(5);
      expect(Object.keys(stack.output)).toEqual(
        expect.arrayContaining(['apicloud_platform_attributes', 'acme_handoff', 'umbrella_handoff']),
      );
      // AND the same resources and outputs as the app synthesizes on its own
      const plainOut = join(out, 'plain');
      await run(process.execPath, [tsx, 'examples/main.ts'], {
        cwd: REPO,
        env: { ...process.env, CDKTF_OUTDIR: plainOut },
      });
      const plain = JSON.parse(
        readFileSync(join(plainOut, 'stacks', 'backend-link-example', 'cdk.tf.json'), 'utf8'),
      ) as Synthesized;
      const addresses = (s: Synthesized) =>
        Object.entries(s.resource)
          .flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`))
          .sort();
      expect(addresses(stack)).toEqual(addresses(plain));
      expect(Object.keys(stack.output).sort()).toEqual(Object.keys(plain.output).sort());
    });
  },
);
