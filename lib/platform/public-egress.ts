/**
 * The platform's public path: NAT gateways with fixed Elastic IPs, one per availability zone, in public
 * subnets behind the VPC's internet gateway. Customers whose backend is a public DMZ endpoint (instead of
 * a VPN) reach it through the NAT gateway of their zone; the Elastic IPs are the only source addresses
 * those customers must allow. Shared by every such customer, it exists as long as the platform's
 * `publicEgress` does, whether a customer uses it yet or not: the addresses customers allow-list never
 * change with the customers that come and go.
 */
import { Construct, IConstruct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { NetworkAcl } from '@cdktf/provider-aws/lib/network-acl';
import { NetworkAclRule } from '@cdktf/provider-aws/lib/network-acl-rule';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Cidr, cidrContains, cidrOverlaps, splitCidr } from '../shared/cidr';
import { NetworkAclRuleNumbers } from '../shared/rule-numbers';
import { standardTags } from '../shared/names';
import { Problems, checkIpv4Cidr, isUnresolved, show } from '../shared/validation';
import { isPublicIpv4 } from '../shared/public-address';
import { requireCdktfStack } from '../shared/cdktf-stack';

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
  readonly publish?: (path: readonly string[], value: string) => string;
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

/** Checks `publicEgress` against the platform; returns the public subnets' blocks when they are created. */
export function validatePublicEgress(
  problems: Problems,
  props: PublicEgressProps,
  context: Omit<PublicEgressContext, 'platformName' | 'vpcId' | 'tags'>,
): Cidr[] | undefined {
  const zones = context.availabilityZones;
  const { subnetsCidrBlock: blockText, existingNatGateways: existing } = props;
  for (const [name, value] of Object.entries(props.quotas ?? {}) as Array<[string, unknown]>) {
    if (!(name in PUBLIC_EGRESS_QUOTA_DEFAULTS)) {
      problems.add(
        `\`publicEgress.quotas.${name}\` is not a quota of the public path (${Object.keys(PUBLIC_EGRESS_QUOTA_DEFAULTS).join(', ')})`,
      );
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.add(`\`publicEgress.quotas.${name}\` ${show(value)} must be a whole number ≥ 1`);
    }
  }
  checkPublicEgressPorts(problems, props.ports);
  checkExistingElasticIps(problems, props, zones);
  const gateway = props.existingInternetGatewayId;
  if (gateway !== undefined) {
    if (context.newVpc) {
      problems.add(
        '`publicEgress.existingInternetGatewayId` is only for `existingVpc`: the platform creates the internet gateway of its new VPC',
      );
    } else if (existing !== undefined) {
      problems.add(
        '`publicEgress.existingInternetGatewayId` is not needed with `publicEgress.existingNatGateways`: nothing new is created',
      );
    } else if (!isUnresolved(gateway) && !/^igw-[0-9a-f]{8,17}$/.test(gateway)) {
      problems.add(
        `\`publicEgress.existingInternetGatewayId\` ${show(gateway)} is not an internet gateway id (igw- followed by 8 or 17 hex digits)`,
      );
    }
  }
  if (blockText !== undefined && existing !== undefined) {
    problems.add(
      'give either `publicEgress.subnetsCidrBlock` (new NAT gateways) or `publicEgress.existingNatGateways`, not both',
    );
    return undefined;
  }
  if (blockText === undefined && existing === undefined) {
    problems.add(
      'give `publicEgress.subnetsCidrBlock` (new public /28 subnets for NAT gateways, one per availability zone) or `publicEgress.existingNatGateways`',
    );
    return undefined;
  }
  if (existing !== undefined) {
    const seen = new Set<string>();
    existing.forEach((nat, i) => {
      const at = `\`publicEgress.existingNatGateways[${i}]\``;
      if (!isUnresolved(nat.availabilityZone)) {
        if (!zones.includes(nat.availabilityZone)) {
          problems.add(
            `${at}.availabilityZone ${show(nat.availabilityZone)} is not one of the platform's zones (${zones.join(', ')})`,
          );
        } else if (seen.has(nat.availabilityZone)) {
          problems.add(`${at}.availabilityZone ${show(nat.availabilityZone)} is listed twice`);
        }
        seen.add(nat.availabilityZone);
      }
      if (!isUnresolved(nat.natGatewayId) && !/^nat-[0-9a-f]{8,17}$/.test(nat.natGatewayId)) {
        problems.add(
          `${at}.natGatewayId ${show(nat.natGatewayId)} is not a NAT gateway id (nat- followed by 8 or 17 hex digits)`,
        );
      }
      if (!isUnresolved(nat.publicIp) && !isPublicIpv4(nat.publicIp)) {
        problems.add(
          `${at}.publicIp ${show(nat.publicIp)} is not a public IPv4 address: give the NAT gateway's Elastic IP, the address customers allow`,
        );
      }
    });
    const missing = zones.filter((zone) => !seen.has(zone));
    if (missing.length > 0 && existing.every((nat) => !isUnresolved(nat.availabilityZone))) {
      problems.add(
        `\`publicEgress.existingNatGateways\` has no NAT gateway in ${missing.join(', ')}; give one per availability zone of the platform, so that each zone's customers leave through their own zone`,
      );
    }
    return undefined;
  }
  if (isUnresolved(blockText)) {
    problems.add('`publicEgress.subnetsCidrBlock` must be a literal CIDR: it is checked against the VPC');
    return undefined;
  }
  const block = checkIpv4Cidr(problems, 'publicEgress.subnetsCidrBlock', blockText!);
  if (!block) return undefined;
  if (context.vpcBlocks.length > 0 && !context.vpcBlocks.some((b) => cidrContains(b, block))) {
    problems.add(
      `\`publicEgress.subnetsCidrBlock\` ${block.text} is not inside the VPC's CIDR blocks (${context.vpcBlocks.map((b) => b.text).join(', ')})`,
    );
    return undefined;
  }
  if (context.customerAddressPool && cidrOverlaps(context.customerAddressPool, block)) {
    problems.add(
      `\`publicEgress.subnetsCidrBlock\` ${block.text} overlaps the customer address pool ${context.customerAddressPool.text}; take it from another part of the VPC`,
    );
    return undefined;
  }
  const clash = context.reservedBlocks.find((reserved) => cidrOverlaps(reserved, block));
  if (clash) {
    problems.add(
      `\`publicEgress.subnetsCidrBlock\` ${block.text} overlaps ${clash.text}, already used by the platform's other subnets (transit gateway attachments or interface endpoints)`,
    );
    return undefined;
  }
  const blocks = splitCidr(block, zones.length, PUBLIC_EGRESS_SUBNET_PREFIX);
  if (!blocks) {
    problems.add(
      `\`publicEgress.subnetsCidrBlock\` ${block.text} is too small for ${zones.length} public subnets of /${PUBLIC_EGRESS_SUBNET_PREFIX}; use a /${PUBLIC_EGRESS_SUBNET_PREFIX - Math.ceil(Math.log2(Math.max(zones.length, 1)))} or larger`,
    );
  }
  return blocks;
}

function checkPublicEgressPorts(problems: Problems, ports: readonly number[] | undefined): void {
  if (ports === undefined) return;
  if (ports.length === 0) {
    problems.add('`publicEgress.ports` is empty; list the ports the DMZ endpoints listen on (e.g. [443])');
  }
  const seen = new Set<number>();
  ports.forEach((port, i) => {
    if (isUnresolved(port)) {
      problems.add(`\`publicEgress.ports[${i}]\` must be a literal port: the network ACL is opened to it`);
    } else if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.add(`\`publicEgress.ports[${i}]\` ${show(port)} is not a port (an integer from 1 to 65535)`);
    } else if (seen.has(port)) {
      problems.add(`\`publicEgress.ports[${i}]\` ${port} is listed twice`);
    }
    seen.add(port);
  });
}

function checkExistingElasticIps(
  problems: Problems,
  props: PublicEgressProps,
  zones: readonly string[],
): void {
  const eips = props.existingElasticIps;
  if (eips === undefined) return;
  if (props.existingNatGateways !== undefined) {
    problems.add(
      '`publicEgress.existingElasticIps` is for new NAT gateways (`subnetsCidrBlock`); existing NAT gateways keep their own addresses',
    );
    return;
  }
  const seen = new Set<string>();
  eips.forEach((eip, i) => {
    const at = `\`publicEgress.existingElasticIps[${i}]\``;
    if (!isUnresolved(eip.availabilityZone)) {
      if (!zones.includes(eip.availabilityZone)) {
        problems.add(
          `${at}.availabilityZone ${show(eip.availabilityZone)} is not one of the platform's zones (${zones.join(', ')})`,
        );
      } else if (seen.has(eip.availabilityZone)) {
        problems.add(`${at}.availabilityZone ${show(eip.availabilityZone)} is listed twice`);
      }
      seen.add(eip.availabilityZone);
    }
    if (!isUnresolved(eip.allocationId) && !/^eipalloc-[0-9a-f]{8,17}$/.test(eip.allocationId)) {
      problems.add(
        `${at}.allocationId ${show(eip.allocationId)} is not an Elastic IP allocation id (eipalloc- followed by 8 or 17 hex digits)`,
      );
    }
    if (!isUnresolved(eip.publicIp) && !isPublicIpv4(eip.publicIp)) {
      problems.add(`${at}.publicIp ${show(eip.publicIp)} is not a public IPv4 address`);
    }
  });
  const missing = zones.filter((zone) => !seen.has(zone));
  if (missing.length > 0 && eips.every((eip) => !isUnresolved(eip.availabilityZone))) {
    problems.add(
      `\`publicEgress.existingElasticIps\` has no address in ${missing.join(', ')}; give one per availability zone of the platform`,
    );
  }
}

/** A zone's exit with its ids as the platform's contract publishes them. */
function publishedZone(context: PublicEgressContext, zone: PublicEgressZone): PublicEgressZone {
  const publish = context.publish ?? ((_path: readonly string[], value: string) => value);
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
  public readonly zones: readonly PublicEgressZone[];
  /** The new internet gateway, when the platform created one. */
  public readonly internetGateway?: InternetGateway;
  public readonly elasticIps: readonly Eip[];
  public readonly natGateways: readonly NatGateway[];
  /** The public subnets' network ACL, when the platform created the NAT gateways. */
  public readonly networkAcl?: NetworkAcl;
  /** The ports the public subnets' network ACL passes. */
  public readonly ports: readonly number[];
  public readonly quotas: Readonly<Required<PublicEgressQuotas>>;
  /** The region (from the zones' names): quotas are counted per region. */
  public readonly region: string;

  constructor(
    scope: Construct,
    id: string,
    props: PublicEgressProps,
    context: PublicEgressContext,
    subnetBlocks: readonly Cidr[] | undefined,
  ) {
    super(scope, id);
    requireCdktfStack(this);
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

    new TerraformOutput(this, 'ElasticIpsOutput', {
      value: Object.fromEntries(this.zones.map((z) => [z.availabilityZone, z.publicIp])),
      description: `The fixed source addresses (Elastic IPs, by zone) of platform ${context.platformName}'s public path: customers with a DMZ endpoint allow exactly these`,
    }).overrideLogicalId(`${context.platformName}_public_egress_ips`);

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
