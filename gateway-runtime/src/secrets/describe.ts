import { createHash } from 'node:crypto';
import type { SecretRef } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';

/**
 * How a reference is named in messages and logs: the ARN, file path or variable name and the JSON key.
 * Never the value.
 */
export function describeSecretRef(ref: SecretRef): string {
  const key = ref.jsonKey !== undefined ? ` (jsonKey "${ref.jsonKey}")` : '';
  if ('secretArn' in ref) return `secret ${ref.secretArn}${key}`;
  if ('file' in ref) return `secret file ${ref.file}${key}`;
  return `environment variable ${ref.env}${key}`;
}

/**
 * The one rule for line breaks, for every source (file, environment variable, Secrets Manager) and every
 * scheme: a secret's whole content loses **one** trailing line break (`\n` or `\r\n`), as a file
 * written with `echo` or an editor ends in one and no password, token or key does. Nothing else is
 * trimmed. A `jsonKey` field's value is taken as it is in the JSON (the `backend-link secret` CLI applies
 * the same rule to the files it reads into the JSON).
 */
export function withoutTrailingLineBreak(content: string): string {
  if (content.endsWith('\r\n')) return content.slice(0, -2);
  return content.endsWith('\n') ? content.slice(0, -1) : content;
}

/**
 * The value of `ref`: the whole content without its trailing line break, or with `jsonKey` that string
 * field of the JSON object.
 */
export function pickJsonKey(content: string, ref: SecretRef): string {
  if (ref.jsonKey === undefined) return withoutTrailingLineBreak(content);
  const doc = parsedJson(content);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CredentialsUnavailableError(`${describeSecretRef(ref)}: the value is not a JSON object`);
  }
  const value = (doc as Record<string, unknown>)[ref.jsonKey];
  if (typeof value !== 'string') {
    throw new CredentialsUnavailableError(
      `${describeSecretRef(ref)}: the JSON object has no string field "${ref.jsonKey}"`,
    );
  }
  return value;
}

/** Secret documents parsed lately, by content: a resolve per request must not parse JSON per request. */
const parsed = new Map<string, unknown>();
const PARSED_MAX = 32;

function parsedJson(content: string): unknown {
  if (parsed.has(content)) return parsed.get(content);
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    doc = undefined;
  }
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(content, doc);
  return doc;
}

/** The version of content that carries none of its own (file, env): a short SHA-256 of it. */
export const contentVersion = (content: string | Buffer): string =>
  createHash('sha256').update(content).digest('hex').slice(0, 16);
