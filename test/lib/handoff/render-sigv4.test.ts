/**
 * The handoff's SigV4 section: who signs, and the example policies the backend owner applies, evaluated with
 * iam-simulate (an IAM policy evaluator this repository did not write) once the placeholders are filled in.
 */
import { outputsFromTerraform } from '../../../lib/handoff/outputs';
import { renderHandoff } from '../../../lib/handoff/render';
import { runtimeRolePolicy } from '../../../lib/runtime/runtime-role-policy';
import { decide } from '../../support/iam-simulate';

const PLATFORM_ACCOUNT = '123456789012';
const CUSTOMER_ACCOUNT = '210987654321';
const GATEWAY_ROLE = `arn:aws:iam::${PLATFORM_ACCOUNT}:role/backend-link/apicloud-acme-eu-west-1-gateway`;
const CUSTOMER_ROLE = `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/acme-orders-gateway-invoker`;

const handoff = (security: Record<string, string>) =>
  renderHandoff(
    'acme',
    outputsFromTerraform({
      acme_handoff: {
        value: {
          customer: 'acme',
          backend_url: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod',
          security: {
            scheme: 'AWS Signature Version 4',
            payload: 'signed',
            gatewayRoleArn: GATEWAY_ROLE,
            ...security,
          },
          source_cidrs: ['10.40.128.0/25', '10.40.128.128/25'],
          secret_arns: {},
          fill_after_deploy: [],
        },
      },
    }),
  );

/** The ```json blocks of the document, placeholders filled in with `account`. */
const policiesOf = (doc: string, account: string) =>
  [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(
    (m) =>
      JSON.parse(
        m[1]
          .replace(/<your-account-id>/g, account)
          .replace(/<api-id>/g, 'a1b2c3d4e5')
          .replace(/<stage>/g, 'prod')
          .replace(/<function-name>/g, 'orders')
          .replace(/<domain-name>/g, 'orders'),
      ) as { Statement: Array<Record<string, unknown>> },
  );

describe('handoff document: SigV4', () => {
  test('GIVEN an assumed role with an external ID THEN the customer gets a trust policy for the gateway’s role and a permission policy that IAM evaluates as intended', async () => {
    const doc = handoff({
      service: 'execute-api',
      region: 'eu-west-1',
      assumeRoleArn: CUSTOMER_ROLE,
      externalId: 'acme-7f3a',
    });
    expect(doc).toContain('Scheme: **AWS Signature Version 4**.');
    expect(doc).toContain(`| signed by | \`${CUSTOMER_ROLE}\` (a role of yours that the gateway assumes) |`);
    expect(doc).toContain('| external ID | `acme-7f3a` |');
    const [trust, permission] = policiesOf(doc, CUSTOMER_ACCOUNT);

    // The gateway's role, with its own policy (sts:AssumeRole on that role only), may assume the role with the
    // agreed external ID, and not without it.
    const gatewayPolicy = runtimeRolePolicy({
      logGroupArn: `arn:aws:logs:eu-west-1:${PLATFORM_ACCOUNT}:log-group:/aws/lambda/apicloud-acme-gateway`,
      secretArns: [],
      functionArn: `arn:aws:lambda:eu-west-1:${PLATFORM_ACCOUNT}:function:apicloud-acme-gateway`,
      assumeRoleArns: [CUSTOMER_ROLE],
    });
    const assume = (externalId?: string) =>
      decide({
        principal: GATEWAY_ROLE,
        action: 'sts:AssumeRole',
        resource: CUSTOMER_ROLE,
        accountId: CUSTOMER_ACCOUNT,
        identityPolicies: [gatewayPolicy],
        resourcePolicy: trust,
        ...(externalId ? { context: { 'sts:ExternalId': externalId } } : {}),
      });
    expect(await assume('acme-7f3a')).toBe('Allowed');
    expect(await assume('another-id')).toBe('ImplicitlyDenied');
    expect(await assume()).toBe('ImplicitlyDenied');

    // The assumed role may invoke the API (same account: its identity policy suffices).
    const invoke = (resource: string) =>
      decide({
        principal: CUSTOMER_ROLE,
        action: 'execute-api:Invoke',
        resource,
        accountId: CUSTOMER_ACCOUNT,
        identityPolicies: [permission],
      });
    expect(await invoke(`arn:aws:execute-api:eu-west-1:${CUSTOMER_ACCOUNT}:a1b2c3d4e5/prod/GET/orders`)).toBe(
      'Allowed',
    );
    expect(await invoke(`arn:aws:execute-api:eu-west-1:${CUSTOMER_ACCOUNT}:zzzzzzzzzz/prod/GET/orders`)).toBe(
      'ImplicitlyDenied',
    );
  });

  test.each([
    ['lambda', 'lambda:InvokeFunctionUrl', `arn:aws:lambda:eu-west-1:${PLATFORM_ACCOUNT}:function:orders`],
    ['es', 'es:ESHttpPost', `arn:aws:es:eu-west-1:${PLATFORM_ACCOUNT}:domain/orders/orders-index/_search`],
    [
      'execute-api',
      'execute-api:Invoke',
      `arn:aws:execute-api:eu-west-1:${PLATFORM_ACCOUNT}:a1b2c3d4e5/prod/POST/orders`,
    ],
  ])(
    'GIVEN the function’s own role and service %s THEN the resource policy admits the gateway’s role for %s (a backend in the platform’s account)',
    async (service, action, resource) => {
      const doc = handoff({ service, region: 'eu-west-1' });
      expect(doc).toContain(`| signed by | \`${GATEWAY_ROLE}\` (the gateway function’s role) |`);
      expect(doc).toContain('ask us to sign with a role of yours instead');
      const [policy] = policiesOf(doc, PLATFORM_ACCOUNT);
      const asGateway = (principal: string) =>
        decide({
          principal,
          action,
          resource,
          accountId: PLATFORM_ACCOUNT,
          resourcePolicy: policy,
          context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
        });
      expect(await asGateway(GATEWAY_ROLE)).toBe('Allowed');
      expect(await asGateway(`arn:aws:iam::${PLATFORM_ACCOUNT}:role/someone-else`)).toBe('ImplicitlyDenied');
    },
  );
});
