/**
 * The handoff document of customers on the private-endpoint paths (a VPC Lattice resource endpoint and a
 * PrivateLink endpoint), on the constructs' real output: a platform and two CustomerBackendLinks, synthesized,
 * planned offline and handed to `backend-link handoff`: the network section names our account and region, the
 * backend sees the customer's resource gateway (or load balancer), what the customer creates, and no VPN and
 * no firewall list of our addresses.
 */
import { TerraformStack } from 'cdktf';
import { BackendSecurity, CustomerBackendLink, GatewayPlatform, SecretSource } from '../../../lib';
import { BUNDLE, HandoffApp, HandoffFiles, planHandoffApp } from './support/handoff-app';

jest.setTimeout(300_000);

const RCFG = 'arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718';
const SERVICE = 'com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718';

function buildEndpointCustomers(stack: TerraformStack): void {
  const platform = new GatewayPlatform(stack, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
  });
  const common = {
    platform,
    accountId: '123456789012',
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    runtime: { runtimeBundleDirectory: BUNDLE },
    security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }),
  };
  new CustomerBackendLink(stack, 'Initech', {
    ...common,
    customerName: 'initech',
    cidrBlock: '10.40.132.0/24',
    resourceEndpoint: { resourceConfigurationArn: RCFG },
    backend: { url: 'https://orders.initech.internal:8443/api' },
  });
  new CustomerBackendLink(stack, 'Hooli', {
    ...common,
    customerName: 'hooli',
    cidrBlock: '10.40.133.0/24',
    privateLinkEndpoint: { serviceName: SERVICE },
    backend: { url: 'https://api.hooli.example/v1' },
  });
}

describe('handoff documents: private-endpoint paths, from the constructs’ real output', () => {
  let app: HandoffApp;
  let planned: HandoffFiles;

  beforeAll(async () => {
    app = await planHandoffApp('endpoints', buildEndpointCustomers);
    planned = app.handoff();
  });
  afterAll(() => app?.remove());

  test('GIVEN a resource-endpoint customer THEN the document says what to share with whom, and what the backend sees', () => {
    const doc = planned['initech.md'];
    expect(doc).toContain('## 1. Network path: a VPC Lattice resource endpoint, no VPN');
    expect(doc).toContain('(AWS account `123456789012`, region `eu-west-1`)');
    expect(doc).toContain("**your resource gateway's** addresses");
    expect(doc).toContain('ports `8443`');
    expect(doc).toContain('TLS verifies `orders.initech.internal`');
    expect(doc).toContain('## 2. What you create in your AWS account');
    expect(doc).toContain('"platformAccountId": "123456789012"');
    expect(doc).toContain('**Do not open**');
    expect(doc).toContain('## 3. How the gateway authenticates to your backend');
    expect(doc).not.toContain('Site-to-site VPN');
    expect(doc).not.toContain('Your firewall: allow only these sources');
  });

  test('GIVEN a PrivateLink customer THEN the document asks for the endpoint service and the principal to allow', () => {
    const doc = planned['hooli.md'];
    expect(doc).toContain('## 1. Network path: an AWS PrivateLink interface endpoint, no VPN');
    expect(doc).toContain('allow principal `arn:aws:iam::123456789012:root` on the service');
    expect(doc).toContain('ports `443`');
    expect(doc).not.toContain('Your firewall: allow only these sources');
  });
});
