/**
 * The account a stack is applied in must be the `accountId` the constructs were given: every role ARN,
 * key policy, secret policy and condition backend-link writes is built from it (so that policies can name
 * principals before they exist, and the plan stays offline). Applied with another account's credentials,
 * everything would be created, and every runtime would be refused its own secrets without a word why.
 *
 * Two guards, because no single Terraform feature both works in an offline plan and stops a real apply:
 *
 *  - a `check` block per stack and account, with a scoped `aws_caller_identity` data source: on a real plan
 *    it compares the caller's account with `accountId` before anything is created and reports a mismatch as
 *    a warning (Terraform never fails a plan or an apply on a `check`); in an offline plan its data source
 *    can not be read, which is a warning too, so the offline ladder keeps working;
 *  - a postcondition on the resources whose ARNs carry the account (the runtime role, the customer key):
 *    unknown while planned (skipped), checked the moment the resource exists, so an apply in the wrong
 *    account stops with an error at the first of them, and every later plan (after refresh) fails with the
 *    same message.
 */
import { TerraformResource, TerraformStack } from 'cdktf';
import { isUnresolved } from './validation';

/** The check block's name (and its data source's) for one account. */
export function accountCheckName(accountId: string): string {
  return `backend_link_account_${accountId}`;
}

/** What the message says to do about it. */
function remedy(accountId: string): string {
  return `Apply with credentials of account ${accountId}, or give the constructs the account you apply in as \`accountId\`: every role ARN, key policy and secret policy is built from it, and the gateway runtimes could not read their secrets.`;
}

/**
 * Adds the stack's `check` block for `accountId` (once per stack and account) and a postcondition on
 * `resource` that its ARN carries that account. An unresolved `accountId` (a token) is not checked.
 */
export function requireDeployAccount(resource: TerraformResource, accountId: string): void {
  if (isUnresolved(accountId)) return;
  addAccountCheck(TerraformStack.of(resource), accountId);
  const postcondition = {
    condition: `\${split(":", self.arn)[4] == "${accountId}"}`,
    errorMessage: `backend-link: \${self.arn} was created in AWS account \${split(":", self.arn)[4]}, but the constructs were given accountId ${accountId}. ${remedy(accountId)}`,
  };
  resource.lifecycle = {
    ...resource.lifecycle,
    postcondition: [...(resource.lifecycle?.postcondition ?? []), postcondition],
  };
}

/** The stack's `check` block comparing the caller's account with `accountId` (idempotent). */
export function addAccountCheck(stack: TerraformStack, accountId: string): void {
  const name = accountCheckName(accountId);
  // cdktf 0.21 has no construct for check blocks: an override on the stack writes the top-level block.
  stack.addOverride(`check.${name}`, {
    data: { aws_caller_identity: { [name]: {} } },
    assert: [
      {
        condition: `\${data.aws_caller_identity.${name}.account_id == "${accountId}"}`,
        error_message: `backend-link: Terraform runs in AWS account \${data.aws_caller_identity.${name}.account_id}, but the constructs were given accountId ${accountId}. ${remedy(accountId)}`,
      },
    ],
  });
}
