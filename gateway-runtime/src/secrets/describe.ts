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

/** The failure of `ref` for `reason`: a message that names the reference, never the value. */
export function secretFailure(
  ref: SecretRef,
  reason: string,
  what: string,
  cause?: unknown,
): CredentialsUnavailableError {
  const secret = describeSecretRef(ref);
  return new CredentialsUnavailableError(`${secret}${what}`, {
    secret,
    reason,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * The value of `ref`: the whole content without its trailing line break, or with `jsonKey` that string
 * field of the JSON object. An empty value is a failure (`EMPTY`): no password, token or key is empty,
 * and an empty file or variable is a deployment mistake better named at once than answered 401 later.
 */
export function pickJsonKey(content: string, ref: SecretRef): string {
  if (ref.jsonKey === undefined) {
    const value = withoutTrailingLineBreak(content);
    if (value === '') throw secretFailure(ref, 'EMPTY', ' is empty');
    return value;
  }
  const doc = parsedJson(content);
  if (doc === NOT_JSON) throw secretFailure(ref, 'NOT_JSON', ': the value is not JSON');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw secretFailure(ref, 'NOT_JSON_OBJECT', ': the value is not a JSON object');
  }
  const value = (doc as Record<string, unknown>)[ref.jsonKey];
  if (typeof value !== 'string') {
    throw secretFailure(ref, 'KEY_MISSING', `: the JSON object has no string field "${ref.jsonKey}"`);
  }
  if (value === '') throw secretFailure(ref, 'EMPTY', `: the field "${ref.jsonKey}" is empty`);
  return value;
}

/** What parsedJson returns for text that is not JSON. */
const NOT_JSON = Symbol('not JSON');

/** Secret documents parsed lately, by content: a resolve per request must not parse JSON per request. */
const parsed = new Map<string, unknown>();
const PARSED_MAX = 32;

function parsedJson(content: string): unknown {
  if (parsed.has(content)) return parsed.get(content);
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    doc = NOT_JSON;
  }
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(content, doc);
  return doc;
}

/** The version of content that carries none of its own (file, env): a short SHA-256 of it. */
export const contentVersion = (content: string | Buffer): string =>
  createHash('sha256').update(content).digest('hex').slice(0, 16);
