import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecretRef } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';
import type { SecretResolver, SecretValue } from './types';

export type { SecretResolver, SecretValue } from './types';

function pickKey(raw: string, jsonKey: string | undefined, where: string): string {
  if (jsonKey === undefined) return raw;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new CredentialsUnavailableError(`${where} is not JSON, but jsonKey "${jsonKey}" was asked for`);
  }
  const value = (doc as Record<string, unknown> | null)?.[jsonKey];
  if (typeof value !== 'string') {
    throw new CredentialsUnavailableError(`${where} has no string field "${jsonKey}"`);
  }
  return value;
}

const versionOf = (content: string) => createHash('sha256').update(content).digest('hex').slice(0, 16);

/**
 * Resolves file and env references. (Secrets Manager, caching and rotation-aware reads are added by
 * the secret-sources work.)
 */
export function createSecretResolver(): SecretResolver {
  return {
    async resolve(ref: SecretRef): Promise<SecretValue> {
      if ('file' in ref) {
        let content: string;
        try {
          content = await readFile(ref.file, 'utf8');
        } catch (error) {
          throw new CredentialsUnavailableError(
            `secret file ${ref.file} can not be read (${(error as NodeJS.ErrnoException).code})`,
          );
        }
        return {
          value: pickKey(content, ref.jsonKey, `secret file ${ref.file}`),
          version: versionOf(content),
        };
      }
      if ('env' in ref) {
        const content = process.env[ref.env];
        if (content === undefined)
          throw new CredentialsUnavailableError(`environment variable ${ref.env} is not set`);
        return {
          value: pickKey(content, ref.jsonKey, `environment variable ${ref.env}`),
          version: versionOf(content),
        };
      }
      throw new CredentialsUnavailableError(
        `secret ${ref.secretArn}: Secrets Manager is not available here yet`,
      );
    },
  };
}
