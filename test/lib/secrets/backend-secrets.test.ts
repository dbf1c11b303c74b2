import { Testing } from 'cdktf';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { BackendSecrets, BackendSecretsProps } from '../../../lib/secrets/backend-secrets';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { testStack, validationErrorOf } from '../../support/constructs';

const ROLE = 'arn:aws:iam::123456789012:role/acme-runtime';
const EXISTING = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-token-AbCdEf';

const DEPLOYER = 'arn:aws:iam::123456789012:role/terraform-deploy';

const base: BackendSecretsProps = {
  platform: { name: 'apicloud', region: 'eu-west-1', partition: 'aws' },
  deployerPrincipalArn: DEPLOYER,
  customerName: 'acme',
  accountId: '123456789012',
  readerRoleArn: ROLE,
  secrets: [
    {
      name: 'credentials',
      material: 'credentials',
      source: SecretSource.fromWriteOnlyVariable({ version: 2 }),
    },
    { name: 'client-certificate', material: 'client-certificate', source: SecretSource.fillAfterDeploy() },
    {
      name: 'token',
      material: 'token',
      source: SecretSource.fromExistingSecret(EXISTING, { jsonKeys: { token: 'apiKey' } }),
    },
  ],
};

describe('BackendSecrets', () => {
  const synthesized = Testing.synthScope((scope) => {
    new BackendSecrets(scope, 'Secrets', base);
  });
  const json = JSON.parse(synthesized);

  it('creates a KMS key with rotation on, a 30-day deletion window, and an alias per customer', () => {
    expect(synthesized).toHaveResourceWithProperties(KmsKey, {
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    expect(Object.values(json.resource.aws_kms_alias)).toEqual([
      expect.objectContaining({ name: 'alias/backend-link/apicloud/acme' }),
    ]);
  });

  it('lets the account administer the key and encrypt, but only the runtime role decrypt (through Secrets Manager)', () => {
    const key = Object.values(json.resource.aws_kms_key)[0] as { policy: string };
    const policy = JSON.parse(key.policy);
    const [admin, runtime, deployer] = policy.Statement;
    expect(admin.Principal).toEqual({ AWS: 'arn:aws:iam::123456789012:root' });
    expect(admin.Action).not.toContain('kms:Decrypt');
    expect(admin.Action).not.toContain('kms:*');
    expect(runtime).toEqual({
      Sid: 'RuntimeDecryptsThroughSecretsManager',
      Effect: 'Allow',
      Principal: { AWS: [ROLE] },
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
    // The deployer: only what PutSecretValue/GetSecretValue need, only for the write-only secret.
    expect(deployer).toEqual({
      Sid: 'DeployerWritesAndReadsBackWriteOnlySecrets',
      Effect: 'Allow',
      Principal: { AWS: DEPLOYER },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
        StringLike: {
          'kms:EncryptionContext:SecretARN': [
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/apicloud/acme/credentials-??????????????????????????-??????',
          ],
        },
      },
    });
    expect(policy.Statement).toHaveLength(3);
  });

  it('creates one secret per created piece of material, encrypted with the customer key, and none for an existing one', () => {
    const names = Object.values(json.resource.aws_secretsmanager_secret).map(
      (s) => (s as { name_prefix: string }).name_prefix,
    );
    expect(names.sort()).toEqual([
      'backend-link/apicloud/acme/client-certificate-',
      'backend-link/apicloud/acme/credentials-',
    ]);
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name_prefix: 'backend-link/apicloud/acme/credentials-',
      kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.Secrets_Key_[0-9A-F]{8}\.arn\}$/),
      recovery_window_in_days: 7,
    });
  });

  it('denies reading each value to every principal but the runtime role (and, for a write-only value, the deployer), and blocks public policies', () => {
    const policies = Object.entries(json.resource.aws_secretsmanager_secret_policy) as Array<
      [string, { policy: string }]
    >;
    expect(policies).toHaveLength(2);
    const statements = (idPart: string) =>
      JSON.parse(policies.find(([id]) => id.includes(idPart))![1].policy).Statement;
    const deny = (readers: string[]) => ({
      Sid: 'OnlyTheRuntimeReadsTheValue',
      Effect: 'Deny',
      Principal: '*',
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': readers } },
    });
    expect(statements('client-certificate')).toEqual([deny([ROLE])]);
    expect(statements('credentials')).toEqual([
      deny([ROLE, DEPLOYER]),
      {
        Sid: 'DeployerWritesAndReadsBackTheWriteOnlyValue',
        Effect: 'Allow',
        Principal: { AWS: DEPLOYER },
        Action: ['secretsmanager:PutSecretValue', 'secretsmanager:GetSecretValue'],
        Resource: '*',
      },
    ]);
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecretPolicy, {
      block_public_policy: true,
    });
  });

  it('writes a write-only value from an ephemeral, sensitive variable, never as secret_string', () => {
    expect(json.variable.acme_credentials).toEqual(
      expect.objectContaining({ ephemeral: true, sensitive: true, nullable: false, type: 'string' }),
    );
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecretVersion, {
      secret_string_wo: '${var.acme_credentials}',
      secret_string_wo_version: 2,
    });
    const versions = Object.values(json.resource.aws_secretsmanager_secret_version) as object[];
    expect(versions).toHaveLength(1);
    expect(versions[0]).not.toHaveProperty('secret_string');
  });

  it('outputs the ARN of each created secret, never a value', () => {
    expect(Object.keys(json.output).sort()).toEqual([
      'acme_client_certificate_secret_arn',
      'acme_credentials_secret_arn',
    ]);
  });

  it('gives the runtime references with the right JSON keys, mapped for an existing secret', () => {
    const secrets = new BackendSecrets(testStack(), 'Secrets', base);
    expect(secrets.ref('token', 'token')).toEqual({ secretArn: EXISTING, jsonKey: 'apiKey' });
    expect(secrets.ref('credentials', 'password')).toEqual({
      secretArn: expect.stringMatching(/^\$\{TfToken\[TOKEN\.\d+\]\}$/),
      jsonKey: 'password',
    });
    expect(secrets.secretArns).toHaveLength(3);
    expect(() => secrets.ref('tls', 'certificate')).toThrow(
      'test/Secrets: no secret named "tls" (have: credentials, client-certificate, token)',
    );
    expect(() => secrets.ref('token', 'password')).toThrow(
      'test/Secrets: secret "token" (token) has no key "password"',
    );
  });

  it('matches the snapshot', () => {
    expect(synthesized).toMatchSnapshot();
  });

  test.each<[string, Partial<BackendSecretsProps>, string[]]>([
    [
      'the account id is short',
      { accountId: '12345' },
      ['`accountId` "12345" is not a 12-digit AWS account id'],
    ],
    [
      'the reader is not a role ARN',
      { readerRoleArn: 'arn:aws:iam::123456789012:user/bob' },
      ['`readerRoleArn` "arn:aws:iam::123456789012:user/bob" is not an IAM role ARN'],
    ],
    [
      'the recovery window is too short',
      { recoveryWindowInDays: 3 },
      ['`recoveryWindowInDays` 3 must be a whole number from 7 to 30'],
    ],
    [
      'a secret name is used twice',
      {
        secrets: [
          { name: 'token', material: 'token', source: SecretSource.fillAfterDeploy() },
          { name: 'token', material: 'token', source: SecretSource.fillAfterDeploy() },
        ],
      },
      ['`secrets[1].name` "token" is used twice'],
    ],
    [
      'an existing secret is not a secret ARN',
      {
        secrets: [{ name: 'token', material: 'token', source: SecretSource.fromExistingSecret('my-token') }],
      },
      [
        '`secrets[0].source` (not shown: it is not ARN-shaped and may be a secret value) is not a Secrets Manager secret ARN',
      ],
    ],
    [
      'an existing secret is an ARN of another service (shown: it is ARN-shaped)',
      {
        secrets: [
          {
            name: 'token',
            material: 'token',
            source: SecretSource.fromExistingSecret('arn:aws:ssm:eu-west-1:123456789012:parameter/token'),
          },
        ],
      },
      [
        '`secrets[0].source` "arn:aws:ssm:eu-west-1:123456789012:parameter/token" is not a Secrets Manager secret ARN',
      ],
    ],
    [
      'regression: a source is a plain string (it was created as an empty fill-after-deploy secret)',
      { secrets: [{ name: 'token', material: 'token', source: 'S3cr3t-token' as never }] },
      [
        '`secrets[0].source` is a string, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })',
      ],
    ],
    [
      'a source is an object of an unknown kind',
      {
        secrets: [{ name: 'token', material: 'token', source: { kind: 'plain', value: 'S3cr3t' } as never }],
      },
      [
        '`secrets[0].source` is an object without a known `kind`, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })',
      ],
    ],
    [
      'an existing secret maps a key the material does not have',
      {
        secrets: [
          {
            name: 'token',
            material: 'token',
            source: SecretSource.fromExistingSecret(EXISTING, { jsonKeys: { password: 'pw' } }),
          },
        ],
      },
      ['`secrets[0].source.jsonKeys` maps "password", which token does not have (keys: token)'],
    ],
    [
      'a write-only version is zero',
      {
        secrets: [
          { name: 'token', material: 'token', source: SecretSource.fromWriteOnlyVariable({ version: 0 }) },
        ],
      },
      ['`secrets[0].source.version` 0 must be a whole number ≥ 1 (bump it to write a new value)'],
    ],
    [
      'a write-only variable name is not an identifier',
      {
        secrets: [
          {
            name: 'token',
            material: 'token',
            source: SecretSource.fromWriteOnlyVariable({ version: 1, variableName: 'acme-token' }),
          },
        ],
      },
      ['`secrets[0].source.variableName` "acme-token" is not a Terraform identifier'],
    ],
    [
      'an additional reader is a wildcard or not an ARN',
      { additionalReaderArns: ['arn:aws:iam::123456789012:role/*', 'deployer'] },
      [
        '`additionalReaderArns[0]` "arn:aws:iam::123456789012:role/*" has a wildcard: it would let any matching principal read the secrets; give the ARNs of IAM roles or users',
        '`additionalReaderArns[1]` "deployer" is not an IAM role, user or account ARN (arn:aws:iam::<account>:role/<name>)',
      ],
    ],
    [
      'a tag key is reserved by AWS',
      { tags: { 'aws:team': 'api' } },
      ['`tags` key "aws:team" starts with "aws:", which AWS reserves for its own tags'],
    ],
    [
      'a write-only secret has no deployer (the provider reads write-only versions back, #42383)',
      { deployerPrincipalArn: undefined },
      [
        '`deployerPrincipalArn` is required: "credentials" is written through SecretSource.fromWriteOnlyVariable, and hashicorp/aws 5.x reads a write-only secret version back with GetSecretValue on create, on every refresh and on delete (terraform-provider-aws issue #42383, fixed only in 6.x), which the secret\'s policy denies to everyone but the runtime role. Give the ARN of the IAM role (or user) Terraform applies with: it is admitted to PutSecretValue and GetSecretValue on the write-only secrets, and to their KMS key through Secrets Manager, and to nothing else',
      ],
    ],
    [
      'the deployer is an STS session',
      { deployerPrincipalArn: 'arn:aws:sts::123456789012:assumed-role/terraform-deploy/ci-run-42' },
      [
        '`deployerPrincipalArn` "arn:aws:sts::123456789012:assumed-role/terraform-deploy/ci-run-42" is an STS session; give its role\'s ARN (arn:<partition>:iam::<account>:role/<path/><name>), which is what `aws:PrincipalArn` holds for every session of the role',
      ],
    ],
    [
      'the deployer is the account root',
      { deployerPrincipalArn: 'arn:aws:iam::123456789012:root' },
      [
        '`deployerPrincipalArn` "arn:aws:iam::123456789012:root" is the account root, which would admit every principal of the account; name the IAM role (or user)',
      ],
    ],
    [
      'the deployer is in another partition',
      { deployerPrincipalArn: 'arn:aws-cn:iam::123456789012:role/terraform-deploy' },
      [
        '`deployerPrincipalArn` "arn:aws-cn:iam::123456789012:role/terraform-deploy" is in partition aws-cn, the platform in aws',
      ],
    ],
    [
      'a secret name has capitals',
      { secrets: [{ name: 'Token', material: 'token', source: SecretSource.fillAfterDeploy() }] },
      ['`secrets[0].name` "Token" must be 2-32 characters of lowercase letters, digits and hyphens'],
    ],
  ])('fails when %s', (_case, override, problems) => {
    expect(
      validationErrorOf(() => new BackendSecrets(testStack(), 'Secrets', { ...base, ...override })).problems,
    ).toEqual(problems);
  });
});
