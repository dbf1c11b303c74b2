import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import { CredentialsUnavailableError } from '../../../gateway-runtime/src/core/errors';
import type { SecretResolver } from '../../../gateway-runtime/src/secrets/types';

/** An in-memory resolver keyed by env name: `{ env: 'X' }` → values.X. */
export function fakeSecrets(values: Record<string, string>): SecretResolver {
  return {
    async resolve(ref: SecretRef) {
      const name = 'env' in ref ? ref.env : '';
      const value = values[name];
      if (value === undefined)
        throw new CredentialsUnavailableError(`environment variable ${name} is not set`);
      return { value, version: '1' };
    },
  };
}
