import { Construct } from 'constructs';
import { Annotations, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Ec2TransitGateway } from '@cdktf/provider-aws/lib/ec2-transit-gateway';
import { Ec2TransitGatewayVpcAttachment } from '@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { VpnGateway } from '@cdktf/provider-aws/lib/vpn-gateway';
import { standardTags } from '../shared/names';
import { Partition, partitionOfRegion } from '../shared/partition';
import { hasProblems, reportProblems } from '../shared/problems';
import { isUnresolved, show } from '../shared/validation';
import { requireCdktfStack } from '../shared/cdktf-stack';
import { AlarmSubscriptionSpec, addAlarmSubscriptions } from './alarm-subscriptions';
import { createAlarmTopic } from './alarm-topic';
import { analyseGatewayPlatformProps } from './gateway-platform-checks';
import { InterfaceEndpoints, InterfaceEndpointsProps } from './interface-endpoints';
import type { GatewayPlatformAttributes } from './platform-attributes';
import { analysePlatformAttributes } from './platform-attributes-checks';
import { PlatformContract } from './platform-contract';
import { importedPlatformMembers } from './platform-import';
import { DEFAULT_AMAZON_SIDE_ASN } from './platform-defaults';
import { PlatformOutputSource, addPlatformOutputs, platformAttributesOf } from './platform-outputs';
import * as register from './platform-register';
import type { CustomerAllocation, VpnAttachmentKind, VpnRegistration } from './platform-register';
import { createPlatformTransitGateway } from './platform-transit-gateway';
import { PublicEgress, PublicEgressProps } from './public-egress';
import { PlatformQuotas, QuotaName, QuotaUsage, enrolInQuotaCheck, resolveQuotas } from './quotas';

export type { CustomerAllocation, VpnAttachmentKind, VpnRegistration } from './platform-register';

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

/** Marks the props of `GatewayPlatform.fromAttributes` (module-private: not a way for callers to pass them). */
const IMPORTED = Symbol('backend-link/GatewayPlatform.imported');
type ImportedProps = { readonly [IMPORTED]: GatewayPlatformAttributes };

/**
 * The shared side of backend-link: the gateway tier's VPC, the pool of addresses from which each
 * customer's private subnets are carved, and the list of availability zones. It keeps a register of
 * every customer and rejects a second customer of the same name or an overlapping block
 * (`platform-register.ts`).
 *
 * Invalid props are reported, not thrown (`gateway-platform-checks.ts`): the platform then builds nothing
 * and the app's synth fails with every problem of the app. A customer of such a platform checks
 * `hasProblems(platform)` and reports only its own problems.
 */
export class GatewayPlatform extends Construct {
  /**
   * A platform that already exists (in another stack or repository), from its ids as literal
   * attributes: the platform's `<name>_platform_attributes` output. It creates no resource; customers
   * built on it reference the ids directly (no remote state), and its register checks the customers
   * of this app (names, blocks, on-prem ranges, VPN quota) as a created platform's does.
   *
   * Invalid attributes are reported like invalid props: the synth fails naming every one of them.
   */
  public static fromAttributes(
    scope: Construct,
    id: string,
    attributes: GatewayPlatformAttributes,
  ): GatewayPlatform {
    return new GatewayPlatform(scope, id, { [IMPORTED]: attributes } as unknown as GatewayPlatformProps);
  }

  // Members without `?` are definite (`!`): a platform that reported problems builds nothing and sets none
  // of them; its customers check `hasProblems(platform)` before they read any.
  /** True for a platform from `fromAttributes`: it owns no resource. */
  public readonly imported!: boolean;
  /** The security group of the interface endpoints, when there are any (created or imported). */
  public readonly endpointsSecurityGroupId?: string;
  public readonly name!: string;
  public readonly vpcId!: string;
  /** The VPC's IPv4 CIDR blocks, as declared. */
  public readonly vpcCidrBlocks!: readonly string[];
  public readonly customerAddressPool!: string;
  public readonly availabilityZones!: readonly string[];
  public readonly tags!: Readonly<Record<string, string>>;
  /** The VPC, when the platform created it. */
  public readonly vpc?: Vpc;

  /** The virtual private gateway, when the platform offers one. */
  public readonly vpnGateway?: PlatformVpnGateway;
  /** The transit gateway side, when the platform offers one. */
  public readonly transitGateway?: PlatformTransitGateway;
  /** The SNS topic every alarm of the platform and its customers notifies. */
  public readonly alarmTopicArn!: string;
  /** The alarm topic, when the platform created it. */
  public readonly alarmTopic?: SnsTopic;
  /** The interface endpoints, when the platform created them. */
  public readonly interfaceEndpoints?: InterfaceEndpoints;
  /** The region, from the availability zones. */
  public readonly region!: string;
  /** The AWS partition (given, or derived from the region). */
  public readonly partition!: Partition;
  /** The quotas checked at synth: AWS's defaults with the platform's `quotas` over them. */
  public readonly quotas!: Readonly<Record<QuotaName, number>>;
  /** What other apps use of the account's and region's quotas (`quotas.usedByOtherApps`). */
  public readonly quotaUsageElsewhere!: QuotaUsage;
  /** The blocks of the interface endpoints' subnets (the functions' egress on 443), when known. */
  public readonly endpointSubnetCidrBlocks?: readonly string[];
  /** The quotas as declared (`quotas`), published in the attributes so an imported platform checks the same. */
  private readonly declaredQuotas?: PlatformQuotas;
  private readonly publicEgressConstruct?: PublicEgress;

  constructor(scope: Construct, id: string, props: GatewayPlatformProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (props !== null && typeof props === 'object' && IMPORTED in props) {
      this.importPlatform((props as unknown as ImportedProps)[IMPORTED]);
      return;
    }
    const analysed = analyseGatewayPlatformProps(props, { providerRegion: providerRegionOf(this) });
    if (reportProblems(this, analysed.problems)) return;

    this.imported = false;
    this.name = props.name;
    this.customerAddressPool = props.customerAddressPool;
    this.availabilityZones = [...props.availabilityZones];
    this.tags = { ...(props.tags ?? {}) };
    this.region = analysed.region;
    this.partition = props.partition ?? partitionOfRegion(this.region);
    this.declaredQuotas = props.quotas;
    this.quotas = resolveQuotas(props.quotas);
    this.quotaUsageElsewhere = { ...(props.quotas?.usedByOtherApps ?? {}) };
    const tags = (name: string) => standardTags(this.name, name, this.tags);

    // Every value a customer may read is published from the start (platform-contract.ts).
    const contract = new PlatformContract(this);
    const publish = contract.publish.bind(contract);
    if (props.existingVpc) {
      this.vpcId = publish(['vpcId'], props.existingVpc.vpcId);
      this.vpcCidrBlocks = [...props.existingVpc.cidrBlocks];
    } else {
      const cidrBlock = props.vpcProps!.cidrBlock;
      this.vpc = new Vpc(this, 'Vpc', {
        cidrBlock,
        enableDnsSupport: true, // interface endpoints with private DNS need both
        enableDnsHostnames: true,
        tags: tags(`${this.name}-vpc`),
      });
      // The default security group of a new VPC allows all traffic between its members: empty it.
      new DefaultSecurityGroup(this, 'DefaultSecurityGroup', {
        vpcId: this.vpc.id,
        tags: tags(`${this.name}-default-closed`),
      });
      this.vpcId = publish(['vpcId'], this.vpc.id);
      this.vpcCidrBlocks = [cidrBlock];
    }

    if (props.vpnGateway) {
      const amazonSideAsn = props.vpnGateway.amazonSideAsn ?? DEFAULT_AMAZON_SIDE_ASN;
      const vpnGateway = new VpnGateway(this, 'VpnGateway', {
        vpcId: this.vpcId, // attaches the gateway to the VPC
        amazonSideAsn: String(amazonSideAsn),
        tags: tags(`${this.name}-vgw`),
      });
      this.vpnGateway = {
        vpnGatewayId: publish(['vpnGateway', 'vpnGatewayId'], vpnGateway.id),
        amazonSideAsn,
        vpnGateway,
      };
    }

    if (props.transitGateway) {
      const created = createPlatformTransitGateway(this, props.transitGateway, {
        platformName: this.name,
        vpcId: this.vpcId,
        availabilityZones: this.availabilityZones,
        tags: this.tags,
        attachmentSubnetBlocks: analysed.attachmentSubnetBlocks,
      });
      this.transitGateway = {
        ...created,
        transitGatewayId: publish(['transitGateway', 'transitGatewayId'], created.transitGatewayId),
        vpcAttachmentId: publish(['transitGateway', 'vpcAttachmentId'], created.vpcAttachmentId),
        vpcRouteTableId: publish(['transitGateway', 'vpcRouteTableId'], created.vpcRouteTableId),
        attachedTransitGatewayId: publish(
          ['transitGateway', 'attachedTransitGatewayId'],
          created.attachedTransitGatewayId,
        ),
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
        vpcBlocks: analysed.vpcBlocks,
        customerAddressPool: analysed.pool,
        reservedBlocks: analysed.attachmentSubnetBlocks ?? [],
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
      this.alarmTopic = createAlarmTopic(this, this.name, this.tags);
      this.alarmTopicArn = publish(['alarmTopicArn'], this.alarmTopic.arn);
    }
    if (props.publicEgress) {
      // The public path lives as long as the platform's `publicEgress`, not as long as its first user.
      this.publicEgressConstruct = new PublicEgress(this, 'PublicEgress', props.publicEgress, {
        platformName: this.name,
        vpcId: this.vpcId,
        newVpc: this.vpc !== undefined,
        vpcBlocks: analysed.vpcBlocks,
        customerAddressPool: analysed.pool,
        reservedBlocks: analysed.publicEgressReservedBlocks,
        availabilityZones: this.availabilityZones,
        tags: this.tags,
        publish: (path, value) => publish(['publicEgress', ...path], value),
      });
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
    this.openRegister(analysed.pool, analysed.vpcBlocks);
    addPlatformOutputs(this, this.outputSource);
  }

  /** The `fromAttributes` path: the attributes checked, the members set from them, no resource created. */
  private importPlatform(attributes: GatewayPlatformAttributes): void {
    const { problems, parsed } = analysePlatformAttributes(attributes);
    if (reportProblems(this, problems) || !parsed) return;
    Object.assign(this, importedPlatformMembers(parsed.attributes));
    enrolInQuotaCheck(this);
    this.openRegister(parsed.pool, parsed.vpcBlocks);
  }

  private openRegister(
    pool: register.PlatformRegisterFacts['pool'],
    vpcBlocks: register.PlatformRegisterFacts['vpcBlocks'],
  ): void {
    register.openPlatformRegister(this, {
      name: this.name,
      customerAddressPool: this.customerAddressPool,
      pool,
      vpcBlocks,
      vpnAttachments: this.vpnAttachments,
    });
  }

  /** What the platform's outputs and attributes are made of (`platform-outputs.ts`). */
  private get outputSource(): PlatformOutputSource {
    return {
      name: this.name,
      vpcId: this.vpcId,
      vpcCidrBlocks: this.vpcCidrBlocks,
      customerAddressPool: this.customerAddressPool,
      availabilityZones: this.availabilityZones,
      alarmTopicArn: this.alarmTopicArn,
      partition: this.partition,
      tags: this.tags,
      declaredQuotas: this.declaredQuotas,
      endpointSubnetCidrBlocks: this.endpointSubnetCidrBlocks,
      endpointsSecurityGroupId: this.endpointsSecurityGroupId,
      vpnGateway: this.vpnGateway,
      transitGateway: this.transitGateway,
    };
  }

  /**
   * The platform's ids and blocks, in the shape `GatewayPlatform.fromAttributes` takes (the values are
   * Terraform references until apply; the platform outputs them as `<name>_platform_attributes`).
   */
  public get attributes(): GatewayPlatformAttributes {
    if (hasProblems(this)) {
      throw new Error(
        `platform ${this.node.path} reported problems and built nothing, so it has no attributes; the synth's ValidationError lists the problems (check \`hasProblems(platform)\` first)`,
      );
    }
    return platformAttributesOf(this.outputSource);
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

  /** Every customer registered so far, in order of registration. */
  public get customers(): readonly CustomerAllocation[] {
    return register.registeredCustomers(this);
  }

  /** Every VPN registered so far, in order of registration. */
  public get vpnRegistrations(): readonly VpnRegistration[] {
    return register.registeredVpns(this);
  }
}

/**
 * The region of the stack's default aws provider, when it is a literal (a provider configured from the
 * environment, or created after the platform, can not be checked).
 */
function providerRegionOf(scope: Construct): string | undefined {
  const provider = TerraformStack.of(scope)
    .node.findAll()
    .find((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
  const region = provider?.region;
  return region === undefined || isUnresolved(region) ? undefined : region;
}
