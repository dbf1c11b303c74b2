/**
 * The example app: one gateway platform that offers both VPN attachment points, and three customers in
 * one stack:
 *  - acme:   subnets only (no VPN yet);
 *  - globex: a site-to-site VPN on the virtual private gateway (static routes), an internal load balancer;
 *  - initech: a site-to-site VPN on the transit gateway (BGP), an internal load balancer with mutual TLS.
 *
 *   npm run example   # synthesize into cdktf.out/ and plan every stack offline
 *   cdktf deploy      # with the cdktf CLI and real AWS credentials
 *
 * The addresses, ARNs and ids below are placeholders: replace them with your own.
 */
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CustomerSubnets, GatewayPlatform, InternalLoadBalancer, SiteToSiteVpn } from '../lib';

/** The gateway tier's addresses (the only sources the customers' load balancers admit). */
const GATEWAY_TIER_CIDRS = ['10.40.0.64/26'];
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

export class ExampleStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });

    const platform = new GatewayPlatform(this, 'Platform', {
      name: 'apicloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      tags: { team: 'api-platform' },
      vpnGateway: {},
      transitGateway: { attachmentSubnetsCidrBlock: '10.40.0.0/27', amazonSideAsn: 64520 },
    });

    new CustomerSubnets(this, 'Acme', { platform, customerName: 'acme', cidrBlock: '10.40.128.0/24' });

    // globex: VGW, static routing, hardened defaults.
    const globex = new CustomerSubnets(this, 'Globex', {
      platform,
      customerName: 'globex',
      cidrBlock: '10.40.129.0/24',
    });
    new SiteToSiteVpn(this, 'GlobexVpn', {
      subnets: globex,
      attachment: 'vpn-gateway',
      customerGatewayIp: '85.214.10.20',
      onPremCidrs: ['172.20.0.0/16'],
      tunnel1: { insideCidr: '169.254.10.0/30' },
      tunnel2: { insideCidr: '169.254.10.4/30' },
    });
    new InternalLoadBalancer(this, 'GlobexAlb', {
      subnets: globex,
      certificateArn: CERTIFICATE_ARN,
      trustedSources: GATEWAY_TIER_CIDRS.map((cidr) => ({ cidr, description: 'gateway tier' })),
    });

    // initech: TGW, BGP, mutual TLS from the gateway tier.
    const initech = new CustomerSubnets(this, 'Initech', {
      platform,
      customerName: 'initech',
      cidrBlock: '10.40.130.0/24',
    });
    new SiteToSiteVpn(this, 'InitechVpn', {
      subnets: initech,
      attachment: 'transit-gateway',
      customerGatewayIp: '91.198.174.192',
      // Overlaps nothing on the transit gateway; it could even overlap globex's range, which is on the VGW.
      onPremCidrs: ['192.168.50.0/24', '192.168.60.0/24'],
      routing: 'bgp',
      bgpAsn: 65010,
      backendPorts: [8443],
    });
    new InternalLoadBalancer(this, 'InitechAlb', {
      subnets: initech,
      certificateArn: CERTIFICATE_ARN,
      trustedSources: GATEWAY_TIER_CIDRS.map((cidr) => ({ cidr, description: 'gateway tier' })),
      mutualTls: { caBundleS3Bucket: 'apicloud-trust-stores', caBundleS3Key: 'initech/gateway-tier-ca.pem' },
    });
  }
}

export function buildExampleApp(outdir?: string): App {
  const app = new App(outdir ? { outdir } : {});
  new ExampleStack(app, 'backend-link-example');
  return app;
}

if (require.main === module) {
  buildExampleApp().synth();
}
