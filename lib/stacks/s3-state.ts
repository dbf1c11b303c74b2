import { S3Backend, TerraformBackend, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { Problems, isUnresolved, show } from '../shared/validation';

/** Where every stack of an app keeps its state: one S3 bucket, one key per stack. */
export interface S3StateProps {
  /** The bucket that holds the states (it must exist, ideally versioned, with public access blocked). */
  readonly bucket: string;
  /** The bucket's region, e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * Prefix of every state key: stack `<id>` keeps its state at `<keyPrefix><id>/terraform.tfstate`.
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

/** The state key of a stack: `<keyPrefix><stack id>/terraform.tfstate`. */
export function stateKeyOf(stack: TerraformStack, keyPrefix = DEFAULT_STATE_KEY_PREFIX): string {
  return `${keyPrefix}${stack.node.id}/terraform.tfstate`;
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
  problems.throwIfAny(app);

  const keyPrefix = props.keyPrefix ?? DEFAULT_STATE_KEY_PREFIX;
  const backends = new Map<string, S3Backend>();
  for (const stack of stacks) {
    const backend = new S3Backend(stack, {
      bucket: props.bucket,
      key: stateKeyOf(stack, keyPrefix),
      region: props.region,
      encrypt: true,
      ...(props.kmsKeyId ? { kmsKeyId: props.kmsKeyId } : {}),
      ...(props.roleArn ? { assumeRole: { roleArn: props.roleArn } } : {}),
    });
    // cdktf 0.21's S3BackendConfig predates `use_lockfile` (Terraform 1.10): set it as an override.
    backend.addOverride('use_lockfile', true);
    backends.set(stack.node.id, backend);
  }
  return backends;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;
const KMS_KEY = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]+)$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;

function validateS3StateProps(props: S3StateProps): Problems {
  const problems = new Problems();
  const { bucket, region, keyPrefix, kmsKeyId, roleArn } = props;
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
