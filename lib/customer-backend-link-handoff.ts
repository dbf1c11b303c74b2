import type { GatewayConfig } from '../gateway-runtime/src/config/types';
import type { BackendProps, CustomerBackendLinkProps } from './customer-backend-link';
import type { CheckedPrivateEndpoint, CheckedPublicEndpoint } from './customer-backend-link-checks';
import type { CustomerSubnets } from './network/customer-subnets';
import type { BackendSecrets } from './secrets/backend-secrets';
import { urlPort } from './shared/ports';
import { isUnresolved } from './shared/validation';
import { elasticIpsOf } from './customer-backend-link-network';
import { GatewayFunction } from './runtime/gateway-function';

/** What the link's `<customer>_handoff` output is made of. */
export interface HandoffSource {
  readonly props: CustomerBackendLinkProps;
  /** `backend` as built (with the public endpoint's addresses pinned). */
  readonly backend: BackendProps;
  readonly backendCidrs: readonly string[];
  readonly backendPort: number;
  readonly publicEndpoint?: CheckedPublicEndpoint;
  /** The private-endpoint path (`resourceEndpoint` or `privateLinkEndpoint`). */
  readonly privateEndpoint?: CheckedPrivateEndpoint;
  readonly subnets: CustomerSubnets;
  readonly secrets: BackendSecrets;
  readonly runtimeConfig: GatewayConfig;
}

/** The value of the `<customer>_handoff` output: what the customer is told about its link (no secret values). */
export function handoffValue(source: HandoffSource): Record<string, unknown> {
  const { props, backend, subnets, secrets, publicEndpoint, privateEndpoint } = source;
  return {
    customer: props.customerName,
    backend_url: backend.url,
    security: securityHandoff(source),
    // cdktf outputs can not hold null: absent parts are left out.
    ...(props.security.mutualTls
      ? {
          mutual_tls: {
            client_certificate_secret_arn: secrets.ref('client-certificate', 'certificate').secretArn,
            servername: props.security.mutualTls.servername ?? new URL(backend.url).hostname,
          },
        }
      : {}),
    ...(props.security.trustedSources ? { trusted_sources: [...props.security.trustedSources.cidrs] } : {}),
    source_cidrs: subnets.subnets.map((s) => s.cidrBlock),
    destinations: destinationsOf(source.runtimeConfig, source.backendCidrs, source.backendPort, backend),
    // The gateway's DNS queries (UDP and TCP) to the customer's servers: the firewall must admit them.
    ...(backend.dns?.servers ? { dns_servers: [...backend.dns.servers] } : {}),
    ...(publicEndpoint
      ? { public_endpoint: publicEndpointHandoff(props, backend, subnets, publicEndpoint) }
      : {}),
    // The endpoint path (lib/connectivity/endpoint-handoff.ts renders it): whom the customer shares with, where.
    ...(privateEndpoint
      ? {
          private_endpoint: {
            mode: privateEndpoint.mode,
            platform_account_id: props.accountId,
            region: props.platform.region,
            ports: privateEndpoint.ports,
          },
        }
      : {}),
    secret_arns: Object.fromEntries(secrets.secrets.map((s) => [s.name, s.secretArn])),
    fill_after_deploy: secrets.secrets.filter((s) => s.source === 'fill-after-deploy').map((s) => s.name),
  };
}

/**
 * The security's description, and for SigV4 what the backend owner's policies name: the region the runtime
 * signs for (the platform's when the builder left it out) and the gateway function's role.
 */
function securityHandoff(source: HandoffSource): Record<string, string> {
  const { props, runtimeConfig } = source;
  const description = props.security.description;
  if (runtimeConfig.security.type !== 'sigv4') return { ...description };
  const { platform } = props;
  return {
    ...description,
    ...(runtimeConfig.security.region !== undefined ? { region: runtimeConfig.security.region } : {}),
    gatewayRoleArn: GatewayFunction.roleArnFor(
      platform.name,
      props.customerName,
      props.accountId,
      platform.partition,
      platform.region,
    ),
  };
}

/** What the customer must know of the public path: where we call, and the only addresses we call from. */
function publicEndpointHandoff(
  props: CustomerBackendLinkProps,
  backend: BackendProps,
  subnets: CustomerSubnets,
  endpoint: CheckedPublicEndpoint,
): Record<string, unknown> {
  const url = new URL(backend.url);
  return {
    hostname: url.hostname,
    port: urlPort(backend.url) ?? 443,
    addresses: [...props.publicEndpoint!.addresses],
    // The Elastic IPs of the zones the customer's function runs in.
    egress_ips: elasticIpsOf(subnets),
    header_scheme: props.security.type,
    ...(endpoint.headerOnlySchemeReason
      ? { header_only_scheme_reason: endpoint.headerOnlySchemeReason }
      : {}),
  };
}

/** A destination the gateway connects to, for the customer's firewall (the handoff). */
interface HandoffDestination {
  readonly what: string;
  readonly host?: string;
  readonly cidrs: string[];
  readonly port: number;
}

/** `{ host }` of a URL, or nothing when it is a token (or not a URL: reported by the validation). */
function hostOf(url: string): { host?: string } {
  if (isUnresolved(url)) return {};
  try {
    return { host: new URL(url).hostname };
  } catch {
    return {};
  }
}

/** Every destination and port the gateway uses: the backend, the token endpoint, the additional egress. */
function destinationsOf(
  config: GatewayConfig,
  backendCidrs: readonly string[],
  backendPort: number,
  backend: BackendProps,
): HandoffDestination[] {
  const extra = backend.additionalEgress ?? [];
  const destinations: HandoffDestination[] = [
    { what: 'backend', ...hostOf(backend.url), cidrs: [...backendCidrs], port: backendPort },
  ];
  if (config.security.type === 'oauth2-client-credentials') {
    const url = config.security.tokenUrl;
    const port = urlPort(url) ?? 443;
    destinations.push({
      what: 'OAuth 2.0 token endpoint',
      ...hostOf(url),
      cidrs: [
        ...(port === backendPort ? backendCidrs : []),
        ...extra.filter((e) => e.port === port).map((e) => e.cidr),
      ],
      port,
    });
  }
  for (const e of extra) {
    destinations.push({ what: e.description ?? 'additional destination', cidrs: [e.cidr], port: e.port });
  }
  return destinations;
}
