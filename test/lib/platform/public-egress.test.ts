/**
 * The platform's public path: NAT gateways with Elastic IPs per zone, created with the platform's
 * `publicEgress` whether a customer uses them yet or not (the addresses customers allow-list outlive the
 * customers), the only default route of the platform in their own public route tables; existing NAT gateways;
 * bad props with exact messages; the Elastic IP and NAT gateway quotas, counted at synth over the app.
 */
import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib/platform/gateway-platform';
import { PublicEgressProps } from '../../../lib/platform/public-egress';
import { validationErrorOf } from '../../support/constructs';
import { platformProps, synth } from '../network-fixtures';

const NEW_EGRESS: PublicEgressProps = { subnetsCidrBlock: '10.0.1.0/27' };

function platformWith(
  scope: ConstructLike,
  publicEgress: PublicEgressProps | undefined,
  extra: Partial<GatewayPlatformProps> = {},
  id = 'Platform',
): GatewayPlatform {
  return new GatewayPlatform(
    scope,
    id,
    platformProps({ ...(publicEgress ? { publicEgress } : {}), ...extra }),
  );
}
type ConstructLike = ConstructorParameters<typeof GatewayPlatform>[0];

function stackIn(region = 'eu-west-1'): TerraformStack {
  const s = new TerraformStack(Testing.app(), 'stack');
  new AwsProvider(s, 'aws', { region });
  return s;
}

/** The validation messages of a stack (what `app.synth()` would throw). */
function synthProblems(s: TerraformStack): string[] {
  try {
    s.runAllValidations();
  } catch (error) {
    return [...(error as Error).message.matchAll(/^ {2}\[([^\]]+)\] (.*)$/gm)].map(
      (m) => `[${m[1]}] ${m[2]}`,
    );
  }
  return [];
}

describe('GatewayPlatform publicEgress', () => {
  test('GIVEN publicEgress and no customer on the public path yet THEN the whole path exists, its addresses an output', () => {
    const { json } = synth((scope) => platformWith(scope, NEW_EGRESS));

    for (const type of ['aws_nat_gateway', 'aws_eip', 'aws_internet_gateway', 'aws_route']) {
      expect({ type, created: type in json.resource }).toEqual({ type, created: true });
    }
    expect(Object.keys(json.output ?? {})).toContain('plat_public_egress_ips');
  });

  test('GIVEN no publicEgress THEN nothing of the path is created', () => {
    let platform!: GatewayPlatform;
    const { json } = synth((scope) => {
      platform = platformWith(scope, undefined);
    });

    for (const type of ['aws_nat_gateway', 'aws_eip', 'aws_internet_gateway', 'aws_route']) {
      expect({ type, created: type in json.resource }).toEqual({ type, created: false });
    }
    expect(platform.offersPublicEgress).toBe(false);
    expect(platform.publicEgress).toBeUndefined();
  });

  describe('GIVEN a new VPC and publicEgress', () => {
    let platform!: GatewayPlatform;
    const { json } = synth((scope) => {
      platform = platformWith(scope, NEW_EGRESS);
    });
    const resources = (type: string) => Object.values(json.resource[type] ?? {});

    test('THEN one internet gateway, and per zone a /28 public subnet, an Elastic IP (domain vpc) and a public NAT gateway', () => {
      expect(resources('aws_internet_gateway')).toEqual([
        expect.objectContaining({ vpc_id: '${aws_vpc.Platform_Vpc_B6B1DBBC.id}' }),
      ]);
      expect(
        resources('aws_subnet')
          .filter((s) => String(s.cidr_block).startsWith('10.0.1.'))
          .map((s) => [s.availability_zone, s.cidr_block, s.map_public_ip_on_launch]),
      ).toEqual([
        ['eu-west-1a', '10.0.1.0/28', false],
        ['eu-west-1b', '10.0.1.16/28', false],
      ]);
      expect(resources('aws_eip').map((e) => e.domain)).toEqual(['vpc', 'vpc']);
      expect(resources('aws_nat_gateway').map((n) => n.connectivity_type)).toEqual(['public', 'public']);
      expect(platform.publicEgress?.zones.map((z) => z.availabilityZone)).toEqual([
        'eu-west-1a',
        'eu-west-1b',
      ]);
    });

    test('THEN the Elastic IPs and NAT gateways wait for the internet gateway (depends_on), each NAT gateway uses its zone’s address and subnet', () => {
      const igw = 'aws_internet_gateway.Platform_PublicEgress_InternetGateway_318A18FE';
      for (const type of ['aws_eip', 'aws_nat_gateway']) {
        for (const r of resources(type)) expect(r.depends_on).toEqual([igw]);
      }
      const nat = json.resource.aws_nat_gateway['Platform_PublicEgress_eu-west-1b_NatGateway_1EE03E66'];
      expect(nat).toMatchObject({
        allocation_id: '${aws_eip.Platform_PublicEgress_eu-west-1b_ElasticIp_183FECD7.allocation_id}',
        subnet_id: '${aws_subnet.Platform_PublicEgress_eu-west-1b_Subnet_A6B56434.id}',
      });
    });

    test('THEN the only 0.0.0.0/0 routes are the public subnets’ own, to the internet gateway', () => {
      const routes = resources('aws_route');
      expect(routes).toHaveLength(2);
      for (const route of routes) {
        expect(route).toMatchObject({
          destination_cidr_block: '0.0.0.0/0',
          gateway_id: '${aws_internet_gateway.Platform_PublicEgress_InternetGateway_318A18FE.id}',
        });
        expect(String(route.route_table_id)).toMatch(
          /^\$\{aws_route_table\.Platform_PublicEgress_eu-west-1[ab]_RouteTable_/,
        );
      }
      expect(resources('aws_route_table_association')).toHaveLength(2);
    });

    test('THEN the public subnets get a network ACL of their own that passes only the customer pool out on 443, and the replies', () => {
      expect(resources('aws_network_acl')).toEqual([
        expect.objectContaining({
          subnet_ids: [
            '${aws_subnet.Platform_PublicEgress_eu-west-1a_Subnet_EB28E821.id}',
            '${aws_subnet.Platform_PublicEgress_eu-west-1b_Subnet_A6B56434.id}',
          ],
        }),
      ]);
      const rules = resources('aws_network_acl_rule').map(
        (r) =>
          `${r.egress ? 'out' : 'in'} ${r.protocol} ${r.from_port}-${r.to_port} ${r.cidr_block} ${r.rule_action}`,
      );
      expect(rules.sort()).toEqual([
        'in tcp 1024-65535 0.0.0.0/0 allow',
        'in tcp 443-443 10.0.128.0/17 allow',
        'out tcp 1024-65535 10.0.128.0/17 allow',
        'out tcp 443-443 0.0.0.0/0 allow',
      ]);
    });

    test('THEN the Elastic IPs are protected from destroy (every DMZ customer allow-lists them)', () => {
      for (const eip of resources('aws_eip')) expect(eip.lifecycle).toEqual({ prevent_destroy: true });
    });

    test('THEN the Elastic IPs are an output, by zone', () => {
      expect(json.output?.plat_public_egress_ips.value).toEqual({
        'eu-west-1a': '${aws_eip.Platform_PublicEgress_eu-west-1a_ElasticIp_27F2EF64.public_ip}',
        'eu-west-1b': '${aws_eip.Platform_PublicEgress_eu-west-1b_ElasticIp_183FECD7.public_ip}',
      });
    });
  });

  test('GIVEN a port added to publicEgress.ports THEN the rules of the other ports keep their numbers (keyed by port, in the public-egress band)', () => {
    const numbers = (ports: number[]) => {
      const { json } = synth((scope) => platformWith(scope, { ...NEW_EGRESS, ports }));
      return Object.fromEntries(
        Object.entries(json.resource.aws_network_acl_rule).map(([id, r]) => [id, r.rule_number as number]),
      );
    };
    const before = numbers([443]);
    const after = numbers([8443, 443]);

    for (const [id, number] of Object.entries(before))
      expect({ id, number: after[id] }).toEqual({ id, number });
    expect(Object.keys(after).length - Object.keys(before).length).toBe(2);
    for (const number of Object.values(after)) {
      expect(number).toBeGreaterThanOrEqual(21000);
      expect(number).toBeLessThan(24000);
    }
  });

  test('GIVEN protectElasticIps false THEN the Elastic IPs carry no lifecycle guard', () => {
    const { json } = synth((scope) => platformWith(scope, { ...NEW_EGRESS, protectElasticIps: false }));
    for (const eip of Object.values(json.resource.aws_eip)) expect(eip.lifecycle).toBeUndefined();
  });

  test('GIVEN existing Elastic IPs THEN the new NAT gateways use their allocations and no address is created', () => {
    const { json } = synth((scope) =>
      platformWith(scope, {
        ...NEW_EGRESS,
        existingElasticIps: [
          {
            availabilityZone: 'eu-west-1a',
            allocationId: 'eipalloc-0a1b2c3d4e5f60718',
            publicIp: '52.30.1.1',
          },
          {
            availabilityZone: 'eu-west-1b',
            allocationId: 'eipalloc-0b1b2c3d4e5f60718',
            publicIp: '52.30.1.2',
          },
        ],
      }),
    );
    expect(json.resource.aws_eip).toBeUndefined();
    expect(Object.values(json.resource.aws_nat_gateway).map((n) => n.allocation_id)).toEqual([
      'eipalloc-0a1b2c3d4e5f60718',
      'eipalloc-0b1b2c3d4e5f60718',
    ]);
    expect(json.output?.plat_public_egress_ips.value).toEqual({
      'eu-west-1a': '52.30.1.1',
      'eu-west-1b': '52.30.1.2',
    });
  });

  test('GIVEN an existing VPC with its internet gateway THEN the NAT gateways use it and no gateway is created', () => {
    const { json } = synth((scope) =>
      platformWith(
        scope,
        { subnetsCidrBlock: '10.0.1.0/27', existingInternetGatewayId: 'igw-0a1b2c3d4e5f60718' },
        { vpcProps: undefined, existingVpc: { vpcId: 'vpc-0a1b2c3d', cidrBlocks: ['10.0.0.0/16'] } },
      ),
    );

    expect(json.resource.aws_internet_gateway).toBeUndefined();
    expect(Object.values(json.resource.aws_route).map((r) => r.gateway_id)).toEqual([
      'igw-0a1b2c3d4e5f60718',
      'igw-0a1b2c3d4e5f60718',
    ]);
    expect(Object.values(json.resource.aws_eip).map((e) => e.depends_on)).toEqual([undefined, undefined]);
  });

  test('GIVEN existing NAT gateways THEN nothing is created and their declared addresses are the output', () => {
    let platform!: GatewayPlatform;
    const { json } = synth((scope) => {
      platform = platformWith(scope, {
        existingNatGateways: [
          { availabilityZone: 'eu-west-1b', natGatewayId: 'nat-0b1b2c3d4e5f60718', publicIp: '52.30.1.2' },
          { availabilityZone: 'eu-west-1a', natGatewayId: 'nat-0a1b2c3d4e5f60718', publicIp: '52.30.1.1' },
        ],
      });
    });

    for (const type of ['aws_nat_gateway', 'aws_eip', 'aws_internet_gateway', 'aws_network_acl']) {
      expect({ type, created: type in json.resource }).toEqual({ type, created: false });
    }
    expect(json.output?.plat_public_egress_ips.value).toEqual({
      'eu-west-1a': '52.30.1.1',
      'eu-west-1b': '52.30.1.2',
    });
    expect(platform.publicEgress?.zone('eu-west-1b').natGatewayId).toBe('nat-0b1b2c3d4e5f60718');
  });

  test.each<[string, PublicEgressProps, Partial<GatewayPlatformProps>, string[]]>([
    [
      'neither a block nor existing NAT gateways are given',
      {},
      {},
      [
        'give `publicEgress.subnetsCidrBlock` (new public /28 subnets for NAT gateways, one per availability zone) or `publicEgress.existingNatGateways`',
      ],
    ],
    [
      'both a block and existing NAT gateways are given',
      {
        subnetsCidrBlock: '10.0.1.0/27',
        existingNatGateways: [
          { availabilityZone: 'eu-west-1a', natGatewayId: 'nat-0a1b2c3d', publicIp: '52.30.1.1' },
        ],
      },
      {},
      [
        'give either `publicEgress.subnetsCidrBlock` (new NAT gateways) or `publicEgress.existingNatGateways`, not both',
      ],
    ],
    [
      'the block overlaps the customer address pool',
      { subnetsCidrBlock: '10.0.128.0/27' },
      {},
      [
        '`publicEgress.subnetsCidrBlock` 10.0.128.0/27 overlaps the customer address pool 10.0.128.0/17; take it from another part of the VPC',
      ],
    ],
    [
      'the block overlaps the transit gateway attachment subnets',
      { subnetsCidrBlock: '10.0.0.0/27' },
      {},
      [
        "`publicEgress.subnetsCidrBlock` 10.0.0.0/27 overlaps 10.0.0.0/27, already used by the platform's other subnets (transit gateway attachments or interface endpoints)",
      ],
    ],
    [
      'the block is outside the VPC',
      { subnetsCidrBlock: '10.1.0.0/27' },
      {},
      ["`publicEgress.subnetsCidrBlock` 10.1.0.0/27 is not inside the VPC's CIDR blocks (10.0.0.0/16)"],
    ],
    [
      'the block is too small for a /28 per zone',
      { subnetsCidrBlock: '10.0.1.0/28' },
      {},
      [
        '`publicEgress.subnetsCidrBlock` 10.0.1.0/28 is too small for 2 public subnets of /28; use a /27 or larger',
      ],
    ],
    [
      'an internet gateway is named for a new VPC',
      { subnetsCidrBlock: '10.0.1.0/27', existingInternetGatewayId: 'igw-0a1b2c3d' },
      {},
      [
        '`publicEgress.existingInternetGatewayId` is only for `existingVpc`: the platform creates the internet gateway of its new VPC',
      ],
    ],
    [
      'the internet gateway id is malformed',
      { subnetsCidrBlock: '10.0.1.0/27', existingInternetGatewayId: 'gw-1' },
      { vpcProps: undefined, existingVpc: { vpcId: 'vpc-0a1b2c3d', cidrBlocks: ['10.0.0.0/16'] } },
      [
        '`publicEgress.existingInternetGatewayId` "gw-1" is not an internet gateway id (igw- followed by 8 or 17 hex digits)',
      ],
    ],
    [
      'existing NAT gateways miss a zone, name a foreign zone, a bad id and a private address',
      {
        existingNatGateways: [
          { availabilityZone: 'eu-west-1a', natGatewayId: 'nat-1', publicIp: '10.0.1.5' },
          { availabilityZone: 'eu-west-1c', natGatewayId: 'nat-0c1b2c3d', publicIp: '52.30.1.3' },
        ],
      },
      {},
      [
        '`publicEgress.existingNatGateways[0].natGatewayId` "nat-1" is not a NAT gateway id (nat- followed by 8 or 17 hex digits)',
        '`publicEgress.existingNatGateways[0].publicIp` "10.0.1.5" is not a public IPv4 address: give the NAT gateway\'s Elastic IP, the address customers allow',
        '`publicEgress.existingNatGateways[1].availabilityZone` "eu-west-1c" is not one of the platform\'s zones (eu-west-1a, eu-west-1b)',
        "`publicEgress.existingNatGateways` has no NAT gateway in eu-west-1b; give one per availability zone of the platform, so that each zone's customers leave through their own zone",
      ],
    ],
    [
      'a quota is not a whole number or unknown',
      { subnetsCidrBlock: '10.0.1.0/27', quotas: { elasticIpsPerRegion: 0, eips: 3 } as never },
      {},
      [
        '`publicEgress.quotas.elasticIpsPerRegion` 0 must be a whole number ≥ 1',
        '`publicEgress.quotas.eips` is not a quota of the public path (elasticIpsPerRegion, natGatewaysPerAvailabilityZone)',
      ],
    ],
  ])('fails when %s', (_, publicEgress, extra, problems) => {
    const error = validationErrorOf(() => platformWith(stackIn(), publicEgress, extra));

    expect(error.problems).toEqual(problems);
  });

  describe('quotas, checked at synth over the app', () => {
    const threeZones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
    function twoPlatforms(s: TerraformStack, quotas?: PublicEgressProps['quotas']): void {
      for (const [id, block, pool, vpc] of [
        ['P1', '10.0.1.0/26', '10.0.128.0/17', '10.0.0.0/16'],
        ['P2', '10.1.1.0/26', '10.1.128.0/17', '10.1.0.0/16'],
      ]) {
        platformWith(
          s,
          { subnetsCidrBlock: block, ...(quotas ? { quotas } : {}) },
          {
            name: id.toLowerCase(),
            vpcProps: { cidrBlock: vpc },
            customerAddressPool: pool,
            availabilityZones: threeZones,
            transitGateway: undefined,
          },
          id,
        ).usePublicEgress();
      }
    }

    test('fails when two platforms of a region need 6 Elastic IPs, over the default 5', () => {
      const s = stackIn();
      twoPlatforms(s);

      expect(synthProblems(s)).toEqual([
        "[stack/P1/PublicEgress] quota Elastic IP addresses per region: region eu-west-1 has 6 Elastic IPs of this app's public paths (one per platform and zone), over the quota of 5 (AWS's default); addresses the account already holds count too. ask AWS to raise it (Service Quotas, Amazon Elastic Compute Cloud (Amazon EC2)) and set `publicEgress.quotas.elasticIpsPerRegion` on the platform to the new value, or let the platforms of this region share existing NAT gateways (`publicEgress.existingNatGateways`)",
      ]);
    });

    test('GIVEN a raised Elastic IP quota THEN the same app passes', () => {
      const s = stackIn();
      twoPlatforms(s, { elasticIpsPerRegion: 10 });

      expect(synthProblems(s)).toEqual([]);
    });

    test('fails when a zone gets more NAT gateways than its declared quota', () => {
      const s = stackIn();
      twoPlatforms(s, { elasticIpsPerRegion: 10, natGatewaysPerAvailabilityZone: 1 });

      expect(synthProblems(s)).toEqual(
        threeZones.map(
          (zone) =>
            `[stack/P1/PublicEgress] quota NAT gateways per availability zone: ${zone} has 2 NAT gateways of this app's public paths, over the quota of 1 (declared in \`publicEgress.quotas\`). ask AWS to raise it (Service Quotas, Amazon Elastic Compute Cloud (Amazon EC2)) and set \`publicEgress.quotas.natGatewaysPerAvailabilityZone\` on the platform to the new value, or let the platforms of this region share existing NAT gateways (\`publicEgress.existingNatGateways\`)`,
        ),
      );
    });

    test('GIVEN one platform of two zones THEN the default quotas are not reached', () => {
      const s = stackIn();
      platformWith(s, NEW_EGRESS).usePublicEgress();

      expect(synthProblems(s)).toEqual([]);
    });
  });
});
