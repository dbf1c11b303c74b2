import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { RamPrincipalAssociation } from '@cdktf/provider-aws/lib/ram-principal-association';
import { RamResourceAssociation } from '@cdktf/provider-aws/lib/ram-resource-association';
import { RamResourceShare } from '@cdktf/provider-aws/lib/ram-resource-share';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpclatticeResourceConfiguration } from '@cdktf/provider-aws/lib/vpclattice-resource-configuration';
import { VpclatticeResourceGateway } from '@cdktf/provider-aws/lib/vpclattice-resource-gateway';
import { requireCdktfStack } from '../shared/cdktf-stack';
import { cidrConstructId } from '../shared/construct-ids';
import { describeCidrProblem, parseCidr } from '../shared/cidr';
import { checkName, checkTags } from '../shared/names';
import { Port, portKey, toPortRange } from '../shared/ports';
import { reportMissingProps, reportProblems } from '../shared/problems';
import { type Problem, isUnresolved, show } from '../shared/validation';
import { ResourceTarget, checkBackendPorts, checkResourceTarget, checkSubnetIds, checkVpcId } from './checks';

/** The customer's backend as the resource gateway reaches it. */
export interface SharedBackend extends ResourceTarget {
  /**
   * The backend's DNS name, resolved in the customer's VPC (its Route 53 Resolver, which may forward to
   * on-premises DNS). Give this or `ipAddress`.
   * @default - none: give `ipAddress`
   */
  readonly domainName?: string;
  /**
   * The backend's IPv4 address (in the VPC or reached from it, e.g. on premises). Give this or `domainName`.
   * @default - none: give `domainName`
   */
  readonly ipAddress?: string;
  /** The backend's TCP ports (or ranges): the only ports the resource configuration and the gateway's security group carry. */
  readonly ports: Port[];
}

export interface BackendResourceShareProps {
  /** A name for the share's resources (2-24 characters, `[a-z0-9-]`), e.g. `orders-for-apiplatform`. */
  readonly name: string;
  /** The customer's VPC, where the resource gateway lives. */
  readonly vpcId: string;
  /**
   * The subnets of the resource gateway, one per availability zone (at least two). The backend sees the
   * gateway's addresses in these subnets: allow them (not the platform's) on the backend's firewall. At least
   * one zone must be a zone of the platform's endpoint.
   */
  readonly subnetIds: string[];
  /** The backend: a DNS name or an address, and its TCP ports. */
  readonly backend: SharedBackend;
  /**
   * The IPv4 blocks the backend lives in: the resource gateway's security group lets it connect there, on the
   * backend's ports, and nowhere else.
   */
  readonly backendCidrs: string[];
  /** The platform's AWS account id (12 digits): the only principal the share names. */
  readonly platformAccountId: string;
  /**
   * Whether the share may name an account outside the customer's AWS Organization. The platform's account
   * usually is outside it; then the platform accepts an invitation (give it the `resource_share_arn` output).
   * @default true
   */
  readonly allowExternalPrincipals?: boolean;
  /**
   * Tags of every resource, besides `Name`.
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The checks of {@link BackendResourceShareProps}, without creating anything. */
export function checkBackendResourceShareProps(props: BackendResourceShareProps): Problem[] {
  const problems: Problem[] = [];
  const name = checkName('name', props.name);
  if (name) {
    problems.push({
      prop: 'name',
      value: props.name,
      message: name.slice(`\`name\` ${show(props.name)} `.length),
    });
  }
  problems.push(...checkVpcId('vpcId', props.vpcId));
  problems.push(...checkSubnetIds('subnetIds', props.subnetIds, 2));
  problems.push(...checkBackendPorts('backend.ports', props.backend?.ports));
  const cidrs = Array.isArray(props.backendCidrs) ? props.backendCidrs : [];
  if (cidrs.length === 0) {
    problems.push({
      prop: 'backendCidrs',
      value: props.backendCidrs,
      message:
        "must list the block(s) the backend lives in: the resource gateway's security group opens exactly them",
    });
  }
  const badCidr = cidrs.some((cidr, i) => {
    if (isUnresolved(cidr)) return false;
    const parsed = parseCidr(cidr);
    if (!parsed) {
      problems.push({ prop: `backendCidrs[${i}]`, value: cidr, message: describeCidrProblem(cidr) });
      return true;
    }
    if (parsed.family !== 4) {
      problems.push({ prop: `backendCidrs[${i}]`, value: cidr, message: 'must be an IPv4 block' });
      return true;
    }
    if (parsed.prefixLength === 0) {
      problems.push({
        prop: `backendCidrs[${i}]`,
        value: cidr,
        message: 'opens every address; give the block(s) the backend lives in',
      });
      return true;
    }
    return false;
  });
  if (!badCidr) problems.push(...checkResourceTarget('backend', props.backend, cidrs));
  if (!isUnresolved(props.platformAccountId) && !/^\d{12}$/.test(String(props.platformAccountId))) {
    problems.push({
      prop: 'platformAccountId',
      value: props.platformAccountId,
      message: "is not a 12-digit AWS account id (the platform's account, from its handoff)",
    });
  }
  for (const message of checkTags('tags', props.tags, (key) => key === 'Name'))
    problems.push({ prop: '', message });
  return problems;
}

/**
 * The customer's side of a resource-endpoint link, for the customer's own cdktf app: a VPC Lattice resource
 * gateway in the customer's VPC with a security group that reaches only the backend's blocks on its ports, a
 * resource configuration for the backend (a DNS name or an address, TCP ports), and an AWS RAM share of it
 * with the platform's account alone. Its outputs are what the platform needs: the resource configuration's
 * ARN and the share's ARN. Nothing is opened inbound: the platform's endpoint reaches the backend through the
 * gateway, and the backend sees the gateway's addresses.
 */
export class BackendResourceShare extends Construct {
  public readonly securityGroup?: SecurityGroup;
  public readonly resourceGateway?: VpclatticeResourceGateway;
  public readonly resourceConfiguration?: VpclatticeResourceConfiguration;
  public readonly resourceShare?: RamResourceShare;

  constructor(scope: Construct, id: string, props: BackendResourceShareProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (
      reportMissingProps(this, props, [
        'name',
        'vpcId',
        'subnetIds',
        'backend',
        'backend.ports',
        'backendCidrs',
        'platformAccountId',
      ])
    )
      return;
    if (reportProblems(this, checkBackendResourceShareProps(props))) return;

    const { name, backend } = props;
    const tags = (n: string) => ({ ...(props.tags ?? {}), Name: n });

    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      name: `${name}-resource-gateway`,
      description: `VPC Lattice resource gateway of ${name}: egress to the backend's blocks on its ports only; no ingress`,
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
      tags: tags(`${name}-resource-gateway`),
    });
    this.securityGroup = securityGroup;
    const egress = new Construct(this, 'Egress');
    props.backendCidrs.forEach((cidr, position) => {
      const cidrScope = new Construct(egress, cidrConstructId(cidr, position));
      for (const port of backend.ports) {
        const { fromPort, toPort } = toPortRange(port);
        new VpcSecurityGroupEgressRule(cidrScope, portKey(port), {
          securityGroupId: securityGroup.id,
          ipProtocol: 'tcp',
          fromPort,
          toPort,
          cidrIpv4: cidr,
          description: `resource gateway to the backend ${cidr}:${portKey(port)}`,
        });
      }
    });

    this.resourceGateway = new VpclatticeResourceGateway(this, 'ResourceGateway', {
      name: `${name}-gw`,
      vpcId: props.vpcId,
      subnetIds: [...props.subnetIds],
      securityGroupIds: [securityGroup.id],
      ipAddressType: 'IPV4',
      tags: tags(`${name}-gw`),
    });

    this.resourceConfiguration = new VpclatticeResourceConfiguration(this, 'ResourceConfiguration', {
      name: `${name}-backend`,
      type: 'SINGLE',
      protocol: 'TCP',
      portRanges: backend.ports.map((p) => portKey(p)),
      resourceGatewayIdentifier: this.resourceGateway.id,
      resourceConfigurationDefinition: [
        backend.domainName !== undefined
          ? { dnsResource: [{ domainName: backend.domainName, ipAddressType: 'IPV4' }] }
          : { ipResource: [{ ipAddress: backend.ipAddress! }] },
      ],
      tags: tags(`${name}-backend`),
    });

    this.resourceShare = new RamResourceShare(this, 'Share', {
      name: `${name}-share`,
      allowExternalPrincipals: props.allowExternalPrincipals ?? true,
      tags: tags(`${name}-share`),
    });
    new RamResourceAssociation(this, 'ShareResource', {
      resourceShareArn: this.resourceShare.arn,
      resourceArn: this.resourceConfiguration.arn,
    });
    new RamPrincipalAssociation(this, 'SharePrincipal', {
      resourceShareArn: this.resourceShare.arn,
      principal: props.platformAccountId,
    });

    new TerraformOutput(this, 'ResourceConfigurationArnOutput', {
      value: this.resourceConfiguration.arn,
      description:
        "Give to the platform: the backend's resource configuration (its `resourceConfigurationArn`)",
    }).overrideLogicalId(`${name}_resource_configuration_arn`);
    new TerraformOutput(this, 'ResourceShareArnOutput', {
      value: this.resourceShare.arn,
      description:
        'Give to the platform: the RAM share it accepts (its `resourceShareArn`; not needed within one AWS Organization with RAM sharing enabled)',
    }).overrideLogicalId(`${name}_resource_share_arn`);
    new TerraformOutput(this, 'GatewaySecurityGroupOutput', {
      value: this.securityGroup.id,
      description:
        "The backend sees connections from the resource gateway's addresses in its subnets: allow this security group (or those subnets) on the backend's ports, nothing else",
    }).overrideLogicalId(`${name}_resource_gateway_security_group_id`);
  }
}
