/**
 * A sound customer link for the BackendSecurity tests: a platform with a VPN gateway and interface endpoints,
 * customer `acme` on a VPN, its backend on 443 (`backendUrl`), the runtime bundle a small fixture (the
 * scheme's bundle is not what these tests look at). Only `security` differs between them.
 */
import { join } from 'node:path';
import type { Construct } from 'constructs';
import { BackendSecurity, CustomerBackendLink, GatewayPlatform } from '../../../lib';
import { testStack } from '../../support/constructs';

const BUNDLE = join(__dirname, 'fixtures', 'bundle');

/** The link `acme` with `security` in `scope` (a stack), beside its platform. */
export function securityLinkIn(
  scope: Construct,
  security: BackendSecurity,
  backendUrl = 'https://orders.acme.internal/api',
): CustomerBackendLink {
  const platform = new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
  });
  return new CustomerBackendLink(scope, 'Acme', {
    platform,
    customerName: 'acme',
    accountId: '123456789012',
    cidrBlock: '10.40.128.0/24',
    vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26' }],
    },
    backend: { url: backendUrl },
    security,
    runtime: { runtimeBundleDirectory: BUNDLE },
  });
}

/**
 * The link `acme` with `security` in a stack of its own: the builders never throw, the link reports their
 * problems, and `validationErrorOf` synthesizes its stack.
 */
export function securityLink(security: BackendSecurity, backendUrl?: string): CustomerBackendLink {
  return securityLinkIn(testStack(), security, backendUrl);
}
