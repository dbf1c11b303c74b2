/** Secure defaults of BackendSecrets, in one place. */
export const SECRETS_DEFAULTS = {
  /** Days a deleted secret can still be restored. */
  recoveryWindowInDays: 7,
  /** Days before a scheduled KMS key deletion takes effect (the maximum). */
  keyDeletionWindowInDays: 30,
  /** KMS key rotation is always on; AWS's default period. */
  keyRotationPeriodInDays: 365,
  /** Prefix of every secret name: `<prefix>/<customer>/<secret>`. */
  namePrefix: 'backend-link',
} as const;
