/**
 * The partition on a real offline plan: a platform and a customer in cn-north-1 (aws-cn) are planned with
 * hashicorp/aws 5.100, and no ARN, principal or condition of the plan names the commercial partition.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { BackendSecurity, CustomerBackendLink, GatewayPlatform, SecretSource } from '../../lib';
import { PlanJson, listStacks, planOffline } from '../../lib/terraform/harness';

jest.setTimeout(300_000);

const BUNDLE = join(__dirname, '..', 'lib', 'runtime', 'fixtures', 'bundle');

describe('a platform in the China partition, planned offline', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'partition-plan-'));
  let plan!: PlanJson;
  let synthesized!: string;

  beforeAll(async () => {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'china');
    new AwsProvider(stack, 'aws', { region: 'cn-north-1' });
    const platform = new GatewayPlatform(stack, 'Platform', {
      name: 'apicloud-cn',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['cn-north-1a', 'cn-north-1b'],
      vpnGateway: {},
      interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27', services: ['secretsmanager', 'sts'] },
    });
    new CustomerBackendLink(stack, 'Acme', {
      platform,
      customerName: 'acme',
      accountId: '123456789012',
      cidrBlock: '10.40.128.0/24',
      vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
      loadBalancer: {
        certificateArn:
          'arn:aws-cn:acm:cn-north-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
      },
      backend: { url: 'https://orders.acme.internal:8443/api' },
      security: BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
      deployerPrincipalArn: 'arn:aws-cn:iam::123456789012:role/terraform-deploy',
      runtime: { runtimeBundleDirectory: BUNDLE },
    });
    app.synth();
    const [stackDir] = listStacks(outdir);
    synthesized = readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8');
    plan = (await planOffline(stackDir)).plan;
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('GIVEN the plan THEN every ARN is in aws-cn, kms:ViaService ends in amazonaws.com.cn and the endpoints carry China’s names', () => {
    const planned = JSON.stringify(plan.resource_changes);
    for (const text of [synthesized, planned]) expect(text).not.toMatch(/arn:aws:/);
    expect(planned).toContain('arn:aws-cn:iam::123456789012:root');
    expect(planned).toContain('secretsmanager.cn-north-1.amazonaws.com.cn');
    const endpoints = (plan.resource_changes ?? [])
      .filter((rc) => rc.type === 'aws_vpc_endpoint')
      .map((rc) => (rc.change.after as { service_name: string }).service_name)
      .sort();
    expect(endpoints).toEqual(['cn.com.amazonaws.cn-north-1.sts', 'com.amazonaws.cn-north-1.secretsmanager']);
  });
});
