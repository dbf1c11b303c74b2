import { Construct } from 'constructs';
import { Annotations, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Ec2TransitGateway } from '@cdktf/provider-aws/lib/ec2-transit-gateway';
import { Ec2TransitGatewayRouteTable } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table';
import { Ec2TransitGatewayRouteTableAssociation } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table-association';
import { Ec2TransitGatewayVpcAttachment } from '@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { VpnGateway } from '@cdktf/provider-aws/lib/vpn-gateway';
import { Fn } from 'cdktf';
import { Cidr, cidrContains, cidrOverlaps, parseCidr as parseCidrQuietly, splitCidr } from '../shared/cidr';
import { checkName, checkTags, standardTags } from '../shared/names';
import { Partition, PARTITIONS, isPartition, partitionOfRegion, servicePrincipal } from '../shared/partition';
import { Problems, checkIpv4Cidr, isUnresolved, requireProps, show } from '../shared/validation';
import { AlarmSubscriptionSpec, addAlarmSubscriptions, checkAlarmSubscriptions } from './alarm-subscriptions';
import { InterfaceEndpoints, InterfaceEndpointsProps } from './interface-endpoints';
import { PublicEgress, PublicEgressProps, validatePublicEgress } from './public-egress';
import { PlatformContract } from './platform-contract';
import {
  PlatformQuotas,
  QuotaName,
  QuotaUsage,
  checkQuotaValues,
  enrolInQuotaCheck,
  resolveQuotas,
} from './quotas';
import { GatewayPlatformAttributes, amazonSideAsnOf, parsePlatformAttributes } from './platform-attributes';
import {
  ALARM_TOPIC_KEY_DEFAULTS,
  AMAZON_SIDE_ASN_RANGES,
  DEFAULT_AMAZON_SIDE_ASN,
  MAX_VPN_CONNECTIONS_PER_VPN_GATEWAY,
  TRANSIT_GATEWAY_ATTACHMENT_SUBNET_PREFIX,
  TRANSIT_GATEWAY_DEFAULTS,
} from './platform-defaults';
import { requireCdktfStack } from '../shared/cdktf-stack';

/** A VPC that already exists. Its CIDR blocks are declared, not looked up, so synth and plan need no AWS call. */
export interface ExistingVpcAttributes {
  /** The VPC id, e.g. `vpc-0a1b2c3d`. */
  readonly vpcId: string;
  /** Every IPv4 CIDR block of the VPC (primary and secondary). The customer address pool must lie inside one. */
  readonly cidrBlocks: string[];
}

/** Settings for a VPC the platform creates. */
export interface NewVpcProps {
  /** The VPC's IPv4 CIDR block, /16 to /28. */
  readonly cidrBlock: string;
}

export interface GatewayPlatformProps {
  /** The platform's name: a part of resource names and the `backend-link:platform` tag. 2-24 characters, `[a-z0-9-]`. */
  readonly name: string;
  /**
   * Use a VPC that already exists (give its id and CIDR blocks). Give this or `vpcProps`, not both.
   * With `interfaceEndpoints` (private DNS), the VPC must have both `enableDnsSupport` and
   * `enableDnsHostnames` on, or AWS refuses the endpoints; this can not be checked offline, so synth
   * prints a warning naming the command that checks it.
   * @default - a new VPC is created from `vpcProps`
   */
  readonly existingVpc?: ExistingVpcAttributes;
  /**
   * Create a new VPC. Give this or `existingVpc`, not both.
   * @default - the platform uses `existingVpc`
   */
  readonly vpcProps?: NewVpcProps;
  /**
   * The IPv4 block, inside the VPC, from which every customer's subnets are carved. Each customer
   * declares its own block inside it; the platform rejects overlaps at synth time.
   */
  readonly customerAddressPool: string;
  /** The availability zones (names such as `eu-west-1a`) customers' subnets may use: at least two, no duplicates. */
  readonly availabilityZones: string[];
  /**
   * Tags added to every resource of the platform and its customers.
   * @default - only the standard `Name` and `backend-link:*` tags
   */
  readonly tags?: Record<string, string>;
  /**
   * Offer a virtual private gateway as VPN attachment point: one VGW attached to the VPC. It carries at
   * most 10 VPN connections (an AWS quota); past that, use `transitGateway`. A platform may offer both.
   * @default - no virtual private gateway
   */
  readonly vpnGateway?: VpnGatewayProps;
  /**
   * Offer a transit gateway as VPN attachment point: a new or existing TGW, the VPC attachment and the
   * platform's route table for it; each customer's VPN gets its own TGW route table. A platform may offer both.
   * @default - no transit gateway
   */
  readonly transitGateway?: TransitGatewayProps;
  /**
   * The ARN of an existing SNS topic for every alarm of the platform and its customers.
   * @default - a new SNS topic, encrypted with a new KMS key (rotation on) that CloudWatch alarms may use
   */
  readonly existingAlarmTopicArn?: string;
  /**
   * Interface endpoints (with private DNS) for the AWS APIs the gateway functions call: Secrets Manager by
   * default. The customers' subnets have no internet route, so without them (or endpoints you manage) the
   * runtime can not read its secrets.
   * @default - no endpoints: manage them yourself
   */
  readonly interfaceEndpoints?: InterfaceEndpointsProps;
  /**
   * The public path, for customers whose backend is a public DMZ endpoint instead of a VPN
   * (`CustomerBackendLinkProps.publicEndpoint`): NAT gateways with fixed Elastic IPs, one per availability
   * zone, in public subnets behind the VPC's internet gateway, shared by those customers. It is created with
   * the platform and lives as long as this prop, whether or not a customer uses it yet: the addresses every
   * DMZ customer allow-lists never change with the customers that come and go.
   * @default - no public path: customers reach their backends over a VPN or another private path
   */
  readonly publicEgress?: PublicEgressProps;
  /**
   * Who hears of the alarms: typed subscriptions of the alarm topic (also of `existingAlarmTopicArn`).
   * Build them with `AlarmSubscription.email/https/sqs/lambda`.
   * @default - none: the alarms change state and notify nobody
   */
  readonly alarmSubscriptions?: AlarmSubscriptionSpec[];
  /**
   * The AWS partition: `aws`, `aws-us-gov` or `aws-cn`. It sets the ARNs, principals, `kms:ViaService`
   * values and endpoint service names the platform and its customers write.
   * @default - derived from the region of `availabilityZones` (`cn-*` aws-cn, `us-gov-*` aws-us-gov, else aws)
   */
  readonly partition?: Partition;
  /**
   * The account's raised quotas, where AWS raised them; checked at synth over the whole app (all stacks,
   * all platforms). Every platform in one region must declare the same values.
   * @default - AWS's default quotas (see `PlatformQuotas`)
   */
  readonly quotas?: PlatformQuotas;
}

/** The virtual private gateway attachment point. */
export interface VpnGatewayProps {
  /**
   * The private BGP ASN of the Amazon side: 64512-65534 or 4200000000-4294967294.
   * @default 64512
   */
  readonly amazonSideAsn?: number;
}

/** The transit gateway attachment point. */
export interface TransitGatewayProps {
  /**
   * Use a transit gateway that already exists, e.g. `tgw-0a1b2c3d4e5f60718`; give
   * `existingDefaultRouteTablePropagation` with it. Default route table association on it is harmless: each
   * association replaces the existing one (`replace_existing_association`).
   * @default - a new transit gateway with default route table association and propagation disabled
   */
  readonly existingTransitGatewayId?: string;
  /**
   * The existing transit gateway's `DefaultRouteTablePropagation` option, as declared (it can not be looked
   * up offline): `'disable'` is required. With propagation on, every customer's VPN attachment would
   * propagate its on-premises routes into the default route table, where every attachment associated with
   * it (other VPCs, other teams) would learn them. Check it with
   * `aws ec2 describe-transit-gateways --transit-gateway-ids <id> --query 'TransitGateways[0].Options.DefaultRouteTablePropagation'`.
   * @default - required with `existingTransitGatewayId`
   */
  readonly existingDefaultRouteTablePropagation?: 'disable' | 'enable';
  /**
   * The Amazon-side BGP ASN: of the new transit gateway, or as declared for the existing one (it is
   * handed to customers, not looked up).
   * @default 64512
   */
  readonly amazonSideAsn?: number;
  /**
   * An IPv4 block inside the VPC and outside the customer address pool from which one /28 attachment
   * subnet per availability zone is carved. Give this or `existingAttachmentSubnetIds`.
   * @default - the attachment uses `existingAttachmentSubnetIds`
   */
  readonly attachmentSubnetsCidrBlock?: string;
  /**
   * Subnets of the VPC (one per availability zone) for the transit gateway's VPC attachment. Give this
   * or `attachmentSubnetsCidrBlock`.
   * @default - subnets are created from `attachmentSubnetsCidrBlock`
   */
  readonly existingAttachmentSubnetIds?: string[];
}

/** Where a customer's VPN connection attaches to the platform. */
export type VpnAttachmentKind = 'vpn-gateway' | 'transit-gateway';

/** The transit gateway side of the platform, once created. */
export interface PlatformTransitGateway {
  readonly transitGatewayId: string;
  /** True for an existing transit gateway (its associations replace the default route table's). */
  readonly existing: boolean;
  readonly amazonSideAsn: number;
  /** The VPC attachment (one per VPC and transit gateway: an AWS rule). */
  readonly vpcAttachmentId: string;
  /** The platform's route table, associated with the VPC attachment: routes to each customer's on-prem ranges. */
  readonly vpcRouteTableId: string;
  /**
   * The transit gateway's id as the VPC attachment reports it. A VPC route to the transit gateway only
   * works once the VPC is attached, so routes take the id from here: the reference orders them after
   * the attachment, also from another stack (where Terraform accepts no `depends_on` on it) and for an
   * imported platform (a literal: the attachment exists).
   */
  readonly attachedTransitGatewayId: string;
  /** The transit gateway, when the platform created it. */
  readonly transitGateway?: Ec2TransitGateway;
  /** The VPC attachment resource, when the platform created it (not for an imported platform). */
  readonly vpcAttachment?: Ec2TransitGatewayVpcAttachment;
}

/** The virtual private gateway side of the platform, once created. */
export interface PlatformVpnGateway {
  readonly vpnGatewayId: string;
  readonly amazonSideAsn: number;
  /** The gateway resource, when the platform created it (not for an imported platform). */
  readonly vpnGateway?: VpnGateway;
}

/** A customer's VPN, as recorded by the platform so that collisions are caught at synth time. */
export interface VpnRegistration {
  readonly customerName: string;
  /** The construct that made the reservation (named in error messages). */
  readonly constructPath: string;
  readonly attachment: VpnAttachmentKind;
  /** The customer's on-premises ranges reached through the VPN. */
  readonly onPremCidrs: readonly Cidr[];
  /** The tunnels' inside /30 blocks that were given explicitly. */
  readonly tunnelInsideCidrs: readonly Cidr[];
  /** `bgp` or `static`. @default 'static' */
  readonly routing?: 'static' | 'bgp';
  /** Why BGP is accepted on a virtual private gateway shared with other customers. @default - refused */
  readonly bgpOnSharedVpnGatewayReason?: string;
}

/** What a customer reserves on the platform; recorded so that overlaps are caught at synth time. */
export interface CustomerAllocation {
  readonly customerName: string;
  /** The construct that made the reservation (named in error messages). */
  readonly constructPath: string;
  /** The customer's block in the address pool. */
  readonly cidrBlock?: Cidr;
}

/** Marks the props of `GatewayPlatform.fromAttributes` (module-private: not a way for callers to pass them). */
const IMPORTED = Symbol('backend-link/GatewayPlatform.imported');
type ImportedProps = { readonly [IMPORTED]: GatewayPlatformAttributes };

/**
 * The shared side of backend-link: the gateway tier's VPC, the pool of addresses from which each
 * customer's private subnets are carved, and the list of availability zones. It keeps a register of
 * every customer and rejects a second customer of the same name or an overlapping block.
 */
export class GatewayPlatform extends Construct {
  /**
   * A platform that already exists (in another stack or repository), from its ids as literal
   * attributes: the platform's `<name>_platform_attributes` output. It creates no resource; customers
   * built on it reference the ids directly (no remote state), and its register checks the customers
   * of this app (names, blocks, on-prem ranges, VPN quota) as a created platform's does.
   *
   * Throws a ValidationError naming every invalid attribute.
   */
  public static fromAttributes(
    scope: Construct,
    id: string,
    attributes: GatewayPlatformAttributes,
  ): GatewayPlatform {
    return new GatewayPlatform(scope, id, { [IMPORTED]: attributes } as unknown as GatewayPlatformProps);
  }

  /** True for a platform from `fromAttributes`: it owns no resource. */
  public readonly imported: boolean;
  /** The security group of the interface endpoints, when there are any (created or imported). */
  public readonly endpointsSecurityGroupId?: string;
  public readonly name: string;
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR blocks, as declared. */
  public readonly vpcCidrBlocks: readonly string[];
  public readonly customerAddressPool: string;
  public readonly availabilityZones: readonly string[];
  public readonly tags: Readonly<Record<string, string>>;
  /** The VPC, when the platform created it. */
  public readonly vpc?: Vpc;

  /** The virtual private gateway, when the platform offers one. */
  public readonly vpnGateway?: PlatformVpnGateway;
  /** The transit gateway side, when the platform offers one. */
  public readonly transitGateway?: PlatformTransitGateway;
  /** The SNS topic every alarm of the platform and its customers notifies. */
  public readonly alarmTopicArn: string;
  /** The alarm topic, when the platform created it. */
  public readonly alarmTopic?: SnsTopic;
  /** The interface endpoints, when the platform created them. */
  public readonly interfaceEndpoints?: InterfaceEndpoints;
  /** The region, from the availability zones. */
  public readonly region: string;
  /** The AWS partition (given, or derived from the region). */
  public readonly partition: Partition;
  /** The quotas checked at synth: AWS's defaults with the platform's `quotas` over them. */
  public readonly quotas: Readonly<Record<QuotaName, number>>;
  /** What other apps use of the account's and region's quotas (`quotas.usedByOtherApps`). */
  public readonly quotaUsageElsewhere: QuotaUsage;
  /** The blocks of the interface endpoints' subnets (the functions' egress on 443), when known. */
  public readonly endpointSubnetCidrBlocks?: readonly string[];
  /** The quotas as declared (`quotas`), published in the attributes so an imported platform checks the same. */
  private readonly declaredQuotas?: PlatformQuotas;

  private readonly pool?: Cidr;
  private readonly vpcBlocks: readonly Cidr[];
  private readonly allocations: CustomerAllocation[] = [];
  private readonly vpns: VpnRegistration[] = [];
  private readonly publicEgressConstruct?: PublicEgress;

  constructor(scope: Construct, id: string, props: GatewayPlatformProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (IMPORTED in props) {
      const problems = new Problems();
      const attributes = (props as unknown as ImportedProps)[IMPORTED];
      const imported = parsePlatformAttributes(problems, attributes);
      problems.throwIfAny(this);
      const a = imported!.attributes;
      this.imported = true;
      this.name = a.name;
      this.vpcId = a.vpcId;
      this.vpcCidrBlocks = [...a.vpcCidrBlocks];
      this.customerAddressPool = a.customerAddressPool;
      this.availabilityZones = [...a.availabilityZones];
      this.tags = { ...(a.tags ?? {}) };
      this.pool = imported!.pool;
      this.vpcBlocks = imported!.vpcBlocks;
      this.alarmTopicArn = a.alarmTopicArn;
      this.endpointsSecurityGroupId = a.endpointsSecurityGroupId;
      // The region follows from the zones; the partition and quotas are the platform's own, as published in
      // its attributes (AWS's defaults when they are absent: an imported platform's customers are still counted).
      this.region = this.availabilityZones[0].slice(0, -1);
      this.partition = a.partition ?? partitionOfRegion(this.region);
      this.declaredQuotas = a.quotas;
      this.quotas = resolveQuotas(a.quotas);
      this.quotaUsageElsewhere = { ...(a.quotas?.usedByOtherApps ?? {}) };
      this.endpointSubnetCidrBlocks = a.endpointSubnetCidrBlocks
        ? [...a.endpointSubnetCidrBlocks]
        : undefined;
      if (a.vpnGateway) {
        this.vpnGateway = {
          vpnGatewayId: a.vpnGateway.vpnGatewayId,
          amazonSideAsn: amazonSideAsnOf(a.vpnGateway.amazonSideAsn),
        };
      }
      if (a.transitGateway) {
        const t = a.transitGateway;
        this.transitGateway = {
          transitGatewayId: t.transitGatewayId,
          // Not known from the attributes: treat it as existing, so the customers' associations replace
          // a default one if the transit gateway has it (harmless when it has none).
          existing: true,
          amazonSideAsn: amazonSideAsnOf(t.amazonSideAsn),
          vpcAttachmentId: t.vpcAttachmentId,
          vpcRouteTableId: t.vpcRouteTableId,
          // The attachment exists: nothing to wait for.
          attachedTransitGatewayId: t.transitGatewayId,
        };
      }
      enrolInQuotaCheck(this);
      return;
    }
    this.imported = false;
    requireProps(this, props, ['name', 'customerAddressPool', 'availabilityZones']);
    const parsed = validateProps(props);
    checkProviderRegion(this, props.availabilityZones, parsed.problems);
    parsed.problems.throwIfAny(this);

    this.name = props.name;
    this.customerAddressPool = props.customerAddressPool;
    this.availabilityZones = [...props.availabilityZones];
    this.tags = { ...(props.tags ?? {}) };
    this.pool = parsed.pool;
    this.vpcBlocks = parsed.vpcBlocks;
    this.region = parsed.region;
    this.partition = props.partition ?? partitionOfRegion(this.region);
    this.declaredQuotas = props.quotas;
    this.quotas = resolveQuotas(props.quotas);
    this.quotaUsageElsewhere = { ...(props.quotas?.usedByOtherApps ?? {}) };

    // Every value a customer may read is published from the start (platform-contract.ts).
    const contract = new PlatformContract(this);
    const publish = (path: readonly string[], value: string) => contract.publish(path, value);
    if (props.existingVpc) {
      this.vpcId = publish(['vpcId'], props.existingVpc.vpcId);
      this.vpcCidrBlocks = [...props.existingVpc.cidrBlocks];
    } else {
      const cidrBlock = props.vpcProps!.cidrBlock;
      this.vpc = new Vpc(this, 'Vpc', {
        cidrBlock,
        enableDnsSupport: true, // interface endpoints with private DNS need both
        enableDnsHostnames: true,
        tags: standardTags(this.name, `${this.name}-vpc`, this.tags),
      });
      // The default security group of a new VPC allows all traffic between its members: empty it.
      new DefaultSecurityGroup(this, 'DefaultSecurityGroup', {
        vpcId: this.vpc.id,
        tags: standardTags(this.name, `${this.name}-default-closed`, this.tags),
      });
      this.vpcId = publish(['vpcId'], this.vpc.id);
      this.vpcCidrBlocks = [cidrBlock];
    }

    if (props.vpnGateway) {
      const amazonSideAsn = props.vpnGateway.amazonSideAsn ?? DEFAULT_AMAZON_SIDE_ASN;
      const vpnGateway = new VpnGateway(this, 'VpnGateway', {
        vpcId: this.vpcId, // attaches the gateway to the VPC
        amazonSideAsn: String(amazonSideAsn),
        tags: standardTags(this.name, `${this.name}-vgw`, this.tags),
      });
      this.vpnGateway = {
        vpnGatewayId: publish(['vpnGateway', 'vpnGatewayId'], vpnGateway.id),
        amazonSideAsn,
        vpnGateway,
      };
    }

    if (props.transitGateway) {
      const created = this.createTransitGateway(props.transitGateway, parsed.attachmentSubnetBlocks);
      const at = (key: string, value: string) => publish(['transitGateway', key], value);
      this.transitGateway = {
        ...created,
        transitGatewayId: at('transitGatewayId', created.transitGatewayId),
        vpcAttachmentId: at('vpcAttachmentId', created.vpcAttachmentId),
        vpcRouteTableId: at('vpcRouteTableId', created.vpcRouteTableId),
        attachedTransitGatewayId: at('attachedTransitGatewayId', created.attachedTransitGatewayId),
      };
    }

    if (props.interfaceEndpoints) {
      if (props.existingVpc) {
        // Private DNS needs both VPC attributes; they can not be read offline, so say so at synth.
        Annotations.of(this).addWarning(
          `platform ${show(this.name)}: the interface endpoints use private DNS, which needs \`enableDnsSupport\` and \`enableDnsHostnames\` on the existing VPC ${this.vpcId}. ` +
            `Check both with \`aws ec2 describe-vpc-attribute --vpc-id ${this.vpcId} --attribute enableDnsSupport\` (and \`--attribute enableDnsHostnames\`); ` +
            `turn one on with \`aws ec2 modify-vpc-attribute --vpc-id ${this.vpcId} --enable-dns-hostnames '{"Value":true}'\` before applying`,
        );
      }
      this.interfaceEndpoints = new InterfaceEndpoints(this, 'Endpoints', props.interfaceEndpoints, {
        platformName: this.name,
        region: this.region,
        partition: this.partition,
        vpcId: this.vpcId,
        vpcBlocks: this.vpcBlocks,
        customerAddressPool: this.pool,
        reservedBlocks: parsed.attachmentSubnetBlocks ?? [],
        availabilityZones: this.availabilityZones,
        tags: this.tags,
      });
      this.endpointsSecurityGroupId = publish(
        ['endpointsSecurityGroupId'],
        this.interfaceEndpoints.securityGroup.id,
      );
      this.endpointSubnetCidrBlocks = this.interfaceEndpoints.subnetCidrBlocks;
    }

    if (props.existingAlarmTopicArn) {
      this.alarmTopicArn = publish(['alarmTopicArn'], props.existingAlarmTopicArn);
    } else {
      this.alarmTopic = this.createAlarmTopic();
      this.alarmTopicArn = publish(['alarmTopicArn'], this.alarmTopic.arn);
    }
    if (props.publicEgress) {
      // The public path lives as long as the platform's `publicEgress`, not as long as its first user.
      this.publicEgressConstruct = new PublicEgress(
        this,
        'PublicEgress',
        props.publicEgress,
        {
          platformName: this.name,
          vpcId: this.vpcId,
          newVpc: this.vpc !== undefined,
          vpcBlocks: this.vpcBlocks,
          customerAddressPool: this.pool,
          reservedBlocks: [],
          availabilityZones: this.availabilityZones,
          tags: this.tags,
          publish: (path, value) => publish(['publicEgress', ...path], value),
        },
        parsed.publicEgressBlocks,
      );
    }
    if (props.alarmSubscriptions && props.alarmSubscriptions.length > 0) {
      addAlarmSubscriptions(
        new Construct(this, 'AlarmSubscriptions'),
        this.name,
        this.alarmTopicArn,
        props.alarmSubscriptions,
      );
    }
    enrolInQuotaCheck(this);

    new TerraformOutput(this, 'VpcIdOutput', {
      value: this.vpcId,
      description: `VPC of the ${this.name} gateway platform`,
    }).overrideLogicalId(`${this.name}_vpc_id`);
    new TerraformOutput(this, 'AlarmTopicArnOutput', {
      value: this.alarmTopicArn,
      description: `SNS topic of every alarm of the ${this.name} gateway platform and its customers`,
    }).overrideLogicalId(`${this.name}_alarm_topic_arn`);
    if (this.vpnGateway) {
      new TerraformOutput(this, 'VpnGatewayIdOutput', {
        value: this.vpnGateway.vpnGatewayId,
        description: `Virtual private gateway of the ${this.name} gateway platform (at most 10 VPN connections)`,
      }).overrideLogicalId(`${this.name}_vpn_gateway_id`);
    }
    if (this.transitGateway) {
      new TerraformOutput(this, 'TransitGatewayIdOutput', {
        value: this.transitGateway.transitGatewayId,
        description: `Transit gateway of the ${this.name} gateway platform (one route table per customer)`,
      }).overrideLogicalId(`${this.name}_transit_gateway_id`);
    }
    new TerraformOutput(this, 'AttributesOutput', {
      value: this.attributes,
      description: `What GatewayPlatform.fromAttributes takes to build customers on the ${this.name} gateway platform from another stack or repository`,
    }).overrideLogicalId(`${this.name}_platform_attributes`);
  }

  /**
   * The platform's ids and blocks, in the shape `GatewayPlatform.fromAttributes` takes (the values are
   * Terraform references until apply; the platform outputs them as `<name>_platform_attributes`).
   */
  public get attributes(): GatewayPlatformAttributes {
    // cdktf outputs can not hold undefined: absent parts are left out.
    return {
      name: this.name,
      vpcId: this.vpcId,
      vpcCidrBlocks: [...this.vpcCidrBlocks],
      customerAddressPool: this.customerAddressPool,
      availabilityZones: [...this.availabilityZones],
      alarmTopicArn: this.alarmTopicArn,
      partition: this.partition,
      ...(this.declaredQuotas && Object.keys(this.declaredQuotas).length > 0
        ? { quotas: JSON.parse(JSON.stringify(this.declaredQuotas)) as PlatformQuotas }
        : {}),
      ...(this.endpointSubnetCidrBlocks
        ? { endpointSubnetCidrBlocks: [...this.endpointSubnetCidrBlocks] }
        : {}),
      ...(Object.keys(this.tags).length > 0 ? { tags: { ...this.tags } } : {}),
      ...(this.vpnGateway
        ? {
            vpnGateway: {
              vpnGatewayId: this.vpnGateway.vpnGatewayId,
              amazonSideAsn: this.vpnGateway.amazonSideAsn,
            },
          }
        : {}),
      ...(this.transitGateway
        ? {
            transitGateway: {
              transitGatewayId: this.transitGateway.transitGatewayId,
              vpcAttachmentId: this.transitGateway.vpcAttachmentId,
              vpcRouteTableId: this.transitGateway.vpcRouteTableId,
              amazonSideAsn: this.transitGateway.amazonSideAsn,
            },
          }
        : {}),
      ...(this.endpointsSecurityGroupId ? { endpointsSecurityGroupId: this.endpointsSecurityGroupId } : {}),
    };
  }

  private createTransitGateway(
    props: TransitGatewayProps,
    attachmentSubnetBlocks: Cidr[] | undefined,
  ): PlatformTransitGateway {
    const scope = new Construct(this, 'TransitGateway');
    const amazonSideAsn = props.amazonSideAsn ?? DEFAULT_AMAZON_SIDE_ASN;
    let transitGateway: Ec2TransitGateway | undefined;
    let transitGatewayId: string;
    if (props.existingTransitGatewayId) {
      transitGatewayId = props.existingTransitGatewayId;
    } else {
      transitGateway = new Ec2TransitGateway(scope, 'Resource', {
        ...TRANSIT_GATEWAY_DEFAULTS,
        amazonSideAsn,
        description: `backend-link platform ${this.name}: one route table per customer`,
        tags: standardTags(this.name, `${this.name}-tgw`, this.tags),
      });
      transitGatewayId = transitGateway.id;
    }

    let subnetIds: string[];
    if (attachmentSubnetBlocks) {
      subnetIds = this.availabilityZones.map(
        (availabilityZone, index) =>
          new Subnet(scope, `AttachmentSubnet-${availabilityZone}`, {
            vpcId: this.vpcId,
            availabilityZone,
            cidrBlock: attachmentSubnetBlocks[index].text,
            mapPublicIpOnLaunch: false,
            tags: standardTags(this.name, `${this.name}-tgw-attachment-${availabilityZone}`, this.tags),
          }).id,
      );
    } else {
      subnetIds = [...(props.existingAttachmentSubnetIds ?? [])];
    }

    const vpcAttachment = new Ec2TransitGatewayVpcAttachment(scope, 'VpcAttachment', {
      transitGatewayId,
      vpcId: this.vpcId,
      subnetIds,
      dnsSupport: 'enable',
      // Required: the attachment must not join (or feed) the TGW's default route table.
      transitGatewayDefaultRouteTableAssociation: false,
      transitGatewayDefaultRouteTablePropagation: false,
      tags: standardTags(this.name, `${this.name}-tgw-vpc`, this.tags),
    });
    const vpcRouteTable = new Ec2TransitGatewayRouteTable(scope, 'VpcRouteTable', {
      transitGatewayId,
      tags: standardTags(this.name, `${this.name}-tgw-vpc`, this.tags),
    });
    new Ec2TransitGatewayRouteTableAssociation(scope, 'VpcRouteTableAssociation', {
      transitGatewayAttachmentId: vpcAttachment.id,
      transitGatewayRouteTableId: vpcRouteTable.id,
      // An existing TGW may associate new attachments with its default route table: replace that.
      ...(props.existingTransitGatewayId ? { replaceExistingAssociation: true } : {}),
    });
    return {
      transitGatewayId,
      existing: props.existingTransitGatewayId !== undefined,
      amazonSideAsn,
      vpcAttachmentId: vpcAttachment.id,
      vpcRouteTableId: vpcRouteTable.id,
      attachedTransitGatewayId: vpcAttachment.transitGatewayId,
      transitGateway,
      vpcAttachment,
    };
  }

  /**
   * A new SNS topic encrypted with its own KMS key. CloudWatch alarms can only publish to an encrypted
   * topic when the key policy admits `cloudwatch.amazonaws.com`; the AWS-managed `alias/aws/sns` key
   * does not. The account id and partition are taken from the topic's ARN, so no data source is needed.
   */
  private createAlarmTopic(): SnsTopic {
    const scope = new Construct(this, 'AlarmTopic');
    const key = new KmsKey(scope, 'Key', {
      ...ALARM_TOPIC_KEY_DEFAULTS,
      description: `Encrypts the alarm topic of backend-link platform ${this.name}`,
      tags: standardTags(this.name, `${this.name}-alarms`, this.tags),
    });
    const topic = new SnsTopic(scope, 'Resource', {
      name: `${this.name}-alarms`,
      kmsMasterKeyId: key.arn,
      tags: standardTags(this.name, `${this.name}-alarms`, this.tags),
    });
    const partition = Fn.element(Fn.split(':', topic.arn), 1);
    const account = Fn.element(Fn.split(':', topic.arn), 4);
    const region = Fn.element(Fn.split(':', topic.arn), 3);
    new KmsKeyPolicy(scope, 'KeyPolicy', {
      keyId: key.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministers',
            Effect: 'Allow',
            Principal: { AWS: `arn:${partition}:iam::${account}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            // Only alarms of this account and region (no confused deputy through another account's alarm).
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: servicePrincipal('cloudwatch') },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:SourceAccount': account },
              ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
            },
          },
        ],
      }),
    });
    return topic;
  }

  /** True when the platform offers the public path (`publicEgress`). */
  public get offersPublicEgress(): boolean {
    return this.publicEgressConstruct !== undefined;
  }

  /**
   * The public path's NAT gateways, shared by every customer with a public DMZ endpoint. Undefined when the
   * platform has no `publicEgress`. (The path is created with the platform; this is the same as `publicEgress`.)
   */
  public usePublicEgress(): PublicEgress | undefined {
    return this.publicEgressConstruct;
  }

  /** The public path, when the platform has `publicEgress`. */
  public get publicEgress(): PublicEgress | undefined {
    return this.publicEgressConstruct;
  }

  /** The transit gateway id the quota check groups route tables by. */
  public get transitGatewayIdForQuotas(): string | undefined {
    return this.transitGateway?.transitGatewayId;
  }

  /** The attachment points the platform offers. */
  public get vpnAttachments(): VpnAttachmentKind[] {
    return [
      ...(this.vpnGateway ? (['vpn-gateway'] as const) : []),
      ...(this.transitGateway ? (['transit-gateway'] as const) : []),
    ];
  }

  /** Every VPN registered so far, in order of registration. */
  public get vpnRegistrations(): readonly VpnRegistration[] {
    return [...this.vpns];
  }

  /**
   * Records a customer's VPN: its attachment point, on-premises ranges and explicit tunnel inside
   * blocks. Returns the problems found (an empty list when the VPN was recorded):
   * - the attachment point must exist; a virtual private gateway takes at most 10 VPN connections;
   * - on-premises ranges must not overlap the VPC;
   * - two customers on the same attachment point must not have overlapping on-premises ranges: on a
   *   virtual private gateway the VGW's routing is shared, and on a transit gateway the single VPC
   *   attachment (AWS allows one per VPC) looks every customer's ranges up in one route table. Customers
   *   on different attachment points may overlap: each customer's own VPC route table keeps them apart;
   * - on a virtual private gateway, explicit tunnel inside blocks must be unique across its connections.
   */
  public registerVpn(registration: VpnRegistration): string[] {
    const problems: string[] = [];
    const who = `customer ${show(registration.customerName)}`;
    const { attachment } = registration;
    if (!this.vpnAttachments.includes(attachment)) {
      problems.push(
        attachment === 'vpn-gateway'
          ? `platform ${show(this.name)} has no virtual private gateway for ${who}; give the platform \`vpnGateway\` or use \`attachment: 'transit-gateway'\``
          : `platform ${show(this.name)} has no transit gateway for ${who}; give the platform \`transitGateway\` or use \`attachment: 'vpn-gateway'\``,
      );
      return problems;
    }
    const earlier = this.vpns.find((v) => v.customerName === registration.customerName);
    if (earlier) {
      problems.push(
        `${who} already has a VPN (${earlier.constructPath}); one SiteToSiteVpn per customer: list all its on-premises ranges in \`onPremCidrs\``,
      );
    }
    const sameAttachment = this.vpns.filter((v) => v.attachment === attachment);
    if (attachment === 'vpn-gateway' && sameAttachment.length >= MAX_VPN_CONNECTIONS_PER_VPN_GATEWAY) {
      problems.push(
        `platform ${show(this.name)}'s virtual private gateway already carries ${sameAttachment.length} VPN connections, the AWS limit of ${MAX_VPN_CONNECTIONS_PER_VPN_GATEWAY} per virtual private gateway; put ${who} on a transit gateway (give the platform \`transitGateway\` and the VPN \`attachment: 'transit-gateway'\`)`,
      );
    }
    for (const range of registration.onPremCidrs) {
      for (const block of this.vpcBlocks) {
        if (cidrOverlaps(range, block)) {
          problems.push(
            `\`onPremCidrs\` entry ${range.text} of ${who} overlaps the VPC block ${block.text} of platform ${show(this.name)}; traffic to it would stay in the VPC. Ask the customer to expose the backends under a range outside ${block.text} (e.g. with NAT on its side)`,
          );
        }
      }
      for (const other of sameAttachment) {
        if (other.customerName === registration.customerName) continue;
        for (const otherRange of other.onPremCidrs) {
          if (!cidrOverlaps(range, otherRange)) continue;
          const why =
            attachment === 'vpn-gateway'
              ? 'both use the virtual private gateway, whose routing is shared'
              : "both use the transit gateway, and its single VPC attachment looks every customer's on-premises ranges up in one route table";
          problems.push(
            `\`onPremCidrs\` entry ${range.text} of ${who} overlaps ${otherRange.text} of customer ${show(other.customerName)} (${other.constructPath}): ${why}. Ask one customer to expose its backends under another range (NAT on its side), or put the two customers on different attachment points`,
          );
        }
      }
    }
    if (attachment === 'vpn-gateway') {
      problems.push(...this.sharedVpnGatewayBgpProblems(registration, sameAttachment));
      for (const inside of registration.tunnelInsideCidrs) {
        const clash = sameAttachment.find((v) => v.tunnelInsideCidrs.some((c) => cidrOverlaps(c, inside)));
        if (clash) {
          problems.push(
            `tunnel inside block ${inside.text} of ${who} is already used by customer ${show(clash.customerName)} on the same virtual private gateway; inside blocks must be unique across its VPN connections`,
          );
        }
      }
    }
    if (problems.length === 0) this.vpns.push(registration);
    return problems;
  }

  /**
   * On a virtual private gateway the routing is shared: the VGW picks, among all its VPN connections, the
   * longest prefix it learned, so a BGP customer that advertises a range inside another customer's ranges
   * (or a more specific one) attracts that customer's traffic. BGP is therefore refused on a VGW that serves
   * more than one customer, unless the BGP customer's VPN states why (`bgpOnSharedVpnGatewayReason`).
   */
  private sharedVpnGatewayBgpProblems(
    registration: VpnRegistration,
    others: readonly VpnRegistration[],
  ): string[] {
    const rest = others.filter((o) => o.customerName !== registration.customerName);
    if (rest.length === 0) return [];
    const unexcused = (r: VpnRegistration) =>
      r.routing === 'bgp' && (r.bgpOnSharedVpnGatewayReason ?? '').trim() === '';
    const fix =
      "a BGP customer on a shared virtual private gateway can attract the others' traffic by advertising their ranges (the VGW routes by the longest prefix among all its connections). Put the BGP customer on the transit gateway (`attachment: 'transit-gateway'`, one route table per customer), use static routing, or state why it is acceptable in its `bgpOnSharedVpnGatewayReason`";
    if (unexcused(registration)) {
      return [
        `customer ${show(registration.customerName)} uses BGP on platform ${show(this.name)}'s virtual private gateway, which also serves ${rest.map((r) => show(r.customerName)).join(', ')}: ${fix}`,
      ];
    }
    const bgp = rest.filter(unexcused);
    if (bgp.length > 0) {
      return [
        `customer ${show(registration.customerName)} would share platform ${show(this.name)}'s virtual private gateway with ${bgp.map((r) => show(r.customerName)).join(', ')}, which uses BGP: ${fix}`,
      ];
    }
    return [];
  }

  /** Every customer registered so far, in order of registration. */
  public get customers(): readonly CustomerAllocation[] {
    return [...this.allocations];
  }

  /**
   * Reserves a customer's name and address block. Returns the problems found (an empty list when the
   * reservation was recorded); the caller reports them as part of its own validation.
   */
  public registerCustomer(allocation: CustomerAllocation): string[] {
    const problems: string[] = [];
    const sameName = this.allocations.find((a) => a.customerName === allocation.customerName);
    if (sameName) {
      problems.push(
        `customer ${show(allocation.customerName)} is already registered on platform ${show(this.name)} by ${sameName.constructPath}; customer names must be unique`,
      );
    }
    const block = allocation.cidrBlock;
    if (block && this.pool && !cidrContains(this.pool, block)) {
      problems.push(
        `\`cidrBlock\` ${block.text} of customer ${show(allocation.customerName)} is outside the customer address pool ${this.pool.text} of platform ${show(this.name)}`,
      );
    }
    if (block) {
      for (const other of this.allocations) {
        if (other.cidrBlock && cidrOverlaps(other.cidrBlock, block)) {
          problems.push(
            `\`cidrBlock\` ${block.text} of customer ${show(allocation.customerName)} overlaps ${other.cidrBlock.text} of customer ${show(other.customerName)}; give each customer its own block in ${this.customerAddressPool}`,
          );
        }
      }
    }
    if (problems.length === 0) this.allocations.push(allocation);
    return problems;
  }
}

/** Availability zone names: the region's name and a letter (`eu-west-1a`). */
const ZONE_NAME = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

function wellFormedZones(zones: readonly string[]): string[] {
  return zones.filter((z) => !isUnresolved(z) && ZONE_NAME.test(z));
}

/**
 * The zones must be in the region of the stack's default aws provider, when that region is a literal
 * (a provider configured from the environment, or created after the platform, can not be checked).
 */
function checkProviderRegion(scope: Construct, zones: readonly string[], problems: Problems): void {
  const provider = TerraformStack.of(scope)
    .node.findAll()
    .find((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
  const region = provider?.region;
  if (region === undefined || isUnresolved(region)) return;
  const elsewhere = wellFormedZones(zones).filter((z) => z.slice(0, -1) !== region);
  if (elsewhere.length > 0) {
    problems.add(
      `\`availabilityZones\` ${elsewhere.map(show).join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} not in ${region}, the region of the stack's aws provider; give zones of ${region} (e.g. "${region}a")`,
    );
  }
}

interface ParsedPlatformProps {
  problems: Problems;
  /** The region (availability zone names are the region's name plus a letter: no data source needed). */
  region: string;
  pool?: Cidr;
  vpcBlocks: Cidr[];
  attachmentSubnetBlocks?: Cidr[];
  publicEgressBlocks?: Cidr[];
}

function checkAmazonSideAsn(problems: Problems, prop: string, value: number | undefined): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!Number.isInteger(value) || !AMAZON_SIDE_ASN_RANGES.some(([lo, hi]) => value >= lo && value <= hi)) {
    problems.add(
      `\`${prop}\` ${show(value)} is not a private ASN AWS accepts for its side (64512-65534 or 4200000000-4294967294)`,
    );
  }
}

function validateProps(props: GatewayPlatformProps): ParsedPlatformProps {
  const problems = new Problems();
  const nameProblem = checkName('name', props.name);
  if (nameProblem) problems.add(nameProblem);

  if (props.existingVpc && props.vpcProps) {
    problems.add('give either `existingVpc` or `vpcProps`, not both');
  } else if (!props.existingVpc && !props.vpcProps) {
    problems.add('give `existingVpc` (an existing VPC) or `vpcProps` (a new VPC)');
  }

  const vpcBlocks: Cidr[] = [];
  const declared = props.existingVpc
    ? props.existingVpc.cidrBlocks.map((value, i) => ({ prop: `existingVpc.cidrBlocks[${i}]`, value }))
    : props.vpcProps
      ? [{ prop: 'vpcProps.cidrBlock', value: props.vpcProps.cidrBlock }]
      : [];
  if (props.existingVpc && props.existingVpc.cidrBlocks.length === 0) {
    problems.add("`existingVpc.cidrBlocks` is empty; list the VPC's IPv4 CIDR blocks");
  }
  if (
    props.existingVpc &&
    !isUnresolved(props.existingVpc.vpcId) &&
    !/^vpc-[0-9a-f]{8,17}$/.test(props.existingVpc.vpcId)
  ) {
    problems.add(
      `\`existingVpc.vpcId\` ${show(props.existingVpc.vpcId)} is not a VPC id (vpc- followed by 8 or 17 hex digits)`,
    );
  }
  for (const { prop, value } of declared) {
    if (isUnresolved(value)) continue;
    const cidr = checkIpv4Cidr(problems, prop, value);
    if (!cidr) continue;
    if (cidr.prefixLength < 16 || cidr.prefixLength > 28) {
      problems.add(`\`${prop}\` ${cidr.text} must be between /16 and /28 (an AWS VPC limit)`);
    } else {
      vpcBlocks.push(cidr);
    }
  }

  let pool: Cidr | undefined;
  if (!isUnresolved(props.customerAddressPool)) {
    pool = checkIpv4Cidr(problems, 'customerAddressPool', props.customerAddressPool);
    if (
      pool &&
      vpcBlocks.length > 0 &&
      vpcBlocks.length === declared.length &&
      !vpcBlocks.some((b) => cidrContains(b, pool!))
    ) {
      problems.add(
        `\`customerAddressPool\` ${pool.text} is not inside the VPC's CIDR blocks (${vpcBlocks.map((b) => b.text).join(', ')})`,
      );
    }
  }

  const zones = props.availabilityZones;
  if (zones.length < 2) {
    problems.add(
      `\`availabilityZones\` lists ${zones.length}; give at least two for a highly available load balancer`,
    );
  }
  const seen = new Set<string>();
  for (const zone of zones) {
    if (isUnresolved(zone)) continue;
    if (!ZONE_NAME.test(zone)) {
      problems.add(
        `\`availabilityZones\` entry ${show(zone)} is not an availability zone name such as "eu-west-1a"`,
      );
    }
    if (seen.has(zone)) problems.add(`\`availabilityZones\` lists ${show(zone)} twice`);
    seen.add(zone);
  }

  const regions = [...new Set(wellFormedZones(zones).map((z) => z.slice(0, -1)))];
  if (regions.length > 1) {
    problems.add(
      `\`availabilityZones\` spans regions ${regions.join(', ')}; a platform lives in one region (one platform per region)`,
    );
  }
  const region = regions[0] ?? 'unknown';
  if (props.partition !== undefined && !isPartition(props.partition)) {
    problems.add(`\`partition\` ${show(props.partition)} is not one of ${PARTITIONS.join(', ')}`);
  } else if (props.partition !== undefined && regions[0] && partitionOfRegion(region) !== props.partition) {
    problems.add(
      `\`partition\` ${show(props.partition)} does not match region ${region} of \`availabilityZones\`, which is in ${partitionOfRegion(region)}`,
    );
  }
  checkQuotaValues(problems, props.quotas);
  checkAlarmSubscriptions(
    problems,
    props.alarmSubscriptions ?? [],
    props.partition && isPartition(props.partition) ? props.partition : partitionOfRegion(region),
  );
  for (const p of checkTags('tags', props.tags)) problems.add(p);

  checkAmazonSideAsn(problems, 'vpnGateway.amazonSideAsn', props.vpnGateway?.amazonSideAsn);
  let attachmentSubnetBlocks: Cidr[] | undefined;
  const tgw = props.transitGateway;
  if (tgw) {
    checkAmazonSideAsn(problems, 'transitGateway.amazonSideAsn', tgw.amazonSideAsn);
    const propagation = tgw.existingDefaultRouteTablePropagation;
    if (tgw.existingTransitGatewayId === undefined && propagation !== undefined) {
      problems.add(
        '`transitGateway.existingDefaultRouteTablePropagation` applies to an existing transit gateway only; the new one has propagation disabled',
      );
    } else if (tgw.existingTransitGatewayId !== undefined && propagation === undefined) {
      problems.add(
        "`transitGateway.existingDefaultRouteTablePropagation` is required with `existingTransitGatewayId`: declare the transit gateway's DefaultRouteTablePropagation ('disable' is required; check it with `aws ec2 describe-transit-gateways`)",
      );
    } else if (propagation === 'enable') {
      problems.add(
        "`transitGateway.existingDefaultRouteTablePropagation` is 'enable': every customer's VPN attachment would propagate its on-premises routes into the transit gateway's default route table, and every attachment associated with that table (other VPCs, other customers) would learn them. Turn it off (`aws ec2 modify-transit-gateway --transit-gateway-id <id> --options DefaultRouteTablePropagation=disable`) and declare 'disable', or let the platform create its own transit gateway",
      );
    } else if (propagation !== undefined && propagation !== 'disable') {
      problems.add(
        `\`transitGateway.existingDefaultRouteTablePropagation\` ${show(propagation)} must be 'disable' or 'enable'`,
      );
    }
    if (
      tgw.existingTransitGatewayId !== undefined &&
      !isUnresolved(tgw.existingTransitGatewayId) &&
      !/^tgw-[0-9a-f]{8,17}$/.test(tgw.existingTransitGatewayId)
    ) {
      problems.add(
        `\`transitGateway.existingTransitGatewayId\` ${show(tgw.existingTransitGatewayId)} is not a transit gateway id (tgw- followed by 8 or 17 hex digits)`,
      );
    }
    const cidrText = tgw.attachmentSubnetsCidrBlock;
    const existing = tgw.existingAttachmentSubnetIds;
    if (cidrText !== undefined && existing !== undefined) {
      problems.add(
        'give either `transitGateway.attachmentSubnetsCidrBlock` or `transitGateway.existingAttachmentSubnetIds`, not both',
      );
    } else if (cidrText === undefined && existing === undefined) {
      problems.add(
        'give `transitGateway.attachmentSubnetsCidrBlock` (new /28 attachment subnets) or `transitGateway.existingAttachmentSubnetIds`',
      );
    } else if (existing !== undefined) {
      if (existing.length === 0) {
        problems.add(
          '`transitGateway.existingAttachmentSubnetIds` is empty; give one subnet per availability zone',
        );
      }
      for (const id of existing) {
        if (!isUnresolved(id) && !/^subnet-[0-9a-f]{8,17}$/.test(id)) {
          problems.add(
            `\`transitGateway.existingAttachmentSubnetIds\` entry ${show(id)} is not a subnet id (subnet- followed by 8 or 17 hex digits)`,
          );
        }
      }
    } else if (cidrText !== undefined && !isUnresolved(cidrText)) {
      const block = checkIpv4Cidr(problems, 'transitGateway.attachmentSubnetsCidrBlock', cidrText);
      if (!block) {
        // checkIpv4Cidr recorded the problem
      } else if (vpcBlocks.length > 0 && !vpcBlocks.some((b) => cidrContains(b, block))) {
        problems.add(
          `\`transitGateway.attachmentSubnetsCidrBlock\` ${block.text} is not inside the VPC's CIDR blocks (${vpcBlocks.map((b) => b.text).join(', ')})`,
        );
      } else if (pool && cidrOverlaps(pool, block)) {
        problems.add(
          `\`transitGateway.attachmentSubnetsCidrBlock\` ${block.text} overlaps the customer address pool ${pool.text}; take it from another part of the VPC`,
        );
      } else {
        attachmentSubnetBlocks = splitCidr(block, zones.length, TRANSIT_GATEWAY_ATTACHMENT_SUBNET_PREFIX);
        if (!attachmentSubnetBlocks) {
          problems.add(
            `\`transitGateway.attachmentSubnetsCidrBlock\` ${block.text} is too small for ${zones.length} attachment subnets of /${TRANSIT_GATEWAY_ATTACHMENT_SUBNET_PREFIX}; use a /${TRANSIT_GATEWAY_ATTACHMENT_SUBNET_PREFIX - Math.ceil(Math.log2(Math.max(zones.length, 1)))} or larger`,
          );
        }
      }
    }
  }

  let publicEgressBlocks: Cidr[] | undefined;
  if (props.publicEgress) {
    const endpointsBlock = props.interfaceEndpoints?.subnetsCidrBlock;
    const tgwBlock = tgw?.attachmentSubnetsCidrBlock;
    const reservedBlocks = [endpointsBlock, tgwBlock].flatMap((text) =>
      text !== undefined && !isUnresolved(text) ? (parseCidrQuietly(text) ?? []) : [],
    );
    publicEgressBlocks = validatePublicEgress(problems, props.publicEgress, {
      newVpc: props.vpcProps !== undefined,
      vpcBlocks,
      customerAddressPool: pool,
      reservedBlocks,
      availabilityZones: zones,
    });
  }

  const topicArn = props.existingAlarmTopicArn;
  if (
    topicArn !== undefined &&
    !isUnresolved(topicArn) &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn)
  ) {
    problems.add(
      `\`existingAlarmTopicArn\` ${show(topicArn)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
    );
  }
  return { problems, region, pool, vpcBlocks, attachmentSubnetBlocks, publicEgressBlocks };
}
