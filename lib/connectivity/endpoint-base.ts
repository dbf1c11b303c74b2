/**
 * What a resource endpoint and a PrivateLink interface endpoint share: their props (the customer's subnets,
 * the gateway function's security group, the backend's ports), their checks, and their security group,
 * which admits exactly the function's security group on the backend's ports and has no egress (security
 * groups are stateful: the replies need none). Internal to lib/connectivity.
 */
import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { checkName, checkTags, standardTags } from '../shared/names';
import { Port, portKey, toPortRange } from '../shared/ports';
import { type Problem, show } from '../shared/validation';
import { checkBackendPorts, checkSecurityGroupId, checkSubnetIds, checkVpcId } from './checks';

export interface PrivateEndpointProps {
  /** The platform's name: the `backend-link:platform` tag. */
  readonly platformName: string;
  /** The customer's name: a part of resource names and the `backend-link:customer` tag. 2-24 characters, `[a-z0-9-]`. */
  readonly customerName: string;
  /** The VPC of the customer's subnets (the platform's VPC). */
  readonly vpcId: string;
  /**
   * The customer's private subnets, one per availability zone (at least two): the endpoint gets a network
   * interface in each. At least one of their zones must be a zone of the customer's side (its resource gateway
   * or its load balancer).
   */
  readonly subnetIds: string[];
  /** The gateway function's security group: the only source the endpoint admits. */
  readonly functionSecurityGroupId: string;
  /** The backend's TCP ports (or ranges): the only ports the endpoint admits. */
  readonly ports: Port[];
  /**
   * Adds egress rules to the function's security group towards the endpoint's security group on `ports`
   * (the function's group has no open egress). Turn off when the function's construct adds them itself.
   * @default true
   */
  readonly functionEgress?: boolean;
  /**
   * Tags of every resource, besides `Name` and the `backend-link:*` tags.
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The shared props every private endpoint requires (a JavaScript caller may leave them out). */
export const PRIVATE_ENDPOINT_REQUIRED = [
  'platformName',
  'customerName',
  'vpcId',
  'subnetIds',
  'functionSecurityGroupId',
  'ports',
] as const;

/** The checks every private endpoint makes of its shared props. */
export function checkPrivateEndpointProps(props: PrivateEndpointProps): Problem[] {
  const problems: Problem[] = [];
  const name = checkName('customerName', props.customerName);
  if (name) {
    problems.push({
      prop: 'customerName',
      value: props.customerName,
      message: name.slice(`\`customerName\` ${show(props.customerName)} `.length),
    });
  }
  problems.push(...checkVpcId('vpcId', props.vpcId));
  problems.push(...checkSubnetIds('subnetIds', props.subnetIds, 2));
  problems.push(...checkSecurityGroupId('functionSecurityGroupId', props.functionSecurityGroupId));
  problems.push(...checkBackendPorts('ports', props.ports));
  for (const message of checkTags('tags', props.tags)) problems.push({ prop: '', message });
  return problems;
}

/** The endpoint's security group and its rules, created in `scope`. */
export class EndpointSecurityGroup {
  public readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, props: PrivateEndpointProps, what: string) {
    const { customerName, platformName } = props;
    const tags = (name: string) => standardTags(platformName, name, props.tags ?? {}, customerName);
    const name = `${customerName}-${what}`;
    this.securityGroup = new SecurityGroup(scope, 'SecurityGroup', {
      name,
      description: `backend-link ${what} of ${customerName}: ingress from the gateway function only, on the backend ports; no egress`,
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
      tags: tags(name),
    });
    const ingress = new Construct(scope, 'Ingress');
    const egress = props.functionEgress === false ? undefined : new Construct(scope, 'FunctionEgress');
    for (const port of props.ports) {
      const { fromPort, toPort } = toPortRange(port);
      const key = portKey(port);
      new VpcSecurityGroupIngressRule(ingress, key, {
        securityGroupId: this.securityGroup.id,
        ipProtocol: 'tcp',
        fromPort,
        toPort,
        referencedSecurityGroupId: props.functionSecurityGroupId,
        description: `gateway function of ${customerName} to the backend, port ${key}`,
        tags: tags(`${name}-in-${key}`),
      });
      if (egress) {
        new VpcSecurityGroupEgressRule(egress, key, {
          securityGroupId: props.functionSecurityGroupId,
          ipProtocol: 'tcp',
          fromPort,
          toPort,
          referencedSecurityGroupId: this.securityGroup.id,
          description: `to the ${what} of ${customerName}, port ${key}`,
          tags: tags(`${name}-out-${key}`),
        });
      }
    }
  }
}
