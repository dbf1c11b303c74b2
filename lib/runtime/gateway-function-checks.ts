import type { IConstruct } from 'constructs';
import { Token } from 'cdktf';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { validateConfig } from '../../gateway-runtime/src/config/validate';
import { ConfigError } from '../../gateway-runtime/src/core/errors';
import { describeCidrProblem, parseCidr } from '../shared/cidr';
import { urlPort } from '../shared/ports';
import type { Problem } from '../shared/problems';
import { ProblemList, problem } from '../shared/problem-list';
import { Problems, checkAccountId, isUnresolved, show } from '../shared/validation';
import { checkAlarmTuning } from './alarm-options';
import { checkDnsServersAreLiteral } from './dns-egress';
import { environmentBytes, largestValues, withLongestValues } from './environment-size';
import { CONFIG_ENV_VAR, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from './function-defaults';
import { checkConfigForLambda, checkFunctionOptions } from './function-options';
import type { GatewayFunctionAlarms, GatewayFunctionProps } from './gateway-function';

/** The function's environment variables. */
export function environmentOf(config: GatewayConfig): Record<string, string> {
  return { [CONFIG_ENV_VAR]: JSON.stringify(config), NODE_OPTIONS: '--enable-source-maps' };
}

/**
 * Lambda's 4 KB limit on the environment, with every secret ARN (a token until apply) at its longest real
 * form. The document stays in the environment: it is known in full only after apply (the ARNs), it is read
 * once at cold start without a network call or another endpoint, and a few hundred bytes per secret
 * reference leave room for every scheme (the showcase's largest, OAuth 2.0 with mutual TLS and five secret
 * references, measures 1,205 bytes this way).
 */
export function environmentSizeProblem(
  config: GatewayConfig,
  where: { readonly availabilityZones: readonly string[]; readonly accountId: string },
  tokens: IConstruct,
): Problem | undefined {
  const zone = where.availabilityZones[0] ?? '';
  const region = isUnresolved(zone) ? 'xx-xxxxxxxxx-9' : zone.slice(0, -1);
  const accountId = isUnresolved(where.accountId) ? '000000000000' : where.accountId;
  const longest = withLongestValues(tokens, environmentOf(config), { region, accountId });
  const bytes = environmentBytes(longest);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return undefined;
  const largest = largestValues(JSON.parse(longest[CONFIG_ENV_VAR]), 3)
    .map((v) => `${v.path} (${v.bytes} bytes)`)
    .join(', ');
  return problem(
    'config',
    undefined,
    `makes the function's environment ${bytes} bytes with every secret ARN at its longest real form; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes for all variables (measured as JSON). Shorten the largest values: ${largest} (for secret ARNs: shorter secret names, or fewer secrets)`,
  );
}

/**
 * The problems of a `GatewayFunction`'s props, every one of them (nothing thrown, no construct created): the
 * runtime configuration with the runtime's own validator, the destinations, the function's options, its alarms
 * and the size of its environment (tokens in the configuration, the secrets' ARNs, measured through `subnets`'
 * stack at their longest real form).
 */
export function checkGatewayFunctionProps(props: GatewayFunctionProps): Problem[] {
  return parseGatewayFunctionProps(props).problems;
}

/** Checks the props and returns the backend's port. */
export function parseGatewayFunctionProps(props: GatewayFunctionProps): {
  problems: Problem[];
  backendPort: number;
} {
  const problems = new ProblemList();
  checkAccountId(problems, 'accountId', props.accountId);
  try {
    validateConfig(props.config, { isUnresolved: (value) => Token.isUnresolved(value) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) problems.add(`\`config.${p.path}\`: ${p.message}`);
  }
  checkDnsServersAreLiteral(problems, 'config', props.config);
  // An invalid URL was reported above; 443 keeps the port checks below meaningful meanwhile.
  const port = urlPort(props.config.backend.url) ?? 443;
  const tooLarge = environmentSizeProblem(
    props.config,
    { availabilityZones: props.subnets.platform.availabilityZones, accountId: props.accountId },
    props.subnets,
  );
  if (tooLarge) problems.addAll([tooLarge]);
  // With `backend.connectTo` (a private endpoint) the function reaches the endpoint's security group instead.
  if (props.backendCidrs.length === 0 && props.config.backend.connectTo === undefined) {
    problems.add('`backendCidrs` is empty; list the on-premises blocks the backend lives in');
  }
  if (props.endpointCidrs !== undefined && props.endpointCidrs.length === 0) {
    problems.add("`endpointCidrs` is empty; list the blocks of the interface endpoints' subnets");
  }
  const destinations = [
    ...props.backendCidrs.map((cidr, i) => ({ prop: `backendCidrs[${i}]`, cidr, port })),
    ...(props.endpointCidrs ?? []).map((cidr, i) => ({ prop: `endpointCidrs[${i}]`, cidr, port: 443 })),
    ...(props.additionalEgress ?? []).map((e, i) => ({
      prop: `additionalEgress[${i}]`,
      cidr: e.cidr,
      port: e.port,
    })),
  ];
  for (const { prop, cidr, port: p } of destinations) {
    if (!isUnresolved(cidr)) {
      const parsed = parseCidr(cidr);
      if (!parsed) problems.add(`\`${prop}\` ${show(cidr)} ${describeCidrProblem(cidr)}`);
      else if (parsed.prefixLength === 0)
        problems.add(`\`${prop}\` ${parsed.text} would open egress to everywhere`);
    }
    if (!Number.isInteger(p) || p < 1 || p > 65535)
      problems.add(`\`${prop}\` port ${show(p)} is not 1-65535`);
  }
  checkFunctionOptions(problems, props, '');
  checkFunctionAlarms(problems, props.alarms, 'alarms');
  checkConfigForLambda(problems, props.config, props.timeoutSeconds, {
    config: 'config.',
    timeoutSeconds: 'timeoutSeconds',
    trustedHops: 'config.trustedSources.trustedHops',
  });
  return { problems: problems.problems, backendPort: port };
}

/** Records the problems of `alarms` (GatewayFunctionAlarms) under `prop`. */
export function checkFunctionAlarms(
  problems: Problems,
  alarms: GatewayFunctionAlarms | undefined,
  prop: string,
): void {
  if (alarms === undefined) return;
  checkAlarmTuning(problems, `${prop}.errors`, alarms.errors);
  checkAlarmTuning(problems, `${prop}.throttles`, alarms.throttles);
}
