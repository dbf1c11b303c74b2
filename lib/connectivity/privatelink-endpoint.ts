import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { requireCdktfStack } from '../shared/cdktf-stack';
import { reportMissingProps, reportProblems } from '../shared/problems';
import { standardTags } from '../shared/names';
import { StackLocation, checkEndpointServiceName, stackLocationOf } from './checks';
import {
  EndpointSecurityGroup,
  PrivateEndpointProps,
  checkPrivateEndpointProps,
  PRIVATE_ENDPOINT_REQUIRED,
} from './endpoint-base';

export interface PrivateLinkEndpointProps extends PrivateEndpointProps {
  /**
   * The customer's endpoint service (a Network Load Balancer it publishes through AWS PrivateLink):
   * `com.amazonaws.vpce.<region>.vpce-svc-<id>`, in the stack's region. The customer must allow the
   * platform's account as a principal of the service (and accept the connection, if the service requires it).
   */
  readonly serviceName: string;
  /**
   * The partition and region the service name must be in.
   * @default - the stack's aws provider's region (unchecked when it is not a literal)
   */
  readonly location?: StackLocation;
}

/**
 * An interface endpoint (`aws_vpc_endpoint` of type `Interface`) in the customer's subnets to the customer's
 * PrivateLink endpoint service, with its own security group that admits only the gateway function's security
 * group on the backend's ports. Private DNS stays off (the service's private name would resolve for the whole
 * platform VPC): the runtime connects to {@link dnsName} and TLS verifies the backend's own name.
 */
export class PrivateLinkEndpoint extends Construct {
  public readonly endpoint?: VpcEndpoint;
  public readonly securityGroup?: SecurityGroup;

  constructor(scope: Construct, id: string, props: PrivateLinkEndpointProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (reportMissingProps(this, props, [...PRIVATE_ENDPOINT_REQUIRED, 'serviceName'])) return;
    const where = props.location ?? stackLocationOf(this);
    const problems = [
      ...checkPrivateEndpointProps(props),
      ...checkEndpointServiceName('serviceName', props.serviceName, where),
    ];
    if (reportProblems(this, problems)) return;

    const { customerName, platformName } = props;
    this.securityGroup = new EndpointSecurityGroup(this, props, 'privatelink-endpoint').securityGroup;
    this.endpoint = new VpcEndpoint(this, 'Resource', {
      vpcId: props.vpcId,
      vpcEndpointType: 'Interface',
      serviceName: props.serviceName,
      subnetIds: [...props.subnetIds],
      securityGroupIds: [this.securityGroup.id],
      privateDnsEnabled: false,
      tags: standardTags(
        platformName,
        `${customerName}-privatelink-endpoint`,
        props.tags ?? {},
        customerName,
      ),
    });
    new TerraformOutput(this, 'DnsNameOutput', {
      value: this.dnsName,
      description: `The name ${customerName}'s gateway function connects to (the interface endpoint's regional name); TLS verifies the backend's own name`,
    }).overrideLogicalId(`${customerName}_privatelink_endpoint_dns_name`);
  }

  /** The endpoint's regional DNS name (`dns_entry[0].dns_name`, known after apply). */
  public get dnsName(): string {
    if (!this.endpoint) throw new Error(`${this.node.path} reported problems and has no endpoint`);
    return this.endpoint.dnsEntry.get(0).dnsName;
  }
}
