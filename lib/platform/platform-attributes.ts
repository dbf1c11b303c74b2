import { Cidr, cidrContains } from '../shared/cidr';
import { checkName } from '../shared/names';
import { PARTITIONS, Partition, isPartition, partitionOfRegion } from '../shared/partition';
import { PlatformQuotas, checkQuotaValues } from './quotas';
import { Problems, checkIpv4Cidr, isUnresolved, show } from '../shared/validation';
import { AMAZON_SIDE_ASN_RANGES, DEFAULT_AMAZON_SIDE_ASN } from './platform-defaults';

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

/** The attributes, checked, with the parsed blocks the register needs. */
export interface ParsedPlatformAttributes {
  readonly attributes: GatewayPlatformAttributes;
  readonly pool: Cidr;
  readonly vpcBlocks: Cidr[];
}

const ID_PATTERNS = {
  vpc: /^vpc-[0-9a-f]{8,17}$/,
  vgw: /^vgw-[0-9a-f]{8,17}$/,
  tgw: /^tgw-[0-9a-f]{8,17}$/,
  attachment: /^tgw-attach-[0-9a-f]{8,17}$/,
  routeTable: /^tgw-rtb-[0-9a-f]{8,17}$/,
  sg: /^sg-[0-9a-f]{8,17}$/,
} as const;

/**
 * Checks the attributes of an existing platform. Ids may be tokens (e.g. read from a remote state you
 * manage) and are then not checked; the name, blocks, pool and zones must be literal, because the
 * register checks every customer against them at synth time. Records every problem in `problems`.
 */
export function parsePlatformAttributes(
  problems: Problems,
  attributes: GatewayPlatformAttributes,
): ParsedPlatformAttributes | undefined {
  const before = problems.count;
  const a = attributes;
  const id = (prop: string, value: unknown, pattern: RegExp, what: string, example: string) => {
    if (isUnresolved(value)) return;
    if (typeof value !== 'string' || !pattern.test(value)) {
      problems.add(`\`${prop}\` ${show(value)} is not ${what} (${example} followed by 8 or 17 hex digits)`);
    }
  };
  const literal = (prop: string, value: unknown): boolean => {
    if (!isUnresolved(value)) return true;
    problems.add(
      `\`${prop}\` is a token; give it as a literal value: the platform's register checks every customer against it at synth time`,
    );
    return false;
  };

  if (literal('name', a.name)) {
    const nameProblem = checkName('name', a.name);
    if (nameProblem) problems.add(nameProblem);
  }
  id('vpcId', a.vpcId, ID_PATTERNS.vpc, 'a VPC id', 'vpc-');

  const vpcBlocks: Cidr[] = [];
  if (!Array.isArray(a.vpcCidrBlocks) || a.vpcCidrBlocks.length === 0) {
    problems.add("`vpcCidrBlocks` is empty; list the VPC's IPv4 CIDR blocks");
  } else {
    a.vpcCidrBlocks.forEach((value, i) => {
      const prop = `vpcCidrBlocks[${i}]`;
      if (!literal(prop, value)) return;
      const cidr = checkIpv4Cidr(problems, prop, value);
      if (!cidr) return;
      if (cidr.prefixLength < 16 || cidr.prefixLength > 28) {
        problems.add(`\`${prop}\` ${cidr.text} must be between /16 and /28 (an AWS VPC limit)`);
      } else vpcBlocks.push(cidr);
    });
  }

  let pool: Cidr | undefined;
  if (literal('customerAddressPool', a.customerAddressPool)) {
    pool = checkIpv4Cidr(problems, 'customerAddressPool', a.customerAddressPool);
    if (pool && vpcBlocks.length > 0 && !vpcBlocks.some((b) => cidrContains(b, pool!))) {
      problems.add(
        `\`customerAddressPool\` ${pool.text} is not inside the VPC's CIDR blocks (${vpcBlocks.map((b) => b.text).join(', ')})`,
      );
    }
  }

  const zones = Array.isArray(a.availabilityZones) ? a.availabilityZones : [];
  if (zones.length < 2) {
    problems.add(
      `\`availabilityZones\` lists ${zones.length}; give at least two for a highly available load balancer`,
    );
  }
  const seen = new Set<string>();
  zones.forEach((zone, i) => {
    if (!literal(`availabilityZones[${i}]`, zone)) return;
    if (!/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(zone)) {
      problems.add(
        `\`availabilityZones\` entry ${show(zone)} is not an availability zone name such as "eu-west-1a"`,
      );
    }
    if (seen.has(zone)) problems.add(`\`availabilityZones\` lists ${show(zone)} twice`);
    seen.add(zone);
  });

  if (
    !isUnresolved(a.alarmTopicArn) &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(String(a.alarmTopicArn))
  ) {
    problems.add(
      `\`alarmTopicArn\` ${show(a.alarmTopicArn)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
    );
  }

  const asn = (prop: string, value: number | undefined) => {
    if (value === undefined || isUnresolved(value)) return;
    if (!Number.isInteger(value) || !AMAZON_SIDE_ASN_RANGES.some(([lo, hi]) => value >= lo && value <= hi)) {
      problems.add(
        `\`${prop}\` ${show(value)} is not a private ASN AWS accepts for its side (64512-65534 or 4200000000-4294967294)`,
      );
    }
  };
  if (a.vpnGateway) {
    id(
      'vpnGateway.vpnGatewayId',
      a.vpnGateway.vpnGatewayId,
      ID_PATTERNS.vgw,
      'a virtual private gateway id',
      'vgw-',
    );
    asn('vpnGateway.amazonSideAsn', a.vpnGateway.amazonSideAsn);
  }
  if (a.transitGateway) {
    const t = a.transitGateway;
    id(
      'transitGateway.transitGatewayId',
      t.transitGatewayId,
      ID_PATTERNS.tgw,
      'a transit gateway id',
      'tgw-',
    );
    id(
      'transitGateway.vpcAttachmentId',
      t.vpcAttachmentId,
      ID_PATTERNS.attachment,
      'a transit gateway attachment id',
      'tgw-attach-',
    );
    id(
      'transitGateway.vpcRouteTableId',
      t.vpcRouteTableId,
      ID_PATTERNS.routeTable,
      'a transit gateway route table id',
      'tgw-rtb-',
    );
    asn('transitGateway.amazonSideAsn', t.amazonSideAsn);
  }
  if (a.endpointsSecurityGroupId !== undefined) {
    id('endpointsSecurityGroupId', a.endpointsSecurityGroupId, ID_PATTERNS.sg, 'a security group id', 'sg-');
  }
  (a.endpointSubnetCidrBlocks ?? []).forEach((value, i) => {
    const prop = `endpointSubnetCidrBlocks[${i}]`;
    if (!literal(prop, value)) return;
    const cidr = checkIpv4Cidr(problems, prop, value);
    if (cidr && vpcBlocks.length > 0 && !vpcBlocks.some((b) => cidrContains(b, cidr))) {
      problems.add(
        `\`${prop}\` ${cidr.text} is not inside the VPC's CIDR blocks (${vpcBlocks.map((b) => b.text).join(', ')})`,
      );
    }
  });
  if (a.partition !== undefined) {
    const region = zones
      .find((z) => typeof z === 'string' && /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(z))
      ?.slice(0, -1);
    if (!isPartition(a.partition)) {
      problems.add(`\`partition\` ${show(a.partition)} is not one of ${PARTITIONS.join(', ')}`);
    } else if (region && partitionOfRegion(region) !== a.partition) {
      problems.add(
        `\`partition\` ${show(a.partition)} does not match region ${region} of \`availabilityZones\`, which is in ${partitionOfRegion(region)}`,
      );
    }
  }
  checkQuotaValues(problems, a.quotas);
  if (problems.count > before || !pool) return undefined;
  return { attributes, pool, vpcBlocks };
}

/** The Amazon-side ASN of an attribute, or the default. */
export function amazonSideAsnOf(value: number | undefined): number {
  return value ?? DEFAULT_AMAZON_SIDE_ASN;
}
