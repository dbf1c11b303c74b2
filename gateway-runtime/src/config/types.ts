/**
 * The gateway runtime's configuration: one typed, versioned JSON document. It is the contract between
 * the constructs in lib/ (which write it into the Lambda function's environment) and the runtime (which
 * validates it at start and refuses to start when it is wrong). It holds secret *references*, never
 * secret values.
 *
 * Every type here comes from the definition (definition.ts), so a field can not exist in one and not the
 * other; the secret reference's three shapes are written out (a union), and checked against the
 * definition's SECRET_REF below.
 */

import type {
  BACKEND,
  BACKEND_TLS,
  DNS,
  FORWARDING,
  LIMITS,
  ROOT,
  SCHEMES,
  SECRET_REF,
  SectionConfig,
  SERVER,
  SERVER_TLS,
  TIMEOUTS,
  TRUSTED_SOURCES,
} from './definition';

export type { SecurityScheme, SecuritySchemeType } from './definition';

/** The version of the document this runtime reads. A document of another version is refused. */
export const CONFIG_VERSION = 1;

/** A secret in AWS Secrets Manager. With `jsonKey`, the secret string is a JSON object and the value is that key. */
export interface SecretsManagerRef {
  readonly secretArn: string;
  readonly jsonKey?: string;
}

/** A secret in a local file (for the standalone proxy and for tests). With `jsonKey`, the file is JSON. */
export interface FileSecretRef {
  readonly file: string;
  readonly jsonKey?: string;
}

/** A secret in an environment variable (for local use). With `jsonKey`, the variable holds JSON. */
export interface EnvSecretRef {
  readonly env: string;
  readonly jsonKey?: string;
}

export type SecretRef = SecretsManagerRef | FileSecretRef | EnvSecretRef;

/** Compile-time: the union's fields are exactly SECRET_REF's (the definition's). */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type UnionKeys<U> = U extends unknown ? keyof U : never;
const secretRefMatchesDefinition: SameKeys<Record<UnionKeys<SecretRef>, 0>, typeof SECRET_REF> = true;
void secretRefMatchesDefinition;

/** TLS towards the backend. Certificate verification is always on and can not be turned off. */
export type BackendTlsConfig = SectionConfig<typeof BACKEND_TLS>;

/**
 * How the backend's (or the token endpoint's) name is resolved: through the customer's own DNS servers
 * across its own link, or from pinned addresses, never through the system's (the VPC's) resolver. TLS
 * still verifies the name, not the address. Its fields: DNS in definition.ts.
 */
export type DnsConfig = SectionConfig<typeof DNS>;

export type BackendConfig = SectionConfig<typeof BACKEND>;

export type SignatureAlgorithm = (typeof SCHEMES.signature.algorithm.values)[number];

/** A value that may be given inline (not secret, e.g. a user name) or by reference. */
export type StringOrSecret = string | SecretRef;

/** Admit only clients whose address (as appended by the trusted load balancer) is in these blocks. */
export type TrustedSourcesConfig = SectionConfig<typeof TRUSTED_SOURCES>;

export type ForwardingConfig = SectionConfig<typeof FORWARDING>;

export type TimeoutsConfig = SectionConfig<typeof TIMEOUTS>;

export type LimitsConfig = SectionConfig<typeof LIMITS>;

/** Inbound TLS of the standalone server (`https://`), and with `clientCa` mutual TLS. Its fields: SERVER_TLS. */
export type ServerTlsConfig = SectionConfig<typeof SERVER_TLS>;

/** The standalone server (CLI `serve`). */
export type ServerConfig = SectionConfig<typeof SERVER>;

/** The whole document (its fields: ROOT in definition.ts). */
export type GatewayConfig = SectionConfig<typeof ROOT>;
