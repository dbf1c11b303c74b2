/**
 * The handoff's SigV4 section: the IAM the backend owner grants, for the principal that signs (the gateway
 * function's role, or the role it assumes) and the backend's service. The example policies follow AWS's own
 * documentation (cited in docs/sigv4.md):
 * - API Gateway: `execute-api:Invoke` in the API's resource policy ("API Gateway resource policy examples");
 * - Lambda function URLs with `AuthType: AWS_IAM`: `lambda:InvokeFunctionUrl`, and for function URLs created
 *   since October 2025 also `lambda:InvokeFunction` ("Control access to Lambda function URLs");
 * - OpenSearch Service: `es:ESHttp*` on the domain's subresources (`domain/<name>/*`) in the domain access
 *   policy ("Identity and Access Management in Amazon OpenSearch Service").
 * Across accounts AWS evaluates the caller's identity policy as well as the resource policy, so a backend in
 * the customer's own account is reached through a role of the customer's that the gateway assumes.
 */

/** What the link's handoff output says of a SigV4 scheme (`security`; strings only, no secret). */
export interface SigV4HandoffFacts {
  readonly service?: string;
  readonly region?: string;
  readonly payload?: string;
  readonly assumeRoleArn?: string;
  readonly externalId?: string;
  /** The gateway function's role ARN. */
  readonly gatewayRoleArn?: string;
}

/** The partition of a region (`cn-*`: aws-cn, `us-gov-*`: aws-us-gov, else aws). */
function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The actions and resource of the example permission for a service. */
export function sigV4ServicePermission(
  service: string,
  region: string,
): { readonly what: string; readonly actions: string[]; readonly resource: string; condition?: object } {
  const arn = (svc: string, rest: string) =>
    `arn:${partitionOf(region)}:${svc}:${region}:<your-account-id>:${rest}`;
  switch (service) {
    case 'execute-api':
      return {
        what: 'API Gateway (the API’s resource policy)',
        actions: ['execute-api:Invoke'],
        resource: arn('execute-api', '<api-id>/<stage>/*/*'),
      };
    case 'lambda':
      return {
        what: 'a Lambda function URL with `AuthType: AWS_IAM` (the function’s resource-based policy)',
        actions: ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'],
        resource: arn('lambda', 'function:<function-name>'),
        condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      };
    case 'es':
      return {
        what: 'OpenSearch Service (the domain access policy)',
        actions: [
          'es:ESHttpGet',
          'es:ESHttpHead',
          'es:ESHttpPost',
          'es:ESHttpPut',
          'es:ESHttpPatch',
          'es:ESHttpDelete',
        ],
        resource: arn('es', 'domain/<domain-name>/*'),
      };
    case 's3':
      return {
        what: 'S3 (the bucket policy)',
        actions: ['s3:GetObject', 's3:PutObject'],
        resource: `arn:${partitionOf(region)}:s3:::<bucket>/*`,
      };
    default:
      return {
        what: `${service} (its resource policy, if it has one)`,
        actions: [`${service}:<action>`],
        resource: arn(service, '<resource>'),
      };
  }
}

const json = (value: unknown) => ['```json', JSON.stringify(value, null, 2), '```'];

/** The lines of the handoff's SigV4 section (after the "Scheme:" line). */
export function sigV4HandoffLines(s: SigV4HandoffFacts): string[] {
  const service = s.service ?? '<service>';
  const region = s.region ?? '<region>';
  const gatewayRole = s.gatewayRoleArn ?? '<the gateway function’s role ARN>';
  const principal = s.assumeRoleArn ?? gatewayRole;
  const permission = sigV4ServicePermission(service, region);
  const statement = {
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: permission.actions.length === 1 ? permission.actions[0] : permission.actions,
    Resource: permission.resource,
    ...(permission.condition ? { Condition: permission.condition } : {}),
  };
  // The same permission in the assumed role's own (identity) policy: no Principal there.
  const { Principal: _principal, ...identityStatement } = statement;
  const lines = [
    'Every request is signed with AWS Signature Version 4 (`AWS4-HMAC-SHA256`); your backend verifies it with IAM. Nothing secret is exchanged: there are no keys to send.',
    '',
    '| parameter | value |',
    '| --- | --- |',
    `| service (signing name) | \`${service}\` |`,
    `| region | \`${region}\` |`,
    `| payload | ${s.payload === 'UNSIGNED-PAYLOAD' ? '`UNSIGNED-PAYLOAD`' : 'the SHA-256 of the body, signed (`x-amz-content-sha256`)'} |`,
    `| signed by | \`${principal}\`${s.assumeRoleArn ? ' (a role of yours that the gateway assumes)' : ' (the gateway function’s role)'} |`,
    ...(s.externalId ? [`| external ID | \`${s.externalId}\` |`] : []),
    '',
  ];
  if (s.assumeRoleArn) {
    lines.push(
      `Create the role \`${s.assumeRoleArn}\` in your account, trusting the gateway’s role${s.externalId ? ' with the agreed external ID' : ''} (its trust policy):`,
      '',
      ...json({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: gatewayRole },
            Action: 'sts:AssumeRole',
            ...(s.externalId ? { Condition: { StringEquals: { 'sts:ExternalId': s.externalId } } } : {}),
          },
        ],
      }),
      '',
      `Give that role the permission on your backend, ${permission.what}, e.g. in its identity policy (and admit it in the backend’s resource policy if it has one):`,
      '',
      ...json({
        Version: '2012-10-17',
        Statement: [identityStatement],
      }),
    );
  } else {
    lines.push(
      `Admit the gateway’s role in ${permission.what}:`,
      '',
      ...json({ Version: '2012-10-17', Statement: [statement] }),
      '',
      'Across AWS accounts IAM also requires the caller’s own identity policy, which the gateway’s role does not carry: for a backend in your account, ask us to sign with a role of yours instead (`assumeRoleArn`).',
    );
  }
  if (service === 'execute-api') {
    lines.push(
      '',
      'A private API is invoked through an `execute-api` interface endpoint: your resource policy may also restrict `aws:SourceVpce` to the endpoint we name.',
    );
  }
  return lines;
}
