/**
 * ResourceEndpoint and PrivateLinkEndpoint: synth assertions, bad props with their exact messages, and a real
 * offline `terraform plan` (hashicorp/aws 5.100 from the local mirror) of a platform-side stack holding both,
 * whose plan JSON is checked for the isolation invariants: the endpoint types, security groups that admit only
 * the gateway function's group on the backend port, and no route (nor any other path) to the customer's networks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { PrivateLinkEndpoint } from '../../../lib/connectivity/privatelink-endpoint';
import { ResourceEndpoint, ResourceEndpointProps } from '../../../lib/connectivity/resource-endpoint';
import { PlanJson, planOffline } from '../../../lib/terraform/harness';
import { testStack, validationErrorOf } from '../../support/constructs';
import { privateEndpointViolations, routeViolations } from '../../support/private-endpoint-invariants';

jest.setTimeout(240_000);

const FUNCTION_SG = 'sg-0f1e2d3c4b5a69788';
const RCFG = 'arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718';
const SHARE = 'arn:aws:ram:eu-west-1:210987654321:resource-share/6f1c1a52-0d1e-4f6a-8b4e-2b8a3c9d0e1f';
const SERVICE = 'com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718';

const base = {
  platformName: 'apiplatform',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60711', 'subnet-0a1b2c3d4e5f60722'],
  functionSecurityGroupId: FUNCTION_SG,
};
const acme: ResourceEndpointProps = {
  ...base,
  customerName: 'acme',
  resourceConfigurationArn: RCFG,
  resourceShareArn: SHARE,
  ports: [8443],
};

describe('ResourceEndpoint (synth)', () => {
  it('GIVEN a shared resource configuration THEN a Resource endpoint in the subnets, its SG admitting only the function on the port, and the share accepted first', () => {
    const stack = testStack();
    new ResourceEndpoint(stack, 'acme', acme);
    const json = JSON.parse(Testing.synth(stack, true));
    const [endpoint] = Object.values(json.resource.aws_vpc_endpoint) as Array<Record<string, unknown>>;
    expect(endpoint).toMatchObject({
      vpc_endpoint_type: 'Resource',
      resource_configuration_arn: RCFG,
      subnet_ids: base.subnetIds,
      private_dns_enabled: false,
      depends_on: [
        expect.stringMatching(/^aws_ram_resource_share_accepter\.acme_ShareAccepter_[0-9A-F]{8}$/),
      ],
    });
    expect(Object.values(json.resource.aws_ram_resource_share_accepter)).toEqual([{ share_arn: SHARE }]);
    const ingress = Object.values(json.resource.aws_vpc_security_group_ingress_rule) as Array<
      Record<string, unknown>
    >;
    expect(ingress).toEqual([
      expect.objectContaining({
        referenced_security_group_id: FUNCTION_SG,
        ip_protocol: 'tcp',
        from_port: 8443,
        to_port: 8443,
      }),
    ]);
    const egress = Object.values(json.resource.aws_vpc_security_group_egress_rule) as Array<
      Record<string, unknown>
    >;
    expect(egress).toEqual([
      expect.objectContaining({ security_group_id: FUNCTION_SG, from_port: 8443, to_port: 8443 }),
    ]);
    expect(json.output.acme_resource_endpoint_dns_name.value).toMatch(/dns_entry\[0\]\.dns_name/);
  });

  it('GIVEN no share ARN and functionEgress false THEN no accepter and no rule on the function group', () => {
    const stack = testStack();
    new ResourceEndpoint(stack, 'acme', { ...acme, resourceShareArn: undefined, functionEgress: false });
    const json = JSON.parse(Testing.synth(stack, true));
    expect(json.resource.aws_ram_resource_share_accepter).toBeUndefined();
    expect(json.resource.aws_vpc_security_group_egress_rule).toBeUndefined();
    expect(Object.values(json.resource.aws_vpc_endpoint)[0]).not.toHaveProperty('depends_on');
  });

  it('fails with every problem at once: wrong region ARN, one subnet, a bad group, a bad port', () => {
    const error = validationErrorOf(() => {
      const stack = testStack();
      return new ResourceEndpoint(stack, 'acme', {
        ...acme,
        resourceConfigurationArn: RCFG.replace('eu-west-1', 'us-east-1'),
        subnetIds: ['subnet-0a1b2c3d4e5f60711'],
        functionSecurityGroupId: 'acme-fn',
        ports: [70000],
      });
    });
    expect(error.problems).toEqual([
      '`subnetIds` ["subnet-0a1b2c3d4e5f60711"] lists 1 subnet(s); give at least 2, one per availability zone, so the path survives the loss of a zone',
      '`functionSecurityGroupId` "acme-fn" is not a security group id (sg-0123456789abcdef0)',
      '`ports[0]` 70000 is not a port (an integer from 1 to 65535) or a range of ports',
      '`resourceConfigurationArn` "arn:aws:vpc-lattice:us-east-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718" is in region us-east-1, the stack in eu-west-1: a resource configuration is reached only from endpoints in its own region; create it in eu-west-1, or put this customer on a platform in us-east-1',
    ]);
    expect(error.constructPath).toBe('test/acme');
  });
});

describe('PrivateLinkEndpoint (synth)', () => {
  it('GIVEN an endpoint service name THEN an Interface endpoint without private DNS', () => {
    const stack = testStack();
    new PrivateLinkEndpoint(stack, 'globex', {
      ...base,
      customerName: 'globex',
      serviceName: SERVICE,
      ports: [443],
    });
    const json = JSON.parse(Testing.synth(stack, true));
    expect(Object.values(json.resource.aws_vpc_endpoint)).toEqual([
      expect.objectContaining({
        vpc_endpoint_type: 'Interface',
        service_name: SERVICE,
        private_dns_enabled: false,
      }),
    ]);
  });

  it('fails when the service is in another region', () => {
    const error = validationErrorOf(
      () =>
        new PrivateLinkEndpoint(testStack(), 'globex', {
          ...base,
          customerName: 'globex',
          serviceName: SERVICE.replace('eu-west-1', 'eu-central-1'),
          ports: [443],
        }),
    );
    expect(error.problems).toEqual([
      '`serviceName` "com.amazonaws.vpce.eu-central-1.vpce-svc-0a1b2c3d4e5f60718" is in region eu-central-1, the stack in eu-west-1: an interface endpoint reaches endpoint services of its own region; ask the customer for a service in eu-west-1',
    ]);
  });
});

type Change = {
  address: string;
  type: string;
  change: { actions: string[]; after: Record<string, unknown> };
};

/** The addresses a configured resource's attribute references (`aws_security_group.x.id` → `aws_security_group.x`). */
function references(plan: PlanJson, address: string, attribute: string): string[] {
  const resources = (
    plan.configuration as {
      root_module: {
        resources: Array<{ address: string; expressions: Record<string, { references?: string[] }> }>;
      };
    }
  ).root_module.resources;
  return resources.find((r) => r.address === address)?.expressions[attribute]?.references ?? [];
}

describe('both endpoints, planned offline by terraform', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'private-endpoints-'));
  let plan: PlanJson;
  let changes: Change[];

  beforeAll(async () => {
    const app = new App({ outdir: workdir });
    const stack = new TerraformStack(app, 'private-endpoints');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    new ResourceEndpoint(stack, 'acme', { ...acme, ports: [8443, { fromPort: 9000, toPort: 9001 }] });
    // globex's function group is created in the same plan (as in an app with the customer's function): its id
    // is unknown until apply, and the invariants follow the reference.
    const globexFunction = new SecurityGroup(stack, 'globex-fn', { name: 'globex-fn', vpcId: base.vpcId });
    new PrivateLinkEndpoint(stack, 'globex', {
      ...base,
      customerName: 'globex',
      functionSecurityGroupId: globexFunction.id,
      serviceName: SERVICE,
      ports: [443],
    });
    app.synth();
    const result = await planOffline(join(workdir, 'stacks', 'private-endpoints'));
    plan = result.plan;
    changes = (plan.resource_changes ?? []) as Change[];
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('creates exactly the endpoints, their groups and rules, and the share accepter', () => {
    const counts: Record<string, number> = {};
    for (const c of changes) {
      expect(c.change.actions).toEqual(['create']);
      counts[c.type] = (counts[c.type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      aws_ram_resource_share_accepter: 1,
      aws_security_group: 3,
      aws_vpc_endpoint: 2,
      aws_vpc_security_group_egress_rule: 3,
      aws_vpc_security_group_ingress_rule: 3,
    });
  });

  it('plans a Resource endpoint to the shared configuration and an Interface endpoint to the service, both in the customer subnets, without private DNS', () => {
    const endpoints = changes.filter((c) => c.type === 'aws_vpc_endpoint').map((c) => c.change.after);
    expect(endpoints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          vpc_endpoint_type: 'Resource',
          resource_configuration_arn: RCFG,
          subnet_ids: base.subnetIds,
          private_dns_enabled: false,
        }),
        expect.objectContaining({
          vpc_endpoint_type: 'Interface',
          service_name: SERVICE,
          subnet_ids: base.subnetIds,
          private_dns_enabled: false,
        }),
      ]),
    );
  });

  it("admits only the customer's function security group, on the backend ports, into each endpoint's group; no egress from them", () => {
    const groups = changes.filter((c) => c.type === 'aws_security_group').map((c) => c.address);
    const source = (address: string, after: Record<string, unknown>) =>
      (after.referenced_security_group_id as string | undefined) ??
      references(plan, address, 'referenced_security_group_id').find((r) => groups.includes(r));
    const ingress = changes.filter((c) => c.type === 'aws_vpc_security_group_ingress_rule');
    const seen = ingress.map((rule) => {
      const after = rule.change.after;
      expect(after.cidr_ipv4).toBeNull();
      expect(after.cidr_ipv6).toBeNull();
      expect(after.prefix_list_id).toBeNull();
      expect(after.ip_protocol).toBe('tcp');
      const [group] = references(plan, rule.address, 'security_group_id').filter((r) => groups.includes(r));
      return `${group.replace(/_[0-9A-F]{8}$/, '')} <- ${source(rule.address, after)} ${after.from_port as number}-${after.to_port as number}`;
    });
    expect(seen.sort()).toEqual([
      `aws_security_group.acme_SecurityGroup <- ${FUNCTION_SG} 8443-8443`,
      `aws_security_group.acme_SecurityGroup <- ${FUNCTION_SG} 9000-9001`,
      'aws_security_group.globex_SecurityGroup <- aws_security_group.globex-fn 443-443',
    ]);
    // Egress rules exist only on the functions' groups, towards the endpoint groups.
    for (const rule of changes.filter((c) => c.type === 'aws_vpc_security_group_egress_rule')) {
      const on =
        (rule.change.after.security_group_id as string | undefined) ??
        references(plan, rule.address, 'security_group_id').find((r) => groups.includes(r));
      expect([FUNCTION_SG, 'aws_security_group.globex-fn']).toContain(on);
      expect(rule.change.after.cidr_ipv4).toBeNull();
      expect(
        references(plan, rule.address, 'referenced_security_group_id').filter((r) => groups.includes(r)),
      ).toHaveLength(1);
    }
    // No inline rules on the endpoint groups.
    const configured = (
      plan.configuration as {
        root_module: { resources: Array<{ address: string; expressions: Record<string, unknown> }> };
      }
    ).root_module.resources;
    for (const group of groups) {
      const expressions = configured.find((r) => r.address === group)!.expressions;
      expect(expressions).not.toHaveProperty('ingress');
      expect(expressions).not.toHaveProperty('egress');
    }
  });

  it("creates no route, route table, gateway, VPN, peering or NACL: nothing reaches the customer's networks but the endpoints", () => {
    const forbidden = changes.filter((c) =>
      /^aws_(route|route_table|route_table_association|vpn_|customer_gateway|ec2_transit_gateway|nat_gateway|internet_gateway|vpc_peering|network_acl|eip|ec2_client_vpn)/.test(
        c.type,
      ),
    );
    expect(forbidden.map((c) => c.address)).toEqual([]);
  });

  it('accepts the customer share before the endpoint', () => {
    const accepter = changes.find((c) => c.type === 'aws_ram_resource_share_accepter')!;
    expect(accepter.change.after.share_arn).toBe(SHARE);
    const configured = (
      plan.configuration as {
        root_module: {
          resources: Array<{
            address: string;
            type: string;
            depends_on?: string[];
            expressions: Record<string, { constant_value?: unknown }>;
          }>;
        };
      }
    ).root_module.resources;
    const resourceEndpoint = configured.find(
      (r) => r.type === 'aws_vpc_endpoint' && r.expressions.vpc_endpoint_type?.constant_value === 'Resource',
    )!;
    expect(resourceEndpoint.depends_on).toEqual([accepter.address]);
  });

  it("GIVEN the constructs' plan THEN no violation and no route", () => {
    expect(privateEndpointViolations(plan)).toEqual([]);
    expect(routeViolations(plan)).toEqual([]);
  });

  it('fails when the endpoint group also admits a CIDR, a second group, and has an egress rule (the same plan, tampered), and lists a route', () => {
    const changes = plan.resource_changes as Array<{
      type: string;
      address: string;
      change: { after: Record<string, unknown> };
    }>;
    const ingress = changes.find(
      (c) => c.type === 'aws_vpc_security_group_ingress_rule' && c.address.includes('acme'),
    )!;
    const config = (
      plan.configuration as {
        root_module: {
          resources: Array<{ address: string; type: string; expressions: Record<string, unknown> }>;
        };
      }
    ).root_module.resources;
    const ingressConfig = config.find((r) => r.address === ingress.address)!;
    const tampered: PlanJson = {
      ...plan,
      resource_changes: [
        ...(plan.resource_changes ?? []),
        {
          address: 'aws_vpc_security_group_ingress_rule.wide',
          type: 'aws_vpc_security_group_ingress_rule',
          change: {
            actions: ['create'],
            after: {
              ...ingress.change.after,
              cidr_ipv4: '10.0.0.0/8',
              referenced_security_group_id: 'sg-0bbbbbbbbbbbbbbbb',
            },
          },
        },
        {
          address: 'aws_vpc_security_group_egress_rule.out',
          type: 'aws_vpc_security_group_egress_rule',
          change: { actions: ['create'], after: { ip_protocol: '-1' } },
        },
        { address: 'aws_route.onprem', type: 'aws_route', change: { actions: ['create'], after: {} } },
      ],
      configuration: {
        root_module: {
          resources: [
            ...config,
            { ...ingressConfig, address: 'aws_vpc_security_group_ingress_rule.wide' },
            {
              ...ingressConfig,
              address: 'aws_vpc_security_group_egress_rule.out',
              type: 'aws_vpc_security_group_egress_rule',
            },
          ],
        },
      },
    };
    const violations = privateEndpointViolations(tampered);
    expect(violations).toEqual([
      expect.stringMatching(
        /^aws_vpc_security_group_egress_rule\.out opens egress from aws_security_group\.acme_SecurityGroup_[0-9A-F]{8}, an endpoint's group \(it needs none\)$/,
      ),
      expect.stringMatching(
        /^aws_vpc_security_group_ingress_rule\.wide admits cidr_ipv4 10\.0\.0\.0\/8 into aws_security_group\.acme_SecurityGroup_[0-9A-F]{8}$/,
      ),
      expect.stringMatching(
        /admits 2 security groups \(sg-0f1e2d3c4b5a69788, sg-0bbbbbbbbbbbbbbbb\); only the customer's function may reach its endpoint$/,
      ),
    ]);
    expect(routeViolations(tampered)).toEqual([
      'aws_route.onprem routes traffic (no route is needed on the endpoint path)',
    ]);
  });
});
