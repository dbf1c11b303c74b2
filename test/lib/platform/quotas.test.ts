/**
 * Quotas checked at synth: every message names the quota, the count and the fix; raised values given in
 * the platform's `quotas` are honoured. The counts are cdktf validations, run by `app.synth()` (here:
 * `stack.runAllValidations()`), over everything the app declares.
 */
import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { InternalLoadBalancer } from '../../../lib/load-balancer/internal-load-balancer';
import { CustomerSubnets } from '../../../lib/network/customer-subnets';
import { IpAllowList } from '../../../lib/network/ip-allow-list';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib/platform/gateway-platform';
import { PlatformQuotas } from '../../../lib/platform/quotas';
import { SiteToSiteVpn } from '../../../lib/vpn/site-to-site-vpn';
import { BackendResourceShare } from '../../../lib/connectivity/backend-resource-share';
import { PrivateLinkEndpoint } from '../../../lib/connectivity/privatelink-endpoint';
import { ResourceEndpoint } from '../../../lib/connectivity/resource-endpoint';
import { CERTIFICATE_ARN, platformProps } from '../network-fixtures';
import { validationErrorOf } from '../../support/constructs';

function stack(): TerraformStack {
  const s = new TerraformStack(Testing.app(), 'stack');
  new AwsProvider(s, 'aws', { region: 'eu-west-1' });
  return s;
}

/** The validation messages of a stack (what `app.synth()` would throw), one per problem. */
function synthProblems(s: TerraformStack): string[] {
  try {
    s.runAllValidations();
  } catch (error) {
    const text = (error as Error).message;
    return [...text.matchAll(/^ {2}\[([^\]]+)\] (.*)$/gm)].map((m) => `[${m[1]}] ${m[2]}`);
  }
  return [];
}

function platformIn(s: TerraformStack, quotas?: PlatformQuotas, extra: Partial<GatewayPlatformProps> = {}) {
  return new GatewayPlatform(s, 'Platform', platformProps({ ...(quotas ? { quotas } : {}), ...extra }));
}

function customer(s: TerraformStack, platform: GatewayPlatform, n: number): CustomerSubnets {
  return new CustomerSubnets(s, `Customer${n}`, {
    platform,
    customerName: `c${n}`,
    cidrBlock: `10.0.${128 + n}.0/24`,
  });
}

function alb(s: TerraformStack, subnets: CustomerSubnets, mutualTls = false): InternalLoadBalancer {
  return new InternalLoadBalancer(s, `Alb-${subnets.customerName}`, {
    subnets,
    certificateArn: CERTIFICATE_ARN,
    trustedSources: [{ cidr: '10.0.1.0/24', description: 'gateway tier' }],
    ...(mutualTls ? { mutualTls: { caBundleS3Bucket: 'trust-stores', caBundleS3Key: 'ca.pem' } } : {}),
  });
}

function vpn(
  s: TerraformStack,
  subnets: CustomerSubnets,
  n: number,
  attachment: 'vpn-gateway' | 'transit-gateway',
) {
  return new SiteToSiteVpn(s, `Vpn-${subnets.customerName}`, {
    subnets,
    attachment,
    customerGatewayIp: `85.214.10.${20 + n}`,
    onPremCidrs: [`172.${16 + n}.0.0/16`],
  });
}

const raise = (name: string) => `ask AWS to raise it (Service Quotas, ${name}) and set \`quotas.`;

describe('quota checks at synth', () => {
  it('GIVEN a platform within every default quota WHEN synthesized THEN nothing is reported', () => {
    const s = stack();
    const platform = platformIn(s);
    for (const n of [0, 1]) {
      const subnets = customer(s, platform, n);
      alb(s, subnets, true);
      vpn(s, subnets, n, n === 0 ? 'vpn-gateway' : 'transit-gateway');
    }
    expect(synthProblems(s)).toEqual([]);
  });

  it('fails when the Application Load Balancers of a region pass the quota, and passes with the raised value', () => {
    const build = (quotas?: PlatformQuotas) => {
      const s = stack();
      const platform = platformIn(s, quotas);
      for (const n of [0, 1, 2]) alb(s, customer(s, platform, n));
      return s;
    };
    expect(synthProblems(build({ loadBalancersPerRegion: 2 }))).toEqual([
      `[stack/Platform] quota Application Load Balancers per region: region eu-west-1 (Application Load Balancers) has 3 (this app's only: AWS counts the whole region, so declare what other apps use in \`quotas.usedByOtherApps.loadBalancersPerRegion\`), over the quota of 2 (declared in platform "plat"'s \`quotas.loadBalancersPerRegion\`); ${raise('Elastic Load Balancing')}loadBalancersPerRegion\` on the platform to the new value, or put further customers on a platform in another region or account`,
    ]);
    expect(synthProblems(build({ loadBalancersPerRegion: 3 }))).toEqual([]);
  });

  it('fails when the trust stores of the account pass the quota', () => {
    const s = stack();
    const platform = platformIn(s, { trustStoresPerAccount: 1 });
    for (const n of [0, 1]) alb(s, customer(s, platform, n), true);
    expect(synthProblems(s)).toEqual([
      `[stack/Platform] quota trust stores per account: the account (trust stores) has 2 (this app's only: AWS counts the whole account, so declare what other apps use in \`quotas.usedByOtherApps.trustStoresPerAccount\`), over the quota of 1 (declared in platform "plat"'s \`quotas.trustStoresPerAccount\`); ${raise('Elastic Load Balancing')}trustStoresPerAccount\` on the platform to the new value, or share one trust store between customers with the same gateway-tier CA, or use another account`,
    ]);
  });

  it('fails when customer gateways and VPN connections of a region pass their quotas', () => {
    const s = stack();
    const platform = platformIn(s, { customerGatewaysPerRegion: 1, vpnConnectionsPerRegion: 1 });
    for (const n of [0, 1]) vpn(s, customer(s, platform, n), n, 'transit-gateway');
    const vpnService = 'Amazon Virtual Private Cloud (Amazon VPC) / Site-to-Site VPN';
    expect(synthProblems(s)).toEqual([
      `[stack/Platform] quota customer gateways per region: region eu-west-1 (customer gateways) has 2 (this app's only: AWS counts the whole region, so declare what other apps use in \`quotas.usedByOtherApps.customerGatewaysPerRegion\`), over the quota of 1 (declared in platform "plat"'s \`quotas.customerGatewaysPerRegion\`); ${raise(vpnService)}customerGatewaysPerRegion\` on the platform to the new value, or put further customers on a platform in another region or account`,
      `[stack/Platform] quota Site-to-Site VPN connections per region: region eu-west-1 (VPN connections) has 2 (this app's only: AWS counts the whole region, so declare what other apps use in \`quotas.usedByOtherApps.vpnConnectionsPerRegion\`), over the quota of 1 (declared in platform "plat"'s \`quotas.vpnConnectionsPerRegion\`); ${raise(vpnService)}vpnConnectionsPerRegion\` on the platform to the new value, or put further customers on a platform in another region or account`,
    ]);
  });

  it("fails when a transit gateway's route tables pass the quota (one per customer plus the platform's)", () => {
    const s = stack();
    const platform = platformIn(s, { transitGatewayRouteTablesPerTransitGateway: 2 });
    for (const n of [0, 1]) vpn(s, customer(s, platform, n), n, 'transit-gateway');
    expect(synthProblems(s)).toEqual([
      `[stack/Platform] quota route tables per transit gateway: the transit gateway of platform "plat" (one route table per customer plus the platform's) has 3, over the quota of 2 (declared in platform "plat"'s \`quotas.transitGatewayRouteTablesPerTransitGateway\`); ${raise('Amazon Elastic Compute Cloud (Amazon EC2) / Transit Gateway')}transitGatewayRouteTablesPerTransitGateway\` on the platform to the new value, or put further customers on another platform with its own transit gateway`,
    ]);
  });

  it("fails when the VPC's subnets pass the quota (customers' and the attachment subnets)", () => {
    const s = stack();
    const platform = platformIn(s, { subnetsPerVpc: 5 });
    for (const n of [0, 1]) customer(s, platform, n);
    // 2 transit gateway attachment subnets + 2 customers × 2 zones
    expect(synthProblems(s)).toEqual([
      `[stack/Platform] quota subnets per VPC: the VPC of platform "plat" has 6, over the quota of 5 (declared in platform "plat"'s \`quotas.subnetsPerVpc\`); ${raise('Amazon Virtual Private Cloud (Amazon VPC)')}subnetsPerVpc\` on the platform to the new value, or give customers fewer availability zones, or put further customers on a platform with another VPC`,
    ]);
  });

  it("fails when a customer's network ACL passes AWS's default 20 rules per direction, and passes with 40 declared", () => {
    const build = (quotas?: PlatformQuotas) => {
      const s = stack();
      const platform = platformIn(s, quotas);
      const subnets = customer(s, platform, 0);
      const sg = new SecurityGroup(s, 'Sg', { vpcId: platform.vpcId });
      // 21 trusted sources: 21 inbound entries (and 21 outbound for the replies).
      new IpAllowList(s, 'AllowList', {
        securityGroupId: sg.id,
        subnets,
        sources: Array.from({ length: 21 }, (_, i) => ({
          cidr: `10.0.${i + 1}.0/24`,
          description: `tier ${i}`,
        })),
      });
      return s;
    };
    const advice =
      'or declare fewer on-premises ranges, backend ports, trusted sources or additional destinations for this customer (each range or source takes one rule per port, plus one for the replies)';
    expect(synthProblems(build())).toEqual(
      ['inbound', 'outbound'].map(
        (direction) =>
          `[stack/Platform] quota rules per network ACL and direction: network ACL stack/Customer0/NetworkAcl (${direction} rules) has 21, over the quota of 20 (AWS's default); ask AWS to raise it (Service Quotas, Amazon Virtual Private Cloud (Amazon VPC), at most 40) and set \`quotas.networkAclRulesPerDirection\` on the platform to the new value, ${advice}`,
      ),
    );
    expect(synthProblems(build({ networkAclRulesPerDirection: 40 }))).toEqual([]);
  });

  it('fails when a security group passes 60 inbound IPv4 rules (IPv6 counted on its own)', () => {
    const s = stack();
    const platform = platformIn(s);
    const sg = new SecurityGroup(s, 'Sg', { vpcId: platform.vpcId });
    new IpAllowList(s, 'AllowList', {
      securityGroupId: sg.id,
      sources: [
        ...Array.from({ length: 61 }, (_, i) => ({ cidr: `10.1.${i}.0/24`, description: `v4 ${i}` })),
        ...Array.from({ length: 30 }, (_, i) => ({ cidr: `2001:db8:${i}::/48`, description: `v6 ${i}` })),
      ],
    });
    expect(synthProblems(s)).toEqual([
      `[stack/Platform] quota inbound rules per security group: security group stack/Sg (inbound IPv4 rules) has 61, over the quota of 60 (AWS's default); ask AWS to raise it (Service Quotas, Amazon Virtual Private Cloud (Amazon VPC), at most 1000) and set \`quotas.securityGroupInboundRules\` on the platform to the new value, or declare fewer trusted sources or ports (a managed prefix list counts as its maximum number of entries)`,
    ]);
  });

  it('fails when two platforms of one region declare different quotas', () => {
    const s = stack();
    new GatewayPlatform(
      s,
      'Staging',
      platformProps({ name: 'staging', quotas: { loadBalancersPerRegion: 80 } }),
    );
    new GatewayPlatform(s, 'Production', platformProps({ name: 'production' }));
    expect(synthProblems(s)).toEqual([
      '[stack/Staging] platforms "staging" and "production" share region eu-west-1 but declare different `quotas.loadBalancersPerRegion` (80, 50); a quota belongs to the account and region: declare the same value on both',
    ]);
  });

  test.each<[string, PlatformQuotas, string[]]>([
    [
      'a quota is not a whole number',
      { loadBalancersPerRegion: 2.5 },
      ['`quotas.loadBalancersPerRegion` 2.5 must be a whole number ≥ 1'],
    ],
    [
      'a network ACL quota is above what AWS grants',
      { networkAclRulesPerDirection: 41 },
      [
        '`quotas.networkAclRulesPerDirection` 41 is above 40, the most AWS grants for rules per network ACL and direction',
      ],
    ],
    [
      'a quota is unknown',
      { albs: 3 } as unknown as PlatformQuotas,
      [
        '`quotas.albs` is not a quota backend-link checks (transitGatewayRouteTablesPerTransitGateway, loadBalancersPerRegion, trustStoresPerAccount, customerGatewaysPerRegion, vpnConnectionsPerRegion, subnetsPerVpc, networkAclRulesPerDirection, securityGroupInboundRules, securityGroupOutboundRules, lambdaConcurrentExecutions, interfaceEndpointsPerVpc, resourceEndpointsPerVpc, resourceGatewaysPerVpc, resourceConfigurationsPerRegion)',
      ],
    ],
  ])('fails when %s', (_case, quotas, problems) => {
    expect(validationErrorOf(() => platformIn(stack(), quotas)).problems).toEqual(problems);
  });
});

describe('quota checks across stacks (a platform stack and one stack per customer)', () => {
  it('fails when the load balancers of the customers’ stacks together pass the platform’s quota', () => {
    const app = Testing.app();
    const platformStack = new TerraformStack(app, 'platform');
    new AwsProvider(platformStack, 'aws', { region: 'eu-west-1' });
    const platform = platformIn(platformStack, { loadBalancersPerRegion: 1 });
    for (const n of [0, 1]) {
      const customerStack = new TerraformStack(app, `customer-${n}`);
      new AwsProvider(customerStack, 'aws', { region: 'eu-west-1' });
      alb(customerStack, customer(customerStack, platform, n));
    }
    expect(synthProblems(platformStack)).toEqual([
      `[platform/Platform] quota Application Load Balancers per region: region eu-west-1 (Application Load Balancers) has 2 (this app's only: AWS counts the whole region, so declare what other apps use in \`quotas.usedByOtherApps.loadBalancersPerRegion\`), over the quota of 1 (declared in platform "plat"'s \`quotas.loadBalancersPerRegion\`); ${raise('Elastic Load Balancing')}loadBalancersPerRegion\` on the platform to the new value, or put further customers on a platform in another region or account`,
    ]);
    // Each customer's stack synthesizes (the cross-stack references resolve).
    expect(() => app.synth()).toThrow(/Application Load Balancers per region/);
  });

  it('counts network ACL and security group rules per stack: stacks of one class share resource addresses, not resources', () => {
    // GIVEN three customer stacks built alike (same construct ids, so the same Terraform addresses), each
    // with 12 trusted sources: 12 rules per direction in each stack's ACL, 36 in all
    const app = Testing.app();
    const platformStack = new TerraformStack(app, 'platform');
    new AwsProvider(platformStack, 'aws', { region: 'eu-west-1' });
    const platform = platformIn(platformStack);
    for (const n of [0, 1, 2]) {
      const customerStack = new TerraformStack(app, `customer-${n}`);
      new AwsProvider(customerStack, 'aws', { region: 'eu-west-1' });
      const subnets = new CustomerSubnets(customerStack, 'Subnets', {
        platform,
        customerName: `cust${n}`,
        cidrBlock: `10.0.${128 + n}.0/24`,
      });
      const sg = new SecurityGroup(customerStack, 'Sg', { vpcId: platform.vpcId });
      new IpAllowList(customerStack, 'AllowList', {
        securityGroupId: sg.id,
        subnets,
        sources: Array.from({ length: 12 }, (_, i) => ({
          cidr: `10.0.${i + 1}.0/24`,
          description: `tier ${i}`,
        })),
      });
    }
    // THEN no ACL or group is over its quota (a count by address alone saw 36 rules in one ACL)
    expect(synthProblems(platformStack)).toEqual([]);
  });

  it('counts the subnets of the customers’ stacks on the platform’s VPC', () => {
    const app = Testing.app();
    const platformStack = new TerraformStack(app, 'platform');
    new AwsProvider(platformStack, 'aws', { region: 'eu-west-1' });
    const platform = platformIn(platformStack, { subnetsPerVpc: 5 });
    for (const n of [0, 1]) {
      const customerStack = new TerraformStack(app, `customer-${n}`);
      new AwsProvider(customerStack, 'aws', { region: 'eu-west-1' });
      customer(customerStack, platform, n);
    }
    expect(synthProblems(platformStack)).toEqual([
      `[platform/Platform] quota subnets per VPC: the VPC of platform "plat" has 6, over the quota of 5 (declared in platform "plat"'s \`quotas.subnetsPerVpc\`); ${raise('Amazon Virtual Private Cloud (Amazon VPC)')}subnetsPerVpc\` on the platform to the new value, or give customers fewer availability zones, or put further customers on a platform with another VPC`,
    ]);
  });
});

describe('the private-connectivity quotas (lib/connectivity/quotas.ts, registered with the platform)', () => {
  const rcfg = (n: number) =>
    `arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f6071${n}`;
  const endpointProps = (platform: GatewayPlatform, subnets: CustomerSubnets, sg: SecurityGroup) => ({
    platformName: platform.name,
    customerName: subnets.customerName,
    vpcId: platform.vpcId,
    subnetIds: subnets.subnetIds,
    functionSecurityGroupId: sg.id,
    ports: [443],
  });

  function resourceEndpoints(s: TerraformStack, platform: GatewayPlatform, count: number): void {
    for (let n = 0; n < count; n++) {
      const subnets = customer(s, platform, n);
      const sg = new SecurityGroup(s, `Fn${n}`, { vpcId: platform.vpcId });
      new ResourceEndpoint(s, `Endpoint${n}`, {
        ...endpointProps(platform, subnets, sg),
        resourceConfigurationArn: rcfg(n),
      });
    }
  }

  it('fails when the resource endpoints in the platform VPC pass the quota, and passes with the raised value', () => {
    const build = (quotas?: PlatformQuotas) => {
      const s = stack();
      resourceEndpoints(s, platformIn(s, quotas), 2);
      return s;
    };
    expect(synthProblems(build({ resourceEndpointsPerVpc: 1 }))).toEqual([
      `[stack/Platform] quota resource VPC endpoints per VPC: the VPC of platform "plat" has 2, over the quota of 1 (declared in platform "plat"'s \`quotas.resourceEndpointsPerVpc\`); ${raise('Amazon Virtual Private Cloud (Amazon VPC) / AWS PrivateLink')}resourceEndpointsPerVpc\` on the platform to the new value, or put further resource-endpoint customers on a platform with another VPC`,
    ]);
    expect(synthProblems(build({ resourceEndpointsPerVpc: 2 }))).toEqual([]);
  });

  it("counts PrivateLink endpoints with the platform's own interface endpoints", () => {
    const s = stack();
    const platform = platformIn(s, { interfaceEndpointsPerVpc: 1 });
    for (const n of [0, 1]) {
      const subnets = customer(s, platform, n);
      const sg = new SecurityGroup(s, `Fn${n}`, { vpcId: platform.vpcId });
      new PrivateLinkEndpoint(s, `PrivateLink${n}`, {
        ...endpointProps(platform, subnets, sg),
        serviceName: `com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f6071${n}`,
      });
    }
    const [problem, ...rest] = synthProblems(s);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^\[stack\/Platform\] quota interface and Gateway Load Balancer endpoints per VPC: the VPC of platform "plat" has (\d+), over the quota of 1 /,
    );
    // The platform's own interface endpoints (Secrets Manager, ...) count too.
    expect(Number(/has (\d+)/.exec(problem)![1])).toBeGreaterThanOrEqual(2);
  });

  it('counts the resource endpoints of the customers’ stacks on the platform’s VPC', () => {
    const app = Testing.app();
    const platformStack = new TerraformStack(app, 'platform');
    new AwsProvider(platformStack, 'aws', { region: 'eu-west-1' });
    const platform = platformIn(platformStack, { resourceEndpointsPerVpc: 1 });
    for (const n of [0, 1]) {
      const customerStack = new TerraformStack(app, `customer-${n}`);
      new AwsProvider(customerStack, 'aws', { region: 'eu-west-1' });
      const subnets = customer(customerStack, platform, n);
      const sg = new SecurityGroup(customerStack, 'Fn', { vpcId: platform.vpcId });
      new ResourceEndpoint(customerStack, 'Endpoint', {
        ...endpointProps(platform, subnets, sg),
        resourceConfigurationArn: rcfg(n),
      });
    }
    expect(synthProblems(platformStack)).toEqual([
      expect.stringContaining(
        '[platform/Platform] quota resource VPC endpoints per VPC: the VPC of platform "plat" has 2, over the quota of 1',
      ),
    ]);
  });

  it('fails when the resource configurations of the region (with other apps’) pass the quota', () => {
    const s = stack();
    platformIn(s, {
      resourceConfigurationsPerRegion: 2,
      usedByOtherApps: { resourceConfigurationsPerRegion: 1 },
    });
    for (const n of [0, 1]) {
      new BackendResourceShare(s, `Share${n}`, {
        name: `orders-${n}`,
        vpcId: 'vpc-0a1b2c3d4e5f60718',
        subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
        backend: { domainName: 'orders.acme.internal', ports: [443] },
        backendCidrs: ['172.16.0.0/16'],
        platformAccountId: '123456789012',
      });
    }
    expect(synthProblems(s)).toEqual([
      `[stack/Platform] quota resource configurations per account and region: region eu-west-1 (VPC Lattice resource configurations) has 3 (with 1 declared in \`quotas.usedByOtherApps.resourceConfigurationsPerRegion\`), over the quota of 2 (declared in platform "plat"'s \`quotas.resourceConfigurationsPerRegion\`); ${raise('Amazon VPC Lattice')}resourceConfigurationsPerRegion\` on the platform to the new value, or share one resource configuration of type GROUP for several backends`,
    ]);
  });
});
