import { Testing } from 'cdktf';
import {
  BackendResourceShare,
  BackendResourceShareProps,
} from '../../../lib/connectivity/backend-resource-share';
import { endpointHandoffSections } from '../../../lib/connectivity/endpoint-handoff';
import { testStack } from '../../support/constructs';

const facts = {
  customerName: 'acme',
  mode: 'resourceEndpoint' as const,
  platformAccountId: '123456789012',
  region: 'eu-west-1',
  backendUrl: 'https://orders.acme.internal:8443/api',
  ports: [8443],
};

describe('the handoff of a private-endpoint customer', () => {
  it("GIVEN a resource endpoint THEN it names our account and region, the gateway's addresses as the source, the name TLS verifies, and what not to open", () => {
    const { network, customerSide } = endpointHandoffSections(facts);
    expect(network).toContain('## 1. Network path: a VPC Lattice resource endpoint, no VPN');
    expect(network).toContain('AWS account `123456789012`, region `eu-west-1`');
    expect(network).toContain(
      "Your backend sees connections from **your resource gateway's** addresses (its network interfaces in your subnets), never ours: allow those on ports `8443`, nothing else.",
    );
    expect(network).toContain('TLS verifies `orders.acme.internal`');
    const side = customerSide(2);
    expect(side).toMatch(/^## 2\. What you create in your AWS account/);
    expect(side).toContain(
      'an **AWS RAM share** of that resource configuration with account `123456789012` and no one else',
    );
    expect(side).toContain('**Do not open**: any inbound rule for our addresses');
  });

  it("GIVEN the handoff's BackendResourceShare props with the customer's values filled in THEN they synthesize as the customer's construct", () => {
    const side = endpointHandoffSections(facts).customerSide(2);
    const json = /```json\n([\s\S]*?)\n```/.exec(side)![1];
    const filled = JSON.parse(
      json
        .replace('<your VPC id>', 'vpc-0c0c0c0c0c0c0c0c0')
        .replace('<subnet id in zone a>', 'subnet-0c0c0c0c0c0c0c0c1')
        .replace('<subnet id in zone b>', 'subnet-0c0c0c0c0c0c0c0c2')
        .replace('<the block(s) your backend lives in>', '10.9.0.0/24'),
    ) as BackendResourceShareProps;
    const stack = testStack();
    new BackendResourceShare(stack, 'Share', filled);
    const synthesized = JSON.parse(Testing.synth(stack, true));
    expect(Object.values(synthesized.resource.aws_ram_principal_association)).toEqual([
      expect.objectContaining({ principal: '123456789012' }),
    ]);
    expect(Object.values(synthesized.resource.aws_vpclattice_resource_configuration)).toEqual([
      expect.objectContaining({
        port_ranges: ['8443'],
        resource_configuration_definition: [
          { dns_resource: [{ domain_name: 'orders.acme.internal', ip_address_type: 'IPV4' }] },
        ],
      }),
    ]);
  });

  it('GIVEN PrivateLink THEN the customer allows our account on its endpoint service', () => {
    const { network, customerSide } = endpointHandoffSections({ ...facts, mode: 'privateLinkEndpoint' });
    expect(network).toContain("**your Network Load Balancer's** addresses");
    expect(customerSide(2)).toContain('allow principal `arn:aws:iam::123456789012:root` on the service');
  });
});
