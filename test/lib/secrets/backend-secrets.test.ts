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

const base: BackendSecretsProps = {
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
      expect.objectContaining({ name: 'alias/backend-link/acme' }),
    ]);
  });

  it('lets the account administer the key and encrypt, but only the runtime role decrypt (through Secrets Manager)', () => {
    const key = Object.values(json.resource.aws_kms_key)[0] as { policy: string };
    const policy = JSON.parse(key.policy);
    const [admin, runtime] = policy.Statement;
    expect(admin.Principal).toEqual({ AWS: 'arn:aws:iam::123456789012:root' });
    expect(admin.Action).not.toContain('kms:Decrypt');
    expect(admin.Action).not.toContain('kms:*');
    expect(runtime).toEqual({
      Sid: 'RuntimeDecryptsThroughSecretsManager',
      Effect: 'Allow',
      Principal: { AWS: [ROLE] },
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
    });
  });

  it('creates one secret per created piece of material, encrypted with the customer key, and none for an existing one', () => {
    const names = Object.values(json.resource.aws_secretsmanager_secret).map(
      (s) => (s as { name: string }).name,
    );
    expect(names.sort()).toEqual(['backend-link/acme/client-certificate', 'backend-link/acme/credentials']);
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'backend-link/acme/credentials',
      kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.Secrets_Key_[0-9A-F]{8}\.arn\}$/),
      recovery_window_in_days: 7,
    });
  });

  it('denies reading each value to every principal but the runtime role, and blocks public policies', () => {
    const policies = Object.values(json.resource.aws_secretsmanager_secret_policy) as Array<{
      policy: string;
    }>;
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(JSON.parse(p.policy).Statement).toEqual([
        {
          Sid: 'OnlyTheRuntimeReadsTheValue',
          Effect: 'Deny',
          Principal: '*',
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalArn': [ROLE] } },
        },
      ]);
    }
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
      ['`secrets[0].source` "my-token" is not a Secrets Manager secret ARN'],
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
