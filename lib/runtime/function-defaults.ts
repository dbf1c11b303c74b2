/**
 * The Lambda runtimes the gateway function runs on: the bundle targets Node 22 and the handler is async-only
 * (`nodejs24.x` no longer calls callback-style handlers), so both run the same bytes.
 */
export const LAMBDA_RUNTIMES = ['nodejs24.x', 'nodejs22.x'] as const;
export type LambdaRuntime = (typeof LAMBDA_RUNTIMES)[number];

/**
 * The first hashicorp/aws major that accepts `nodejs24.x`: 5.100.0 (`@cdktf/provider-aws` 20.1.0) rejects it
 * when Terraform validates the plan ("expected runtime to be one of [...], got nodejs24.x").
 */
export const NODEJS24_MIN_AWS_PROVIDER_MAJOR = 6;

/**
 * The default Lambda runtime for the hashicorp/aws version the app's `@cdktf/provider-aws` binding asks for:
 * `nodejs24.x` from 6.x on (`@cdktf/provider-aws` 21.x), `nodejs22.x` on 5.x, which knows no newer one.
 */
export function defaultLambdaRuntime(awsProviderVersion: string | undefined): LambdaRuntime {
  return supportsNodejs24(awsProviderVersion) ? 'nodejs24.x' : 'nodejs22.x';
}

/** True when this hashicorp/aws version accepts `nodejs24.x`; an unknown version counts as the newest. */
export function supportsNodejs24(awsProviderVersion: string | undefined): boolean {
  const major = Number(/^(\d+)\./.exec(awsProviderVersion ?? '')?.[1] ?? NaN);
  return Number.isNaN(major) || major >= NODEJS24_MIN_AWS_PROVIDER_MAJOR;
}

/** Secure and sensible defaults of GatewayFunction, in one place. */
export const FUNCTION_DEFAULTS = {
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
