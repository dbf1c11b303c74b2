/**
 * The AWS quotas the private-connectivity paths run into, shaped like the entries of
 * `lib/platform/quotas.ts` (`QUOTAS`), with a pure count over an app's constructs, so that the platform's
 * quota check can register them (see the comment at the end of this file). Sources (read 2026-12-07):
 *
 *  - VPC Lattice quotas, https://docs.aws.amazon.com/vpc-lattice/latest/ug/quotas.html: "Resource gateways
 *    per VPC" 500 (adjustable; the resource-gateway page of the same guide still says "a maximum of 100"),
 *    "Resource configurations per AWS Region" 2,000 per account (adjustable).
 *  - AWS PrivateLink quotas, https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html:
 *    "Interface and Gateway Load Balancer endpoints per VPC" 50 (adjustable; one combined quota, which the
 *    platform's own interface endpoints for Secrets Manager and the rest count towards), "Resource VPC
 *    endpoints per VPC" 200 (adjustable, L-CA6CC422).
 */
import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from 'cdktf';
import type { IConstruct } from 'constructs';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpclatticeResourceConfiguration } from '@cdktf/provider-aws/lib/vpclattice-resource-configuration';
import { VpclatticeResourceGateway } from '@cdktf/provider-aws/lib/vpclattice-resource-gateway';

/** The same shape as `QuotaDefinition` in lib/platform/quotas.ts. */
export interface ConnectivityQuotaDefinition {
  readonly title: string;
  readonly service: string;
  readonly defaultValue: number;
  readonly maximum?: number;
  readonly otherwise: string;
}

export type ConnectivityQuotaName =
  | 'interfaceEndpointsPerVpc'
  | 'resourceEndpointsPerVpc'
  | 'resourceGatewaysPerVpc'
  | 'resourceConfigurationsPerRegion';

export const CONNECTIVITY_QUOTAS: Readonly<Record<ConnectivityQuotaName, ConnectivityQuotaDefinition>> = {
  interfaceEndpointsPerVpc: {
    title: 'interface and Gateway Load Balancer endpoints per VPC',
    service: 'Amazon Virtual Private Cloud (Amazon VPC) / AWS PrivateLink',
    defaultValue: 50,
    otherwise:
      "or put further PrivateLink customers on a platform with another VPC (the platform's own interface endpoints count towards this quota too)",
  },
  resourceEndpointsPerVpc: {
    title: 'resource VPC endpoints per VPC',
    service: 'Amazon Virtual Private Cloud (Amazon VPC) / AWS PrivateLink',
    defaultValue: 200,
    otherwise: 'or put further resource-endpoint customers on a platform with another VPC',
  },
  resourceGatewaysPerVpc: {
    title: 'resource gateways per VPC',
    service: 'Amazon VPC Lattice',
    defaultValue: 500,
    otherwise: 'or associate further resource configurations with an existing resource gateway of the VPC',
  },
  resourceConfigurationsPerRegion: {
    title: 'resource configurations per account and region',
    service: 'Amazon VPC Lattice',
    defaultValue: 2000,
    otherwise: 'or share one resource configuration of type GROUP for several backends',
  },
};

/** One quota's use: the resources that count towards it, for one VPC (or the whole region). */
export interface ConnectivityQuotaUse {
  readonly name: ConnectivityQuotaName;
  /** The VPC as Terraform sees it (`"vpc-0…"` or `"${aws_vpc.x.id}"` with the stack's path), or the region. */
  readonly subject: string;
  readonly constructs: readonly IConstruct[];
}

/** A reference resolved in its own stack, told apart from the same address in another stack. */
function vpcKey(construct: IConstruct, value: unknown): string {
  const resolved = JSON.stringify(
    Tokenization.resolve(value, {
      scope: construct,
      resolver: new DefaultTokenResolver(new StringConcat()),
      preparing: true,
    }),
  );
  // A literal id names the same VPC in every stack; a reference only within its stack.
  return resolved.includes('${') ? `${TerraformStack.of(construct).node.path} ${resolved}` : resolved;
}

function group(
  name: ConnectivityQuotaName,
  items: readonly IConstruct[],
  key: (c: IConstruct) => string,
): ConnectivityQuotaUse[] {
  const groups = new Map<string, IConstruct[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups].map(([subject, constructs]) => ({ name, subject, constructs }));
}

/**
 * Counts what `constructs` (e.g. `app.node.findAll()`) hold towards each connectivity quota: interface and
 * resource endpoints and resource gateways per VPC, resource configurations in all (one region and account
 * is the caller's to select).
 */
export function connectivityQuotaUse(constructs: readonly IConstruct[]): ConnectivityQuotaUse[] {
  const endpoints = constructs.filter((c): c is VpcEndpoint => c instanceof VpcEndpoint);
  const byType = (type: string) => endpoints.filter((e) => e.vpcEndpointTypeInput === type);
  const gateways = constructs.filter(
    (c): c is VpclatticeResourceGateway => c instanceof VpclatticeResourceGateway,
  );
  const configurations = constructs.filter((c) => c instanceof VpclatticeResourceConfiguration);
  return [
    ...group('interfaceEndpointsPerVpc', byType('Interface'), (e) =>
      vpcKey(e, (e as VpcEndpoint).vpcIdInput),
    ),
    ...group('resourceEndpointsPerVpc', byType('Resource'), (e) => vpcKey(e, (e as VpcEndpoint).vpcIdInput)),
    ...group('resourceGatewaysPerVpc', gateways, (g) =>
      vpcKey(g, (g as VpclatticeResourceGateway).vpcIdInput),
    ),
    ...(configurations.length > 0
      ? [
          {
            name: 'resourceConfigurationsPerRegion' as const,
            subject: 'the region',
            constructs: configurations,
          },
        ]
      : []),
  ];
}

/**
 * The sentence for each use over its limit (`limits` are the account's values, AWS's defaults for the ones
 * left out), in the words of lib/platform/quotas.ts.
 */
export function connectivityQuotaProblems(
  uses: readonly ConnectivityQuotaUse[],
  limits: Partial<Record<ConnectivityQuotaName, number>> = {},
): string[] {
  return uses.flatMap((use) => {
    const q = CONNECTIVITY_QUOTAS[use.name];
    const limit = limits[use.name] ?? q.defaultValue;
    if (use.constructs.length <= limit) return [];
    return [
      `quota ${q.title}: ${use.name === 'resourceConfigurationsPerRegion' ? 'the region' : `VPC ${use.subject}`} has ${use.constructs.length}, over the quota of ${limit}` +
        `${limit === q.defaultValue ? " (AWS's default)" : ` (declared in \`quotas.${use.name}\`)`}; ` +
        `ask AWS to raise it (Service Quotas, ${q.service}) and set \`quotas.${use.name}\` on the platform to the new value, ${q.otherwise}`,
    ];
  });
}

/*
 * Registered in lib/platform/quotas.ts: PlatformQuotas has the four names (`resourceConfigurationsPerRegion`
 * is a SharedQuotaName: AWS counts the account's), QUOTAS includes CONNECTIVITY_QUOTAS, and the platform's
 * quota check counts `connectivityQuotaUse` over the app: per VPC by the first platform on the VPC (the
 * endpoints and gateways on its VPC, in every stack), per region by the first platform of the region.
 * `connectivityQuotaProblems` stays for a count without a platform (a customer's own app).
 */
