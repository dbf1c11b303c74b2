import { ConfigError } from '../core/errors';
import { CONFIG_VERSION, GatewayConfig } from './types';

/**
 * Validates an unknown value as a GatewayConfig, naming every bad field. Throws ConfigError.
 * (Only the envelope is checked so far; the full field-by-field validator replaces this body.)
 */
export function validateConfig(input: unknown): GatewayConfig {
  const problems: Array<{ path: string; message: string }> = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError([{ path: '(root)', message: 'must be a JSON object' }]);
  }
  const doc = input as Record<string, unknown>;
  if (doc.version !== CONFIG_VERSION) {
    problems.push({
      path: 'version',
      message: `must be ${CONFIG_VERSION}, got ${JSON.stringify(doc.version)}`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return input as GatewayConfig;
}
