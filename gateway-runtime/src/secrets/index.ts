import type { EnvSecretRef, FileSecretRef, SecretRef, SecretsManagerRef } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';
import { resolveEnvSecret } from './env';
import { createFileSource } from './file';
import { createSecretsManagerSource, type SecretsManagerSourceOptions } from './secrets-manager';
import type { SecretResolver } from './types';

export type { LogEntry, LogSink, SecretResolver, SecretValue } from './types';
export { jsonLineLog, warningsToStderr } from './types';
export { describeSecretRef, secretFailure } from './describe';
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
      return bySource(ref, {
        secretArn: (r) => secretsManager.resolve(r),
        file: (r) => files.resolve(r),
        env: async (r) => resolveEnvSecret(r, env),
        none: () => {
          throw new CredentialsUnavailableError('a secret reference has none of secretArn, file, env', {
            secret: '(no source)',
            reason: 'NO_SOURCE',
          });
        },
      });
    },
    resolveNow(ref: SecretRef) {
      return bySource(ref, {
        secretArn: (r) => secretsManager.resolveNow(r),
        file: (r) => files.resolveNow(r),
        env: (r) => {
          try {
            return resolveEnvSecret(r, env);
          } catch {
            return undefined; // resolve() reports it
          }
        },
        none: () => undefined,
      });
    },
  };
}

/** Calls the branch of the source a reference names by its shape (one order for every call). */
function bySource<T>(
  ref: SecretRef,
  on: {
    readonly secretArn: (ref: SecretsManagerRef) => T;
    readonly file: (ref: FileSecretRef) => T;
    readonly env: (ref: EnvSecretRef) => T;
    readonly none: () => T;
  },
): T {
  if (typeof ref === 'object' && ref !== null) {
    if ('secretArn' in ref && typeof ref.secretArn === 'string') return on.secretArn(ref);
    if ('file' in ref && typeof ref.file === 'string') return on.file(ref);
    if ('env' in ref && typeof ref.env === 'string') return on.env(ref);
  }
  return on.none();
}
