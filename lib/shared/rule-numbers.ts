/**
 * Network ACL rule numbers that survive change. `rule_number` forces the replacement of an
 * `aws_network_acl_rule`, and Terraform does not order "create B at #110" after "destroy A at #110": an
 * apply that moves numbers can fail with `NetworkAclEntryAlreadyExists`, and the flows are closed while
 * rules swap. So a rule's number never depends on the order rules were added in, nor on the other rules:
 *
 * - each purpose has a band of its own (`NETWORK_ACL_BANDS`: the load balancer's sources 3000-5999, the
 *   VPN's on-premises ranges 6000-8999, ...), so the number also tells what a rule is for;
 * - inside its band a rule's slot is a hash of its stable key (the construct path, which is keyed by
 *   content: a range, a server, a port), so adding or removing one rule moves no other.
 *
 * Two keys of one band and direction may hash to the same slot (for four rules in a band of 3000 slots,
 * about one band in 500). Then the key that sorts first keeps the slot and the other takes the next free
 * slot that is no key's home; the assignment looks at all keys at synth time, so it does not depend on
 * construction order. Only a new key that collides with an existing one and sorts before it (or whose
 * home is the free slot a colliding key took) moves that one rule.
 *
 * Every rule is an allow rule (the ACL's last, unnumbered rule denies), so their order does not matter.
 */
import { createHash } from 'node:crypto';
import { Lazy, Token } from 'cdktf';

/** What a rule is for: each purpose numbers its rules in its own band. */
export type NetworkAclPurpose =
  | 'trusted-sources'
  | 'vpn'
  | 'backend'
  | 'additional-egress'
  | 'dns'
  | 'endpoints'
  | 'public-egress'
  | 'custom';

/** The first number of each purpose's band; a band holds `NETWORK_ACL_BAND_WIDTH` numbers. */
export const NETWORK_ACL_BANDS: Readonly<Record<NetworkAclPurpose, number>> = {
  'trusted-sources': 3000,
  vpn: 6000,
  backend: 9000,
  'additional-egress': 12000,
  dns: 15000,
  endpoints: 18000,
  'public-egress': 21000,
  custom: 24000,
};
export const NETWORK_ACL_BAND_WIDTH = 3000;

type Direction = 'ingress' | 'egress';

interface Entry {
  readonly purpose: NetworkAclPurpose;
  readonly key: string;
}

/** The home slot of a key in its band (0 to width - 1). */
export function ruleSlot(key: string, width = NETWORK_ACL_BAND_WIDTH): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % width;
}

/**
 * Hands out the rule numbers of one network ACL. `number()` returns a token resolved at synth time,
 * when every rule of the ACL is known.
 */
export class NetworkAclRuleNumbers {
  private readonly entries: Record<Direction, Entry[]> = { ingress: [], egress: [] };
  private assigned?: Record<Direction, Map<string, number>>;

  /** The number of the rule `key` (unique per direction) of `purpose`, as a token. */
  public number(egress: boolean, purpose: NetworkAclPurpose, key: string): number {
    const direction: Direction = egress ? 'egress' : 'ingress';
    if (this.entries[direction].some((e) => e.key === key)) {
      throw new Error(`network ACL rule ${key} (${direction}) is added twice`);
    }
    this.entries[direction].push({ purpose, key });
    this.assigned = undefined;
    return Token.asNumber(Lazy.anyValue({ produce: () => this.numberOf(direction, key) }));
  }

  /** The number assigned to `key`, once all rules are added. */
  public numberOf(direction: Direction, key: string): number {
    this.assigned ??= { ingress: assign(this.entries.ingress), egress: assign(this.entries.egress) };
    const number = this.assigned[direction].get(key);
    if (number === undefined) throw new Error(`no network ACL rule ${key} (${direction})`);
    return number;
  }
}

/**
 * Every key that is alone at its home slot, or sorts first among the keys at it, gets it; the others take
 * the next free slot that is no key's home, in order of home slot and key.
 */
function assign(entries: readonly Entry[]): Map<string, number> {
  const result = new Map<string, number>();
  const byBand = new Map<number, Entry[]>();
  for (const entry of entries) {
    const first = NETWORK_ACL_BANDS[entry.purpose];
    byBand.set(first, [...(byBand.get(first) ?? []), entry]);
  }
  for (const [first, band] of byBand) {
    if (band.length > NETWORK_ACL_BAND_WIDTH) {
      throw new Error(`more than ${NETWORK_ACL_BAND_WIDTH} network ACL rules in the band from ${first}`);
    }
    const ordered = band
      .map((e) => ({ key: e.key, home: ruleSlot(e.key) }))
      .sort((a, b) => a.home - b.home || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const taken = new Set<number>();
    const displaced: typeof ordered = [];
    for (const entry of ordered) {
      if (taken.has(entry.home)) {
        displaced.push(entry);
      } else {
        taken.add(entry.home);
        result.set(entry.key, first + entry.home);
      }
    }
    for (const { key, home } of displaced) {
      let slot = home;
      while (taken.has(slot)) slot = (slot + 1) % NETWORK_ACL_BAND_WIDTH;
      taken.add(slot);
      result.set(key, first + slot);
    }
  }
  return result;
}
