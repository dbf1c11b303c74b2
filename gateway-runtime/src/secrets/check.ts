import { secretRefsOf } from '../config/secret-refs';
import { CredentialsUnavailableError } from '../core/errors';
import { describeSecretRef } from './describe';
import type { SecretResolver } from './types';

/** The outcome of reading one secret reference of the configuration. Never holds the value. */
export interface SecretCheck {
  /** Where the reference is in the document, e.g. `security.password`. */
  readonly path: string;
  /** The reference as logs name it: ARN, file or variable, and jsonKey. */
  readonly secret: string;
  readonly ok: boolean;
  /** Why it can not be read (ENOENT, EACCES, NOT_SET, EMPTY, NOT_JSON, KEY_MISSING, AccessDeniedException, ...). */
  readonly reason?: string;
  /** The full explanation (names the reference, never the value). */
  readonly message?: string;
}

/**
 * Reads every secret reference of `config` once, all at a time, and says which can not be read and why.
 * The serve command refuses to start on a failure, the Lambda handler logs one line per failure at its
 * cold start, and `check` prints one line per secret.
 */
export async function checkSecrets(config: unknown, secrets: SecretResolver): Promise<SecretCheck[]> {
  return Promise.all(
    secretRefsOf(config).map(async ({ path, ref }): Promise<SecretCheck> => {
      const secret = describeSecretRef(ref);
      try {
        await secrets.resolve(ref);
        return { path, secret, ok: true };
      } catch (error) {
        const known = error instanceof CredentialsUnavailableError;
        return {
          path,
          secret,
          ok: false,
          reason: (known ? error.reason : undefined) ?? 'UNKNOWN',
          message: known ? error.message : `${secret} can not be read`,
        };
      }
    }),
  );
}
