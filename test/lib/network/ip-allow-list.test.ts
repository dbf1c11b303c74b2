import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { NetworkAclRule } from '@cdktf/provider-aws/lib/network-acl-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { IpAllowList, IpAllowListProps } from '../../../lib/network/ip-allow-list';
import { newCustomer, newPlatform, resourcesOf, synth, validationErrorOf } from '../network-fixtures';

const SG = 'sg-0123456789abcdef0';

/** GIVEN a platform and customer "acme" (10.0.128.0/24, two /25 subnets): an allow list with `props`. */
function acmeAllowList(scope: Construct, props: Partial<IpAllowListProps> = {}): IpAllowList {
  const platform = newPlatform(scope);
  return new IpAllowList(scope, 'AllowList', {
    securityGroupId: SG,
    sources: [{ cidr: '10.0.1.0/24', description: 'gateway tier' }],
    subnets: newCustomer(scope, platform, 'acme'),
    ...props,
  });
}

describe('IpAllowList', () => {
  test('GIVEN one CIDR source and the default port WHEN synthesized THEN one ingress rule on 443 and matching network ACL entries exist', () => {
    const { text, json } = synth((scope) => {
      acmeAllowList(scope);
    });
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      security_group_id: SG,
      ip_protocol: 'tcp',
      from_port: 443,
      to_port: 443,
      cidr_ipv4: '10.0.1.0/24',
      description: 'gateway tier',
    });
    expect(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).toHaveLength(1);
    expect(
      resourcesOf(json, 'aws_network_acl_rule').map((r) => [r.egress, r.cidr_block, r.from_port, r.to_port]),
    ).toEqual(
      // Synthesis orders resources by logical id; the pair is what matters.
      expect.arrayContaining([
        [false, '10.0.1.0/24', 443, 443],
        [true, '10.0.1.0/24', 1024, 65535],
      ]),
    );
    expect(resourcesOf(json, 'aws_network_acl_rule')).toHaveLength(2);
  });

  test('GIVEN subnets WHEN synthesized THEN the customer firewall allow list is the customer subnet CIDRs, as an output', () => {
    const { json } = synth((scope) => {
      const list = acmeAllowList(scope);
      expect(list.customerFirewallAllowList).toEqual(['10.0.128.0/25', '10.0.128.128/25']);
    });
    expect(json.output?.acme_firewall_allow_list.value).toEqual(['10.0.128.0/25', '10.0.128.128/25']);
  });

  test('GIVEN IPv6, prefix list and security group sources on two ports WHEN synthesized THEN one rule per source and port', () => {
    const { text, json } = synth((scope) => {
      acmeAllowList(scope, {
        sources: [
          { cidr: '2001:db8:1::/48' },
          { prefixListId: 'pl-0123456789abcdef0' },
          { securityGroupId: 'sg-0fedcba9876543210', description: 'gateway tier nodes' },
        ],
        ports: [443, { fromPort: 8443, toPort: 8444 }],
        networkAclCidrs: ['10.0.2.0/24'],
      });
    });
    expect(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).toHaveLength(6);
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      cidr_ipv6: '2001:db8:1::/48',
      from_port: 8443,
      to_port: 8444,
    });
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      prefix_list_id: 'pl-0123456789abcdef0',
      from_port: 443,
    });
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      referenced_security_group_id: 'sg-0fedcba9876543210',
      description: 'gateway tier nodes',
    });
    expect(text).toHaveResourceWithProperties(NetworkAclRule, {
      ipv6_cidr_block: '2001:db8:1::/48',
      egress: false,
    });
    expect(text).toHaveResourceWithProperties(NetworkAclRule, { cidr_block: '10.0.2.0/24', from_port: 8443 });
  });

  test('GIVEN 0.0.0.0/0 with allowAnyAddress and a reason WHEN synthesized THEN the rule exists and its description records the reason', () => {
    const { text } = synth((scope) => {
      acmeAllowList(scope, {
        sources: [{ cidr: '0.0.0.0/0', description: 'anyone' }],
        allowAnyAddress: { reason: 'public test endpoint' },
      });
    });
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      cidr_ipv4: '0.0.0.0/0',
      description: 'anyone (any address: public test endpoint)',
    });
  });

  test('GIVEN no subnets WHEN synthesized THEN only security group rules exist, no ACL entry or output', () => {
    const { json } = synth((scope) => {
      new IpAllowList(scope, 'AllowList', {
        securityGroupId: SG,
        sources: [{ prefixListId: 'pl-0123456789abcdef0' }],
      });
    });
    expect(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).toHaveLength(1);
    expect(resourcesOf(json, 'aws_network_acl_rule')).toHaveLength(0);
    expect(json.output).toBeUndefined();
  });

  test('GIVEN one CIDR source WHEN synthesized THEN it matches the snapshot', () => {
    expect(
      Testing.synthScope((scope) => {
        acmeAllowList(scope);
      }),
    ).toMatchSnapshot();
  });

  const bad: Array<[string, Partial<IpAllowListProps>, string[]]> = [
    [
      'a source is 0.0.0.0/0 without opt-in',
      { sources: [{ cidr: '0.0.0.0/0' }] },
      [
        "`sources[0].cidr` 0.0.0.0/0 admits any address; declare the gateway tier's ranges, or give `allowAnyAddress` with a reason",
      ],
    ],
    [
      'a source is ::/0 without opt-in',
      { sources: [{ cidr: '::/0' }] },
      [
        "`sources[0].cidr` ::/0 admits any address; declare the gateway tier's ranges, or give `allowAnyAddress` with a reason",
      ],
    ],
    [
      'the opt-in has an empty reason',
      { sources: [{ cidr: '0.0.0.0/0' }], allowAnyAddress: { reason: ' ' } },
      ['`allowAnyAddress.reason` is empty; say why any address may connect'],
    ],
    ['no source is declared', { sources: [] }, ['`sources` is empty; declare at least one trusted source']],
    [
      'a source gives two kinds',
      { sources: [{ cidr: '10.0.1.0/24', securityGroupId: SG }] },
      [
        '`sources[0]` gives `cidr` and `securityGroupId`; give exactly one of `cidr`, `prefixListId`, `securityGroupId`',
      ],
    ],
    [
      'a source CIDR is malformed',
      { sources: [{ cidr: '10.0.1.0/33' }] },
      ['`sources[0].cidr` "10.0.1.0/33" has a prefix longer than /32'],
    ],
    [
      'a prefix list id is malformed',
      { sources: [{ prefixListId: 'pl-xyz' }] },
      [
        '`sources[0].prefixListId` "pl-xyz" is not a managed prefix list id (pl- followed by 8 or 17 hex digits)',
      ],
    ],
    [
      'a security group source is malformed',
      { sources: [{ securityGroupId: 'default' }] },
      [
        '`sources[0].securityGroupId` "default" is not a security group id (sg- followed by 8 or 17 hex digits)',
      ],
    ],
    [
      'a source is listed twice',
      { sources: [{ cidr: '10.0.1.0/24' }, { cidr: '10.0.1.0/24' }] },
      ['`sources[1]` "10.0.1.0/24" is listed twice'],
    ],
    [
      'the security group id is malformed',
      { securityGroupId: 'sg-1' },
      ['`securityGroupId` "sg-1" is not a security group id (sg- followed by 8 or 17 hex digits)'],
    ],
    [
      'a port range is reversed',
      { ports: [{ fromPort: 9000, toPort: 8000 }] },
      ['`ports[0]` {"fromPort":9000,"toPort":8000} has `fromPort` greater than `toPort`'],
    ],
    [
      'a description has characters AWS refuses',
      { sources: [{ cidr: '10.0.1.0/24', description: "gateway tier's nodes" }] },
      [
        '`sources[0].description` "gateway tier\'s nodes" must be at most 200 characters of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (it becomes a security group rule description)',
      ],
    ],
    ['no port is given', { ports: [] }, ['`ports` is empty; list the TCP ports the sources may reach']],
    [
      'a security group source has no CIDR for the network ACL',
      { sources: [{ securityGroupId: 'sg-0fedcba9876543210' }] },
      [
        '`networkAclCidrs` is required: the network ACL of customer "acme" only takes CIDRs, and "sg-0fedcba9876543210" is not one; give the address ranges behind them',
      ],
    ],
    [
      'a network ACL CIDR admits any address',
      { sources: [{ prefixListId: 'pl-0123456789abcdef0' }], networkAclCidrs: ['0.0.0.0/0'] },
      [
        "`networkAclCidrs[0]` 0.0.0.0/0 admits any address; declare the sources' ranges, or give `allowAnyAddress` with a reason",
      ],
    ],
  ];
  test.each(bad)('fails when %s', (_case, props, problems) => {
    const error = validationErrorOf((scope) => {
      acmeAllowList(scope, props);
    });
    expect(error.problems).toEqual(problems);
    expect(error.constructPath).toBe('stack/AllowList');
  });
});
