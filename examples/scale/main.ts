/**
 * A generated app at scale: 100 customers, one stack each, on four platforms in four regions, each
 * platform in its own stack. Customers are generated in a loop and spread so that every AWS quota the
 * layout meets keeps headroom (`SCALE_QUOTAS`); the generator checks that before it builds anything.
 *
 *  - per platform: 9 customers on the virtual private gateway (quota 10 VPN connections per VGW) and
 *    16 on the transit gateway (17 route tables with the platform's own; quota 20 per TGW);
 *  - per region: 25 load balancers (quota 50), 25 VPN connections (quota 50), 4 trust stores (quota 20);
 *  - every stack keeps its state in one S3 bucket under its own key (`configureS3State`).
 *
 *   npx tsx examples/scale/main.ts [outdir]   # synthesize
 *   npm run bench:scale                       # synthesize and plan, with seconds and peak memory
 *
 * The account, addresses, bucket and certificates are placeholders.
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
  RuntimeOptions,
  SecretSource,
  configureS3State,
} from '../../lib';

export const ACCOUNT_ID = '123456789012';
/** The role Terraform applies with: hashicorp/aws 5.x reads write-only secret versions back (#42383). */
export const DEPLOYER_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/terraform-deploy`;
export const GATEWAY_TIER_CIDRS = ['10.0.0.64/26'];
export const REGIONS = ['eu-west-1', 'eu-central-1', 'eu-north-1', 'eu-west-3'] as const;

/** The AWS defaults the layout must respect (each adjustable; the generator keeps below them). */
export const SCALE_QUOTAS = {
  vpnConnectionsPerVpnGateway: 10,
  routeTablesPerTransitGateway: 20,
  loadBalancersPerRegion: 50,
  vpnConnectionsPerRegion: 50,
  trustStoresPerRegion: 20,
} as const;

/** Customers per platform on each attachment point. */
const VGW_CUSTOMERS_PER_PLATFORM = 9;
const TGW_CUSTOMERS_PER_PLATFORM = 16;

export interface ScaleOptions {
  /** How many customers. @default 100 */
  readonly customers?: number;
  /** A prebuilt runtime bundle directory (tests); by default the runtime is bundled at synth time. */
  readonly runtimeBundleDirectory?: string;
}

export interface PlatformSpec {
  readonly stackId: string;
  readonly region: string;
  readonly props: GatewayPlatformProps;
}

export interface CustomerSpec {
  readonly stackId: string;
  /** Index into the platforms. */
  readonly platform: number;
  readonly region: string;
  readonly attachment: 'vpn-gateway' | 'transit-gateway';
  readonly mutualTlsToLoadBalancer: boolean;
  readonly props: (platform: GatewayPlatform, runtime: RuntimeOptions) => CustomerBackendLinkProps;
}

export interface ScaleLayout {
  readonly platforms: readonly PlatformSpec[];
  readonly customers: readonly CustomerSpec[];
}

/** The platforms and customers of the app, generated; throws when the spread would exceed a quota. */
export function scaleLayout(customerCount = 100): ScaleLayout {
  const perPlatform = VGW_CUSTOMERS_PER_PLATFORM + TGW_CUSTOMERS_PER_PLATFORM;
  const platformCount = Math.ceil(customerCount / perPlatform);
  if (!Number.isInteger(customerCount) || customerCount < 1 || platformCount > REGIONS.length) {
    throw new Error(
      `customers ${customerCount}: give 1-${REGIONS.length * perPlatform} (${perPlatform} per platform, one platform per region of ${REGIONS.join(', ')})`,
    );
  }
  const platforms: PlatformSpec[] = REGIONS.slice(0, platformCount).map((region, p) => {
    const short = region.replace(/^(\w)\w*-(\w)\w*-(\d)$/, '$1$2$3');
    const name = `apicloud-${short}`;
    const second = 40 + p;
    return {
      stackId: `platform-${name}`,
      region,
      props: {
        name,
        vpcProps: { cidrBlock: `10.${second}.0.0/16` },
        customerAddressPool: `10.${second}.128.0/17`,
        availabilityZones: [`${region}a`, `${region}b`],
        tags: { team: 'api-platform' },
        vpnGateway: {},
        transitGateway: { attachmentSubnetsCidrBlock: `10.${second}.0.0/27`, amazonSideAsn: 64520 },
        interfaceEndpoints: { subnetsCidrBlock: `10.${second}.0.32/27` },
      },
    };
  });

  const customers: CustomerSpec[] = [];
  for (let k = 0; k < customerCount; k++) {
    // Round robin over the platforms; on each, the first 9 go to the VGW, the next 16 to the TGW.
    const p = k % platformCount;
    const slot = Math.floor(k / platformCount);
    const attachment = slot < VGW_CUSTOMERS_PER_PLATFORM ? 'vpn-gateway' : 'transit-gateway';
    const { region, props: platformProps } = platforms[p];
    const customerName = `c${String(k + 1).padStart(3, '0')}`;
    const cidrBlock = `10.${40 + p}.${128 + slot}.0/24`;
    // Unique on-premises ranges and device addresses: customers on one attachment point must not overlap.
    const onPrem = `172.${16 + (k >> 4)}.${(k & 15) << 4}.0/20`;
    const mutualTlsToLoadBalancer = slot % 8 === 7;
    const bgp = attachment === 'transit-gateway' && slot % 3 === 0;
    customers.push({
      stackId: `customer-${customerName}`,
      platform: p,
      region,
      attachment,
      mutualTlsToLoadBalancer,
      props: (platform, runtime) => ({
        platform,
        customerName,
        accountId: ACCOUNT_ID,
        deployerPrincipalArn: DEPLOYER_ROLE_ARN,
        cidrBlock,
        vpn: {
          attachment,
          customerGatewayIp: `85.214.${10 + k}.20`,
          onPremCidrs: [onPrem],
          ...(bgp ? { routing: 'bgp' as const, bgpAsn: 65100 + k } : {}),
        },
        loadBalancer: {
          certificateArn: `arn:aws:acm:${region}:${ACCOUNT_ID}:certificate/0f1e2d3c-4b5a-6978-8a9b-${String(k).padStart(12, '0')}`,
          trustedSources: GATEWAY_TIER_CIDRS.map((cidr) => ({ cidr, description: 'gateway tier' })),
          ...(mutualTlsToLoadBalancer
            ? {
                mutualTls: {
                  caBundleS3Bucket: `${platformProps.name}-trust-stores`,
                  caBundleS3Key: `${customerName}/gateway-tier-ca.pem`,
                },
              }
            : {}),
        },
        backend: {
          url: `https://api.${customerName}.internal:8443/v1`,
          // An OAuth customer's token endpoint (port 443) lives in its on-premises range too.
          ...(securityOf(k).type === 'oauth2-client-credentials'
            ? {
                additionalEgress: [
                  { cidr: onPrem.replace(/\.0\/20$/, '.5/32'), port: 443, description: 'token endpoint' },
                ],
              }
            : {}),
        },
        security: securityOf(k),
        runtime,
      }),
    });
  }
  checkQuotas(platforms, customers);
  return { platforms, customers };
}

/** A mix of the schemes, one per customer in turn. */
function securityOf(k: number): BackendSecurity {
  switch (k % 5) {
    case 0:
      return BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) });
    case 1:
      return BackendSecurity.token({ token: SecretSource.fillAfterDeploy(), header: 'X-Api-Key' });
    case 2:
      return BackendSecurity.requestSigning({
        keyId: `apicloud-${k}`,
        key: SecretSource.fromWriteOnlyVariable({ version: 1 }),
      });
    case 3:
      return BackendSecurity.oauth2ClientCredentials({
        tokenUrl: `https://login.c${k}.internal/oauth2/token`,
        clientId: 'apicloud-gateway',
        clientSecret: SecretSource.fillAfterDeploy(),
      });
    default:
      return BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }).withMutualTls({
        clientCertificate: SecretSource.fillAfterDeploy(),
      });
  }
}

function checkQuotas(platforms: readonly PlatformSpec[], customers: readonly CustomerSpec[]): void {
  const count = (pred: (c: CustomerSpec) => boolean) => customers.filter(pred).length;
  const problems: string[] = [];
  platforms.forEach((platform, p) => {
    const vgw = count((c) => c.platform === p && c.attachment === 'vpn-gateway');
    const tgwTables = 1 + count((c) => c.platform === p && c.attachment === 'transit-gateway');
    if (vgw > SCALE_QUOTAS.vpnConnectionsPerVpnGateway)
      problems.push(`${platform.props.name}: ${vgw} VPN connections on the VGW`);
    if (tgwTables > SCALE_QUOTAS.routeTablesPerTransitGateway)
      problems.push(`${platform.props.name}: ${tgwTables} TGW route tables`);
  });
  for (const region of new Set(platforms.map((p) => p.region))) {
    const inRegion = count((c) => c.region === region);
    const trustStores = count((c) => c.region === region && c.mutualTlsToLoadBalancer);
    if (inRegion > SCALE_QUOTAS.loadBalancersPerRegion)
      problems.push(`${region}: ${inRegion} load balancers`);
    if (inRegion > SCALE_QUOTAS.vpnConnectionsPerRegion)
      problems.push(`${region}: ${inRegion} VPN connections`);
    if (trustStores > SCALE_QUOTAS.trustStoresPerRegion)
      problems.push(`${region}: ${trustStores} trust stores`);
  }
  if (problems.length > 0) throw new Error(`the scale layout exceeds AWS quotas: ${problems.join('; ')}`);
}

class RegionStack extends TerraformStack {
  constructor(scope: Construct, id: string, region: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region });
  }
}

export interface ScaleApp {
  readonly app: App;
  readonly layout: ScaleLayout;
  readonly platforms: readonly GatewayPlatform[];
  readonly links: readonly CustomerBackendLink[];
}

export function buildScaleApp(outdir?: string, options: ScaleOptions = {}): ScaleApp {
  const layout = scaleLayout(options.customers ?? 100);
  const app = new App(outdir ? { outdir } : {});
  const runtime = options.runtimeBundleDirectory
    ? { runtimeBundleDirectory: options.runtimeBundleDirectory }
    : {};
  const platforms = layout.platforms.map(
    (spec) => new GatewayPlatform(new RegionStack(app, spec.stackId, spec.region), 'Platform', spec.props),
  );
  const links = layout.customers.map(
    (spec) =>
      new CustomerBackendLink(
        new RegionStack(app, spec.stackId, spec.region),
        'Link',
        spec.props(platforms[spec.platform], runtime),
      ),
  );
  configureS3State(app, {
    bucket: 'apicloud-terraform-state',
    region: REGIONS[0],
    keyPrefix: 'backend-link/',
  });
  return { app, layout, platforms, links };
}

if (require.main === module) {
  buildScaleApp(process.argv[2]).app.synth();
}
