import { Testing } from 'cdktf';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { NetworkAcl } from '@cdktf/provider-aws/lib/network-acl';
import { CustomerSubnets, CustomerSubnetsProps, GatewayPlatform } from '../../../lib';
import { synthJson, testStack, validationErrorOf } from '../../support/constructs';

function platformIn(scope: ReturnType<typeof testStack>, zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']) {
  return new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: zones,
  });
}

describe('CustomerSubnets', () => {
  describe('GIVEN a /24 and the platform’s three zones', () => {
    const synthesized = Testing.synthScope((scope) => {
      const platform = platformIn(scope as ReturnType<typeof testStack>);
      new CustomerSubnets(scope, 'Acme', { platform, customerName: 'acme', cidrBlock: '10.40.128.0/24' });
    });

    it('THEN it creates one private subnet per zone, splitting the block evenly', () => {
      const subnets = Object.values(JSON.parse(synthesized).resource.aws_subnet) as Array<
        Record<string, unknown>
      >;
      expect(subnets.map((s) => [s.availability_zone, s.cidr_block])).toEqual([
        ['eu-west-1a', '10.40.128.0/26'],
        ['eu-west-1b', '10.40.128.64/26'],
        ['eu-west-1c', '10.40.128.128/26'],
      ]);
      expect(synthesized).toHaveResourceWithProperties(Subnet, {
        map_public_ip_on_launch: false,
        tags: expect.objectContaining({ 'backend-link:customer': 'acme', Name: 'acme-eu-west-1a' }),
      });
    });

    it('THEN the subnets share the customer’s own route table, which has no route of its own', () => {
      expect(synthesized).toHaveResourceWithProperties(RouteTable, {
        tags: expect.objectContaining({ Name: 'acme-private' }),
      });
      const tables = Object.values(JSON.parse(synthesized).resource.aws_route_table) as Array<
        Record<string, unknown>
      >;
      expect(tables).toHaveLength(1);
      expect(tables[0]).not.toHaveProperty('route');
      expect(Object.keys(JSON.parse(synthesized).resource.aws_route_table_association)).toHaveLength(3);
      expect(synthesized).toHaveResource(RouteTableAssociation);
    });

    it('THEN the subnets share one network ACL that starts closed (no entries)', () => {
      expect(synthesized).toHaveResourceWithProperties(NetworkAcl, {
        subnet_ids: [
          expect.stringMatching(/^\$\{aws_subnet\.Acme_eu-west-1a_[0-9A-F]{8}\.id\}$/),
          expect.stringMatching(/^\$\{aws_subnet\.Acme_eu-west-1b_[0-9A-F]{8}\.id\}$/),
          expect.stringMatching(/^\$\{aws_subnet\.Acme_eu-west-1c_[0-9A-F]{8}\.id\}$/),
        ],
      });
      const acl = Object.values(JSON.parse(synthesized).resource.aws_network_acl)[0] as Record<
        string,
        unknown
      >;
      expect(acl).not.toHaveProperty('ingress');
      expect(acl).not.toHaveProperty('egress');
    });

    it('THEN it outputs the subnet CIDRs the customer’s firewall must allow', () => {
      expect(JSON.parse(synthesized).output.acme_subnet_cidrs.value).toEqual([
        '10.40.128.0/26',
        '10.40.128.64/26',
        '10.40.128.128/26',
      ]);
    });

    it('matches the snapshot', () => {
      expect(synthesized).toMatchSnapshot();
    });
  });

  it('GIVEN a subset of zones THEN it uses only those', () => {
    const json = synthJson((scope) => {
      const platform = platformIn(scope as ReturnType<typeof testStack>);
      new CustomerSubnets(scope, 'Acme', {
        platform,
        customerName: 'acme',
        cidrBlock: '10.40.130.0/25',
        availabilityZones: ['eu-west-1c', 'eu-west-1a'],
      });
    });
    // Synthesized resources are keyed (and sorted) by name; the split follows the given zone order.
    const subnets = Object.values(json.resource.aws_subnet);
    expect(subnets.map((s) => [s.availability_zone, s.cidr_block])).toEqual([
      ['eu-west-1a', '10.40.130.64/26'],
      ['eu-west-1c', '10.40.130.0/26'],
    ]);
  });

  it('GIVEN two customers with separate blocks THEN the platform registers both', () => {
    const stack = testStack();
    const platform = platformIn(stack);
    new CustomerSubnets(stack, 'Acme', { platform, customerName: 'acme', cidrBlock: '10.40.128.0/24' });
    new CustomerSubnets(stack, 'Globex', { platform, customerName: 'globex', cidrBlock: '10.40.129.0/24' });
    expect(platform.customers.map((c) => [c.customerName, c.cidrBlock?.text])).toEqual([
      ['acme', '10.40.128.0/24'],
      ['globex', '10.40.129.0/24'],
    ]);
  });

  describe('flow logs', () => {
    const json = synthJson((scope) => {
      const platform = platformIn(scope as ReturnType<typeof testStack>);
      new CustomerSubnets(scope, 'Acme', { platform, customerName: 'acme', cidrBlock: '10.40.128.0/24' });
    });
    const flowLogs = Object.values(json.resource.aws_flow_log ?? {});

    it('GIVEN the defaults THEN every customer subnet has a flow log of all traffic into the customer’s log group, kept 365 days', () => {
      expect(flowLogs.map((f) => f.subnet_id)).toEqual(
        ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'].map((zone) =>
          expect.stringContaining(`aws_subnet.Acme_${zone}_`),
        ),
      );
      for (const f of flowLogs) {
        expect(f).toMatchObject({
          traffic_type: 'ALL',
          log_destination_type: 'cloud-watch-logs',
          log_destination: expect.stringContaining('aws_cloudwatch_log_group.Acme_FlowLogs_LogGroup'),
          iam_role_arn: expect.stringContaining('aws_iam_role.Acme_FlowLogs_Role'),
          max_aggregation_interval: 600,
        });
      }
      expect(Object.values(json.resource.aws_cloudwatch_log_group)).toEqual([
        expect.objectContaining({ name: '/backend-link/apicloud/acme/flow-logs', retention_in_days: 365 }),
      ]);
    });

    it('GIVEN the defaults THEN only the VPC Flow Logs service of this account may assume the delivery role, which writes to that group only', () => {
      const [role] = Object.values(json.resource.aws_iam_role);
      expect(role.name).toBe('apicloud-acme-euw1-flow-logs');
      const trust = String(role.assume_role_policy);
      expect(trust).toContain('"Service" = "vpc-flow-logs.amazonaws.com"');
      expect(trust).toContain(
        '"aws:SourceAccount" = element(split(":", aws_cloudwatch_log_group.Acme_FlowLogs',
      );
      expect(trust).toContain('vpc-flow-log/*');
      const [policy] = Object.values(json.resource.aws_iam_role_policy);
      expect(String(policy.policy)).toContain('aws_cloudwatch_log_group.Acme_FlowLogs_LogGroup');
      expect(String(policy.policy)).not.toContain('"Resource" = "*"');
    });

    it('GIVEN flow logs turned off THEN none are created', () => {
      const off = synthJson((scope) => {
        const platform = platformIn(scope as ReturnType<typeof testStack>);
        new CustomerSubnets(scope, 'Acme', {
          platform,
          customerName: 'acme',
          cidrBlock: '10.40.128.0/24',
          flowLogs: { enabled: false },
        });
      });
      expect(off.resource.aws_flow_log).toBeUndefined();
      expect(off.resource.aws_cloudwatch_log_group).toBeUndefined();
    });

    it('GIVEN overrides THEN they are used', () => {
      const custom = synthJson((scope) => {
        const platform = platformIn(scope as ReturnType<typeof testStack>);
        new CustomerSubnets(scope, 'Acme', {
          platform,
          customerName: 'acme',
          cidrBlock: '10.40.128.0/24',
          flowLogs: {
            retentionDays: 90,
            trafficType: 'REJECT',
            maxAggregationIntervalSeconds: 60,
            kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
          },
        });
      });
      expect(Object.values(custom.resource.aws_flow_log)[0]).toMatchObject({
        traffic_type: 'REJECT',
        max_aggregation_interval: 60,
      });
      expect(Object.values(custom.resource.aws_cloudwatch_log_group)[0]).toMatchObject({
        retention_in_days: 90,
        kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      });
    });
  });

  describe('fails when props are invalid', () => {
    test.each<[string, Partial<CustomerSubnetsProps>, string[]]>([
      [
        'the block is not CIDR notation',
        { cidrBlock: '10.40.128.0-24' },
        [
          '`cidrBlock` "10.40.128.0-24" is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)',
        ],
      ],
      [
        'the block has host bits set',
        { cidrBlock: '10.40.128.7/24' },
        ['`cidrBlock` "10.40.128.7/24" has host bits set (did you mean 10.40.128.0/24?)'],
      ],
      [
        'the block is outside the pool',
        { cidrBlock: '10.40.0.0/24' },
        [
          '`cidrBlock` 10.40.0.0/24 of customer "globex" is outside the customer address pool 10.40.128.0/17 of platform "apicloud"',
        ],
      ],
      [
        'the block overlaps another customer’s',
        { cidrBlock: '10.40.128.128/25' },
        [
          '`cidrBlock` 10.40.128.128/25 of customer "globex" overlaps 10.40.128.0/24 of customer "acme"; give each customer its own block in 10.40.128.0/17',
        ],
      ],
      [
        'the customer name is taken',
        { customerName: 'acme', cidrBlock: '10.40.140.0/24' },
        [
          'customer "acme" is already registered on platform "apicloud" by test/Acme; customer names must be unique',
        ],
      ],
      [
        'the block is too small for one /28 per zone',
        { cidrBlock: '10.40.140.0/28' },
        [
          "`cidrBlock` 10.40.140.0/28 is too small for 2 subnets of at least /28 (AWS's smallest subnet); use a /27 or larger",
        ],
      ],
      [
        'fewer than two zones are given',
        { availabilityZones: ['eu-west-1a'] },
        ['`availabilityZones` lists 1; give at least two for a highly available load balancer'],
      ],
      [
        'a zone is listed twice',
        { availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1a'] },
        ['`availabilityZones` lists "eu-west-1a" twice'],
      ],
      [
        'a zone is not the platform’s',
        { availabilityZones: ['eu-west-1a', 'eu-west-1c'] },
        [
          '`availabilityZones` entry "eu-west-1c" is not one of platform "apicloud"\'s zones (eu-west-1a, eu-west-1b)',
        ],
      ],
      [
        'the flow log settings are not ones AWS accepts',
        {
          flowLogs: {
            retentionDays: 10,
            trafficType: 'SOME' as 'ALL',
            maxAggregationIntervalSeconds: 300 as 60,
            kmsKeyArn: 'alias/logs',
          },
        },
        [
          '`flowLogs.retentionDays` 10 is not one CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
          '`flowLogs.trafficType` "SOME" must be one of ALL, ACCEPT, REJECT',
          '`flowLogs.maxAggregationIntervalSeconds` 300 must be 60 or 600',
          '`flowLogs.kmsKeyArn` "alias/logs" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
        ],
      ],
      [
        'the customer name is invalid',
        { customerName: 'Globex Corp' },
        [
          '`customerName` "Globex Corp" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
        ],
      ],
    ])('fails when %s', (_case, override, problems) => {
      const stack = testStack();
      const platform = platformIn(stack, ['eu-west-1a', 'eu-west-1b']);
      new CustomerSubnets(stack, 'Acme', { platform, customerName: 'acme', cidrBlock: '10.40.128.0/24' });
      const error = validationErrorOf(
        () =>
          new CustomerSubnets(stack, 'Globex', {
            platform,
            customerName: 'globex',
            cidrBlock: '10.40.129.0/24',
            ...override,
          }),
      );
      expect(error.problems).toEqual(problems);
      expect(error.constructPath).toBe('test/Globex');
      // A rejected customer leaves no reservation behind.
      expect(platform.customers.map((c) => c.customerName)).toEqual(['acme']);
    });
  });
});
