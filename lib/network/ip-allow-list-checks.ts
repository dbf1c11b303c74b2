import { Cidr, describeCidrProblem, parseCidr } from '../shared/cidr';
import { Port, checkPort } from '../shared/ports';
import type { Problem } from '../shared/problems';
import { ProblemList, problem } from '../shared/problem-list';
import { isUnresolved, show } from '../shared/validation';
import type { AllowedSource, IpAllowListProps } from './ip-allow-list';

/** What {@link checkIpAllowListProps} reads: the props, with the customer's name instead of its subnets. */
export interface IpAllowListCheckInput extends Omit<IpAllowListProps, 'subnets' | 'securityGroupId'> {
  /** Left out by a parent that creates the security group itself. */
  readonly securityGroupId?: string;
  /** The customer whose subnets get network ACL entries (`subnets.customerName`); none without `subnets`. */
  readonly subnetsOfCustomer?: string;
}

/** A parsed, validated source. */
export interface ParsedSource {
  readonly key: string;
  readonly source: AllowedSource;
  readonly cidr?: Cidr;
}

/** The checked props: the problems, and the sources and network ACL blocks when there are none. */
export interface CheckedIpAllowList {
  readonly problems: Problem[];
  readonly sources: ParsedSource[];
  readonly networkAclCidrs: Cidr[];
}

export const ANY_ADDRESS = new Set(['0.0.0.0/0', '::/0']);
export const DEFAULT_ALLOW_LIST_PORTS: readonly Port[] = [443];

/** The problems of an `IpAllowList`'s props, every one of them (pure: no construct, nothing thrown). */
export function checkIpAllowListProps(props: IpAllowListCheckInput): Problem[] {
  return parseIpAllowListProps(props).problems;
}

/** Checks the props and parses the sources (what the construct builds from). */
export function parseIpAllowListProps(props: IpAllowListCheckInput): CheckedIpAllowList {
  const problems = new ProblemList();
  const ports = props.ports ?? [...DEFAULT_ALLOW_LIST_PORTS];

  if (
    props.securityGroupId !== undefined &&
    !isUnresolved(props.securityGroupId) &&
    !/^sg-[0-9a-f]{8,17}$/.test(props.securityGroupId)
  ) {
    problems.addProblem(
      'securityGroupId',
      props.securityGroupId,
      'is not a security group id (sg- followed by 8 or 17 hex digits)',
    );
  }
  if (ports.length === 0) {
    problems.addProblem('ports', undefined, 'is empty; list the TCP ports the sources may reach');
  }
  for (const [i, port] of ports.entries()) {
    const p = checkPort(`ports[${i}]`, port);
    if (p) problems.add(p);
  }
  if (props.allowAnyAddress !== undefined && !(props.allowAnyAddress.reason ?? '').trim()) {
    problems.addProblem('allowAnyAddress.reason', undefined, 'is empty; say why any address may connect');
  } else if (props.allowAnyAddress !== undefined) {
    const p = checkDescription('allowAnyAddress.reason', props.allowAnyAddress.reason);
    if (p) problems.addAll([p]);
  }

  if (props.sources.length === 0) {
    problems.addProblem('sources', undefined, 'is empty; declare at least one trusted source');
  }
  const parsed: ParsedSource[] = [];
  const seen = new Set<string>();
  for (const [i, source] of props.sources.entries()) {
    const p = parseSource(problems, `sources[${i}]`, source, props.allowAnyAddress !== undefined, i);
    if (!p) continue;
    if (seen.has(p.key)) {
      problems.addProblem(`sources[${i}]`, sourceValue(source), 'is listed twice');
      continue;
    }
    seen.add(p.key);
    parsed.push(p);
  }

  const aclCidrs: Cidr[] = [];
  for (const [i, value] of (props.networkAclCidrs ?? []).entries()) {
    const cidr = isUnresolved(value) ? undefined : parseCidr(value);
    const prop = `networkAclCidrs[${i}]`;
    if (!cidr) {
      problems.addAll([
        isUnresolved(value)
          ? problem(prop, undefined, 'must be a literal CIDR')
          : problem(prop, value, describeCidrProblem(value)),
      ]);
    } else if (ANY_ADDRESS.has(cidr.text) && props.allowAnyAddress === undefined) {
      problems.addProblem(
        prop,
        undefined,
        `${cidr.text} admits any address; declare the sources' ranges, or give \`allowAnyAddress\` with a reason`,
      );
    } else {
      aclCidrs.push(cidr);
    }
  }
  const indirect = parsed.filter((p) => !p.cidr);
  if (props.subnetsOfCustomer !== undefined && indirect.length > 0 && props.networkAclCidrs === undefined) {
    problems.addProblem(
      'networkAclCidrs',
      undefined,
      `is required: the network ACL of customer ${show(props.subnetsOfCustomer)} only takes CIDRs, and ${indirect.map((p) => show(sourceValue(p.source))).join(', ')} ${indirect.length === 1 ? 'is not one' : 'are not'}; give the address ranges behind them`,
    );
  }
  return { problems: problems.problems, sources: parsed, networkAclCidrs: aclCidrs };
}

/** The characters and length AWS accepts in a security group rule description. */
const DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,200}$/;

function checkDescription(prop: string, value: string): Problem | undefined {
  if (isUnresolved(value) || DESCRIPTION.test(value)) return undefined;
  return problem(
    prop,
    value,
    'must be at most 200 characters of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (it becomes a security group rule description)',
  );
}

/** The source's CIDR, prefix list id or security group id. */
export function sourceValue(source: AllowedSource): string {
  return source.cidr ?? source.prefixListId ?? source.securityGroupId ?? '';
}

function parseSource(
  problems: ProblemList,
  prop: string,
  source: AllowedSource,
  anyAllowed: boolean,
  index: number,
): ParsedSource | undefined {
  if (source.description !== undefined) {
    const p = checkDescription(`${prop}.description`, source.description);
    if (p) problems.addAll([p]);
  }
  const given = (['cidr', 'prefixListId', 'securityGroupId'] as const).filter((k) => source[k] !== undefined);
  if (given.length !== 1) {
    problems.addProblem(
      prop,
      undefined,
      `gives ${given.length === 0 ? 'none' : given.map((k) => `\`${k}\``).join(' and ')}; give exactly one of \`cidr\`, \`prefixListId\`, \`securityGroupId\``,
    );
    return undefined;
  }
  if (source.cidr !== undefined) {
    if (isUnresolved(source.cidr)) {
      problems.addProblem(`${prop}.cidr`, undefined, 'must be a literal CIDR: it is checked at synth time');
      return undefined;
    }
    const cidr = parseCidr(source.cidr);
    if (!cidr) {
      problems.addProblem(`${prop}.cidr`, source.cidr, describeCidrProblem(source.cidr));
      return undefined;
    }
    if (ANY_ADDRESS.has(cidr.text) && !anyAllowed) {
      problems.addProblem(
        `${prop}.cidr`,
        undefined,
        `${cidr.text} admits any address; declare the gateway tier's ranges, or give \`allowAnyAddress\` with a reason`,
      );
      return undefined;
    }
    return { key: `cidr-${cidr.text.replace(/[/:]/g, '_')}`, source, cidr };
  }
  if (source.prefixListId !== undefined) {
    if (!isUnresolved(source.prefixListId) && !/^pl-[0-9a-f]{8,17}$/.test(source.prefixListId)) {
      problems.addProblem(
        `${prop}.prefixListId`,
        source.prefixListId,
        'is not a managed prefix list id (pl- followed by 8 or 17 hex digits)',
      );
      return undefined;
    }
    return { key: `prefix-list-${keyOf(source.prefixListId, source, index)}`, source };
  }
  const sg = source.securityGroupId!;
  if (!isUnresolved(sg) && !/^sg-[0-9a-f]{8,17}$/.test(sg)) {
    problems.addProblem(
      `${prop}.securityGroupId`,
      sg,
      'is not a security group id (sg- followed by 8 or 17 hex digits)',
    );
    return undefined;
  }
  return { key: `security-group-${keyOf(sg, source, index)}`, source };
}

/**
 * A construct-id fragment: the id itself, or for a token (a resource created in the same app) the
 * source's description, else its position in `sources`.
 */
function keyOf(value: string, source: AllowedSource, index: number): string {
  if (!isUnresolved(value)) return value;
  const fromDescription = (source.description ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return fromDescription || `source-${index}`;
}
