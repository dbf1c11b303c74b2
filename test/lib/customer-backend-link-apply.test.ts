/**
 * CustomerBackendLink, for a real apply: the deployer is required (and only used) where a write-only
 * secret is written; the partition reaches every ARN, principal and condition; a customer name is unique
 * per stack across platforms (outputs and variables are named by customer).
 */
import { join } from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  GatewayPlatformProps,
  SecretSource,
} from '../../lib';
import { validationErrorOf } from '../support/constructs';

const BUNDLE = join(__dirname, 'runtime', 'fixtures', 'bundle');
const DEPLOYER = 'arn:aws:iam::123456789012:role/terraform-deploy';

function platformIn(scope: Construct, id = 'Platform', override: Partial<GatewayPlatformProps> = {}) {
  return new GatewayPlatform(scope, id, {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
    ...override,
  });
}

function props(
  platform: GatewayPlatform,
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  return {
    platform,
    customerName: 'acme',
    accountId: '123456789012',
    cidrBlock: '10.40.128.0/24',
    vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
    loadBalancer: {
      certificateArn: `arn:${platform.partition}:acm:${platform.region}:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`,
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    backend: { url: 'https://orders.acme.internal:8443/api' },
    security: BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
    runtime: { runtimeBundleDirectory: BUNDLE },
    deployerPrincipalArn: DEPLOYER,
    ...override,
  };
}

function stackIn(region = 'eu-west-1'): TerraformStack {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region });
  return stack;
}

type Json = { resource: Record<string, Record<string, Record<string, unknown>>> };

describe('CustomerBackendLink: the deployer of write-only secrets', () => {
  it('fails when a write-only secret has no deployer, naming the prop and the provider behaviour (#42383)', () => {
    const stack = stackIn();
    const error = validationErrorOf(
      () =>
        new CustomerBackendLink(stack, 'Acme', props(platformIn(stack), { deployerPrincipalArn: undefined })),
    );
    expect(error.constructPath).toBe('test/Acme');
    expect(error.problems).toEqual([
      '`deployerPrincipalArn` is required: "credentials" is written through SecretSource.fromWriteOnlyVariable, and hashicorp/aws 5.x reads a write-only secret version back with GetSecretValue on create, on every refresh and on delete (terraform-provider-aws issue #42383, fixed only in 6.x), which the secret\'s policy denies to everyone but the runtime role. Give the ARN of the IAM role (or user) Terraform applies with: it is admitted to PutSecretValue and GetSecretValue on the write-only secrets, and to their KMS key through Secrets Manager, and to nothing else',
    ]);
  });

  it('GIVEN only fill-after-deploy and existing secrets THEN no deployer is needed, and a given one is named nowhere', () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const platform = platformIn(scope);
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platform, {
            security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }),
            deployerPrincipalArn: undefined,
          }),
        );
        new CustomerBackendLink(
          scope,
          'Globex',
          props(platform, {
            customerName: 'globex',
            cidrBlock: '10.40.129.0/24',
            vpn: undefined,
            backend: { url: 'https://10.99.0.10', cidrs: ['10.99.0.0/24'] },
            security: BackendSecurity.token({
              token: SecretSource.fromExistingSecret(
                'arn:aws:secretsmanager:eu-west-1:123456789012:secret:globex-AbCdEf',
              ),
            }),
          }),
        );
      }),
    ) as Json;
    expect(JSON.stringify(json)).not.toContain(DEPLOYER);
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });
});

describe('CustomerBackendLink: partition', () => {
  it('GIVEN a platform in cn-north-1 THEN ARNs, the KMS root, kms:ViaService and the endpoint use aws-cn', () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const platform = platformIn(scope, 'Platform', { availabilityZones: ['cn-north-1a', 'cn-north-1b'] });
        new CustomerBackendLink(
          scope,
          'Acme',
          props(platform, { deployerPrincipalArn: 'arn:aws-cn:iam::123456789012:role/terraform-deploy' }),
        );
      }),
    ) as Json;
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/arn:aws:/);
    const key = Object.entries(json.resource.aws_kms_key).find(([id]) => id.startsWith('Acme_Secrets'))![1];
    const statements = JSON.parse(key.policy as string).Statement;
    expect(statements[0].Principal).toEqual({ AWS: 'arn:aws-cn:iam::123456789012:root' });
    expect(statements[1].Principal).toEqual({
      AWS: ['arn:aws-cn:iam::123456789012:role/backend-link/apicloud-acme-cnn1-gateway'],
    });
    expect(statements[1].Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'secretsmanager.cn-north-1.amazonaws.com.cn' },
    });
    expect(statements[2].Condition.StringLike['kms:EncryptionContext:SecretARN']).toEqual([
      'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:backend-link/apicloud/acme/credentials-??????????????????????????-??????',
    ]);
    expect(Object.values(json.resource.aws_vpc_endpoint).map((e) => e.service_name)).toEqual([
      'com.amazonaws.cn-north-1.secretsmanager',
    ]);
  });
});

describe('CustomerBackendLink: customer names per stack', () => {
  it('fails when two platforms in one stack have a customer of the same name (outputs and variables would be overwritten)', () => {
    const stack = stackIn();
    new CustomerBackendLink(stack, 'StagingAcme', props(platformIn(stack, 'Staging', { name: 'staging' })));
    const production = platformIn(stack, 'Production', {
      name: 'production',
      vpcProps: { cidrBlock: '10.41.0.0/16' },
      customerAddressPool: '10.41.128.0/17',
      interfaceEndpoints: { subnetsCidrBlock: '10.41.0.32/27' },
    });
    const error = validationErrorOf(
      () =>
        new CustomerBackendLink(stack, 'ProductionAcme', props(production, { cidrBlock: '10.41.128.0/24' })),
    );
    expect(error.constructPath).toBe('test/ProductionAcme/Subnets');
    expect(error.problems).toEqual([
      '`customerName` "acme" is already used in this stack by test/StagingAcme/Subnets (platform "staging"); the stack\'s outputs and variables are named by customer (`acme_handoff`, `acme_<secret>`): give each customer a name unique in the stack, or put each platform in its own stack',
    ]);
  });
});
