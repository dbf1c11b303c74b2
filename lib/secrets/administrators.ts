/** Checks of the key and secret administrators (`administratorArns`, `secretAdministratorArns`). */
import { Problems, checkIamPrincipalArn, isUnresolved, show } from '../shared/validation';

export interface AdministratorsCheckOptions {
  /** The platform's partition: every administrator must be in it. */
  readonly partition: string;
  /** The deployer's prop, as the caller wrote it. */
  readonly deployerProp: string;
}

/**
 * Records the problems of an administrator list: empty, not an IAM role or user ARN (an STS session or the
 * account root are refused with the reason), repeated, or given without the deployer, whom a key policy
 * that names administrators would otherwise lock out of its own apply and destroy.
 */
export function checkAdministrators(
  problems: Problems,
  prop: string,
  administratorArns: readonly string[] | undefined,
  deployerPrincipalArn: string | undefined,
  options: AdministratorsCheckOptions,
): void {
  if (administratorArns === undefined) return;
  if (administratorArns.length === 0) {
    problems.add(
      `\`${prop}\` is empty; name the IAM roles (or users) that administer the customer's key and secrets, or leave it out to leave their administration to the account`,
    );
  }
  const seen = new Set<string>();
  administratorArns.forEach((arn, i) => {
    checkIamPrincipalArn(problems, `${prop}[${i}]`, arn, options.partition);
    if (!isUnresolved(arn) && seen.has(arn)) problems.add(`\`${prop}[${i}]\` ${show(arn)} is listed twice`);
    seen.add(arn);
  });
  if (deployerPrincipalArn === undefined) {
    problems.add(
      `\`${options.deployerProp}\` is required with \`${prop}\`: Terraform creates, updates and destroys the key, its alias, the secrets and their policies, which \`${prop}\` keeps to the administrators (KMS refuses a key policy that locks out the principal that puts it); give the ARN of the IAM role (or user) Terraform applies with`,
    );
  }
}
