/**
 * The platform's public path: NAT gateways with fixed Elastic IPs, one per availability zone, in public
 * subnets behind the VPC's internet gateway. Customers whose backend is a public DMZ endpoint (instead of
 * a VPN) reach it through the NAT gateway of their zone; the Elastic IPs are the only source addresses
 * those customers must allow. Shared by every such customer, it exists as long as the platform's
 * `publicEgress` does, whether a customer uses it yet or not: the addresses customers allow-list never
 * change with the customers that come and go.
 */
import { Construct, IConstruct } from 'constructs';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { NetworkAcl } from '@cdktf/provider-aws/lib/network-acl';
import { NetworkAclRule } from '@cdktf/provider-aws/lib/network-acl-rule';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Cidr } from '../shared/cidr';
import { NetworkAclRuleNumbers } from '../shared/rule-numbers';
import { standardTags } from '../shared/names';
import { reportProblems } from '../shared/problems';
import { requireCdktfStack } from '../shared/cdktf-stack';
import { analysePublicEgress } from './public-egress-checks';
import type { PublicEgressContractPath } from './platform-contract';
import { addPublicEgressOutput } from './platform-outputs';

/** The size of each public subnet: a NAT gateway needs one address; /28 is AWS's smallest subnet. */
export const PUBLIC_EGRESS_SUBNET_PREFIX = 28;

/** A NAT gateway that already exists, with the Elastic IP it sends from. */
export interface ExistingNatGateway {
  /** Its availability zone, one of the platform's. */
  readonly availabilityZone: string;
  /** `nat-` followed by 8 or 17 hex digits. */
  readonly natGatewayId: string;
  /** Its public (Elastic) IPv4 address, declared so that the handoff can name it without an AWS call. */
  readonly publicIp: string;
}

/** An Elastic IP that already exists (allocated and kept outside this platform), for one zone's NAT gateway. */
export interface ExistingElasticIp {
  /** Its availability zone, one of the platform's. */
  readonly availabilityZone: string;
  /** `eipalloc-` followed by 8 or 17 hex digits. */
  readonly allocationId: string;
  /** Its public IPv4 address, declared so that the handoff can name it without an AWS call. */
  readonly publicIp: string;
}

/** The account's values of the quotas the public path is checked against. */
export interface PublicEgressQuotas {
  /** Elastic IP addresses per region (EC2-VPC Elastic IPs). @default 5 */
  readonly elasticIpsPerRegion?: number;
  /** NAT gateways per availability zone. @default 5 */
  readonly natGatewaysPerAvailabilityZone?: number;
}

/** The public path for customers with a DMZ endpoint (see `CustomerBackendLinkProps.publicEndpoint`). */
export interface PublicEgressProps {
  /**
   * An IPv4 block inside the VPC, outside the customer address pool and the platform's other subnets,
   * from which one /28 public subnet per availability zone is carved for the NAT gateways. Give this or
   * `existingNatGateways`.
   * @default - the platform uses `existingNatGateways`
   */
  readonly subnetsCidrBlock?: string;
  /**
   * The internet gateway of an existing VPC (a VPC has at most one). Only with `existingVpc` and
   * `subnetsCidrBlock`.
   * @default - a new internet gateway is attached to the VPC
   */
  readonly existingInternetGatewayId?: string;
  /**
   * NAT gateways that already exist, one per availability zone of the platform. Give this or
   * `subnetsCidrBlock`.
   * @default - new NAT gateways, Elastic IPs and public subnets from `subnetsCidrBlock`
   */
  readonly existingNatGateways?: ExistingNatGateway[];
  /**
   * Elastic IPs that already exist, one per availability zone of the platform, for the new NAT gateways
   * (with `subnetsCidrBlock`): the addresses outlive the platform, e.g. when it moves to another VPC.
   * @default - new Elastic IPs, protected by `protectElasticIps`
   */
  readonly existingElasticIps?: ExistingElasticIp[];
  /**
   * Keep Terraform from destroying or replacing the new Elastic IPs (`lifecycle.prevent_destroy`): every DMZ
   * customer allow-lists them, and a released address never comes back. Removing `publicEgress` from the
   * platform still removes the path (Terraform no longer sees the resources' configuration); to destroy
   * the platform stack, set this to false first (see the README's "Retiring the public path").
   * @default true
   */
  readonly protectElasticIps?: boolean;
  /**
   * The TCP ports the DMZ endpoints listen on. The public subnets' network ACL passes the customer address
   * pool to the internet on exactly these ports (and the replies): the ACL never changes when a customer
   * joins or leaves. A customer whose endpoint listens on another port is refused at synth.
   * @default [443]
   */
  readonly ports?: number[];
  /**
   * Raised quotas of the account (checked at synth over every platform of the app).
   * @default - AWS's defaults: 5 Elastic IPs per region, 5 NAT gateways per availability zone
   */
  readonly quotas?: PublicEgressQuotas;
}

export const PUBLIC_EGRESS_QUOTA_DEFAULTS: Readonly<Required<PublicEgressQuotas>> = {
  elasticIpsPerRegion: 5,
  natGatewaysPerAvailabilityZone: 5,
};

/** The ports of the public path when `publicEgress.ports` is not given. */
export const DEFAULT_PUBLIC_EGRESS_PORTS: readonly number[] = [443];

/** What the public path needs to know of its platform (passed by GatewayPlatform). */
export interface PublicEgressContext {
  readonly platformName: string;
  readonly vpcId: string;
  readonly newVpc: boolean;
  readonly vpcBlocks: readonly Cidr[];
  readonly customerAddressPool?: Cidr;
  /** Blocks the platform already uses for other subnets (transit gateway attachments, endpoints). */
  readonly reservedBlocks: readonly Cidr[];
  readonly availabilityZones: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Publishes a zone's value (`[zone, 'natGatewayId']`) in the platform's contract and returns the token
   * customers use (see platform-contract.ts).
   * @default - the values are used as they are
   */
  readonly publish?: (path: PublicEgressContractPath, value: string) => string;
}

/** One zone's exit: the NAT gateway customers of that zone route to, and the address it sends from. */
export interface PublicEgressZone {
  readonly availabilityZone: string;
  readonly natGatewayId: string;
  /** The Elastic IP (a token until apply for a new one). */
  readonly publicIp: string;
  /** The NAT gateway, when the platform created it (routes to it should depend on it). */
  readonly natGateway?: NatGateway;
}

/** A zone's exit with its ids as the platform's contract publishes them. */
function publishedZone(context: PublicEgressContext, zone: PublicEgressZone): PublicEgressZone {
  const publish = context.publish ?? ((_path: PublicEgressContractPath, value: string) => value);
  return {
    ...zone,
    natGatewayId: publish(['zones', zone.availabilityZone, 'natGatewayId'], zone.natGatewayId),
    publicIp: publish(['zones', zone.availabilityZone, 'publicIp'], zone.publicIp),
  };
}

/** The NAT gateways' source ports towards the internet, and the customers' functions' ephemeral ports. */
const EPHEMERAL = { fromPort: 1024, toPort: 65535 } as const;

/**
 * The NAT gateways of the public path and what they need: per zone a public subnet, its route table with
 * the only default route of the platform (to the internet gateway; customer route tables never get one),
 * an Elastic IP (`domain = "vpc"`) and the NAT gateway. Both the Elastic IP and the NAT gateway depend on
 * the internet gateway (AWS: a NAT gateway's Elastic IP needs the VPC's internet gateway to exist first).
 * The public subnets get a network ACL of their own that passes only the customer address pool to the
 * internet on `ports` (and the replies), so the NAT gateways carry nothing else, whatever else in the VPC
 * routes to them; which customer reaches which address is decided by the customer's own route tables
 * (only its endpoint's /32s lead here), security group and network ACL. The ACL does not change when a
 * customer joins or leaves. With `existingNatGateways` nothing is created: the zones name them (and their
 * subnets' ACL stays yours).
 */
export class PublicEgress extends Construct {
  // Definite (`!`): a construct that reported problems builds nothing and sets none of them.
  public readonly zones!: readonly PublicEgressZone[];
  /** The new internet gateway, when the platform created one. */
  public readonly internetGateway?: InternetGateway;
  public readonly elasticIps!: readonly Eip[];
  public readonly natGateways!: readonly NatGateway[];
  /** The public subnets' network ACL, when the platform created the NAT gateways. */
  public readonly networkAcl?: NetworkAcl;
  /** The ports the public subnets' network ACL passes. */
  public readonly ports!: readonly number[];
  public readonly quotas!: Readonly<Required<PublicEgressQuotas>>;
  /** The region (from the zones' names): quotas are counted per region. */
  public readonly region!: string;

  constructor(scope: Construct, id: string, props: PublicEgressProps, context: PublicEgressContext) {
    super(scope, id);
    requireCdktfStack(this);
    const { problems, blocks: subnetBlocks } = analysePublicEgress(props, context);
    // The platform ran the same check first (and built nothing when it found problems).
    if (reportProblems(this, problems)) return;
    const tags = (name: string) => standardTags(context.platformName, name, context.tags);
    this.quotas = { ...PUBLIC_EGRESS_QUOTA_DEFAULTS, ...(props.quotas ?? {}) };
    this.ports = [...(props.ports ?? DEFAULT_PUBLIC_EGRESS_PORTS)];
    // Availability zone names are the region's name plus a letter: no data source needed.
    this.region = context.availabilityZones[0].slice(0, -1);

    if (props.existingNatGateways) {
      const byZone = new Map(props.existingNatGateways.map((nat) => [nat.availabilityZone, nat]));
      this.zones = context.availabilityZones.map((availabilityZone) =>
        publishedZone(context, {
          availabilityZone,
          natGatewayId: byZone.get(availabilityZone)!.natGatewayId,
          publicIp: byZone.get(availabilityZone)!.publicIp,
        }),
      );
      this.elasticIps = [];
      this.natGateways = [];
    } else {
      let internetGatewayId: string;
      const dependsOn: InternetGateway[] = [];
      if (props.existingInternetGatewayId) {
        internetGatewayId = props.existingInternetGatewayId;
      } else {
        this.internetGateway = new InternetGateway(this, 'InternetGateway', {
          vpcId: context.vpcId,
          tags: tags(`${context.platformName}-igw`),
        });
        internetGatewayId = this.internetGateway.id;
        dependsOn.push(this.internetGateway);
      }
      const zones = context.availabilityZones.map((availabilityZone, index) => {
        const zone = new Construct(this, availabilityZone);
        const subnet = new Subnet(zone, 'Subnet', {
          vpcId: context.vpcId,
          availabilityZone,
          cidrBlock: subnetBlocks![index].text,
          // Only the NAT gateway lives here; nothing launched in it gets a public address.
          mapPublicIpOnLaunch: false,
          tags: tags(`${context.platformName}-public-${availabilityZone}`),
        });
        const routeTable = new RouteTable(zone, 'RouteTable', {
          vpcId: context.vpcId,
          tags: tags(`${context.platformName}-public-${availabilityZone}`),
        });
        new Route(zone, 'DefaultRoute', {
          routeTableId: routeTable.id,
          destinationCidrBlock: '0.0.0.0/0',
          gatewayId: internetGatewayId,
        });
        new RouteTableAssociation(zone, 'RouteTableAssociation', {
          subnetId: subnet.id,
          routeTableId: routeTable.id,
        });
        const existingEip = props.existingElasticIps?.find((e) => e.availabilityZone === availabilityZone);
        const eip = existingEip
          ? undefined
          : new Eip(zone, 'ElasticIp', {
              domain: 'vpc',
              tags: tags(`${context.platformName}-egress-${availabilityZone}`),
              ...(dependsOn.length > 0 ? { dependsOn } : {}),
              // Every DMZ customer allow-lists it; a released address never comes back.
              ...(props.protectElasticIps === false ? {} : { lifecycle: { preventDestroy: true } }),
            });
        const natGateway = new NatGateway(zone, 'NatGateway', {
          connectivityType: 'public',
          allocationId: eip?.allocationId ?? existingEip!.allocationId,
          subnetId: subnet.id,
          tags: tags(`${context.platformName}-egress-${availabilityZone}`),
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
        });
        return {
          availabilityZone,
          eip,
          natGateway,
          subnet,
          publicIp: eip?.publicIp ?? existingEip!.publicIp,
        };
      });
      this.networkAcl = new NetworkAcl(this, 'NetworkAcl', {
        vpcId: context.vpcId,
        subnetIds: zones.map((z) => z.subnet.id),
        tags: tags(`${context.platformName}-public-nacl`),
      });
      this.addNetworkAclRules(this.networkAcl, context, zones.length);
      this.elasticIps = zones.flatMap((z) => (z.eip ? [z.eip] : []));
      this.natGateways = zones.map((z) => z.natGateway);
      this.zones = zones.map(({ availabilityZone, publicIp, natGateway }) =>
        publishedZone(context, { availabilityZone, natGatewayId: natGateway.id, publicIp, natGateway }),
      );
    }

    addPublicEgressOutput(this, context.platformName, this.zones);

    enrolInPublicEgressQuotaCheck(this);
  }

  /**
   * The public subnets' network ACL: the customer address pool out to the internet on each of `ports`,
   * and the replies (the NAT gateway's own connections leave from ephemeral ports). Keyed by port, numbered
   * by `NetworkAclRuleNumbers`: a port added to `ports` moves no rule.
   */
  private addNetworkAclRules(acl: NetworkAcl, context: PublicEgressContext, zoneCount: number): void {
    const pool = context.customerAddressPool?.text;
    if (pool === undefined || zoneCount === 0) return;
    const numbers = new NetworkAclRuleNumbers();
    const scope = new Construct(this, 'NetworkAclRules');
    const rule = (
      id: string,
      egress: boolean,
      cidrBlock: string,
      ports: { fromPort: number; toPort: number },
    ) =>
      new NetworkAclRule(scope, id, {
        networkAclId: acl.id,
        ruleNumber: numbers.number(egress, 'public-egress', `${scope.node.path}/${id}`),
        egress,
        protocol: 'tcp',
        ruleAction: 'allow',
        cidrBlock,
        ...ports,
      });
    for (const port of this.ports) {
      rule(`In-pool-${port}`, false, pool, { fromPort: port, toPort: port });
      rule(`Out-internet-${port}`, true, '0.0.0.0/0', { fromPort: port, toPort: port });
    }
    rule('In-internet-replies', false, '0.0.0.0/0', EPHEMERAL);
    rule('Out-pool-replies', true, pool, EPHEMERAL);
  }

  /** The exit of a zone (every zone of the platform has one). */
  public zone(availabilityZone: string): PublicEgressZone {
    const zone = this.zones.find((z) => z.availabilityZone === availabilityZone);
    if (!zone) throw new Error(`the public path has no NAT gateway in ${availabilityZone}`);
    return zone;
  }
}

const egressByApp = new WeakMap<IConstruct, PublicEgress[]>();

function enrolInPublicEgressQuotaCheck(egress: PublicEgress): void {
  const root = egress.node.root;
  const all = egressByApp.get(root) ?? [];
  all.push(egress);
  egressByApp.set(root, all);
  egress.node.addValidation({ validate: () => publicEgressQuotaProblems(egress, all) });
}

/**
 * The quotas of the public path over every platform of the app, reported by the first platform of the
 * region (Elastic IPs) or of the zone (NAT gateways): what this app creates, so addresses the account
 * already holds elsewhere come on top. Self-contained, to join the platform's register of quota checks.
 */
export function publicEgressQuotaProblems(egress: PublicEgress, all: readonly PublicEgress[]): string[] {
  const problems: string[] = [];
  const sameRegion = all.filter((e) => e.region === egress.region);
  const hint = (name: keyof PublicEgressQuotas) =>
    `ask AWS to raise it (Service Quotas, Amazon Elastic Compute Cloud (Amazon EC2)) and set \`publicEgress.quotas.${name}\` on the platform to the new value, or let the platforms of this region share existing NAT gateways (\`publicEgress.existingNatGateways\`)`;
  const limitText = (name: keyof PublicEgressQuotas) =>
    `${egress.quotas[name]}${egress.quotas[name] === PUBLIC_EGRESS_QUOTA_DEFAULTS[name] ? " (AWS's default)" : ' (declared in `publicEgress.quotas`)'}`;
  if (sameRegion[0] === egress) {
    const eips = sameRegion.reduce((n, e) => n + e.elasticIps.length, 0);
    if (eips > egress.quotas.elasticIpsPerRegion) {
      problems.push(
        `quota Elastic IP addresses per region: region ${egress.region} has ${eips} Elastic IPs of this app's public paths (one per platform and zone), over the quota of ${limitText('elasticIpsPerRegion')}; addresses the account already holds count too. ${hint('elasticIpsPerRegion')}`,
      );
    }
  }
  const zones = new Set(egress.natGateways.length > 0 ? egress.zones.map((z) => z.availabilityZone) : []);
  for (const zone of zones) {
    const inZone = sameRegion.filter(
      (e) => e.natGateways.length > 0 && e.zones.some((z) => z.availabilityZone === zone),
    );
    if (inZone[0] !== egress || inZone.length <= egress.quotas.natGatewaysPerAvailabilityZone) continue;
    problems.push(
      `quota NAT gateways per availability zone: ${zone} has ${inZone.length} NAT gateways of this app's public paths, over the quota of ${limitText('natGatewaysPerAvailabilityZone')}. ${hint('natGatewaysPerAvailabilityZone')}`,
    );
  }
  return problems;
}
