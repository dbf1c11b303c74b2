import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Cidr, cidrContains, cidrOverlaps, describeCidrProblem, parseCidr } from '../shared/cidr';
import { checkName, standardTags } from '../shared/names';
import { Problems, isUnresolved, show } from '../shared/validation';

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
}

/** What a customer reserves on the platform; recorded so that overlaps are caught at synth time. */
export interface CustomerAllocation {
  readonly customerName: string;
  /** The construct that made the reservation (named in error messages). */
  readonly constructPath: string;
  /** The customer's block in the address pool. */
  readonly cidrBlock?: Cidr;
}

/**
 * The shared side of backend-link: the gateway tier's VPC, the pool of addresses from which each
 * customer's private subnets are carved, and the list of availability zones. It keeps a register of
 * every customer and rejects a second customer of the same name or an overlapping block.
 */
export class GatewayPlatform extends Construct {
  public readonly name: string;
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR blocks, as declared. */
  public readonly vpcCidrBlocks: readonly string[];
  public readonly customerAddressPool: string;
  public readonly availabilityZones: readonly string[];
  public readonly tags: Readonly<Record<string, string>>;
  /** The VPC, when the platform created it. */
  public readonly vpc?: Vpc;

  private readonly pool?: Cidr;
  private readonly allocations: CustomerAllocation[] = [];

  constructor(scope: Construct, id: string, props: GatewayPlatformProps) {
    super(scope, id);
    const parsed = validateProps(props);
    parsed.problems.throwIfAny(this);

    this.name = props.name;
    this.customerAddressPool = props.customerAddressPool;
    this.availabilityZones = [...props.availabilityZones];
    this.tags = { ...(props.tags ?? {}) };
    this.pool = parsed.pool;

    if (props.existingVpc) {
      this.vpcId = props.existingVpc.vpcId;
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
      this.vpcId = this.vpc.id;
      this.vpcCidrBlocks = [cidrBlock];
    }

    new TerraformOutput(this, 'VpcIdOutput', {
      value: this.vpcId,
      description: `VPC of the ${this.name} gateway platform`,
    }).overrideLogicalId(`${this.name}_vpc_id`);
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

function validateProps(props: GatewayPlatformProps): { problems: Problems; pool?: Cidr } {
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
    const cidr = parseCidr(value);
    if (!cidr || cidr.family !== 4) {
      problems.add(
        `\`${prop}\` ${show(value)} ${cidr ? 'must be an IPv4 block' : describeCidrProblem(value)}`,
      );
    } else if (cidr.prefixLength < 16 || cidr.prefixLength > 28) {
      problems.add(`\`${prop}\` ${cidr.text} must be between /16 and /28 (an AWS VPC limit)`);
    } else {
      vpcBlocks.push(cidr);
    }
  }

  let pool: Cidr | undefined;
  if (!isUnresolved(props.customerAddressPool)) {
    pool = parseCidr(props.customerAddressPool);
    if (!pool || pool.family !== 4) {
      problems.add(
        `\`customerAddressPool\` ${show(props.customerAddressPool)} ${pool ? 'must be an IPv4 block' : describeCidrProblem(props.customerAddressPool)}`,
      );
      pool = undefined;
    } else if (
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
    if (!/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(zone)) {
      problems.add(
        `\`availabilityZones\` entry ${show(zone)} is not an availability zone name such as "eu-west-1a"`,
      );
    }
    if (seen.has(zone)) problems.add(`\`availabilityZones\` lists ${show(zone)} twice`);
    seen.add(zone);
  }
  return { problems, pool };
}
