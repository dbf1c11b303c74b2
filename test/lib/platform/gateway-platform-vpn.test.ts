import { Testing } from 'cdktf';
import { Ec2TransitGateway } from '@cdktf/provider-aws/lib/ec2-transit-gateway';
import { Ec2TransitGatewayRouteTableAssociation } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table-association';
import { Ec2TransitGatewayVpcAttachment } from '@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { VpnGateway } from '@cdktf/provider-aws/lib/vpn-gateway';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib/platform/gateway-platform';
import { SiteToSiteVpn } from '../../../lib/vpn/site-to-site-vpn';
import {
  newCustomer,
  newPlatform,
  platformProps,
  resourcesOf,
  synth,
  validationErrorOf,
} from '../network-fixtures';

describe('GatewayPlatform VPN attachment point and alarm topic', () => {
  test('GIVEN a platform without attachment props WHEN synthesized THEN it has no VPN or transit gateway but has an encrypted alarm topic', () => {
    const { json } = synth((scope) => {
      new GatewayPlatform(
        scope,
        'Platform',
        platformProps({ vpnGateway: undefined, transitGateway: undefined }),
      );
    });
    expect(resourcesOf(json, 'aws_vpn_gateway')).toHaveLength(0);
    expect(resourcesOf(json, 'aws_ec2_transit_gateway')).toHaveLength(0);
    expect(resourcesOf(json, 'aws_sns_topic')).toHaveLength(1);
  });

  test('GIVEN vpnGateway {} WHEN synthesized THEN one VGW is attached to the VPC with the default Amazon-side ASN 64512', () => {
    const { text } = synth((scope) => {
      const platform = newPlatform(scope, { transitGateway: undefined });
      expect(platform.vpnAttachments).toEqual(['vpn-gateway']);
      expect(platform.vpnGateway?.amazonSideAsn).toBe(64512);
    });
    expect(text).toHaveResourceWithProperties(VpnGateway, {
      amazon_side_asn: '64512',
      vpc_id: '${aws_vpc.Platform_Vpc_B6B1DBBC.id}',
    });
  });

  test('GIVEN vpnGateway.amazonSideAsn 4200000001 WHEN synthesized THEN the VGW uses it', () => {
    const { text } = synth((scope) => {
      newPlatform(scope, { transitGateway: undefined, vpnGateway: { amazonSideAsn: 4200000001 } });
    });
    expect(text).toHaveResourceWithProperties(VpnGateway, { amazon_side_asn: '4200000001' });
  });

  test('GIVEN transitGateway with an attachment block WHEN synthesized THEN a new TGW without default route table association or propagation, /28 attachment subnets, the VPC attachment and the platform route table exist', () => {
    const { text, json } = synth((scope) => {
      newPlatform(scope, { vpnGateway: undefined });
    });
    expect(text).toHaveResourceWithProperties(Ec2TransitGateway, {
      amazon_side_asn: 64512,
      default_route_table_association: 'disable',
      default_route_table_propagation: 'disable',
      auto_accept_shared_attachments: 'disable',
    });
    expect(text).toHaveResourceWithProperties(Ec2TransitGatewayVpcAttachment, {
      transit_gateway_default_route_table_association: false,
      transit_gateway_default_route_table_propagation: false,
    });
    expect(text).toHaveResourceWithProperties(Subnet, {
      cidr_block: '10.0.0.0/28',
      availability_zone: 'eu-west-1a',
    });
    expect(text).toHaveResourceWithProperties(Subnet, {
      cidr_block: '10.0.0.16/28',
      availability_zone: 'eu-west-1b',
    });
    expect(resourcesOf(json, 'aws_ec2_transit_gateway_route_table')).toHaveLength(1);
    expect(text).toHaveResourceWithProperties(Ec2TransitGatewayRouteTableAssociation, {
      transit_gateway_attachment_id: expect.stringContaining('aws_ec2_transit_gateway_vpc_attachment.'),
    });
  });

  test('GIVEN an existing transit gateway and attachment subnets WHEN synthesized THEN no TGW or subnet is created and the attachment uses them', () => {
    const { text, json } = synth((scope) => {
      const platform = newPlatform(scope, {
        vpnGateway: undefined,
        transitGateway: {
          existingTransitGatewayId: 'tgw-0123456789abcdef0',
          existingDefaultRouteTablePropagation: 'disable',
          amazonSideAsn: 65100,
          existingAttachmentSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        },
      });
      expect(platform.transitGateway?.amazonSideAsn).toBe(65100);
    });
    expect(resourcesOf(json, 'aws_ec2_transit_gateway')).toHaveLength(0);
    expect(resourcesOf(json, 'aws_subnet')).toHaveLength(0);
    expect(text).toHaveResourceWithProperties(Ec2TransitGatewayVpcAttachment, {
      transit_gateway_id: 'tgw-0123456789abcdef0',
      subnet_ids: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
  });

  test('GIVEN no existingAlarmTopicArn WHEN synthesized THEN the alarm topic is encrypted with a rotating KMS key whose policy admits CloudWatch', () => {
    const { text, json } = synth((scope) => {
      newPlatform(scope);
    });
    expect(text).toHaveResourceWithProperties(KmsKey, {
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    expect(text).toHaveResourceWithProperties(SnsTopic, {
      name: 'plat-alarms',
      kms_master_key_id: expect.stringContaining('aws_kms_key.'),
    });
    const [policy] = resourcesOf(json, 'aws_kms_key_policy');
    expect(policy.policy).toContain('cloudwatch.amazonaws.com');
    expect(policy.policy).toContain('kms:GenerateDataKey*');
  });

  test('GIVEN existingAlarmTopicArn WHEN synthesized THEN no topic or key is created and alarms use the given ARN', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    const { json } = synth((scope) => {
      const platform = newPlatform(scope, { existingAlarmTopicArn: arn });
      expect(platform.alarmTopicArn).toBe(arn);
    });
    expect(resourcesOf(json, 'aws_sns_topic')).toHaveLength(0);
    expect(resourcesOf(json, 'aws_kms_key')).toHaveLength(0);
  });

  test('GIVEN both attachment points WHEN synthesized THEN it matches the snapshot', () => {
    const text = Testing.synthScope((scope) => {
      newPlatform(scope);
    });
    expect(text).toMatchSnapshot();
  });

  const bad: Array<[string, Partial<GatewayPlatformProps>, string]> = [
    [
      'the VGW Amazon-side ASN is public',
      { vpnGateway: { amazonSideAsn: 7224 } },
      '`vpnGateway.amazonSideAsn` 7224 is not a private ASN AWS accepts for its side (64512-65534 or 4200000000-4294967294)',
    ],
    [
      'the TGW id is malformed',
      {
        transitGateway: {
          existingTransitGatewayId: 'tgw-xyz',
          existingDefaultRouteTablePropagation: 'disable',
          attachmentSubnetsCidrBlock: '10.0.0.0/27',
        },
      },
      '`transitGateway.existingTransitGatewayId` "tgw-xyz" is not a transit gateway id (tgw- followed by 8 or 17 hex digits)',
    ],
    [
      'both attachment subnet options are given',
      {
        transitGateway: {
          attachmentSubnetsCidrBlock: '10.0.0.0/27',
          existingAttachmentSubnetIds: ['subnet-0123456789abcdef0'],
        },
      },
      'give either `transitGateway.attachmentSubnetsCidrBlock` or `transitGateway.existingAttachmentSubnetIds`, not both',
    ],
    [
      'neither attachment subnet option is given',
      { transitGateway: {} },
      'give `transitGateway.attachmentSubnetsCidrBlock` (new /28 attachment subnets) or `transitGateway.existingAttachmentSubnetIds`',
    ],
    [
      'the attachment block is outside the VPC',
      { transitGateway: { attachmentSubnetsCidrBlock: '10.1.0.0/27' } },
      "`transitGateway.attachmentSubnetsCidrBlock` 10.1.0.0/27 is not inside the VPC's CIDR blocks (10.0.0.0/16)",
    ],
    [
      'the attachment block overlaps the customer pool',
      { transitGateway: { attachmentSubnetsCidrBlock: '10.0.128.0/27' } },
      '`transitGateway.attachmentSubnetsCidrBlock` 10.0.128.0/27 overlaps the customer address pool 10.0.128.0/17; take it from another part of the VPC',
    ],
    [
      'the attachment block is too small for two /28 subnets',
      { transitGateway: { attachmentSubnetsCidrBlock: '10.0.0.0/28' } },
      '`transitGateway.attachmentSubnetsCidrBlock` 10.0.0.0/28 is too small for 2 attachment subnets of /28; use a /27 or larger',
    ],
    [
      'an existing attachment subnet id is malformed',
      { transitGateway: { existingAttachmentSubnetIds: ['subnet-1'] } },
      '`transitGateway.existingAttachmentSubnetIds` entry "subnet-1" is not a subnet id (subnet- followed by 8 or 17 hex digits)',
    ],
    [
      'the alarm topic ARN is not an SNS ARN',
      { existingAlarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:queue' },
      '`existingAlarmTopicArn` "arn:aws:sqs:eu-west-1:123456789012:queue" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    ],
  ];
  test.each(bad)('fails when %s', (_case, overrides, message) => {
    const error = validationErrorOf((scope) => {
      newPlatform(scope, overrides);
    });
    expect(error.problems).toEqual([message]);
    expect(error.constructPath).toBe('stack/Platform');
  });
});

describe('GatewayPlatform VPN register (validation across customers)', () => {
  const vpn = (
    scope: Parameters<typeof newCustomer>[0],
    platform: GatewayPlatform,
    name: string,
    n: number,
    onPremCidrs: string[],
    attachment: 'vpn-gateway' | 'transit-gateway',
  ) =>
    new SiteToSiteVpn(scope, `Vpn-${name}`, {
      subnets: newCustomer(scope, platform, name, n),
      customerGatewayIp: `85.214.10.${n + 1}`,
      onPremCidrs,
      attachment,
    });

  test('GIVEN ten customers on the VGW WHEN an eleventh is added THEN it fails naming the limit and suggesting transit gateway mode', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      for (let n = 0; n < 10; n++) vpn(scope, platform, `c${n}`, n, [`172.16.${n}.0/24`], 'vpn-gateway');
      vpn(scope, platform, 'c10', 10, ['172.16.10.0/24'], 'vpn-gateway');
    });
    expect(error.problems).toEqual([
      'platform "plat"\'s virtual private gateway already carries 10 VPN connections, the AWS limit of 10 per virtual private gateway; put customer "c10" on a transit gateway (give the platform `transitGateway` and the VPN `attachment: \'transit-gateway\'`)',
    ]);
  });

  test('GIVEN ten customers on the VGW WHEN an eleventh goes on the transit gateway THEN it is accepted', () => {
    const { json } = synth((scope) => {
      const platform = newPlatform(scope);
      for (let n = 0; n < 10; n++) vpn(scope, platform, `c${n}`, n, [`172.16.${n}.0/24`], 'vpn-gateway');
      vpn(scope, platform, 'c10', 10, ['172.16.10.0/24'], 'transit-gateway');
      expect(platform.vpnRegistrations).toHaveLength(11);
    });
    expect(resourcesOf(json, 'aws_vpn_connection')).toHaveLength(11);
  });

  test('fails when two customers on the VGW have overlapping on-prem ranges, naming both customers and both ranges', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      vpn(scope, platform, 'acme', 0, ['172.16.0.0/16'], 'vpn-gateway');
      vpn(scope, platform, 'globex', 1, ['172.16.5.0/24'], 'vpn-gateway');
    });
    expect(error.problems).toEqual([
      '`onPremCidrs` entry 172.16.5.0/24 of customer "globex" overlaps 172.16.0.0/16 of customer "acme" (stack/Vpn-acme): both use the virtual private gateway, whose routing is shared. Ask one customer to expose its backends under another range (NAT on its side), or put the two customers on different attachment points',
    ]);
  });

  test('fails when two customers on the transit gateway have overlapping on-prem ranges, explaining the single VPC attachment', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      vpn(scope, platform, 'acme', 0, ['172.16.0.0/16'], 'transit-gateway');
      vpn(scope, platform, 'globex', 1, ['172.16.0.0/16'], 'transit-gateway');
    });
    expect(error.problems).toEqual([
      '`onPremCidrs` entry 172.16.0.0/16 of customer "globex" overlaps 172.16.0.0/16 of customer "acme" (stack/Vpn-acme): both use the transit gateway, and its single VPC attachment looks every customer\'s on-premises ranges up in one route table. Ask one customer to expose its backends under another range (NAT on its side), or put the two customers on different attachment points',
    ]);
  });

  test('GIVEN overlapping on-prem ranges on different attachment points WHEN synthesized THEN both are accepted: each customer route table points at its own gateway', () => {
    const { json } = synth((scope) => {
      const platform = newPlatform(scope);
      vpn(scope, platform, 'acme', 0, ['172.16.0.0/16'], 'vpn-gateway');
      vpn(scope, platform, 'globex', 1, ['172.16.0.0/16'], 'transit-gateway');
    });
    const routes = resourcesOf(json, 'aws_route');
    expect(routes.map((r) => [r.destination_cidr_block, r.gateway_id ? 'vgw' : 'tgw'])).toEqual([
      ['172.16.0.0/16', 'vgw'],
      ['172.16.0.0/16', 'tgw'],
    ]);
  });

  test('fails when an on-prem range overlaps the VPC', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      vpn(scope, platform, 'acme', 0, ['10.0.0.0/8'], 'vpn-gateway');
    });
    expect(error.problems).toEqual([
      '`onPremCidrs` entry 10.0.0.0/8 of customer "acme" overlaps the VPC block 10.0.0.0/16 of platform "plat"; traffic to it would stay in the VPC. Ask the customer to expose the backends under a range outside 10.0.0.0/16 (e.g. with NAT on its side)',
    ]);
  });

  test('fails when two VPNs on the VGW use the same tunnel inside block', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      for (const [name, n] of [
        ['acme', 0],
        ['globex', 1],
      ] as const) {
        new SiteToSiteVpn(scope, `Vpn-${name}`, {
          subnets: newCustomer(scope, platform, name, n),
          customerGatewayIp: `85.214.10.${n + 1}`,
          onPremCidrs: [`172.16.${n}.0/24`],
          attachment: 'vpn-gateway',
          tunnel1: { insideCidr: '169.254.100.0/30' },
        });
      }
    });
    expect(error.problems).toEqual([
      'tunnel inside block 169.254.100.0/30 of customer "globex" is already used by customer "acme" on the same virtual private gateway; inside blocks must be unique across its VPN connections',
    ]);
  });

  test('fails when a customer gets a second VPN', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      const subnets = newCustomer(scope, platform, 'acme', 0);
      for (const id of ['First', 'Second']) {
        new SiteToSiteVpn(scope, id, {
          subnets,
          customerGatewayIp: '85.214.10.1',
          onPremCidrs: [id === 'First' ? '172.16.0.0/24' : '172.17.0.0/24'],
          attachment: 'vpn-gateway',
        });
      }
    });
    expect(error.problems).toEqual([
      'customer "acme" already has a VPN (stack/First); one SiteToSiteVpn per customer: list all its on-premises ranges in `onPremCidrs`',
    ]);
  });

  test('GIVEN both attachment points WHEN synthesized THEN the platform outputs the alarm topic, VGW and TGW ids', () => {
    const { json } = synth((scope) => {
      newPlatform(scope);
    });
    expect(Object.keys(json.output ?? {}).sort()).toEqual([
      // The platform's contract: what customers in other stacks read, there from the first apply.
      'cross-stack-output-localPlatform_Contract_FE204F84',
      'plat_alarm_topic_arn',
      'plat_platform_attributes',
      'plat_transit_gateway_id',
      'plat_vpc_id',
      'plat_vpn_gateway_id',
    ]);
  });

  test('fails when the platform lacks the requested attachment point', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope, { transitGateway: undefined });
      vpn(scope, platform, 'acme', 0, ['172.16.0.0/16'], 'transit-gateway');
    });
    expect(error.problems).toEqual([
      'platform "plat" has no transit gateway for customer "acme"; give the platform `transitGateway` or use `attachment: \'vpn-gateway\'`',
    ]);
  });
});
