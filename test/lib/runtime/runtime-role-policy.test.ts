/**
 * The runtime role's policy, evaluated as IAM would (iam-simulate): Lambda keeps the EC2 rights it needs to
 * manage the function's network interfaces, and the function's own code (whose calls carry
 * `lambda:SourceFunctionArn`) has none of them, on its own interfaces or another customer's.
 */
import {
  VPC_NETWORK_INTERFACE_ACTIONS,
  lambdaFunctionArn,
  runtimeRolePolicy,
} from '../../../lib/runtime/runtime-role-policy';
import { decide } from '../../support/iam-simulate';

const ACCOUNT = '123456789012';
const ACME_FUNCTION = lambdaFunctionArn('aws', 'eu-west-1', ACCOUNT, 'apicloud-acme-gateway');
const ACME_ROLE = `arn:aws:iam::${ACCOUNT}:role/backend-link/apicloud-acme-gateway`;
const ACME_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:backend-link/apicloud/acme/credentials-AbCdEf`;
const acmePolicy = runtimeRolePolicy({
  logGroupArn: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/lambda/apicloud-acme-gateway`,
  secretArns: [ACME_SECRET],
  functionArn: ACME_FUNCTION,
});
const eni = (id: string) => `arn:aws:ec2:eu-west-1:${ACCOUNT}:network-interface/${id}`;
const GLOBEX_ENI = eni('eni-0globex000000000');
const ACME_ENI = eni('eni-0acme00000000000');
/** The request context of a call from acme's function code. */
const FROM_ACME_CODE = { 'lambda:SourceFunctionArn': ACME_FUNCTION };

/** The resource each action is checked on. */
function resourceOf(action: string, target: string): string {
  if (action === 'ec2:DescribeNetworkInterfaces' || action === 'ec2:DescribeSubnets') return '*';
  if (action === 'ec2:CreateNetworkInterface') return eni('*');
  return target;
}

test('lambdaFunctionArn builds the unqualified function ARN of each partition', () => {
  expect(lambdaFunctionArn('aws-cn', 'cn-north-1', ACCOUNT, 'p-c-gateway')).toBe(
    'arn:aws-cn:lambda:cn-north-1:123456789012:function:p-c-gateway',
  );
});

test('GIVEN the runtime role policy THEN the network-interface actions are allowed on * and denied to calls from the function itself', () => {
  const deny = acmePolicy.Statement.find((s) => s.Sid === 'FunctionCodeManagesNoNetworkInterfaces');
  expect(deny).toEqual({
    Sid: 'FunctionCodeManagesNoNetworkInterfaces',
    Effect: 'Deny',
    Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
    Resource: '*',
    Condition: { ArnLike: { 'lambda:SourceFunctionArn': [ACME_FUNCTION, `${ACME_FUNCTION}:*`] } },
  });
  const allow = acmePolicy.Statement.find((s) => s.Sid === 'ManageVpcNetworkInterfaces');
  expect(allow?.Action).toEqual(deny?.Action);
});

describe('evaluated with iam-simulate', () => {
  test.each(VPC_NETWORK_INTERFACE_ACTIONS.map((a) => [a]))(
    "prevents acme's function code from %s on globex's network interface (and its own)",
    async (action) => {
      for (const target of [GLOBEX_ENI, ACME_ENI]) {
        const decision = await decide({
          principal: ACME_ROLE,
          action,
          resource: resourceOf(action, target),
          accountId: ACCOUNT,
          identityPolicies: [acmePolicy],
          context: FROM_ACME_CODE,
        });
        expect({ action, target, decision }).toEqual({ action, target, decision: 'ExplicitlyDenied' });
      }
    },
  );

  test.each(VPC_NETWORK_INTERFACE_ACTIONS.map((a) => [a]))(
    "lets Lambda itself (no source function ARN) still %s for acme's function",
    async (action) => {
      const decision = await decide({
        principal: ACME_ROLE,
        action,
        resource: resourceOf(action, ACME_ENI),
        accountId: ACCOUNT,
        identityPolicies: [acmePolicy],
      });
      expect(decision).toBe('Allowed');
    },
  );

  test('the deny names acme only: a qualified version of acme is denied too, another function’s code is not matched', async () => {
    const base = {
      principal: ACME_ROLE,
      action: 'ec2:DeleteNetworkInterface',
      resource: GLOBEX_ENI,
      accountId: ACCOUNT,
      identityPolicies: [acmePolicy],
    };
    expect(await decide({ ...base, context: { 'lambda:SourceFunctionArn': `${ACME_FUNCTION}:7` } })).toBe(
      'ExplicitlyDenied',
    );
    const globexFunction = lambdaFunctionArn('aws', 'eu-west-1', ACCOUNT, 'apicloud-globex-gateway');
    expect(await decide({ ...base, context: { 'lambda:SourceFunctionArn': globexFunction } })).toBe(
      'Allowed',
    );
  });

  test("acme's function code still reads its own secret and writes its own logs", async () => {
    expect(
      await decide({
        principal: ACME_ROLE,
        action: 'secretsmanager:GetSecretValue',
        resource: ACME_SECRET,
        accountId: ACCOUNT,
        identityPolicies: [acmePolicy],
        context: FROM_ACME_CODE,
      }),
    ).toBe('Allowed');
    expect(
      await decide({
        principal: ACME_ROLE,
        action: 'logs:PutLogEvents',
        resource: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/lambda/apicloud-acme-gateway:log-stream:2026/01/01/abc`,
        accountId: ACCOUNT,
        identityPolicies: [acmePolicy],
        context: FROM_ACME_CODE,
      }),
    ).toBe('Allowed');
  });
});
