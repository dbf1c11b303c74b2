/**
 * The showcase: one gateway platform and five customers, each one `CustomerBackendLink`, in one stack.
 *
 *  - acme:    HTTP Digest auth, over a site-to-site VPN on the virtual private gateway (static routes);
 *  - globex:  mutual TLS + OAuth 2.0 client credentials, over a VPN on the transit gateway (BGP), with
 *             mutual TLS from the gateway tier to its load balancer too, and ALB access logs;
 *  - initech: HMAC request signing (draft-cavage-http-signatures-10) and trusted sources, over a VPN on
 *             the virtual private gateway;
 *  - umbrella: no VPN: a public DMZ endpoint (its reverse proxy) over the internet, through the platform's
 *             NAT gateways (fixed Elastic IPs, the only sources umbrella allows), with mutual TLS and HTTP
 *             Digest passed through to the backend behind the proxy; the handoff carries the proxy's
 *             configuration (gateway-runtime and nginx);
 *  - wonka:   no VPN and no internet: a VPC Lattice resource endpoint to the resource configuration wonka
 *             shared with the platform's account through AWS RAM (its own resource gateway reaches the
 *             backend), with HTTP Basic auth; no route, no address coordination, the
 *             endpoint's security group admits only wonka's function; the runtime connects to the endpoint's
 *             name and keeps the backend's Host header and TLS name.
 *
 *   npm run example   # synthesize into cdktf.out/ and plan every stack offline
 *   cdktf deploy      # with the cdktf CLI and real AWS credentials
 *
 * The account, addresses, certificate ARN and bucket below are placeholders: replace them with your own.
 */
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  AlarmSubscription,
  BackendSecurity,
  CustomerBackendLink,
  GatewayPlatform,
  SecretSource,
} from '../lib';

export const ACCOUNT_ID = '123456789012';
/** The gateway tier's addresses: the only sources the customers' load balancers admit. */
export const GATEWAY_TIER_CIDRS = ['10.40.0.64/26'];
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
/**
 * The role Terraform applies with: hashicorp/aws 5.x reads write-only secret versions back
 * (terraform-provider-aws #42383), so the write-only secrets (acme's, initech's) admit it.
 */
export const DEPLOYER_ROLE_ARN = 'arn:aws:iam::123456789012:role/terraform-deploy';
/**
 * The platform's security team: with the deployer and the account's root user (break-glass), the only
 * principals that administer the customers' keys and secrets (grants, key and secret policies, values).
 */
export const SECURITY_TEAM_ROLE_ARN = 'arn:aws:iam::123456789012:role/security-team';
/** The network team's role that hands the VPN pre-shared keys to each customer. */
export const NETWORK_TEAM_ROLE_ARN = 'arn:aws:iam::123456789012:role/network-team';

export interface ExampleOptions {
  /** A prebuilt runtime bundle directory (tests); by default the runtime is bundled at synth time. */
  readonly runtimeBundleDirectory?: string;
}

export class ExampleStack extends TerraformStack {
  public readonly links: Record<'acme' | 'globex' | 'initech' | 'umbrella' | 'wonka', CustomerBackendLink>;

  constructor(scope: Construct, id: string, options: ExampleOptions = {}) {
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
      interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
      // NAT gateways with Elastic IPs (one per zone), created because umbrella uses the public path.
      publicEgress: { subnetsCidrBlock: '10.40.1.0/27' },
      alarmSubscriptions: [AlarmSubscription.email('api-platform-oncall@example.com')],
    });
    const loadBalancer = {
      certificateArn: CERTIFICATE_ARN,
      trustedSources: GATEWAY_TIER_CIDRS.map((cidr) => ({ cidr, description: 'gateway tier' })),
    };
    const common = {
      platform,
      accountId: ACCOUNT_ID,
      loadBalancer,
      runtime: options,
      deployerPrincipalArn: DEPLOYER_ROLE_ARN,
      secretAdministratorArns: [SECURITY_TEAM_ROLE_ARN],
    };
    const presharedKeyReaderArns = [NETWORK_TEAM_ROLE_ARN];

    const acme = new CustomerBackendLink(this, 'Acme', {
      ...common,
      customerName: 'acme',
      cidrBlock: '10.40.128.0/24',
      vpn: {
        attachment: 'vpn-gateway',
        customerGatewayIp: '85.214.10.20',
        onPremCidrs: ['172.20.0.0/16'],
        presharedKeyReaderArns,
      },
      // Private names resolve through acme's own DNS servers, across acme's VPN.
      backend: {
        url: 'https://orders.acme.internal:8443/api',
        dns: { servers: ['172.20.0.53', '172.20.8.53'] },
      },
      security: BackendSecurity.digest({ credentials: SecretSource.fromWriteOnlyVariable({ version: 1 }) }),
    });

    const globex = new CustomerBackendLink(this, 'Globex', {
      ...common,
      customerName: 'globex',
      cidrBlock: '10.40.129.0/24',
      vpn: {
        attachment: 'transit-gateway',
        customerGatewayIp: '91.198.174.192',
        onPremCidrs: ['192.168.50.0/24', '192.168.60.0/24'],
        routing: 'bgp',
        bgpAsn: 65010,
        presharedKeyReaderArns,
      },
      loadBalancer: {
        ...loadBalancer,
        mutualTls: { caBundleS3Bucket: 'apicloud-trust-stores', caBundleS3Key: 'globex/gateway-tier-ca.pem' },
        // Access logs into a bucket created for them, with the policy ALB log delivery needs.
        accessLogs: { prefix: 'globex' },
      },
      backend: {
        url: 'https://api.globex.internal/v2',
        // Also resolves the token endpoint's name, login.globex.internal.
        dns: { servers: ['192.168.50.53'] },
        additionalEgress: [{ cidr: '192.168.60.10/32', port: 443, description: 'globex token endpoint' }],
      },
      security: BackendSecurity.oauth2ClientCredentials({
        tokenUrl: 'https://login.globex.internal/oauth2/token',
        clientId: 'apicloud-gateway',
        clientSecret: SecretSource.fillAfterDeploy(),
        scope: 'inventory:read inventory:write',
        tokenEndpointCa: SecretSource.fillAfterDeploy(),
      }).withMutualTls({
        clientCertificate: SecretSource.fillAfterDeploy(),
        backendCa: SecretSource.fillAfterDeploy(),
      }),
    });

    const initech = new CustomerBackendLink(this, 'Initech', {
      ...common,
      customerName: 'initech',
      cidrBlock: '10.40.130.0/24',
      vpn: {
        attachment: 'vpn-gateway',
        customerGatewayIp: '62.210.16.61',
        onPremCidrs: ['10.77.0.0/20'],
        tunnel1: { insideCidr: '169.254.44.0/30' },
        tunnel2: { insideCidr: '169.254.44.4/30' },
        presharedKeyReaderArns,
      },
      backend: { url: 'https://tps.initech.internal/reports', dns: { servers: ['10.77.0.53'] } },
      security: BackendSecurity.requestSigning({
        keyId: 'apicloud-gateway-2026',
        algorithm: 'hmac-sha256',
        key: SecretSource.fromWriteOnlyVariable({ version: 1 }),
      }).withTrustedSources({ cidrs: GATEWAY_TIER_CIDRS }),
    });

    const umbrella = new CustomerBackendLink(this, 'Umbrella', {
      ...common,
      customerName: 'umbrella',
      cidrBlock: '10.40.131.0/24',
      // umbrella's DMZ proxy, at fixed public addresses: only these /32s are routed to the NAT gateways.
      publicEndpoint: { addresses: ['85.214.20.40', '85.214.20.41'] },
      backend: { url: 'https://dmz.umbrella.example/api' },
      // Over the internet the link must use mutual TLS (or request signing): digest alone is refused.
      security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }).withMutualTls({
        clientCertificate: SecretSource.fillAfterDeploy(),
        backendCa: SecretSource.fillAfterDeploy(),
      }),
    });

    const wonka = new CustomerBackendLink(this, 'Wonka', {
      ...common,
      customerName: 'wonka',
      cidrBlock: '10.40.132.0/24',
      // The resource configuration wonka shared with this account (RAM, outside the Organization: the
      // invitation is accepted by the link).
      resourceEndpoint: {
        resourceConfigurationArn:
          'arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718',
        resourceShareArn:
          'arn:aws:ram:eu-west-1:210987654321:resource-share/6f1c1a52-0d1e-4f6a-8b4e-2b8a3c9d0e1f',
      },
      // The backend's own name: the Host header and the name TLS verifies.
      backend: { url: 'https://orders.wonka.internal:8443/api' },
      security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }),
    });

    this.links = { acme, globex, initech, umbrella, wonka };
  }
}

export function buildExampleApp(outdir?: string, options: ExampleOptions = {}): App {
  const app = new App(outdir ? { outdir } : {});
  new ExampleStack(app, 'backend-link-example', options);
  return app;
}

if (require.main === module) {
  buildExampleApp().synth();
}
