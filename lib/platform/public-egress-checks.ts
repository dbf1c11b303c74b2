/**
 * Pure checks of the platform's `publicEgress` (see `public-egress.ts`). The props are named as the user
 * writes them, on `GatewayPlatformProps` (`publicEgress.subnetsCidrBlock`): the platform is the only one
 * that builds the public path, from its own context.
 */
import { Cidr, cidrContains, cidrOverlaps, splitCidr } from '../shared/cidr';
import type { Problem } from '../shared/problems';
import { isPublicIpv4 } from '../shared/public-address';
import { isUnresolved } from '../shared/validation';
import { ipv4Cidr } from './check-support';
import {
  PUBLIC_EGRESS_QUOTA_DEFAULTS,
  PUBLIC_EGRESS_SUBNET_PREFIX,
  type PublicEgressContext,
  type PublicEgressProps,
} from './public-egress';

/** What the checks read of the platform. */
export type PublicEgressCheckContext = Omit<
  PublicEgressContext,
  'platformName' | 'vpcId' | 'tags' | 'publish'
>;

/** The problems of `publicEgress`, and the public subnets' blocks when they are created and sound. */
export function analysePublicEgress(
  props: PublicEgressProps,
  context: PublicEgressCheckContext,
): { problems: Problem[]; blocks?: Cidr[] } {
  const problems: Problem[] = [];
  const zones = context.availabilityZones;
  const { subnetsCidrBlock: blockText, existingNatGateways: existing } = props;
  for (const [name, value] of Object.entries(props.quotas ?? {}) as Array<[string, unknown]>) {
    const prop = `publicEgress.quotas.${name}`;
    if (!(name in PUBLIC_EGRESS_QUOTA_DEFAULTS)) {
      problems.push({
        prop,
        message: `is not a quota of the public path (${Object.keys(PUBLIC_EGRESS_QUOTA_DEFAULTS).join(', ')})`,
      });
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.push({ prop, value, message: 'must be a whole number ≥ 1' });
    }
  }
  problems.push(...checkPorts(props.ports));
  problems.push(...checkExistingElasticIps(props, zones));
  const gateway = props.existingInternetGatewayId;
  if (gateway !== undefined) {
    const prop = 'publicEgress.existingInternetGatewayId';
    if (context.newVpc) {
      problems.push({
        prop,
        message: 'is only for `existingVpc`: the platform creates the internet gateway of its new VPC',
      });
    } else if (existing !== undefined) {
      problems.push({
        prop,
        message: 'is not needed with `publicEgress.existingNatGateways`: nothing new is created',
      });
    } else if (!isUnresolved(gateway) && !/^igw-[0-9a-f]{8,17}$/.test(gateway)) {
      problems.push({
        prop,
        value: gateway,
        message: 'is not an internet gateway id (igw- followed by 8 or 17 hex digits)',
      });
    }
  }
  if (blockText !== undefined && existing !== undefined) {
    problems.push({
      prop: '',
      message:
        'give either `publicEgress.subnetsCidrBlock` (new NAT gateways) or `publicEgress.existingNatGateways`, not both',
    });
    return { problems };
  }
  if (blockText === undefined && existing === undefined) {
    problems.push({
      prop: '',
      message:
        'give `publicEgress.subnetsCidrBlock` (new public /28 subnets for NAT gateways, one per availability zone) or `publicEgress.existingNatGateways`',
    });
    return { problems };
  }
  if (existing !== undefined) {
    const seen = new Set<string>();
    existing.forEach((nat, i) => {
      const at = (field: string) => `publicEgress.existingNatGateways[${i}].${field}`;
      if (!isUnresolved(nat.availabilityZone)) {
        if (!zones.includes(nat.availabilityZone)) {
          problems.push({
            prop: at('availabilityZone'),
            value: nat.availabilityZone,
            message: `is not one of the platform's zones (${zones.join(', ')})`,
          });
        } else if (seen.has(nat.availabilityZone)) {
          problems.push({
            prop: at('availabilityZone'),
            value: nat.availabilityZone,
            message: 'is listed twice',
          });
        }
        seen.add(nat.availabilityZone);
      }
      if (!isUnresolved(nat.natGatewayId) && !/^nat-[0-9a-f]{8,17}$/.test(nat.natGatewayId)) {
        problems.push({
          prop: at('natGatewayId'),
          value: nat.natGatewayId,
          message: 'is not a NAT gateway id (nat- followed by 8 or 17 hex digits)',
        });
      }
      if (!isUnresolved(nat.publicIp) && !isPublicIpv4(nat.publicIp)) {
        problems.push({
          prop: at('publicIp'),
          value: nat.publicIp,
          message:
            "is not a public IPv4 address: give the NAT gateway's Elastic IP, the address customers allow",
        });
      }
    });
    const missing = zones.filter((zone) => !seen.has(zone));
    if (missing.length > 0 && existing.every((nat) => !isUnresolved(nat.availabilityZone))) {
      problems.push({
        prop: 'publicEgress.existingNatGateways',
        message: `has no NAT gateway in ${missing.join(', ')}; give one per availability zone of the platform, so that each zone's customers leave through their own zone`,
      });
    }
    return { problems };
  }
  const prop = 'publicEgress.subnetsCidrBlock';
  if (isUnresolved(blockText)) {
    problems.push({ prop, message: 'must be a literal CIDR: it is checked against the VPC' });
    return { problems };
  }
  const block = ipv4Cidr(problems, prop, blockText!);
  if (!block) return { problems };
  if (context.vpcBlocks.length > 0 && !context.vpcBlocks.some((b) => cidrContains(b, block))) {
    problems.push({
      prop,
      message: `${block.text} is not inside the VPC's CIDR blocks (${context.vpcBlocks.map((b) => b.text).join(', ')})`,
    });
    return { problems };
  }
  if (context.customerAddressPool && cidrOverlaps(context.customerAddressPool, block)) {
    problems.push({
      prop,
      message: `${block.text} overlaps the customer address pool ${context.customerAddressPool.text}; take it from another part of the VPC`,
    });
    return { problems };
  }
  const clash = context.reservedBlocks.find((reserved) => cidrOverlaps(reserved, block));
  if (clash) {
    problems.push({
      prop,
      message: `${block.text} overlaps ${clash.text}, already used by the platform's other subnets (transit gateway attachments or interface endpoints)`,
    });
    return { problems };
  }
  const blocks = splitCidr(block, zones.length, PUBLIC_EGRESS_SUBNET_PREFIX);
  if (!blocks) {
    problems.push({
      prop,
      message: `${block.text} is too small for ${zones.length} public subnets of /${PUBLIC_EGRESS_SUBNET_PREFIX}; use a /${PUBLIC_EGRESS_SUBNET_PREFIX - Math.ceil(Math.log2(Math.max(zones.length, 1)))} or larger`,
    });
  }
  return { problems, blocks };
}

/** The problems of `publicEgress` (see {@link analysePublicEgress}). */
export function checkPublicEgressProps(
  props: PublicEgressProps,
  context: PublicEgressCheckContext,
): Problem[] {
  return analysePublicEgress(props, context).problems;
}

function checkPorts(ports: readonly number[] | undefined): Problem[] {
  if (ports === undefined) return [];
  const problems: Problem[] = [];
  if (ports.length === 0) {
    problems.push({
      prop: 'publicEgress.ports',
      message: 'is empty; list the ports the DMZ endpoints listen on (e.g. [443])',
    });
  }
  const seen = new Set<number>();
  ports.forEach((port, i) => {
    const prop = `publicEgress.ports[${i}]`;
    if (isUnresolved(port)) {
      problems.push({ prop, message: 'must be a literal port: the network ACL is opened to it' });
    } else if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push({ prop, value: port, message: 'is not a port (an integer from 1 to 65535)' });
    } else if (seen.has(port)) {
      problems.push({ prop, value: port, message: 'is listed twice' });
    }
    seen.add(port);
  });
  return problems;
}

function checkExistingElasticIps(props: PublicEgressProps, zones: readonly string[]): Problem[] {
  const eips = props.existingElasticIps;
  if (eips === undefined) return [];
  if (props.existingNatGateways !== undefined) {
    return [
      {
        prop: 'publicEgress.existingElasticIps',
        message:
          'is for new NAT gateways (`subnetsCidrBlock`); existing NAT gateways keep their own addresses',
      },
    ];
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  eips.forEach((eip, i) => {
    const at = (field: string) => `publicEgress.existingElasticIps[${i}].${field}`;
    if (!isUnresolved(eip.availabilityZone)) {
      if (!zones.includes(eip.availabilityZone)) {
        problems.push({
          prop: at('availabilityZone'),
          value: eip.availabilityZone,
          message: `is not one of the platform's zones (${zones.join(', ')})`,
        });
      } else if (seen.has(eip.availabilityZone)) {
        problems.push({
          prop: at('availabilityZone'),
          value: eip.availabilityZone,
          message: 'is listed twice',
        });
      }
      seen.add(eip.availabilityZone);
    }
    if (!isUnresolved(eip.allocationId) && !/^eipalloc-[0-9a-f]{8,17}$/.test(eip.allocationId)) {
      problems.push({
        prop: at('allocationId'),
        value: eip.allocationId,
        message: 'is not an Elastic IP allocation id (eipalloc- followed by 8 or 17 hex digits)',
      });
    }
    if (!isUnresolved(eip.publicIp) && !isPublicIpv4(eip.publicIp)) {
      problems.push({ prop: at('publicIp'), value: eip.publicIp, message: 'is not a public IPv4 address' });
    }
  });
  const missing = zones.filter((zone) => !seen.has(zone));
  if (missing.length > 0 && eips.every((eip) => !isUnresolved(eip.availabilityZone))) {
    problems.push({
      prop: 'publicEgress.existingElasticIps',
      message: `has no address in ${missing.join(', ')}; give one per availability zone of the platform`,
    });
  }
  return problems;
}
