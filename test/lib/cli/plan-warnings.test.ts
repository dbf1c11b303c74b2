/**
 * `backend-link plan` shows the warnings the constructs recorded at synth: cdktf writes them into the app's
 * manifest.json and only the cdktf CLI prints them, so an app run as `npx tsx main.ts` showed none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { BackendSecurity, CustomerBackendLink, GatewayPlatform, SecretSource } from '../../../lib';
import { main } from '../../../lib/cli/backend-link';
import { formatSynthAnnotations, readSynthAnnotations } from '../../../lib/terraform/synth-annotations';

jest.setTimeout(240_000);

const BUNDLE = join(__dirname, '..', 'runtime', 'fixtures', 'bundle');
const DNS_WARNING =
  "backend.url's host orders.acme.internal resolves through the VPC's resolver, which does not know the customer's private names (unless a Route 53 private hosted zone answers it): give `backend.dns` (the customer's DNS servers, or pinned addresses)";

/**
 * Synthesizes an app into `outdir`: stack `customers` (a platform and customer acme without `backend.dns`,
 * which warns) and stack `quiet` (no warnings; an info message, which is not shown).
 */
function synthApp(outdir: string): void {
  const app = new App({ outdir });
  const customers = new TerraformStack(app, 'customers');
  new AwsProvider(customers, 'aws', { region: 'eu-west-1' });
  const platform = new GatewayPlatform(customers, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
  });
  new CustomerBackendLink(customers, 'acme', {
    platform,
    customerName: 'acme',
    accountId: '123456789012',
    cidrBlock: '10.40.128.0/24',
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    backend: { url: 'https://orders.acme.internal:8443/api', cidrs: ['172.20.0.0/16'] },
    security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }),
    runtime: { runtimeBundleDirectory: BUNDLE },
  });
  const quiet = new TerraformStack(app, 'quiet');
  new AwsProvider(quiet, 'aws', { region: 'eu-west-1' });
  Annotations.of(new SnsTopic(quiet, 'Topic', { name: 'quiet' })).addInfo('an info message');
  app.synth();
}

describe('synth warnings', () => {
  const root = mkdtempSync(join(tmpdir(), 'plan-warnings-'));
  const out = join(root, 'app');
  beforeAll(() => synthApp(out));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("reads a customer's warning from the manifest, by stack, without info messages", () => {
    expect(readSynthAnnotations(out)).toEqual([
      { stack: 'customers', level: 'WARNING', constructPath: 'customers/acme', message: DNS_WARNING },
    ]);
    expect(readSynthAnnotations(out, ['quiet'])).toEqual([]);
    expect(readSynthAnnotations(join(root, 'no-such-app'))).toEqual([]);
  });

  it('formats them one a line after a heading that counts them', () => {
    expect(
      formatSynthAnnotations([
        { stack: 's', level: 'WARNING', constructPath: 's/a', message: 'one' },
        { stack: 's', level: 'WARNING', constructPath: 's/b', message: 'two' },
        { stack: 's', level: 'ERROR', constructPath: 's/c', message: 'three' },
      ]),
    ).toBe('synth recorded 2 warnings and 1 error:\nWARNING s/a: one\nWARNING s/b: two\nERROR s/c: three');
    expect(formatSynthAnnotations([])).toBe('');
  });

  it('WHEN the app is planned THEN `backend-link plan` prints the warning before the plan table', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['plan', '--out', out, '--parallel', '2'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'synth recorded 1 warning:',
      `WARNING customers/acme: ${DNS_WARNING}`,
      '',
    ]);
    expect(lines[3]).toMatch(/^stack\s+add\s+change\s+destroy\s+seconds\s+status$/);
    expect(lines.slice(4, 6).map((l) => l.split(/\s+/)[0])).toEqual(['customers', 'quiet']);
  });

  it('WHEN only the quiet stack is planned THEN no warning is printed', async () => {
    let stdout = '';
    const code = await main(['plan', '--out', out, '--stack', 'quiet'], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^stack\s+add/);
  });
});
