/** Secure and sensible defaults of GatewayFunction, in one place. */
export const FUNCTION_DEFAULTS = {
  runtime: 'nodejs22.x',
  architecture: 'arm64' as 'arm64' | 'x86_64',
  memorySize: 512,
  timeoutSeconds: 30,
  logRetentionDays: 90,
  /**
   * Concurrent executions reserved for (and capping) each customer's function: one customer's traffic can
   * not starve the others, which otherwise draw on one regional pool. Checked at synth against
   * `quotas.lambdaConcurrentExecutions` (AWS keeps 100 unreserved).
   */
  reservedConcurrency: 25,
  /** Alarm when the p99 duration passes this share of the timeout. */
  p99DurationShareOfTimeout: 0.8,
  alarmPeriodSeconds: 300,
} as const;

/** Target group names are unique per account and region, at most 32 characters. */
export const MAX_TARGET_GROUP_NAME_LENGTH = 32;

/** The environment variable the Lambda adapter reads its configuration from. */
export const CONFIG_ENV_VAR = 'GATEWAY_CONFIG';
/** Lambda's limit for all environment variables together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
