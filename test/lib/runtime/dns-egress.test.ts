/**
 * The network path to the customer's DNS servers: CustomerBackendLink's `backend.dns` (validated against
 * the link's ranges), the runtime configuration it writes, and the security-group and network ACL entries
 * GatewayFunction opens for UDP and TCP to exactly those servers.
 */
import { join } from 'node:path';
import { Testing, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayFunction,
  GatewayPlatform,
  SecretSource,
} from '../../../lib';
import { CustomerSubnets } from '../../../lib/network/customer-subnets';
import { synthJson, testStack, validationErrorOf } from '../../support/constructs';

const BUNDLE = join(__dirname, 'fixtures', 'bundle');

function platformIn(scope: Construct): GatewayPlatform {
  return new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
  });
}

function props(
  platform: GatewayPlatform,
  backend: Partial<CustomerBackendLinkProps['backend']> = {},
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  return {
    platform,
    customerName: 'acme',
    accountId: '123456789012',
    cidrBlock: '10.40.128.0/24',
    vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    backend: { url: 'https://orders.acme.internal:8443/api', ...backend },
    security: BackendSecurity.digest({ credentials: SecretSource.fillAfterDeploy() }),
    runtime: { runtimeBundleDirectory: BUNDLE },
    ...override,
  };
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const pick = (resources: Resources, type: string, keys: readonly string[]) =>
  Object.values(resources[type] ?? {})
    .map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('CustomerBackendLink with backend.dns', () => {
  let link!: CustomerBackendLink;
  const json = synthJson((scope) => {
    link = new CustomerBackendLink(
      scope,
      'Acme',
      props(platformIn(scope), { dns: { servers: ['172.20.0.53', '172.20.8.53:5353'] } }),
    );
  });

  test('GIVEN two servers (one on port 5353) THEN the function may send UDP and TCP to exactly them, on their ports', () => {
    const dnsRules = pick(json.resource, 'aws_vpc_security_group_egress_rule', [
      'ip_protocol',
      'from_port',
      'to_port',
      'cidr_ipv4',
    ]).filter((r) => r.ip_protocol === 'udp' || r.from_port === 53 || r.from_port === 5353);

    expect(dnsRules).toEqual([
      { ip_protocol: 'tcp', from_port: 53, to_port: 53, cidr_ipv4: '172.20.0.53/32' },
      { ip_protocol: 'tcp', from_port: 5353, to_port: 5353, cidr_ipv4: '172.20.8.53/32' },
      { ip_protocol: 'udp', from_port: 53, to_port: 53, cidr_ipv4: '172.20.0.53/32' },
      { ip_protocol: 'udp', from_port: 5353, to_port: 5353, cidr_ipv4: '172.20.8.53/32' },
    ]);
  });

  test('GIVEN two servers THEN the network ACL lets the queries out and the replies back in on the ephemeral ports, both protocols', () => {
    const dnsEntries = pick(json.resource, 'aws_network_acl_rule', [
      'egress',
      'protocol',
      'from_port',
      'to_port',
      'cidr_block',
    ]).filter((r) => String(r.cidr_block).endsWith('.53/32'));

    expect(dnsEntries).toEqual(
      [
        { egress: false, protocol: 'tcp', from_port: 1024, to_port: 65535, cidr_block: '172.20.0.53/32' },
        { egress: false, protocol: 'tcp', from_port: 1024, to_port: 65535, cidr_block: '172.20.8.53/32' },
        { egress: false, protocol: 'udp', from_port: 1024, to_port: 65535, cidr_block: '172.20.0.53/32' },
        { egress: false, protocol: 'udp', from_port: 1024, to_port: 65535, cidr_block: '172.20.8.53/32' },
        { egress: true, protocol: 'tcp', from_port: 53, to_port: 53, cidr_block: '172.20.0.53/32' },
        { egress: true, protocol: 'tcp', from_port: 5353, to_port: 5353, cidr_block: '172.20.8.53/32' },
        { egress: true, protocol: 'udp', from_port: 53, to_port: 53, cidr_block: '172.20.0.53/32' },
        { egress: true, protocol: 'udp', from_port: 5353, to_port: 5353, cidr_block: '172.20.8.53/32' },
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    // Every entry of the customer's ACL has its own rule number per direction.
    const numbers = Object.values(json.resource.aws_network_acl_rule).map(
      (r) => `${r.egress}:${r.rule_number}`,
    );
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  test('GIVEN backend.dns THEN the runtime configuration carries it, and the handoff names the servers', () => {
    expect(link.runtimeConfig.backend.dns).toEqual({ servers: ['172.20.0.53', '172.20.8.53:5353'] });
    const handoff = json.output?.acme_handoff?.value as { dns_servers?: string[] };
    expect(handoff.dns_servers).toEqual(['172.20.0.53', '172.20.8.53:5353']);
    expect(link.node.metadata.filter((m) => m.type === '@cdktf/warn')).toEqual([]);
  });

  test('GIVEN no backend.dns and a private name THEN a synth warning says the VPC resolver does not know it', () => {
    let plain!: CustomerBackendLink;
    Testing.synthScope((scope) => {
      plain = new CustomerBackendLink(scope, 'Acme', props(platformIn(scope)));
    });

    expect(plain.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data)).toEqual([
      "backend.url's host orders.acme.internal resolves through the VPC's resolver, which does not know the customer's private names (unless a Route 53 private hosted zone answers it): give `backend.dns` (the customer's DNS servers, or pinned addresses)",
    ]);
  });

  test('GIVEN a pinned address only THEN no DNS path is opened and the pin reaches the runtime', () => {
    let pinned!: CustomerBackendLink;
    const pinnedJson = synthJson((scope) => {
      pinned = new CustomerBackendLink(
        scope,
        'Acme',
        props(platformIn(scope), { dns: { pinned: { 'orders.acme.internal': ['172.20.1.10'] } } }),
      );
    });

    const udp = Object.values(pinnedJson.resource.aws_network_acl_rule).filter((r) => r.protocol === 'udp');
    expect(udp).toEqual([]);
    expect(pinned.runtimeConfig.backend.dns).toEqual({ pinned: { 'orders.acme.internal': ['172.20.1.10'] } });
  });

  test.each([
    [
      'a server is outside the on-premises ranges the VPN carries',
      { dns: { servers: ['10.9.0.53'] } },
      {},
      "`backend.dns.servers[0]` 10.9.0.53 is not inside `vpn.onPremCidrs` (172.20.0.0/16): the gateway reaches the customer's DNS servers over the customer's own link only",
    ],
    [
      'without a VPN, a server is outside backend.cidrs',
      { cidrs: ['10.60.0.0/16'], dns: { servers: ['10.61.0.53'] } },
      { vpn: undefined },
      "`backend.dns.servers[0]` 10.61.0.53 is not inside `backend.cidrs` (10.60.0.0/16): the gateway reaches the customer's DNS servers over the customer's own link only",
    ],
    [
      'a pinned address is outside every range the function may connect to',
      { dns: { pinned: { 'orders.acme.internal': ['192.0.2.10'] } } },
      {},
      '`backend.dns.pinned["orders.acme.internal"][0]` 192.0.2.10 is not inside `vpn.onPremCidrs` or `backend.additionalEgress` (172.20.0.0/16): the function could not connect to it',
    ],
    [
      'a server is not an address (the runtime validator names the field)',
      { dns: { servers: ['dns.acme.internal'] } },
      {},
      'runtime configuration `backend.dns.servers[0]`: "dns.acme.internal" is not a DNS server address: an IPv4 or IPv6 address, optionally with a port ("172.20.0.53:5353", "[fd00::53]:5353")',
    ],
  ] as Array<
    [string, Partial<CustomerBackendLinkProps['backend']>, Partial<CustomerBackendLinkProps>, string]
  >)('fails when %s', (_, backend, override, problem) => {
    const error = validationErrorOf(
      () => new CustomerBackendLink(testStack(), 'Acme', props(platformIn(testStack()), backend, override)),
    );

    expect(error.problems).toEqual([problem]);
  });

  test('GIVEN a pinned address for the token endpoint inside additionalEgress THEN it is accepted', () => {
    const stack = testStack();
    const built = new CustomerBackendLink(
      stack,
      'Acme',
      props(platformIn(stack), {
        // The backend lives in one /24 of the VPN's ranges; the token endpoint elsewhere in them.
        cidrs: ['172.20.1.0/24'],
        additionalEgress: [{ cidr: '172.20.9.10/32', port: 443 }],
        dns: { servers: ['172.20.0.53'], pinned: { 'login.acme.internal': ['172.20.9.10'] } },
      }),
    );

    expect(built.runtimeConfig.backend.dns?.pinned).toEqual({ 'login.acme.internal': ['172.20.9.10'] });
  });
});

describe('GatewayFunction with DNS servers in its configuration', () => {
  test('fails when a server is an unresolved token: the rules need the literal address', () => {
    const stack = testStack();
    const platform = platformIn(stack);
    const subnets = new CustomerSubnets(stack, 'Subnets', {
      platform,
      customerName: 'acme',
      cidrBlock: '10.40.128.0/24',
    });
    const server = Token.asString({ Ref: 'dns' });

    const error = validationErrorOf(
      () =>
        new GatewayFunction(stack, 'Gateway', {
          subnets,
          accountId: '123456789012',
          config: {
            version: 1,
            name: 'acme',
            backend: { url: 'https://orders.acme.internal', dns: { servers: [server] } },
            security: { type: 'none' },
          },
          secretArns: [],
          backendCidrs: ['172.20.0.0/16'],
          runtimeBundleDirectory: BUNDLE,
        }),
    );

    expect(error.problems).toEqual([
      `\`config.backend.dns.servers[0]\` ${JSON.stringify(server)} must be a literal address: the security group and network ACL are opened to exactly these servers`,
    ]);
  });
});
