/**
 * Pure checks of `GatewayPlatformProps`: every problem of the props at once, named as the user writes them
 * (`transitGateway.attachmentSubnetsCidrBlock`), with the value unless it may be a secret. The platform
 * runs them before it creates anything and reports them with `reportProblems`; its children's props
 * (`interfaceEndpoints`, `publicEgress`, `quotas`, `alarmSubscriptions`) are checked here too, so one synth
 * shows them all. Nothing here reads a construct: the stack's provider region is passed in.
 */
import { Cidr, cidrContains, cidrOverlaps, parseCidr, splitCidr } from '../shared/cidr';
import { checkName, checkTags } from '../shared/names';
import { PARTITIONS, isPartition, partitionOfRegion } from '../shared/partition';
import type { Problem } from '../shared/problems';
import { isUnresolved, missingProps, show } from '../shared/validation';
import { checkAlarmSubscriptions } from './alarm-subscriptions-checks';
import { ipv4Cidr } from './check-support';
import { problemOfSentence } from '../shared/problem-list';
import type { GatewayPlatformProps, TransitGatewayProps } from './gateway-platform';
import { analyseInterfaceEndpoints } from './interface-endpoints-checks';
import { AMAZON_SIDE_ASN_RANGES, TRANSIT_GATEWAY_ATTACHMENT_SUBNET_PREFIX } from './platform-defaults';
import { analysePublicEgress } from './public-egress-checks';
import { checkQuotas } from './quotas-checks';

/** What the checks know of the platform's surroundings. */
export interface GatewayPlatformCheckContext {
  /**
   * The region of the stack's default aws provider, when it is a literal: the zones must lie in it.
   * @default - not checked (a provider configured from the environment)
   */
  readonly providerRegion?: string;
}

/** The props, checked, with what the platform builds from them. */
export interface AnalysedPlatformProps {
  /** Every problem found, in the order a reader meets the props. */
  readonly problems: Problem[];
  /** The region (availability zone names are the region's name plus a letter: no data source needed). */
  readonly region: string;
  readonly pool?: Cidr;
  readonly vpcBlocks: Cidr[];
  /** The transit gateway's /28 attachment subnets, when created. */
  readonly attachmentSubnetBlocks?: Cidr[];
  /** The blocks the public path's subnets must stay clear of (endpoint and attachment blocks as given). */
  readonly publicEgressReservedBlocks: Cidr[];
}

/** Availability zone names: the region's name and a letter (`eu-west-1a`). */
const ZONE_NAME = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

const REQUIRED: readonly string[] = ['name', 'customerAddressPool', 'availabilityZones'];

/** Every problem of `props` (see {@link analyseGatewayPlatformProps}). */
export function checkGatewayPlatformProps(
  props: GatewayPlatformProps,
  context: GatewayPlatformCheckContext = {},
): Problem[] {
  return analyseGatewayPlatformProps(props, context).problems;
}

/** Checks `props` and works out what the platform builds from them (blocks, region). */
export function analyseGatewayPlatformProps(
  props: GatewayPlatformProps,
  context: GatewayPlatformCheckContext = {},
): AnalysedPlatformProps {
  // JavaScript callers without the required props: report them alone (the rest would only follow from them).
  const missing = missingProps(props, REQUIRED);
  if (missing.length > 0) {
    return { problems: missing, region: 'unknown', vpcBlocks: [], publicEgressReservedBlocks: [] };
  }
  const problems: Problem[] = [];
  const nameProblem = checkName('name', props.name);
  if (nameProblem) problems.push(problemOfSentence(nameProblem));

  if (props.existingVpc && props.vpcProps) {
    problems.push({ prop: '', message: 'give either `existingVpc` or `vpcProps`, not both' });
  } else if (!props.existingVpc && !props.vpcProps) {
    problems.push({ prop: '', message: 'give `existingVpc` (an existing VPC) or `vpcProps` (a new VPC)' });
  }

  const vpcBlocks: Cidr[] = [];
  const declared = props.existingVpc
    ? props.existingVpc.cidrBlocks.map((value, i) => ({ prop: `existingVpc.cidrBlocks[${i}]`, value }))
    : props.vpcProps
      ? [{ prop: 'vpcProps.cidrBlock', value: props.vpcProps.cidrBlock }]
      : [];
  if (props.existingVpc && props.existingVpc.cidrBlocks.length === 0) {
    problems.push({ prop: 'existingVpc.cidrBlocks', message: "is empty; list the VPC's IPv4 CIDR blocks" });
  }
  const vpcId = props.existingVpc?.vpcId;
  if (vpcId !== undefined && !isUnresolved(vpcId) && !/^vpc-[0-9a-f]{8,17}$/.test(vpcId)) {
    problems.push({
      prop: 'existingVpc.vpcId',
      value: vpcId,
      message: 'is not a VPC id (vpc- followed by 8 or 17 hex digits)',
    });
  }
  for (const { prop, value } of declared) {
    if (isUnresolved(value)) continue;
    const cidr = ipv4Cidr(problems, prop, value);
    if (!cidr) continue;
    if (cidr.prefixLength < 16 || cidr.prefixLength > 28) {
      problems.push({ prop, message: `${cidr.text} must be between /16 and /28 (an AWS VPC limit)` });
    } else {
      vpcBlocks.push(cidr);
    }
  }
  const vpcText = vpcBlocks.map((b) => b.text).join(', ');

  let pool: Cidr | undefined;
  if (!isUnresolved(props.customerAddressPool)) {
    pool = ipv4Cidr(problems, 'customerAddressPool', props.customerAddressPool);
    if (
      pool &&
      vpcBlocks.length > 0 &&
      vpcBlocks.length === declared.length &&
      !vpcBlocks.some((b) => cidrContains(b, pool!))
    ) {
      problems.push({
        prop: 'customerAddressPool',
        message: `${pool.text} is not inside the VPC's CIDR blocks (${vpcText})`,
      });
    }
  }

  const zones = props.availabilityZones;
  problems.push(...checkZones(zones));
  const regions = [...new Set(wellFormedZones(zones).map((z) => z.slice(0, -1)))];
  if (regions.length > 1) {
    problems.push({
      prop: 'availabilityZones',
      message: `spans regions ${regions.join(', ')}; a platform lives in one region (one platform per region)`,
    });
  }
  const region = regions[0] ?? 'unknown';
  if (props.partition !== undefined && !isPartition(props.partition)) {
    problems.push({
      prop: 'partition',
      value: props.partition,
      message: `is not one of ${PARTITIONS.join(', ')}`,
    });
  } else if (props.partition !== undefined && regions[0] && partitionOfRegion(region) !== props.partition) {
    problems.push({
      prop: 'partition',
      value: props.partition,
      message: `does not match region ${region} of \`availabilityZones\`, which is in ${partitionOfRegion(region)}`,
    });
  }
  problems.push(...checkQuotas(props.quotas));
  problems.push(
    ...checkAlarmSubscriptions(
      props.alarmSubscriptions ?? [],
      props.partition && isPartition(props.partition) ? props.partition : partitionOfRegion(region),
    ),
  );
  problems.push(...checkTags('tags', props.tags).map(problemOfSentence));

  problems.push(...checkAmazonSideAsn('vpnGateway.amazonSideAsn', props.vpnGateway?.amazonSideAsn));
  let attachmentSubnetBlocks: Cidr[] | undefined;
  const tgw = props.transitGateway;
  if (tgw) {
    const checked = checkTransitGateway(tgw, { vpcBlocks, pool, zones });
    problems.push(...checked.problems);
    attachmentSubnetBlocks = checked.blocks;
  }

  // The public path's subnets stay clear of the endpoint and attachment subnets, as given.
  const publicEgressReservedBlocks = [
    props.interfaceEndpoints?.subnetsCidrBlock,
    tgw?.attachmentSubnetsCidrBlock,
  ].flatMap((text) => (text !== undefined && !isUnresolved(text) ? (parseCidr(text) ?? []) : []));
  if (props.publicEgress) {
    problems.push(
      ...analysePublicEgress(props.publicEgress, {
        newVpc: props.vpcProps !== undefined,
        vpcBlocks,
        customerAddressPool: pool,
        reservedBlocks: publicEgressReservedBlocks,
        availabilityZones: zones,
      }).problems,
    );
  }

  const topicArn = props.existingAlarmTopicArn;
  if (
    topicArn !== undefined &&
    !isUnresolved(topicArn) &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn)
  ) {
    problems.push({
      prop: 'existingAlarmTopicArn',
      value: topicArn,
      message: 'is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    });
  }
  problems.push(...checkProviderRegion(zones, context.providerRegion));

  if (props.interfaceEndpoints) {
    problems.push(
      ...analyseInterfaceEndpoints(props.interfaceEndpoints, {
        vpcBlocks,
        customerAddressPool: pool,
        reservedBlocks: attachmentSubnetBlocks ?? [],
        availabilityZones: zones,
      }).problems,
    );
  }
  return { problems, region, pool, vpcBlocks, attachmentSubnetBlocks, publicEgressReservedBlocks };
}

function wellFormedZones(zones: readonly string[]): string[] {
  return zones.filter((z) => !isUnresolved(z) && ZONE_NAME.test(z));
}

function checkZones(zones: readonly string[]): Problem[] {
  const prop = 'availabilityZones';
  const problems: Problem[] = [];
  if (zones.length < 2) {
    problems.push({
      prop,
      message: `lists ${zones.length}; give at least two for a highly available load balancer`,
    });
  }
  const seen = new Set<string>();
  for (const zone of zones) {
    if (isUnresolved(zone)) continue;
    if (!ZONE_NAME.test(zone)) {
      problems.push({
        prop,
        message: `entry ${show(zone)} is not an availability zone name such as "eu-west-1a"`,
      });
    }
    if (seen.has(zone)) problems.push({ prop, message: `lists ${show(zone)} twice` });
    seen.add(zone);
  }
  return problems;
}

/**
 * The zones must be in the region of the stack's default aws provider, when that region is a literal
 * (a provider configured from the environment, or created after the platform, can not be checked).
 */
function checkProviderRegion(zones: readonly string[], region: string | undefined): Problem[] {
  if (region === undefined || isUnresolved(region)) return [];
  const elsewhere = wellFormedZones(zones).filter((z) => z.slice(0, -1) !== region);
  if (elsewhere.length === 0) return [];
  return [
    {
      prop: 'availabilityZones',
      message: `${elsewhere.map(show).join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} not in ${region}, the region of the stack's aws provider; give zones of ${region} (e.g. "${region}a")`,
    },
  ];
}

function checkAmazonSideAsn(prop: string, value: number | undefined): Problem[] {
  if (value === undefined || isUnresolved(value)) return [];
  if (Number.isInteger(value) && AMAZON_SIDE_ASN_RANGES.some(([lo, hi]) => value >= lo && value <= hi))
    return [];
  return [
    {
      prop,
      value,
      message: 'is not a private ASN AWS accepts for its side (64512-65534 or 4200000000-4294967294)',
    },
  ];
}

function checkTransitGateway(
  tgw: TransitGatewayProps,
  platform: { vpcBlocks: readonly Cidr[]; pool?: Cidr; zones: readonly string[] },
): { problems: Problem[]; blocks?: Cidr[] } {
  const problems = checkAmazonSideAsn('transitGateway.amazonSideAsn', tgw.amazonSideAsn);
  const propagation = tgw.existingDefaultRouteTablePropagation;
  const propagationProp = 'transitGateway.existingDefaultRouteTablePropagation';
  if (tgw.existingTransitGatewayId === undefined && propagation !== undefined) {
    problems.push({
      prop: propagationProp,
      message: 'applies to an existing transit gateway only; the new one has propagation disabled',
    });
  } else if (tgw.existingTransitGatewayId !== undefined && propagation === undefined) {
    problems.push({
      prop: propagationProp,
      message:
        "is required with `existingTransitGatewayId`: declare the transit gateway's DefaultRouteTablePropagation ('disable' is required; check it with `aws ec2 describe-transit-gateways`)",
    });
  } else if (propagation === 'enable') {
    problems.push({
      prop: propagationProp,
      message:
        "is 'enable': every customer's VPN attachment would propagate its on-premises routes into the transit gateway's default route table, and every attachment associated with that table (other VPCs, other customers) would learn them. Turn it off (`aws ec2 modify-transit-gateway --transit-gateway-id <id> --options DefaultRouteTablePropagation=disable`) and declare 'disable', or let the platform create its own transit gateway",
    });
  } else if (propagation !== undefined && propagation !== 'disable') {
    problems.push({ prop: propagationProp, value: propagation, message: "must be 'disable' or 'enable'" });
  }
  const id = tgw.existingTransitGatewayId;
  if (id !== undefined && !isUnresolved(id) && !/^tgw-[0-9a-f]{8,17}$/.test(id)) {
    problems.push({
      prop: 'transitGateway.existingTransitGatewayId',
      value: id,
      message: 'is not a transit gateway id (tgw- followed by 8 or 17 hex digits)',
    });
  }
  const cidrText = tgw.attachmentSubnetsCidrBlock;
  const existing = tgw.existingAttachmentSubnetIds;
  let blocks: Cidr[] | undefined;
  if (cidrText !== undefined && existing !== undefined) {
    problems.push({
      prop: '',
      message:
        'give either `transitGateway.attachmentSubnetsCidrBlock` or `transitGateway.existingAttachmentSubnetIds`, not both',
    });
  } else if (cidrText === undefined && existing === undefined) {
    problems.push({
      prop: '',
      message:
        'give `transitGateway.attachmentSubnetsCidrBlock` (new /28 attachment subnets) or `transitGateway.existingAttachmentSubnetIds`',
    });
  } else if (existing !== undefined) {
    const prop = 'transitGateway.existingAttachmentSubnetIds';
    if (existing.length === 0) {
      problems.push({ prop, message: 'is empty; give one subnet per availability zone' });
    }
    for (const subnetId of existing) {
      if (!isUnresolved(subnetId) && !/^subnet-[0-9a-f]{8,17}$/.test(subnetId)) {
        problems.push({
          prop,
          message: `entry ${show(subnetId)} is not a subnet id (subnet- followed by 8 or 17 hex digits)`,
        });
      }
    }
  } else if (cidrText !== undefined && !isUnresolved(cidrText)) {
    const prop = 'transitGateway.attachmentSubnetsCidrBlock';
    const block = ipv4Cidr(problems, prop, cidrText);
    const { vpcBlocks, pool, zones } = platform;
    if (!block) {
      // ipv4Cidr recorded the problem
    } else if (vpcBlocks.length > 0 && !vpcBlocks.some((b) => cidrContains(b, block))) {
      problems.push({
        prop,
        message: `${block.text} is not inside the VPC's CIDR blocks (${vpcBlocks.map((b) => b.text).join(', ')})`,
      });
    } else if (pool && cidrOverlaps(pool, block)) {
      problems.push({
        prop,
        message: `${block.text} overlaps the customer address pool ${pool.text}; take it from another part of the VPC`,
      });
    } else {
      const prefix = TRANSIT_GATEWAY_ATTACHMENT_SUBNET_PREFIX;
      blocks = splitCidr(block, zones.length, prefix);
      if (!blocks) {
        problems.push({
          prop,
          message: `${block.text} is too small for ${zones.length} attachment subnets of /${prefix}; use a /${prefix - Math.ceil(Math.log2(Math.max(zones.length, 1)))} or larger`,
        });
      }
    }
  }
  return { problems, blocks };
}
