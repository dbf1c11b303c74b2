/**
 * The platform's Terraform outputs: what an operator, another stack or another repository reads of a
 * deployed platform (`terraform output -json`). One module owns their names, descriptions and shapes;
 * `<name>_platform_attributes` is exactly what `GatewayPlatform.fromAttributes` takes. (What the platform
 * publishes to its customers' stacks in this app is the contract, `platform-contract.ts`.)
 */
import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import type { GatewayPlatformAttributes } from './platform-attributes';
import type { PlatformQuotas } from './quotas';
import type { PublicEgressZone } from './public-egress';

/** What the platform's outputs are made of (the platform's own members, plus the quotas as declared). */
export interface PlatformOutputSource {
  readonly name: string;
  readonly vpcId: string;
  readonly vpcCidrBlocks: readonly string[];
  readonly customerAddressPool: string;
  readonly availabilityZones: readonly string[];
  readonly alarmTopicArn: string;
  readonly partition: NonNullable<GatewayPlatformAttributes['partition']>;
  readonly tags: Readonly<Record<string, string>>;
  readonly declaredQuotas?: PlatformQuotas;
  readonly endpointSubnetCidrBlocks?: readonly string[];
  readonly endpointsSecurityGroupId?: string;
  readonly vpnGateway?: { readonly vpnGatewayId: string; readonly amazonSideAsn: number };
  readonly transitGateway?: {
    readonly transitGatewayId: string;
    readonly vpcAttachmentId: string;
    readonly vpcRouteTableId: string;
    readonly amazonSideAsn: number;
  };
}

/**
 * The platform's ids and blocks, in the shape `GatewayPlatform.fromAttributes` takes (the values are
 * Terraform references until apply). cdktf outputs can not hold undefined: absent parts are left out.
 */
export function platformAttributesOf(p: PlatformOutputSource): GatewayPlatformAttributes {
  return {
    name: p.name,
    vpcId: p.vpcId,
    vpcCidrBlocks: [...p.vpcCidrBlocks],
    customerAddressPool: p.customerAddressPool,
    availabilityZones: [...p.availabilityZones],
    alarmTopicArn: p.alarmTopicArn,
    partition: p.partition,
    ...(p.declaredQuotas && Object.keys(p.declaredQuotas).length > 0
      ? { quotas: JSON.parse(JSON.stringify(p.declaredQuotas)) as PlatformQuotas }
      : {}),
    ...(p.endpointSubnetCidrBlocks ? { endpointSubnetCidrBlocks: [...p.endpointSubnetCidrBlocks] } : {}),
    ...(Object.keys(p.tags).length > 0 ? { tags: { ...p.tags } } : {}),
    ...(p.vpnGateway
      ? {
          vpnGateway: {
            vpnGatewayId: p.vpnGateway.vpnGatewayId,
            amazonSideAsn: p.vpnGateway.amazonSideAsn,
          },
        }
      : {}),
    ...(p.transitGateway
      ? {
          transitGateway: {
            transitGatewayId: p.transitGateway.transitGatewayId,
            vpcAttachmentId: p.transitGateway.vpcAttachmentId,
            vpcRouteTableId: p.transitGateway.vpcRouteTableId,
            amazonSideAsn: p.transitGateway.amazonSideAsn,
          },
        }
      : {}),
    ...(p.endpointsSecurityGroupId ? { endpointsSecurityGroupId: p.endpointsSecurityGroupId } : {}),
  };
}

/**
 * The platform's outputs, in `scope` (the platform): `<name>_vpc_id`, `<name>_alarm_topic_arn`,
 * `<name>_vpn_gateway_id` and `<name>_transit_gateway_id` when it offers them, `<name>_platform_attributes`.
 */
export function addPlatformOutputs(scope: Construct, p: PlatformOutputSource): void {
  const output = (id: string, name: string, value: unknown, description: string) =>
    new TerraformOutput(scope, id, { value, description }).overrideLogicalId(`${p.name}_${name}`);
  output('VpcIdOutput', 'vpc_id', p.vpcId, `VPC of the ${p.name} gateway platform`);
  output(
    'AlarmTopicArnOutput',
    'alarm_topic_arn',
    p.alarmTopicArn,
    `SNS topic of every alarm of the ${p.name} gateway platform and its customers`,
  );
  if (p.vpnGateway) {
    output(
      'VpnGatewayIdOutput',
      'vpn_gateway_id',
      p.vpnGateway.vpnGatewayId,
      `Virtual private gateway of the ${p.name} gateway platform (at most 10 VPN connections)`,
    );
  }
  if (p.transitGateway) {
    output(
      'TransitGatewayIdOutput',
      'transit_gateway_id',
      p.transitGateway.transitGatewayId,
      `Transit gateway of the ${p.name} gateway platform (one route table per customer)`,
    );
  }
  output(
    'AttributesOutput',
    'platform_attributes',
    platformAttributesOf(p),
    `What GatewayPlatform.fromAttributes takes to build customers on the ${p.name} gateway platform from another stack or repository`,
  );
}

/**
 * The public path's output, in `scope` (the `PublicEgress` construct): `<name>_public_egress_ips`, the fixed
 * source addresses by zone that every DMZ customer allows.
 */
export function addPublicEgressOutput(
  scope: Construct,
  platformName: string,
  zones: readonly PublicEgressZone[],
): void {
  new TerraformOutput(scope, 'ElasticIpsOutput', {
    value: Object.fromEntries(zones.map((z) => [z.availabilityZone, z.publicIp])),
    description: `The fixed source addresses (Elastic IPs, by zone) of platform ${platformName}'s public path: customers with a DMZ endpoint allow exactly these`,
  }).overrideLogicalId(`${platformName}_public_egress_ips`);
}
