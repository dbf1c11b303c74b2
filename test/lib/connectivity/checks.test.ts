import {
  checkBackendPorts,
  checkConnectivityChoice,
  checkEndpointBackendUrl,
  checkEndpointServiceName,
  checkResourceConfigurationArn,
  checkResourceShareArn,
  checkResourceTarget,
  checkSubnetIds,
  endpointRuntimeBackend,
} from '../../../lib/connectivity/checks';
import { describeProblem } from '../../../lib/shared/validation';

const EU = { region: 'eu-west-1', partition: 'aws' };
const RCFG = 'arn:aws:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718';
const SHARE = 'arn:aws:ram:eu-west-1:210987654321:resource-share/6f1c1a52-0d1e-4f6a-8b4e-2b8a3c9d0e1f';
const sentences = (problems: ReturnType<typeof checkBackendPorts>) => problems.map((p) => describeProblem(p));

describe('checkResourceConfigurationArn', () => {
  it('GIVEN an ARN of the stack partition and region THEN no problem', () => {
    expect(checkResourceConfigurationArn('resourceConfigurationArn', RCFG, EU)).toEqual([]);
  });

  it('GIVEN an unresolvable stack region THEN only the shape is checked', () => {
    expect(checkResourceConfigurationArn('arn', RCFG.replace('eu-west-1', 'us-east-1'), {})).toEqual([]);
  });

  test.each([
    [
      'another region',
      RCFG.replace('eu-west-1', 'us-east-1'),
      '`resourceConfigurationArn` "arn:aws:vpc-lattice:us-east-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718" is in region us-east-1, the stack in eu-west-1: a resource configuration is reached only from endpoints in its own region; create it in eu-west-1, or put this customer on a platform in us-east-1',
    ],
    [
      'another partition',
      RCFG.replace('arn:aws:', 'arn:aws-cn:'),
      '`resourceConfigurationArn` "arn:aws-cn:vpc-lattice:eu-west-1:210987654321:resourceconfiguration/rcfg-0a1b2c3d4e5f60718" is in partition aws-cn, the stack in aws: a resource configuration can not be shared across partitions',
    ],
    [
      'a service network ARN',
      'arn:aws:vpc-lattice:eu-west-1:210987654321:servicenetwork/sn-0a1b2c3d4e5f60718',
      '`resourceConfigurationArn` "arn:aws:vpc-lattice:eu-west-1:210987654321:servicenetwork/sn-0a1b2c3d4e5f60718" is not the ARN of a VPC Lattice resource configuration (arn:<partition>:vpc-lattice:<region>:<account>:resourceconfiguration/rcfg-<id>)',
    ],
  ])('fails when the ARN is %s', (_what, arn, message) => {
    expect(sentences(checkResourceConfigurationArn('resourceConfigurationArn', arn, EU))).toEqual([message]);
  });
});

describe('checkResourceShareArn', () => {
  it('GIVEN no share THEN no problem (no invitation to accept)', () => {
    expect(checkResourceShareArn('resourceShareArn', undefined, EU)).toEqual([]);
    expect(checkResourceShareArn('resourceShareArn', SHARE, EU)).toEqual([]);
  });

  it('fails when the share is in another region or is not a RAM share ARN', () => {
    expect(
      sentences(checkResourceShareArn('resourceShareArn', SHARE.replace('eu-west-1', 'eu-central-1'), EU)),
    ).toEqual([
      `\`resourceShareArn\` "${SHARE.replace('eu-west-1', 'eu-central-1')}" is in region eu-central-1, the stack in eu-west-1: a resource share is reached only from endpoints in its own region; create it in eu-west-1, or put this customer on a platform in eu-central-1`,
    ]);
    expect(sentences(checkResourceShareArn('resourceShareArn', RCFG, EU))).toEqual([
      `\`resourceShareArn\` "${RCFG}" is not the ARN of an AWS RAM resource share (arn:<partition>:ram:<region>:<account>:resource-share/<uuid>)`,
    ]);
  });
});

describe('checkEndpointServiceName', () => {
  it("GIVEN a customer's endpoint service in the stack's region THEN no problem", () => {
    expect(
      checkEndpointServiceName('serviceName', 'com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718', EU),
    ).toEqual([]);
    expect(
      checkEndpointServiceName('serviceName', 'cn.com.amazonaws.vpce.cn-north-1.vpce-svc-0a1b2c3d4e5f60718', {
        region: 'cn-north-1',
      }),
    ).toEqual([]);
  });

  test.each([
    [
      'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f60718',
      '`serviceName` "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f60718" is in region us-east-1, the stack in eu-west-1: an interface endpoint reaches endpoint services of its own region; ask the customer for a service in eu-west-1',
    ],
    [
      'com.amazonaws.eu-west-1.secretsmanager',
      "`serviceName` \"com.amazonaws.eu-west-1.secretsmanager\" is not the name of a customer's endpoint service (com.amazonaws.vpce.<region>.vpce-svc-<id>, as the customer's `aws ec2 describe-vpc-endpoint-service-configurations` shows it); AWS services' own names (com.amazonaws.<region>.<service>) are not a customer's backend",
    ],
    [
      'cn.com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718',
      '`serviceName` "cn.com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718" starts with "cn.", which only endpoint services in the China regions do (eu-west-1 is not one)',
    ],
  ])('fails for %s', (name, message) => {
    expect(sentences(checkEndpointServiceName('serviceName', name, EU))).toEqual([message]);
  });
});

describe('checkBackendPorts and checkSubnetIds', () => {
  test.each([
    [[], "`ports` [] must list the backend's TCP port(s), at least one"],
    [[0], '`ports[0]` 0 is not a port (an integer from 1 to 65535) or a range of ports'],
    [
      [443, { fromPort: 400, toPort: 500 }],
      '`ports[1]` {"fromPort":400,"toPort":500} overlaps `ports[0]` 443; list each port once',
    ],
  ])('fails for ports %j', (ports, message) => {
    expect(sentences(checkBackendPorts('ports', ports))).toEqual([message]);
  });

  it('fails with one subnet, a bad id, or a duplicate', () => {
    expect(sentences(checkSubnetIds('subnetIds', ['subnet-0a1b2c3d4e5f60718'], 2))).toEqual([
      '`subnetIds` ["subnet-0a1b2c3d4e5f60718"] lists 1 subnet(s); give at least 2, one per availability zone, so the path survives the loss of a zone',
    ]);
    expect(sentences(checkSubnetIds('subnetIds', ['subnet-0a1b2c3d', 'sn-1', 'subnet-0a1b2c3d'], 2))).toEqual(
      [
        '`subnetIds[1]` "sn-1" is not a subnet id (subnet-0123456789abcdef0)',
        '`subnetIds[2]` "subnet-0a1b2c3d" is listed twice',
      ],
    );
  });
});

describe('the backend URL on a private endpoint', () => {
  it('GIVEN https with a DNS name THEN the runtime connects to the endpoint name and keeps the backend URL (Host, SNI)', () => {
    expect(checkEndpointBackendUrl('backend.url', 'https://orders.acme.internal:8443/api?x=1')).toEqual([]);
    expect(
      endpointRuntimeBackend(
        'https://orders.acme.internal:8443/api?x=1',
        'vpce-1.rcfg-2.vpc-lattice-rsc.eu-west-1.on.aws',
      ),
    ).toEqual({
      url: 'https://orders.acme.internal:8443/api?x=1',
      connectTo: 'vpce-1.rcfg-2.vpc-lattice-rsc.eu-west-1.on.aws:8443',
    });
    expect(endpointRuntimeBackend('https://orders.acme.internal', '${TfToken[TOKEN.1]}')).toEqual({
      url: 'https://orders.acme.internal',
      connectTo: '${TfToken[TOKEN.1]}:443',
    });
  });

  test.each([
    ['http://orders.acme.internal/api', 'must be an https:// URL'],
    ['https://10.1.2.3/api', 'must name the backend by its DNS name'],
  ])('fails for %s', (url, start) => {
    const [problem] = checkEndpointBackendUrl('backend.url', url);
    expect(describeProblem(problem)).toMatch(
      new RegExp(`^\`backend\\.url\` "${url.replace(/[.?/]/g, '\\$&')}" ${start}`),
    );
  });
});

describe('checkConnectivityChoice', () => {
  it('GIVEN one mode THEN no problem', () => {
    expect(checkConnectivityChoice({ resourceEndpoint: {} })).toEqual([]);
    expect(
      checkConnectivityChoice({ vpn: {}, dnsServers: ['10.9.0.2'], backendCidrs: ['10.9.0.0/24'] }),
    ).toEqual([]);
  });

  it('fails when two modes are given', () => {
    expect(sentences(checkConnectivityChoice({ vpn: {}, resourceEndpoint: {} }))).toEqual([
      '`resourceEndpoint` is given together with `vpn`; a customer connects one way (`vpn`, `publicEndpoint`, `resourceEndpoint`, `privateLinkEndpoint`): give one',
    ]);
  });

  it('fails when DNS servers or backend CIDRs are given on an endpoint path', () => {
    expect(
      sentences(
        checkConnectivityChoice({
          privateLinkEndpoint: {},
          dnsServers: ['10.9.0.2'],
          backendCidrs: ['10.9.0.0/24'],
        }),
      ),
    ).toEqual([
      "`backend.dns.servers` [\"10.9.0.2\"] are not needed with `privateLinkEndpoint`: the runtime connects to the endpoint's AWS-provided name (resolved by the VPC's resolver) and TLS verifies the backend's own name; the customer's DNS servers are not reachable on this path, remove them",
      '`backend.cidrs` ["10.9.0.0/24"] are not used with `privateLinkEndpoint`: nothing is routed to the customer\'s networks, the function reaches only the endpoint\'s security group; remove them',
    ]);
  });
});

describe('checkResourceTarget', () => {
  test.each([
    [
      {},
      ['10.9.0.0/24'],
      '`backend` needs exactly one of `domainName` and `ipAddress` (the backend as the resource gateway reaches it)',
    ],
    [
      { domainName: 'a.example', ipAddress: '10.9.0.5' },
      ['10.9.0.0/24'],
      '`backend` needs exactly one of `domainName` and `ipAddress` (the backend as the resource gateway reaches it)',
    ],
    [
      { domainName: '10.9.0.5' },
      ['10.9.0.0/24'],
      '`backend.domainName` "10.9.0.5" is an address; give it as `ipAddress`',
    ],
    [{ domainName: 'orders_acme' }, ['10.9.0.0/24'], '`backend.domainName` "orders_acme" is not a DNS name'],
    [
      { ipAddress: '10.8.0.5' },
      ['10.9.0.0/24'],
      '`backend.ipAddress` "10.8.0.5" is outside `backendCidrs` (10.9.0.0/24), the only ranges the resource gateway\'s security group lets it reach',
    ],
  ])('fails for %j in %j', (target, cidrs, message) => {
    expect(sentences(checkResourceTarget('backend', target, cidrs))).toEqual([message]);
  });

  it('GIVEN a DNS name or an address inside the blocks THEN no problem', () => {
    expect(checkResourceTarget('backend', { domainName: 'orders.acme.internal' }, ['10.9.0.0/24'])).toEqual(
      [],
    );
    expect(checkResourceTarget('backend', { ipAddress: '10.9.0.5' }, ['10.9.0.0/24'])).toEqual([]);
  });
});
