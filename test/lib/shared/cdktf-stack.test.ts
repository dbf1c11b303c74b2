/**
 * CDK Terrain users: a backend-link construct in a stack of the real `cdktn` 0.24.0 (installed from the npm
 * registry into a scratch folder, with the constructs version it asks for) fails at once, naming the stack
 * and what works, instead of synth failing inside cdktn without naming backend-link.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GatewayPlatform } from '../../../lib';
import { requireCdktfStack } from '../../../lib/shared/cdktf-stack';
import { testStack, validationErrorOf } from '../../support/constructs';

jest.setTimeout(120_000);

const CDKTN_VERSION = '0.24.0';

interface Cdktn {
  App: new (props?: { outdir?: string }) => Construct & { synth(): void };
  TerraformStack: new (scope: Construct, id: string) => Construct;
}

const platformProps = {
  name: 'apicloud',
  vpcProps: { cidrBlock: '10.40.0.0/16' },
  customerAddressPool: '10.40.128.0/17',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
};

describe('a backend-link construct in a CDK Terrain (cdktn) stack', () => {
  const work = mkdtempSync(join(tmpdir(), 'cdktn-'));
  let cdktn: Cdktn;

  beforeAll(async () => {
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'cdktn-app', private: true }));
    // cdktn 0.24 asks for constructs >=10.6.0 <10.8.0: the app's copy, not this repository's.
    await promisify(execFile)(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        `cdktn@${CDKTN_VERSION}`,
        'constructs@~10.7.0',
      ],
      { cwd: work },
    );
    cdktn = (await import(join(work, 'node_modules/cdktn'))) as unknown as Cdktn;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('control: a cdktf 0.21 resource in a cdktn stack type-checks and then fails at synth without naming it (the issue)', () => {
    const app = new cdktn.App({ outdir: join(work, 'control.out') });
    const stack = new cdktn.TerraformStack(app, 'gateway');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    expect(() => app.synth()).toThrow(/_resetResolveDiscoveredProviderFeatureUsage is not a function/);
  });

  test('fails when a GatewayPlatform is placed in a cdktn stack: a ValidationError at construction that names the stack and what works', () => {
    const app = new cdktn.App({ outdir: join(work, 'app.out') });
    const stack = new cdktn.TerraformStack(app, 'gateway');
    const error = validationErrorOf(() => new GatewayPlatform(stack, 'Platform', platformProps));
    expect(error.constructPath).toBe('gateway/Platform');
    expect(error.problems).toEqual([
      'the stack "gateway" is a cdktn.TerraformStack (cdktn), not a cdktf 0.21 TerraformStack: backend-link constructs are cdktf 0.21 constructs and do not synthesize in a CDK Terrain (cdktn) app yet. What works: a cdktf 0.21 app (cdktf ~0.21.0, @cdktf/provider-aws 20.1.0 || ^21.22.1, its stacks from cdktf) driven by the cdktn CLI (cdktn synth, cdktn deploy). Not yet: stacks, apps or providers from the cdktn library or @cdktn/provider-aws.',
    ]);
  });

  test('passes in a cdktf 0.21 stack, and deeper inside it', () => {
    const stack = testStack();
    expect(() => requireCdktfStack(stack)).not.toThrow();
    expect(() => new GatewayPlatform(stack, 'Platform', platformProps)).not.toThrow();
  });
});
