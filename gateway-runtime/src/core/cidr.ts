/**
 * CIDR arithmetic, the one module for it: the library's synth-time checks (lib/shared/cidr.ts re-exports
 * it) and the runtime's validator (`trustedSources.cidrs`) parse and explain blocks here. Parsing,
 * containment, overlap and splitting; IPv4 and IPv6, exact (bigint), no dependencies beyond `node:net`, so
 * the runtime bundle can hold it and lib/ can import it without pulling anything into the bundle.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

/** A parsed, canonical CIDR block. */
export interface Cidr {
  readonly family: IpFamily;
  /** First address of the block, as an unsigned integer. */
  readonly network: bigint;
  readonly prefixLength: number;
  /** Canonical text, e.g. `10.0.0.0/24`. */
  readonly text: string;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

const CIDR_TEXT = /^([^/\s]+)\/(\d{1,3})$/;

/** Parses `a.b.c.d/n` or an IPv6 block. Returns undefined unless it is a valid block whose host bits are zero. */
export function parseCidr(value: string): Cidr | undefined {
  const parsed = parse(value);
  return typeof parsed === 'string' ? undefined : parsed;
}

/**
 * Why {@link parseCidr} rejects a value (a phrase to follow the value in a message), or undefined when
 * it is a block.
 */
export function cidrProblem(value: string): string | undefined {
  const parsed = parse(value);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** A human explanation of why {@link parseCidr} rejected a value (call it only for a rejected value). */
export function describeCidrProblem(value: string): string {
  return cidrProblem(value) ?? 'is a CIDR block';
}

/** The block, or why the text is not one. */
function parse(value: string): Cidr | string {
  const match = CIDR_TEXT.exec(value);
  if (!match) return 'is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)';
  const [, address, prefixText] = match;
  const family: IpFamily | undefined = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  // isIPv4 refuses octets with leading zeros (octal in some parsers), so "010.0.0.0" lands here too.
  if (family === undefined) return `has an invalid IP address ${JSON.stringify(address)}`;
  const prefixLength = Number(prefixText);
  if (prefixLength > BITS[family]) return `has a prefix longer than /${BITS[family]}`;
  const bits = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const network = bits & ~hostMask(family, prefixLength);
  const text = formatCidr(family, network, prefixLength);
  if (prefixText.length > 1 && prefixText.startsWith('0')) {
    return `has a leading zero in its prefix length (did you mean ${text}?)`;
  }
  if (network !== bits) return `has host bits set (did you mean ${text}?)`;
  return { family, network, prefixLength, text };
}

export function cidrSize(cidr: Cidr): bigint {
  return 1n << BigInt(BITS[cidr.family] - cidr.prefixLength);
}

export function lastAddress(cidr: Cidr): bigint {
  return cidr.network + cidrSize(cidr) - 1n;
}

/** True when `inner` lies entirely inside `outer` (same family). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    inner.prefixLength >= outer.prefixLength &&
    inner.network >= outer.network &&
    lastAddress(inner) <= lastAddress(outer)
  );
}

/** True when the two blocks share at least one address (same family). */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/**
 * Splits `cidr` into `count` equal blocks (count rounded up to a power of two), returning the first `count`.
 * Returns undefined when the block is too small.
 */
export function splitCidr(
  cidr: Cidr,
  count: number,
  minPrefixLength = BITS[cidr.family],
): Cidr[] | undefined {
  const extraBits = Math.ceil(Math.log2(Math.max(count, 1)));
  const prefixLength = cidr.prefixLength + extraBits;
  if (prefixLength > minPrefixLength) return undefined;
  const step = 1n << BigInt(BITS[cidr.family] - prefixLength);
  return Array.from({ length: count }, (_, index) => {
    const network = cidr.network + step * BigInt(index);
    return {
      family: cidr.family,
      network,
      prefixLength,
      text: formatCidr(cidr.family, network, prefixLength),
    };
  });
}

/**
 * The fewest blocks that cover exactly the same addresses: contained blocks dropped, sibling halves merged
 * (10.0.0.32/28 and 10.0.0.48/28 become 10.0.0.32/27). Keeps network ACLs within their 20-entry quota.
 */
export function aggregateCidrs(blocks: readonly Cidr[]): Cidr[] {
  let list = [...blocks].sort((a, b) =>
    a.family !== b.family
      ? a.family - b.family
      : a.network < b.network
        ? -1
        : a.network > b.network
          ? 1
          : a.prefixLength - b.prefixLength,
  );
  for (let changed = true; changed;) {
    changed = false;
    const next: Cidr[] = [];
    for (const block of list) {
      const last = next[next.length - 1];
      if (last && cidrContains(last, block)) {
        changed = true;
        continue;
      }
      if (
        last &&
        last.family === block.family &&
        last.prefixLength === block.prefixLength &&
        last.prefixLength > 0 &&
        (last.network & (1n << BigInt(BITS[last.family] - last.prefixLength))) === 0n &&
        lastAddress(last) + 1n === block.network
      ) {
        const prefixLength = last.prefixLength - 1;
        next[next.length - 1] = {
          family: last.family,
          network: last.network,
          prefixLength,
          text: formatCidr(last.family, last.network, prefixLength),
        };
        changed = true;
        continue;
      }
      next.push(block);
    }
    list = next;
  }
  return list;
}

function hostMask(family: IpFamily, prefixLength: number): bigint {
  return (1n << BigInt(BITS[family] - prefixLength)) - 1n;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) + BigInt(parseInt(part, 16)), 0n);
}

function formatCidr(family: IpFamily, network: bigint, prefixLength: number): string {
  return `${formatAddress(family, network)}/${prefixLength}`;
}

export function formatAddress(family: IpFamily, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
  }
  const hextets = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (≥ 2) of zero hextets.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (hextets[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
