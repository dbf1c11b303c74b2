/**
 * The shared provider of the planner's lanes (TF_REATTACH_PROVIDERS), with real Terraform and the real
 * hashicorp/aws from the mirror: plans through it equal plans with a provider per command, one process
 * serves the stacks of a lane one after another, and stacks it can not serve are recognized.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AWS_PROVIDER_VERSION,
  SharedProvider,
  awsProviderBinary,
  canShareProvider,
  findProviderMirror,
  planOffline,
  startSharedProvider,
} from '../../../lib/terraform/harness';

jest.setTimeout(300_000);

const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;

function writeStack(dir: string, stack: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(stack));
  return dir;
}

const vpcStack = (region: string, cidr: string) => ({
  terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_VERSION } } },
  provider: { aws: [{ region }] },
  resource: {
    aws_vpc: { Vpc: { cidr_block: cidr } },
    aws_sns_topic: { Alarms: { name: 'shared-provider-alarms' } },
  },
  output: { topic_arn: { value: '${aws_sns_topic.Alarms.arn}' } },
});

describe('shared provider', () => {
  const root = mkdtempSync(join(tmpdir(), 'shared-provider-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('GIVEN two stacks in different regions WHEN a lane plans them one after another on one provider THEN each plan equals the plan with a provider of its own', async () => {
    // GIVEN a custom CA bundle in the environment, which hashicorp/aws 5.100.0 can not configure twice
    // in one process: the shared provider must not fail the second stack of its lane with it
    const caBundle = process.env.AWS_CA_BUNDLE;
    process.env.AWS_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
    let provider: SharedProvider | undefined;
    try {
      const mirror = findProviderMirror();
      provider = await startSharedProvider(mirror);
      expect(provider).toBeDefined();
      const stacks = [
        ['eu-west-1', '10.61.0.0/16'],
        ['us-east-2', '10.62.0.0/16'],
      ] as const;
      for (const [region, cidr] of stacks) {
        // WHEN planned through the shared provider and, elsewhere, with a provider per command
        const shared = await planOffline(writeStack(join(root, `shared-${region}`), vpcStack(region, cidr)), {
          mirror,
          sharedProvider: provider,
        });
        const own = await planOffline(writeStack(join(root, `own-${region}`), vpcStack(region, cidr)), {
          mirror,
        });
        // THEN the same resources and outputs, with the stack's own region in the planned values
        expect(shared.plan.resource_changes).toEqual(own.plan.resource_changes);
        expect(shared.plan.output_changes).toEqual(own.plan.output_changes);
        expect(shared.summary.addedByType).toEqual({ aws_sns_topic: 1, aws_vpc: 1 });
        expect(shared.runs.map((r) => r.args[0])).toEqual(['init', 'plan', 'show']);
      }
      expect(provider!.alive()).toBe(true);
    } finally {
      await provider?.stop();
      if (caBundle === undefined) delete process.env.AWS_CA_BUNDLE;
      else process.env.AWS_CA_BUNDLE = caBundle;
    }
    expect(provider!.alive()).toBe(false);
    // and terraform really attached to it: with the provider stopped, a plan through it fails
    await expect(
      planOffline(writeStack(join(root, 'stopped'), vpcStack('eu-west-1', '10.64.0.0/16')), {
        sharedProvider: provider!,
      }),
    ).rejects.toThrow(/terraform plan failed/);
  });

  it('fails when the configuration is invalid: plan reports what terraform validate reports', async () => {
    const stack = vpcStack('eu-west-1', '10.63.0.0/16');
    (stack.resource.aws_vpc.Vpc as Record<string, unknown>).no_such_argument = true;
    await expect(planOffline(writeStack(join(root, 'invalid'), stack))).rejects.toThrow(
      'No argument or block type is named "no_such_argument".',
    );
  });

  test.each([
    ['no aws provider block', true, {}],
    ['one aws provider block', true, { provider: { aws: [{ region: 'eu-west-1' }] } }],
    ['one block, not a list', true, { provider: { aws: { region: 'eu-west-1' } } }],
    [
      'two aws provider blocks (aliases): one process holds one configuration',
      false,
      { provider: { aws: [{ region: 'eu-west-1' }, { region: 'us-east-1', alias: 'use1' }] } },
    ],
    [
      'a custom_ca_bundle, which the provider can not configure twice',
      false,
      { provider: { aws: [{ region: 'eu-west-1', custom_ca_bundle: '/ca.pem' }] } },
    ],
  ])('GIVEN %s THEN canShareProvider is %s', (_, expected, stack) => {
    const dir = writeStack(join(root, `can-share-${String(Math.random()).slice(2)}`), stack);
    expect(canShareProvider(dir)).toBe(expected);
  });

  it('GIVEN a mirror that holds the provider only zipped THEN there is no binary to share, and no provider starts', async () => {
    const mirror = join(root, 'zip-mirror');
    mkdirSync(join(mirror, 'registry.terraform.io', 'hashicorp', 'aws'), { recursive: true });
    writeFileSync(
      join(
        mirror,
        'registry.terraform.io',
        'hashicorp',
        'aws',
        `terraform-provider-aws_${AWS_PROVIDER_VERSION}_${platform}.zip`,
      ),
      '',
    );
    expect(awsProviderBinary(mirror)).toBeUndefined();
    await expect(startSharedProvider(mirror)).resolves.toBeUndefined();
    expect(awsProviderBinary(findProviderMirror())).toMatch(/terraform-provider-aws_v5\.100\.0_x5$/);
  });
});
