import type { SecretRef } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';
import { resolveEnvSecret } from './env';
import { createFileSource } from './file';
import { createSecretsManagerSource, type SecretsManagerSourceOptions } from './secrets-manager';
import type { SecretResolver } from './types';

export type { LogEntry, LogSink, SecretResolver, SecretValue } from './types';
export { jsonLineLog, warningsToStderr } from './types';
export { describeSecretRef } from './describe';
export { createSecretsManagerSource, regionOfSecretArn } from './secrets-manager';
export type { SecretsManagerSourceOptions } from './secrets-manager';
export { createFileSource } from './file';
export * from './defaults';

export interface SecretResolverOptions extends SecretsManagerSourceOptions {
  /** The environment `{ env }` references read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The runtime's secret resolver: Secrets Manager (`{ secretArn }`, cached, single flight, bounded
 * stale serving), files (`{ file }`, re-read when they change) and environment variables (`{ env }`),
 * chosen by the shape of the reference. Failures are CredentialsUnavailableError (503) naming the
 * reference, never the value.
 */
export function createSecretResolver(options: SecretResolverOptions = {}): SecretResolver {
  const secretsManager = createSecretsManagerSource(options);
  const files = createFileSource(options);
  const env = options.env ?? process.env;
  return {
    async resolve(ref: SecretRef) {
      if (typeof ref === 'object' && ref !== null) {
        if ('secretArn' in ref && typeof ref.secretArn === 'string') return secretsManager.resolve(ref);
        if ('file' in ref && typeof ref.file === 'string') return files.resolve(ref);
        if ('env' in ref && typeof ref.env === 'string') return resolveEnvSecret(ref, env);
      }
      throw new CredentialsUnavailableError('a secret reference has none of secretArn, file, env');
    },
    resolveNow(ref: SecretRef) {
      if (typeof ref !== 'object' || ref === null) return undefined;
      if ('file' in ref && typeof ref.file === 'string') return files.resolveNow(ref);
      if ('secretArn' in ref && typeof ref.secretArn === 'string') return secretsManager.resolveNow(ref);
      if ('env' in ref && typeof ref.env === 'string') {
        try {
          return resolveEnvSecret(ref, env);
        } catch {
          return undefined; // resolve() reports it
        }
      }
      return undefined;
    },
  };
}
