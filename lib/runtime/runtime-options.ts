/**
 * What a CustomerBackendLink writes into its gateway's runtime configuration, derived from the runtime's
 * own definition (gateway-runtime/src/config/definition.ts) rather than restated: `RuntimeOptions` picks
 * the operator sections (`OPERATOR_SECTIONS`) from the runtime's `GatewayConfig` type, and
 * `runtimeConfigOf` writes them through unchanged. A field added to one of those sections of the
 * definition is a `RuntimeOptions` field at once, with its doc comment.
 */
import { OPERATOR_SECTIONS, type OperatorSection } from '../../gateway-runtime/src/config/definition';
import { CONFIG_VERSION, type DnsConfig, type GatewayConfig } from '../../gateway-runtime/src/config/types';
import type { SecretRef } from '../../gateway-runtime/src/config/types';
import type { BackendSecurity } from './backend-security';
import type { GatewayFunctionProps } from './gateway-function';

/** Settings of the gateway runtime beyond the security scheme. */
export interface RuntimeOptions
  extends
    Pick<
      GatewayFunctionProps,
      | 'lambdaRuntime'
      | 'architecture'
      | 'memorySize'
      | 'timeoutSeconds'
      | 'reservedConcurrency'
      | 'logRetentionDays'
      | 'runtimeBundleDirectory'
    >,
    /**
     * The runtime configuration's operator sections (`forwarding`, `timeouts`, `limits`: OPERATOR_SECTIONS in
     * gateway-runtime/src/config/definition.ts), written into the runtime configuration unchanged.
     * @default - the runtime's defaults
     */
    Pick<GatewayConfig, OperatorSection> {}

/** The props of a link that its runtime configuration is made of (CustomerBackendLinkProps has them). */
export interface RuntimeConfigSource {
  readonly customerName: string;
  readonly backend: { readonly url: string; readonly dns?: DnsConfig };
  readonly security: BackendSecurity;
  readonly runtime?: RuntimeOptions;
  /** Where the link runs: its region fills in a SigV4 region left out. @default - not known */
  readonly platform?: { readonly region: string };
}

/** The runtime configuration of a link, with secret references from `ref`. */
export function runtimeConfigOf(
  props: RuntimeConfigSource,
  ref: (name: string, key: string) => SecretRef,
): GatewayConfig {
  const rendered = props.security.render(ref, { region: props.platform?.region });
  const runtime = props.runtime ?? {};
  return {
    version: CONFIG_VERSION,
    name: props.customerName,
    backend: {
      url: props.backend.url,
      ...(rendered.backendTls ? { tls: rendered.backendTls } : {}),
      ...(props.backend.dns ? { dns: props.backend.dns } : {}),
    },
    security: rendered.security,
    ...(rendered.trustedSources ? { trustedSources: rendered.trustedSources } : {}),
    ...Object.fromEntries(OPERATOR_SECTIONS.flatMap((key) => (runtime[key] ? [[key, runtime[key]]] : []))),
  };
}
