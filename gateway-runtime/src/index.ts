/**
 * The gateway runtime's public entry point, `backend-link/runtime`: the configuration document's types,
 * validator and parse step, the typed errors, and the two adapters (the Lambda handler factory and the
 * standalone server), for users' own code and tests. It loads no cdktf. Named exports only: the
 * definition's tables, the `DEFAULT_*` constants and the validator's field lists are not API (read the
 * defaults from `parseConfig`'s result). api/backend-link.api.md lists this surface (`npm run api:report`).
 */

// The configuration document.
export { CONFIG_VERSION, parseConfig, resolveConfig, validateConfig } from './config';
export type {
  BackendConfig,
  BackendTlsConfig,
  DnsConfig,
  EnvSecretRef,
  FileSecretRef,
  ForwardingConfig,
  GatewayConfig,
  LimitsConfig,
  ResolvedDnsConfig,
  ResolvedForwardingConfig,
  ResolvedGatewayConfig,
  ResolvedLimitsConfig,
  ResolvedSecurityScheme,
  ResolvedServerConfig,
  ResolvedTimeoutsConfig,
  SecretRef,
  SecretsManagerRef,
  SecurityScheme,
  SecuritySchemeType,
  ServerConfig,
  ServerTlsConfig,
  SignatureAlgorithm,
  StringOrSecret,
  TimeoutsConfig,
  TrustedSourcesConfig,
  ValidateOptions,
} from './config';

// Errors: one base, a stable `code` and the HTTP status each maps to.
export {
  BackendAddressNotAllowedError,
  BackendDnsError,
  BackendProtocolError,
  BackendTimeoutError,
  BackendTlsError,
  BackendUnreachableError,
  BadRequestError,
  ClientAbortedError,
  ClientNotAllowedError,
  ConfigError,
  CredentialsUnavailableError,
  GatewayError,
  MethodNotAllowedError,
  PathRejectedError,
  ReplayBodyTooLargeError,
  RequestTooLargeError,
  ResponseTooLargeError,
  SourceDeniedError,
  toProblem,
} from './core/errors';
export type { ProblemJson, SecretFailureReason } from './core/errors';

// The gateway and its adapters.
export { createGateway } from './proxy';
export type { Gateway, GatewayDeps, GatewayRequest, GatewayResponse, HandleOptions } from './proxy';
export type { BodySink, ResponseBody } from './io/response-body';
export { AbortFlag } from './core/abort';
export type { AbortListener, AbortSignalLike } from './core/abort';
export type { IncomingHeaders } from './core/headers';
export type { ClientIdentity, LineSink } from './observability/log';
export type { SecretResolver, SecretValue } from './secrets/types';
export { CONFIG_ENV_VAR, createLambdaHandler, loadConfigFromJson } from './adapters/lambda';
export type {
  AlbEvent,
  AlbHandler,
  AlbResult,
  CheckEvent,
  LambdaContextLike,
  LambdaHandlerOptions,
} from './adapters/lambda';
export { CHECK_EXIT_CODES, formatStep, runChecks } from './check';
export type { CheckClass, CheckOptions, CheckResult, CheckStep } from './check';
export { startServer } from './adapters/server';
export type { ServerOptions, StandaloneServer } from './adapters/server';
