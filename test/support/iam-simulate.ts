/**
 * Policy evaluation for tests with `@cloud-copilot/iam-simulate` (AGPL-3.0: a dev dependency, used by tests
 * only, never by the library or the runtime). One request, its principal's identity policies, and the
 * resource's policy (a secret's resource policy or a KMS key policy): what IAM would answer.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Request {
  /** The principal's ARN: a role (its sessions), a user, or the account root user. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** The resource's account. */
  readonly accountId: string;
  readonly identityPolicies?: readonly object[];
  readonly resourcePolicy?: object;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** IAM's decision for one request; throws on a request or policy the simulator refuses (a test bug). */
export async function decide(request: Request): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.accountId },
        contextVariables: {
          'aws:PrincipalArn': request.principal,
          'aws:PrincipalAccount': request.principal.split(':')[4],
          ...(request.context ?? {}),
        },
      },
      identityPolicies: (request.identityPolicies ?? []).map((policy, i) => ({ name: `policy${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate refused the request: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}

/** An account administrator's identity policy (AdministratorAccess). */
export const ADMINISTRATOR_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
