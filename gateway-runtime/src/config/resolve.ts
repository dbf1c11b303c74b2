/**
 * The parse step's second half: the document with every default of the definition applied, so the
 * runtime reads resolved values and no `?? DEFAULT_*` fallback is written anywhere else.
 */
import {
  DNS,
  Fields,
  FORWARDING,
  LIMITS,
  ResolvedSection,
  ResolvedSecurityScheme,
  ROOT,
  SCHEMES,
  SecurityScheme,
  SERVER,
  TIMEOUTS,
} from './definition';
import type { GatewayConfig } from './types';
import { validateConfig, ValidateOptions } from './validate';

export type { ResolvedSecurityScheme } from './definition';

/**
 * A section's fields with the definition's defaults in place of the missing ones, nested sections
 * resolved too (a section with a default, `{}`, is there even when not written). The input is not changed.
 */
export function withDefaults<S extends Fields>(value: object | undefined, section: S): ResolvedSection<S> {
  const resolved: Record<string, unknown> = { ...value };
  for (const [key, field] of Object.entries(section)) {
    const given = resolved[key] ?? field.default;
    if (given !== undefined)
      resolved[key] = field.kind === 'obj' ? withDefaults(given as object, field.fields) : given;
  }
  return resolved as ResolvedSection<S>;
}

export type ResolvedDnsConfig = ResolvedSection<typeof DNS>;
export type ResolvedTimeoutsConfig = ResolvedSection<typeof TIMEOUTS>;
export type ResolvedLimitsConfig = ResolvedSection<typeof LIMITS>;
export type ResolvedForwardingConfig = ResolvedSection<typeof FORWARDING>;
export type ResolvedServerConfig = ResolvedSection<typeof SERVER>;
/** A scheme of one type with its defaults applied. */
export type ResolvedScheme<S extends SecurityScheme> = Extract<ResolvedSecurityScheme, { type: S['type'] }>;

/** The configuration as the runtime reads it: every section there, every default applied. */
export type ResolvedGatewayConfig = Omit<ResolvedSection<typeof ROOT>, 'security'> & {
  readonly security: ResolvedSecurityScheme;
};

/** Applies the definition's defaults to a security scheme (valid, or built typed). */
export const resolveScheme = <S extends SecurityScheme>(scheme: S): ResolvedScheme<S> =>
  withDefaults(scheme, SCHEMES[scheme.type] as Fields) as unknown as ResolvedScheme<S>;

/**
 * Applies the definition's defaults to a document (valid, or from code that built it typed). The parse
 * step's second half, done once where a gateway is made (createGateway, the standalone server, `check`);
 * resolving a resolved document again changes nothing.
 */
export function resolveConfig(config: GatewayConfig | ResolvedGatewayConfig): ResolvedGatewayConfig {
  const resolved = withDefaults(config, ROOT);
  return { ...resolved, security: tlsClientAuthCertificate(resolveScheme(resolved.security), resolved) };
}

/**
 * RFC 8705 client authentication without its own `clientCertificate` uses the backend's: a token bound to
 * that certificate (§3) then passes a backend that checks the binding on the same connection identity.
 */
function tlsClientAuthCertificate(
  security: ResolvedSecurityScheme,
  config: Pick<ResolvedGatewayConfig, 'backend'>,
): ResolvedSecurityScheme {
  const backendCertificate = config.backend.tls?.clientCertificate;
  if (
    security.type !== 'oauth2-client-credentials' ||
    security.clientCertificate !== undefined ||
    backendCertificate === undefined ||
    (security.authMethod !== 'tls_client_auth' && security.authMethod !== 'self_signed_tls_client_auth')
  ) {
    return security;
  }
  return { ...security, clientCertificate: backendCertificate };
}

/**
 * Validates a document (throws one ConfigError with every problem) and returns it with every default
 * applied. `validateConfig` returns the document exactly as written (for logs and comparisons).
 */
export function parseConfig(input: unknown, options: ValidateOptions = {}): ResolvedGatewayConfig {
  return resolveConfig(validateConfig(input, options));
}
