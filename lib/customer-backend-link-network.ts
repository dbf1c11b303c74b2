import { Construct } from 'constructs';
import { Route } from '@cdktf/provider-aws/lib/route';
import type { EgressDestination } from './runtime/gateway-function';
import type { CustomerSubnets } from './network/customer-subnets';
import { cidrContains, parseCidr } from './shared/cidr';
import { cidrConstructId } from './shared/construct-ids';
import { isUnresolved } from './shared/validation';
import { Port, portKey, toPortRange } from './shared/ports';

/**
 * The customer's network wiring outside its children: the public DMZ path's routes, and the network ACL entries
 * towards the backend (without a VPN) and the additional destinations. Each group is created under its own
 * scope of the link (`PublicEndpoint`, `BackendNetworkAcl`, `AdditionalEgress`): those ids are resource addresses.
 */

/**
 * Per zone and address: `<address>/32` → the NAT gateway of the zone, nothing else (no default route).
 * The public subnets' network ACL already passes the customer pool on the platform's `publicEgress.ports`.
 */
export function routePublicEndpoint(
  link: Construct,
  subnets: CustomerSubnets,
  cidrs: readonly string[],
): Route[] {
  const egress = subnets.platform.publicEgress!;
  const scope = new Construct(link, 'PublicEndpoint');
  return subnets.subnets.flatMap((subnet) => {
    const exit = egress.zone(subnet.availabilityZone);
    const zone = new Construct(scope, subnet.availabilityZone);
    return cidrs.map(
      (cidr) =>
        new Route(zone, `Route-${cidr.replace(/[./]/g, '_')}`, {
          routeTableId: subnet.routeTable.id,
          destinationCidrBlock: cidr,
          // A reference, never `depends_on`: in a customer's own stack the NAT gateway is a value of the
          // platform's contract (remote state), which Terraform accepts in no `depends_on`.
          natGatewayId: exit.natGatewayId,
        }),
    );
  });
}

/** The platform's Elastic IPs of the zones of the customer's subnets: the addresses its DMZ endpoint sees. */
export function elasticIpsOf(subnets: CustomerSubnets): string[] {
  const egress = subnets.platform.publicEgress!;
  return subnets.subnets.map((s) => egress.zone(s.availabilityZone).publicIp);
}

/** Without a VPN nothing else opens the customer's network ACL towards the backend: out on its port, the replies. */
export function addBackendAclEntries(
  link: Construct,
  subnets: CustomerSubnets,
  backendCidrs: readonly string[],
  backendPort: number,
): void {
  const acl = new Construct(link, 'BackendNetworkAcl');
  backendCidrs.forEach((cidr, index) => {
    const cidrScope = new Construct(acl, cidrConstructId(cidr, index));
    subnets.addNetworkAclRule(cidrScope, `Out-${backendPort}`, {
      purpose: 'backend',
      egress: true,
      protocol: 'tcp',
      cidrBlock: cidr,
      fromPort: backendPort,
      toPort: backendPort,
    });
    subnets.addNetworkAclRule(cidrScope, 'Replies', {
      purpose: 'backend',
      egress: false,
      protocol: 'tcp',
      cidrBlock: cidr,
      fromPort: 1024,
      toPort: 65535,
    });
  });
}

/**
 * On a private-endpoint path the function and the endpoint's interfaces are both in the customer's subnets:
 * the customer's network ACL passes the endpoint's ports within the customer's block, both ways (a function in
 * one zone may reach the endpoint's interface in another), and the replies. Nothing outside the block.
 */
export function addEndpointAclEntries(
  link: Construct,
  subnets: CustomerSubnets,
  ports: readonly Port[],
): void {
  const acl = new Construct(link, 'EndpointNetworkAcl');
  const cidrBlock = subnets.cidrBlock;
  for (const port of ports) {
    const { fromPort, toPort } = toPortRange(port);
    const key = portKey(port);
    for (const egress of [true, false]) {
      subnets.addNetworkAclRule(acl, `${egress ? 'Out' : 'In'}-${key}`, {
        purpose: 'backend',
        egress,
        protocol: 'tcp',
        cidrBlock,
        fromPort,
        toPort,
      });
    }
  }
  for (const egress of [true, false]) {
    subnets.addNetworkAclRule(acl, `Replies-${egress ? 'Out' : 'In'}`, {
      purpose: 'backend',
      egress,
      protocol: 'tcp',
      cidrBlock,
      fromPort: 1024,
      toPort: 65535,
    });
  }
}

/**
 * The customer's network ACL for `backend.additionalEgress`: out to each destination's port, and the
 * replies. What the VPN (or, without one, the backend entries) already opens (`opened`) is not added twice: a
 * destination inside an on-premises range gets its replies through that range's entry, and one on the
 * backend's port inside a backend block needs nothing more.
 */
export function addAdditionalEgressAclEntries(
  link: Construct,
  subnets: CustomerSubnets,
  extra: readonly EgressDestination[],
  opened: readonly string[],
  backendPort: number,
): void {
  if (extra.length === 0) return;
  const scope = new Construct(link, 'AdditionalEgress');
  const ranges = opened.map(parseCidr).filter((c) => c !== undefined);
  extra.forEach(({ cidr, port }, index) => {
    const block = isUnresolved(cidr) ? undefined : parseCidr(cidr);
    const inside = block ? ranges.find((c) => cidrContains(c, block)) : undefined;
    // Keyed by content: adding or removing a destination moves no other rule.
    const cidrScope =
      scope.node.tryFindChild(cidrConstructId(cidr, index)) ??
      new Construct(scope, cidrConstructId(cidr, index));
    if (!(inside && port === backendPort) && !cidrScope.node.tryFindChild(`Out-${port}`)) {
      subnets.addNetworkAclRule(cidrScope, `Out-${port}`, {
        purpose: 'additional-egress',
        egress: true,
        protocol: 'tcp',
        cidrBlock: cidr,
        fromPort: port,
        toPort: port,
      });
    }
    if (!inside && !cidrScope.node.tryFindChild('Replies')) {
      subnets.addNetworkAclRule(cidrScope, 'Replies', {
        purpose: 'additional-egress',
        egress: false,
        protocol: 'tcp',
        cidrBlock: cidr,
        fromPort: 1024,
        toPort: 65535,
      });
    }
  });
}
