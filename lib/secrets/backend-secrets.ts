import { Construct } from 'constructs';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import type { SecretsManagerRef } from '../../gateway-runtime/src/config/types';
import { Partition, viaService } from '../shared/partition';
import { hasProblems, reportMissingProps, reportProblems } from '../shared/problems';
import { show } from '../shared/validation';
import { SECRET_MATERIAL, SecretMaterialKind, SecretSourceSpec, materialKeys } from './secret-source';
import { checkBackendSecretsProps } from './backend-secrets-checks';
import { SECRETS_DEFAULTS } from './secrets-defaults';
import { customerKeyPolicy, keyAndSecretAdministrators, secretPolicy } from './key-policy';
import { requireDeployAccount } from '../shared/account-check';
import { requireCdktfStack } from '../shared/cdktf-stack';

export interface BackendSecretSpec {
  /** The secret's name within the customer, `[a-z0-9-]`, e.g. `credentials`, `client-certificate`. */
  readonly name: string;
  readonly material: SecretMaterialKind;
  readonly source: SecretSourceSpec;
}

/** What BackendSecrets needs of its platform (a `GatewayPlatform` is one). */
export interface SecretsPlatform {
  /** Part of every secret and alias name, so that two platforms in one account never collide. */
  readonly name: string;
  readonly region: string;
  readonly partition: Partition;
}

export interface BackendSecretsProps {
  /** The platform (a `GatewayPlatform`): its name, region and partition go into names, ARNs and conditions. */
  readonly platform: SecretsPlatform;
  readonly customerName: string;
  /** The AWS account id (12 digits): the KMS key policy admits its root for key administration. */
  readonly accountId: string;
  /** The ARN of the customer's runtime role: the only principal that may read the secret values. */
  readonly readerRoleArn: string;
  readonly secrets: BackendSecretSpec[];
  /**
   * Other principals allowed to read the values (e.g. an audit role).
   * @default - only `readerRoleArn`
   */
  readonly additionalReaderArns?: string[];
  /**
   * The IAM role (or user) Terraform applies with. Required when a secret uses
   * `SecretSource.fromWriteOnlyVariable`: hashicorp/aws 5.x reads a write-only secret version back with
   * `GetSecretValue` on create, on every refresh and on delete (terraform-provider-aws issue #42383, fixed
   * only in 6.x by PR #44876). It is admitted to exactly what the provider calls on those secrets
   * (`PutSecretValue`, `GetSecretValue`) and to `kms:GenerateDataKey`/`kms:Decrypt` through Secrets Manager
   * for those secrets only; fill-after-deploy and existing secrets never name it.
   * @default - none (refused when a secret is write-only)
   */
  readonly deployerPrincipalArn?: string;
  /**
   * Principals besides the deployer that plan the stack: CI plan roles, and the next deploy role while the
   * deployer changes (add it here, apply; then make it `deployerPrincipalArn`, apply with it). With
   * hashicorp/aws 5.x every refresh of a write-only secret version reads its value back, so each is admitted
   * to what that refresh calls, on the write-only secrets only: `secretsmanager:GetSecretValue` and
   * `kms:Decrypt` through Secrets Manager. Nothing else: they can not write a value or read another secret.
   * @default - only the deployer plans stacks with write-only secrets
   */
  readonly planPrincipalArns?: string[];
  /**
   * The IAM roles (or users) that administer the customer's key and secrets. When given, the key's
   * administrative actions (`kms:Create*` with `CreateGrant`, `kms:Put*` with `PutKeyPolicy`, `kms:Delete*`,
   * ...) are allowed to them, `deployerPrincipalArn` and the account's root user (the break-glass path) only,
   * and each created secret's policy denies changing its value, its policy, its settings or deleting it
   * (`PutSecretValue`, `PutResourcePolicy`, `DeleteResourcePolicy`, `UpdateSecret`, `DeleteSecret`, ...)
   * to everyone else: an account administrator can no longer grant itself the key or rewrite the guard.
   * Requires `deployerPrincipalArn` (Terraform must keep administering what it created). Whoever fills a
   * fill-after-deploy secret must be one of them.
   * @default - administration is left to the account: any principal whose IAM policies allow it may
   * administer the key and change the secrets and their policies (reading values stays closed)
   */
  readonly administratorArns?: string[];
  /**
   * Days a deleted secret can still be restored (7 to 30).
   * @default 7
   */
  readonly recoveryWindowInDays?: number;
  /**
   * Tags added to every resource.
   * @default - only the standard `Name` and `backend-link:*` tags
   */
  readonly tags?: Record<string, string>;
}

/** The length of the unique suffix Terraform appends to a `name_prefix` (a timestamp and a counter). */
export const TERRAFORM_UNIQUE_SUFFIX_LENGTH = 26;

/** The `name_prefix` of a customer's secret: `backend-link/<platform>/<customer>/<secret>-`. */
export function secretNamePrefixOf(platformName: string, customerName: string, secretName: string): string {
  return `${SECRETS_DEFAULTS.namePrefix}/${platformName}/${customerName}/${secretName}-`;
}

/** One secret as the runtime sees it. */
export interface BackendSecret {
  readonly name: string;
  readonly material: SecretMaterialKind;
  readonly secretArn: string;
  readonly source: SecretSourceSpec['kind'];
  /** For an existing secret: backend-link's JSON keys mapped to the secret's own. */
  readonly jsonKeys: Readonly<Record<string, string>>;
  /** The secret, when this construct created it. */
  readonly resource?: SecretsmanagerSecret;
  /** The Terraform variable that carries a write-only value. */
  readonly variable?: TerraformVariable;
}

/**
 * Per customer: a KMS key (rotation on) and one Secrets Manager secret per piece of scheme material. Values
 * never pass through Terraform state or plan: secrets are referenced, filled after deployment, or written
 * through a write-only argument from an ephemeral variable. A resource policy on each secret denies reading
 * its value to every principal but the customer's runtime role.
 */
export class BackendSecrets extends Construct {
  public readonly customerName!: string;
  public readonly kmsKey!: KmsKey;
  private readonly byName = new Map<string, BackendSecret>();

  constructor(scope: Construct, id: string, props: BackendSecretsProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (reportMissingProps(this, props, ['customerName', 'accountId', 'readerRoleArn', 'secrets'])) return;
    // A platform with problems of its own built nothing: its name and partition are not known.
    if (Construct.isConstruct(props.platform) && hasProblems(props.platform)) return;
    if (reportProblems(this, checkBackendSecretsProps(props))) return;
    this.customerName = props.customerName;
    const recoveryWindowInDays = props.recoveryWindowInDays ?? SECRETS_DEFAULTS.recoveryWindowInDays;
    const readers = [props.readerRoleArn, ...(props.additionalReaderArns ?? [])];
    const { platform } = props;
    const secretsManager = viaService('secretsmanager', platform.region, platform.partition);
    const prefix = `${SECRETS_DEFAULTS.namePrefix}/${platform.name}/${props.customerName}`;
    // A name prefix, not a name: Terraform appends a unique suffix, so a customer re-created within the
    // recovery window of its deleted secrets (whose names AWS keeps reserved until then) gets new names.
    const secretNamePrefix = (name: string) => secretNamePrefixOf(platform.name, props.customerName, name);
    // Write-only secrets are the only ones the deployer is admitted to (the provider reads them back).
    const writeOnly = props.secrets.filter((s) => s.source.kind === 'write-only');
    const deployer = writeOnly.length > 0 ? props.deployerPrincipalArn : undefined;
    const planners = writeOnly.length > 0 ? [...(props.planPrincipalArns ?? [])] : [];
    // A secret's ARN is its name (the prefix, Terraform's 26-character unique suffix), "-" and six random
    // characters, all known only after apply: matched by pattern.
    const writeOnlyArnPatterns = writeOnly.map(
      (s) =>
        `arn:${platform.partition}:secretsmanager:${platform.region}:${props.accountId}:secret:${secretNamePrefix(s.name)}${'?'.repeat(TERRAFORM_UNIQUE_SUFFIX_LENGTH)}-??????`,
    );
    const tags = (name: string) => ({
      ...(props.tags ?? {}),
      Name: name,
      'backend-link:customer': props.customerName,
    });
    const administrators = keyAndSecretAdministrators(
      platform.partition,
      props.accountId,
      props.administratorArns,
      props.deployerPrincipalArn,
    );

    this.kmsKey = new KmsKey(this, 'Key', {
      description: `backend-link secrets of customer ${props.customerName}`,
      enableKeyRotation: true,
      rotationPeriodInDays: SECRETS_DEFAULTS.keyRotationPeriodInDays,
      deletionWindowInDays: SECRETS_DEFAULTS.keyDeletionWindowInDays,
      policy: JSON.stringify(
        customerKeyPolicy({
          partition: platform.partition,
          accountId: props.accountId,
          readers,
          secretsManagerViaService: secretsManager,
          writeOnlyDeployer: deployer
            ? { arn: deployer, secretArnPatterns: writeOnlyArnPatterns }
            : undefined,
          writeOnlyPlanners:
            planners.length > 0 ? { arns: planners, secretArnPatterns: writeOnlyArnPatterns } : undefined,
          administrators,
        }),
      ),
      tags: tags(`${props.customerName}-secrets`),
    });
    requireDeployAccount(this.kmsKey, props.accountId);
    new KmsAlias(this, 'Alias', {
      name: `alias/${prefix}`,
      targetKeyId: this.kmsKey.keyId,
    });

    for (const spec of props.secrets) {
      const secretScope = new Construct(this, spec.name);
      if (spec.source.kind === 'existing') {
        this.byName.set(spec.name, {
          name: spec.name,
          material: spec.material,
          secretArn: spec.source.secretArn,
          source: 'existing',
          jsonKeys: spec.source.jsonKeys,
        });
        continue;
      }
      const name = `${prefix}/${spec.name}`;
      const secret = new SecretsmanagerSecret(secretScope, 'Resource', {
        namePrefix: secretNamePrefix(spec.name),
        description: `${SECRET_MATERIAL[spec.material].description} for customer ${props.customerName} (JSON keys: ${materialKeys(spec.material).join(', ')})`,
        kmsKeyId: this.kmsKey.arn,
        recoveryWindowInDays,
        tags: tags(name),
      });
      const deployerHere = spec.source.kind === 'write-only' ? deployer : undefined;
      const plannersHere = spec.source.kind === 'write-only' ? planners : [];
      new SecretsmanagerSecretPolicy(secretScope, 'Policy', {
        secretArn: secret.arn,
        blockPublicPolicy: true,
        policy: JSON.stringify(
          secretPolicy({
            readers,
            writeOnlyDeployer: deployerHere,
            writeOnlyPlanners: plannersHere,
            administrators,
          }),
        ),
      });
      let variable: TerraformVariable | undefined;
      if (spec.source.kind === 'write-only') {
        const variableName =
          spec.source.variableName ?? `${props.customerName}_${spec.name}`.replace(/-/g, '_');
        variable = new TerraformVariable(secretScope, 'Value', {
          type: 'string',
          sensitive: true,
          nullable: false,
          description: `JSON with keys ${SECRET_MATERIAL[spec.material].requiredKeys.join(', ')}: ${SECRET_MATERIAL[spec.material].description} of customer ${props.customerName}`,
        });
        variable.overrideLogicalId(variableName);
        // Terraform ≥ 1.10: an ephemeral variable is kept out of the plan and the state.
        variable.addOverride('ephemeral', true);
        new SecretsmanagerSecretVersion(secretScope, 'Version', {
          secretId: secret.id,
          secretStringWo: variable.stringValue,
          secretStringWoVersion: spec.source.version,
        });
      }
      this.byName.set(spec.name, {
        name: spec.name,
        material: spec.material,
        secretArn: secret.arn,
        source: spec.source.kind,
        jsonKeys: {},
        resource: secret,
        variable,
      });
      new TerraformOutput(secretScope, 'ArnOutput', {
        value: secret.arn,
        description: `ARN of the ${SECRET_MATERIAL[spec.material].description} secret of ${props.customerName} (not its value)`,
      }).overrideLogicalId(`${props.customerName}_${spec.name.replace(/-/g, '_')}_secret_arn`);
    }
  }

  /** Every secret, created or referenced, in declaration order. */
  public get secrets(): BackendSecret[] {
    return [...this.byName.values()];
  }

  /** The ARNs the runtime role must be allowed to read. */
  public get secretArns(): string[] {
    return this.secrets.map((s) => s.secretArn);
  }

  /** The runtime's reference to one JSON key of a secret. */
  public ref(name: string, key: string): SecretsManagerRef {
    const secret = this.byName.get(name);
    if (!secret) {
      throw new Error(
        `${this.node.path}: no secret named ${show(name)} (have: ${[...this.byName.keys()].join(', ')})`,
      );
    }
    if (!materialKeys(secret.material).includes(key)) {
      throw new Error(`${this.node.path}: secret ${show(name)} (${secret.material}) has no key ${show(key)}`);
    }
    return { secretArn: secret.secretArn, jsonKey: secret.jsonKeys[key] ?? key };
  }
}

export { WRITE_ONLY_VERSION_ACTIONS } from './key-policy';

export { missingDeployerProblem } from './backend-secrets-checks';
