/**
 * BackendSecurity.sigV4: the rendered runtime scheme (the platform's region filled in), no secrets, the
 * function role's `sts:AssumeRole` on exactly the assumed role (evaluated with iam-simulate), and every mistake
 * of one builder call, and of the builder on its platform, reported in one synth.
 */
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { CustomerBackendLink } from '../../../lib/customer-backend-link';
import { GatewayPlatform } from '../../../lib/platform/gateway-platform';
import { BackendSecurity, SigV4Props } from '../../../lib/runtime/backend-security';
import { decide } from '../../support/iam-simulate';
import { testStack, validationErrorOf } from '../../support/constructs';

const BUNDLE = join(__dirname, 'fixtures', 'bundle');
const ACCOUNT = '123456789012';
const CUSTOMER_ROLE = 'arn:aws:iam::210987654321:role/acme-orders-gateway-invoker';
const API_URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod';
const noSecret = (name: string, key: string): never => {
  throw new Error(`sigv4 asked for a secret (${name}.${key})`);
};

/**
 * A customer whose backend is a private API reached through the platform's interface endpoints (private DNS):
 * `backend.cidrs` is the endpoints' subnets' block.
 */
function linkWith(security: BackendSecurity, endpointServices: string[] | null = ['secretsmanager', 'sts']) {
  const stack = testStack();
  const platform = new GatewayPlatform(stack, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    // `null`: interface endpoints the platform does not manage (not visible to the link).
    ...(endpointServices
      ? { interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27', services: endpointServices } }
      : {}),
  });
  const link = new CustomerBackendLink(stack, 'Acme', {
    platform,
    customerName: 'acme',
    accountId: ACCOUNT,
    cidrBlock: '10.40.128.0/24',
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26' }],
    },
    backend: { url: API_URL, cidrs: ['10.40.0.32/27'] },
    security,
    runtime: { runtimeBundleDirectory: BUNDLE },
  });
  return { stack, link };
}

type Json = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: { security: Record<string, string> } }>;
};
const synthOf = (stack: ReturnType<typeof testStack>): Json => JSON.parse(Testing.synth(stack, true));
const rolePolicyOf = (json: Json) =>
  JSON.parse((Object.values(json.resource.aws_iam_role_policy)[0] as { policy: string }).policy) as {
    Statement: Array<{ Sid: string; Action: unknown; Resource: unknown }>;
  };

describe('BackendSecurity.sigV4', () => {
  test.each<[string, SigV4Props, { region?: string }, Record<string, unknown>]>([
    [
      "the function's role, the platform's region",
      { service: 'execute-api' },
      { region: 'eu-west-1' },
      { type: 'sigv4', region: 'eu-west-1', service: 'execute-api' },
    ],
    [
      'a region of its own',
      { service: 'es', region: 'eu-central-1' },
      { region: 'eu-west-1' },
      { type: 'sigv4', region: 'eu-central-1', service: 'es' },
    ],
    [
      'an assumed role in the same region',
      { service: 'lambda', assumeRoleArn: CUSTOMER_ROLE, externalId: 'acme-7f3a' },
      { region: 'eu-west-1' },
      {
        type: 'sigv4',
        region: 'eu-west-1',
        service: 'lambda',
        credentials: { source: 'assume-role', roleArn: CUSTOMER_ROLE, externalId: 'acme-7f3a' },
      },
    ],
    [
      "an assumed role for a backend in another region (STS of the platform's region)",
      { service: 'execute-api', region: 'us-east-1', assumeRoleArn: CUSTOMER_ROLE },
      { region: 'eu-west-1' },
      {
        type: 'sigv4',
        region: 'us-east-1',
        service: 'execute-api',
        credentials: { source: 'assume-role', roleArn: CUSTOMER_ROLE, stsRegion: 'eu-west-1' },
      },
    ],
    [
      'S3 with UNSIGNED-PAYLOAD',
      { service: 's3', unsignedPayload: true },
      { region: 'eu-west-1' },
      { type: 'sigv4', region: 'eu-west-1', service: 's3', payload: 'unsigned' },
    ],
  ])(
    'GIVEN %s THEN it renders that runtime scheme, which the runtime accepts, and needs no secret',
    (_, props, context, expected) => {
      const security = BackendSecurity.sigV4(props);
      expect(security.problems).toEqual([]);
      const rendered = security.render(noSecret, context);
      expect(rendered).toEqual({ security: expected });
      expect(security.secretRequirements).toEqual([]);
      expect(security.type).toBe('sigv4');
      expect(() =>
        validateConfig({ version: 1, name: 'acme', backend: { url: API_URL }, security: rendered.security }),
      ).not.toThrow();
    },
  );

  it('GIVEN no region and no platform region THEN the runtime validator says security.region is required', () => {
    const { security } = BackendSecurity.sigV4({ service: 'execute-api' }).render(noSecret);
    expect(() => validateConfig({ version: 1, name: 'acme', backend: { url: API_URL }, security })).toThrow(
      'security.region: is required',
    );
  });

  it('describes itself for the handoff without any secret', () => {
    expect(
      BackendSecurity.sigV4({ service: 'lambda', assumeRoleArn: CUSTOMER_ROLE, externalId: 'acme-7f3a' })
        .description,
    ).toEqual({
      scheme: 'AWS Signature Version 4',
      service: 'lambda',
      payload: 'signed',
      assumeRoleArn: CUSTOMER_ROLE,
      externalId: 'acme-7f3a',
    });
  });
});

describe('a customer with BackendSecurity.sigV4, synthesized', () => {
  it("GIVEN an assumed role THEN the runtime configuration signs with it, no secret is created, and the function's role may assume exactly that role", async () => {
    const { stack, link } = linkWith(
      BackendSecurity.sigV4({
        service: 'execute-api',
        assumeRoleArn: CUSTOMER_ROLE,
        externalId: 'acme-7f3a',
      }),
    );
    const json = synthOf(stack);

    expect(link.runtimeConfig.security).toEqual({
      type: 'sigv4',
      region: 'eu-west-1',
      service: 'execute-api',
      credentials: { source: 'assume-role', roleArn: CUSTOMER_ROLE, externalId: 'acme-7f3a' },
    });
    // The function's environment carries the same configuration.
    const fn = Object.values(json.resource.aws_lambda_function)[0] as {
      environment: { variables: Record<string, string> };
    };
    expect(JSON.stringify(fn.environment.variables)).toContain(CUSTOMER_ROLE);
    expect(json.resource.aws_secretsmanager_secret ?? {}).toEqual({});

    const policy = rolePolicyOf(json);
    expect(policy.Statement.find((s) => s.Sid === 'AssumeBackendSigningRole')).toEqual({
      Sid: 'AssumeBackendSigningRole',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: [CUSTOMER_ROLE],
    });
    // The handoff names the region signed for and the principal the customer's role must trust.
    expect(json.output.acme_handoff.value.security).toEqual({
      scheme: 'AWS Signature Version 4',
      service: 'execute-api',
      payload: 'signed',
      assumeRoleArn: CUSTOMER_ROLE,
      externalId: 'acme-7f3a',
      region: 'eu-west-1',
      gatewayRoleArn: link.gateway.roleArn,
    });
    expect(link.gateway.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/backend-link\/apicloud-acme-/);
    // No Secrets Manager permission: there is no secret to read.
    expect(policy.Statement.map((s) => s.Sid)).not.toContain('ReadOwnSecrets');
    const asRole = (resource: string) =>
      decide({
        principal: `arn:aws:iam::${ACCOUNT}:role/backend-link/apicloud-acme-gateway`,
        action: 'sts:AssumeRole',
        resource,
        accountId: ACCOUNT,
        identityPolicies: [policy as never],
      });
    expect(await asRole(CUSTOMER_ROLE)).toBe('Allowed');
    expect(await asRole('arn:aws:iam::210987654321:role/another-role')).toBe('ImplicitlyDenied');
    expect(await asRole(`arn:aws:iam::${ACCOUNT}:role/backend-link/apicloud-globex-gateway`)).toBe(
      'ImplicitlyDenied',
    );
  });

  it("GIVEN the function's own role THEN the role gets no STS permission at all", () => {
    const { stack, link } = linkWith(BackendSecurity.sigV4({ service: 'execute-api' }), ['secretsmanager']);
    const json = synthOf(stack);
    expect(link.runtimeConfig.security).toEqual({
      type: 'sigv4',
      region: 'eu-west-1',
      service: 'execute-api',
    });
    const actions = rolePolicyOf(json).Statement.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => a.startsWith('sts:'))).toEqual([]);
  });

  test.each<[string, SigV4Props, string[] | null, string[]]>([
    [
      'an assumed role on a platform without interface endpoints of its own',
      { service: 'execute-api', assumeRoleArn: CUSTOMER_ROLE },
      null,
      [
        'security.assumeRoleArn: the gateway function calls STS (sts.<region>.amazonaws.com) from subnets without an internet route, and the platform manages no interface endpoints: make sure the VPC has an STS interface endpoint with private DNS (or give the platform `interfaceEndpoints.services` with "sts")',
      ],
    ],
    ["the function's own role on the same platform", { service: 'execute-api' }, null, []],
    [
      'an assumed role on a platform with an STS endpoint',
      { service: 'execute-api', assumeRoleArn: CUSTOMER_ROLE },
      ['secretsmanager', 'sts'],
      [],
    ],
  ])(
    'GIVEN %s THEN the synth warns about STS exactly when it can not check it',
    (_, props, services, warnings) => {
      const { stack, link } = linkWith(BackendSecurity.sigV4(props), services);
      Testing.synth(stack, true);
      expect(link.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data)).toEqual(warnings);
    },
  );

  it('GIVEN a platform with problems of its own THEN a SigV4 customer does not also report the region it would take from the platform', () => {
    const stack = testStack();
    const platform = new GatewayPlatform(stack, 'Platform', {
      name: 'Api Cloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    });
    const error = validationErrorOf(
      () =>
        new CustomerBackendLink(stack, 'Acme', {
          platform,
          customerName: 'acme',
          accountId: ACCOUNT,
          cidrBlock: '10.40.128.0/24',
          loadBalancer: {
            certificateArn:
              'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
            trustedSources: [{ cidr: '10.40.0.64/26' }],
          },
          backend: { url: API_URL, cidrs: ['10.40.0.32/27'] },
          security: BackendSecurity.sigV4({ service: 'execute-api' }),
          runtime: { runtimeBundleDirectory: BUNDLE },
        }),
    );
    expect(error.details.map((d) => [d.path, d.prop])).toEqual([['test/Platform', 'name']]);
  });

  it('fails with every mistake of one builder call in one synth', () => {
    const error = validationErrorOf(
      () =>
        linkWith(
          BackendSecurity.sigV4({
            service: 'Execute API',
            region: 'Europe',
            assumeRoleArn: 'arn:aws:iam::2109876543:user/gateway',
            externalId: 'x',
            unsignedPayload: true,
          }),
        ).link,
    );
    expect(error.problems).toEqual([
      '`security.service` "Execute API" is not a service signing name (lower case letters, digits, "-"; e.g. "execute-api", "lambda", "es")',
      '`security.region` "Europe" is not an AWS region name (e.g. "eu-west-1")',
      '`security.assumeRoleArn` "arn:aws:iam::2109876543:user/gateway" is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)',
      '`security.externalId` "x" must be 2 to 1224 characters of letters, digits and +=,.@:/-_',
      '`security.unsignedPayload` true UNSIGNED-PAYLOAD is accepted only by s3, not by service "Execute API": leave it out to sign the body',
    ]);
    expect(error.details.map((d) => d.prop)).toEqual([
      'security.service',
      'security.region',
      'security.assumeRoleArn',
      'security.externalId',
      'security.unsignedPayload',
    ]);
  });

  test.each<[string, SigV4Props, string[] | undefined, string[]]>([
    [
      'UNSIGNED-PAYLOAD is asked of API Gateway, and an external ID comes without a role',
      { service: 'execute-api', unsignedPayload: true, externalId: 'acme-7f3a' },
      undefined,
      [
        '`security.externalId` "acme-7f3a" applies only with `assumeRoleArn` (the role whose trust policy demands it)',
        '`security.unsignedPayload` true UNSIGNED-PAYLOAD is accepted only by s3, not by service "execute-api": leave it out to sign the body',
      ],
    ],
    [
      "the region and the role are in other partitions than the platform's",
      {
        service: 'execute-api',
        region: 'cn-north-1',
        assumeRoleArn: 'arn:aws-us-gov:iam::210987654321:role/r',
      },
      undefined,
      [
        '`security.region` "cn-north-1" is in partition aws-cn, the platform in aws: the function\'s credentials are valid in its own partition only',
        '`security.assumeRoleArn` "arn:aws-us-gov:iam::210987654321:role/r" is in partition aws-us-gov, the platform in aws: its STS can not issue credentials for another partition\'s role',
      ],
    ],
    [
      "the platform's interface endpoints do not include STS",
      { service: 'lambda', assumeRoleArn: CUSTOMER_ROLE },
      ['secretsmanager'],
      [
        `\`security.assumeRoleArn\` "${CUSTOMER_ROLE}" needs STS from the function's subnets, which have no route to the internet: add "sts" to the platform's \`interfaceEndpoints.services\` (now "secretsmanager")`,
      ],
    ],
  ])('fails when %s', (_, props, services, problems) => {
    const error = validationErrorOf(() => linkWith(BackendSecurity.sigV4(props), services).link);
    expect(error.problems).toEqual(problems);
  });
});
