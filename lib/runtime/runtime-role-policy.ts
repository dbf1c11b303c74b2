/**
 * The gateway runtime role's policy document: what the function's code may do, and what Lambda may do with
 * the same role on the function's behalf.
 *
 * Lambda attaches a VPC function to its subnets with the function's own execution role
 * (`ec2:CreateNetworkInterface`, `ec2:DeleteNetworkInterface`, ...), and those EC2 actions are granted on
 * `*`, as AWS's own `AWSLambdaVPCAccessExecutionRole` does: the `Describe*` actions take no resource at all,
 * and Lambda checks the role's EC2 permissions when the function is created or its VPC settings change,
 * so an Allow narrowed by guesswork would break every deployment. The function's code runs with the same
 * role, though, and would inherit those rights over every network interface of the account, other
 * customers' included. Lambda puts `lambda:SourceFunctionArn` into the request context of every call made
 * from the execution environment, and not into the EC2 calls it makes itself to manage the function's
 * interfaces (AWS Lambda Developer Guide, "Using source function ARN to control function access
 * behavior"): a Deny of the same actions conditioned on the function's own ARN takes them from the code and
 * leaves them to Lambda.
 */

/** What Lambda needs of the execution role to attach the function to its subnets. */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** One IAM policy statement, as backend-link writes them. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/**
 * A Lambda function's ARN from its parts: known before the function exists, so the role's policy can name
 * it without waiting for the function (which itself waits for the policy).
 */
export function lambdaFunctionArn(
  partition: string,
  region: string,
  accountId: string,
  functionName: string,
): string {
  return `arn:${partition}:lambda:${region}:${accountId}:function:${functionName}`;
}

export interface RuntimeRolePolicyProps {
  /** The function's log group (`logs:CreateLogStream` and `logs:PutLogEvents` on its streams only). */
  readonly logGroupArn: string;
  /** The secrets the runtime reads; none, and the role gets no Secrets Manager permission at all. */
  readonly secretArns: readonly string[];
  /** The function's own (unqualified) ARN: the value of `lambda:SourceFunctionArn` for calls from its code. */
  readonly functionArn: string;
  /**
   * Roles the runtime assumes to sign for its backend (SigV4 `credentials.source: "assume-role"`):
   * `sts:AssumeRole` on exactly these ARNs.
   * @default - none, and the role gets no STS permission at all
   */
  readonly assumeRoleArns?: readonly string[];
}

/** The roles a runtime configuration assumes (its SigV4 scheme's `credentials.roleArn`), for the role's policy. */
export function assumedRoleArnsOf(security: {
  readonly type: string;
  readonly credentials?: { readonly source?: string; readonly roleArn?: string };
}): string[] {
  const credentials = security.type === 'sigv4' ? security.credentials : undefined;
  return credentials?.source === 'assume-role' && credentials.roleArn !== undefined
    ? [credentials.roleArn]
    : [];
}

/** The runtime role's inline policy. */
export function runtimeRolePolicy(props: RuntimeRolePolicyProps): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${props.logGroupArn}:*`,
      },
      // A function without secrets (scheme `none`) gets no Secrets Manager permission at all.
      ...(props.secretArns.length > 0
        ? [
            {
              Sid: 'ReadOwnSecrets',
              Effect: 'Allow' as const,
              Action: 'secretsmanager:GetSecretValue',
              Resource: [...props.secretArns],
            },
          ]
        : []),
      // SigV4 with an assumed role: that role only. The role's trust policy (the customer's) decides the rest.
      ...(props.assumeRoleArns && props.assumeRoleArns.length > 0
        ? [
            {
              Sid: 'AssumeBackendSigningRole',
              Effect: 'Allow' as const,
              Action: 'sts:AssumeRole',
              Resource: [...props.assumeRoleArns],
            },
          ]
        : []),
      {
        // Lambda needs these to attach the function to the customer's subnets (Describe* takes no resource).
        Sid: 'ManageVpcNetworkInterfaces',
        Effect: 'Allow',
        Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
        Resource: '*',
      },
      {
        // ...but the function's code may not: calls from the execution environment carry the function's
        // ARN as lambda:SourceFunctionArn, Lambda's own interface management does not. A version or alias
        // of the function is covered too.
        Sid: 'FunctionCodeManagesNoNetworkInterfaces',
        Effect: 'Deny',
        Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
        Resource: '*',
        Condition: {
          ArnLike: { 'lambda:SourceFunctionArn': [props.functionArn, `${props.functionArn}:*`] },
        },
      },
    ],
  };
}
