import { checkName, checkTags } from '../shared/names';
import type { Problem } from '../shared/problems';
import { ProblemList } from '../shared/problem-list';
import {
  checkAccountId,
  checkIamPrincipalArn,
  checkPrincipalArns,
  isUnresolved,
  show,
} from '../shared/validation';
import { checkAdministrators } from './administrators';
import type { BackendSecretsProps } from './backend-secrets';
import { SECRET_MATERIAL, materialKeys, secretSourceProblem } from './secret-source';

/**
 * The problem for write-only secrets without the deployer's ARN: the prop, the secrets and why (the
 * provider's read-back). Shared with CustomerBackendLink, which reports it under its own prop.
 */
export function missingDeployerProblem(prop: string, secretNames: readonly string[]): string {
  return `\`${prop}\` is required: ${secretNames.map(show).join(', ')} ${secretNames.length === 1 ? 'is' : 'are'} written through SecretSource.fromWriteOnlyVariable, and hashicorp/aws 5.x reads a write-only secret version back with GetSecretValue on create, on every refresh and on delete (terraform-provider-aws issue #42383, fixed only in 6.x), which the secret's policy denies to everyone but the runtime role. Give the ARN of the IAM role (or user) Terraform applies with: it is admitted to PutSecretValue and GetSecretValue on the write-only secrets, and to their KMS key through Secrets Manager, and to nothing else`;
}

/**
 * The problems of `BackendSecrets`' props, every one of them (pure: no construct, nothing thrown), named as
 * `BackendSecretsProps` names them.
 */
export function checkBackendSecretsProps(props: BackendSecretsProps): Problem[] {
  const problems = new ProblemList();
  const platformProblem = checkName('platform.name', props.platform.name);
  if (platformProblem) problems.add(platformProblem);
  const writeOnly = props.secrets.filter((s) => s.source.kind === 'write-only').map((s) => s.name);
  if (writeOnly.length > 0 && props.deployerPrincipalArn === undefined) {
    problems.add(missingDeployerProblem('deployerPrincipalArn', writeOnly));
  }
  if (props.deployerPrincipalArn !== undefined) {
    checkIamPrincipalArn(
      problems,
      'deployerPrincipalArn',
      props.deployerPrincipalArn,
      props.platform.partition,
    );
  }
  checkPrincipalArns(problems, 'planPrincipalArns', props.planPrincipalArns);
  checkAdministrators(problems, 'administratorArns', props.administratorArns, props.deployerPrincipalArn, {
    partition: props.platform.partition,
    deployerProp: 'deployerPrincipalArn',
  });
  const nameProblem = checkName('customerName', props.customerName);
  if (nameProblem) problems.add(nameProblem);
  checkAccountId(problems, 'accountId', props.accountId);
  if (
    !isUnresolved(props.readerRoleArn) &&
    !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(props.readerRoleArn)
  ) {
    problems.addProblem('readerRoleArn', props.readerRoleArn, `is not an IAM role ARN`);
  }
  checkPrincipalArns(problems, 'additionalReaderArns', props.additionalReaderArns);
  for (const p of checkTags('tags', props.tags, (key) => key === 'Name' || key === 'backend-link:customer')) {
    problems.add(p);
  }
  const window = props.recoveryWindowInDays;
  if (window !== undefined && (!Number.isInteger(window) || window < 7 || window > 30)) {
    problems.add(`\`recoveryWindowInDays\` ${window} must be a whole number from 7 to 30`);
  }
  const seen = new Set<string>();
  props.secrets.forEach((spec, i) => {
    const at = `secrets[${i}]`;
    if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(spec.name)) {
      problems.addProblem(
        `${at}.name`,
        spec.name,
        `must be 2-32 characters of lowercase letters, digits and hyphens`,
      );
    }
    if (seen.has(spec.name)) problems.addProblem(`${at}.name`, spec.name, `is used twice`);
    seen.add(spec.name);
    if (!(spec.material in SECRET_MATERIAL)) {
      problems.addProblem(
        `${at}.material`,
        spec.material,
        `is not one of ${Object.keys(SECRET_MATERIAL).join(', ')}`,
      );
      return;
    }
    const source = spec.source;
    const sourceProblem = secretSourceProblem(`${at}.source`, source);
    if (sourceProblem) {
      problems.add(sourceProblem);
    } else if (source.kind === 'existing') {
      if (
        !isUnresolved(source.secretArn) &&
        !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(String(source.secretArn))
      ) {
        // Shown only when it looks like an ARN: anything else may be the secret itself, pasted.
        problems.add(
          `\`${at}.source\` ${
            typeof source.secretArn === 'string' && source.secretArn.startsWith('arn:')
              ? show(source.secretArn)
              : '(not shown: it is not ARN-shaped and may be a secret value)'
          } is not a Secrets Manager secret ARN`,
        );
      }
      const known = materialKeys(spec.material);
      for (const key of Object.keys(source.jsonKeys)) {
        if (!known.includes(key)) {
          problems.add(
            `\`${at}.source.jsonKeys\` maps ${show(key)}, which ${spec.material} does not have (keys: ${known.join(', ')})`,
          );
        }
      }
    } else if (source.kind === 'write-only') {
      if (!Number.isInteger(source.version) || source.version < 1) {
        problems.addProblem(
          `${at}.source.version`,
          source.version,
          `must be a whole number ≥ 1 (bump it to write a new value)`,
        );
      }
      if (source.variableName !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(source.variableName)) {
        problems.addProblem(
          `${at}.source.variableName`,
          source.variableName,
          `is not a Terraform identifier`,
        );
      }
    }
  });
  return problems.problems;
}
