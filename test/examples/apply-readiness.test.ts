/**
 * What a real apply needs, checked on real offline plans (terraform + hashicorp/aws 5.100 from the mirror):
 *
 *  - the example: the deployer appears in a secret's policy (and its key's) only where a write-only value
 *    is written; the AWS-created pre-shared-key secrets get a policy; the alarms have a subscription;
 *  - two platforms (staging and production) in one stack, and the same customers on two platforms in two
 *    stacks of one account: every account- or region-unique name carries its platform and fits its limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DEPLOYER_ROLE_ARN, SECURITY_TEAM_ROLE_ARN, buildExampleApp } from '../../examples/main';
import { BackendSecurity, CustomerBackendLink, GatewayPlatform, SecretSource } from '../../lib';
import { PlanJson, listStacks, planOffline, readStack } from '../../lib/terraform/harness';
import { ADMINISTRATOR_ACCESS, decide } from '../support/iam-simulate';

jest.setTimeout(300_000);

const BUNDLE = join(__dirname, '..', 'lib', 'runtime', 'fixtures', 'bundle');

interface Created {
  type: string;
  address: string;
  after: Record<string, unknown>;
}

function created(plan: PlanJson, type?: string): Created[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => (type === undefined || rc.type === type) && rc.change.actions.includes('create'))
    .map((rc) => ({
      type: rc.type,
      address: rc.address,
      after: (rc.change.after ?? {}) as Record<string, unknown>,
    }));
}

interface ConfigResource {
  address: string;
  type: string;
  expressions: Record<string, { references?: string[] }>;
}

/** The resources of the plan's configuration, with the references of their expressions. */
function configured(plan: PlanJson): ConfigResource[] {
  const root = (plan.configuration as { root_module: { resources: ConfigResource[] } }).root_module;
  return root.resources;
}

/** The `aws_secretsmanager_secret.X` a resource's expression refers to. */
function secretReferenced(resource: ConfigResource, attribute: string): string | undefined {
  return resource.expressions[attribute]?.references?.find((r) =>
    /^aws_secretsmanager_secret\.[^.]+$/.test(r),
  );
}

type Statement = { Sid: string; Effect: string; Principal: unknown; Action: unknown; Condition?: unknown };

describe('the example, planned offline: what a real apply needs', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'apply-readiness-'));
  let plan!: PlanJson;
  let stackDir!: string;

  beforeAll(async () => {
    buildExampleApp(outdir).synth();
    [stackDir] = listStacks(outdir);
    plan = (await planOffline(stackDir)).plan;
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('GIVEN the plan THEN the deployer is in a secret’s policy exactly where a write-only value is written (provider 5.x reads it back, #42383)', () => {
    const config = configured(plan);
    const writeOnly = new Set(
      config
        .filter(
          (r) =>
            r.type === 'aws_secretsmanager_secret_version' && 'secret_string_wo_version' in r.expressions,
        )
        .map((r) => secretReferenced(r, 'secret_id')!),
    );
    // acme's credentials and initech's signing key; globex's secrets are all filled after deploy.
    expect(writeOnly.size).toBe(2);
    const policies = config.filter(
      (r) => r.type === 'aws_secretsmanager_secret_policy' && secretReferenced(r, 'secret_arn') !== undefined,
    );
    const afterOf = new Map(created(plan).map((c) => [c.address, c.after]));
    const seen = policies.map((policy) => {
      const statements = JSON.parse(afterOf.get(policy.address)!.policy as string).Statement as Statement[];
      return {
        secret: secretReferenced(policy, 'secret_arn'),
        // The statements that read or write the value (the administrators' deny names every administrator).
        namesDeployer: JSON.stringify(
          statements.filter((st) => st.Sid !== 'OnlyAdministratorsChangeTheSecret'),
        ).includes(DEPLOYER_ROLE_ARN),
        writeOnly: writeOnly.has(secretReferenced(policy, 'secret_arn')!),
      };
    });
    expect(seen.length).toBe(10);
    for (const s of seen)
      expect({ ...s, namesDeployer: s.namesDeployer }).toEqual({ ...s, namesDeployer: s.writeOnly });

    // The keys: a deployer statement only in the keys of customers with a write-only secret, scoped to
    // exactly those secrets' names.
    const secretNames = new Map(
      created(plan, 'aws_secretsmanager_secret').map((s) => [s.address, s.after.name_prefix as string]),
    );
    for (const key of created(plan, 'aws_kms_key').filter((k) => typeof k.after.policy === 'string')) {
      const statements = JSON.parse(key.after.policy as string).Statement as Statement[];
      const deployer = statements.filter((st) => JSON.stringify(st.Principal).includes(DEPLOYER_ROLE_ARN));
      const customer = /\.(Acme|Globex|Initech)_Secrets_Key/.exec(key.address)?.[1];
      if (customer === undefined) {
        expect(deployer).toEqual([]);
        continue;
      }
      const expected = [...writeOnly]
        .filter((address) => address.includes(`.${customer}_Secrets_`))
        .map(
          (address) =>
            // The name prefix, Terraform's 26-character suffix, "-" and AWS's six random characters.
            `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secretNames.get(address)}${'?'.repeat(26)}-??????`,
        );
      expect({
        customer,
        patterns: deployer.map(
          (st) =>
            (st.Condition as Record<string, Record<string, unknown>>).StringLike[
              'kms:EncryptionContext:SecretARN'
            ],
        ),
      }).toEqual({
        customer,
        patterns: expected.length > 0 ? [expected] : [],
      });
    }
  });

  test('GIVEN the plan THEN every pre-shared-key secret AWS creates gets a policy that blocks public access', () => {
    const config = configured(plan);
    const connections = config.filter((r) => r.type === 'aws_vpn_connection').map((r) => r.address);
    const pskPolicies = config.filter(
      (r) =>
        r.type === 'aws_secretsmanager_secret_policy' &&
        r.expressions.secret_arn.references?.some((ref) => /\.preshared_key_arn$/.test(ref)),
    );
    expect(
      pskPolicies
        .map((p) => p.expressions.secret_arn.references!.find((r) => r.endsWith('.preshared_key_arn')))
        .sort(),
    ).toEqual(connections.map((c) => `${c}.preshared_key_arn`).sort());
    const afterOf = new Map(created(plan).map((c) => [c.address, c.after]));
    for (const p of pskPolicies) expect(afterOf.get(p.address)!.block_public_policy).toBe(true);
  });

  test('GIVEN the plan THEN the alarm topic has a subscription', () => {
    expect(
      created(plan, 'aws_sns_topic_subscription').map((s) => [s.after.protocol, s.after.endpoint]),
    ).toEqual([['email', 'api-platform-oncall@example.com']]);
  });

  describe('tenant isolation (issue 25): the planned policies, and IAM’s answer with them (iam-simulate)', () => {
    const ACCOUNT = '123456789012';
    const ROOT_USER = `arn:aws:iam::${ACCOUNT}:root`;
    const ADMIN = `arn:aws:iam::${ACCOUNT}:role/account-admin`;
    const role = (customer: string) =>
      `arn:aws:iam::${ACCOUNT}:role/backend-link/apicloud-${customer}-euw1-gateway`;
    const fn = (customer: string) =>
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:apicloud-${customer}-gateway`;
    const Customer = (customer: string) => customer[0].toUpperCase() + customer.slice(1);
    /** What Terraform appends to a secret's name prefix (a timestamp and a counter, 26 characters). */
    const UNIQUE_SUFFIX = '20261207140000000000000001';

    /** The planned value of a created resource's attribute, by address prefix (one resource). */
    function plannedOne(type: string, prefix: string): Record<string, unknown> {
      const found = created(plan, type).filter((c) => c.address.startsWith(`${type}.${prefix}`));
      expect(found.map((c) => c.address)).toHaveLength(1);
      return found[0].after;
    }
    const keyPolicy = (customer: string) =>
      JSON.parse(plannedOne('aws_kms_key', `${Customer(customer)}_Secrets_Key`).policy as string);
    const secretPolicyOf = (customer: string, secret: string) =>
      JSON.parse(
        plannedOne('aws_secretsmanager_secret_policy', `${Customer(customer)}_Secrets_${secret}_Policy`)
          .policy as string,
      );
    const secretArn = (customer: string, secret: string) =>
      `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${plannedOne('aws_secretsmanager_secret', `${Customer(customer)}_Secrets_${secret}_`).name_prefix as string}${UNIQUE_SUFFIX}-AbCdEf`;

    /**
     * A runtime role's policy as planned: its document holds the log group's and the secrets' ARNs, known
     * only after apply, so it is read from the configuration that was planned, with ARN-shaped stand-ins
     * for those references (built from the planned names).
     */
    function rolePolicy(customer: string): { Statement: Statement[] } {
      const config = readStack(stackDir) as { resource: Record<string, Record<string, { policy: string }>> };
      const [policy] = Object.entries(config.resource.aws_iam_role_policy).filter(([name]) =>
        name.startsWith(`${Customer(customer)}_Gateway_Policy`),
      );
      const resolved = policy[1].policy.replace(
        /\$\{(aws_[a-z_]+)\.([^.}]+)\.arn\}/g,
        (_all, type: string, name: string) => {
          const after = created(plan, type).find((c) => c.address === `${type}.${name}`)!.after;
          if (type === 'aws_cloudwatch_log_group')
            return `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${after.name as string}`;
          if (type === 'aws_secretsmanager_secret')
            return `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${after.name_prefix as string}${UNIQUE_SUFFIX}-AbCdEf`;
          throw new Error(`no stand-in for ${type}.${name}.arn`);
        },
      );
      return JSON.parse(resolved);
    }

    test('GIVEN the plan THEN every runtime role denies the network-interface actions to its own function’s code', () => {
      for (const customer of ['acme', 'globex', 'initech', 'umbrella', 'wonka']) {
        const functionName = plannedOne('aws_lambda_function', `${Customer(customer)}_Gateway_`)
          .function_name as string;
        expect(fn(customer)).toBe(`arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${functionName}`);
        const deny = rolePolicy(customer).Statement.find(
          (st) => st.Sid === 'FunctionCodeManagesNoNetworkInterfaces',
        )!;
        expect({ customer, effect: deny.Effect, condition: deny.Condition }).toEqual({
          customer,
          effect: 'Deny',
          condition: { ArnLike: { 'lambda:SourceFunctionArn': [fn(customer), `${fn(customer)}:*`] } },
        });
      }
    });

    test('GIVEN the plan THEN every customer key and created secret is administered by the security team, the deployer and the root user only', () => {
      const administrators = [SECURITY_TEAM_ROLE_ARN, DEPLOYER_ROLE_ARN, ROOT_USER];
      const keys = created(plan, 'aws_kms_key').filter((k) => /_Secrets_Key_/.test(k.address));
      expect(keys).toHaveLength(5);
      for (const key of keys) {
        const statements = JSON.parse(key.after.policy as string).Statement as Statement[];
        const admin = statements.find((st) => st.Sid === 'OnlyAdministratorsAdministerTheKey')!;
        expect({ key: key.address, condition: admin.Condition }).toEqual({
          key: key.address,
          condition: { ArnEquals: { 'aws:PrincipalArn': administrators } },
        });
        expect(JSON.stringify(statements)).not.toContain('AccountAdministersAndEncrypts');
      }
      const secretPolicies = created(plan, 'aws_secretsmanager_secret_policy').filter((p) =>
        /_Secrets_/.test(p.address),
      );
      expect(secretPolicies).toHaveLength(10);
      for (const policy of secretPolicies) {
        const statements = JSON.parse(policy.after.policy as string).Statement as Statement[];
        const deny = statements.find((st) => st.Sid === 'OnlyAdministratorsChangeTheSecret')!;
        expect({ policy: policy.address, effect: deny.Effect, condition: deny.Condition }).toEqual({
          policy: policy.address,
          effect: 'Deny',
          condition: { StringNotEquals: { 'aws:PrincipalArn': administrators } },
        });
      }
    });

    test('GIVEN the plan THEN it checks the account it runs in (a warning offline: no STS to ask)', () => {
      const checks = (plan.checks ?? []) as Array<{
        address: { kind: string; name: string };
        status: string;
      }>;
      expect(checks.filter((c) => c.address.kind === 'check').map((c) => c.address.name)).toEqual([
        `backend_link_account_${ACCOUNT}`,
      ]);
    });

    test("acme's function code can not delete or re-address globex's network interface, and Lambda can still manage acme's", async () => {
      const globexEni = `arn:aws:ec2:eu-west-1:${ACCOUNT}:network-interface/eni-0globex000000000`;
      const acmeEni = `arn:aws:ec2:eu-west-1:${ACCOUNT}:network-interface/eni-0acme00000000000`;
      const identityPolicies = [rolePolicy('acme')];
      for (const action of ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses']) {
        const fromCode = await decide({
          principal: role('acme'),
          action,
          resource: globexEni,
          accountId: ACCOUNT,
          identityPolicies,
          context: { 'lambda:SourceFunctionArn': fn('acme') },
        });
        const byLambda = await decide({
          principal: role('acme'),
          action,
          resource: acmeEni,
          accountId: ACCOUNT,
          identityPolicies,
        });
        expect({ action, fromCode, byLambda }).toEqual({
          action,
          fromCode: 'ExplicitlyDenied',
          byLambda: 'Allowed',
        });
      }
    });

    test("acme's runtime reads its own secret and not globex's, and an account administrator can not take acme's key or rewrite globex's secret policy", async () => {
      const read = (customer: string, secret: string) =>
        decide({
          principal: role('acme'),
          action: 'secretsmanager:GetSecretValue',
          resource: secretArn(customer, secret),
          accountId: ACCOUNT,
          identityPolicies: [rolePolicy('acme')],
          resourcePolicy: secretPolicyOf(customer, secret),
          context: { 'lambda:SourceFunctionArn': fn('acme') },
        });
      expect(await read('acme', 'credentials')).toBe('Allowed');
      expect(await read('globex', 'oauth-client-secret')).toBe('ExplicitlyDenied');

      const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
      const asAdmin = { accountId: ACCOUNT, identityPolicies: [ADMINISTRATOR_ACCESS] };
      for (const action of ['kms:CreateGrant', 'kms:PutKeyPolicy'])
        expect(
          await decide({
            ...asAdmin,
            principal: ADMIN,
            action,
            resource: key,
            resourcePolicy: keyPolicy('acme'),
          }),
        ).toBe('ImplicitlyDenied');
      const globexSecret = {
        resource: secretArn('globex', 'oauth-client-secret'),
        resourcePolicy: secretPolicyOf('globex', 'oauth-client-secret'),
      };
      for (const action of [
        'secretsmanager:PutResourcePolicy',
        'secretsmanager:DeleteResourcePolicy',
        'secretsmanager:PutSecretValue',
      ]) {
        expect(await decide({ ...asAdmin, ...globexSecret, principal: ADMIN, action })).toBe(
          'ExplicitlyDenied',
        );
        expect(await decide({ ...asAdmin, ...globexSecret, principal: SECURITY_TEAM_ROLE_ARN, action })).toBe(
          'Allowed',
        );
      }
    });
  });
});

/** Every resource type whose name AWS keeps unique per account or region (or per VPC), its name attribute and limit. */
const UNIQUE_NAMES: ReadonlyArray<[type: string, attribute: string, limit: number]> = [
  ['aws_lb', 'name', 32],
  ['aws_lb_target_group', 'name', 32],
  ['aws_lb_trust_store', 'name', 32],
  ['aws_kms_alias', 'name', 256],
  // Named by prefix (Terraform adds a 26-character suffix; a name has at most 512): re-creatable at once.
  ['aws_secretsmanager_secret', 'name_prefix', 512 - 26],
  ['aws_cloudwatch_log_group', 'name', 512],
  ['aws_iam_role', 'name', 64],
  ['aws_lambda_function', 'function_name', 64],
  ['aws_sns_topic', 'name', 256],
  ['aws_cloudwatch_metric_alarm', 'alarm_name', 255],
  ['aws_cloudwatch_composite_alarm', 'alarm_name', 255],
  ['aws_security_group', 'name', 255],
  // Account-wide, like IAM names: the region code is part of it.
  ['aws_cloudwatch_dashboard', 'dashboard_name', 255],
];

function platformStack(app: App, id: string, platforms: Array<{ name: string; customers: string[] }>) {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  platforms.forEach(({ name, customers }, p) => {
    const platform = new GatewayPlatform(stack, `Platform-${name}`, {
      name,
      vpcProps: { cidrBlock: `10.${40 + p}.0.0/16` },
      customerAddressPool: `10.${40 + p}.128.0/17`,
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      vpnGateway: {},
      interfaceEndpoints: { subnetsCidrBlock: `10.${40 + p}.0.32/27` },
    });
    customers.forEach((customerName, c) => {
      new CustomerBackendLink(stack, `${name}-${customerName}`, {
        platform,
        customerName,
        accountId: '123456789012',
        cidrBlock: `10.${40 + p}.${128 + c}.0/24`,
        vpn: { customerGatewayIp: `85.214.${10 + p}.${20 + c}`, onPremCidrs: [`172.${20 + c}.0.0/16`] },
        loadBalancer: {
          certificateArn:
            'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
          trustedSources: [{ cidr: `10.${40 + p}.0.64/26`, description: 'gateway tier' }],
          mutualTls: { caBundleS3Bucket: 'trust-stores', caBundleS3Key: `${name}/${customerName}.pem` },
        },
        backend: { url: `https://orders.${customerName}.internal/api` },
        security: BackendSecurity.basic({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
        deployerPrincipalArn: DEPLOYER_ROLE_ARN,
        runtime: { runtimeBundleDirectory: BUNDLE },
      });
    });
  });
}

describe('two platforms in one account and region, planned offline: names never collide', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'two-platforms-'));
  const plans = new Map<string, PlanJson>();

  beforeAll(async () => {
    const app = new App({ outdir });
    // One stack holding both platforms (customer names are unique per stack: outputs are named by customer).
    platformStack(app, 'both', [
      { name: 'staging', customers: ['acme', 'initech-industries'] },
      { name: 'production-eu-central', customers: ['globex', 'initech-industrial', 'initech-industrials'] },
    ]);
    // The usual layout: one stack per platform, the same customers on both.
    platformStack(app, 'staging', [{ name: 'staging', customers: ['acme', 'initech-industries'] }]);
    platformStack(app, 'production', [
      { name: 'production-eu-central', customers: ['acme', 'initech-industries'] },
    ]);
    app.synth();
    for (const stackDir of listStacks(outdir))
      plans.set(stackDir.split('/').pop()!, (await planOffline(stackDir)).plan);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const names = (plan: PlanJson) =>
    UNIQUE_NAMES.flatMap(([type, attribute, limit]) =>
      created(plan, type).map((r) => ({
        type,
        limit,
        name: r.after[attribute] as string,
        platform: (r.after.tags as Record<string, string> | undefined)?.['backend-link:platform'],
      })),
    );

  test('GIVEN both platforms in one stack THEN each unique name carries its platform (or its hash-shortened form) and fits its limit', () => {
    const all = names(plans.get('both')!);
    expect(new Set(all.map((n) => n.type))).toEqual(new Set(UNIQUE_NAMES.map(([type]) => type)));
    for (const n of all) {
      expect({ ...n, fits: n.name.length <= n.limit }).toEqual({ ...n, fits: true });
      const platform = n.platform ?? ['staging', 'production-eu-central'].find((p) => n.name.includes(p));
      const shortened = n.name.length === n.limit && /-[0-9a-f]{8}$/.test(n.name);
      expect({
        name: n.name,
        carries: n.name.includes(platform!) || (shortened && n.name.startsWith(platform!.slice(0, 10))),
      }).toEqual({
        name: n.name,
        carries: true,
      });
    }
    // The long names were shortened with a hash, distinct although their heads are the same.
    const targetGroups = all
      .filter((n) => n.type === 'aws_lb_target_group')
      .map((n) => n.name)
      .sort();
    const shortened = targetGroups.filter((n) => /^production-eu-central-i-[0-9a-f]{8}$/.test(n));
    expect(targetGroups.filter((n) => !shortened.includes(n))).toEqual([
      'production-eu-central-globex-gw',
      'staging-acme-gw',
      'staging-initech-industries-gw',
    ]);
    // production-eu-central-initech-industrial-gw and …-industrials-gw: same head, different hashes.
    expect(shortened).toHaveLength(2);
    expect(new Set(targetGroups).size).toBe(5);
  });

  test('GIVEN the same customers on two platforms in two stacks of one account THEN no unique name is used twice', () => {
    const union = [...names(plans.get('staging')!), ...names(plans.get('production')!)];
    expect(union.length).toBeGreaterThan(40);
    const seen = new Map<string, number>();
    for (const n of union) seen.set(`${n.type} ${n.name}`, (seen.get(`${n.type} ${n.name}`) ?? 0) + 1);
    expect([...seen].filter(([, count]) => count > 1)).toEqual([]);
  });
});
