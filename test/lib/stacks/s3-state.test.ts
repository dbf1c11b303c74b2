import { App, LocalBackend, S3Backend, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CustomerSubnets, GatewayPlatform, S3StateProps, configureS3State, stateKeyOf } from '../../../lib';
import { validationErrorOf } from '../../support/constructs';

const STATE: S3StateProps = { bucket: 'apicloud-terraform-state', region: 'eu-west-1', environment: 'prod' };

function appWith(...ids: string[]): App {
  const app = Testing.app();
  for (const id of ids) new TerraformStack(app, id);
  return app;
}

type Synthesized = { terraform: { backend: Record<string, Record<string, unknown>> } };

describe('configureS3State', () => {
  test('GIVEN an app with three stacks WHEN configured once THEN each has an encrypted, locked S3 backend with its own key', () => {
    // GIVEN
    const app = appWith('platform', 'customer-acme', 'customer-globex');
    // WHEN
    const backends = configureS3State(app, { ...STATE, keyPrefix: 'gateway/' });
    // THEN
    expect([...backends.keys()]).toEqual(['platform', 'customer-acme', 'customer-globex']);
    const stacks = app.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c));
    const synthesized = stacks.map((stack) => JSON.parse(Testing.synth(stack)) as Synthesized);
    expect(synthesized.map((s) => s.terraform.backend)).toEqual(
      ['platform', 'customer-acme', 'customer-globex'].map((id) => ({
        s3: {
          bucket: 'apicloud-terraform-state',
          key: `gateway/prod/${id}/terraform.tfstate`,
          region: 'eu-west-1',
          encrypt: true,
          use_lockfile: true,
        },
      })),
    );
  });

  test('GIVEN a KMS key and a role WHEN configured THEN the backend encrypts with the key and assumes the role', () => {
    const app = appWith('platform');
    configureS3State(app, {
      ...STATE,
      kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:alias/terraform-state',
      roleArn: 'arn:aws:iam::123456789012:role/terraform-state',
    });
    const stack = app.node.findChild('platform') as TerraformStack;
    const { s3 } = (JSON.parse(Testing.synth(stack)) as Synthesized).terraform.backend;
    expect(s3).toMatchObject({
      key: 'backend-link/prod/platform/terraform.tfstate',
      encrypt: true,
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:alias/terraform-state',
      assume_role: { role_arn: 'arn:aws:iam::123456789012:role/terraform-state' },
      use_lockfile: true,
    });
    expect(stateKeyOf(stack, 'prod')).toBe('backend-link/prod/platform/terraform.tfstate');
  });

  describe('environments', () => {
    /** An app with a platform named `name` in stack `platform` and a customer in `customer-acme`. */
    function platformApp(name: string): App {
      const app = Testing.app();
      const platformStack = new TerraformStack(app, 'platform');
      new AwsProvider(platformStack, 'aws', { region: 'eu-west-1' });
      const platform = new GatewayPlatform(platformStack, 'Platform', {
        name,
        vpcProps: { cidrBlock: '10.40.0.0/16' },
        customerAddressPool: '10.40.128.0/17',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      });
      const customerStack = new TerraformStack(app, 'customer-acme');
      new AwsProvider(customerStack, 'aws', { region: 'eu-west-1' });
      new CustomerSubnets(customerStack, 'Subnets', {
        platform,
        customerName: 'acme',
        cidrBlock: '10.40.128.0/24',
      });
      return app;
    }
    const keysOf = (app: App) =>
      app.node.children
        .filter((c): c is TerraformStack => TerraformStack.isStack(c))
        .map((stack) => (JSON.parse(Testing.synth(stack)) as Synthesized).terraform.backend.s3.key);

    test('GIVEN the same app as staging and as prod WHEN configured without environment THEN the platform names keep their states apart', () => {
      const { environment: _, ...withoutEnvironment } = STATE;
      const staging = platformApp('staging');
      const prod = platformApp('prod');
      configureS3State(staging, withoutEnvironment);
      configureS3State(prod, withoutEnvironment);

      expect(keysOf(staging)).toEqual([
        'backend-link/staging/platform/terraform.tfstate',
        'backend-link/staging/customer-acme/terraform.tfstate',
      ]);
      expect(keysOf(prod)).toEqual([
        'backend-link/prod/platform/terraform.tfstate',
        'backend-link/prod/customer-acme/terraform.tfstate',
      ]);
    });

    test('fails when a stack serves no platform and no environment is given', () => {
      const { environment: _, ...withoutEnvironment } = STATE;
      const error = validationErrorOf(() => configureS3State(appWith('tools'), withoutEnvironment));
      expect(error.problems).toEqual([
        'stack "tools" holds no platform and serves none, so its state key can not name one: give `environment` (e.g. "prod"), which keeps this app\'s states apart from another app\'s with the same stacks',
      ]);
    });

    test('fails at synth when two stacks of one app keep their state at one key', () => {
      const app = appWith('platform');
      configureS3State(app, STATE);
      const late = new TerraformStack(app, 'late');
      new S3Backend(late, {
        bucket: STATE.bucket,
        key: 'backend-link/prod/platform/terraform.tfstate',
        region: 'eu-west-1',
      });

      expect(() => app.synth()).toThrow(
        'stacks "platform" and "late" keep their state at the same key s3://apicloud-terraform-state/backend-link/prod/platform/terraform.tfstate: each would plan and apply against the other\'s state; give each stack its own key (configureS3State\'s `environment`)',
      );
    });

    test('fails when the environment is not a key part', () => {
      const error = validationErrorOf(() =>
        configureS3State(appWith('platform'), { ...STATE, environment: 'prod/eu' }),
      );
      expect(error.problems).toEqual([
        '`environment` "prod/eu" is not a state key part (1-64 letters, digits, "-", "_" or ".")',
      ]);
    });
  });

  test.each<[string, Partial<S3StateProps>, string]>([
    [
      'the bucket name has upper case',
      { bucket: 'ApiCloud-State' },
      '`bucket` "ApiCloud-State" is not an S3 bucket name (3-63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no "..", not an IP address)',
    ],
    [
      'the bucket name looks like an IP address',
      { bucket: '192.168.10.20' },
      '`bucket` "192.168.10.20" is not an S3 bucket name (3-63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no "..", not an IP address)',
    ],
    [
      'the region is not a region',
      { region: 'europe' },
      '`region` "europe" is not an AWS region name such as "eu-west-1"',
    ],
    [
      'the key prefix starts with a slash',
      { keyPrefix: '/states/' },
      '`keyPrefix` "/states/" is not a safe S3 key prefix (letters, digits and !-_.*\'()/, no leading "/", no "//" or "..")',
    ],
    [
      'the key prefix climbs up',
      { keyPrefix: 'states/../other/' },
      '`keyPrefix` "states/../other/" is not a safe S3 key prefix (letters, digits and !-_.*\'()/, no leading "/", no "//" or "..")',
    ],
    [
      'the KMS key is a bare id',
      { kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
      '`kmsKeyId` "1234abcd-12ab-34cd-56ef-1234567890ab" is not a KMS key ARN or alias ARN (arn:aws:kms:<region>:<account>:key/<id> or …:alias/<name>)',
    ],
    [
      'the role is a user',
      { roleArn: 'arn:aws:iam::123456789012:user/terraform' },
      '`roleArn` "arn:aws:iam::123456789012:user/terraform" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
    ],
  ])('fails when %s', (_, override, problem) => {
    const error = validationErrorOf(() => configureS3State(appWith('platform'), { ...STATE, ...override }));
    expect(error.problems).toEqual([problem]);
  });

  test('fails when the app has no stack yet', () => {
    const error = validationErrorOf(() => configureS3State(appWith(), STATE));
    expect(error.problems).toEqual([
      'the app has no stack yet: create the stacks first, then call configureS3State',
    ]);
  });

  test('fails when a stack already has a backend, naming it', () => {
    const app = appWith('platform', 'customer-acme');
    new LocalBackend(app.node.findChild('customer-acme') as TerraformStack, { path: 'acme.tfstate' });
    const error = validationErrorOf(() => configureS3State(app, STATE));
    expect(error.problems).toEqual([
      'stack "customer-acme" already has a backend (customer-acme/backend); give every stack its state through configureS3State only',
    ]);
    // Nothing was added to the other stack either: the problems are thrown before any backend is created.
    expect((app.node.findChild('platform') as TerraformStack).node.tryFindChild('backend')).toBeUndefined();
  });
});
