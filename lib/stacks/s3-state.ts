import { S3Backend, TerraformBackend, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { GatewayPlatform } from '../platform/gateway-platform';
import { CustomerSubnets } from '../network/customer-subnets';
import { Problems, isUnresolved, show } from '../shared/validation';

/** Where every stack of an app keeps its state: one S3 bucket, one key per stack. */
export interface S3StateProps {
  /** The bucket that holds the states (it must exist, ideally versioned, with public access blocked). */
  readonly bucket: string;
  /** The bucket's region, e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * What tells this app's states from another app's with the same stacks (staging and production of the
   * same code, one region and another): stack `<id>` keeps its state at
   * `<keyPrefix><environment>/<id>/terraform.tfstate`. Letters, digits, `-`, `_` and `.`.
   * @default - the name of the platform the stack holds or serves (when the app has one platform name, that
   * name for every stack); a stack that can not be told is refused: give `environment`
   */
  readonly environment?: string;
  /**
   * Prefix of every state key (see `environment`).
   * Letters, digits and `!-_.*'()/`, no leading `/`, no `//` or `..`; end it with `/` for a folder.
   * @default "backend-link/"
   */
  readonly keyPrefix?: string;
  /**
   * A KMS key (ARN, or alias ARN) for server-side encryption of the states.
   * @default - SSE-S3 (the bucket's AES-256 encryption); `encrypt` is always on
   */
  readonly kmsKeyId?: string;
  /**
   * A role to assume for reading and writing the states (e.g. in the account that owns the bucket).
   * @default - the credentials Terraform runs with
   */
  readonly roleArn?: string;
}

/** The key prefix used when `keyPrefix` is not given. */
export const DEFAULT_STATE_KEY_PREFIX = 'backend-link/';

/** The state key of a stack: `<keyPrefix><environment>/<stack id>/terraform.tfstate`. */
export function stateKeyOf(
  stack: TerraformStack,
  environment: string,
  keyPrefix = DEFAULT_STATE_KEY_PREFIX,
): string {
  return `${keyPrefix}${environment}/${stack.node.id}/terraform.tfstate`;
}

/**
 * The names of the platforms a stack holds or serves (a platform in it, or customers of a platform in it).
 */
function platformNamesOf(stack: TerraformStack): Set<string> {
  const names = new Set<string>();
  for (const c of stack.node.findAll()) {
    if (c instanceof GatewayPlatform) names.add(c.name);
    if (c instanceof CustomerSubnets) names.add(c.platform.name);
  }
  return names;
}

/** Each stack's environment: the given one, the app's only platform name, or the stack's own platform's. */
function environmentsOf(
  stacks: readonly TerraformStack[],
  environment: string | undefined,
  problems: Problems,
): Map<TerraformStack, string> {
  const result = new Map<TerraformStack, string>();
  const perStack = new Map(stacks.map((stack) => [stack, platformNamesOf(stack)]));
  const all = new Set([...perStack.values()].flatMap((names) => [...names]));
  for (const stack of stacks) {
    const own = [...perStack.get(stack)!];
    const name = environment ?? (all.size === 1 ? [...all][0] : own.length === 1 ? own[0] : undefined);
    if (name === undefined) {
      problems.add(
        `stack ${show(stack.node.id)} ${own.length === 0 ? 'holds no platform and serves none' : `serves several platforms (${own.join(', ')})`}, so its state key can not name one: give \`environment\` (e.g. "prod"), which keeps this app's states apart from another app's with the same stacks`,
      );
    } else {
      result.set(stack, name);
    }
  }
  return result;
}

/**
 * Gives every stack of `app` (each `TerraformStack` under it) the S3 backend: encrypted, with Terraform's
 * S3 lockfile (`use_lockfile`, Terraform ≥ 1.10: a lock object beside the state, no DynamoDB table), and
 * its own key. Call it once, after the stacks are created and before `app.synth()`: cdktf writes the
 * platform's backend into the `terraform_remote_state` through which customer stacks read the platform's
 * values, so every stack must have its backend before synth. Returns the backends by stack id.
 *
 * Throws a ValidationError naming the prop or the stack when the props are invalid, the app has no
 * stack, or a stack already has a backend.
 */
export function configureS3State(app: Construct, props: S3StateProps): Map<string, S3Backend> {
  const problems = validateS3StateProps(props);
  const stacks = app.node.findAll().filter((c: IConstruct): c is TerraformStack => TerraformStack.isStack(c));
  if (stacks.length === 0) {
    problems.add('the app has no stack yet: create the stacks first, then call configureS3State');
  }
  for (const stack of stacks) {
    const existing = stack.node.findAll().find((c) => TerraformBackend.isBackend(c));
    if (existing) {
      problems.add(
        `stack ${show(stack.node.id)} already has a backend (${existing.node.path}); give every stack its state through configureS3State only`,
      );
    }
  }
  const environments = environmentsOf(stacks, props.environment, problems);
  problems.throwIfAny(app);

  const keyPrefix = props.keyPrefix ?? DEFAULT_STATE_KEY_PREFIX;
  const backends = new Map<string, S3Backend>();
  for (const stack of stacks) {
    const backend = new S3Backend(stack, {
      bucket: props.bucket,
      key: stateKeyOf(stack, environments.get(stack)!, keyPrefix),
      region: props.region,
      encrypt: true,
      ...(props.kmsKeyId ? { kmsKeyId: props.kmsKeyId } : {}),
      ...(props.roleArn ? { assumeRole: { roleArn: props.roleArn } } : {}),
    });
    // cdktf 0.21's S3BackendConfig predates `use_lockfile` (Terraform 1.10): set it as an override.
    backend.addOverride('use_lockfile', true);
    backends.set(stack.node.id, backend);
  }
  refuseSharedStateKeys(app);
  return backends;
}

const checkedApps = new WeakSet<IConstruct>();

/**
 * Two stacks of one app with one state key would plan and apply against each other's state: refused at
 * synth, whoever gave the stacks their backends.
 */
function refuseSharedStateKeys(app: Construct): void {
  const root = app.node.root;
  if (checkedApps.has(root)) return;
  checkedApps.add(root);
  root.node.addValidation({
    validate: () => {
      const byKey = new Map<string, string[]>();
      for (const c of root.node.findAll()) {
        if (!(c instanceof S3Backend)) continue;
        const written = c.toTerraform() as {
          terraform?: { backend?: { s3?: { bucket?: string; key?: string } } };
        };
        const config = written.terraform?.backend?.s3;
        if (!config?.bucket || !config.key || isUnresolved(config.bucket) || isUnresolved(config.key))
          continue;
        const key = `s3://${config.bucket}/${config.key}`;
        byKey.set(key, [...(byKey.get(key) ?? []), TerraformStack.of(c).node.id]);
      }
      return [...byKey]
        .filter(([, owners]) => owners.length > 1)
        .map(
          ([key, owners]) =>
            `stacks ${owners.map((o) => show(o)).join(' and ')} keep their state at the same key ${key}: each would plan and apply against the other's state; give each stack its own key (configureS3State's \`environment\`)`,
        );
    },
  });
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;
const KMS_KEY = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]+)$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;

function validateS3StateProps(props: S3StateProps): Problems {
  const problems = new Problems();
  const { bucket, region, keyPrefix, kmsKeyId, roleArn, environment } = props;
  if (
    environment !== undefined &&
    !isUnresolved(environment) &&
    !/^[A-Za-z0-9._-]{1,64}$/.test(environment)
  ) {
    problems.add(
      `\`environment\` ${show(environment)} is not a state key part (1-64 letters, digits, "-", "_" or ".")`,
    );
  }
  if (!isUnresolved(bucket)) {
    if (!BUCKET_NAME.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
      problems.add(
        `\`bucket\` ${show(bucket)} is not an S3 bucket name (3-63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no "..", not an IP address)`,
      );
    }
  }
  if (!isUnresolved(region) && !REGION.test(region)) {
    problems.add(`\`region\` ${show(region)} is not an AWS region name such as "eu-west-1"`);
  }
  if (keyPrefix !== undefined && !isUnresolved(keyPrefix)) {
    if (
      !KEY_PREFIX.test(keyPrefix) ||
      keyPrefix.startsWith('/') ||
      keyPrefix.includes('//') ||
      keyPrefix.includes('..')
    ) {
      problems.add(
        `\`keyPrefix\` ${show(keyPrefix)} is not a safe S3 key prefix (letters, digits and !-_.*'()/, no leading "/", no "//" or "..")`,
      );
    }
  }
  if (kmsKeyId !== undefined && !isUnresolved(kmsKeyId) && !KMS_KEY.test(kmsKeyId)) {
    problems.add(
      `\`kmsKeyId\` ${show(kmsKeyId)} is not a KMS key ARN or alias ARN (arn:aws:kms:<region>:<account>:key/<id> or …:alias/<name>)`,
    );
  }
  if (roleArn !== undefined && !isUnresolved(roleArn) && !ROLE_ARN.test(roleArn)) {
    problems.add(`\`roleArn\` ${show(roleArn)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  }
  return problems;
}
