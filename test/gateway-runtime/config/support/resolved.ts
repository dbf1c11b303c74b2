/**
 * The runtime's factories read resolved configuration (every default applied, as createGateway and the
 * standalone server pass it after `resolveConfig`). Tests that call a factory directly with a document as
 * written go through these: the same factory, given what the parse step would give it.
 */
import { callerTimeouts } from '../../../../gateway-runtime/src/adapters/server';
import { DNS, TIMEOUTS } from '../../../../gateway-runtime/src/config/definition';
import { resolveConfig, resolveScheme, withDefaults } from '../../../../gateway-runtime/src/config/resolve';
import type { DnsConfig, GatewayConfig, SecurityScheme } from '../../../../gateway-runtime/src/config/types';
import { createBackendDispatchers } from '../../../../gateway-runtime/src/io/dispatchers';
import { createBackendResolver, createGatewayResolvers } from '../../../../gateway-runtime/src/io/resolver';
import { createAuthScheme } from '../../../../gateway-runtime/src/schemes';
import { createOAuth2Scheme, type OAuth2SchemeConfig } from '../../../../gateway-runtime/src/schemes/oauth2';
import {
  createSignatureScheme,
  type SignatureSchemeConfig,
} from '../../../../gateway-runtime/src/schemes/signature';
import { createTokenScheme, type TokenSchemeConfig } from '../../../../gateway-runtime/src/schemes/token';
import type { SchemeContext } from '../../../../gateway-runtime/src/schemes/types';

/** `timeouts` with every default. */
export const defaultTimeouts = () => withDefaults(undefined, TIMEOUTS);
/** A scheme context with the default timeouts unless it brings its own. */
const withTimeouts = (ctx: SchemeContext) => ({ timeouts: defaultTimeouts(), ...ctx });

export const backendResolver = (dns: DnsConfig, ...rest: Tail<typeof createBackendResolver>) =>
  createBackendResolver(withDefaults(dns, DNS), ...rest);
export const gatewayResolvers = (config: GatewayConfig, ...rest: Tail<typeof createGatewayResolvers>) =>
  createGatewayResolvers(resolveConfig(config), ...rest);
export const backendDispatchers = (config: GatewayConfig, ...rest: Tail<typeof createBackendDispatchers>) =>
  createBackendDispatchers(resolveConfig(config), ...rest);
export const serverCallerTimeouts = (config: GatewayConfig) => callerTimeouts(resolveConfig(config));
export const authScheme = (scheme: SecurityScheme, ctx: SchemeContext) =>
  createAuthScheme(resolveScheme(scheme), withTimeouts(ctx));
export const tokenScheme = (scheme: TokenSchemeConfig, ctx: SchemeContext) =>
  createTokenScheme(resolveScheme(scheme), ctx);
export const signatureScheme = (scheme: SignatureSchemeConfig, ctx: SchemeContext) =>
  createSignatureScheme(resolveScheme(scheme), ctx);
export const oauth2Scheme = (
  scheme: OAuth2SchemeConfig,
  ctx: SchemeContext,
  ...rest: Tail<Tail<typeof createOAuth2Scheme>>
) => createOAuth2Scheme(resolveScheme(scheme), withTimeouts(ctx), ...rest);

type Tail<F> = F extends (first: never, ...rest: infer R) => unknown
  ? R
  : F extends readonly [unknown, ...infer R]
    ? R
    : never;
