/**
 * The VPN's routing: the customer's route table to its on-premises ranges (and, for static routing on a virtual
 * private gateway, the VPN's static routes), the network ACL entries for that traffic, and in transit gateway
 * mode the customer's own transit gateway route table. Every route is declared: no propagation.
 */
import { Construct } from 'constructs';
import { Ec2TransitGatewayRoute } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route';
import { Ec2TransitGatewayRouteTable } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table';
import { Ec2TransitGatewayRouteTableAssociation } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table-association';
import { Route } from '@cdktf/provider-aws/lib/route';
import type { VpnConnection } from '@cdktf/provider-aws/lib/vpn-connection';
import { VpnConnectionRoute } from '@cdktf/provider-aws/lib/vpn-connection-route';
import type { CustomerSubnets } from '../network/customer-subnets';
import type { VpnAttachmentKind } from '../platform/gateway-platform';
import type { Cidr } from '../shared/cidr';
import { cidrConstructId } from '../shared/construct-ids';
import { standardTags } from '../shared/names';
import { Port, portKey, toPortRange } from '../shared/ports';
import { EPHEMERAL_PORTS } from './vpn-defaults';

/** What the routing of one VPN is built from. */
export interface VpnRouting {
  /** The VPN construct: the routes' scope (their ids are resource addresses). */
  readonly scope: Construct;
  readonly subnets: CustomerSubnets;
  readonly attachment: VpnAttachmentKind;
  readonly routing: 'static' | 'bgp';
  readonly connection: VpnConnection;
  readonly onPremCidrs: readonly Cidr[];
}

/** A parsed (always literal) block's construct id: the one id scheme of `construct-ids.ts`. */
function cidrKey(cidr: Cidr): string {
  return cidrConstructId(cidr.text, 0);
}

/** The customer's route table sends only the customer's on-premises ranges to the attachment point. */
export function addVpnRoutes(r: VpnRouting): void {
  const platform = r.subnets.platform;
  const routes = new Construct(r.scope, 'Routes');
  for (const range of r.onPremCidrs) {
    const key = cidrKey(range);
    if (r.attachment === 'vpn-gateway') {
      new Route(routes, key, {
        routeTableId: r.subnets.routeTable.id,
        destinationCidrBlock: range.text,
        gatewayId: platform.vpnGateway!.vpnGatewayId,
      });
      if (r.routing === 'static') {
        new VpnConnectionRoute(r.scope, `StaticRoute-${key}`, {
          vpnConnectionId: r.connection.id,
          destinationCidrBlock: range.text,
        });
      }
    } else {
      new Route(routes, key, {
        routeTableId: r.subnets.routeTable.id,
        destinationCidrBlock: range.text,
        // Read from the VPC attachment: the route waits for it without a `depends_on`, which Terraform
        // would refuse when the platform is in another stack (cdktf makes it a remote-state output).
        transitGatewayId: platform.transitGateway!.attachedTransitGatewayId,
      });
    }
  }
}

/**
 * The stateless network ACL of the customer's subnets: out to the backends' ports, back in on the
 * ephemeral ports, per on-premises range.
 */
export function addVpnNetworkAclRules(r: VpnRouting, ports: readonly Port[]): void {
  const acl = new Construct(r.scope, 'NetworkAcl');
  for (const range of r.onPremCidrs) {
    const rangeScope = new Construct(acl, cidrKey(range));
    for (const port of ports) {
      const { fromPort, toPort } = toPortRange(port);
      r.subnets.addNetworkAclRule(rangeScope, `Egress-${portKey(port)}`, {
        purpose: 'vpn',
        egress: true,
        protocol: 'tcp',
        cidrBlock: range.text,
        fromPort,
        toPort,
      });
    }
    r.subnets.addNetworkAclRule(rangeScope, 'Ingress-replies', {
      purpose: 'vpn',
      egress: false,
      protocol: 'tcp',
      cidrBlock: range.text,
      ...EPHEMERAL_PORTS,
    });
  }
}

/**
 * Transit gateway mode: the customer's own TGW route table, associated with its VPN attachment and
 * holding one route, to the customer's subnets over the VPC attachment (so the customer reaches nothing
 * else: no other customer, no other part of the VPC). The platform's VPC route table gets a static route
 * per on-premises range to this VPN attachment. No propagation: every route is declared.
 */
export function addVpnTransitGatewayRouting(
  r: VpnRouting,
  customerName: string,
): Ec2TransitGatewayRouteTable {
  const platform = r.subnets.platform;
  const tgw = platform.transitGateway!;
  const scope = new Construct(r.scope, 'TransitGateway');
  const vpnAttachmentId = r.connection.transitGatewayAttachmentId;
  const table = new Ec2TransitGatewayRouteTable(scope, 'RouteTable', {
    transitGatewayId: tgw.transitGatewayId,
    tags: standardTags(platform.name, `${customerName}-tgw`, platform.tags, customerName),
  });
  new Ec2TransitGatewayRouteTableAssociation(scope, 'Association', {
    transitGatewayAttachmentId: vpnAttachmentId,
    transitGatewayRouteTableId: table.id,
    // An existing TGW with default association on has already put the new VPN attachment in its default
    // route table; without this the association fails with Resource.AlreadyAssociated.
    ...(tgw.existing ? { replaceExistingAssociation: true } : {}),
  });
  new Ec2TransitGatewayRoute(scope, 'ToCustomerSubnets', {
    transitGatewayRouteTableId: table.id,
    destinationCidrBlock: r.subnets.cidrBlock,
    transitGatewayAttachmentId: tgw.vpcAttachmentId,
  });
  for (const range of r.onPremCidrs) {
    new Ec2TransitGatewayRoute(scope, `FromVpc-${cidrKey(range)}`, {
      transitGatewayRouteTableId: tgw.vpcRouteTableId,
      destinationCidrBlock: range.text,
      transitGatewayAttachmentId: vpnAttachmentId,
    });
  }
  return table;
}
