import type { SecretRef } from '../config/types';

/** A secret's value and the version it was read at (rotation changes the version). */
export interface SecretValue {
  readonly value: string;
  /** Secrets Manager VersionId, or a content hash for file and env sources. */
  readonly version: string;
}

/** Reads secret references. Implementations cache; a failure throws CredentialsUnavailableError. */
export interface SecretResolver {
  resolve(ref: SecretRef): Promise<SecretValue>;
}
