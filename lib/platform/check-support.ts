/**
 * Small pieces the platform's pure prop checks share: they build {@link Problem}s (`lib/shared/problems.ts`)
 * instead of recording sentences in a `Problems` collector.
 */
import { Cidr, describeCidrProblem, parseCidr } from '../shared/cidr';
import type { Problem } from '../shared/problems';

/**
 * Parses `value` as an IPv4 CIDR block for `prop`, or adds why it is not one to `problems` (the words of
 * `checkIpv4Cidr` in `lib/shared/validation.ts`: "`prop` "value" has host bits set (did you mean …?)").
 */
export function ipv4Cidr(problems: Problem[], prop: string, value: string): Cidr | undefined {
  const cidr = parseCidr(value);
  if (cidr && cidr.family === 4) return cidr;
  problems.push({ prop, value, message: cidr ? 'must be an IPv4 block' : describeCidrProblem(value) });
  return undefined;
}
