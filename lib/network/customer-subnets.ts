import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { NetworkAcl } from '@cdktf/provider-aws/lib/network-acl';
import { NetworkAclRule } from '@cdktf/provider-aws/lib/network-acl-rule';
import { GatewayPlatform } from '../platform/gateway-platform';
import { registerCustomer } from '../platform/platform-register';
import { standardTags } from '../shared/names';
import { hasProblems, reportMissingProps, reportProblems } from '../shared/problems';
import { ProblemList } from '../shared/problem-list';
import { show } from '../shared/validation';
import { NetworkAclPurpose, NetworkAclRuleNumbers } from '../shared/rule-numbers';
import { FlowLogsProps, SubnetFlowLogs } from './subnet-flow-logs';
import { parseCustomerSubnetsProps } from './customer-subnets-checks';
import { requireCdktfStack } from '../shared/cdktf-stack';

export interface CustomerSubnetsProps {
  /** The platform whose VPC and address pool hold the subnets. */
  readonly platform: GatewayPlatform;
  /** The customer's name: a part of resource names and the `backend-link:customer` tag. 2-24 characters, `[a-z0-9-]`. */
  readonly customerName: string;
  /**
   * The customer's IPv4 block inside the platform's `customerAddressPool`. It is split into equal
   * subnets, one per availability zone, in the order of `availabilityZones`. Declared explicitly (never
   * allocated by position) so that adding a customer never moves another one.
   */
  readonly cidrBlock: string;
  /**
   * The availability zones of the customer's subnets: at least two, each one of the platform's zones.
   * @default - every availability zone of the platform
   */
  readonly availabilityZones?: string[];
  /**
   * One route table per availability zone instead of one for all the customer's subnets: needed when a
   * route's target differs by zone (the public DMZ path sends each zone's traffic to the NAT gateway of
   * that zone). Then `routeTable` is not available; use `routeTables` or `subnets[i].routeTable`.
   * @default false
   */
  readonly routeTablePerZone?: boolean;
  /**
   * VPC flow logs of the subnets, into a log group of the customer's own.
   * @default - on: all traffic, 600-second aggregation, kept 365 days
   */
  readonly flowLogs?: FlowLogsProps;
}

/** An allow entry on the customer's network ACL (which is stateless: allow the replies too). */
export interface NetworkAclRuleOptions {
  /** True for outbound traffic (leaving the customer's subnets), false for inbound. */
  readonly egress: boolean;
  /** `tcp`, `udp` or `-1` (all). */
  readonly protocol: 'tcp' | 'udp' | '-1';
  /** The remote range, IPv4 or IPv6. */
  readonly cidrBlock: string;
  /** First port (tcp/udp). */
  readonly fromPort?: number;
  /** Last port (tcp/udp). */
  readonly toPort?: number;
  /**
   * What the rule is for: its number is taken from that purpose's band (see `NETWORK_ACL_BANDS`).
   * @default 'custom'
   */
  readonly purpose?: NetworkAclPurpose;
}

/** One subnet and the zone it lives in. */
export interface CustomerSubnet {
  readonly availabilityZone: string;
  readonly cidrBlock: string;
  readonly subnet: Subnet;
  /** The route table the subnet is associated with (shared by all zones unless `routeTablePerZone`). */
  readonly routeTable: RouteTable;
}

/**
 * One customer's private subnets (one per availability zone) with the customer's own route table and
 * network ACL. Nothing routes to the internet; routes to the customer's on-premises ranges are added by
 * the VPN construct, network ACL entries by the allow-list construct. The ACL starts closed.
 */
export class CustomerSubnets extends Construct {
  public readonly platform!: GatewayPlatform;
  public readonly customerName!: string;
  /** The customer's block, canonical (e.g. `10.20.0.0/24`). */
  public readonly cidrBlock!: string;
  public readonly subnets!: readonly CustomerSubnet[];
  /** Every route table of the customer: one, or one per zone with `routeTablePerZone`. */
  public readonly routeTables!: readonly RouteTable[];
  public readonly networkAcl!: NetworkAcl;
  private readonly sharedRouteTable?: RouteTable;
  /** The subnets' flow logs (unless turned off). */
  public readonly flowLogs?: SubnetFlowLogs;

  private readonly ruleNumbers = new NetworkAclRuleNumbers();

  constructor(scope: Construct, id: string, props: CustomerSubnetsProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (reportMissingProps(this, props, ['platform', 'customerName', 'cidrBlock'])) return;
    // A platform with problems of its own built nothing: nothing to check the block and zones against.
    if (hasProblems(props.platform)) return;
    const { platform, customerName } = props;
    const zones = props.availabilityZones ?? [...platform.availabilityZones];
    const checked = parseCustomerSubnetsProps(props);
    const problems = new ProblemList();
    problems.addAll(checked.problems);
    const { block, subnetBlocks } = checked;

    // Outputs (`<customer>_handoff`, ...) and variables (`<customer>_<secret>`) are named by customer, and a
    // stack keeps one of each name (cdktf silently keeps the last): one customer name per stack.
    const sameName = TerraformStack.of(this)
      .node.findAll()
      .find((c) => c instanceof CustomerSubnets && c !== this && c.customerName === customerName);
    if (sameName instanceof CustomerSubnets && sameName.platform !== platform) {
      problems.add(
        `\`customerName\` ${show(customerName)} is already used in this stack by ${sameName.node.path} (platform ${show(sameName.platform.name)}); the stack's outputs and variables are named by customer (\`${customerName}_handoff\`, \`${customerName.replace(/-/g, '_')}_<secret>\`): give each customer a name unique in the stack, or put each platform in its own stack`,
      );
    }

    // Register last, and only when the props are otherwise sound, so that a failed construct leaves no reservation.
    if (problems.count === 0 && block && subnetBlocks) {
      problems.addAll(
        registerCustomer(platform, { customerName, constructPath: this.node.path, cidrBlock: block }),
      );
    }
    if (reportProblems(this, problems.problems)) return;

    this.platform = platform;
    this.customerName = customerName;
    this.cidrBlock = block!.text;
    const tags = (name: string) => standardTags(platform.name, name, platform.tags, customerName);

    this.sharedRouteTable = props.routeTablePerZone
      ? undefined
      : new RouteTable(this, 'RouteTable', {
          vpcId: platform.vpcId,
          tags: tags(`${customerName}-private`),
        });

    this.subnets = zones.map((availabilityZone, index) => {
      const zoneScope = new Construct(this, availabilityZone);
      const routeTable =
        this.sharedRouteTable ??
        new RouteTable(zoneScope, 'RouteTable', {
          vpcId: platform.vpcId,
          tags: tags(`${customerName}-private-${availabilityZone}`),
        });
      const cidrBlock = subnetBlocks![index].text;
      const subnet = new Subnet(zoneScope, 'Resource', {
        vpcId: platform.vpcId,
        availabilityZone,
        cidrBlock,
        mapPublicIpOnLaunch: false,
        tags: tags(`${customerName}-${availabilityZone}`),
      });
      new RouteTableAssociation(zoneScope, 'RouteTableAssociation', {
        subnetId: subnet.id,
        routeTableId: routeTable.id,
      });
      return { availabilityZone, cidrBlock, subnet, routeTable };
    });
    this.routeTables = this.sharedRouteTable
      ? [this.sharedRouteTable]
      : this.subnets.map((s) => s.routeTable);

    this.networkAcl = new NetworkAcl(this, 'NetworkAcl', {
      vpcId: platform.vpcId,
      subnetIds: this.subnets.map((s) => s.subnet.id),
      tags: tags(`${customerName}-nacl`),
    });

    if (props.flowLogs?.enabled !== false) {
      this.flowLogs = new SubnetFlowLogs(this, 'FlowLogs', props.flowLogs ?? {}, {
        platformName: platform.name,
        customerName,
        region: platform.region,
        subnets: this.subnets.map((s) => ({ availabilityZone: s.availabilityZone, subnetId: s.subnet.id })),
        tags,
      });
    }

    new TerraformOutput(this, 'SubnetCidrsOutput', {
      value: this.subnets.map((s) => s.cidrBlock),
      description: `Source addresses of ${customerName}'s link: the customer's firewall allows only these`,
    }).overrideLogicalId(`${customerName}_subnet_cidrs`);
    new TerraformOutput(this, 'SubnetIdsOutput', {
      value: this.subnets.map((s) => s.subnet.id),
      description: `Private subnets of ${customerName}`,
    }).overrideLogicalId(`${customerName}_subnet_ids`);
  }

  /**
   * Adds an allow entry to the customer's network ACL. The entry is created in `scope`, so that the
   * construct that needs it owns it; its number comes from its purpose's band and its construct path
   * (`lib/shared/rule-numbers.ts`), never from the order of the calls, so adding or removing an entry moves
   * no other. Key `scope` and `id` by content (a range, a port), never by a list position. AWS allows 20
   * entries per direction by default (adjustable to 40).
   */
  public addNetworkAclRule(scope: Construct, id: string, options: NetworkAclRuleOptions): NetworkAclRule {
    const ruleNumber = this.ruleNumbers.number(
      options.egress,
      options.purpose ?? 'custom',
      `${scope.node.path}/${id}`,
    );
    const ipv6 = options.cidrBlock.includes(':');
    return new NetworkAclRule(scope, id, {
      networkAclId: this.networkAcl.id,
      ruleNumber,
      egress: options.egress,
      protocol: options.protocol,
      ruleAction: 'allow',
      ...(ipv6 ? { ipv6CidrBlock: options.cidrBlock } : { cidrBlock: options.cidrBlock }),
      ...(options.protocol === '-1' ? {} : { fromPort: options.fromPort, toPort: options.toPort }),
    });
  }

  /** The route table of all the customer's subnets (not available with `routeTablePerZone`). */
  public get routeTable(): RouteTable {
    if (!this.sharedRouteTable) {
      throw new Error(
        `the subnets of customer ${show(this.customerName)} have one route table per zone (routeTablePerZone): use \`routeTables\` or \`subnets[i].routeTable\``,
      );
    }
    return this.sharedRouteTable;
  }

  /** The subnet ids, in the order of the availability zones. */
  public get subnetIds(): string[] {
    return this.subnets.map((s) => s.subnet.id);
  }
}
