/**
 * The multi-stack example with real Terraform: every stack validated offline (`init -backend=false`),
 * the platform stack planned offline (its S3 backend swapped for a local state by an override file), and
 * a customer stack on an imported platform (`GatewayPlatform.fromAttributes`) planned offline too.
 * Planning a customer stack that reads a not-yet-applied platform's remote state is `backend-link plan`'s.
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
import { GatewayPlatform, configureS3State } from '../../lib';
import { PlanResult, TerraformRun, listStacks, planOffline } from '../../scripts/terraform/harness';
import {
  mapWithConcurrency,
  validateOffline,
  writeLocalBackendOverride,
} from '../../scripts/terraform/stacks';
import { validationErrorOf } from '../support/constructs';

jest.setTimeout(400_000);

interface Synthesized {
  terraform: { backend: { s3?: Record<string, unknown> } };
  data?: { terraform_remote_state?: Record<string, { backend: string; config: Record<string, unknown> }> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

const read = (stackDir: string): Synthesized =>
  JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as Synthesized;
const nameOf = (stackDir: string) => stackDir.split('/').pop()!;

describe('multi-stack example', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'multi-stack-'));
  const validations = new Map<string, TerraformRun[]>();
  let platformPlan: PlanResult;
  let stackDirs: string[] = [];

  beforeAll(async () => {
    buildMultiStackApp(outdir).app.synth();
    stackDirs = listStacks(outdir);
    const validated = await mapWithConcurrency(stackDirs, 2, (dir) => validateOffline(dir));
    stackDirs.forEach((dir, i) => validations.set(nameOf(dir), validated[i]));
    const platformDir = join(outdir, 'stacks', 'platform');
    writeLocalBackendOverride(platformDir);
    platformPlan = await planOffline(platformDir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes the platform stack and one stack per customer', () => {
    expect(stackDirs.map(nameOf)).toEqual([
      'customer-acme',
      'customer-globex',
      'customer-hooli',
      'customer-initech',
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
          key: `backend-link/${nameOf(stackDirs[i])}/terraform.tfstate`,
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
            key: 'backend-link/platform/terraform.tfstate',
            encrypt: true,
          }),
        }),
      ]);
    }
  });

  it('validates every stack with terraform: no depends_on on a remote-state output (transit gateway customers too)', () => {
    expect([...validations.keys()].sort()).toEqual(stackDirs.map(nameOf).sort());
    for (const [stack, runs] of validations) {
      expect({ stack, validate: runs[1].stdout }).toEqual({
        stack,
        validate: expect.stringContaining('The configuration is valid'),
      });
    }
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

  it('plans the platform stack offline: the VPC, both attachment points and the outputs the customers read', () => {
    const { summary } = platformPlan;
    expect(summary.toChange + summary.toDestroy).toBe(0);
    expect(summary.addedByType).toMatchObject({
      aws_vpc: 1,
      aws_vpn_gateway: 1,
      aws_ec2_transit_gateway: 1,
      aws_ec2_transit_gateway_vpc_attachment: 1,
      aws_vpc_endpoint: 1,
    });
    expect(summary.outputs).toEqual(
      expect.arrayContaining([
        'apicloud_platform_attributes',
        expect.stringMatching(
          /^cross-stack-output-aws_ec2_transit_gateway_vpc_attachment.*transit_gateway_id$/,
        ),
      ]),
    );
  });

  it('ships the same runtime archive, with the same hash, in every customer stack', () => {
    const files = stackDirs
      .filter((d) => nameOf(d).startsWith('customer-'))
      .map((dir) => {
        const fn = Object.values(read(dir).resource.aws_lambda_function)[0] as { filename: string };
        return { filename: fn.filename, bytes: readFileSync(join(dir, fn.filename)) };
      });
    expect(new Set(files.map((f) => f.filename)).size).toBe(1);
    for (const f of files) expect(f.bytes.equals(files[0].bytes)).toBe(true);
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
          vpn: { ...acme.vpn!, onPremCidrs: [`172.${16 + i}.0.0/16`] },
        });
      }
    });
    expect(error.constructPath).toBe('customer-c10/Link/Vpn');
    expect(error.problems).toEqual([
      'platform "apicloud"\'s virtual private gateway already carries 10 VPN connections, the AWS limit of 10 per virtual private gateway; put customer "c10" on a transit gateway (give the platform `transitGateway` and the VPN `attachment: \'transit-gateway\'`)',
    ]);
  });
});

describe('split repositories: customer stacks on an imported platform', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'imported-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('GIVEN the platform’s attributes WHEN customer stacks are built on them THEN they plan offline, with no remote state', async () => {
    // GIVEN the ids the platform stack outputs (apicloud_platform_attributes) once applied, in another app
    const app = new App({ outdir });
    const platform = GatewayPlatform.fromAttributes(app, 'Platform', {
      name: 'apicloud',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      vpcCidrBlocks: ['10.40.0.0/16'],
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:apicloud-alarms',
      vpnGateway: { vpnGatewayId: 'vgw-0a1b2c3d4e5f60718' },
      transitGateway: {
        transitGatewayId: 'tgw-0a1b2c3d4e5f60718',
        vpcAttachmentId: 'tgw-attach-0a1b2c3d4e5f60718',
        vpcRouteTableId: 'tgw-rtb-0a1b2c3d4e5f60718',
        amazonSideAsn: 64520,
      },
      endpointsSecurityGroupId: 'sg-0a1b2c3d4e5f60718',
    });
    // WHEN a VGW customer and a TGW customer get their stacks, with the S3 state
    const [acme, globex] = exampleCustomers(platform);
    new CustomerStack(app, 'customer-acme', acme);
    new CustomerStack(app, 'customer-globex', globex);
    configureS3State(app, STATE);
    app.synth();
    // THEN both plan offline (backend swapped for a local state), with the literal ids
    const dirs = listStacks(outdir);
    expect(dirs.map(nameOf)).toEqual(['customer-acme', 'customer-globex']);
    const plans = await mapWithConcurrency(dirs, 2, (dir) => {
      expect(read(dir).data).toBeUndefined();
      writeLocalBackendOverride(dir);
      return planOffline(dir);
    });
    for (const { summary } of plans) {
      expect(summary.toChange + summary.toDestroy).toBe(0);
      expect(summary.addedByType).toMatchObject({ aws_lambda_function: 1, aws_lb: 1, aws_vpn_connection: 1 });
    }
    const globexRoutes = (plans[1].plan.resource_changes ?? []).filter((rc) => rc.type === 'aws_route');
    expect(globexRoutes.map((rc) => (rc.change.after as Record<string, unknown>).transit_gateway_id)).toEqual(
      ['tgw-0a1b2c3d4e5f60718', 'tgw-0a1b2c3d4e5f60718'],
    );
  });
});
