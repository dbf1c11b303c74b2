/** Secure and sensible defaults of GatewayFunction, in one place. */
export const FUNCTION_DEFAULTS = {
  runtime: 'nodejs22.x',
  architecture: 'arm64' as 'arm64' | 'x86_64',
  memorySize: 512,
  timeoutSeconds: 30,
  logRetentionDays: 90,
  /** Alarm when the p99 duration passes this share of the timeout. */
  p99DurationShareOfTimeout: 0.8,
  alarmPeriodSeconds: 300,
  partition: 'aws',
} as const;

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The environment variable the Lambda adapter reads its configuration from. */
export const CONFIG_ENV_VAR = 'GATEWAY_CONFIG';
/** Lambda's limit for all environment variables together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
