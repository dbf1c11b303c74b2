/**
 * The multi-stack layout: one platform stack and one stack per customer, in one cdktf app.
 *
 *  - stack `platform`: the gateway platform (VPC, virtual private gateway, transit gateway, endpoints,
 *    the public path's NAT gateways and Elastic IPs, alarm topic);
 *  - stacks `customer-<name>`: one `CustomerBackendLink` each (wonka's through a PrivateLink endpoint), reading the platform through Terraform
 *    remote state: the platform publishes one contract output from its first apply (every value any kind
 *    of customer needs), so adding or removing a customer never changes the platform stack, and each
 *    customer's stack plans on its own before the platform is applied again;
 *  - every stack keeps its state in one S3 bucket under its own key, encrypted, locked with Terraform's
 *    S3 lockfile (`use_lockfile`), configured once for all stacks by `configureS3State`.
 *
 * The platform object is shared by every customer stack, so its register still sees every customer at
 * synth time: a duplicate name, an overlapping block or on-prem range, or an eleventh VPN on the virtual
 * private gateway fails the synth, whichever stacks the customers are in. Deploy the platform first,
 * then the customers, in parallel:
 *
 *   npx tsx examples/multi-stack/main.ts   # synthesize into cdktf.out/
 *   cdktf deploy --app 'npx tsx examples/multi-stack/main.ts' platform
 *   cdktf deploy --app 'npx tsx examples/multi-stack/main.ts' --parallelism 8 'customer-*'
 *
 * The account, addresses, bucket and certificate ARN are placeholders: replace them with your own.
 */
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  GatewayPlatformProps,
  S3StateProps,
  SecretSource,
  configureS3State,
} from '../../lib';

export const REGION = 'eu-west-1';
export const ACCOUNT_ID = '123456789012';
/** The role Terraform applies with: hashicorp/aws 5.x reads write-only secret versions back (#42383). */
export const DEPLOYER_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/terraform-deploy`;
/** The gateway tier's addresses: the only sources the customers' load balancers admit. */
export const GATEWAY_TIER_CIDRS = ['10.40.0.64/26'];
const CERTIFICATE_ARN = `arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;

/** Where the states live: one bucket, one key per stack (`backend-link/<stack>/terraform.tfstate`). */
export const STATE: S3StateProps = {
  bucket: 'apicloud-terraform-state',
  region: REGION,
  keyPrefix: 'backend-link/',
};

export interface MultiStackOptions {
  /** A prebuilt runtime bundle directory (tests); by default the runtime is bundled at synth time. */
  readonly runtimeBundleDirectory?: string;
}

/** The platform's stack: everything the customers share. */
export class PlatformStack extends TerraformStack {
  public readonly platform: GatewayPlatform;

  /** `overrides` change the example's platform props (tests build day-two versions of the app with them). */
  constructor(scope: Construct, id: string, overrides: Partial<GatewayPlatformProps> = {}) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: REGION });
    this.platform = new GatewayPlatform(this, 'Platform', {
      name: 'apicloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: [`${REGION}a`, `${REGION}b`],
      tags: { team: 'api-platform' },
      vpnGateway: {},
      transitGateway: { attachmentSubnetsCidrBlock: '10.40.0.0/27', amazonSideAsn: 64520 },
      interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
      publicEgress: { subnetsCidrBlock: '10.40.1.0/27' },
      ...overrides,
    });
  }
}

/** A customer's own stack: its link, and nothing else, so it plans, applies and locks on its own. */
export class CustomerStack extends TerraformStack {
  public readonly link: CustomerBackendLink;

  constructor(scope: Construct, id: string, props: CustomerBackendLinkProps) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: REGION });
    this.link = new CustomerBackendLink(this, 'Link', props);
  }
}

/**
 * The customers: two on the virtual private gateway, two on the transit gateway, one on the public path, one
 * through a PrivateLink endpoint.
 */
export function exampleCustomers(
  platform: GatewayPlatform,
  options: MultiStackOptions = {},
): CustomerBackendLinkProps[] {
  const loadBalancer = {
    certificateArn: CERTIFICATE_ARN,
    trustedSources: GATEWAY_TIER_CIDRS.map((cidr) => ({ cidr, description: 'gateway tier' })),
  };
  const common = {
    platform,
    accountId: ACCOUNT_ID,
    deployerPrincipalArn: DEPLOYER_ROLE_ARN,
    loadBalancer,
    runtime: options,
  };
  return [
    {
      ...common,
      customerName: 'acme',
      cidrBlock: '10.40.128.0/24',
      vpn: { attachment: 'vpn-gateway', customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
      backend: { url: 'https://orders.acme.internal:8443/api' },
      security: BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
    },
    {
      ...common,
      customerName: 'globex',
      cidrBlock: '10.40.129.0/24',
      vpn: {
        attachment: 'transit-gateway',
        customerGatewayIp: '91.198.174.192',
        onPremCidrs: ['192.168.50.0/24', '192.168.60.0/24'],
        routing: 'bgp',
        bgpAsn: 65010,
      },
      backend: {
        url: 'https://api.globex.internal/v2',
        additionalEgress: [{ cidr: '192.168.60.10/32', port: 443, description: 'globex token endpoint' }],
      },
      security: BackendSecurity.oauth2ClientCredentials({
        tokenUrl: 'https://login.globex.internal/oauth2/token',
        clientId: 'apicloud-gateway',
        clientSecret: SecretSource.fillAfterDeploy(),
        scope: 'inventory:read',
      }).withMutualTls({ clientCertificate: SecretSource.fillAfterDeploy() }),
    },
    {
      ...common,
      customerName: 'initech',
      cidrBlock: '10.40.130.0/24',
      vpn: { attachment: 'vpn-gateway', customerGatewayIp: '62.210.16.61', onPremCidrs: ['10.77.0.0/20'] },
      backend: { url: 'https://tps.initech.internal/reports' },
      security: BackendSecurity.requestSigning({
        keyId: 'apicloud-gateway-2026',
        key: SecretSource.fromWriteOnlyVariable({ version: 1 }),
      }),
    },
    {
      ...common,
      customerName: 'hooli',
      cidrBlock: '10.40.131.0/24',
      vpn: {
        attachment: 'transit-gateway',
        customerGatewayIp: '185.60.216.35',
        onPremCidrs: ['10.90.0.0/22'],
      },
      backend: { url: 'https://search.hooli.internal/v1' },
      security: BackendSecurity.token({ token: SecretSource.fillAfterDeploy(), header: 'X-Api-Key' }),
    },
    {
      ...common,
      customerName: 'umbrella',
      cidrBlock: '10.40.132.0/24',
      // No VPN: the customer's DMZ proxy, over the internet through the platform's NAT gateways.
      publicEndpoint: { addresses: ['85.214.20.40', '85.214.20.41'] },
      backend: { url: 'https://dmz.umbrella.example/api' },
      security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }).withMutualTls({
        clientCertificate: SecretSource.fillAfterDeploy(),
        backendCa: SecretSource.fillAfterDeploy(),
      }),
    },
    {
      ...common,
      customerName: 'wonka',
      cidrBlock: '10.40.133.0/24',
      // No VPN and no internet: an interface endpoint to the endpoint service wonka publishes (an NLB in its
      // own account, which allows this account as a principal). Nothing is routed; the runtime connects to
      // the endpoint's name and keeps the backend's Host header and TLS name.
      privateLinkEndpoint: { serviceName: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718' },
      backend: { url: 'https://orders.wonka.internal/api' },
      security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }),
    },
  ];
}

export interface MultiStackApp {
  readonly app: App;
  readonly platformStack: PlatformStack;
  readonly customerStacks: readonly CustomerStack[];
}

export function buildMultiStackApp(outdir?: string, options: MultiStackOptions = {}): MultiStackApp {
  const app = new App(outdir ? { outdir } : {});
  const platformStack = new PlatformStack(app, 'platform');
  const customerStacks = exampleCustomers(platformStack.platform, options).map(
    (customer) => new CustomerStack(app, `customer-${customer.customerName}`, customer),
  );
  configureS3State(app, STATE);
  return { app, platformStack, customerStacks };
}

if (require.main === module) {
  buildMultiStackApp().app.synth();
}
