/**
 * The customer key's policy and each created secret's resource policy: who reads a value, who administers
 * the key and the secrets.
 *
 * Reading is closed in every case: only the readers (the runtime role, `additionalReaderArns`) and, for a
 * write-only secret, the deployer read a value, and the key decrypts only through Secrets Manager.
 *
 * Administration is a choice (`administratorArns`):
 *
 *  - not given: the account administers the key (its root, so every principal whose IAM policies allow it,
 *    as AWS's default key policy does) and the secrets' policies leave their administration to IAM. An
 *    account administrator (`kms:*`, `secretsmanager:*` in IAM) can then grant itself the key
 *    (`kms:CreateGrant`, `kms:PutKeyPolicy`) and rewrite or remove a secret's policy: the guard holds
 *    against principals without those rights only.
 *  - given: the key's administrative actions (`kms:Create*` with `CreateGrant`, `kms:Put*`, ...) are allowed
 *    to the administrators, the deployer and the account's root user only, and each secret's policy denies
 *    changing the secret, its value or its policy to everyone else. The account's root user is the break-glass
 *    path (without it a lost administrator role would leave the key to AWS Support). The deployer is always
 *    among them: Terraform creates, updates and destroys the key, its alias, the secrets and their policies,
 *    and KMS refuses a key policy that would lock out the principal that puts it.
 */

/**
 * What hashicorp/aws 5.100's aws_secretsmanager_secret_version calls on its secret for a write-only value:
 * PutSecretValue on create, then GetSecretValue (create waits for the version, read is every refresh,
 * delete waits until the version is gone). terraform-provider-aws `internal/service/secretsmanager/
 * secret_version.go`; UpdateSecretVersionStage only runs for `version_stages`, which backend-link never sets.
 */
export const WRITE_ONLY_VERSION_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:GetSecretValue',
] as const;

/** The key's administrative actions: what `administratorArns` keeps to the administrators. */
export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:Create*',
  'kms:Enable*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
] as const;

/** The account's statement when administration is left to it (the order of the first release). */
const ACCOUNT_ADMINISTERS_AND_ENCRYPTS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
] as const;

/** What the account may always do with the key: read its metadata and encrypt (put values), never decrypt. */
const ACCOUNT_USE_ACTIONS = [
  'kms:Describe*',
  'kms:List*',
  'kms:Get*',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
] as const;

/**
 * What changes a secret, its value or its policy: denied to everyone but the administrators when
 * `administratorArns` is given. Reading metadata (`DescribeSecret`, `GetResourcePolicy`, `ListSecretVersionIds`)
 * stays with IAM; reading the value has its own statement.
 */
export const SECRET_ADMINISTRATION_ACTIONS = [
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:RotateSecret',
  'secretsmanager:CancelRotateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
  'secretsmanager:ReplicateSecretToRegions',
  'secretsmanager:RemoveRegionsFromReplication',
  'secretsmanager:StopReplicationToReplica',
] as const;

/** The account's root user as `aws:PrincipalArn` has it (and the account, as a key policy principal). */
export function accountRootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/**
 * Who administers when `administratorArns` is given: the administrators, the deployer (Terraform) and the
 * account's root user (break-glass), without repeats. Undefined when administration is left to the account.
 */
export function keyAndSecretAdministrators(
  partition: string,
  accountId: string,
  administratorArns: readonly string[] | undefined,
  deployerPrincipalArn: string | undefined,
): string[] | undefined {
  if (administratorArns === undefined) return undefined;
  const all = [
    ...administratorArns,
    ...(deployerPrincipalArn ? [deployerPrincipalArn] : []),
    accountRootArn(partition, accountId),
  ];
  return [...new Set(all)];
}

export interface CustomerKeyPolicyProps {
  readonly partition: string;
  readonly accountId: string;
  /** The principals that read the values (decrypt through Secrets Manager). */
  readonly readers: readonly string[];
  /** `kms:ViaService` of Secrets Manager in the platform's region. */
  readonly secretsManagerViaService: string;
  /** The deployer, when a write-only secret is written, with those secrets' ARN patterns. */
  readonly writeOnlyDeployer?: { readonly arn: string; readonly secretArnPatterns: readonly string[] };
  /** Who plans besides the deployer: decrypt (never encrypt) the write-only secrets through Secrets Manager. */
  readonly writeOnlyPlanners?: {
    readonly arns: readonly string[];
    readonly secretArnPatterns: readonly string[];
  };
  /** From {@link keyAndSecretAdministrators}; undefined leaves administration to the account. */
  readonly administrators?: readonly string[];
}

/** The customer key's policy. */
export function customerKeyPolicy(props: CustomerKeyPolicyProps): object {
  const root = accountRootArn(props.partition, props.accountId);
  const { administrators, writeOnlyDeployer, writeOnlyPlanners } = props;
  return {
    Version: '2012-10-17',
    Statement: [
      ...(administrators === undefined
        ? [
            {
              // The account administers the key and may encrypt (put secret values), but does not decrypt.
              Sid: 'AccountAdministersAndEncrypts',
              Effect: 'Allow',
              Principal: { AWS: root },
              Action: [...ACCOUNT_ADMINISTERS_AND_ENCRYPTS],
              Resource: '*',
            },
          ]
        : [
            {
              Sid: 'AccountReadsMetadataAndEncrypts',
              Effect: 'Allow',
              Principal: { AWS: root },
              Action: [...ACCOUNT_USE_ACTIONS],
              Resource: '*',
            },
            {
              // Named by condition, not as principals: KMS refuses a key policy naming a principal that does
              // not exist yet, and the condition also matches every session of a named role.
              Sid: 'OnlyAdministratorsAdministerTheKey',
              Effect: 'Allow',
              Principal: { AWS: root },
              Action: [...KEY_ADMINISTRATION_ACTIONS],
              Resource: '*',
              Condition: { ArnEquals: { 'aws:PrincipalArn': [...administrators] } },
            },
          ]),
      {
        Sid: 'RuntimeDecryptsThroughSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: [...props.readers] },
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': props.secretsManagerViaService } },
      },
      ...(writeOnlyDeployer
        ? [
            {
              // What the provider's PutSecretValue and GetSecretValue on a write-only version need, for
              // those secrets only (Secrets Manager puts the secret's ARN into the encryption context).
              Sid: 'DeployerWritesAndReadsBackWriteOnlySecrets',
              Effect: 'Allow',
              Principal: { AWS: writeOnlyDeployer.arn },
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: '*',
              Condition: {
                StringEquals: { 'kms:ViaService': props.secretsManagerViaService },
                StringLike: { 'kms:EncryptionContext:SecretARN': [...writeOnlyDeployer.secretArnPatterns] },
              },
            },
          ]
        : []),
      ...(writeOnlyPlanners
        ? [
            {
              // A plan's refresh of a write-only version reads the value back (hashicorp/aws 5.x): decrypt
              // only, through Secrets Manager, for those secrets only.
              Sid: 'PlannersReadBackWriteOnlySecrets',
              Effect: 'Allow',
              Principal: { AWS: [...writeOnlyPlanners.arns] },
              Action: 'kms:Decrypt',
              Resource: '*',
              Condition: {
                StringEquals: { 'kms:ViaService': props.secretsManagerViaService },
                StringLike: { 'kms:EncryptionContext:SecretARN': [...writeOnlyPlanners.secretArnPatterns] },
              },
            },
          ]
        : []),
    ],
  };
}

export interface SecretPolicyProps {
  /** The principals that read the value. */
  readonly readers: readonly string[];
  /** The deployer, for a write-only secret (the provider writes and reads the value back). */
  readonly writeOnlyDeployer?: string;
  /** Who plans besides the deployer, for a write-only secret (a refresh reads the value back). */
  readonly writeOnlyPlanners?: readonly string[];
  /** From {@link keyAndSecretAdministrators}; undefined leaves administration to IAM. */
  readonly administrators?: readonly string[];
}

/** A created secret's resource policy. */
export function secretPolicy(props: SecretPolicyProps): object {
  const { writeOnlyDeployer, administrators } = props;
  const planners = props.writeOnlyPlanners ?? [];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheRuntimeReadsTheValue',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: {
          StringNotEquals: {
            'aws:PrincipalArn': [
              ...props.readers,
              ...(writeOnlyDeployer ? [writeOnlyDeployer] : []),
              ...planners,
            ],
          },
        },
      },
      ...(administrators
        ? [
            {
              // Terraform (the deployer) puts and deletes this policy, writes write-only values, updates tags
              // and description, and deletes the secret on destroy: it is among the administrators.
              Sid: 'OnlyAdministratorsChangeTheSecret',
              Effect: 'Deny',
              Principal: '*',
              Action: [...SECRET_ADMINISTRATION_ACTIONS],
              Resource: '*',
              Condition: { StringNotEquals: { 'aws:PrincipalArn': [...administrators] } },
            },
          ]
        : []),
      ...(writeOnlyDeployer
        ? [
            {
              // hashicorp/aws 5.x: aws_secretsmanager_secret_version with secret_string_wo calls
              // PutSecretValue, then GetSecretValue on create, refresh and delete (issue #42383).
              Sid: 'DeployerWritesAndReadsBackTheWriteOnlyValue',
              Effect: 'Allow',
              Principal: { AWS: writeOnlyDeployer },
              Action: [...WRITE_ONLY_VERSION_ACTIONS],
              Resource: '*',
            },
          ]
        : []),
      ...(planners.length > 0
        ? [
            {
              // A plan's refresh reads a write-only version back (hashicorp/aws 5.x, issue #42383): read only.
              Sid: 'PlannersReadBackTheWriteOnlyValue',
              Effect: 'Allow',
              Principal: { AWS: [...planners] },
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
            },
          ]
        : []),
    ],
  };
}
