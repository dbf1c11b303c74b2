/**
 * CustomerBackendLink on a private-endpoint path (`resourceEndpoint`: a VPC Lattice resource endpoint;
 * `privateLinkEndpoint`: an interface endpoint to the customer's endpoint service): the endpoint in the
 * customer's subnets, its security group admitting only the customer's function, no route and no CIDR egress,
 * the runtime pointed at the endpoint (`backend.connectTo`) with the backend's own URL kept (Host, SNI), the
 * refusals at synth, and a real offline `terraform plan` checked for the isolation invariants.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Construct } from 'constructs';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  SecretSource,
} from '../../lib';
import { PlanJson, planOffline } from '../../lib/terraform/harness';
import { testStack, validationErrorOf } from '../support/constructs';
import { privateEndpointViolations, routeViolations } from '../support/private-endpoint-invariants';

jest.setTimeout(300_000);

const BUNDLE = join(__dirname, 'runtime', 'fixtures', 'bundle');
const RCFG = 'arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718';
const SHARE = 'arn:aws:ram:eu-west-1:210987654321:resource-share/6f1c1a52-0d1e-4f6a-8b4e-2b8a3c9d0e1f';
const SERVICE = 'com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718';

function platformIn(scope: Construct, zones = ['eu-west-1a', 'eu-west-1b']): GatewayPlatform {
  return new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: zones,
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
  });
}

function props(
  platform: GatewayPlatform,
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  return {
    platform,
    customerName: 'initech',
    accountId: '123456789012',
    cidrBlock: '10.40.132.0/24',
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    resourceEndpoint: { resourceConfigurationArn: RCFG, resourceShareArn: SHARE },
    backend: { url: 'https://orders.initech.internal:8443/api' },
    security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }),
    runtime: { runtimeBundleDirectory: BUNDLE },
    ...override,
  };
}

type Resource = Record<string, unknown>;
type Json = {
  resource: Record<string, Record<string, Resource>>;
  output: Record<string, { value: unknown }>;
};

describe('CustomerBackendLink with a resource endpoint (synth)', () => {
  let link!: CustomerBackendLink;
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      link = new CustomerBackendLink(scope, 'Initech', props(platformIn(scope)));
    }),
  ) as Json;
  const resources = (type: string) => Object.entries(json.resource[type] ?? {});
  const ref = (type: string, prefix: string) => {
    const found = resources(type).filter(([id]) => id.startsWith(prefix));
    expect(found).toHaveLength(1);
    return `\${${type}.${found[0][0]}.id}`;
  };

  test("THEN a Resource endpoint to the shared configuration in the customer's subnets, after the share is accepted", () => {
    const endpoints = resources('aws_vpc_endpoint').filter(([id]) => id.startsWith('Initech_'));
    expect(endpoints).toHaveLength(1);
    const subnets = resources('aws_subnet')
      .filter(([id]) => id.startsWith('Initech_Subnets'))
      .map(([id]) => `\${aws_subnet.${id}.id}`);
    expect(subnets).toHaveLength(2);
    expect(endpoints[0][1]).toMatchObject({
      vpc_endpoint_type: 'Resource',
      resource_configuration_arn: RCFG,
      subnet_ids: subnets,
      security_group_ids: [ref('aws_security_group', 'Initech_ResourceEndpoint_SecurityGroup')],
      private_dns_enabled: false,
      depends_on: [expect.stringMatching(/^aws_ram_resource_share_accepter\.Initech_ResourceEndpoint_/)],
    });
    expect(link.resourceEndpoint?.endpoint).toBeDefined();
    expect(link.privateLinkEndpoint).toBeUndefined();
  });

  test("THEN the endpoint's group admits only the function's group, on the URL's port, and opens no egress", () => {
    const endpointSg = ref('aws_security_group', 'Initech_ResourceEndpoint_SecurityGroup');
    const functionSg = ref('aws_security_group', 'Initech_Gateway_SecurityGroup');
    const rulesOn = (type: string, sg: string) =>
      resources(type)
        .map(([, r]) => r)
        .filter((r) => r.security_group_id === sg)
        .map(
          (r) =>
            `${r.ip_protocol} ${r.from_port}-${r.to_port} ${r.cidr_ipv4 ?? r.referenced_security_group_id}`,
        );
    expect(rulesOn('aws_vpc_security_group_ingress_rule', endpointSg)).toEqual([
      `tcp 8443-8443 ${functionSg}`,
    ]);
    expect(rulesOn('aws_vpc_security_group_egress_rule', endpointSg)).toEqual([]);
    // The function reaches the endpoint's group and Secrets Manager's endpoints: no CIDR towards a backend.
    expect(rulesOn('aws_vpc_security_group_egress_rule', functionSg).sort()).toEqual(
      [
        `tcp 8443-8443 ${endpointSg}`,
        `tcp 443-443 ${ref('aws_security_group', 'Platform_Endpoints_SecurityGroup')}`,
      ].sort(),
    );
  });

  test("THEN no route for the customer, and the network ACL passes the endpoint's port within the customer's block only", () => {
    expect(resources('aws_route').filter(([id]) => id.startsWith('Initech_'))).toEqual([]);
    const acl = resources('aws_network_acl_rule')
      .filter(([id]) => id.startsWith('Initech_EndpointNetworkAcl'))
      .map(([, r]) => `${r.egress ? 'out' : 'in'} ${r.protocol} ${r.from_port}-${r.to_port} ${r.cidr_block}`)
      .sort();
    expect(acl).toEqual(
      [
        'out tcp 8443-8443 10.40.132.0/24',
        'in tcp 8443-8443 10.40.132.0/24',
        'out tcp 1024-65535 10.40.132.0/24',
        'in tcp 1024-65535 10.40.132.0/24',
      ].sort(),
    );
    expect(
      resources('aws_network_acl_rule').filter(([id]) => id.startsWith('Initech_BackendNetworkAcl')),
    ).toEqual([]);
  });

  test("THEN the runtime connects to the endpoint's name on the URL's port and keeps the backend's URL (Host, SNI)", () => {
    expect(link.runtimeConfig.backend.url).toBe('https://orders.initech.internal:8443/api');
    expect(link.runtimeConfig.backend.tls?.servername).toBeUndefined();
    expect(link.runtimeConfig.backend.dns).toBeUndefined();
    const [fn] = resources('aws_lambda_function').filter(([id]) => id.startsWith('Initech_'));
    const environment = JSON.stringify(fn[1].environment);
    expect(environment).toMatch(
      /\\"connectTo\\":\\"\$\{aws_vpc_endpoint\.Initech_ResourceEndpoint_[0-9A-F]{8}\.dns_entry\[0\]\.dns_name\}:8443\\"/,
    );
  });
});

describe('CustomerBackendLink with a PrivateLink endpoint (synth)', () => {
  test("GIVEN the customer's endpoint service and two ports THEN an Interface endpoint admitting the function on both", () => {
    let link!: CustomerBackendLink;
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        link = new CustomerBackendLink(
          scope,
          'Initech',
          props(platformIn(scope), {
            resourceEndpoint: undefined,
            privateLinkEndpoint: { serviceName: SERVICE, ports: [8443, 9443] },
          }),
        );
      }),
    ) as Json;
    const [endpoint, ...others] = Object.entries(json.resource.aws_vpc_endpoint).filter(([id]) =>
      id.startsWith('Initech_'),
    );
    expect(others).toEqual([]);
    expect(endpoint[1]).toMatchObject({
      vpc_endpoint_type: 'Interface',
      service_name: SERVICE,
      private_dns_enabled: false,
    });
    const ingress = Object.entries(json.resource.aws_vpc_security_group_ingress_rule)
      .filter(([id]) => id.startsWith('Initech_PrivateLinkEndpoint'))
      .map(([, r]) => r.from_port);
    expect(ingress.sort()).toEqual([8443, 9443]);
    expect(json.resource.aws_ram_resource_share_accepter).toBeUndefined();
    expect(link.privateLinkEndpoint?.endpoint).toBeDefined();
    expect(JSON.stringify(json.resource.aws_lambda_function)).toContain(
      'aws_vpc_endpoint.Initech_PrivateLinkEndpoint_',
    );
  });
});

describe('CustomerBackendLink on a private-endpoint path: refused at synth', () => {
  test.each<[string, Partial<CustomerBackendLinkProps>, string[]]>([
    [
      'two connectivity modes',
      {
        vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
      },
      [
        '`resourceEndpoint` is given together with `vpn`; a customer connects one way (`vpn`, `publicEndpoint`, `resourceEndpoint`, `privateLinkEndpoint`): give one',
      ],
    ],
    [
      'DNS servers given anyway',
      { backend: { url: 'https://orders.initech.internal:8443/api', dns: { servers: ['172.20.0.53'] } } },
      [
        "`backend.dns.servers` [\"172.20.0.53\"] are not needed with `resourceEndpoint`: the runtime connects to the endpoint's AWS-provided name (resolved by the VPC's resolver) and TLS verifies the backend's own name; the customer's DNS servers are not reachable on this path, remove them",
      ],
    ],
    [
      'backend CIDRs given',
      { backend: { url: 'https://orders.initech.internal:8443/api', cidrs: ['172.20.0.0/16'] } },
      [
        '`backend.cidrs` ["172.20.0.0/16"] are not used with `resourceEndpoint`: nothing is routed to the customer\'s networks, the function reaches only the endpoint\'s security group; remove them',
      ],
    ],
    [
      'a resource configuration of another region',
      { resourceEndpoint: { resourceConfigurationArn: RCFG.replace('eu-west-1', 'us-east-1') } },
      [
        '`resourceEndpoint.resourceConfigurationArn` "arn:aws:vpc-lattice:us-east-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718" is in region us-east-1, the stack in eu-west-1: a resource configuration is reached only from endpoints in its own region; create it in eu-west-1, or put this customer on a platform in us-east-1',
      ],
    ],
    [
      'a resource configuration of another partition',
      { resourceEndpoint: { resourceConfigurationArn: RCFG.replace('arn:aws:', 'arn:aws-cn:') } },
      [
        '`resourceEndpoint.resourceConfigurationArn` "arn:aws-cn:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718" is in partition aws-cn, the stack in aws: a resource configuration can not be shared across partitions',
      ],
    ],
    [
      'a plain-HTTP backend',
      { backend: { url: 'http://orders.initech.internal:8080/api' } },
      [
        '`backend.url` "http://orders.initech.internal:8080/api" must be an https:// URL on a private endpoint: the runtime connects to the endpoint\'s AWS name and TLS verifies the backend\'s own name (`servername`), which plain HTTP can not',
      ],
    ],
    [
      "ports without the URL's",
      { resourceEndpoint: { resourceConfigurationArn: RCFG, ports: [443] } },
      [
        '`resourceEndpoint.ports` [443] does not include 8443, the port of `backend.url` the runtime connects to; add it, or leave `ports` out',
      ],
    ],
    [
      'an endpoint service of another region',
      {
        resourceEndpoint: undefined,
        privateLinkEndpoint: { serviceName: SERVICE.replace('eu-west-1', 'eu-central-1') },
      },
      [
        '`privateLinkEndpoint.serviceName` "com.amazonaws.vpce.eu-central-1.vpce-svc-0a1b2c3d4e5f60718" is in region eu-central-1, the stack in eu-west-1: an interface endpoint reaches endpoint services of its own region; ask the customer for a service in eu-west-1',
      ],
    ],
  ])('fails with %s', (_case, override, problems) => {
    const stack = testStack();
    const error = validationErrorOf(
      () => new CustomerBackendLink(stack, 'Initech', props(platformIn(stack), override)),
    );
    expect(error.problems).toEqual(problems);
  });
});

describe('CustomerBackendLink on both private-endpoint paths, planned offline by terraform', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'link-private-endpoints-'));
  let plan: PlanJson;

  beforeAll(async () => {
    const app = new App({ outdir: workdir });
    const stack = new TerraformStack(app, 'links');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const platform = platformIn(stack);
    new CustomerBackendLink(stack, 'Initech', props(platform));
    new CustomerBackendLink(
      stack,
      'Hooli',
      props(platform, {
        customerName: 'hooli',
        cidrBlock: '10.40.133.0/24',
        resourceEndpoint: undefined,
        privateLinkEndpoint: { serviceName: SERVICE },
        backend: { url: 'https://api.hooli.example/v1' },
      }),
    );
    app.synth();
    plan = (await planOffline(join(workdir, 'stacks', 'links'))).plan;
  });
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  type Change = { address: string; type: string; change: { after?: Record<string, unknown> } };
  const changes = () => (plan.resource_changes ?? []) as Change[];

  test('THEN both endpoints are planned, of the right type, without private DNS', () => {
    const endpoints = changes()
      .filter((c) => c.type === 'aws_vpc_endpoint' && /^aws_vpc_endpoint\.(Initech|Hooli)_/.test(c.address))
      .map((c) => [c.change.after?.vpc_endpoint_type, c.change.after?.private_dns_enabled]);
    expect(endpoints.sort()).toEqual([
      ['Interface', false],
      ['Resource', false],
    ]);
  });

  test("THEN each endpoint's group admits only its customer's function, and no egress", () => {
    expect(privateEndpointViolations(plan)).toEqual([]);
  });

  test('THEN no route of either customer', () => {
    expect(routeViolations(plan).filter((v) => /^aws_\w+\.(Initech|Hooli)_/.test(v))).toEqual([]);
  });
});
