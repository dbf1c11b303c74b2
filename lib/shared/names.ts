import { createHash } from 'node:crypto';
import { show } from './validation';

/** Customer and platform names become parts of AWS resource names (ALB names are ≤ 32 characters). */
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;

/** Returns a problem sentence for an invalid name, or undefined. */
export function checkName(prop: string, value: string): string | undefined {
  if (NAME_PATTERN.test(value) && !value.includes('--')) return undefined;
  return `\`${prop}\` ${show(value)} must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit`;
}

/** Standard tags for every resource of a platform or customer. */
export function standardTags(
  platformName: string,
  name: string,
  extra: Readonly<Record<string, string>> = {},
  customerName?: string,
): Record<string, string> {
  return {
    ...extra,
    Name: name,
    'backend-link:platform': platformName,
    ...(customerName ? { 'backend-link:customer': customerName } : {}),
  };
}

/**
 * `text` when it fits in `max` characters; else its head and the first 8 hex digits of its SHA-256, so that
 * two long names that share a head stay distinct and the result is the same on every synth
 * (`production-initech-gw` → `production-initech-gw`, a longer one → `production-very-lo-1a2b3c4d`).
 */
export function shortenName(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  const head = text.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}
