/**
 * Who administers a customer's key and secrets, evaluated as IAM and KMS would (iam-simulate, key policy
 * and secret policy with the caller's identity policy): without `administratorArns` an account
 * administrator can grant itself the key and rewrite a secret's policy (what the README says plainly); with
 * it, only the administrators, the deployer (Terraform) and the root user (break-glass) can, and reading a
 * value stays with the runtime in both cases.
 */
import { Testing } from 'cdktf';
import { BackendSecrets, BackendSecretsProps } from '../../../lib/secrets/backend-secrets';
import {
  KEY_ADMINISTRATION_ACTIONS,
  SECRET_ADMINISTRATION_ACTIONS,
  customerKeyPolicy,
  keyAndSecretAdministrators,
  secretPolicy,
} from '../../../lib/secrets/key-policy';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { ADMINISTRATOR_ACCESS, decide } from '../../support/iam-simulate';

const ACCOUNT = '123456789012';
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const RUNTIME = role('backend-link/apicloud-acme-gateway');
const DEPLOYER = role('terraform-deploy');
const SECURITY = role('security-team');
const ADMIN = role('account-admin');
const ROOT_USER = `arn:aws:iam::${ACCOUNT}:root`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
const SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:backend-link/apicloud/acme/credentials-AbCdEf`;
const VIA = 'secretsmanager.eu-west-1.amazonaws.com';

function policies(administratorArns?: string[]) {
  const administrators = keyAndSecretAdministrators('aws', ACCOUNT, administratorArns, DEPLOYER);
  return {
    key: customerKeyPolicy({
      partition: 'aws',
      accountId: ACCOUNT,
      readers: [RUNTIME],
      secretsManagerViaService: VIA,
      administrators,
    }),
    secret: secretPolicy({ readers: [RUNTIME], administrators }),
  };
}

/** The caller's identity policy: everyone here has AdministratorAccess but the runtime, which has its own. */
function identityOf(principal: string): object[] {
  if (principal === RUNTIME)
    return [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET }],
      },
    ];
  // The root user holds every right of its account without a policy: modelled as AdministratorAccess.
  return [ADMINISTRATOR_ACCESS];
}

const onKey = (p: ReturnType<typeof policies>, principal: string, action: string, context = {}) =>
  decide({
    principal,
    action,
    resource: KEY,
    accountId: ACCOUNT,
    identityPolicies: identityOf(principal),
    resourcePolicy: p.key,
    context,
  });
const onSecret = (p: ReturnType<typeof policies>, principal: string, action: string) =>
  decide({
    principal,
    action,
    resource: SECRET,
    accountId: ACCOUNT,
    identityPolicies: identityOf(principal),
    resourcePolicy: p.secret,
  });

describe('without administratorArns (the default): administration is the account’s', () => {
  const p = policies();

  test('an account administrator can grant itself the key and rewrite or remove the secret’s policy (the README says so)', async () => {
    for (const action of ['kms:CreateGrant', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'])
      expect({ action, decision: await onKey(p, ADMIN, action) }).toEqual({ action, decision: 'Allowed' });
    for (const action of [
      'secretsmanager:PutResourcePolicy',
      'secretsmanager:DeleteResourcePolicy',
      'secretsmanager:PutSecretValue',
    ])
      expect({ action, decision: await onSecret(p, ADMIN, action) }).toEqual({ action, decision: 'Allowed' });
  });

  test('but it still reads no value and decrypts nothing while the policies stand', async () => {
    expect(await onSecret(p, ADMIN, 'secretsmanager:GetSecretValue')).toBe('ExplicitlyDenied');
    expect(await onKey(p, ADMIN, 'kms:Decrypt', { 'kms:ViaService': VIA })).toBe('ImplicitlyDenied');
  });

  test('the key policy is the first release’s (no churn for existing keys)', () => {
    expect((p.key as { Statement: Array<{ Sid: string }> }).Statement.map((s) => s.Sid)).toEqual([
      'AccountAdministersAndEncrypts',
      'RuntimeDecryptsThroughSecretsManager',
    ]);
    expect((p.secret as { Statement: Array<{ Sid: string }> }).Statement.map((s) => s.Sid)).toEqual([
      'OnlyTheRuntimeReadsTheValue',
    ]);
  });
});

describe('with administratorArns: only the administrators, the deployer and the root user administer', () => {
  const p = policies([SECURITY]);

  /** One concrete action per pattern of KEY_ADMINISTRATION_ACTIONS. */
  const KEY_ACTIONS: Record<string, string> = {
    'kms:Create*': 'kms:CreateGrant',
    'kms:Enable*': 'kms:EnableKeyRotation',
    'kms:Put*': 'kms:PutKeyPolicy',
    'kms:Update*': 'kms:UpdateKeyDescription',
    'kms:Revoke*': 'kms:RevokeGrant',
    'kms:Disable*': 'kms:DisableKey',
    'kms:Delete*': 'kms:DeleteAlias',
  };
  test.each(KEY_ADMINISTRATION_ACTIONS.map((a) => [KEY_ACTIONS[a] ?? a]))(
    'prevents an account administrator from %s on the key, and lets the administrators and the deployer',
    async (action) => {
      expect(await onKey(p, ADMIN, action)).toBe('ImplicitlyDenied');
      for (const admin of [SECURITY, DEPLOYER])
        expect({ admin, decision: await onKey(p, admin, action) }).toEqual({ admin, decision: 'Allowed' });
    },
  );

  test.each(SECRET_ADMINISTRATION_ACTIONS.map((a) => [a]))(
    'prevents an account administrator from %s on the secret, and lets the administrators and the deployer',
    async (action) => {
      expect(await onSecret(p, ADMIN, action)).toBe('ExplicitlyDenied');
      for (const admin of [SECURITY, DEPLOYER])
        expect({ admin, decision: await onSecret(p, admin, action) }).toEqual({ admin, decision: 'Allowed' });
    },
  );

  test('the break-glass path: the account root user may still put the key policy and the secret policy', async () => {
    expect(await onKey(p, ROOT_USER, 'kms:PutKeyPolicy')).toBe('Allowed');
    expect(await onSecret(p, ROOT_USER, 'secretsmanager:PutResourcePolicy')).toBe('Allowed');
  });

  test('the account may still encrypt (fill a secret as an administrator) and read metadata, never decrypt', async () => {
    expect(await onKey(p, ADMIN, 'kms:GenerateDataKey', { 'kms:ViaService': VIA })).toBe('Allowed');
    expect(await onKey(p, ADMIN, 'kms:DescribeKey')).toBe('Allowed');
    expect(await onKey(p, ADMIN, 'kms:Decrypt', { 'kms:ViaService': VIA })).toBe('ImplicitlyDenied');
    expect(await onSecret(p, ADMIN, 'secretsmanager:DescribeSecret')).toBe('Allowed');
  });

  test('the runtime reads its value through Secrets Manager, and may not change it or its policy', async () => {
    expect(await onSecret(p, RUNTIME, 'secretsmanager:GetSecretValue')).toBe('Allowed');
    expect(await onKey(p, RUNTIME, 'kms:Decrypt', { 'kms:ViaService': VIA })).toBe('Allowed');
    expect(await onKey(p, RUNTIME, 'kms:Decrypt')).toBe('ImplicitlyDenied');
    expect(await onSecret(p, RUNTIME, 'secretsmanager:PutSecretValue')).toBe('ExplicitlyDenied');
    // Not even an administrator reads the value.
    expect(await onSecret(p, SECURITY, 'secretsmanager:GetSecretValue')).toBe('ExplicitlyDenied');
  });
});

describe('BackendSecrets administratorArns', () => {
  const base: BackendSecretsProps = {
    platform: { name: 'apicloud', region: 'eu-west-1', partition: 'aws' },
    customerName: 'acme',
    accountId: ACCOUNT,
    readerRoleArn: RUNTIME,
    deployerPrincipalArn: DEPLOYER,
    secrets: [{ name: 'credentials', material: 'credentials', source: SecretSource.fillAfterDeploy() }],
  };

  test('GIVEN administrators THEN the key and the secret policy name them, the deployer and the root user', () => {
    const json = JSON.parse(
      Testing.synthScope(
        (scope) => void new BackendSecrets(scope, 'S', { ...base, administratorArns: [SECURITY] }),
      ),
    );
    const key = JSON.parse((Object.values(json.resource.aws_kms_key)[0] as { policy: string }).policy);
    expect(key.Statement[1].Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': [SECURITY, DEPLOYER, ROOT_USER] },
    });
    const secret = JSON.parse(
      (Object.values(json.resource.aws_secretsmanager_secret_policy)[0] as { policy: string }).policy,
    );
    expect(secret.Statement[1]).toMatchObject({
      Sid: 'OnlyAdministratorsChangeTheSecret',
      Effect: 'Deny',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': [SECURITY, DEPLOYER, ROOT_USER] } },
    });
  });

  test.each<[string, Partial<BackendSecretsProps>, string]>([
    [
      'without the deployer',
      { administratorArns: [SECURITY], deployerPrincipalArn: undefined },
      '`deployerPrincipalArn` is required with `administratorArns`: Terraform creates, updates and destroys the key, its alias, the secrets and their policies, which `administratorArns` keeps to the administrators (KMS refuses a key policy that locks out the principal that puts it); give the ARN of the IAM role (or user) Terraform applies with',
    ],
    [
      'empty',
      { administratorArns: [] },
      "`administratorArns` is empty; name the IAM roles (or users) that administer the customer's key and secrets, or leave it out to leave their administration to the account",
    ],
    [
      'the account root',
      { administratorArns: [ROOT_USER] },
      '`administratorArns[0]` "arn:aws:iam::123456789012:root" is the account root, which would admit every principal of the account; name the IAM role (or user)',
    ],
    [
      'a role twice',
      { administratorArns: [SECURITY, SECURITY] },
      '`administratorArns[1]` "arn:aws:iam::123456789012:role/security-team" is listed twice',
    ],
  ])('fails when administratorArns is %s', (_name, props, message) => {
    expect(() =>
      Testing.synthScope((scope) => void new BackendSecrets(scope, 'S', { ...base, ...props })),
    ).toThrow(message);
  });
});
