/**
 * The multi-stack example with real Terraform, planned as `backend-link plan` plans it (planApp): the
 * platform stack first, then every customer stack (VGW and TGW customers) reading a state derived from
 * the platform's plan; the S3 backends replaced by local states in the override file. Then customer
 * stacks on an imported platform (`GatewayPlatform.fromAttributes`), built from the attributes the
 * platform's derived state publishes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import {
  CustomerStack,
  PlatformStack,
  STATE,
  buildMultiStackApp,
  exampleCustomers,
} from '../../examples/multi-stack/main';
import { GatewayPlatform, GatewayPlatformAttributes, configureS3State } from '../../lib';
import { PlanJson, listStacks } from '../../lib/terraform/harness';
import { AppPlan, StackOutcome, planApp } from '../../lib/terraform/plan-app';
import { OFFLINE_OUTPUTS_STATE_FILE } from '../../lib/terraform/remote-state';
import { validationErrorOf } from '../support/constructs';
import { runtimeFamilyOf } from '../../lib/runtime/runtime-families';

jest.setTimeout(600_000);

interface Synthesized {
  terraform: { backend: { s3?: Record<string, unknown> } };
  data?: { terraform_remote_state?: Record<string, { backend: string; config: Record<string, unknown> }> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

const read = (stackDir: string): Synthesized =>
  JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as Synthesized;
const nameOf = (stackDir: string) => stackDir.split('/').pop()!;
const after = (plan: PlanJson, type: string) =>
  (plan.resource_changes ?? [])
    .filter((rc) => rc.type === type)
    .map((rc) => rc.change.after as Record<string, unknown>);
const derivedOutputs = (stackDir: string) =>
  (
    JSON.parse(readFileSync(join(stackDir, OFFLINE_OUTPUTS_STATE_FILE), 'utf8')) as {
      outputs: Record<string, { value: unknown }>;
    }
  ).outputs;

describe('multi-stack example', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'multi-stack-'));
  let appPlan: AppPlan;
  let stackDirs: string[] = [];
  const outcome = (stack: string): StackOutcome => appPlan.outcomes.find((o) => o.stack === stack)!;

  beforeAll(async () => {
    buildMultiStackApp(outdir).app.synth();
    stackDirs = listStacks(outdir);
    appPlan = await planApp(outdir, { parallel: 2 });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes the platform stack and one stack per customer', () => {
    expect(stackDirs.map(nameOf)).toEqual([
      'customer-acme',
      'customer-globex',
      'customer-hooli',
      'customer-initech',
      'customer-umbrella',
      'customer-wonka',
      'platform',
    ]);
  });

  it('keeps every stack’s state in the one bucket, encrypted and locked with the S3 lockfile, under its own key', () => {
    const backends = stackDirs.map((dir) => read(dir).terraform.backend);
    for (const [i, backend] of backends.entries()) {
      expect(backend).toEqual({
        s3: {
          bucket: STATE.bucket,
          region: STATE.region,
          // The environment (by default the platform's name) keeps another app's same stacks apart.
          key: `backend-link/apicloud/${nameOf(stackDirs[i])}/terraform.tfstate`,
          encrypt: true,
          use_lockfile: true,
        },
      });
    }
  });

  it('has each customer stack read the platform through its state in S3', () => {
    for (const dir of stackDirs.filter((d) => nameOf(d).startsWith('customer-'))) {
      const remote = Object.values(read(dir).data?.terraform_remote_state ?? {});
      expect(remote).toEqual([
        expect.objectContaining({
          backend: 's3',
          config: expect.objectContaining({
            bucket: STATE.bucket,
            key: 'backend-link/apicloud/platform/terraform.tfstate',
            encrypt: true,
          }),
        }),
      ]);
    }
  });

  it('plans every stack offline (plan validates first), the platform before the customers that read it: no depends_on on a remote-state output (transit gateway customers too)', () => {
    expect(appPlan.failed).toEqual([]);
    expect(appPlan.outcomes.map((o) => [o.stack, o.error, o.reads])).toEqual([
      ['customer-acme', undefined, ['platform']],
      ['customer-globex', undefined, ['platform']],
      ['customer-hooli', undefined, ['platform']],
      ['customer-initech', undefined, ['platform']],
      ['customer-umbrella', undefined, ['platform']],
      ['customer-wonka', undefined, ['platform']],
      ['platform', undefined, []],
    ]);
    for (const dir of stackDirs) {
      for (const resources of Object.values(read(dir).resource)) {
        for (const resource of Object.values(resources)) {
          for (const dependency of (resource.depends_on as string[] | undefined) ?? []) {
            expect(dependency).not.toMatch(/^data\./);
          }
        }
      }
    }
  });

  it('plans the platform stack: the VPC, both attachment points and the outputs the customers read', () => {
    const { summary } = outcome('platform').result!;
    expect(summary.toChange + summary.toDestroy).toBe(0);
    expect(summary.addedByType).toMatchObject({
      aws_vpc: 1,
      aws_vpn_gateway: 1,
      aws_ec2_transit_gateway: 1,
      aws_ec2_transit_gateway_vpc_attachment: 1,
      aws_vpc_endpoint: 1,
    });
    // One contract for every kind of customer, from the first apply: nothing a customer adds.
    expect([...summary.outputs].sort()).toEqual([
      'apicloud_alarm_topic_arn',
      'apicloud_platform_attributes',
      'apicloud_public_egress_ips',
      'apicloud_transit_gateway_id',
      'apicloud_vpc_id',
      'apicloud_vpn_gateway_id',
      'cross-stack-output-localPlatform_Contract_FE204F84',
    ]);
  });

  it('plans every customer stack: its link, on VGW or TGW, with nothing to change or destroy', () => {
    for (const stack of ['customer-acme', 'customer-globex', 'customer-hooli', 'customer-initech']) {
      const { summary } = outcome(stack).result!;
      expect({ stack, change: summary.toChange, destroy: summary.toDestroy }).toEqual({
        stack,
        change: 0,
        destroy: 0,
      });
      expect(summary.addedByType).toMatchObject({
        aws_subnet: 2,
        aws_lambda_function: 1,
        aws_lb: 1,
        aws_vpn_connection: 1,
      });
    }
    expect(outcome('customer-globex').result!.summary.addedByType).toMatchObject({
      aws_ec2_transit_gateway_route_table: 1,
    });
    expect(outcome('customer-acme').result!.summary.addedByType.aws_ec2_transit_gateway_route_table).toBe(
      undefined,
    );
  });

  it("feeds the customers the platform's values derived from its plan: the plan.json of each customer holds them", () => {
    // GIVEN the state derived from the platform's plan
    const derived = derivedOutputs(join(outdir, 'stacks', 'platform'));
    const contract = derived['cross-stack-output-localPlatform_Contract_FE204F84'].value as {
      vpcId: string;
      alarmTopicArn: string;
      transitGateway: { attachedTransitGatewayId: string };
      publicEgress: { zones: Record<string, { natGatewayId: string }> };
    };
    const vpcId = contract.vpcId;
    const attachedTgwId = contract.transitGateway.attachedTransitGatewayId;
    const alarmTopicArn = contract.alarmTopicArn;
    expect(vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(attachedTgwId).toMatch(/^tgw-[0-9a-f]{17}$/);
    expect(alarmTopicArn).toMatch(/^arn:aws:[a-z]+:eu-west-1:000000000000:offline-plan-[0-9a-f]{12}$/);
    // THEN every customer's subnets are planned in the platform's VPC, its alarms notify its topic
    for (const stack of [
      'customer-acme',
      'customer-globex',
      'customer-hooli',
      'customer-initech',
      'customer-umbrella',
      'customer-wonka',
    ]) {
      const { plan } = outcome(stack).result!;
      expect(after(plan, 'aws_subnet').map((s) => s.vpc_id)).toEqual([vpcId, vpcId]);
      const alarms = after(plan, 'aws_cloudwatch_metric_alarm');
      expect(alarms.length).toBeGreaterThan(0);
      for (const alarm of alarms) expect(alarm.alarm_actions).toEqual([alarmTopicArn]);
    }
    // and the TGW customers' routes go to the transit gateway as the VPC attachment reports it
    for (const stack of ['customer-globex', 'customer-hooli']) {
      const routes = after(outcome(stack).result!.plan, 'aws_route');
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) expect(route.transit_gateway_id).toBe(attachedTgwId);
    }
    for (const stack of ['customer-acme', 'customer-initech']) {
      for (const route of after(outcome(stack).result!.plan, 'aws_route')) {
        expect(route.transit_gateway_id).toBeNull();
      }
    }
    // and the public customer's routes go to its zone's NAT gateway, read from the contract (no depends_on)
    const umbrellaRoutes = after(outcome('customer-umbrella').result!.plan, 'aws_route');
    expect(umbrellaRoutes.map((r) => r.nat_gateway_id).sort()).toEqual(
      [
        contract.publicEgress.zones['eu-west-1a'].natGatewayId,
        contract.publicEgress.zones['eu-west-1a'].natGatewayId,
        contract.publicEgress.zones['eu-west-1b'].natGatewayId,
        contract.publicEgress.zones['eu-west-1b'].natGatewayId,
      ].sort(),
    );
  });

  it('GIVEN the platform attributes of the derived state WHEN customer stacks are built on them with fromAttributes THEN they plan offline, with no remote state, on those ids', async () => {
    // GIVEN the platform's `apicloud_platform_attributes` output, as another repository would read it
    const attributes = derivedOutputs(join(outdir, 'stacks', 'platform')).apicloud_platform_attributes
      .value as GatewayPlatformAttributes;
    expect(attributes.vpcId).toMatch(/^vpc-/);
    expect(attributes.transitGateway?.vpcAttachmentId).toMatch(/^tgw-attach-/);
    expect(attributes.endpointsSecurityGroupId).toMatch(/^sg-/);
    // WHEN a VGW customer and a TGW customer get their stacks on the imported platform, with the S3 state
    const imported = mkdtempSync(join(tmpdir(), 'imported-'));
    try {
      const app = new App({ outdir: imported });
      const platform = GatewayPlatform.fromAttributes(app, 'Platform', attributes);
      const [acme, globex] = exampleCustomers(platform);
      new CustomerStack(app, 'customer-acme', acme);
      new CustomerStack(app, 'customer-globex', globex);
      configureS3State(app, STATE);
      app.synth();
      // THEN both plan offline, read no remote state, and use the literal ids
      const dirs = listStacks(imported);
      expect(dirs.map(nameOf)).toEqual(['customer-acme', 'customer-globex']);
      for (const dir of dirs) expect(read(dir).data).toBeUndefined();
      const plans = await planApp(imported, { parallel: 2 });
      expect(plans.failed).toEqual([]);
      for (const { result } of plans.outcomes) {
        expect(result!.summary.toChange + result!.summary.toDestroy).toBe(0);
        expect(result!.summary.addedByType).toMatchObject({
          aws_lambda_function: 1,
          aws_lb: 1,
          aws_vpn_connection: 1,
        });
        expect(after(result!.plan, 'aws_subnet').map((s) => s.vpc_id)).toEqual([
          attributes.vpcId,
          attributes.vpcId,
        ]);
      }
      const globexRoutes = after(plans.outcomes[1].result!.plan, 'aws_route');
      expect(globexRoutes.map((r) => r.transit_gateway_id)).toEqual([
        attributes.transitGateway!.transitGatewayId,
        attributes.transitGateway!.transitGatewayId,
      ]);
    } finally {
      rmSync(imported, { recursive: true, force: true });
    }
  });

  it('ships one runtime archive per scheme family: the same file, with the same hash, in every customer stack of the family', () => {
    const files = stackDirs
      .filter((d) => nameOf(d).startsWith('customer-'))
      .map((dir) => {
        const fn = Object.values(read(dir).resource.aws_lambda_function)[0] as {
          filename: string;
          environment: { variables: { GATEWAY_CONFIG: string } };
        };
        const config = JSON.parse(fn.environment.variables.GATEWAY_CONFIG) as { security: { type: string } };
        return {
          family: runtimeFamilyOf(config.security.type).name,
          filename: fn.filename,
          bytes: readFileSync(join(dir, fn.filename)),
        };
      });
    const families = new Set(files.map((f) => f.family));
    // Different families deploy different archives; one family's customers share one.
    expect(new Set(files.map((f) => f.filename)).size).toBe(families.size);
    for (const family of families) {
      const same = files.filter((f) => f.family === family);
      expect(new Set(same.map((f) => f.filename)).size).toBe(1);
      for (const f of same) expect(f.bytes.equals(same[0].bytes)).toBe(true);
    }
    expect(files.filter((f) => f.family === 'standard').length).toBeGreaterThan(1);
  });
});

describe('multi-stack layout: the platform register sees every stack', () => {
  test('fails when a customer in another stack takes an overlapping block', () => {
    const error = validationErrorOf(() => {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'overlap-')) });
      const { platform } = new PlatformStack(app, 'platform');
      const [acme, globex] = exampleCustomers(platform);
      new CustomerStack(app, 'customer-acme', acme);
      new CustomerStack(app, 'customer-globex', { ...globex, cidrBlock: '10.40.128.128/25' });
      app.synth();
    });
    expect(error.constructPath).toBe('customer-globex/Link/Subnets');
    expect(error.problems).toEqual([
      '`cidrBlock` 10.40.128.128/25 of customer "globex" overlaps 10.40.128.0/24 of customer "acme"; give each customer its own block in 10.40.128.0/17',
    ]);
  });

  test('fails when the eleventh customer stack puts its VPN on the virtual private gateway', () => {
    const error = validationErrorOf(() => {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'quota-')) });
      const { platform } = new PlatformStack(app, 'platform');
      const [acme] = exampleCustomers(platform);
      for (let i = 0; i < 11; i++) {
        new CustomerStack(app, `customer-c${i}`, {
          ...acme,
          customerName: `c${i}`,
          cidrBlock: `10.40.${128 + i}.0/24`,
          vpn: {
            ...acme.vpn!,
            customerGatewayIp: `85.214.10.${20 + i}`,
            onPremCidrs: [`172.${16 + i}.0.0/16`],
          },
        });
      }
      app.synth();
    });
    expect(error.constructPath).toBe('customer-c10/Link');
    expect(error.problems).toEqual([
      'platform "apicloud"\'s virtual private gateway already carries 10 VPN connections, the AWS limit of 10 per virtual private gateway; put customer "c10" on a transit gateway (give the platform `transitGateway` and the VPN `attachment: \'transit-gateway\'`)',
    ]);
  });
});
