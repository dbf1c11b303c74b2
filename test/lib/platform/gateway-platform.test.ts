import { Testing } from 'cdktf';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib';
import { testStack, validationErrorOf } from '../../support/constructs';

const base: GatewayPlatformProps = {
  name: 'apicloud',
  vpcProps: { cidrBlock: '10.40.0.0/16' },
  customerAddressPool: '10.40.128.0/17',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
};

describe('GatewayPlatform', () => {
  it('fails for JavaScript callers without required props, with a ValidationError instead of a TypeError', () => {
    const error = validationErrorOf(
      () => new GatewayPlatform(testStack(), 'Platform', { name: 'apicloud' } as GatewayPlatformProps),
    );
    expect(error.problems).toEqual(['`customerAddressPool` is required', '`availabilityZones` is required']);
  });

  it('GIVEN zones of the provider’s region but no literal provider region THEN the region is not checked', () => {
    expect(
      () =>
        void Testing.synthScope((scope) => {
          new GatewayPlatform(scope, 'Platform', {
            ...base,
            availabilityZones: ['us-east-1a', 'us-east-1b'],
          });
        }),
    ).not.toThrow();
  });

  describe('GIVEN vpcProps', () => {
    const synthesized = Testing.synthScope((scope) => {
      new GatewayPlatform(scope, 'Platform', { ...base, tags: { team: 'api' } });
    });

    it('THEN it creates a VPC with DNS support (needed by interface endpoints) and the given tags', () => {
      expect(synthesized).toHaveResourceWithProperties(Vpc, {
        cidr_block: '10.40.0.0/16',
        enable_dns_support: true,
        enable_dns_hostnames: true,
        tags: { Name: 'apicloud-vpc', team: 'api', 'backend-link:platform': 'apicloud' },
      });
    });

    it('THEN it empties the default security group', () => {
      const json = JSON.parse(synthesized);
      const groups = Object.values(json.resource.aws_default_security_group) as Array<
        Record<string, unknown>
      >;
      expect(groups).toHaveLength(1);
      expect(groups[0]).not.toHaveProperty('ingress');
      expect(groups[0]).not.toHaveProperty('egress');
      expect(synthesized).toHaveResource(DefaultSecurityGroup);
    });

    it('THEN it outputs the VPC id under a stable name', () => {
      expect(JSON.parse(synthesized).output).toHaveProperty('apicloud_vpc_id');
    });

    it('matches the snapshot', () => {
      expect(synthesized).toMatchSnapshot();
    });
  });

  describe('GIVEN an existing VPC', () => {
    it('THEN it creates no VPC and exposes the given id and blocks', () => {
      const stack = testStack();
      const platform = new GatewayPlatform(stack, 'Platform', {
        ...base,
        vpcProps: undefined,
        existingVpc: { vpcId: 'vpc-0123456789abcdef0', cidrBlocks: ['10.0.0.0/16', '10.40.0.0/16'] },
      });
      const synthesized = Testing.synth(stack);
      expect(synthesized).not.toHaveResource(Vpc);
      expect(platform.vpcId).toBe('vpc-0123456789abcdef0');
      expect(platform.vpcCidrBlocks).toEqual(['10.0.0.0/16', '10.40.0.0/16']);
      expect(platform.vpc).toBeUndefined();
    });
  });

  it('does not keep a reference to the caller’s arrays', () => {
    const zones = ['eu-west-1a', 'eu-west-1b'];
    const platform = new GatewayPlatform(testStack(), 'Platform', { ...base, availabilityZones: zones });
    zones.push('eu-west-1c');
    expect(platform.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b']);
  });

  describe('fails when props are invalid', () => {
    test.each<[string, Partial<GatewayPlatformProps>, string[]]>([
      [
        'the zones lie in two regions',
        { availabilityZones: ['eu-west-1a', 'eu-central-1b'] },
        [
          '`availabilityZones` spans regions eu-west-1, eu-central-1; a platform lives in one region (one platform per region)',
          '`availabilityZones` "eu-central-1b" is not in eu-west-1, the region of the stack\'s aws provider; give zones of eu-west-1 (e.g. "eu-west-1a")',
        ],
      ],
      [
        'the zones are of another region than the provider’s',
        { availabilityZones: ['us-east-1a', 'us-east-1b'] },
        [
          '`availabilityZones` "us-east-1a", "us-east-1b" are not in eu-west-1, the region of the stack\'s aws provider; give zones of eu-west-1 (e.g. "eu-west-1a")',
        ],
      ],
      [
        'a tag key is reserved by AWS',
        { tags: { 'aws:cost-center': 'api' } },
        ['`tags` key "aws:cost-center" starts with "aws:", which AWS reserves for its own tags'],
      ],
      [
        'a tag key is one the constructs set',
        { tags: { Name: 'mine', 'backend-link:platform': 'other' } },
        [
          '`tags` key "Name" is set by the constructs themselves; choose another key',
          '`tags` key "backend-link:platform" is set by the constructs themselves; choose another key',
        ],
      ],
      [
        'a tag key and a tag value are too long',
        { tags: { ['k'.repeat(129)]: 'v', team: 'v'.repeat(257) } },
        [
          `\`tags\` key "${'k'.repeat(40)}"… is 129 characters; a tag key has 1-128`,
          '`tags.team` is 257 characters; a tag value has at most 256',
        ],
      ],
      [
        'a tag value has characters tagging services refuse',
        { tags: { team: 'api;platform' } },
        ['`tags.team` "api;platform" may hold only letters, digits, spaces and _ . : / = + - @'],
      ],
      [
        'the name has capitals',
        { name: 'ApiCloud' },
        [
          '`name` "ApiCloud" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
        ],
      ],
      [
        'both existingVpc and vpcProps are given',
        { existingVpc: { vpcId: 'vpc-0123456789abcdef0', cidrBlocks: ['10.40.0.0/16'] } },
        ['give either `existingVpc` or `vpcProps`, not both'],
      ],
      [
        'neither VPC prop is given',
        { vpcProps: undefined },
        ['give `existingVpc` (an existing VPC) or `vpcProps` (a new VPC)'],
      ],
      [
        'the VPC CIDR is not CIDR notation',
        { vpcProps: { cidrBlock: '10.40.0.0' } },
        [
          '`vpcProps.cidrBlock` "10.40.0.0" is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)',
        ],
      ],
      [
        'the VPC CIDR is too large',
        { vpcProps: { cidrBlock: '10.0.0.0/8' }, customerAddressPool: '10.40.128.0/17' },
        ['`vpcProps.cidrBlock` 10.0.0.0/8 must be between /16 and /28 (an AWS VPC limit)'],
      ],
      [
        'the pool has host bits set',
        { customerAddressPool: '10.40.128.1/17' },
        ['`customerAddressPool` "10.40.128.1/17" has host bits set (did you mean 10.40.128.0/17?)'],
      ],
      [
        'the pool is outside the VPC',
        { customerAddressPool: '10.41.0.0/24' },
        ["`customerAddressPool` 10.41.0.0/24 is not inside the VPC's CIDR blocks (10.40.0.0/16)"],
      ],
      [
        'the pool is IPv6',
        { customerAddressPool: '2001:db8::/56' },
        ['`customerAddressPool` "2001:db8::/56" must be an IPv4 block'],
      ],
      [
        'only one availability zone is given',
        { availabilityZones: ['eu-west-1a'] },
        ['`availabilityZones` lists 1; give at least two for a highly available load balancer'],
      ],
      [
        'an availability zone is listed twice',
        { availabilityZones: ['eu-west-1a', 'eu-west-1a'] },
        ['`availabilityZones` lists "eu-west-1a" twice'],
      ],
      [
        'an availability zone is a region',
        { availabilityZones: ['eu-west-1', 'eu-west-1b'] },
        ['`availabilityZones` entry "eu-west-1" is not an availability zone name such as "eu-west-1a"'],
      ],
      [
        'the existing VPC id is malformed and lists no blocks',
        { vpcProps: undefined, existingVpc: { vpcId: 'my-vpc', cidrBlocks: [] } },
        [
          "`existingVpc.cidrBlocks` is empty; list the VPC's IPv4 CIDR blocks",
          '`existingVpc.vpcId` "my-vpc" is not a VPC id (vpc- followed by 8 or 17 hex digits)',
        ],
      ],
    ])('fails when %s', (_case, override, problems) => {
      const error = validationErrorOf(
        () => new GatewayPlatform(testStack(), 'Platform', { ...base, ...override }),
      );
      expect(error.problems).toEqual(problems);
      expect(error.constructPath).toBe('test/Platform');
    });

    it('reports every problem at once, in one message', () => {
      const error = validationErrorOf(
        () =>
          new GatewayPlatform(testStack(), 'Platform', {
            ...base,
            name: 'X',
            availabilityZones: ['eu-west-1a'],
          }),
      );
      expect(error.message).toBe(
        'test/Platform: 2 problems:\n' +
          '  - `name` "X" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit\n' +
          '  - `availabilityZones` lists 1; give at least two for a highly available load balancer',
      );
    });
  });
});
