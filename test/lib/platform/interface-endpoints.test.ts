import { Testing } from 'cdktf';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib';
import { testStack, validationErrorOf } from '../../support/constructs';

const base: GatewayPlatformProps = {
  name: 'apicloud',
  vpcProps: { cidrBlock: '10.40.0.0/16' },
  customerAddressPool: '10.40.128.0/17',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  interfaceEndpoints: { subnetsCidrBlock: '10.40.1.0/27' },
};

describe('GatewayPlatform interface endpoints', () => {
  const synthesized = Testing.synthScope((scope) => void new GatewayPlatform(scope, 'Platform', base));
  const json = JSON.parse(synthesized);

  it('creates a Secrets Manager interface endpoint with private DNS, in the region of the zones', () => {
    expect(synthesized).toHaveResourceWithProperties(VpcEndpoint, {
      service_name: 'com.amazonaws.eu-west-1.secretsmanager',
      vpc_endpoint_type: 'Interface',
      private_dns_enabled: true,
    });
  });

  it('carves one /28 endpoint subnet per zone from the given block', () => {
    const subnets = Object.values(json.resource.aws_subnet) as Array<Record<string, unknown>>;
    expect(subnets.map((s) => [s.availability_zone, s.cidr_block])).toEqual([
      ['eu-west-1a', '10.40.1.0/28'],
      ['eu-west-1b', '10.40.1.16/28'],
    ]);
  });

  it('admits HTTPS from the whole VPC, since private DNS sends every workload of the VPC to the endpoints', () => {
    const rules = Object.values(json.resource.aws_vpc_security_group_ingress_rule) as Array<
      Record<string, unknown>
    >;
    expect(rules.map((r) => [r.cidr_ipv4, r.from_port, r.to_port])).toEqual([['10.40.0.0/16', 443, 443]]);
    expect(json.resource.aws_vpc_security_group_egress_rule).toBeUndefined();
  });

  it('keeps Secrets Manager working for workloads outside the platform in every block of an existing VPC', () => {
    // GIVEN an existing VPC with a secondary block, the customer pool in the secondary one
    const platform = new GatewayPlatform(testStack(), 'Platform', {
      ...base,
      vpcProps: undefined,
      existingVpc: { vpcId: 'vpc-0123456789abcdef0', cidrBlocks: ['10.0.0.0/16', '10.40.0.0/16'] },
    });
    const synthesized = JSON.parse(Testing.synth(platform.node.scope as never));
    // THEN both blocks reach the endpoints on 443 (not only the customer pool 10.40.128.0/17)
    const rules = Object.values(synthesized.resource.aws_vpc_security_group_ingress_rule) as Array<
      Record<string, unknown>
    >;
    expect(rules.map((r) => [r.cidr_ipv4, r.from_port, r.to_port])).toEqual([
      ['10.0.0.0/16', 443, 443],
      ['10.40.0.0/16', 443, 443],
    ]);
  });

  it('knows the endpoint subnets’ blocks: carved, or declared for existing subnets', () => {
    const carved = new GatewayPlatform(testStack(), 'Platform', base);
    expect(carved.interfaceEndpoints!.subnetCidrBlocks).toEqual(['10.40.1.0/28', '10.40.1.16/28']);
    const declared = new GatewayPlatform(testStack(), 'Platform', {
      ...base,
      interfaceEndpoints: {
        existingSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        existingSubnetCidrBlocks: ['10.40.2.0/28', '10.40.2.16/28'],
      },
    });
    expect(declared.interfaceEndpoints!.subnetCidrBlocks).toEqual(['10.40.2.0/28', '10.40.2.16/28']);
    const unknown = new GatewayPlatform(testStack(), 'Platform', {
      ...base,
      interfaceEndpoints: { existingSubnetIds: ['subnet-0123456789abcdef0'] },
    });
    expect(unknown.interfaceEndpoints!.subnetCidrBlocks).toBeUndefined();
  });

  it('exposes the endpoints’ security group for the gateway functions’ egress', () => {
    const platform = new GatewayPlatform(testStack(), 'Platform', {
      ...base,
      interfaceEndpoints: {
        existingSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        services: ['secretsmanager', 'kms'],
      },
    });
    expect(Object.keys(platform.interfaceEndpoints!.endpoints)).toEqual(['secretsmanager', 'kms']);
    expect(platform.interfaceEndpoints!.securityGroup.id).toMatch(/^\$\{TfToken/);
  });

  test.each<[string, GatewayPlatformProps['interfaceEndpoints'], string[]]>([
    [
      'both subnet props are given',
      { subnetsCidrBlock: '10.40.1.0/27', existingSubnetIds: ['subnet-0123456789abcdef0'] },
      [
        'give either `interfaceEndpoints.subnetsCidrBlock` or `interfaceEndpoints.existingSubnetIds`, not both',
      ],
    ],
    [
      'neither subnet prop is given',
      {},
      [
        'give `interfaceEndpoints.subnetsCidrBlock` (new /28 endpoint subnets) or `interfaceEndpoints.existingSubnetIds`',
      ],
    ],
    [
      'the block overlaps the pool',
      { subnetsCidrBlock: '10.40.200.0/27' },
      [
        '`interfaceEndpoints.subnetsCidrBlock` 10.40.200.0/27 overlaps the customer address pool 10.40.128.0/17; take it from another part of the VPC',
      ],
    ],
    [
      'the block is outside the VPC',
      { subnetsCidrBlock: '10.41.0.0/27' },
      [
        "`interfaceEndpoints.subnetsCidrBlock` 10.41.0.0/27 is not inside the VPC's CIDR blocks (10.40.0.0/16)",
      ],
    ],
    [
      'the block is too small',
      { subnetsCidrBlock: '10.40.1.0/28' },
      ['`interfaceEndpoints.subnetsCidrBlock` 10.40.1.0/28 is too small for 2 endpoint subnets of /28'],
    ],
    [
      'a subnet id is malformed',
      { existingSubnetIds: ['subnet-xyz'] },
      [
        '`interfaceEndpoints.existingSubnetIds[0]` "subnet-xyz" is not a subnet id (subnet- followed by 8 or 17 hex digits)',
      ],
    ],
    [
      'existing subnet blocks are given without existing subnets',
      { subnetsCidrBlock: '10.40.1.0/27', existingSubnetCidrBlocks: ['10.40.2.0/28'] },
      [
        '`interfaceEndpoints.existingSubnetCidrBlocks` describes `interfaceEndpoints.existingSubnetIds`; give both',
      ],
    ],
    [
      'an existing subnet block lies in the customer pool',
      { existingSubnetIds: ['subnet-0123456789abcdef0'], existingSubnetCidrBlocks: ['10.40.130.0/28'] },
      [
        '`interfaceEndpoints.existingSubnetCidrBlocks[0]` 10.40.130.0/28 overlaps the customer address pool 10.40.128.0/17; endpoint subnets lie outside it',
      ],
    ],
    [
      'an existing subnet block is outside the VPC',
      { existingSubnetIds: ['subnet-0123456789abcdef0'], existingSubnetCidrBlocks: ['10.41.0.0/28'] },
      [
        "`interfaceEndpoints.existingSubnetCidrBlocks[0]` 10.41.0.0/28 is not inside the VPC's CIDR blocks (10.40.0.0/16)",
      ],
    ],
    [
      'a service is listed twice',
      { subnetsCidrBlock: '10.40.1.0/27', services: ['kms', 'kms'] },
      ['`interfaceEndpoints.services` lists "kms" twice'],
    ],
  ])('fails when %s', (_case, interfaceEndpoints, problems) => {
    const error = validationErrorOf(
      () => new GatewayPlatform(testStack(), 'Platform', { ...base, interfaceEndpoints }),
    );
    expect(error.problems).toEqual(problems);
    // Reported by the platform, which runs the endpoints' check before it creates anything (the endpoints
    // construct is never half-created), so one synth shows these with the platform's other problems.
    expect(error.constructPath).toBe('test/Platform');
  });
});
