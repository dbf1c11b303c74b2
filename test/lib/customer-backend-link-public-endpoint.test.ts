/**
 * CustomerBackendLink on the public DMZ path (`publicEndpoint`): per-zone routes of exactly the endpoint's
 * /32s to the NAT gateway of the zone, security group and network ACL open to exactly those addresses on
 * the URL's port, the name pinned in the runtime configuration, the handoff's public-path facts, shared
 * NAT gateways; header-only schemes refused over the internet unless a reason is stated.
 */
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  SecretSource,
} from '../../lib';
import { testStack, validationErrorOf } from '../support/constructs';

const BUNDLE = join(__dirname, 'runtime', 'fixtures', 'bundle');
const DMZ_ADDRESSES = ['85.214.20.40', '85.214.20.41'];

function platformIn(scope: Construct, publicEgress = true): GatewayPlatform {
  return new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
    ...(publicEgress ? { publicEgress: { subnetsCidrBlock: '10.40.1.0/27', ports: [443, 8443] } } : {}),
  });
}

const MTLS_DIGEST = BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }).withMutualTls({
  clientCertificate: SecretSource.fillAfterDeploy(),
});

function props(
  platform: GatewayPlatform,
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  return {
    platform,
    customerName: 'umbrella',
    accountId: '123456789012',
    cidrBlock: '10.40.131.0/24',
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    publicEndpoint: { addresses: DMZ_ADDRESSES },
    backend: { url: 'https://dmz.umbrella.example:8443/api' },
    security: MTLS_DIGEST,
    runtime: { runtimeBundleDirectory: BUNDLE },
    ...override,
  };
}

type Resource = Record<string, unknown>;
type Json = {
  resource: Record<string, Record<string, Resource>>;
  output: Record<string, { value: unknown }>;
};

describe('CustomerBackendLink with a public DMZ endpoint', () => {
  let link!: CustomerBackendLink;
  let platform!: GatewayPlatform;
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      platform = platformIn(scope);
      link = new CustomerBackendLink(scope, 'Umbrella', props(platform));
    }),
  ) as Json;
  const resources = (type: string) => Object.entries(json.resource[type] ?? {});
  const ownedBy = (prefix: string) => (entry: [string, Resource]) => entry[0].startsWith(prefix);

  test('GIVEN two zones THEN each customer subnet has its own route table', () => {
    const tables = resources('aws_route_table').filter(ownedBy('Umbrella_'));
    expect(tables.map(([id]) => id)).toEqual([
      expect.stringMatching(/^Umbrella_Subnets_eu-west-1a_RouteTable_/),
      expect.stringMatching(/^Umbrella_Subnets_eu-west-1b_RouteTable_/),
    ]);
    expect(link.subnets.routeTables).toHaveLength(2);
    expect(() => link.subnets.routeTable).toThrow(
      'the subnets of customer "umbrella" have one route table per zone (routeTablePerZone): use `routeTables` or `subnets[i].routeTable`',
    );
  });

  test("THEN the customer's route tables hold exactly the endpoint's /32s, each to the NAT gateway of its own zone", () => {
    const tableOf = (zone: string) =>
      `\${aws_route_table.${resources('aws_route_table').find(([id]) => id.startsWith(`Umbrella_Subnets_${zone}_RouteTable_`))![0]}.id}`;
    const natOf = (zone: string) =>
      `\${aws_nat_gateway.${resources('aws_nat_gateway').find(([id]) => id.includes(`_${zone}_`))![0]}.id}`;
    const customerRoutes = resources('aws_route')
      .filter(ownedBy('Umbrella_'))
      .map(([, r]) => [r.route_table_id, r.destination_cidr_block, r.nat_gateway_id]);

    expect(customerRoutes).toEqual(
      ['eu-west-1a', 'eu-west-1b'].flatMap((zone) =>
        DMZ_ADDRESSES.map((a) => [tableOf(zone), `${a}/32`, natOf(zone)]),
      ),
    );
    expect(link.publicEndpointRoutes).toHaveLength(4);
    // No other route anywhere targets a customer table: no 0.0.0.0/0 for the customer.
    const customerTables = new Set(['eu-west-1a', 'eu-west-1b'].map(tableOf));
    for (const [, route] of resources('aws_route').filter(([id]) => !id.startsWith('Umbrella_'))) {
      expect(customerTables.has(route.route_table_id as string)).toBe(false);
    }
  });

  test("THEN the function's security group reaches the internet only at the endpoint's addresses on the URL's port", () => {
    const egress = resources('aws_vpc_security_group_egress_rule')
      .filter(ownedBy('Umbrella_Gateway'))
      .map(
        ([, r]) =>
          `${r.ip_protocol} ${r.from_port}-${r.to_port} ${r.cidr_ipv4 ?? r.referenced_security_group_id}`,
      );

    expect(egress).toEqual([
      'tcp 8443-8443 85.214.20.40/32',
      'tcp 8443-8443 85.214.20.41/32',
      expect.stringMatching(
        /^tcp 443-443 \$\{aws_security_group\.Platform_Endpoints_SecurityGroup_[0-9A-F]+\.id\}$/,
      ),
    ]);
  });

  test("THEN the customer's network ACL admits, beyond the VPC, only the endpoint's port out and the replies in, from those addresses", () => {
    const rules = resources('aws_network_acl_rule')
      .filter(ownedBy('Umbrella_'))
      .map(
        ([, r]) =>
          `${r.egress ? 'out' : 'in'} ${r.protocol} ${r.from_port}-${r.to_port} ${r.cidr_block} ${r.rule_action}`,
      )
      .filter((text) => !/ 10\.40\.\d+\.\d+\/\d+ /.test(text));

    expect(rules.sort()).toEqual(
      [
        'out tcp 8443-8443 85.214.20.40/32 allow',
        'in tcp 1024-65535 85.214.20.40/32 allow',
        'out tcp 8443-8443 85.214.20.41/32 allow',
        'in tcp 1024-65535 85.214.20.41/32 allow',
      ].sort(),
    );
  });

  test("THEN the public subnets' network ACL is the platform's own (the pool on publicEgress.ports), untouched by umbrella: a customer joining or leaving changes no platform rule", () => {
    const rules = resources('aws_network_acl_rule')
      .filter(ownedBy('Platform_PublicEgress_'))
      .map(([, r]) => `${r.egress ? 'out' : 'in'} ${r.from_port}-${r.to_port} ${r.cidr_block}`);

    expect(rules.sort()).toEqual(
      [
        'in 443-443 10.40.128.0/17',
        'in 8443-8443 10.40.128.0/17',
        'out 443-443 0.0.0.0/0',
        'out 8443-8443 0.0.0.0/0',
        'in 1024-65535 0.0.0.0/0',
        'out 1024-65535 10.40.128.0/17',
      ].sort(),
    );
  });

  test("THEN the runtime configuration pins the endpoint's name to its addresses (no lookup over the internet)", () => {
    expect(link.runtimeConfig.backend).toMatchObject({
      url: 'https://dmz.umbrella.example:8443/api',
      dns: { pinned: { 'dmz.umbrella.example': DMZ_ADDRESSES } },
    });
  });

  test('THEN the handoff names the endpoint and the Elastic IPs of its zones, the only sources to allow', () => {
    expect(json.output.umbrella_handoff.value).toMatchObject({
      public_endpoint: {
        hostname: 'dmz.umbrella.example',
        port: 8443,
        addresses: DMZ_ADDRESSES,
        egress_ips: [
          '${aws_eip.Platform_PublicEgress_eu-west-1a_ElasticIp_27F2EF64.public_ip}',
          '${aws_eip.Platform_PublicEgress_eu-west-1b_ElasticIp_183FECD7.public_ip}',
        ],
        header_scheme: 'digest',
      },
    });
    expect(json.output.umbrella_handoff.value).not.toHaveProperty(
      'public_endpoint.header_only_scheme_reason',
    );
  });

  test('THEN no VPN is created for the customer', () => {
    expect(json.resource.aws_vpn_connection).toBeUndefined();
    expect(link.vpn).toBeUndefined();
    expect(platform.publicEgress?.natGateways).toHaveLength(2);
  });
});

test('GIVEN two customers on the public path THEN they share one set of NAT gateways', () => {
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      const platform = platformIn(scope);
      new CustomerBackendLink(scope, 'Umbrella', props(platform));
      new CustomerBackendLink(
        scope,
        'Hooli',
        props(platform, {
          customerName: 'hooli',
          cidrBlock: '10.40.132.0/24',
          publicEndpoint: { addresses: ['91.198.100.10'] },
          backend: { url: 'https://gw.hooli.example/' },
        }),
      );
    }),
  ) as Json;

  expect(Object.keys(json.resource.aws_nat_gateway)).toHaveLength(2);
  expect(Object.keys(json.resource.aws_eip)).toHaveLength(2);
  const hooliRoutes = Object.entries(json.resource.aws_route).filter(([id]) => id.startsWith('Hooli_'));
  expect(hooliRoutes.map(([, r]) => r.destination_cidr_block)).toEqual([
    '91.198.100.10/32',
    '91.198.100.10/32',
  ]);
});

test('GIVEN request signing over the internet THEN it is accepted without mutual TLS', () => {
  const stack = testStack();
  const link = new CustomerBackendLink(
    stack,
    'Umbrella',
    props(platformIn(stack), {
      security: BackendSecurity.requestSigning({ keyId: 'k1', key: SecretSource.fillAfterDeploy() }),
    }),
  );
  expect(link.runtimeConfig.security.type).toBe('signature');
});

test('GIVEN a header-only scheme with a stated reason THEN it is accepted and the reason is in the handoff', () => {
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      new CustomerBackendLink(
        scope,
        'Umbrella',
        props(platformIn(scope), {
          security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }),
          publicEndpoint: {
            addresses: DMZ_ADDRESSES,
            headerOnlySchemeReason: '  the DMZ proxy sits behind an IPsec tunnel of its own ',
          },
        }),
      );
    }),
  ) as Json;
  expect(json.output.umbrella_handoff.value).toMatchObject({
    public_endpoint: {
      header_scheme: 'basic',
      header_only_scheme_reason: 'the DMZ proxy sits behind an IPsec tunnel of its own',
    },
  });
});

describe('refusals', () => {
  test('prevents a header-only scheme over the internet: digest without mutual TLS is refused at synth', () => {
    const stack = testStack();
    const error = validationErrorOf(
      () =>
        new CustomerBackendLink(
          stack,
          'Umbrella',
          props(platformIn(stack), {
            security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }),
          }),
        ),
    );
    expect(error.problems).toEqual([
      '`security` "digest" without mutual TLS is a header-only scheme, refused over the internet (`publicEndpoint`): add `.withMutualTls(...)` or use `BackendSecurity.requestSigning`, or state `publicEndpoint.headerOnlySchemeReason`',
    ]);
    expect(error.constructPath).toBe('test/Umbrella');
  });

  test.each<[string, Partial<CustomerBackendLinkProps>, boolean, string[]]>([
    [
      'the platform has no public path',
      {},
      false,
      [
        '`publicEndpoint` needs the platform\'s public path: give platform "apicloud" `publicEgress` (NAT gateways with fixed Elastic IPs)',
      ],
    ],
    [
      'a VPN is given too',
      { vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] } },
      true,
      ['give either `vpn` (a private path) or `publicEndpoint` (a DMZ endpoint over the internet), not both'],
    ],
    [
      'the URL is plain http',
      {
        backend: { url: 'http://dmz.umbrella.example/api' },
        security: BackendSecurity.requestSigning({ keyId: 'k1', key: SecretSource.fillAfterDeploy() }),
      },
      true,
      [
        '`backend.url` "http://dmz.umbrella.example/api" must be https:// for a public endpoint: the link crosses the internet',
      ],
    ],
    [
      'the URL names an address',
      { backend: { url: 'https://85.214.20.40/api' } },
      true,
      [
        '`backend.url` "https://85.214.20.40/api" names an address; a public endpoint is called by its DNS name (TLS verifies it), and `publicEndpoint.addresses` pins that name',
      ],
    ],
    [
      'backend blocks, further destinations and DNS servers are given',
      {
        backend: {
          url: 'https://dmz.umbrella.example/api',
          cidrs: ['85.214.20.0/24'],
          additionalEgress: [{ cidr: '85.214.21.1/32', port: 443 }],
          dns: { servers: ['85.214.20.53'] },
        },
      },
      true,
      [
        '`backend.cidrs` is not used with `publicEndpoint`: the only destinations are `publicEndpoint.addresses`',
        '`backend.additionalEgress` is not supported with `publicEndpoint`: over the internet the function reaches `publicEndpoint.addresses` only',
        "`backend.dns.servers` and `backend.dns.pinned` are not used with `publicEndpoint`: the URL's host is pinned to `publicEndpoint.addresses` (no DNS lookup over the internet)",
      ],
    ],
    [
      'an address is private, one is listed twice, one is not an address',
      { publicEndpoint: { addresses: ['10.1.2.3', '85.214.20.40', '85.214.20.40', 'dmz.example'] } },
      true,
      [
        '`publicEndpoint.addresses[0]` "10.1.2.3" is in 10.0.0.0/8, which is not public; give the DMZ endpoint\'s fixed public address',
        '`publicEndpoint.addresses[2]` "85.214.20.40" is listed twice',
        '`publicEndpoint.addresses[3]` "dmz.example" is not an IPv4 address; give the DMZ endpoint\'s fixed public address',
      ],
    ],
    [
      'no address is given',
      { publicEndpoint: { addresses: [] } },
      true,
      ['`publicEndpoint.addresses` lists 0; give 1 to 8 public IPv4 addresses of the DMZ endpoint'],
    ],
    [
      'the stated reason is blank',
      {
        security: BackendSecurity.token({ token: SecretSource.fillAfterDeploy() }),
        publicEndpoint: { addresses: DMZ_ADDRESSES, headerOnlySchemeReason: ' ' },
      },
      true,
      [
        '`publicEndpoint.headerOnlySchemeReason` is empty; say why a header-only scheme is acceptable over the internet, or leave it out',
      ],
    ],
  ])('fails when %s', (_, override, publicEgress, problems) => {
    const stack = testStack();
    const error = validationErrorOf(
      () => new CustomerBackendLink(stack, 'Umbrella', props(platformIn(stack, publicEgress), override)),
    );
    expect(error.problems).toEqual(problems);
  });

  test('fails without touching the platform: a refused customer leaves no route behind', () => {
    const stack = testStack();
    const platform = platformIn(stack);
    validationErrorOf(
      () =>
        new CustomerBackendLink(stack, 'Umbrella', props(platform, { publicEndpoint: { addresses: [] } })),
    );
    expect(stack.node.findAll().filter((c) => c.node.path.includes('Umbrella/PublicEndpoint'))).toEqual([]);
    expect(platform.customers).toEqual([]);
  });

  test('fails when the endpoint listens on a port the public path does not pass, naming the platform prop', () => {
    const stack = testStack();
    const platform = new GatewayPlatform(stack, 'Platform2', {
      name: 'other',
      vpcProps: { cidrBlock: '10.50.0.0/16' },
      customerAddressPool: '10.50.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      publicEgress: { subnetsCidrBlock: '10.50.1.0/27' },
    });
    const error = validationErrorOf(
      () => new CustomerBackendLink(stack, 'Umbrella', props(platform, { cidrBlock: '10.50.131.0/24' })),
    );
    expect(error.problems).toEqual([
      '`backend.url` "https://dmz.umbrella.example:8443/api" is on port 8443, which platform "other"\'s public path does not pass (`publicEgress.ports` 443); add 8443 to the platform\'s `publicEgress.ports`, or ask the customer for an endpoint on 443',
    ]);
  });
});
