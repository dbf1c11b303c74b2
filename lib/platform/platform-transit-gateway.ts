/** The platform's transit gateway side: a new or existing TGW, its VPC attachment and the platform's route table. */
import { Construct } from 'constructs';
import { Ec2TransitGateway } from '@cdktf/provider-aws/lib/ec2-transit-gateway';
import { Ec2TransitGatewayRouteTable } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table';
import { Ec2TransitGatewayRouteTableAssociation } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table-association';
import { Ec2TransitGatewayVpcAttachment } from '@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import type { Cidr } from '../shared/cidr';
import { standardTags } from '../shared/names';
import type { PlatformTransitGateway, TransitGatewayProps } from './gateway-platform';
import { DEFAULT_AMAZON_SIDE_ASN, TRANSIT_GATEWAY_DEFAULTS } from './platform-defaults';

/** What the transit gateway side needs to know of its platform. */
export interface PlatformTransitGatewayContext {
  readonly platformName: string;
  readonly vpcId: string;
  readonly availabilityZones: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** The /28 attachment subnets to create (from `attachmentSubnetsCidrBlock`), one per zone. */
  readonly attachmentSubnetBlocks?: readonly Cidr[];
}

/**
 * Creates, in `platform`'s `TransitGateway` scope, the transit gateway (unless it exists), the attachment
 * subnets (unless given), the VPC attachment (no default route table association or propagation) and the
 * platform's route table associated with it.
 */
export function createPlatformTransitGateway(
  platform: Construct,
  props: TransitGatewayProps,
  context: PlatformTransitGatewayContext,
): PlatformTransitGateway {
  const { platformName: name, vpcId } = context;
  const tags = (tagName: string) => standardTags(name, tagName, context.tags);
  const scope = new Construct(platform, 'TransitGateway');
  const amazonSideAsn = props.amazonSideAsn ?? DEFAULT_AMAZON_SIDE_ASN;
  let transitGateway: Ec2TransitGateway | undefined;
  let transitGatewayId: string;
  if (props.existingTransitGatewayId) {
    transitGatewayId = props.existingTransitGatewayId;
  } else {
    transitGateway = new Ec2TransitGateway(scope, 'Resource', {
      ...TRANSIT_GATEWAY_DEFAULTS,
      amazonSideAsn,
      description: `backend-link platform ${name}: one route table per customer`,
      tags: tags(`${name}-tgw`),
    });
    transitGatewayId = transitGateway.id;
  }

  const blocks = context.attachmentSubnetBlocks;
  const subnetIds = blocks
    ? context.availabilityZones.map(
        (availabilityZone, index) =>
          new Subnet(scope, `AttachmentSubnet-${availabilityZone}`, {
            vpcId,
            availabilityZone,
            cidrBlock: blocks[index].text,
            mapPublicIpOnLaunch: false,
            tags: tags(`${name}-tgw-attachment-${availabilityZone}`),
          }).id,
      )
    : [...(props.existingAttachmentSubnetIds ?? [])];

  const vpcAttachment = new Ec2TransitGatewayVpcAttachment(scope, 'VpcAttachment', {
    transitGatewayId,
    vpcId,
    subnetIds,
    dnsSupport: 'enable',
    // Required: the attachment must not join (or feed) the TGW's default route table.
    transitGatewayDefaultRouteTableAssociation: false,
    transitGatewayDefaultRouteTablePropagation: false,
    tags: tags(`${name}-tgw-vpc`),
  });
  const vpcRouteTable = new Ec2TransitGatewayRouteTable(scope, 'VpcRouteTable', {
    transitGatewayId,
    tags: tags(`${name}-tgw-vpc`),
  });
  new Ec2TransitGatewayRouteTableAssociation(scope, 'VpcRouteTableAssociation', {
    transitGatewayAttachmentId: vpcAttachment.id,
    transitGatewayRouteTableId: vpcRouteTable.id,
    // An existing TGW may associate new attachments with its default route table: replace that.
    ...(props.existingTransitGatewayId ? { replaceExistingAssociation: true } : {}),
  });
  return {
    transitGatewayId,
    existing: props.existingTransitGatewayId !== undefined,
    amazonSideAsn,
    vpcAttachmentId: vpcAttachment.id,
    vpcRouteTableId: vpcRouteTable.id,
    attachedTransitGatewayId: vpcAttachment.transitGatewayId,
    transitGateway,
    vpcAttachment,
  };
}
