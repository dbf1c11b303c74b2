/**
 * BackendResourceShare, the customer's side as code: bad props with exact messages, and the customer's own
 * cdktf app (its provider, its VPC's ids) synthesized and planned offline by terraform with hashicorp/aws 5.100.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  BackendResourceShare,
  BackendResourceShareProps,
} from '../../../lib/connectivity/backend-resource-share';
import { PlanJson, planOffline } from '../../../lib/terraform/harness';
import { testStack, validationErrorOf } from '../../support/constructs';

jest.setTimeout(240_000);

const PLATFORM_ACCOUNT = '123456789012';
const props: BackendResourceShareProps = {
  name: 'orders-for-apiplatform',
  vpcId: 'vpc-0c0c0c0c0c0c0c0c0',
  subnetIds: ['subnet-0c0c0c0c0c0c0c0c1', 'subnet-0c0c0c0c0c0c0c0c2'],
  backend: { domainName: 'orders.acme.internal', ports: [8443] },
  backendCidrs: ['10.9.0.0/24', '192.168.40.0/22'],
  platformAccountId: PLATFORM_ACCOUNT,
};

describe('BackendResourceShare props', () => {
  it('fails with every problem at once', () => {
    const error = validationErrorOf(
      () =>
        new BackendResourceShare(testStack(), 'share', {
          ...props,
          name: 'Orders',
          backend: { ipAddress: '172.16.0.9', ports: [8443] },
          backendCidrs: ['10.9.0.0/24'],
          platformAccountId: '1234',
        }),
    );
    expect(error.problems).toEqual([
      '`name` "Orders" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
      '`backend.ipAddress` "172.16.0.9" is outside `backendCidrs` (10.9.0.0/24), the only ranges the resource gateway\'s security group lets it reach',
      '`platformAccountId` "1234" is not a 12-digit AWS account id (the platform\'s account, from its handoff)',
    ]);
  });

  it('fails when the gateway would reach every address', () => {
    const error = validationErrorOf(
      () => new BackendResourceShare(testStack(), 'share', { ...props, backendCidrs: ['0.0.0.0/0'] }),
    );
    expect(error.problems).toEqual([
      '`backendCidrs[0]` "0.0.0.0/0" opens every address; give the block(s) the backend lives in',
    ]);
  });
});

type Change = {
  address: string;
  type: string;
  change: { actions: string[]; after: Record<string, unknown> };
};

describe("the customer's own app, planned offline by terraform", () => {
  const workdir = mkdtempSync(join(tmpdir(), 'backend-resource-share-'));
  let plan: PlanJson;
  let changes: Change[];
  /** The planned values of one construct's resources of `type` (`Orders` or `Billing`). */
  const byType = (type: string, of = 'Orders') =>
    changes
      .filter((c) => c.type === type && c.address.split('.')[1].startsWith(`${of}_`))
      .map((c) => c.change.after);

  beforeAll(async () => {
    // GIVEN the customer's app: its own provider and VPC, nothing of the platform's but its account id
    const app = new App({ outdir: workdir });
    const stack = new TerraformStack(app, 'acme-share');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    new BackendResourceShare(stack, 'Orders', props);
    // A second backend by address, on a port range, shared only inside the customer's Organization.
    new BackendResourceShare(stack, 'Billing', {
      ...props,
      name: 'billing-for-apiplatform',
      backend: { ipAddress: '10.9.0.20', ports: [{ fromPort: 9000, toPort: 9010 }] },
      backendCidrs: ['10.9.0.0/24'],
      allowExternalPrincipals: false,
    });
    app.synth();
    plan = (await planOffline(join(workdir, 'stacks', 'acme-share'))).plan;
    changes = (plan.resource_changes ?? []) as Change[];
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('creates the gateway, its security group, the resource configuration and the share with the platform account', () => {
    const counts: Record<string, number> = {};
    for (const c of changes.filter((c) => c.address.split('.')[1].startsWith('Orders_'))) {
      counts[c.type] = (counts[c.type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      aws_ram_principal_association: 1,
      aws_ram_resource_association: 1,
      aws_ram_resource_share: 1,
      aws_security_group: 1,
      aws_vpc_security_group_egress_rule: 2,
      aws_vpclattice_resource_configuration: 1,
      aws_vpclattice_resource_gateway: 1,
    });
    expect(byType('aws_vpclattice_resource_gateway')).toEqual([
      expect.objectContaining({ vpc_id: props.vpcId, subnet_ids: props.subnetIds, ip_address_type: 'IPV4' }),
    ]);
    expect(byType('aws_vpclattice_resource_configuration')).toEqual([
      expect.objectContaining({
        type: 'SINGLE',
        protocol: 'TCP',
        port_ranges: ['8443'],
        resource_configuration_definition: [
          expect.objectContaining({
            dns_resource: [{ domain_name: 'orders.acme.internal', ip_address_type: 'IPV4' }],
          }),
        ],
      }),
    ]);
    expect(byType('aws_ram_principal_association')).toEqual([
      expect.objectContaining({ principal: PLATFORM_ACCOUNT }),
    ]);
    expect(byType('aws_ram_resource_share')).toEqual([
      expect.objectContaining({ allow_external_principals: true }),
    ]);
  });

  it("lets the gateway reach only the backend's blocks on its port, and opens nothing inbound", () => {
    expect(
      byType('aws_vpc_security_group_egress_rule')
        .map(
          (r) =>
            `${r.cidr_ipv4 as string} ${r.ip_protocol as string} ${r.from_port as number}-${r.to_port as number}`,
        )
        .sort(),
    ).toEqual(['10.9.0.0/24 tcp 8443-8443', '192.168.40.0/22 tcp 8443-8443']);
    expect(changes.filter((c) => c.type === 'aws_vpc_security_group_ingress_rule')).toEqual([]);
  });

  it('GIVEN a backend by address on a port range THEN an IP resource on that range, its egress on the range, and a share inside the Organization only', () => {
    expect(byType('aws_vpclattice_resource_configuration', 'Billing')).toEqual([
      expect.objectContaining({
        port_ranges: ['9000-9010'],
        resource_configuration_definition: [
          expect.objectContaining({ ip_resource: [{ ip_address: '10.9.0.20' }] }),
        ],
      }),
    ]);
    expect(
      byType('aws_vpc_security_group_egress_rule', 'Billing').map(
        (r) => `${r.cidr_ipv4 as string} ${r.from_port as number}-${r.to_port as number}`,
      ),
    ).toEqual(['10.9.0.0/24 9000-9010']);
    expect(byType('aws_ram_resource_share', 'Billing')).toEqual([
      expect.objectContaining({ allow_external_principals: false }),
    ]);
  });

  it('outputs what the platform needs: the resource configuration ARN and the share ARN', () => {
    expect(Object.keys(plan.output_changes ?? {}).sort()).toEqual([
      'billing-for-apiplatform_resource_configuration_arn',
      'billing-for-apiplatform_resource_gateway_security_group_id',
      'billing-for-apiplatform_resource_share_arn',
      'orders-for-apiplatform_resource_configuration_arn',
      'orders-for-apiplatform_resource_gateway_security_group_id',
      'orders-for-apiplatform_resource_share_arn',
    ]);
  });
});
