/**
 * A platform built from its attributes (`GatewayPlatform.fromAttributes`): no resource, its members are the
 * ids and blocks as given (checked first by `platform-attributes-checks.ts`).
 */
import { partitionOfRegion } from '../shared/partition';
import type { GatewayPlatform } from './gateway-platform';
import { GatewayPlatformAttributes, amazonSideAsnOf } from './platform-attributes';
import { PlatformQuotas, resolveQuotas } from './quotas';

/** The members an imported platform sets, and the quotas as declared (published again in its attributes). */
export type ImportedPlatformMembers = Pick<
  GatewayPlatform,
  | 'imported'
  | 'name'
  | 'vpcId'
  | 'vpcCidrBlocks'
  | 'customerAddressPool'
  | 'availabilityZones'
  | 'tags'
  | 'alarmTopicArn'
  | 'endpointsSecurityGroupId'
  | 'region'
  | 'partition'
  | 'quotas'
  | 'quotaUsageElsewhere'
  | 'endpointSubnetCidrBlocks'
  | 'vpnGateway'
  | 'transitGateway'
> & { readonly declaredQuotas?: PlatformQuotas };

/** The members of a platform imported from (checked) attributes. */
export function importedPlatformMembers(a: GatewayPlatformAttributes): ImportedPlatformMembers {
  // The region follows from the zones; the partition and quotas are the platform's own, as published in
  // its attributes (AWS's defaults when they are absent: an imported platform's customers are still counted).
  const region = a.availabilityZones[0].slice(0, -1);
  const t = a.transitGateway;
  return {
    imported: true,
    name: a.name,
    vpcId: a.vpcId,
    vpcCidrBlocks: [...a.vpcCidrBlocks],
    customerAddressPool: a.customerAddressPool,
    availabilityZones: [...a.availabilityZones],
    tags: { ...(a.tags ?? {}) },
    alarmTopicArn: a.alarmTopicArn,
    endpointsSecurityGroupId: a.endpointsSecurityGroupId,
    region,
    partition: a.partition ?? partitionOfRegion(region),
    declaredQuotas: a.quotas,
    quotas: resolveQuotas(a.quotas),
    quotaUsageElsewhere: { ...(a.quotas?.usedByOtherApps ?? {}) },
    endpointSubnetCidrBlocks: a.endpointSubnetCidrBlocks ? [...a.endpointSubnetCidrBlocks] : undefined,
    ...(a.vpnGateway
      ? {
          vpnGateway: {
            vpnGatewayId: a.vpnGateway.vpnGatewayId,
            amazonSideAsn: amazonSideAsnOf(a.vpnGateway.amazonSideAsn),
          },
        }
      : {}),
    ...(t
      ? {
          transitGateway: {
            transitGatewayId: t.transitGatewayId,
            // Not known from the attributes: treat it as existing, so the customers' associations replace
            // a default one if the transit gateway has it (harmless when it has none).
            existing: true,
            amazonSideAsn: amazonSideAsnOf(t.amazonSideAsn),
            vpcAttachmentId: t.vpcAttachmentId,
            vpcRouteTableId: t.vpcRouteTableId,
            // The attachment exists: nothing to wait for.
            attachedTransitGatewayId: t.transitGatewayId,
          },
        }
      : {}),
  };
}
