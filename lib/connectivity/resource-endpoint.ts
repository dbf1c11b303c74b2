import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { RamResourceShareAccepter } from '@cdktf/provider-aws/lib/ram-resource-share-accepter';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { requireCdktfStack } from '../shared/cdktf-stack';
import { reportMissingProps, reportProblems } from '../shared/problems';
import { standardTags } from '../shared/names';
import {
  checkResourceConfigurationArn,
  checkResourceShareArn,
  stackLocationOf,
  StackLocation,
} from './checks';
import {
  EndpointSecurityGroup,
  PrivateEndpointProps,
  checkPrivateEndpointProps,
  PRIVATE_ENDPOINT_REQUIRED,
} from './endpoint-base';

export interface ResourceEndpointProps extends PrivateEndpointProps {
  /**
   * The ARN of the VPC Lattice resource configuration the customer shared with the platform's account
   * through AWS RAM (`arn:aws:vpc-lattice:<region>:<customer account>:resourceconfiguration/rcfg-…`): the
   * customer's backend (a DNS name or an address, and its TCP ports) behind the customer's resource gateway.
   * Its partition and region must be the stack's.
   */
  readonly resourceConfigurationArn: string;
  /**
   * The ARN of the customer's RAM resource share, when the platform's account must accept an invitation:
   * the link then accepts it (`aws_ram_resource_share_accepter`) before it creates the endpoint. The provider
   * accepts only a *pending* invitation: its create fails ("No pending RAM Resource Share invitation found")
   * within one AWS Organization with RAM sharing enabled (there is no invitation: leave this out) and when the
   * invitation was already accepted elsewhere. Destroying the accepter leaves the share (the platform's
   * account is disassociated from it), so removing the customer also removes the platform from the share.
   * @default - no invitation to accept (same Organization, or accepted elsewhere)
   */
  readonly resourceShareArn?: string;
  /**
   * Private DNS of the endpoint: a custom domain name of the resource configuration would then resolve to the
   * endpoint through a private hosted zone in the whole platform VPC, where two customers with the same domain
   * would collide. The runtime needs none: it connects to the endpoint's AWS-provided name and TLS verifies the
   * backend's name (`servername`).
   * @default false
   */
  readonly privateDnsEnabled?: boolean;
  /**
   * The partition and region the ARNs must be in.
   * @default - the stack's aws provider's region (unchecked when it is not a literal)
   */
  readonly location?: StackLocation;
}

/**
 * A VPC Lattice resource endpoint (`aws_vpc_endpoint` of type `Resource`) in the customer's subnets, to the
 * resource configuration a customer shared with the platform's account: the customer's backend without a
 * VPN, without routes and without address coordination. Its own security group admits only the gateway
 * function's security group on the backend's ports. The runtime connects to {@link dnsName} and verifies
 * the backend's own name (`backend.tls.servername`, see `endpointRuntimeBackend`). The backend sees the
 * addresses of the customer's resource gateway, not the platform's.
 */
export class ResourceEndpoint extends Construct {
  /** The endpoint (absent when the props had problems: the synth then fails with them). */
  public readonly endpoint?: VpcEndpoint;
  public readonly securityGroup?: SecurityGroup;
  public readonly shareAccepter?: RamResourceShareAccepter;

  constructor(scope: Construct, id: string, props: ResourceEndpointProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (reportMissingProps(this, props, [...PRIVATE_ENDPOINT_REQUIRED, 'resourceConfigurationArn'])) return;
    const where = props.location ?? stackLocationOf(this);
    const problems = [
      ...checkPrivateEndpointProps(props),
      ...checkResourceConfigurationArn('resourceConfigurationArn', props.resourceConfigurationArn, where),
      ...checkResourceShareArn('resourceShareArn', props.resourceShareArn, where),
    ];
    if (reportProblems(this, problems)) return;

    const { customerName, platformName } = props;
    const group = new EndpointSecurityGroup(this, props, 'resource-endpoint');
    this.securityGroup = group.securityGroup;
    if (props.resourceShareArn !== undefined) {
      this.shareAccepter = new RamResourceShareAccepter(this, 'ShareAccepter', {
        shareArn: props.resourceShareArn,
      });
    }
    this.endpoint = new VpcEndpoint(this, 'Resource', {
      vpcId: props.vpcId,
      vpcEndpointType: 'Resource',
      resourceConfigurationArn: props.resourceConfigurationArn,
      subnetIds: [...props.subnetIds],
      securityGroupIds: [this.securityGroup.id],
      privateDnsEnabled: props.privateDnsEnabled ?? false,
      tags: standardTags(platformName, `${customerName}-resource-endpoint`, props.tags ?? {}, customerName),
      ...(this.shareAccepter ? { dependsOn: [this.shareAccepter] } : {}),
    });

    new TerraformOutput(this, 'DnsNameOutput', {
      value: this.dnsName,
      description: `The name ${customerName}'s gateway function connects to (the resource endpoint's); TLS verifies the backend's own name`,
    }).overrideLogicalId(`${customerName}_resource_endpoint_dns_name`);
  }

  /**
   * The endpoint's AWS-provided DNS name (`dns_entry[0].dns_name`, known after apply): the host the runtime
   * connects to.
   */
  public get dnsName(): string {
    if (!this.endpoint) throw new Error(`${this.node.path} reported problems and has no endpoint`);
    return this.endpoint.dnsEntry.get(0).dnsName;
  }
}
