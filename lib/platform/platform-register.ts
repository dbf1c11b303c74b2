/**
 * The platform's register of customers and VPNs: every customer reserves its name and address block, every
 * VPN its attachment point, on-premises ranges and tunnel inside blocks, so that collisions between
 * customers (also customers in other stacks of the app) are caught at synth time.
 *
 * Internal: the customer constructs call these functions (`registerCustomer(platform, ...)` from the
 * customer's subnets, `registerVpn(platform, ...)` from the site-to-site VPN); they are not part of the
 * platform's public surface. Each returns the problems found, named with the caller's props
 * (`cidrBlock`, `onPremCidrs`), and records the reservation only when there are none.
 */
import type { IConstruct } from 'constructs';
import { Cidr, cidrContains, cidrOverlaps } from '../shared/cidr';
import type { Problem } from '../shared/problems';
import { show } from '../shared/validation';
import { MAX_VPN_CONNECTIONS_PER_VPN_GATEWAY } from './platform-defaults';

/** Where a customer's VPN connection attaches to the platform. */
export type VpnAttachmentKind = 'vpn-gateway' | 'transit-gateway';

/** A customer's VPN, as recorded by the platform so that collisions are caught at synth time. */
export interface VpnRegistration {
  readonly customerName: string;
  /** The construct that made the reservation (named in error messages). */
  readonly constructPath: string;
  readonly attachment: VpnAttachmentKind;
  /** The customer's on-premises ranges reached through the VPN. */
  readonly onPremCidrs: readonly Cidr[];
  /** The tunnels' inside /30 blocks that were given explicitly. */
  readonly tunnelInsideCidrs: readonly Cidr[];
  /** `bgp` or `static`. @default 'static' */
  readonly routing?: 'static' | 'bgp';
  /** Why BGP is accepted on a virtual private gateway shared with other customers. @default - refused */
  readonly bgpOnSharedVpnGatewayReason?: string;
}

/** What a customer reserves on the platform; recorded so that overlaps are caught at synth time. */
export interface CustomerAllocation {
  readonly customerName: string;
  /** The construct that made the reservation (named in error messages). */
  readonly constructPath: string;
  /** The customer's block in the address pool. */
  readonly cidrBlock?: Cidr;
}

/** What the register checks reservations against: the platform's name, pool, VPC blocks and attachment points. */
export interface PlatformRegisterFacts {
  readonly name: string;
  /** The customer address pool as given (named in messages). */
  readonly customerAddressPool: string;
  /** The pool, parsed (undefined when given as a token: then not checked). */
  readonly pool?: Cidr;
  readonly vpcBlocks: readonly Cidr[];
  readonly vpnAttachments: readonly VpnAttachmentKind[];
}

interface Register {
  readonly facts: PlatformRegisterFacts;
  readonly customers: CustomerAllocation[];
  readonly vpns: VpnRegistration[];
}

const registers = new WeakMap<IConstruct, Register>();

/** Opens the register of a platform that built without problems (called once, by the platform). */
export function openPlatformRegister(platform: IConstruct, facts: PlatformRegisterFacts): void {
  if (registers.has(platform)) throw new Error(`the register of ${platform.node.path} is open already`);
  registers.set(platform, {
    facts: { ...facts, vpnAttachments: [...facts.vpnAttachments] },
    customers: [],
    vpns: [],
  });
}

/** Every customer registered on `platform` so far, in order of registration. */
export function registeredCustomers(platform: IConstruct): readonly CustomerAllocation[] {
  return [...(registers.get(platform)?.customers ?? [])];
}

/** Every VPN registered on `platform` so far, in order of registration. */
export function registeredVpns(platform: IConstruct): readonly VpnRegistration[] {
  return [...(registers.get(platform)?.vpns ?? [])];
}

/**
 * Reserves a customer's name and address block on `platform`. Returns the problems found (none when the
 * reservation was recorded); the caller reports them with its own. A platform that reported problems has no
 * register (it built nothing): nothing is checked or recorded, the platform's own problems fail the synth.
 */
export function registerCustomer(platform: IConstruct, allocation: CustomerAllocation): Problem[] {
  const register = registers.get(platform);
  if (!register) return [];
  const { name, pool, customerAddressPool } = register.facts;
  const problems: Problem[] = [];
  const who = `customer ${show(allocation.customerName)}`;
  const sameName = register.customers.find((a) => a.customerName === allocation.customerName);
  if (sameName) {
    problems.push({
      prop: '',
      message: `${who} is already registered on platform ${show(name)} by ${sameName.constructPath}; customer names must be unique`,
    });
  }
  const block = allocation.cidrBlock;
  if (block && pool && !cidrContains(pool, block)) {
    problems.push({
      prop: 'cidrBlock',
      message: `${block.text} of ${who} is outside the customer address pool ${pool.text} of platform ${show(name)}`,
    });
  }
  if (block) {
    for (const other of register.customers) {
      if (other.cidrBlock && cidrOverlaps(other.cidrBlock, block)) {
        problems.push({
          prop: 'cidrBlock',
          message: `${block.text} of ${who} overlaps ${other.cidrBlock.text} of customer ${show(other.customerName)}; give each customer its own block in ${customerAddressPool}`,
        });
      }
    }
  }
  if (problems.length === 0) register.customers.push(allocation);
  return problems;
}

/**
 * Records a customer's VPN on `platform`: its attachment point, on-premises ranges and explicit tunnel
 * inside blocks. Returns the problems found (none when the VPN was recorded):
 * - the attachment point must exist; a virtual private gateway takes at most 10 VPN connections;
 * - on-premises ranges must not overlap the VPC;
 * - two customers on the same attachment point must not have overlapping on-premises ranges: on a
 *   virtual private gateway the VGW's routing is shared, and on a transit gateway the single VPC
 *   attachment (AWS allows one per VPC) looks every customer's ranges up in one route table. Customers
 *   on different attachment points may overlap: each customer's own VPC route table keeps them apart;
 * - on a virtual private gateway, explicit tunnel inside blocks must be unique across its connections,
 *   and BGP is refused when the gateway serves other customers (unless the VPN states why).
 * A platform that reported problems has no register: nothing is checked or recorded.
 */
export function registerVpn(platform: IConstruct, registration: VpnRegistration): Problem[] {
  const register = registers.get(platform);
  if (!register) return [];
  const { name, vpcBlocks, vpnAttachments } = register.facts;
  const problems: Problem[] = [];
  const who = `customer ${show(registration.customerName)}`;
  const { attachment } = registration;
  if (!vpnAttachments.includes(attachment)) {
    return [
      {
        prop: '',
        message:
          attachment === 'vpn-gateway'
            ? `platform ${show(name)} has no virtual private gateway for ${who}; give the platform \`vpnGateway\` or use \`attachment: 'transit-gateway'\``
            : `platform ${show(name)} has no transit gateway for ${who}; give the platform \`transitGateway\` or use \`attachment: 'vpn-gateway'\``,
      },
    ];
  }
  const earlier = register.vpns.find((v) => v.customerName === registration.customerName);
  if (earlier) {
    problems.push({
      prop: '',
      message: `${who} already has a VPN (${earlier.constructPath}); one SiteToSiteVpn per customer: list all its on-premises ranges in \`onPremCidrs\``,
    });
  }
  const sameAttachment = register.vpns.filter((v) => v.attachment === attachment);
  if (attachment === 'vpn-gateway' && sameAttachment.length >= MAX_VPN_CONNECTIONS_PER_VPN_GATEWAY) {
    problems.push({
      prop: '',
      message: `platform ${show(name)}'s virtual private gateway already carries ${sameAttachment.length} VPN connections, the AWS limit of ${MAX_VPN_CONNECTIONS_PER_VPN_GATEWAY} per virtual private gateway; put ${who} on a transit gateway (give the platform \`transitGateway\` and the VPN \`attachment: 'transit-gateway'\`)`,
    });
  }
  for (const range of registration.onPremCidrs) {
    for (const block of vpcBlocks) {
      if (cidrOverlaps(range, block)) {
        problems.push({
          prop: 'onPremCidrs',
          message: `entry ${range.text} of ${who} overlaps the VPC block ${block.text} of platform ${show(name)}; traffic to it would stay in the VPC. Ask the customer to expose the backends under a range outside ${block.text} (e.g. with NAT on its side)`,
        });
      }
    }
    for (const other of sameAttachment) {
      if (other.customerName === registration.customerName) continue;
      for (const otherRange of other.onPremCidrs) {
        if (!cidrOverlaps(range, otherRange)) continue;
        const why =
          attachment === 'vpn-gateway'
            ? 'both use the virtual private gateway, whose routing is shared'
            : "both use the transit gateway, and its single VPC attachment looks every customer's on-premises ranges up in one route table";
        problems.push({
          prop: 'onPremCidrs',
          message: `entry ${range.text} of ${who} overlaps ${otherRange.text} of customer ${show(other.customerName)} (${other.constructPath}): ${why}. Ask one customer to expose its backends under another range (NAT on its side), or put the two customers on different attachment points`,
        });
      }
    }
  }
  if (attachment === 'vpn-gateway') {
    problems.push(...sharedVpnGatewayBgpProblems(name, registration, sameAttachment));
    for (const inside of registration.tunnelInsideCidrs) {
      const clash = sameAttachment.find((v) => v.tunnelInsideCidrs.some((c) => cidrOverlaps(c, inside)));
      if (clash) {
        problems.push({
          prop: '',
          message: `tunnel inside block ${inside.text} of ${who} is already used by customer ${show(clash.customerName)} on the same virtual private gateway; inside blocks must be unique across its VPN connections`,
        });
      }
    }
  }
  if (problems.length === 0) register.vpns.push(registration);
  return problems;
}

/**
 * On a virtual private gateway the routing is shared: the VGW picks, among all its VPN connections, the
 * longest prefix it learned, so a BGP customer that advertises a range inside another customer's ranges
 * (or a more specific one) attracts that customer's traffic. BGP is therefore refused on a VGW that serves
 * more than one customer, unless the BGP customer's VPN states why (`bgpOnSharedVpnGatewayReason`).
 */
function sharedVpnGatewayBgpProblems(
  platformName: string,
  registration: VpnRegistration,
  others: readonly VpnRegistration[],
): Problem[] {
  const rest = others.filter((o) => o.customerName !== registration.customerName);
  if (rest.length === 0) return [];
  const unexcused = (r: VpnRegistration) =>
    r.routing === 'bgp' && (r.bgpOnSharedVpnGatewayReason ?? '').trim() === '';
  const fix =
    "a BGP customer on a shared virtual private gateway can attract the others' traffic by advertising their ranges (the VGW routes by the longest prefix among all its connections). Put the BGP customer on the transit gateway (`attachment: 'transit-gateway'`, one route table per customer), use static routing, or state why it is acceptable in its `bgpOnSharedVpnGatewayReason`";
  if (unexcused(registration)) {
    return [
      {
        prop: '',
        message: `customer ${show(registration.customerName)} uses BGP on platform ${show(platformName)}'s virtual private gateway, which also serves ${rest.map((r) => show(r.customerName)).join(', ')}: ${fix}`,
      },
    ];
  }
  const bgp = rest.filter(unexcused);
  if (bgp.length > 0) {
    return [
      {
        prop: '',
        message: `customer ${show(registration.customerName)} would share platform ${show(platformName)}'s virtual private gateway with ${bgp.map((r) => show(r.customerName)).join(', ')}, which uses BGP: ${fix}`,
      },
    ];
  }
  return [];
}
