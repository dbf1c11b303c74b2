import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { LAMBDA_MAX_RESPONSE_BYTES } from '../../gateway-runtime/src/config/defaults';
import { LOG_RETENTION_DAYS, isLogRetention } from '../shared/cloudwatch';
import { Problems, isUnresolved, show } from '../shared/validation';
import { FUNCTION_DEFAULTS, LAMBDA_RUNTIMES } from './function-defaults';

/** The function settings GatewayFunction and CustomerBackendLink's `runtime` share. */
export interface FunctionOptionValues {
  readonly lambdaRuntime?: string;
  readonly architecture?: string;
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  readonly reservedConcurrency?: number;
  readonly logRetentionDays?: number;
  readonly runtimeBundleDirectory?: string;
}

const ARCHITECTURES = ['arm64', 'x86_64'];

/** Records the problems of the function settings; prop names get `prefix` (`''` or `'runtime.'`). */
export function checkFunctionOptions(
  problems: Problems,
  options: FunctionOptionValues,
  prefix: string,
): void {
  const { architecture, memorySize: memory, timeoutSeconds: timeout, logRetentionDays: retention } = options;
  const lambdaRuntime = options.lambdaRuntime;
  if (
    lambdaRuntime !== undefined &&
    !isUnresolved(lambdaRuntime) &&
    !(LAMBDA_RUNTIMES as readonly string[]).includes(lambdaRuntime)
  ) {
    problems.add(
      `\`${prefix}lambdaRuntime\` ${show(lambdaRuntime)} is not a Lambda runtime the gateway function supports (${LAMBDA_RUNTIMES.join(', ')}); Node 20 reached end of life on 2026-04-30`,
    );
  }
  if (architecture !== undefined && !ARCHITECTURES.includes(architecture)) {
    problems.add(
      `\`${prefix}architecture\` ${show(architecture)} is not a Lambda architecture (${ARCHITECTURES.join(', ')})`,
    );
  }
  if (memory !== undefined && (!Number.isInteger(memory) || memory < 128 || memory > 10240)) {
    problems.add(`\`${prefix}memorySize\` ${memory} must be a whole number of MB from 128 to 10240`);
  }
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 900)) {
    problems.add(`\`${prefix}timeoutSeconds\` ${timeout} must be a whole number from 1 to 900`);
  }
  if (retention !== undefined && !isLogRetention(retention)) {
    problems.add(
      `\`${prefix}logRetentionDays\` ${retention} is not one CloudWatch accepts (${LOG_RETENTION_DAYS.join(', ')})`,
    );
  }
  const reserved = options.reservedConcurrency;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    problems.add(
      `\`${prefix}reservedConcurrency\` ${reserved} must be a whole number ≥ 1 (0 would stop the function)`,
    );
  }
  const directory = options.runtimeBundleDirectory;
  if (directory !== undefined) {
    const exists = existsSync(directory) && statSync(directory).isDirectory();
    if (!exists || !existsSync(join(directory, 'index.js'))) {
      problems.add(
        `\`${prefix}runtimeBundleDirectory\` ${show(directory)} ${exists ? 'holds no index.js' : 'is not a directory'}; build one with \`npm run build:runtime -- DIR\` in a clone of backend-link, or leave the prop out to deploy the bundle the package ships`,
      );
    }
  }
}

/** Where the Lambda-specific checks of the runtime configuration report (the props the caller wrote). */
export interface LambdaConfigNames {
  /** The prefix of `timeouts.*` and `limits.*`: `config.` or `runtime.` */
  readonly config: string;
  /** The function timeout's prop. */
  readonly timeoutSeconds: string;
  /** The prop that sets the trusted hops. */
  readonly trustedHops: string;
}

/**
 * What a runtime configuration must respect on Lambda behind an ALB, beyond the runtime's own validator:
 * each timeout below the function's (Lambda would end the invocation first and the caller would get the
 * ALB's 502 instead of the runtime's 504), body limits within the 1 MB an ALB passes to and from a
 * function, and at least one trusted hop (the ALB appends the caller's address to `X-Forwarded-For`: with
 * 0 hops the runtime would check an address it has not got, and refuse every request).
 */
export function checkConfigForLambda(
  problems: Problems,
  config: Pick<GatewayConfig, 'timeouts' | 'limits' | 'trustedSources'>,
  timeoutSeconds: number | undefined,
  names: LambdaConfigNames,
): void {
  const timeout = timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds;
  for (const key of ['connectMs', 'headersMs', 'bodyMs'] as const) {
    const value = config.timeouts?.[key];
    if (typeof value === 'number' && !isUnresolved(value) && value >= timeout * 1000) {
      problems.add(
        `\`${names.config}timeouts.${key}\` ${value} is not below the function's timeout of ${timeout} s (\`${names.timeoutSeconds}\`): Lambda would end the invocation first; use less than ${timeout * 1000}, or raise the timeout`,
      );
    }
  }
  for (const key of ['maxRequestBodyBytes', 'maxResponseBodyBytes', 'maxReplayBodyBytes'] as const) {
    const value = config.limits?.[key];
    if (typeof value === 'number' && !isUnresolved(value) && value > LAMBDA_MAX_RESPONSE_BYTES) {
      problems.add(
        `\`${names.config}limits.${key}\` ${value} is above the ${LAMBDA_MAX_RESPONSE_BYTES} bytes an ALB passes to or from a Lambda function; use at most ${LAMBDA_MAX_RESPONSE_BYTES}`,
      );
    }
  }
  if (config.trustedSources?.trustedHops === 0) {
    problems.add(
      `\`${names.trustedHops}\` 0 would refuse every request behind the load balancer: the ALB appends the caller's address to X-Forwarded-For, one hop; use 1 (the default) or more`,
    );
  }
}
