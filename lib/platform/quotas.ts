/**
 * AWS quotas that a growing platform runs into, checked at synth time over everything the app declares
 * (every stack, every platform), with the account's raised values taken from the platform's `quotas`.
 * A quota is an account-and-region fact that no offline check can read: the defaults are AWS's, and a
 * team whose quota was raised declares the new value so that it is not blocked.
 */
import { IConstruct } from 'constructs';
import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CustomerGateway } from '@cdktf/provider-aws/lib/customer-gateway';
import { Ec2TransitGatewayRouteTable } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LbTrustStore } from '@cdktf/provider-aws/lib/lb-trust-store';
import { NetworkAcl } from '@cdktf/provider-aws/lib/network-acl';
import { NetworkAclRule } from '@cdktf/provider-aws/lib/network-acl-rule';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpnConnection } from '@cdktf/provider-aws/lib/vpn-connection';
import { show } from '../shared/validation';
import { CONNECTIVITY_QUOTAS, ConnectivityQuotaName, connectivityQuotaUse } from '../connectivity/quotas';

/** The account's values of the quotas backend-link checks. Each one left out is AWS's default. */
export interface PlatformQuotas {
  /** Transit gateway route tables per transit gateway (one per customer plus the platform's). @default 20 */
  readonly transitGatewayRouteTablesPerTransitGateway?: number;
  /** Application Load Balancers per region (one per customer). @default 50 */
  readonly loadBalancersPerRegion?: number;
  /** ALB trust stores per account (one per customer with mutual TLS). @default 20 */
  readonly trustStoresPerAccount?: number;
  /** Customer gateways per region (one per customer with a VPN). @default 50 */
  readonly customerGatewaysPerRegion?: number;
  /** Site-to-Site VPN connections per region (one per customer with a VPN). @default 50 */
  readonly vpnConnectionsPerRegion?: number;
  /** Subnets per VPC (one per customer and zone, plus endpoint and attachment subnets). @default 200 */
  readonly subnetsPerVpc?: number;
  /** Rules per network ACL, per direction (adjustable to at most 40). @default 20 */
  readonly networkAclRulesPerDirection?: number;
  /** Inbound rules per security group, counted separately for IPv4 and IPv6. @default 60 */
  readonly securityGroupInboundRules?: number;
  /** Outbound rules per security group, counted separately for IPv4 and IPv6. @default 60 */
  readonly securityGroupOutboundRules?: number;
  /**
   * Lambda concurrent executions per region: every customer's function reserves its
   * `reservedConcurrency`, and AWS keeps at least 100 unreserved. New accounts may start far lower
   * (Service Quotas shows the value): declare it. @default 1000
   */
  readonly lambdaConcurrentExecutions?: number;
  /**
   * Interface (and Gateway Load Balancer) endpoints per VPC: one per PrivateLink customer, plus the
   * platform's own interface endpoints (Secrets Manager, ...). @default 50
   */
  readonly interfaceEndpointsPerVpc?: number;
  /** Resource VPC endpoints per VPC (one per resource-endpoint customer). @default 200 */
  readonly resourceEndpointsPerVpc?: number;
  /** VPC Lattice resource gateways per VPC (`BackendResourceShare`, in the customer's VPC). @default 500 */
  readonly resourceGatewaysPerVpc?: number;
  /** VPC Lattice resource configurations per account and region (`BackendResourceShare`). @default 2000 */
  readonly resourceConfigurationsPerRegion?: number;
  /**
   * What other apps (other platforms, staging beside production, anything else in the account and
   * region) already use of the account-wide and region-wide quotas: the check counts this app's
   * resources only, AWS counts the account's. Added to this app's count.
   * @default - nothing: this app is alone in the account and region
   */
  readonly usedByOtherApps?: QuotaUsage;
}

/** The quotas an app can only count for itself: AWS counts them per account or region. */
export type SharedQuotaName =
  | 'loadBalancersPerRegion'
  | 'trustStoresPerAccount'
  | 'customerGatewaysPerRegion'
  | 'vpnConnectionsPerRegion'
  | 'lambdaConcurrentExecutions'
  | 'resourceConfigurationsPerRegion';

/** Usage of account-wide and region-wide quotas by other apps. */
export type QuotaUsage = { readonly [name in SharedQuotaName]?: number };

export type QuotaName = Exclude<keyof PlatformQuotas, 'usedByOtherApps'>;

/** The quotas AWS counts per account or region (what `quotas.usedByOtherApps` may declare). */
export const SHARED_QUOTAS: readonly SharedQuotaName[] = [
  'loadBalancersPerRegion',
  'trustStoresPerAccount',
  'customerGatewaysPerRegion',
  'vpnConnectionsPerRegion',
  'lambdaConcurrentExecutions',
  'resourceConfigurationsPerRegion',
];

/** The concurrency AWS keeps unreserved in every region. */
export const UNRESERVED_CONCURRENCY_MINIMUM = 100;

interface QuotaDefinition {
  /** What the quota limits, as AWS's Service Quotas console names it. */
  readonly title: string;
  /** The service whose quota it is, in Service Quotas. */
  readonly service: string;
  readonly defaultValue: number;
  /** The highest value AWS grants, when there is one. */
  readonly maximum?: number;
  /** What else the team can do, besides a raised quota. */
  readonly otherwise: string;
}

export const QUOTAS: Readonly<Record<QuotaName, QuotaDefinition>> = {
  transitGatewayRouteTablesPerTransitGateway: {
    title: 'route tables per transit gateway',
    service: 'Amazon Elastic Compute Cloud (Amazon EC2) / Transit Gateway',
    defaultValue: 20,
    otherwise: 'or put further customers on another platform with its own transit gateway',
  },
  loadBalancersPerRegion: {
    title: 'Application Load Balancers per region',
    service: 'Elastic Load Balancing',
    defaultValue: 50,
    otherwise: 'or put further customers on a platform in another region or account',
  },
  trustStoresPerAccount: {
    title: 'trust stores per account',
    service: 'Elastic Load Balancing',
    defaultValue: 20,
    otherwise:
      'or share one trust store between customers with the same gateway-tier CA, or use another account',
  },
  customerGatewaysPerRegion: {
    title: 'customer gateways per region',
    service: 'Amazon Virtual Private Cloud (Amazon VPC) / Site-to-Site VPN',
    defaultValue: 50,
    otherwise: 'or put further customers on a platform in another region or account',
  },
  vpnConnectionsPerRegion: {
    title: 'Site-to-Site VPN connections per region',
    service: 'Amazon Virtual Private Cloud (Amazon VPC) / Site-to-Site VPN',
    defaultValue: 50,
    otherwise: 'or put further customers on a platform in another region or account',
  },
  subnetsPerVpc: {
    title: 'subnets per VPC',
    service: 'Amazon Virtual Private Cloud (Amazon VPC)',
    defaultValue: 200,
    otherwise:
      'or give customers fewer availability zones, or put further customers on a platform with another VPC',
  },
  networkAclRulesPerDirection: {
    title: 'rules per network ACL and direction',
    service: 'Amazon Virtual Private Cloud (Amazon VPC)',
    defaultValue: 20,
    maximum: 40,
    otherwise:
      'or declare fewer on-premises ranges, backend ports, trusted sources or additional destinations for this customer (each range or source takes one rule per port, plus one for the replies)',
  },
  securityGroupInboundRules: {
    title: 'inbound rules per security group',
    service: 'Amazon Virtual Private Cloud (Amazon VPC)',
    defaultValue: 60,
    maximum: 1000,
    otherwise:
      'or declare fewer trusted sources or ports (a managed prefix list counts as its maximum number of entries)',
  },
  securityGroupOutboundRules: {
    title: 'outbound rules per security group',
    service: 'Amazon Virtual Private Cloud (Amazon VPC)',
    defaultValue: 60,
    maximum: 1000,
    otherwise: 'or declare fewer backend ranges or additional destinations',
  },
  lambdaConcurrentExecutions: {
    title: 'Lambda concurrent executions per region',
    service: 'AWS Lambda',
    defaultValue: 1000,
    otherwise:
      "or give customers a smaller `runtime.reservedConcurrency` (AWS keeps 100 of the region's concurrency unreserved)",
  },
  // The private-connectivity quotas (lib/connectivity/quotas.ts: sources and the count over an app).
  ...CONNECTIVITY_QUOTAS,
};

/** The effective quotas: AWS's defaults, then the platform's values. */
export function resolveQuotas(
  quotas: Omit<PlatformQuotas, 'usedByOtherApps'> = {},
): Readonly<Record<QuotaName, number>> {
  return Object.fromEntries(
    (Object.keys(QUOTAS) as QuotaName[]).map((name) => [name, quotas[name] ?? QUOTAS[name].defaultValue]),
  ) as Record<QuotaName, number>;
}

/** What the quota check needs to know of a platform (GatewayPlatform implements it). */
export interface QuotaSubject extends IConstruct {
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  readonly quotas: Readonly<Record<QuotaName, number>>;
  /** What other apps use of the shared quotas (`quotas.usedByOtherApps`). */
  readonly quotaUsageElsewhere: QuotaUsage;
  /** The transit gateway's id (a token for a new one), when the platform has one. */
  readonly transitGatewayIdForQuotas?: string;
}

const platformsByApp = new WeakMap<IConstruct, QuotaSubject[]>();

/**
 * Enrols a platform in the app-wide quota check: at synth time (cdktf runs every construct's validations
 * before writing anything) the platform reports each quota it is the first to own. Region-wide quotas are
 * reported by the first platform of the region, per-VPC and per-transit-gateway ones by the first platform
 * on that VPC or transit gateway, per-ACL and per-group ones by the first platform of the app.
 */
export function enrolInQuotaCheck(platform: QuotaSubject): void {
  const root = platform.node.root;
  const platforms = platformsByApp.get(root) ?? [];
  platforms.push(platform);
  platformsByApp.set(root, platforms);
  platform.node.addValidation({ validate: () => quotaProblems(platform, platforms) });
}

function exceeded(
  name: QuotaName,
  limit: number,
  count: number,
  subject: string,
  platform: QuotaSubject,
): string {
  const q = QUOTAS[name];
  const shared = SHARED_QUOTAS.includes(name as SharedQuotaName);
  const elsewhere = shared ? (platform.quotaUsageElsewhere[name as SharedQuotaName] ?? 0) : 0;
  const counted = shared
    ? elsewhere > 0
      ? ` (with ${elsewhere} declared in \`quotas.usedByOtherApps.${name}\`)`
      : ` (this app's only: AWS counts the whole ${name === 'trustStoresPerAccount' ? 'account' : 'region'}, so declare what other apps use in \`quotas.usedByOtherApps.${name}\`)`
    : '';
  return (
    `quota ${q.title}: ${subject} has ${count}${counted}, over the quota of ${limit}` +
    `${limit === q.defaultValue ? " (AWS's default)" : ` (declared in platform ${show(platform.name)}'s \`quotas.${name}\`)`}; ` +
    `ask AWS to raise it (Service Quotas, ${q.service}${q.maximum ? `, at most ${q.maximum}` : ''}) and set \`quotas.${name}\` on the platform to the new value, ${q.otherwise}`
  );
}

function stackRegion(construct: IConstruct, fallback: Map<TerraformStack, string>): string {
  const stack = TerraformStack.of(construct);
  const provider = stack.node.children.find((c): c is AwsProvider => c instanceof AwsProvider);
  const region = provider?.regionInput;
  return typeof region === 'string' && !region.includes('${') ? region : (fallback.get(stack) ?? 'unknown');
}

/**
 * A reference as Terraform will see it: each read of a resource attribute is a new token, so two references
 * to the same VPC, ACL or group are compared resolved (`${aws_network_acl.X.id}`), not as token strings.
 */
function ref(construct: IConstruct, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(
    Tokenization.resolve(value, {
      scope: construct,
      resolver: new DefaultTokenResolver(new StringConcat()),
      preparing: true,
    }),
  );
}

/**
 * A reference to a resource of the construct's own stack, told apart from the same address in another
 * stack: stacks built from one class (a stack per customer) give their resources the same addresses.
 */
function inStack(construct: IConstruct, value: unknown): string | undefined {
  const resolved = ref(construct, value);
  return resolved === undefined ? undefined : `${TerraformStack.of(construct).node.path} ${resolved}`;
}

/**
 * True when two references name the same resource: the same token string (a platform hands its `vpcId` to
 * every customer, also in other stacks), or the same reference once resolved in their own stacks.
 */
function sameRef(a: IConstruct, aValue: unknown, b: IConstruct, bValue: unknown): boolean {
  if (aValue === undefined || bValue === undefined) return false;
  return aValue === bValue || ref(a, aValue) === ref(b, bValue);
}

function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

function quotaProblems(platform: QuotaSubject, platforms: readonly QuotaSubject[]): string[] {
  const problems: string[] = [];
  const all = platform.node.root.node.findAll();
  // A stack without a literal provider region takes the region of its first platform.
  const fallback = new Map<TerraformStack, string>();
  for (const p of platforms) {
    const stack = TerraformStack.of(p);
    if (!fallback.has(stack)) fallback.set(stack, p.region);
  }
  const region = (c: IConstruct) => stackRegion(c, fallback);
  const firstOfRegion = platforms.find((p) => region(p) === region(platform));
  const first = platforms[0];

  // Platforms that share a region (and so, in one app, an account) must agree on its quotas.
  if (firstOfRegion === platform) {
    for (const other of platforms.filter((p) => p !== platform && region(p) === region(platform))) {
      for (const name of Object.keys(QUOTAS) as QuotaName[]) {
        if (other.quotas[name] !== platform.quotas[name]) {
          problems.push(
            `platforms ${show(platform.name)} and ${show(other.name)} share region ${region(platform)} but declare different \`quotas.${name}\` (${platform.quotas[name]}, ${other.quotas[name]}); a quota belongs to the account and region: declare the same value on both`,
          );
        }
      }
    }
  }

  const inRegion = <T extends IConstruct>(type: abstract new (...args: never[]) => T): T[] =>
    all.filter((c): c is T => c instanceof type && region(c) === region(platform));

  if (firstOfRegion === platform) {
    const perRegion: Array<[QuotaName, IConstruct[], string]> = [
      [
        'loadBalancersPerRegion',
        inRegion(Lb).filter((lb) => (lb.loadBalancerTypeInput ?? 'application') === 'application'),
        'Application Load Balancers',
      ],
      ['customerGatewaysPerRegion', inRegion(CustomerGateway), 'customer gateways'],
      ['vpnConnectionsPerRegion', inRegion(VpnConnection), 'VPN connections'],
    ];
    for (const [name, found, what] of perRegion) {
      const limit = platform.quotas[name];
      const count = found.length + (platform.quotaUsageElsewhere[name as SharedQuotaName] ?? 0);
      if (count > limit) {
        problems.push(exceeded(name, limit, count, `region ${region(platform)} (${what})`, platform));
      }
    }
    // Reserved concurrency: AWS keeps 100 of the region's concurrency unreserved.
    const reserved = inRegion(LambdaFunction)
      .map((f) => f.reservedConcurrentExecutionsInput)
      .filter((n): n is number => typeof n === 'number' && n > 0)
      .reduce((sum, n) => sum + n, 0);
    const concurrency =
      reserved +
      (platform.quotaUsageElsewhere.lambdaConcurrentExecutions ?? 0) +
      UNRESERVED_CONCURRENCY_MINIMUM;
    const concurrencyLimit = platform.quotas.lambdaConcurrentExecutions;
    if (reserved > 0 && concurrency > concurrencyLimit) {
      problems.push(
        exceeded(
          'lambdaConcurrentExecutions',
          concurrencyLimit,
          concurrency,
          `region ${region(platform)} (reserved concurrency of the gateway functions, plus the ${UNRESERVED_CONCURRENCY_MINIMUM} AWS keeps unreserved)`,
          platform,
        ),
      );
    }
  }
  if (first === platform) {
    const trustStores =
      all.filter((c) => c instanceof LbTrustStore).length +
      (platform.quotaUsageElsewhere.trustStoresPerAccount ?? 0);
    const limit = platform.quotas.trustStoresPerAccount;
    if (trustStores > limit) {
      problems.push(
        exceeded('trustStoresPerAccount', limit, trustStores, 'the account (trust stores)', platform),
      );
    }
  }

  // Subnets per VPC, by the first platform on the VPC.
  if (platforms.find((p) => sameRef(p, p.vpcId, platform, platform.vpcId)) === platform) {
    const subnets = all.filter(
      (c): c is Subnet => c instanceof Subnet && sameRef(c, c.vpcIdInput, platform, platform.vpcId),
    );
    const limit = platform.quotas.subnetsPerVpc;
    if (subnets.length > limit) {
      problems.push(
        exceeded(
          'subnetsPerVpc',
          limit,
          subnets.length,
          `the VPC of platform ${show(platform.name)}`,
          platform,
        ),
      );
    }
  }

  // The private-connectivity quotas: per VPC by the first platform on the VPC (the endpoints and resource
  // gateways whose VPC is the platform's), per account and region by the first platform of the region.
  const connectivity = new Map<ConnectivityQuotaName, number>();
  const firstOnVpc = platforms.find((p) => sameRef(p, p.vpcId, platform, platform.vpcId)) === platform;
  const onVpc = (c: IConstruct, vpcId: unknown) => sameRef(c, vpcId, platform, platform.vpcId);
  for (const use of connectivityQuotaUse(all)) {
    const inPlatformRegion = use.constructs.filter((c) => region(c) === region(platform));
    if (use.name === 'resourceConfigurationsPerRegion') {
      if (firstOfRegion !== platform) continue;
      connectivity.set(use.name, inPlatformRegion.length);
      continue;
    }
    if (!firstOnVpc) continue;
    const mine = inPlatformRegion.filter((c) =>
      onVpc(c, (c as unknown as { vpcIdInput?: string }).vpcIdInput),
    );
    connectivity.set(use.name, (connectivity.get(use.name) ?? 0) + mine.length);
  }
  for (const [name, found] of connectivity) {
    const perRegion = name === 'resourceConfigurationsPerRegion';
    const count = found + (perRegion ? (platform.quotaUsageElsewhere[name] ?? 0) : 0);
    const limit = platform.quotas[name];
    if (count > limit) {
      problems.push(
        exceeded(
          name,
          limit,
          count,
          perRegion
            ? `region ${region(platform)} (VPC Lattice resource configurations)`
            : `the VPC of platform ${show(platform.name)}`,
          platform,
        ),
      );
    }
  }

  // Route tables per transit gateway, by the first platform on the transit gateway.
  const tgw = platform.transitGatewayIdForQuotas;
  if (
    tgw !== undefined &&
    platforms.find((p) => sameRef(p, p.transitGatewayIdForQuotas, platform, tgw)) === platform
  ) {
    const tables = all.filter(
      (c) => c instanceof Ec2TransitGatewayRouteTable && sameRef(c, c.transitGatewayIdInput, platform, tgw),
    );
    const limit = platform.quotas.transitGatewayRouteTablesPerTransitGateway;
    if (tables.length > limit) {
      problems.push(
        exceeded(
          'transitGatewayRouteTablesPerTransitGateway',
          limit,
          tables.length,
          `the transit gateway of platform ${show(platform.name)} (one route table per customer plus the platform's)`,
          platform,
        ),
      );
    }
  }

  // Per network ACL and per security group, by the first platform of the app.
  if (first === platform) {
    const acls = all.filter((c): c is NetworkAcl => c instanceof NetworkAcl);
    const rules = all.filter((c): c is NetworkAclRule => c instanceof NetworkAclRule);
    const byAcl = countBy(
      rules,
      (r) => `${inStack(r, r.networkAclIdInput)}|${r.egressInput === true ? 'outbound' : 'inbound'}`,
    );
    for (const [key, found] of byAcl) {
      const aclId = key.slice(0, key.lastIndexOf('|'));
      const direction = key.slice(key.lastIndexOf('|') + 1);
      const acl = acls.find((a) => inStack(a, a.id) === aclId);
      const limit = platform.quotas.networkAclRulesPerDirection;
      if (found.length > limit) {
        problems.push(
          exceeded(
            'networkAclRulesPerDirection',
            limit,
            found.length,
            `network ACL ${acl ? acl.node.path : aclId} (${direction} rules)`,
            platform,
          ),
        );
      }
    }
    const groups = all.filter((c): c is SecurityGroup => c instanceof SecurityGroup);
    const sgRules = all.filter(
      (c): c is VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule =>
        c instanceof VpcSecurityGroupIngressRule || c instanceof VpcSecurityGroupEgressRule,
    );
    for (const family of ['IPv4', 'IPv6'] as const) {
      // A rule that references a security group or a prefix list counts for both families.
      const counted = sgRules.filter((r) =>
        family === 'IPv4' ? r.cidrIpv6Input === undefined : r.cidrIpv4Input === undefined,
      );
      const bySg = countBy(
        counted,
        (r) =>
          `${inStack(r, r.securityGroupIdInput)}|${r instanceof VpcSecurityGroupEgressRule ? 'outbound' : 'inbound'}`,
      );
      for (const [key, found] of bySg) {
        const sgId = key.slice(0, key.lastIndexOf('|'));
        const direction = key.slice(key.lastIndexOf('|') + 1);
        const name: QuotaName =
          direction === 'inbound' ? 'securityGroupInboundRules' : 'securityGroupOutboundRules';
        const limit = platform.quotas[name];
        if (found.length > limit) {
          const sg = groups.find((g) => inStack(g, g.id) === sgId);
          problems.push(
            exceeded(
              name,
              limit,
              found.length,
              `security group ${sg ? sg.node.path : sgId} (${direction} ${family} rules)`,
              platform,
            ),
          );
        }
      }
    }
  }
  return problems;
}
