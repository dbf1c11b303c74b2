/**
 * The handoff document's parts for a customer on a private-endpoint path (a VPC Lattice resource endpoint
 * or a PrivateLink interface endpoint): how the gateway reaches the customer, and what the customer creates
 * in its own AWS account. Markdown, no secret value. For lib/handoff/render.ts to place where the VPN
 * section goes, once CustomerBackendLink carries the mode in its handoff output.
 */
import { partitionOfRegion } from '../shared/partition';
import { Port, portKey } from '../shared/ports';

export interface EndpointHandoffFacts {
  readonly customerName: string;
  readonly mode: 'resourceEndpoint' | 'privateLinkEndpoint';
  /** The platform's AWS account: the one principal the customer shares with (or allows on its service). */
  readonly platformAccountId: string;
  /** The platform's region: the customer's resource configuration (or endpoint service) must be there. */
  readonly region: string;
  /** The backend's URL as the customer gave it; TLS verifies its host name. */
  readonly backendUrl: string;
  /** The backend's TCP ports. */
  readonly ports: readonly Port[];
}

export interface EndpointHandoffSections {
  /** Replaces the VPN section: how the gateway reaches the customer. */
  readonly network: string;
  /** What the customer creates, as section `number`. */
  customerSide(number: number): string;
}

/** The `BackendResourceShare` props the customer fills in (`<…>` placeholders for what only it knows). */
export function backendResourceShareTemplate(facts: EndpointHandoffFacts): Record<string, unknown> {
  const host = new URL(facts.backendUrl).hostname;
  return {
    name: `${facts.customerName}-backend`.slice(0, 24).replace(/-$/, ''),
    vpcId: '<your VPC id>',
    subnetIds: ['<subnet id in zone a>', '<subnet id in zone b>'],
    backend: {
      domainName: host,
      ports: facts.ports.map((p) => (typeof p === 'number' ? p : { fromPort: p.fromPort, toPort: p.toPort })),
    },
    backendCidrs: ['<the block(s) your backend lives in>'],
    platformAccountId: facts.platformAccountId,
  };
}

export function endpointHandoffSections(facts: EndpointHandoffFacts): EndpointHandoffSections {
  const host = new URL(facts.backendUrl).hostname;
  const ports = facts.ports.map((p) => `\`${portKey(p)}\``).join(', ');
  const resource = facts.mode === 'resourceEndpoint';
  const network = [
    `## 1. Network path: ${resource ? 'a VPC Lattice resource endpoint' : 'an AWS PrivateLink interface endpoint'}, no VPN`,
    '',
    resource
      ? `The gateway reaches your backend through a resource endpoint in our VPC (AWS account \`${facts.platformAccountId}\`, region \`${facts.region}\`) to a resource configuration you share with that account through AWS RAM. Nothing is routed between our networks, and no address ranges need to be agreed.`
      : `The gateway reaches your backend through an interface endpoint in our VPC (AWS account \`${facts.platformAccountId}\`, region \`${facts.region}\`) to your endpoint service (a Network Load Balancer). Nothing is routed between our networks, and no address ranges need to be agreed.`,
    '',
    `- Your backend sees connections from ${resource ? "**your resource gateway's** addresses (its network interfaces in your subnets)" : "**your Network Load Balancer's** addresses"}, never ours: allow those on ports ${ports}, nothing else.`,
    `- TLS verifies \`${host}\`: keep that name on your backend's certificate.`,
    "- No DNS server of yours is needed: we connect to the endpoint's AWS-provided name.",
  ].join('\n');
  const customerSide = (number: number) =>
    [
      `## ${number}. What you create in your AWS account`,
      '',
      ...(resource
        ? [
            `In region \`${facts.region}\`:`,
            '',
            "1. a **resource gateway** in your VPC, in subnets of at least two availability zones, with a security group whose only rules are egress to your backend's block(s) on ports " +
              `${ports};`,
            `2. a **resource configuration** for \`${host}\` (or its address), protocol TCP, ports ${ports};`,
            `3. an **AWS RAM share** of that resource configuration with account \`${facts.platformAccountId}\` and no one else (outside one AWS Organization, allow external principals: we accept the invitation);`,
            "4. send us the resource configuration's ARN and the share's ARN.",
            '',
            "With cdktf, backend-link's `BackendResourceShare` creates all of it; fill in the `<…>` values:",
            '',
            '```json',
            JSON.stringify(backendResourceShareTemplate(facts), null, 2),
            '```',
          ]
        : [
            `1. an **endpoint service** in region \`${facts.region}\` in front of a Network Load Balancer that reaches your backend on ports ${ports};`,
            `2. allow principal \`arn:${partitionOfRegion(facts.region)}:iam::${facts.platformAccountId}:root\` on the service (and accept our endpoint's connection, if the service requires acceptance);`,
            '3. send us the service name (`com.amazonaws.vpce.<region>.vpce-svc-…`).',
          ]),
      '',
      '**Do not open**: any inbound rule for our addresses (we have none on this path); `0.0.0.0/0` anywhere; any other principal on the share or the service; a VPC peering, transit gateway attachment or VPN for this link; a public address on the backend.',
    ].join('\n');
  return { network, customerSide };
}
