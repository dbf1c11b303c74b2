export * from './platform/gateway-platform';
export * from './network/customer-subnets';
export { ValidationError } from './shared/validation';
