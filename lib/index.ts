import { checkSingleCopies } from './shared/single-copy';

// Fails at load time, naming both copies, when the app and backend-link load different cdktf or provider copies.
checkSingleCopies();

export * from './platform/gateway-platform';
export * from './network/customer-subnets';
export { ValidationError } from './shared/validation';
export * from './platform/platform-defaults';
export * from './network/ip-allow-list';
export * from './network/subnet-flow-logs';
export * from './vpn/site-to-site-vpn';
export * from './vpn/vpn-defaults';
export * from './load-balancer/internal-load-balancer';
export * from './load-balancer/load-balancer-defaults';
export * from './load-balancer/access-logs-bucket';
export * from './shared/ports';
export * from './secrets/secret-source';
export * from './secrets/backend-secrets';
export * from './runtime/backend-security';
export * from './runtime/gateway-function';
export * from './runtime/gateway-monitoring';
export type { AlarmTuning } from './runtime/alarm-options';
export {
  LOG_METRICS_NAMESPACE,
  RUNTIME_METRICS_NAMESPACE,
  MONITORING_DEFAULTS,
} from './runtime/monitoring-defaults';
export * from './runtime/runtime-bundle';
export { LAMBDA_RUNTIMES, type LambdaRuntime } from './runtime/function-defaults';
export * from './customer-backend-link';
export type * from '../gateway-runtime/src/config/types';
export * from './platform/interface-endpoints';
export * from './platform/public-egress';
export * from './handoff/dmz-proxy-config';
export { validateConfig } from '../gateway-runtime/src/config/validate';
export { ConfigError } from '../gateway-runtime/src/core/errors';
export { PeerDependencyError, PEER_VERSIONS } from './shared/single-copy';
export * from './platform/alarm-subscriptions';
export type { PlatformQuotas, QuotaUsage, SharedQuotaName } from './platform/quotas';
export type { NetworkAclPurpose } from './shared/rule-numbers';
export { NETWORK_ACL_BANDS, NETWORK_ACL_BAND_WIDTH } from './shared/rule-numbers';
export { QUOTAS } from './platform/quotas';
export * from './shared/partition';
export * from './stacks/s3-state';
export * from './platform/platform-attributes';
