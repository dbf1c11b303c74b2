import { Construct } from 'constructs';
import { cidrConstructId } from '../shared/construct-ids';
import { TerraformOutput } from 'cdktf';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { CustomerSubnets } from './customer-subnets';
import { Port, portKey, toPortRange } from '../shared/ports';
import { hasProblems, reportMissingProps, reportProblems } from '../shared/problems';
import {
  ANY_ADDRESS,
  DEFAULT_ALLOW_LIST_PORTS,
  parseIpAllowListProps,
  sourceValue,
} from './ip-allow-list-checks';
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
  /**
   * What the `<customer>_firewall_allow_list` output (with `subnets`) tells the customer's firewall to allow,
   * when the customer's backend sees other addresses than the customer's subnets (a DMZ endpoint called
   * through the platform's NAT gateways sees their Elastic IPs).
   * @default - the customer's subnet CIDRs
   */
  readonly firewallAllowList?: {
    /** The addresses (CIDRs or tokens, e.g. Elastic IPs). */
    readonly addresses: string[];
    /** The output's description: why these addresses. */
    readonly description: string;
  };
}

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
  public readonly securityGroupId!: string;
  /** The ingress rules, in the order of sources then ports. */
  public readonly ingressRules!: readonly VpcSecurityGroupIngressRule[];
  /** The CIDRs that got network ACL entries. */
  public readonly networkAclCidrs!: readonly string[];
  /**
   * The source addresses the customer's firewall must trust, as the `<customer>_firewall_allow_list` output
   * publishes them: `firewallAllowList.addresses`, else the customer's subnet CIDRs (empty without `subnets`).
   */
  public readonly customerFirewallAllowList!: readonly string[];

  constructor(scope: Construct, id: string, props: IpAllowListProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (reportMissingProps(this, props, ['securityGroupId', 'sources'])) return;
    const ports = props.ports ?? [...DEFAULT_ALLOW_LIST_PORTS];
    // Subnets with problems of their own built nothing: this list's own checks run, and nothing is built.
    const subnetsBuilt = !props.subnets || !hasProblems(props.subnets);
    const checked = parseIpAllowListProps({
      ...props,
      ...(props.subnets && subnetsBuilt ? { subnetsOfCustomer: props.subnets.customerName } : {}),
    });
    if (reportProblems(this, checked.problems) || !subnetsBuilt) return;
    const parsed = checked.sources;
    const aclCidrs = checked.networkAclCidrs;

    this.securityGroupId = props.securityGroupId;
    const anyReason = props.allowAnyAddress?.reason;
    const rules: VpcSecurityGroupIngressRule[] = [];
    for (const p of parsed) {
      const sourceScope = new Construct(this, p.key);
      for (const port of ports) {
        const { fromPort, toPort } = toPortRange(port);
        const described = p.source.description ?? sourceValue(p.source);
        const description =
          p.cidr && ANY_ADDRESS.has(p.cidr.text) ? `${described} (any address: ${anyReason})` : described;
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
    this.customerFirewallAllowList = props.subnets
      ? (props.firewallAllowList?.addresses ?? props.subnets.subnets.map((s) => s.cidrBlock))
      : [];

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
          description:
            props.firewallAllowList?.description ??
            `The source addresses ${subnets.customerName}'s firewall must allow (its subnets on the platform): nothing else connects to its backends`,
        }).overrideLogicalId(`${subnets.customerName}_firewall_allow_list`);
      }
    }
  }
}
