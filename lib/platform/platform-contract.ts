/**
 * The contract between a platform and its customers' stacks. A customer in its own stack reads the
 * platform through Terraform remote state; cdktf's automatic cross-stack references would add one output
 * to the platform stack per attribute a customer reads, the first time a customer reads it (the first
 * transit-gateway customer adds four): until the platform is applied again, that customer's stack can not
 * plan, and a pipeline per customer breaks.
 *
 * So the platform publishes one complete set of attributes from its first apply: every value any kind of
 * customer needs (VPN gateway, transit gateway, endpoints, the public path), in one Terraform local and one
 * output. The values the platform exposes (`platform.vpcId`, ...) are contract tokens: in the platform's
 * own stack they are the direct references, in any other stack they read that one output. Adding or
 * removing a customer never changes the platform stack.
 */
import { Construct } from 'constructs';
import { Fn, IResolvable, IResolveContext, Lazy, TerraformLocal, TerraformStack, Token } from 'cdktf';

/**
 * Everything the platform publishes to its customers' stacks, in the shape of the contract local. Each
 * value is there from the platform's first apply, for every kind of customer, whether one reads it or not.
 */
export interface PlatformContractValues {
  readonly vpcId: string;
  /** With `vpnGateway`. */
  readonly vpnGateway?: { readonly vpnGatewayId: string };
  /** With `transitGateway`. */
  readonly transitGateway?: {
    readonly transitGatewayId: string;
    readonly vpcAttachmentId: string;
    readonly vpcRouteTableId: string;
    /** The transit gateway's id as the VPC attachment reports it: routes wait for the attachment. */
    readonly attachedTransitGatewayId: string;
  };
  /** With `interfaceEndpoints`. */
  readonly endpointsSecurityGroupId?: string;
  readonly alarmTopicArn: string;
  /** With `publicEgress`: each zone's NAT gateway and the Elastic IP it sends from. */
  readonly publicEgress?: {
    readonly zones: Readonly<Record<string, { readonly natGatewayId: string; readonly publicIp: string }>>;
  };
}

/** The path of one published value in {@link PlatformContractValues}. */
export type ContractPath =
  | readonly ['vpcId']
  | readonly ['vpnGateway', 'vpnGatewayId']
  | readonly ['transitGateway', keyof NonNullable<PlatformContractValues['transitGateway']>]
  | readonly ['endpointsSecurityGroupId']
  | readonly ['alarmTopicArn']
  | readonly ['publicEgress', ...PublicEgressContractPath];

/** The path of a public path's value, under `publicEgress` (what `PublicEgress` publishes). */
export type PublicEgressContractPath = readonly ['zones', string, 'natGatewayId' | 'publicIp'];

/** The id of the platform's contract local (its cross-stack output is named after it). */
export const CONTRACT_ID = 'Contract';

/** A value of the platform that resolves directly at home and through the contract elsewhere. */
class ContractValue implements IResolvable {
  public readonly creationStack: string[] = [];

  constructor(
    private readonly contract: PlatformContract,
    private readonly path: readonly string[],
    private readonly direct: unknown,
  ) {}

  public resolve(context: IResolveContext): unknown {
    if (TerraformStack.of(context.scope) === this.contract.stack) return this.direct;
    return Fn.lookupNested(this.contract.expression, [...this.path]);
  }

  public toString(): string {
    return Token.asString(this);
  }
}

/**
 * The platform's published attributes: `publish` records a value under a path and returns the token to
 * expose. Every published value is in the contract whether or not a customer reads it.
 */
export class PlatformContract {
  public readonly stack: TerraformStack;
  /**
   * The local's expression, kept: cdktf records a cross-stack reference on the expression object while it
   * prepares a stack, and reads it back when it writes the stack (a fresh expression would not know it).
   */
  public readonly expression: IResolvable;
  private readonly values: Record<string, unknown> = {};

  constructor(scope: Construct) {
    this.stack = TerraformStack.of(scope);
    const local = new TerraformLocal(scope, CONTRACT_ID, Lazy.anyValue({ produce: () => this.values }));
    this.expression = local.expression as IResolvable;
    // The output other stacks read, there from the platform's first apply (idempotent in cdktf).
    this.stack.registerOutgoingCrossStackReference(`local.${local.friendlyUniqueId}`);
  }

  /** Publishes a string value at `path`; returns the token (or literal) the platform exposes for it. */
  public publish(path: ContractPath, value: string): string {
    let at = this.values;
    for (const key of path.slice(0, -1)) {
      at[key] ??= {};
      at = at[key] as Record<string, unknown>;
    }
    at[path[path.length - 1]] = value;
    // A literal (an existing VPC's id) is the same in every stack: no reference needed.
    if (!Token.isUnresolved(value)) return value;
    return Token.asString(new ContractValue(this, path, value));
  }
}
