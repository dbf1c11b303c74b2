import type { Partition } from '../shared/partition';
import type { PlatformQuotas } from './quotas';
import { DEFAULT_AMAZON_SIDE_ASN } from './platform-defaults';

/**
 * A gateway platform that is deployed already (in another stack or repository), described by its ids:
 * what `GatewayPlatform.fromAttributes` takes, and what a platform publishes in its
 * `<name>_platform_attributes` output (`terraform output -json <name>_platform_attributes`).
 */
export interface GatewayPlatformAttributes {
  /** The platform's name, as given to the platform: part of every customer's resource names. */
  readonly name: string;
  /** The VPC id, e.g. `vpc-0a1b2c3d4e5f60718`. */
  readonly vpcId: string;
  /** Every IPv4 CIDR block of the VPC (literal: the register checks on-prem ranges against them). */
  readonly vpcCidrBlocks: string[];
  /** The customer address pool (literal: the register checks every customer's block against it). */
  readonly customerAddressPool: string;
  /** The availability zones customers' subnets may use (literal, at least two). */
  readonly availabilityZones: string[];
  /** The SNS topic every alarm notifies. */
  readonly alarmTopicArn: string;
  /**
   * The platform's tags, added to every customer resource.
   * @default - only the standard tags
   */
  readonly tags?: Record<string, string>;
  /**
   * The virtual private gateway, when the platform offers one.
   * @default - no virtual private gateway
   */
  readonly vpnGateway?: {
    /** e.g. `vgw-0a1b2c3d4e5f60718` */
    readonly vpnGatewayId: string;
    /** @default 64512 */
    readonly amazonSideAsn?: number;
  };
  /**
   * The transit gateway side, when the platform offers one.
   * @default - no transit gateway
   */
  readonly transitGateway?: {
    /** e.g. `tgw-0a1b2c3d4e5f60718` */
    readonly transitGatewayId: string;
    /** The VPC attachment, e.g. `tgw-attach-0a1b2c3d4e5f60718`. */
    readonly vpcAttachmentId: string;
    /** The platform's TGW route table associated with the VPC attachment, e.g. `tgw-rtb-0a1b2c3d4e5f60718`. */
    readonly vpcRouteTableId: string;
    /** @default 64512 */
    readonly amazonSideAsn?: number;
  };
  /**
   * The security group of the platform's interface endpoints (Secrets Manager): the gateway functions'
   * egress on 443 goes to it only.
   * @default - egress on 443 to the VPC's blocks
   */
  readonly endpointsSecurityGroupId?: string;
  /**
   * The blocks of the interface endpoints' subnets: the customers' network ACLs open 443 to these only.
   * @default - the VPC's blocks (the ACL opens 443 to the whole VPC)
   */
  readonly endpointSubnetCidrBlocks?: string[];
  /**
   * The platform's partition.
   * @default - from the region of `availabilityZones`
   */
  readonly partition?: Partition;
  /**
   * The account's quotas as the platform declares them (see `GatewayPlatformProps.quotas`).
   * @default - AWS's defaults
   */
  readonly quotas?: PlatformQuotas;
}

/** The Amazon-side ASN of an attribute, or the default. */
export function amazonSideAsnOf(value: number | undefined): number {
  return value ?? DEFAULT_AMAZON_SIDE_ASN;
}
