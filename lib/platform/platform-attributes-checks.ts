/**
 * Pure checks of the attributes `GatewayPlatform.fromAttributes` takes (`platform-attributes.ts`). Ids may
 * be tokens (e.g. read from a remote state you manage) and are then not checked; the name, blocks, pool and
 * zones must be literal, because the register checks every customer against them at synth time.
 */
import { Cidr, cidrContains } from '../shared/cidr';
import { checkName } from '../shared/names';
import { PARTITIONS, isPartition, partitionOfRegion } from '../shared/partition';
import type { Problem } from '../shared/problems';
import { isUnresolved, show } from '../shared/validation';
import { ipv4Cidr } from './check-support';
import { problemOfSentence } from '../shared/problem-list';
import type { GatewayPlatformAttributes } from './platform-attributes';
import { AMAZON_SIDE_ASN_RANGES } from './platform-defaults';
import { checkQuotas } from './quotas-checks';

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

const ZONE_NAME = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

/** Every problem of the attributes, props named as in {@link GatewayPlatformAttributes}. */
export function checkPlatformAttributes(attributes: GatewayPlatformAttributes): Problem[] {
  return analysePlatformAttributes(attributes).problems;
}

/** The problems of the attributes and, when there are none, the attributes with their parsed blocks. */
export function analysePlatformAttributes(attributes: GatewayPlatformAttributes): {
  problems: Problem[];
  parsed?: ParsedPlatformAttributes;
} {
  const { problems, pool, vpcBlocks } = analyse(attributes);
  return problems.length > 0 || !pool ? { problems } : { problems, parsed: { attributes, pool, vpcBlocks } };
}

function analyse(a: GatewayPlatformAttributes): { problems: Problem[]; pool?: Cidr; vpcBlocks: Cidr[] } {
  const problems: Problem[] = [];
  const id = (prop: string, value: unknown, pattern: RegExp, what: string, example: string) => {
    if (isUnresolved(value)) return;
    if (typeof value !== 'string' || !pattern.test(value)) {
      problems.push({ prop, value, message: `is not ${what} (${example} followed by 8 or 17 hex digits)` });
    }
  };
  const literal = (prop: string, value: unknown): boolean => {
    if (!isUnresolved(value)) return true;
    problems.push({
      prop,
      message:
        "is a token; give it as a literal value: the platform's register checks every customer against it at synth time",
    });
    return false;
  };

  if (literal('name', a.name)) {
    const nameProblem = checkName('name', a.name);
    if (nameProblem) problems.push(problemOfSentence(nameProblem));
  }
  id('vpcId', a.vpcId, ID_PATTERNS.vpc, 'a VPC id', 'vpc-');

  const vpcBlocks: Cidr[] = [];
  if (!Array.isArray(a.vpcCidrBlocks) || a.vpcCidrBlocks.length === 0) {
    problems.push({ prop: 'vpcCidrBlocks', message: "is empty; list the VPC's IPv4 CIDR blocks" });
  } else {
    a.vpcCidrBlocks.forEach((value, i) => {
      const prop = `vpcCidrBlocks[${i}]`;
      if (!literal(prop, value)) return;
      const cidr = ipv4Cidr(problems, prop, value);
      if (!cidr) return;
      if (cidr.prefixLength < 16 || cidr.prefixLength > 28) {
        problems.push({ prop, message: `${cidr.text} must be between /16 and /28 (an AWS VPC limit)` });
      } else vpcBlocks.push(cidr);
    });
  }
  const vpcText = vpcBlocks.map((b) => b.text).join(', ');

  let pool: Cidr | undefined;
  if (literal('customerAddressPool', a.customerAddressPool)) {
    pool = ipv4Cidr(problems, 'customerAddressPool', a.customerAddressPool);
    if (pool && vpcBlocks.length > 0 && !vpcBlocks.some((b) => cidrContains(b, pool!))) {
      problems.push({
        prop: 'customerAddressPool',
        message: `${pool.text} is not inside the VPC's CIDR blocks (${vpcText})`,
      });
    }
  }

  const zones = Array.isArray(a.availabilityZones) ? a.availabilityZones : [];
  if (zones.length < 2) {
    problems.push({
      prop: 'availabilityZones',
      message: `lists ${zones.length}; give at least two for a highly available load balancer`,
    });
  }
  const seen = new Set<string>();
  zones.forEach((zone, i) => {
    if (!literal(`availabilityZones[${i}]`, zone)) return;
    if (!ZONE_NAME.test(zone)) {
      problems.push({
        prop: 'availabilityZones',
        message: `entry ${show(zone)} is not an availability zone name such as "eu-west-1a"`,
      });
    }
    if (seen.has(zone)) problems.push({ prop: 'availabilityZones', message: `lists ${show(zone)} twice` });
    seen.add(zone);
  });

  if (
    !isUnresolved(a.alarmTopicArn) &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(String(a.alarmTopicArn))
  ) {
    problems.push({
      prop: 'alarmTopicArn',
      value: a.alarmTopicArn,
      message: 'is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    });
  }

  const asn = (prop: string, value: number | undefined) => {
    if (value === undefined || isUnresolved(value)) return;
    if (!Number.isInteger(value) || !AMAZON_SIDE_ASN_RANGES.some(([lo, hi]) => value >= lo && value <= hi)) {
      problems.push({
        prop,
        value,
        message: 'is not a private ASN AWS accepts for its side (64512-65534 or 4200000000-4294967294)',
      });
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
    const cidr = ipv4Cidr(problems, prop, value);
    if (cidr && vpcBlocks.length > 0 && !vpcBlocks.some((b) => cidrContains(b, cidr))) {
      problems.push({ prop, message: `${cidr.text} is not inside the VPC's CIDR blocks (${vpcText})` });
    }
  });
  if (a.partition !== undefined) {
    const region = zones.find((z) => typeof z === 'string' && ZONE_NAME.test(z))?.slice(0, -1);
    if (!isPartition(a.partition)) {
      problems.push({
        prop: 'partition',
        value: a.partition,
        message: `is not one of ${PARTITIONS.join(', ')}`,
      });
    } else if (region && partitionOfRegion(region) !== a.partition) {
      problems.push({
        prop: 'partition',
        value: a.partition,
        message: `does not match region ${region} of \`availabilityZones\`, which is in ${partitionOfRegion(region)}`,
      });
    }
  }
  problems.push(...checkQuotas(a.quotas));
  return { problems, pool, vpcBlocks };
}
