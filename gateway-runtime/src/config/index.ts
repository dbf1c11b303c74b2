export * from './types';
export * from './defaults';
export {
  validateConfig,
  cidrProblem,
  SECURITY_SCHEME_TYPES,
  SCHEME_FIELDS,
  ROOT_FIELDS,
  SIGNATURE_ALGORITHMS,
  REPLACED_FIELDS,
  REPLACED_SCHEME_TYPES,
  MAX_TIMEOUT_MS,
} from './validate';
export type { ValidateOptions } from './validate';
export { parseConfig, resolveConfig, resolveScheme, withDefaults } from './resolve';
export type {
  ResolvedGatewayConfig,
  ResolvedDnsConfig,
  ResolvedForwardingConfig,
  ResolvedLimitsConfig,
  ResolvedScheme,
  ResolvedSecurityScheme,
  ResolvedServerConfig,
  ResolvedTimeoutsConfig,
} from './resolve';
export { OPERATOR_SECTIONS } from './definition';
export type { SectionConfig, ResolvedSection } from './definition';
