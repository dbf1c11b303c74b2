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
  SERVER_ADMIN,
  SIGNATURE_TUNING,
  TIMEOUTS,
  TOKEN_TUNING,
} from './definition';
import { DnsConfig, GatewayConfig, SecurityScheme } from './types';
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
export type ResolvedServerConfig = Omit<ResolvedSection<typeof SERVER>, 'admin'> & {
  readonly admin?: ResolvedSection<typeof SERVER_ADMIN>;
};
/** A scheme with its defaults applied (the `token`, `signature` and OAuth 2.0 tuning fields). */
export type ResolvedScheme<S extends SecurityScheme> = S extends {
  readonly type: 'oauth2-client-credentials';
}
  ? S & ResolvedSection<typeof OAUTH2_TUNING> & { readonly tokenEndpointDns?: ResolvedDnsConfig }
  : S extends { readonly type: 'token' }
    ? S & ResolvedSection<typeof TOKEN_TUNING>
    : S extends { readonly type: 'signature' }
      ? S & ResolvedSection<typeof SIGNATURE_TUNING>
      : S;
export type ResolvedSecurityScheme = ResolvedScheme<SecurityScheme>;

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

/** The defaulted fields of each scheme type that has any. */
const SCHEME_TUNING: Readonly<Record<string, Fields>> = {
  token: TOKEN_TUNING,
  signature: SIGNATURE_TUNING,
  'oauth2-client-credentials': OAUTH2_TUNING,
};

/** Applies the definition's defaults to a security scheme (valid, or built typed). */
export function resolveScheme<S extends SecurityScheme>(scheme: S): ResolvedScheme<S> {
  const resolved = { ...scheme, ...withDefaults(scheme, SCHEME_TUNING[scheme.type] ?? {}) };
  return (
    scheme.type === 'oauth2-client-credentials'
      ? { ...resolved, tokenEndpointDns: dnsWithDefaults(scheme.tokenEndpointDns) }
      : resolved
  ) as ResolvedScheme<S>;
}

/**
 * Applies the definition's defaults to a document (valid, or from code that built it typed). The parse
 * step's second half, done once where a gateway is made (createGateway, the standalone server, `check`);
 * resolving a resolved document again changes nothing.
 */
export function resolveConfig(config: GatewayConfig | ResolvedGatewayConfig): ResolvedGatewayConfig {
  return {
    ...config,
    ...withDefaults(config, ROOT_TUNING),
    backend: { ...config.backend, dns: dnsWithDefaults(config.backend.dns) },
    security: resolveScheme(config.security),
    forwarding: withDefaults(config.forwarding, FORWARDING),
    timeouts: withDefaults(config.timeouts, TIMEOUTS),
    limits: withDefaults(config.limits, LIMITS),
    server: {
      ...withDefaults(config.server, SERVER),
      admin: config.server?.admin && withDefaults(config.server.admin, SERVER_ADMIN),
    },
  };
}

/**
 * Validates a document (throws one ConfigError with every problem) and returns it with every default
 * applied. `validateConfig` returns the document exactly as written (for logs and comparisons).
 */
export function parseConfig(input: unknown, options: ValidateOptions = {}): ResolvedGatewayConfig {
  return resolveConfig(validateConfig(input, options));
}
