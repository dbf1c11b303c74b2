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

/** Characters every tagging service accepts (EC2 accepts more; IAM, Secrets Manager and ELB not). */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** AWS allows 50 tags per resource; the constructs add up to three (`Name`, `backend-link:*`). */
const MAX_USER_TAGS = 47;

/**
 * Returns the problems of user tags given as `prop`. Keys the construct sets itself (`setByConstruct`: by
 * default `Name` and every `backend-link:` key) are refused too: they would be overwritten silently.
 */
export function checkTags(
  prop: string,
  tags: Readonly<Record<string, string>> | undefined,
  setByConstruct: (key: string) => boolean = (key) => key === 'Name' || key.startsWith('backend-link:'),
): string[] {
  if (tags === undefined) return [];
  const problems: string[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_USER_TAGS) {
    problems.push(
      `\`${prop}\` has ${entries.length} tags; AWS allows 50 per resource and the constructs add up to 3, so give at most ${MAX_USER_TAGS}`,
    );
  }
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128) {
      problems.push(
        `\`${prop}\` key ${show(key.slice(0, 40))}${key.length > 40 ? '…' : ''} is ${key.length} characters; a tag key has 1-128`,
      );
    } else if (/^aws:/i.test(key)) {
      problems.push(`\`${prop}\` key ${show(key)} starts with "aws:", which AWS reserves for its own tags`);
    } else if (setByConstruct(key)) {
      problems.push(`\`${prop}\` key ${show(key)} is set by the constructs themselves; choose another key`);
    } else if (!TAG_CHARACTERS.test(key)) {
      problems.push(`\`${prop}\` key ${show(key)} may hold only letters, digits, spaces and _ . : / = + - @`);
    }
    if (typeof value !== 'string') {
      problems.push(`\`${prop}.${key}\` must be a string, got ${show(value)}`);
    } else if (value.length > 256) {
      problems.push(`\`${prop}.${key}\` is ${value.length} characters; a tag value has at most 256`);
    } else if (!TAG_CHARACTERS.test(value)) {
      problems.push(
        `\`${prop}.${key}\` ${show(value)} may hold only letters, digits, spaces and _ . : / = + - @`,
      );
    }
  }
  return problems;
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

const DIRECTIONS: Readonly<Record<string, string>> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/**
 * A short code of a region for names that AWS keeps account-wide (IAM): `eu-west-1` → `euw1`,
 * `ap-southeast-2` → `apse2`, `us-gov-west-1` → `usgovw1`. The same platform name in two regions of one
 * account then names two roles, not one.
 */
export function regionCode(region: string): string {
  return region
    .split('-')
    .map((part) => DIRECTIONS[part] ?? part)
    .join('');
}

/**
 * An account-wide (IAM) name of a customer's resource: platform, customer, region code and purpose,
 * e.g. `apicloud-acme-euw1-gateway`; at most 64 characters (shortened with a hash).
 */
export function accountWideName(
  platformName: string,
  customerName: string,
  region: string,
  purpose: string,
): string {
  return shortenName(`${platformName}-${customerName}-${regionCode(region)}-${purpose}`, 64);
}
