/**
 * Pure checks of the platform's `interfaceEndpoints` (see `interface-endpoints.ts`). The props are named
 * as the user writes them, on `GatewayPlatformProps` (`interfaceEndpoints.subnetsCidrBlock`): the platform
 * is the only one that builds the endpoints, from its own context.
 */
import { Cidr, cidrContains, cidrOverlaps, splitCidr } from '../shared/cidr';
import type { Problem } from '../shared/problems';
import { isUnresolved, show } from '../shared/validation';
import { ipv4Cidr } from './check-support';
import type { InterfaceEndpointsContext, InterfaceEndpointsProps } from './interface-endpoints';

/** Each endpoint subnet is a /28 (AWS's smallest). */
export const ENDPOINT_SUBNET_PREFIX = 28;

/** What the checks read of the platform. */
export type InterfaceEndpointsCheckContext = Pick<
  InterfaceEndpointsContext,
  'vpcBlocks' | 'customerAddressPool' | 'reservedBlocks' | 'availabilityZones'
>;

/** The problems of `interfaceEndpoints`, and the endpoint subnets' blocks when they are created and sound. */
export function analyseInterfaceEndpoints(
  props: InterfaceEndpointsProps,
  context: InterfaceEndpointsCheckContext,
): { problems: Problem[]; blocks?: Cidr[] } {
  const problems: Problem[] = [];
  const at = (name: string) => `interfaceEndpoints.${name}`;
  if (props.subnetsCidrBlock !== undefined && props.existingSubnetIds !== undefined) {
    problems.push({
      prop: '',
      message: `give either \`${at('subnetsCidrBlock')}\` or \`${at('existingSubnetIds')}\`, not both`,
    });
  } else if (props.subnetsCidrBlock === undefined && props.existingSubnetIds === undefined) {
    problems.push({
      prop: '',
      message: `give \`${at('subnetsCidrBlock')}\` (new /28 endpoint subnets) or \`${at('existingSubnetIds')}\``,
    });
  }
  for (const [i, id] of (props.existingSubnetIds ?? []).entries()) {
    if (!isUnresolved(id) && !/^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) {
      problems.push({
        prop: at(`existingSubnetIds[${i}]`),
        value: id,
        message: 'is not a subnet id (subnet- followed by 8 or 17 hex digits)',
      });
    }
  }
  if (props.existingSubnetCidrBlocks !== undefined && props.existingSubnetIds === undefined) {
    problems.push({
      prop: at('existingSubnetCidrBlocks'),
      message: `describes \`${at('existingSubnetIds')}\`; give both`,
    });
  }
  const vpcText = context.vpcBlocks.map((b) => b.text).join(', ');
  for (const [i, text] of (props.existingSubnetCidrBlocks ?? []).entries()) {
    if (isUnresolved(text)) continue;
    const prop = at(`existingSubnetCidrBlocks[${i}]`);
    const block = ipv4Cidr(problems, prop, text);
    if (!block) continue;
    if (context.vpcBlocks.length > 0 && !context.vpcBlocks.some((b) => cidrContains(b, block))) {
      problems.push({ prop, message: `${block.text} is not inside the VPC's CIDR blocks (${vpcText})` });
    } else if (context.customerAddressPool && cidrOverlaps(context.customerAddressPool, block)) {
      problems.push({
        prop,
        message: `${block.text} overlaps the customer address pool ${context.customerAddressPool.text}; endpoint subnets lie outside it`,
      });
    }
  }
  const services = props.services ?? [];
  if (props.services !== undefined && services.length === 0) {
    problems.push({ prop: at('services'), message: 'is empty' });
  }
  const seen = new Set<string>();
  for (const service of services) {
    if (!/^[a-z][a-z0-9.-]*$/.test(service)) {
      problems.push({
        prop: at('services'),
        message: `entry ${show(service)} is not an endpoint service name such as "secretsmanager"`,
      });
    }
    if (seen.has(service)) problems.push({ prop: at('services'), message: `lists ${show(service)} twice` });
    seen.add(service);
  }

  let blocks: Cidr[] | undefined;
  const text = props.subnetsCidrBlock;
  if (text !== undefined && !isUnresolved(text)) {
    const prop = at('subnetsCidrBlock');
    const block = ipv4Cidr(problems, prop, text);
    const zones = context.availabilityZones.length;
    if (!block) {
      // ipv4Cidr recorded the problem
    } else if (context.vpcBlocks.length > 0 && !context.vpcBlocks.some((b) => cidrContains(b, block))) {
      problems.push({ prop, message: `${block.text} is not inside the VPC's CIDR blocks (${vpcText})` });
    } else if (context.customerAddressPool && cidrOverlaps(context.customerAddressPool, block)) {
      problems.push({
        prop,
        message: `${block.text} overlaps the customer address pool ${context.customerAddressPool.text}; take it from another part of the VPC`,
      });
    } else {
      const reserved = context.reservedBlocks.find((r) => cidrOverlaps(r, block));
      if (reserved) {
        problems.push({
          prop,
          message: `${block.text} overlaps ${reserved.text}, which the platform already uses`,
        });
      } else {
        blocks = splitCidr(block, zones, ENDPOINT_SUBNET_PREFIX);
        if (!blocks) {
          problems.push({
            prop,
            message: `${block.text} is too small for ${zones} endpoint subnets of /${ENDPOINT_SUBNET_PREFIX}`,
          });
        }
      }
    }
  }
  return { problems, blocks };
}

/** The problems of `interfaceEndpoints` (see {@link analyseInterfaceEndpoints}). */
export function checkInterfaceEndpointsProps(
  props: InterfaceEndpointsProps,
  context: InterfaceEndpointsCheckContext,
): Problem[] {
  return analyseInterfaceEndpoints(props, context).problems;
}
