/**
 * backend-link's public API: every construct, its props and the types a user needs to write props or read
 * attributes, the error classes and the documented helpers. Named exports only: an internal helper (a
 * prop check, a parser, a default table, a bundler step) is not API, and a module's new export is not public
 * until it is named here. api/backend-link.api.md lists this surface; `npm run api:report` writes it, and
 * test/api/api-report.test.ts fails when the two differ.
 */
import { checkSingleCopies } from './shared/single-copy';

// Fails at load time, naming both copies, when the app and backend-link load different cdktf or provider copies.
checkSingleCopies();

// Errors.
export { ValidationError, type Problem, type PlacedProblem } from './shared/validation';
export { PeerDependencyError, PEER_VERSIONS } from './shared/single-copy';

// The platform.
export { GatewayPlatform } from './platform/gateway-platform';
export type {
  ExistingVpcAttributes,
  GatewayPlatformProps,
  NewVpcProps,
  PlatformTransitGateway,
  PlatformVpnGateway,
  TransitGatewayProps,
  VpnAttachmentKind,
  VpnGatewayProps,
} from './platform/gateway-platform';
export type { GatewayPlatformAttributes } from './platform/platform-attributes';
export type { InterfaceEndpoints, InterfaceEndpointsProps } from './platform/interface-endpoints';
export type {
  ExistingElasticIp,
  ExistingNatGateway,
  PublicEgress,
  PublicEgressProps,
  PublicEgressQuotas,
  PublicEgressZone,
} from './platform/public-egress';
export { AlarmSubscription } from './platform/alarm-subscriptions';
export type { AlarmSubscriptionSpec } from './platform/alarm-subscriptions';
export { QUOTAS } from './platform/quotas';
export type { PlatformQuotas, QuotaName, QuotaUsage, SharedQuotaName } from './platform/quotas';
export type { Partition } from './shared/partition';

// A customer's network.
export { CustomerSubnets } from './network/customer-subnets';
export type { CustomerSubnet, CustomerSubnetsProps, NetworkAclRuleOptions } from './network/customer-subnets';
export { NETWORK_ACL_BANDS, NETWORK_ACL_BAND_WIDTH } from './shared/rule-numbers';
export type { NetworkAclPurpose } from './shared/rule-numbers';
export type { FlowLogsProps, SubnetFlowLogs } from './network/subnet-flow-logs';
export { IpAllowList } from './network/ip-allow-list';
export type { AllowedSource, AnyAddressOptIn, IpAllowListProps } from './network/ip-allow-list';
export type { Port, PortRange } from './shared/ports';

// The VPN.
export { SiteToSiteVpn } from './vpn/site-to-site-vpn';
export type { SiteToSiteVpnProps, TunnelHandoff, VpnTunnelOptions } from './vpn/site-to-site-vpn';
export type { TunnelOptionValues } from './vpn/vpn-defaults';

// The load balancer.
export { InternalLoadBalancer } from './load-balancer/internal-load-balancer';
export type {
  AccessLogsProps,
  InternalLoadBalancerProps,
  ListenerTargetOptions,
  MutualTlsProps,
} from './load-balancer/internal-load-balancer';
export { AccessLogsBucket } from './load-balancer/access-logs-bucket';
export type { AccessLogsBucketProps } from './load-balancer/access-logs-bucket';

// Secrets.
export { SecretSource } from './secrets/secret-source';
export type {
  ExistingSecretSource,
  FillAfterDeploySource,
  SecretMaterialKind,
  SecretSourceSpec,
  WriteOnlySource,
} from './secrets/secret-source';
export { BackendSecrets } from './secrets/backend-secrets';
export type {
  BackendSecret,
  BackendSecretSpec,
  BackendSecretsProps,
  SecretsPlatform,
} from './secrets/backend-secrets';

// The backend-security scheme and the gateway function.
export { BackendSecurity } from './runtime/backend-security';
export type {
  BackendMutualTlsProps,
  BackendTlsProps,
  BasicAuthProps,
  MessageSignatureAlgorithm,
  MessageSignatureProps,
  OAuth2AssertionAlgorithm,
  OAuth2ClientAuthMethod,
  OAuth2ClientCredentialsProps,
  OAuth2PrivateKeyJwtProps,
  RenderContext,
  RequestSigningProps,
  SigV4Props,
  TokenAuthProps,
  TrustedSourcesProps,
} from './runtime/backend-security';
export type { SigV4Platform } from './runtime/backend-security-checks';
export { GatewayFunction } from './runtime/gateway-function';
export type {
  EgressDestination,
  GatewayFunctionAlarms,
  GatewayFunctionProps,
} from './runtime/gateway-function';
export type { RuntimeArchive, RuntimeBundle } from './runtime/runtime-bundle';
export { LAMBDA_RUNTIMES } from './runtime/function-defaults';
export type { LambdaRuntime } from './runtime/function-defaults';
export { GatewayMonitoring } from './runtime/gateway-monitoring';
export type {
  Backend5xxRateAlarm,
  ClientCertificateExpiryAlarms,
  GatewayMonitoringOptions,
  GatewayMonitoringProps,
} from './runtime/gateway-monitoring';
export type { AlarmTuning } from './runtime/alarm-options';
export {
  LOG_METRICS_NAMESPACE,
  MONITORING_DEFAULTS,
  RUNTIME_METRICS_NAMESPACE,
} from './runtime/monitoring-defaults';

// One customer, composed.
export { CustomerBackendLink } from './customer-backend-link';
export type {
  BackendProps,
  CustomerBackendLinkProps,
  CustomerMonitoringOptions,
  PrivateLinkConnectivity,
  PublicEndpointProps,
  ResourceEndpointConnectivity,
  RuntimeOptions,
} from './customer-backend-link';

// Private connectivity without a VPN (docs/private-connectivity.md): the platform's endpoints, and the
// customer's side as code (its resource gateway, resource configuration and RAM share).
export { ResourceEndpoint } from './connectivity/resource-endpoint';
export type { ResourceEndpointProps } from './connectivity/resource-endpoint';
export { PrivateLinkEndpoint } from './connectivity/privatelink-endpoint';
export type { PrivateLinkEndpointProps } from './connectivity/privatelink-endpoint';
export type { PrivateEndpointProps } from './connectivity/endpoint-base';
export { BackendResourceShare } from './connectivity/backend-resource-share';
export type { BackendResourceShareProps, SharedBackend } from './connectivity/backend-resource-share';
export { endpointRuntimeBackend } from './connectivity/checks';
export type { EndpointRuntimeBackend, ResourceTarget, StackLocation } from './connectivity/checks';

// The runtime's configuration document (the same as `backend-link/runtime`'s).
export { validateConfig } from '../gateway-runtime/src/config/validate';
export { ConfigError } from '../gateway-runtime/src/core/errors';
export type {
  BackendConfig,
  BackendTlsConfig,
  CONFIG_VERSION,
  DnsConfig,
  EnvSecretRef,
  FileSecretRef,
  ForwardingConfig,
  GatewayConfig,
  LimitsConfig,
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
} from '../gateway-runtime/src/config/types';

// The customer's DMZ proxy, generated from the handoff (README: "Public DMZ path").
export {
  EGRESS_IP_PLACEHOLDER,
  dmzGatewayRuntimeConfig,
  dmzNginxServerBlock,
  dmzProxyFactsFromHandoff,
} from './handoff/dmz-proxy-config';
export type {
  DmzGatewayRuntimeConfig,
  DmzProxyFacts,
  DmzProxyLocations,
  DmzServerTlsConfig,
} from './handoff/dmz-proxy-config';

// Stacks.
export { configureS3State, stateKeyOf } from './stacks/s3-state';
export type { S3StateProps } from './stacks/s3-state';
