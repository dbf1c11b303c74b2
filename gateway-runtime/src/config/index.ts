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
