import { Cidr, splitCidr } from '../shared/cidr';
import { checkName } from '../shared/names';
import type { Problem } from '../shared/problems';
import { ProblemList } from '../shared/problem-list';
import { checkIpv4Cidr, isUnresolved, show } from '../shared/validation';
import type { CustomerSubnetsProps } from './customer-subnets';
import { checkFlowLogsProps } from './subnet-flow-logs';

/** The smallest subnet AWS allows. An ALB needs at least 8 free addresses per subnet; /27 or larger is advised. */
export const SMALLEST_SUBNET_PREFIX = 28;

/** The checked props: the problems, and the customer's block and its subnets' blocks when they are sound. */
export interface CheckedCustomerSubnets {
  readonly problems: Problem[];
  readonly block?: Cidr;
  /** One block per availability zone, in the order of the zones. */
  readonly subnetBlocks?: Cidr[];
}

/**
 * The problems of `CustomerSubnets`' props (pure: no construct, nothing thrown), all but those that need the
 * stack or the platform's register (a name used twice, a block that overlaps another customer's).
 */
export function checkCustomerSubnetsProps(props: Omit<CustomerSubnetsProps, 'routeTablePerZone'>): Problem[] {
  return parseCustomerSubnetsProps(props).problems;
}

/** Checks the props and splits the customer's block into one subnet per zone. */
export function parseCustomerSubnetsProps(
  props: Omit<CustomerSubnetsProps, 'routeTablePerZone'>,
): CheckedCustomerSubnets {
  const { platform, customerName } = props;
  const zones = props.availabilityZones ?? [...platform.availabilityZones];
  const problems = new ProblemList();

  const nameProblem = checkName('customerName', customerName);
  if (nameProblem) problems.add(nameProblem);
  checkFlowLogsProps(problems, props.flowLogs, 'flowLogs.');

  let block: Cidr | undefined;
  let subnetBlocks: Cidr[] | undefined;
  const unresolvedBlock = isUnresolved(props.cidrBlock);
  if (unresolvedBlock) {
    problems.add('`cidrBlock` must be a literal CIDR: it is checked against other customers at synth time');
  } else {
    block = checkIpv4Cidr(problems, 'cidrBlock', props.cidrBlock);
  }

  if (zones.length < 2) {
    problems.add(
      `\`availabilityZones\` lists ${zones.length}; give at least two for a highly available load balancer`,
    );
  }
  const seen = new Set<string>();
  for (const zone of zones) {
    if (seen.has(zone)) problems.add(`\`availabilityZones\` lists ${show(zone)} twice`);
    else if (!platform.availabilityZones.includes(zone)) {
      problems.add(
        `\`availabilityZones\` entry ${show(zone)} is not one of platform ${show(platform.name)}'s zones (${platform.availabilityZones.join(', ')})`,
      );
    }
    seen.add(zone);
  }

  if (block && zones.length > 0) {
    subnetBlocks = splitCidr(block, zones.length, SMALLEST_SUBNET_PREFIX);
    if (!subnetBlocks) {
      problems.add(
        `\`cidrBlock\` ${block.text} is too small for ${zones.length} subnets of at least /${SMALLEST_SUBNET_PREFIX} (AWS's smallest subnet); use a /${SMALLEST_SUBNET_PREFIX - Math.ceil(Math.log2(zones.length))} or larger`,
      );
    }
  }
  return { problems: problems.problems, block, subnetBlocks };
}
