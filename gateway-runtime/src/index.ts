/**
 * The gateway runtime's public entry point, `backend-link/runtime`: the configuration document's types
 * and validator, the typed errors, and the two adapters (the Lambda handler factory and the standalone
 * server), for users' own code and tests. It loads no cdktf.
 */
export * from './config';
export * from './core/errors';
export { createGateway } from './proxy';
export type { Gateway, GatewayDeps, GatewayRequest, GatewayResponse, HandleOptions } from './proxy';
export type { BodySink, ResponseBody } from './io/response-body';
export { AbortFlag } from './core/abort';
export type { AbortSignalLike } from './core/abort';
export { CONFIG_ENV_VAR, createLambdaHandler, loadConfigFromJson } from './adapters/lambda';
export type { AlbEvent, AlbHandler, AlbResult, CheckEvent, LambdaHandlerOptions } from './adapters/lambda';
export { CHECK_EXIT_CODES, runChecks, formatStep } from './check';
export type { CheckClass, CheckOptions, CheckResult, CheckStep } from './check';
export { startServer } from './adapters/server';
export type { ServerOptions, StandaloneServer } from './adapters/server';
