import type { SecretRef } from '../../../../gateway-runtime/src/config/types';
import { CredentialsUnavailableError } from '../../../../gateway-runtime/src/core/errors';
import type { SecretResolver, SecretValue } from '../../../../gateway-runtime/src/secrets/types';

/** The key a reference is stored under in MapSecrets. */
const keyOf = (ref: SecretRef): string =>
  'secretArn' in ref ? ref.secretArn : 'file' in ref ? `file:${ref.file}` : `env:${ref.env}`;

/** An in-memory SecretResolver for tests: values by reference, a version per write, a read counter. */
export class MapSecrets implements SecretResolver {
  private readonly values = new Map<string, SecretValue>();
  private writes = 0;
  reads = 0;

  set(ref: SecretRef, value: string): this {
    this.writes += 1;
    this.values.set(keyOf(ref), { value, version: `v${this.writes}` });
    return this;
  }

  delete(ref: SecretRef): void {
    this.values.delete(keyOf(ref));
  }

  async resolve(ref: SecretRef): Promise<SecretValue> {
    this.reads += 1;
    const found = this.values.get(keyOf(ref));
    if (!found) throw new CredentialsUnavailableError(`secret ${keyOf(ref)} is not available`);
    return found;
  }
}
