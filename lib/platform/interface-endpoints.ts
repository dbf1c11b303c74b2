import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Cidr } from '../shared/cidr';
import { cidrConstructId } from '../shared/construct-ids';
import { standardTags } from '../shared/names';
import { Partition, endpointServiceName } from '../shared/partition';
import { reportProblems } from '../shared/problems';
import { requireCdktfStack } from '../shared/cdktf-stack';
import { analyseInterfaceEndpoints } from './interface-endpoints-checks';

/** Interface endpoints of the AWS services the gateway runtime calls from subnets with no internet route. */
export interface InterfaceEndpointsProps {
  /**
   * An IPv4 block inside the VPC, outside the customer address pool, from which one /28 endpoint subnet
   * per availability zone is carved. Give this or `existingSubnetIds`.
   * @default - the endpoints use `existingSubnetIds`
   */
  readonly subnetsCidrBlock?: string;
  /**
   * Subnets of the VPC (one per availability zone) for the endpoints' network interfaces.
   * @default - subnets are created from `subnetsCidrBlock`
   */
  readonly existingSubnetIds?: string[];
  /**
   * The IPv4 blocks of `existingSubnetIds`, so that the customers' network ACLs and security groups open
   * HTTPS to the endpoint subnets only (they are declared, not looked up, like the VPC's blocks).
   * @default - with `existingSubnetIds`, the customers open HTTPS to the VPC's blocks
   */
  readonly existingSubnetCidrBlocks?: string[];
  /**
   * The services, by endpoint name (`secretsmanager`, `kms`, `logs`, ...).
   * @default ["secretsmanager"]
   */
  readonly services?: string[];
}

export const DEFAULT_INTERFACE_ENDPOINT_SERVICES = ['secretsmanager'] as const;

/** What the endpoints need to know of their platform (passed by GatewayPlatform). */
export interface InterfaceEndpointsContext {
  readonly platformName: string;
  readonly region: string;
  readonly partition: Partition;
  readonly vpcId: string;
  readonly vpcBlocks: readonly Cidr[];
  readonly customerAddressPool?: Cidr;
  /** Blocks the platform already uses for other subnets (e.g. transit gateway attachments). */
  readonly reservedBlocks: readonly Cidr[];
  readonly availabilityZones: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Interface VPC endpoints with private DNS (Secrets Manager by default), so that the customers' gateway
 * functions, in subnets without any internet route, reach the AWS APIs they call.
 *
 * Private DNS makes the service's public name (`secretsmanager.<region>.amazonaws.com`) resolve to these
 * endpoints for every workload in the VPC, not only the platform's. Their security group therefore admits
 * HTTPS from every CIDR block of the VPC: a workload outside the platform that used Secrets Manager through
 * a NAT gateway keeps working, through the endpoint (IAM still decides what it may read). A VPC that already
 * has an endpoint with private DNS for a service can not get a second one: leave that service out of
 * `services`, or `interfaceEndpoints` out altogether, and the functions use the existing endpoint.
 */
export class InterfaceEndpoints extends Construct {
  // Definite (`!`): a construct that reported problems builds nothing and sets none of them.
  public readonly securityGroup!: SecurityGroup;
  public readonly endpoints!: Readonly<Record<string, VpcEndpoint>>;
  public readonly subnetIds!: readonly string[];
  /**
   * The endpoint subnets' IPv4 blocks, when known (created from `subnetsCidrBlock`, or declared with
   * `existingSubnetCidrBlocks`): the customers' network ACLs and egress rules open HTTPS to these only.
   */
  public readonly subnetCidrBlocks?: readonly string[];

  constructor(
    scope: Construct,
    id: string,
    props: InterfaceEndpointsProps,
    context: InterfaceEndpointsContext,
  ) {
    super(scope, id);
    requireCdktfStack(this);
    const { problems, blocks } = analyseInterfaceEndpoints(props, context);
    // The platform ran the same check first (and built nothing when it found problems).
    if (reportProblems(this, problems)) return;
    const tags = (name: string) => standardTags(context.platformName, name, context.tags);

    this.subnetIds = blocks
      ? context.availabilityZones.map(
          (availabilityZone, index) =>
            new Subnet(this, `Subnet-${availabilityZone}`, {
              vpcId: context.vpcId,
              availabilityZone,
              cidrBlock: blocks[index].text,
              mapPublicIpOnLaunch: false,
              tags: tags(`${context.platformName}-endpoints-${availabilityZone}`),
            }).id,
        )
      : [...(props.existingSubnetIds ?? [])];
    this.subnetCidrBlocks = blocks
      ? blocks.map((b) => b.text)
      : props.existingSubnetCidrBlocks
        ? [...props.existingSubnetCidrBlocks]
        : undefined;

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      name: `${context.platformName}-endpoints`,
      description: `Interface endpoints of backend-link platform ${context.platformName}: HTTPS from the VPC (private DNS answers VPC-wide)`,
      vpcId: context.vpcId,
      revokeRulesOnDelete: true,
      tags: tags(`${context.platformName}-endpoints`),
    });
    // Private DNS answers for the whole VPC: every block of it must reach the endpoints, or workloads
    // outside the platform lose the service. (VPC blocks given as tokens can not be checked: then the pool.)
    const sources = context.vpcBlocks.length > 0 ? context.vpcBlocks : [context.customerAddressPool];
    const ingress = new Construct(this, 'Ingress');
    sources.forEach((block, index) => {
      if (!block) return;
      const cidr = block.text;
      // Keyed by the block: adding a VPC block moves no existing rule.
      new VpcSecurityGroupIngressRule(ingress, cidrConstructId(cidr, index), {
        securityGroupId: this.securityGroup.id,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
        description: `HTTPS from ${cidr}`,
      });
    });

    const services = props.services ?? [...DEFAULT_INTERFACE_ENDPOINT_SERVICES];
    this.endpoints = Object.fromEntries(
      services.map((service) => [
        service,
        new VpcEndpoint(this, service, {
          vpcId: context.vpcId,
          serviceName: endpointServiceName(service, context.region, context.partition),
          vpcEndpointType: 'Interface',
          privateDnsEnabled: true,
          subnetIds: this.subnetIds as string[],
          securityGroupIds: [this.securityGroup.id],
          tags: tags(`${context.platformName}-${service}`),
        }),
      ]),
    );
  }
}
