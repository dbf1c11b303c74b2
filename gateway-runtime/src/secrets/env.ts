import type { EnvSecretRef } from '../config/types';
import { contentVersion, pickJsonKey, secretFailure } from './describe';
import type { SecretValue } from './types';

/** Secrets in environment variables (local use). Read on every resolve; the version is a content hash. */
export function resolveEnvSecret(ref: EnvSecretRef, env: NodeJS.ProcessEnv = process.env): SecretValue {
  const content = env[ref.env];
  if (content === undefined) {
    throw secretFailure(ref, 'NOT_SET', ' is not set');
  }
  return { value: pickJsonKey(content, ref), version: contentVersion(content) };
}
