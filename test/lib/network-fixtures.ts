/** Shared GIVENs for the network construct tests: a platform, customers, and synth helpers. */
// The cdktf jest matchers' type declarations (test/setup.ts registers them at run time).
import type {} from 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { CustomerSubnets } from '../../lib/network/customer-subnets';
import { GatewayPlatform, GatewayPlatformProps } from '../../lib/platform/gateway-platform';
import { ValidationError } from '../../lib/shared/validation';

export const CERTIFICATE_ARN =
  'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
export const TARGET_GROUP_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/acme-gateway/0123456789abcdef';

/** A platform with a new VPC 10.0.0.0/16, the pool 10.0.128.0/17, two zones, and both attachment points. */
export function platformProps(overrides: Partial<GatewayPlatformProps> = {}): GatewayPlatformProps {
  return {
    name: 'plat',
    vpcProps: { cidrBlock: '10.0.0.0/16' },
    customerAddressPool: '10.0.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    transitGateway: { attachmentSubnetsCidrBlock: '10.0.0.0/27' },
    ...overrides,
  };
}

export function newPlatform(
  scope: Construct,
  overrides: Partial<GatewayPlatformProps> = {},
): GatewayPlatform {
  return new GatewayPlatform(scope, 'Platform', platformProps(overrides));
}

/** Customer `name` with the n-th /24 of the pool (10.0.128.0/24 for n = 0). */
export function newCustomer(
  scope: Construct,
  platform: GatewayPlatform,
  name: string,
  n = 0,
): CustomerSubnets {
  return new CustomerSubnets(scope, `Customer-${name}`, {
    platform,
    customerName: name,
    cidrBlock: `10.0.${128 + n}.0/24`,
  });
}

/** Synthesizes what `fn` builds and returns the JSON text (for the cdktf matchers) and the parsed document. */
export function synth(fn: (scope: Construct) => void): { text: string; json: SynthesizedStack } {
  const text = Testing.synthScope(fn);
  return { text, json: JSON.parse(text) as SynthesizedStack };
}

export interface SynthesizedStack {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; description?: string }>;
}

/** The resources of one type, in synthesis order. */
export function resourcesOf(json: SynthesizedStack, type: string): Array<Record<string, unknown>> {
  return Object.values(json.resource[type] ?? {});
}

/** Runs `fn` in a scope and returns the ValidationError it throws (fails when it throws nothing else). */
export function validationErrorOf(fn: (scope: Construct) => void): ValidationError {
  try {
    Testing.synthScope(fn);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, but the construct was created');
}
