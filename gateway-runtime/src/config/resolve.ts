/**
 * The parse step's second half: the document with every default of the definition applied, so the
 * runtime reads resolved values and no `?? DEFAULT_*` fallback is written anywhere else.
 */
import {
  DNS,
  Fields,
  FORWARDING,
  LIMITS,
  OAUTH2_TUNING,
  ResolvedSection,
  ROOT_TUNING,
  SERVER,
  TIMEOUTS,
} from './definition';
import { DnsConfig, GatewayConfig, SecurityScheme, ServerConfig } from './types';
import { validateConfig, ValidateOptions } from './validate';

/** A section's fields with the definition's defaults in place of the missing ones (the input is not changed). */
export function withDefaults<S extends Fields>(value: object | undefined, section: S): ResolvedSection<S> {
  const resolved: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(section)) {
    if (field.default !== undefined) resolved[key] = field.default;
  }
  for (const [key, fieldValue] of Object.entries(value ?? {})) {
    if (fieldValue !== undefined) resolved[key] = fieldValue;
  }
  return resolved as ResolvedSection<S>;
}

export type ResolvedDnsConfig = ResolvedSection<typeof DNS>;
export type ResolvedTimeoutsConfig = ResolvedSection<typeof TIMEOUTS>;
export type ResolvedLimitsConfig = ResolvedSection<typeof LIMITS>;
export type ResolvedForwardingConfig = ResolvedSection<typeof FORWARDING>;
export type ResolvedServerConfig = ResolvedSection<typeof SERVER> & Omit<ServerConfig, keyof typeof SERVER>;
export type ResolvedSecurityScheme =
  | Exclude<SecurityScheme, { type: 'oauth2-client-credentials' }>
  | (Extract<SecurityScheme, { type: 'oauth2-client-credentials' }> &
      ResolvedSection<typeof OAUTH2_TUNING> & { readonly tokenEndpointDns?: ResolvedDnsConfig });

/** The configuration as the runtime reads it: every section there, every default applied. */
export type ResolvedGatewayConfig = Omit<
  GatewayConfig,
  'backend' | 'security' | 'forwarding' | 'timeouts' | 'limits' | 'server' | keyof typeof ROOT_TUNING
> &
  ResolvedSection<typeof ROOT_TUNING> & {
    readonly backend: Omit<GatewayConfig['backend'], 'dns'> & { readonly dns?: ResolvedDnsConfig };
    readonly security: ResolvedSecurityScheme;
    readonly forwarding: ResolvedForwardingConfig;
    readonly timeouts: ResolvedTimeoutsConfig;
    readonly limits: ResolvedLimitsConfig;
    readonly server: ResolvedServerConfig;
  };

const dnsWithDefaults = (dns: DnsConfig | undefined): ResolvedDnsConfig | undefined =>
  dns === undefined ? undefined : withDefaults(dns, DNS);

/** Applies the definition's defaults to a document (valid, or from code that built it typed). */
export function resolveConfig(config: GatewayConfig | ResolvedGatewayConfig): ResolvedGatewayConfig {
  const security = config.security;
  return {
    ...config,
    ...withDefaults(config, ROOT_TUNING),
    backend: { ...config.backend, dns: dnsWithDefaults(config.backend.dns) },
    security:
      security.type === 'oauth2-client-credentials'
        ? {
            ...security,
            ...withDefaults(security, OAUTH2_TUNING),
            tokenEndpointDns: dnsWithDefaults(security.tokenEndpointDns),
          }
        : security,
    forwarding: withDefaults(config.forwarding, FORWARDING),
    timeouts: withDefaults(config.timeouts, TIMEOUTS),
    limits: withDefaults(config.limits, LIMITS),
    server: { ...config.server, ...withDefaults(config.server, SERVER) },
  };
}

/**
 * Validates a document (throws one ConfigError with every problem) and returns it with every default
 * applied. `validateConfig` returns the document exactly as written (for logs and comparisons).
 */
export function parseConfig(input: unknown, options: ValidateOptions = {}): ResolvedGatewayConfig {
  return resolveConfig(validateConfig(input, options));
}
