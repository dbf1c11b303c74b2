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

/**
 * The problems of required props that are missing (`undefined` or `null`), for JavaScript callers that
 * TypeScript does not stop: the pure counterpart of `requireProps` (`lib/shared/validation.ts`), with its
 * words. `names` are paths such as `backend.url`; a parent that is missing is reported once.
 */
export function missingProps(props: unknown, names: readonly string[]): Problem[] {
  if (props === undefined || props === null || typeof props !== 'object') {
    const top = names.filter((n) => !n.includes('.')).map((n) => `\`${n}\``);
    return [{ prop: '', message: `props are required (${top.join(', ')})` }];
  }
  const missing: string[] = [];
  for (const name of names) {
    const parts = name.split('.');
    let value: unknown = props;
    for (let i = 0; i < parts.length; i++) {
      value =
        value === undefined || value === null ? undefined : (value as Record<string, unknown>)[parts[i]];
      if (value === undefined || value === null) {
        const parent = parts.slice(0, i + 1).join('.');
        if ((i === parts.length - 1 || names.includes(parent)) && !missing.includes(parent))
          missing.push(parent);
        break;
      }
    }
  }
  return missing.map((prop) => ({ prop, message: 'is required' }));
}
