/**
 * `backend-link plan` against real Terraform: a multi-stack cdktf app (S3 backend per stack, a producer
 * read by two consumers through cdktf cross-stack references), planned offline in parallel.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/backend-link';
import { OVERRIDE_FILE, PlanJson } from '../../../lib/terraform/harness';
import { OFFLINE_OUTPUTS_STATE_FILE } from '../../../lib/terraform/remote-state';
import { synthMultiStackApp } from './fixtures/multi-stack-app';

jest.setTimeout(240_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function backendLink(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function resourceAfter(plan: PlanJson, address: string): Record<string, unknown> {
  const change = (plan.resource_changes ?? []).find((rc) => rc.address === address);
  if (!change) throw new Error(`no ${address} in the plan`);
  return change.change.after as Record<string, unknown>;
}

describe('backend-link plan, multi-stack app with remote state', () => {
  const root = mkdtempSync(join(tmpdir(), 'plan-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('GIVEN a producer and two consumers, each with an S3 backend', () => {
    const out = join(root, 'app');
    const stack = (name: string, file: string) => join(out, 'stacks', name, file);
    let run: Run;
    let synthesizedHashes: Record<string, string>;

    beforeAll(async () => {
      synthMultiStackApp(out);
      synthesizedHashes = Object.fromEntries(
        ['producer', 'consumer-a', 'consumer-b'].map((s) => [s, sha256(stack(s, 'cdk.tf.json'))]),
      );
      run = await backendLink('plan', '--out', out, '--parallel', '2');
    });

    it('WHEN planned THEN every stack is validated and planned, and one table sums them up', () => {
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^stack\s+add\s+change\s+destroy\s+seconds\s+status$/);
      expect(lines.slice(1, 4).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
        'consumer-a 2 0 0',
        'consumer-b 2 0 0',
        'producer 2 0 0',
      ]);
      expect(lines[4]).toMatch(/^3 stacks\s+6\s+0\s+0\s+[\d.]+\s+all planned$/);
      expect(lines).toHaveLength(5);
    });

    it('plans the producer before the stacks that read it', () => {
      const order = [...run.stderr.matchAll(/planned (\S+) \(/g)].map((m) => m[1]);
      expect(order[0]).toBe('producer');
      expect(order.slice(1).sort()).toEqual(['consumer-a', 'consumer-b']);
    });

    it("feeds each consumer the producer's planned values, and placeholders for values known only after apply", () => {
      const derived = readJson(stack('producer', OFFLINE_OUTPUTS_STATE_FILE)).outputs;
      const consumer = readJson(stack('consumer-a', 'plan.json')) as PlanJson;
      const subnet = resourceAfter(consumer, 'aws_subnet.Subnet');
      // Known at plan time: the real value from the producer's plan.
      expect(subnet.tags).toEqual({ vpc: '10.60.0.0/16' });
      // Known after apply: the placeholder the producer's derived state holds.
      expect(subnet.vpc_id).toBe(derived['cross-stack-output-aws_vpcVpcid'].value);
      expect(subnet.vpc_id).toMatch(/^vpc-[0-9a-f]{17}$/);
      const alarm = resourceAfter(consumer, 'aws_cloudwatch_metric_alarm.Alarm');
      expect(alarm.alarm_actions).toEqual([
        expect.stringMatching(/^arn:aws:sns:eu-west-1:000000000000:offline-plan-/),
      ]);
    });

    it('replaces the S3 backends by local state in the override only: the synthesized configuration is unchanged', () => {
      for (const name of ['producer', 'consumer-a', 'consumer-b']) {
        expect(sha256(stack(name, 'cdk.tf.json'))).toBe(synthesizedHashes[name]);
        expect(readJson(stack(name, 'cdk.tf.json')).terraform.backend.s3).toMatchObject({
          use_lockfile: true,
          encrypt: true,
        });
        expect(readJson(stack(name, OVERRIDE_FILE)).terraform).toEqual({
          backend: { local: { path: 'terraform.offline.tfstate' } },
        });
      }
      expect(readJson(stack('consumer-b', OVERRIDE_FILE)).data.terraform_remote_state).toEqual({
        'cross-stack-reference-input-producer': {
          backend: 'local',
          config: { path: stack('producer', OFFLINE_OUTPUTS_STATE_FILE) },
        },
      });
    });

    it('WHEN one stack is chosen THEN the stack it reads is planned too, and the other consumer is not', async () => {
      const chosen = await backendLink('plan', '--out', out, '--stack', 'consumer-b');
      expect(chosen.code).toBe(0);
      const rows = chosen.stdout.trimEnd().split('\n').slice(1, -1);
      expect(rows.map((r) => [r.split(/\s+/)[0], r.replace(/^.*\d\s+/, '')])).toEqual([
        ['consumer-b', 'planned'],
        ['producer', 'planned (read by a chosen stack)'],
      ]);
    });

    it('WHEN planned with --no-shared-provider THEN every plan equals the plan made through the lanes’ shared providers', async () => {
      // GIVEN the plans of the run above (shared providers, the default)
      const shared = Object.fromEntries(
        ['producer', 'consumer-a', 'consumer-b'].map((s) => [s, readJson(stack(s, 'plan.json')) as PlanJson]),
      );
      // WHEN the same app is planned again, a provider per terraform command
      const own = join(root, 'own-providers');
      synthMultiStackApp(own);
      const ownRun = await backendLink('plan', '--out', own, '--parallel', '2', '--no-shared-provider');
      // THEN the same resources and outputs, stack by stack
      expect(ownRun.code).toBe(0);
      for (const name of ['producer', 'consumer-a', 'consumer-b']) {
        const plan = readJson(join(own, 'stacks', name, 'plan.json')) as PlanJson;
        expect({ name, changes: plan.resource_changes, outputs: plan.output_changes }).toEqual({
          name,
          changes: shared[name].resource_changes,
          outputs: shared[name].output_changes,
        });
      }
    });
  });

  describe('failures', () => {
    it('fails when a stack does not validate, naming it, and does not plan the stacks that read it', async () => {
      const out = join(root, 'broken-producer');
      synthMultiStackApp(out);
      const file = join(out, 'stacks', 'producer', 'cdk.tf.json');
      const producer = readJson(file);
      producer.resource.aws_vpc.Vpc.no_such_argument = true;
      writeFileSync(file, JSON.stringify(producer));

      const run = await backendLink('plan', '--out', out);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('FAILED producer: terraform plan failed');
      expect(run.stderr).toContain('No argument or block type is named "no_such_argument".');
      expect(run.stderr).toContain('FAILED consumer-a: not planned: it reads producer, which failed');
      expect(run.stderr).toContain(
        'backend-link plan: 3 stack(s) failed: consumer-a, consumer-b, producer\n',
      );
      expect(run.stdout).toMatch(/^producer\s+-\s+-\s+-\s+[\d.]+\s+FAILED$/m);
      expect(run.stdout).toMatch(/^3 stacks .* 3 FAILED$/m);
    });

    it('fails when a stack reads a remote state that no stack of the app writes', async () => {
      const out = join(root, 'foreign-state');
      synthMultiStackApp(out);
      const file = join(out, 'stacks', 'consumer-a', 'cdk.tf.json');
      const consumer = readJson(file);
      consumer.data.terraform_remote_state['shared-network'] = {
        backend: 's3',
        config: { bucket: 'elsewhere', key: 'network.tfstate', region: 'eu-west-1' },
      };
      writeFileSync(file, JSON.stringify(consumer));

      const run = await backendLink('plan', '--out', out);

      expect(run.code).toBe(2);
      expect(run.stderr.split('\n').slice(1).join('\n')).toBe(
        'backend-link plan: stack consumer-a: data.terraform_remote_state.shared-network reads a s3 state that no stack of this app writes ({"bucket":"elsewhere","key":"network.tfstate","region":"eu-west-1"}); offline plan can only read the app\'s own stacks\n',
      );
      expect(run.stdout).toBe('');
    });

    test.each([
      [['--parallel', '0'], 'backend-link plan: --parallel 0 is not a whole number ≥ 1'],
      [['--stack'], 'backend-link plan: --stack needs a value'],
      [['--bogus'], 'backend-link plan: unknown option --bogus'],
      [
        ['consumer-a'],
        'backend-link plan: unexpected argument consumer-a (name stacks with --stack consumer-a)',
      ],
    ])('fails when the arguments are %j, with exit code 2 and the usage', async (argv, message) => {
      const run = await backendLink('plan', ...argv);
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n')[0]).toBe(message);
      expect(run.stderr).toContain('Usage: backend-link plan');
    });

    it('fails when the app is not synthesized, naming the directory', async () => {
      const run = await backendLink('plan', '--out', join(root, 'nothing-here'));
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `backend-link plan: ${join(root, 'nothing-here')} does not exist: synthesize the app first (cdktf synth, or run the app), or name its output with --out\n`,
      );
    });

    it('fails when a chosen stack is not in the app, listing the stacks', async () => {
      const out = join(root, 'unknown-stack');
      synthMultiStackApp(out);
      const run = await backendLink('plan', '--out', out, '--stack', 'consumer-z');
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n').slice(1).join('\n')).toBe(
        'backend-link plan: no stack consumer-z in this app (stacks: consumer-a, consumer-b, producer)\n',
      );
    });

    it('fails when --provider-mirror does not hold the provider', async () => {
      const out = join(root, 'no-mirror');
      synthMultiStackApp(out);
      const run = await backendLink('plan', '--out', out, '--provider-mirror', root);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^backend-link plan: --provider-mirror ${root} does not hold registry.terraform.io/hashicorp/aws/5.100.0/`,
        ),
      );
    });
  });
});
