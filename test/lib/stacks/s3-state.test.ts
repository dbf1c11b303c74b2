import { App, LocalBackend, TerraformStack, Testing } from 'cdktf';
import { S3StateProps, configureS3State, stateKeyOf } from '../../../lib';
import { validationErrorOf } from '../../support/constructs';

const STATE: S3StateProps = { bucket: 'apicloud-terraform-state', region: 'eu-west-1' };

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
          key: `gateway/${id}/terraform.tfstate`,
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
      key: 'backend-link/platform/terraform.tfstate',
      encrypt: true,
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:alias/terraform-state',
      assume_role: { role_arn: 'arn:aws:iam::123456789012:role/terraform-state' },
      use_lockfile: true,
    });
    expect(stateKeyOf(stack)).toBe('backend-link/platform/terraform.tfstate');
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
