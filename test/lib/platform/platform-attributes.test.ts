import { join } from 'node:path';
import { Testing } from 'cdktf';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  GatewayPlatformAttributes,
  SecretSource,
} from '../../../lib';
import { testStack, validationErrorOf } from '../../support/constructs';

const BUNDLE = join(__dirname, '..', 'runtime', 'fixtures', 'bundle');

const IMPORTED_PLATFORM: GatewayPlatformAttributes = {
  name: 'apicloud',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  vpcCidrBlocks: ['10.40.0.0/16'],
  customerAddressPool: '10.40.128.0/17',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:apicloud-alarms',
  tags: { team: 'api-platform' },
  vpnGateway: { vpnGatewayId: 'vgw-0a1b2c3d4e5f60718' },
  transitGateway: {
    transitGatewayId: 'tgw-0a1b2c3d4e5f60718',
    vpcAttachmentId: 'tgw-attach-0a1b2c3d4e5f60718',
    vpcRouteTableId: 'tgw-rtb-0a1b2c3d4e5f60718',
    amazonSideAsn: 64520,
  },
  endpointsSecurityGroupId: 'sg-0a1b2c3d4e5f60718',
  endpointSubnetCidrBlocks: ['10.40.0.32/28', '10.40.0.48/28'],
  partition: 'aws',
};

function customer(
  platform: GatewayPlatform,
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  return {
    platform,
    customerName: 'globex',
    accountId: '123456789012',
    cidrBlock: '10.40.129.0/24',
    vpn: {
      attachment: 'transit-gateway',
      customerGatewayIp: '91.198.174.192',
      onPremCidrs: ['192.168.50.0/24'],
    },
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    backend: { url: 'https://api.globex.internal/v2' },
    security: BackendSecurity.token({ token: SecretSource.fillAfterDeploy() }),
    runtime: { runtimeBundleDirectory: BUNDLE },
    ...override,
  };
}

type Json = { resource: Record<string, Record<string, Record<string, unknown>>>; data?: unknown };

describe('GatewayPlatform.fromAttributes', () => {
  test('GIVEN the ids of a deployed platform WHEN imported THEN it creates nothing and exposes them', () => {
    // GIVEN / WHEN
    const stack = testStack();
    const platform = GatewayPlatform.fromAttributes(stack, 'Platform', IMPORTED_PLATFORM);
    // THEN
    expect(platform.imported).toBe(true);
    expect(platform.vpcId).toBe('vpc-0a1b2c3d4e5f60718');
    expect(platform.vpnAttachments).toEqual(['vpn-gateway', 'transit-gateway']);
    expect(platform.vpnGateway).toEqual({ vpnGatewayId: 'vgw-0a1b2c3d4e5f60718', amazonSideAsn: 64512 });
    expect(platform.transitGateway?.amazonSideAsn).toBe(64520);
    expect(platform.endpointsSecurityGroupId).toBe('sg-0a1b2c3d4e5f60718');
    const json = JSON.parse(Testing.synth(stack)) as Partial<Json> & { output?: unknown };
    expect(json.resource).toBeUndefined();
    expect(json.output).toBeUndefined();
  });

  test('GIVEN an imported platform WHEN a customer is built on it THEN it uses the literal ids, no remote state and no depends_on', () => {
    // GIVEN
    const stack = testStack();
    const platform = GatewayPlatform.fromAttributes(stack, 'Platform', IMPORTED_PLATFORM);
    // WHEN
    new CustomerBackendLink(stack, 'Globex', customer(platform));
    // THEN
    const json = JSON.parse(Testing.synth(stack)) as Json;
    expect(json.data).toBeUndefined();
    const subnets = Object.values(json.resource.aws_subnet);
    expect(subnets.map((s) => s.vpc_id)).toEqual(['vpc-0a1b2c3d4e5f60718', 'vpc-0a1b2c3d4e5f60718']);
    expect(Object.values(json.resource.aws_route)).toEqual([
      expect.objectContaining({
        destination_cidr_block: '192.168.50.0/24',
        transit_gateway_id: 'tgw-0a1b2c3d4e5f60718',
      }),
    ]);
    expect(Object.values(json.resource.aws_route)[0]).not.toHaveProperty('depends_on');
    expect(Object.values(json.resource.aws_ec2_transit_gateway_route)).toContainEqual(
      expect.objectContaining({
        transit_gateway_route_table_id: 'tgw-rtb-0a1b2c3d4e5f60718',
        destination_cidr_block: '192.168.50.0/24',
      }),
    );
    expect(Object.values(json.resource.aws_vpc_security_group_egress_rule)).toContainEqual(
      expect.objectContaining({ referenced_security_group_id: 'sg-0a1b2c3d4e5f60718', from_port: 443 }),
    );
    expect(Object.values(json.resource.aws_cloudwatch_metric_alarm)[0]).toMatchObject({
      alarm_actions: ['arn:aws:sns:eu-west-1:123456789012:apicloud-alarms'],
    });
  });

  test('GIVEN an imported platform THEN its register still rejects overlapping customers', () => {
    const error = validationErrorOf(() => {
      const stack = testStack();
      const platform = GatewayPlatform.fromAttributes(stack, 'Platform', IMPORTED_PLATFORM);
      new CustomerBackendLink(stack, 'Globex', customer(platform));
      return new CustomerBackendLink(stack, 'Hooli', customer(platform, { customerName: 'hooli' }));
    });
    expect(error.constructPath).toBe('test/Hooli/Subnets');
    expect(error.problems).toEqual([
      '`cidrBlock` 10.40.129.0/24 of customer "hooli" overlaps 10.40.129.0/24 of customer "globex"; give each customer its own block in 10.40.128.0/17',
    ]);
  });

  test('GIVEN a created platform THEN its attributes output holds what fromAttributes takes', () => {
    const stack = testStack();
    const platform = new GatewayPlatform(stack, 'Platform', {
      name: 'apicloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      vpnGateway: {},
      transitGateway: { attachmentSubnetsCidrBlock: '10.40.0.0/27' },
      interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
    });
    const json = JSON.parse(Testing.synth(stack)) as { output: Record<string, { value: unknown }> };
    const value = json.output.apicloud_platform_attributes.value as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(
      Object.keys(IMPORTED_PLATFORM)
        .filter((k) => k !== 'tags')
        .sort(),
    );
    expect(value).toMatchObject({
      name: 'apicloud',
      vpcCidrBlocks: ['10.40.0.0/16'],
      customerAddressPool: '10.40.128.0/17',
      vpcId: expect.stringContaining('aws_vpc.'),
      transitGateway: {
        transitGatewayId: expect.stringContaining('aws_ec2_transit_gateway.'),
        vpcAttachmentId: expect.stringContaining('aws_ec2_transit_gateway_vpc_attachment.'),
        vpcRouteTableId: expect.stringContaining('aws_ec2_transit_gateway_route_table.'),
        amazonSideAsn: 64512,
      },
      endpointsSecurityGroupId: expect.stringContaining('aws_security_group.'),
    });
    expect(platform.attributes.name).toBe('apicloud');
  });

  test.each<[string, Partial<GatewayPlatformAttributes>, string[]]>([
    [
      'the ids are not AWS ids',
      {
        vpcId: 'vpc-123',
        vpnGateway: { vpnGatewayId: 'vpc-0a1b2c3d4e5f60718' },
        transitGateway: {
          transitGatewayId: 'tgw-xyz',
          vpcAttachmentId: 'tgw-0a1b2c3d4e5f60718',
          vpcRouteTableId: 'rtb-0a1b2c3d4e5f60718',
        },
        endpointsSecurityGroupId: 'sg-1',
      },
      [
        '`vpcId` "vpc-123" is not a VPC id (vpc- followed by 8 or 17 hex digits)',
        '`vpnGateway.vpnGatewayId` "vpc-0a1b2c3d4e5f60718" is not a virtual private gateway id (vgw- followed by 8 or 17 hex digits)',
        '`transitGateway.transitGatewayId` "tgw-xyz" is not a transit gateway id (tgw- followed by 8 or 17 hex digits)',
        '`transitGateway.vpcAttachmentId` "tgw-0a1b2c3d4e5f60718" is not a transit gateway attachment id (tgw-attach- followed by 8 or 17 hex digits)',
        '`transitGateway.vpcRouteTableId` "rtb-0a1b2c3d4e5f60718" is not a transit gateway route table id (tgw-rtb- followed by 8 or 17 hex digits)',
        '`endpointsSecurityGroupId` "sg-1" is not a security group id (sg- followed by 8 or 17 hex digits)',
      ],
    ],
    [
      'the pool is outside the VPC and the blocks are malformed',
      { vpcCidrBlocks: ['10.40.0.0/16', '10.48.0.0/12'], customerAddressPool: '10.60.0.0/17' },
      [
        '`vpcCidrBlocks[1]` 10.48.0.0/12 must be between /16 and /28 (an AWS VPC limit)',
        "`customerAddressPool` 10.60.0.0/17 is not inside the VPC's CIDR blocks (10.40.0.0/16)",
      ],
    ],
    [
      'no VPC block is listed',
      { vpcCidrBlocks: [] },
      ["`vpcCidrBlocks` is empty; list the VPC's IPv4 CIDR blocks"],
    ],
    [
      'the zones, name, topic and ASN are invalid',
      {
        name: 'API_Cloud',
        availabilityZones: ['eu-west-1a', 'eu-west-1a', 'mars'],
        alarmTopicArn: 'apicloud-alarms',
        vpnGateway: { vpnGatewayId: 'vgw-0a1b2c3d4e5f60718', amazonSideAsn: 65535 },
      },
      [
        '`name` "API_Cloud" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
        '`availabilityZones` lists "eu-west-1a" twice',
        '`availabilityZones` entry "mars" is not an availability zone name such as "eu-west-1a"',
        '`alarmTopicArn` "apicloud-alarms" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
        '`vpnGateway.amazonSideAsn` 65535 is not a private ASN AWS accepts for its side (64512-65534 or 4200000000-4294967294)',
      ],
    ],
    [
      'a single zone is given',
      { availabilityZones: ['eu-west-1a'] },
      ['`availabilityZones` lists 1; give at least two for a highly available load balancer'],
    ],
  ])('fails when %s', (_, override, problems) => {
    const error = validationErrorOf(() =>
      GatewayPlatform.fromAttributes(testStack(), 'Platform', { ...IMPORTED_PLATFORM, ...override }),
    );
    expect(error.constructPath).toBe('test/Platform');
    expect(error.problems).toEqual(problems);
  });

  test('fails when the pool is a token: the register needs it literal', () => {
    const stack = testStack();
    const token = new GatewayPlatform(stack, 'Real', {
      name: 'real',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    }).vpc!.cidrBlock;
    const error = validationErrorOf(() =>
      GatewayPlatform.fromAttributes(stack, 'Platform', { ...IMPORTED_PLATFORM, customerAddressPool: token }),
    );
    expect(error.problems).toEqual([
      "`customerAddressPool` is a token; give it as a literal value: the platform's register checks every customer against it at synth time",
    ]);
  });
});
