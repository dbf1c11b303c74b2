import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AWS_PROVIDER_VERSION,
  MIRROR_ENV,
  OVERRIDE_FILE,
  TerraformHarnessError,
  findProviderMirror,
  summarizePlan,
  writeCliConfig,
  writeOfflineOverride,
} from '../../../lib/terraform/harness';

const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;

describe('Terraform harness', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'harness-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function fakeMirror(name: string): string {
    const mirror = join(dir, name);
    mkdirSync(join(mirror, 'registry.terraform.io', 'hashicorp', 'aws', AWS_PROVIDER_VERSION, platform), {
      recursive: true,
    });
    return mirror;
  }

  describe('findProviderMirror', () => {
    it('GIVEN the environment variable names a mirror THEN it is used', () => {
      const mirror = fakeMirror('from-env');
      expect(findProviderMirror({ [MIRROR_ENV]: mirror }, [fakeMirror('default')])).toBe(mirror);
    });

    it('GIVEN no environment variable THEN the first candidate holding the provider is used', () => {
      const mirror = fakeMirror('second');
      expect(findProviderMirror({}, [join(dir, 'empty'), mirror])).toBe(mirror);
    });

    it('fails when the environment variable names a directory without the provider', () => {
      const empty = join(dir, 'empty');
      expect(() => findProviderMirror({ [MIRROR_ENV]: empty }, [fakeMirror('default')])).toThrow(
        new TerraformHarnessError(
          `${MIRROR_ENV}=${empty} does not hold registry.terraform.io/hashicorp/aws/${AWS_PROVIDER_VERSION}/${platform}`,
        ),
      );
    });

    it('fails when neither the variable nor any usual place has the provider, naming both', () => {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      expect(() => findProviderMirror({}, [a, b])).toThrow(
        `no local mirror of hashicorp/aws ${AWS_PROVIDER_VERSION} found: ${MIRROR_ENV} is not set and none of ${a}, ${b} holds`,
      );
    });
  });

  it('writes a CLI config that installs hashicorp/* only from the mirror', () => {
    const config = readFileSync(writeCliConfig(dir, '/opt/mirror'), 'utf8');
    expect(config).toContain(
      'filesystem_mirror {\n    path    = "/opt/mirror"\n    include = ["registry.terraform.io/hashicorp/*"]',
    );
    expect(config).toContain('direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]');
  });

  describe('writeOfflineOverride', () => {
    it('GIVEN two aws provider blocks THEN each alias gets fake credentials and every skip flag', () => {
      writeFileSync(
        join(dir, 'cdk.tf.json'),
        JSON.stringify({
          provider: { aws: [{ region: 'eu-west-1' }, { region: 'us-east-1', alias: 'use1' }] },
        }),
      );
      writeOfflineOverride(dir);
      const override = JSON.parse(readFileSync(join(dir, OVERRIDE_FILE), 'utf8'));
      const flags = {
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
      };
      expect(override.provider.aws).toEqual([
        expect.objectContaining(flags),
        expect.objectContaining({ alias: 'use1', ...flags }),
      ]);
      expect(override.provider.aws[0]).not.toHaveProperty('alias');
      expect(override.provider.aws[0]).not.toHaveProperty('region'); // the real configuration is untouched
    });

    it('fails when the stack reads an AWS data source', () => {
      writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ data: { aws_caller_identity: { me: {} } } }));
      expect(() => writeOfflineOverride(dir)).toThrow(
        `${dir} uses data sources that call AWS (aws_caller_identity); offline plan can not read them`,
      );
    });

    it('fails when the directory holds no synthesized stack', () => {
      expect(() => writeOfflineOverride(dir)).toThrow(
        `${dir} holds no cdk.tf.json: synthesize the app first`,
      );
    });
  });

  it('summarizes a plan: creates, updates, deletes, types and outputs', () => {
    const summary = summarizePlan('s', {
      resource_changes: [
        { address: 'aws_vpc.a', type: 'aws_vpc', change: { actions: ['create'] } },
        { address: 'aws_subnet.a', type: 'aws_subnet', change: { actions: ['create'] } },
        { address: 'aws_subnet.b', type: 'aws_subnet', change: { actions: ['delete', 'create'] } },
        { address: 'aws_route_table.a', type: 'aws_route_table', change: { actions: ['update'] } },
        { address: 'aws_route.a', type: 'aws_route', change: { actions: ['no-op'] } },
      ],
      planned_values: { outputs: { b: {}, a: {} } },
    });
    expect(summary).toEqual({
      stack: 's',
      toAdd: 3,
      toChange: 1,
      toDestroy: 1,
      addedByType: { aws_vpc: 1, aws_subnet: 2 },
      outputs: ['a', 'b'],
    });
  });
});
