import { Construct } from 'constructs';
import { cidrConstructId } from '../shared/construct-ids';
import { TerraformOutput } from 'cdktf';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { CustomerSubnets } from './customer-subnets';
import { Cidr, describeCidrProblem, parseCidr } from '../shared/cidr';
import { Port, checkPort, portKey, toPortRange } from '../shared/ports';
import { Problems, isUnresolved, requireProps, show } from '../shared/validation';
import { requireCdktfStack } from '../shared/cdktf-stack';

/** One declared source of traffic: exactly one of a CIDR, a managed prefix list or a security group. */
export interface AllowedSource {
  /** An IPv4 or IPv6 block. `0.0.0.0/0` and `::/0` need `allowAnyAddress`. */
  readonly cidr?: string;
  /** A managed prefix list id, e.g. `pl-0a1b2c3d`. */
  readonly prefixListId?: string;
  /** A security group id, e.g. `sg-0a1b2c3d` (of the gateway tier). */
  readonly securityGroupId?: string;
  /**
   * What the source is; becomes the rule's description.
   * @default - the source itself
   */
  readonly description?: string;
}

/** The explicit opt-in to accept traffic from any address. */
export interface AnyAddressOptIn {
  /** Why the whole internet may reach this (recorded in the rule descriptions). */
  readonly reason: string;
}

export interface IpAllowListProps {
  /** The security group that receives one ingress rule per source and port. */
  readonly securityGroupId: string;
  /** The declared sources; at least one. */
  readonly sources: AllowedSource[];
  /**
   * The TCP ports the sources may reach.
   * @default [443]
   */
  readonly ports?: Port[];
  /**
   * The customer's subnets: their network ACL gets matching entries (in on the ports, out on the
   * ephemeral ports for the replies), and the construct outputs their CIDRs as the addresses the
   * customer's firewall must trust.
   * @default - no network ACL entries and no output
   */
  readonly subnets?: CustomerSubnets;
  /**
   * CIDRs for the network ACL entries of sources that are prefix lists or security groups (a network ACL
   * only takes CIDRs). Required when `subnets` is given and such sources are listed.
   * @default - the CIDR sources only
   */
  readonly networkAclCidrs?: string[];
  /**
   * Accept `0.0.0.0/0` or `::/0` among the sources, with the reason.
   * @default - any-address sources are refused
   */
  readonly allowAnyAddress?: AnyAddressOptIn;
}

/** A parsed, validated source. */
interface ParsedSource {
  readonly key: string;
  readonly source: AllowedSource;
  readonly cidr?: Cidr;
}

const ANY = new Set(['0.0.0.0/0', '::/0']);
const DEFAULT_PORTS: readonly Port[] = [443];
const EPHEMERAL = { fromPort: 1024, toPort: 65535 } as const;
/** Subnets whose trusted-addresses output already exists (one output per customer). */
const exportedTrustedSources = new WeakSet<CustomerSubnets>();

/**
 * Security-group ingress rules (`aws_vpc_security_group_ingress_rule`, one per source and port) and
 * network ACL entries from declared sources: CIDRs, managed prefix lists, security groups. Refuses
 * `0.0.0.0/0` and `::/0` unless `allowAnyAddress` gives a reason. With `subnets`, it also tells the
 * customer which addresses to trust: the customer's subnet CIDRs, as an output.
 */
export class IpAllowList extends Construct {
  public readonly securityGroupId: string;
  /** The ingress rules, in the order of sources then ports. */
  public readonly ingressRules: readonly VpcSecurityGroupIngressRule[];
  /** The CIDRs that got network ACL entries. */
  public readonly networkAclCidrs: readonly string[];
  /**
   * The source addresses the customer's firewall must trust: the customer's subnet CIDRs (empty
   * without `subnets`).
   */
  public readonly customerFirewallAllowList: readonly string[];

  constructor(scope: Construct, id: string, props: IpAllowListProps) {
    super(scope, id);
    requireCdktfStack(this);
    requireProps(this, props, ['securityGroupId', 'sources']);
    const problems = new Problems();
    const ports = props.ports ?? [...DEFAULT_PORTS];

    if (!isUnresolved(props.securityGroupId) && !/^sg-[0-9a-f]{8,17}$/.test(props.securityGroupId)) {
      problems.add(
        `\`securityGroupId\` ${show(props.securityGroupId)} is not a security group id (sg- followed by 8 or 17 hex digits)`,
      );
    }
    if (ports.length === 0) problems.add('`ports` is empty; list the TCP ports the sources may reach');
    for (const [i, port] of ports.entries()) {
      const p = checkPort(`ports[${i}]`, port);
      if (p) problems.add(p);
    }
    if (props.allowAnyAddress !== undefined && !(props.allowAnyAddress.reason ?? '').trim()) {
      problems.add('`allowAnyAddress.reason` is empty; say why any address may connect');
    } else if (props.allowAnyAddress !== undefined) {
      const p = checkDescription('allowAnyAddress.reason', props.allowAnyAddress.reason);
      if (p) problems.add(p);
    }

    if (props.sources.length === 0) problems.add('`sources` is empty; declare at least one trusted source');
    const parsed: ParsedSource[] = [];
    const seen = new Set<string>();
    for (const [i, source] of props.sources.entries()) {
      const p = parseSource(problems, `sources[${i}]`, source, props.allowAnyAddress !== undefined, i);
      if (!p) continue;
      if (seen.has(p.key)) {
        problems.add(`\`sources[${i}]\` ${show(sourceValue(source))} is listed twice`);
        continue;
      }
      seen.add(p.key);
      parsed.push(p);
    }

    const aclCidrs: Cidr[] = [];
    for (const [i, value] of (props.networkAclCidrs ?? []).entries()) {
      const cidr = isUnresolved(value) ? undefined : parseCidr(value);
      if (!cidr) {
        problems.add(
          isUnresolved(value)
            ? `\`networkAclCidrs[${i}]\` must be a literal CIDR`
            : `\`networkAclCidrs[${i}]\` ${show(value)} ${describeCidrProblem(value)}`,
        );
      } else if (ANY.has(cidr.text) && props.allowAnyAddress === undefined) {
        problems.add(
          `\`networkAclCidrs[${i}]\` ${cidr.text} admits any address; declare the sources' ranges, or give \`allowAnyAddress\` with a reason`,
        );
      } else {
        aclCidrs.push(cidr);
      }
    }
    const indirect = parsed.filter((p) => !p.cidr);
    if (props.subnets && indirect.length > 0 && props.networkAclCidrs === undefined) {
      problems.add(
        `\`networkAclCidrs\` is required: the network ACL of customer ${show(props.subnets.customerName)} only takes CIDRs, and ${indirect.map((p) => show(sourceValue(p.source))).join(', ')} ${indirect.length === 1 ? 'is not one' : 'are not'}; give the address ranges behind them`,
      );
    }
    problems.throwIfAny(this);

    this.securityGroupId = props.securityGroupId;
    const anyReason = props.allowAnyAddress?.reason;
    const rules: VpcSecurityGroupIngressRule[] = [];
    for (const p of parsed) {
      const sourceScope = new Construct(this, p.key);
      for (const port of ports) {
        const { fromPort, toPort } = toPortRange(port);
        const described = p.source.description ?? sourceValue(p.source);
        const description =
          p.cidr && ANY.has(p.cidr.text) ? `${described} (any address: ${anyReason})` : described;
        rules.push(
          new VpcSecurityGroupIngressRule(sourceScope, `Port-${portKey(port)}`, {
            securityGroupId: props.securityGroupId,
            ipProtocol: 'tcp',
            fromPort,
            toPort,
            description: description.slice(0, 255),
            ...(p.cidr
              ? p.cidr.family === 4
                ? { cidrIpv4: p.cidr.text }
                : { cidrIpv6: p.cidr.text }
              : p.source.prefixListId
                ? { prefixListId: p.source.prefixListId }
                : { referencedSecurityGroupId: p.source.securityGroupId }),
          }),
        );
      }
    }
    this.ingressRules = rules;

    const naclCidrs = [...parsed.flatMap((p) => (p.cidr ? [p.cidr] : [])), ...aclCidrs];
    const unique = [...new Map(naclCidrs.map((c) => [c.text, c])).values()];
    this.networkAclCidrs = props.subnets ? unique.map((c) => c.text) : [];
    this.customerFirewallAllowList = props.subnets ? props.subnets.subnets.map((s) => s.cidrBlock) : [];

    const subnets = props.subnets;
    if (subnets) {
      const acl = new Construct(this, 'NetworkAcl');
      for (const cidr of unique) {
        const cidrScope = new Construct(acl, cidrConstructId(cidr.text, 0));
        for (const port of ports) {
          subnets.addNetworkAclRule(cidrScope, `Ingress-${portKey(port)}`, {
            purpose: 'trusted-sources',
            egress: false,
            protocol: 'tcp',
            cidrBlock: cidr.text,
            ...toPortRange(port),
          });
        }
        subnets.addNetworkAclRule(cidrScope, 'Egress-replies', {
          purpose: 'trusted-sources',
          egress: true,
          protocol: 'tcp',
          cidrBlock: cidr.text,
          ...EPHEMERAL,
        });
      }
      if (!exportedTrustedSources.has(subnets)) {
        exportedTrustedSources.add(subnets);
        new TerraformOutput(this, 'TrustedSourcesOutput', {
          value: [...this.customerFirewallAllowList],
          description: `The source addresses ${subnets.customerName}'s firewall must allow (its subnets on the platform): nothing else connects to its backends`,
        }).overrideLogicalId(`${subnets.customerName}_firewall_allow_list`);
      }
    }
  }
}

/** The characters and length AWS accepts in a security group rule description. */
const DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,200}$/;

function checkDescription(prop: string, value: string): string | undefined {
  if (isUnresolved(value) || DESCRIPTION.test(value)) return undefined;
  return `\`${prop}\` ${show(value)} must be at most 200 characters of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (it becomes a security group rule description)`;
}

function sourceValue(source: AllowedSource): string {
  return source.cidr ?? source.prefixListId ?? source.securityGroupId ?? '';
}

function parseSource(
  problems: Problems,
  prop: string,
  source: AllowedSource,
  anyAllowed: boolean,
  index: number,
): ParsedSource | undefined {
  if (source.description !== undefined) {
    const p = checkDescription(`${prop}.description`, source.description);
    if (p) problems.add(p);
  }
  const given = (['cidr', 'prefixListId', 'securityGroupId'] as const).filter((k) => source[k] !== undefined);
  if (given.length !== 1) {
    problems.add(
      `\`${prop}\` gives ${given.length === 0 ? 'none' : given.map((k) => `\`${k}\``).join(' and ')}; give exactly one of \`cidr\`, \`prefixListId\`, \`securityGroupId\``,
    );
    return undefined;
  }
  if (source.cidr !== undefined) {
    if (isUnresolved(source.cidr)) {
      problems.add(`\`${prop}.cidr\` must be a literal CIDR: it is checked at synth time`);
      return undefined;
    }
    const cidr = parseCidr(source.cidr);
    if (!cidr) {
      problems.add(`\`${prop}.cidr\` ${show(source.cidr)} ${describeCidrProblem(source.cidr)}`);
      return undefined;
    }
    if (ANY.has(cidr.text) && !anyAllowed) {
      problems.add(
        `\`${prop}.cidr\` ${cidr.text} admits any address; declare the gateway tier's ranges, or give \`allowAnyAddress\` with a reason`,
      );
      return undefined;
    }
    return { key: `cidr-${cidr.text.replace(/[/:]/g, '_')}`, source, cidr };
  }
  if (source.prefixListId !== undefined) {
    if (!isUnresolved(source.prefixListId) && !/^pl-[0-9a-f]{8,17}$/.test(source.prefixListId)) {
      problems.add(
        `\`${prop}.prefixListId\` ${show(source.prefixListId)} is not a managed prefix list id (pl- followed by 8 or 17 hex digits)`,
      );
      return undefined;
    }
    return { key: `prefix-list-${keyOf(source.prefixListId, source, index)}`, source };
  }
  const sg = source.securityGroupId!;
  if (!isUnresolved(sg) && !/^sg-[0-9a-f]{8,17}$/.test(sg)) {
    problems.add(
      `\`${prop}.securityGroupId\` ${show(sg)} is not a security group id (sg- followed by 8 or 17 hex digits)`,
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
