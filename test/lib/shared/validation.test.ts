import { Construct } from 'constructs';
import {
  BackendResourceShare,
  BackendSecrets,
  CustomerBackendLink,
  CustomerSubnets,
  GatewayFunction,
  GatewayMonitoring,
  GatewayPlatform,
  InternalLoadBalancer,
  IpAllowList,
  PrivateLinkEndpoint,
  ResourceEndpoint,
  SiteToSiteVpn,
} from '../../../lib';
import { missingProps } from '../../../lib/shared/validation';
import { testStack, validationErrorOf } from '../../support/constructs';

type AnyConstruct = new (scope: Construct, id: string, props: never) => Construct;

describe('missing required props (JavaScript callers)', () => {
  test.each<[string, AnyConstruct, string[]]>([
    [
      'GatewayPlatform',
      GatewayPlatform,
      ['`name` is required', '`customerAddressPool` is required', '`availabilityZones` is required'],
    ],
    [
      'CustomerSubnets',
      CustomerSubnets,
      ['`platform` is required', '`customerName` is required', '`cidrBlock` is required'],
    ],
    ['IpAllowList', IpAllowList, ['`securityGroupId` is required', '`sources` is required']],
    [
      'SiteToSiteVpn',
      SiteToSiteVpn,
      ['`subnets` is required', '`customerGatewayIp` is required', '`onPremCidrs` is required'],
    ],
    [
      'InternalLoadBalancer',
      InternalLoadBalancer,
      ['`subnets` is required', '`certificateArn` is required', '`trustedSources` is required'],
    ],
    [
      'BackendSecrets',
      BackendSecrets,
      [
        '`customerName` is required',
        '`accountId` is required',
        '`readerRoleArn` is required',
        '`secrets` is required',
      ],
    ],
    [
      'GatewayFunction',
      GatewayFunction,
      [
        '`subnets` is required',
        '`accountId` is required',
        '`config` is required',
        '`secretArns` is required',
        '`backendCidrs` is required',
      ],
    ],
    [
      'CustomerBackendLink',
      CustomerBackendLink,
      [
        '`platform` is required',
        '`customerName` is required',
        '`accountId` is required',
        '`cidrBlock` is required',
        '`loadBalancer` is required',
        '`backend` is required',
        '`security` is required',
      ],
    ],
    ['GatewayMonitoring', GatewayMonitoring, ['`gateway` is required']],
    [
      'ResourceEndpoint',
      ResourceEndpoint,
      [
        '`platformName` is required',
        '`customerName` is required',
        '`vpcId` is required',
        '`subnetIds` is required',
        '`functionSecurityGroupId` is required',
        '`ports` is required',
        '`resourceConfigurationArn` is required',
      ],
    ],
    [
      'PrivateLinkEndpoint',
      PrivateLinkEndpoint,
      [
        '`platformName` is required',
        '`customerName` is required',
        '`vpcId` is required',
        '`subnetIds` is required',
        '`functionSecurityGroupId` is required',
        '`ports` is required',
        '`serviceName` is required',
      ],
    ],
    [
      'BackendResourceShare',
      BackendResourceShare,
      [
        '`name` is required',
        '`vpcId` is required',
        '`subnetIds` is required',
        '`backend` is required',
        '`backendCidrs` is required',
        '`platformAccountId` is required',
      ],
    ],
  ])(
    'fails when %s gets empty props, with a ValidationError naming each missing prop (not a TypeError)',
    (_name, Type, problems) => {
      const stack = testStack();
      // Nothing is thrown by the constructor: the synth reports the missing props with the app's other problems.
      let built: Construct | undefined;
      expect(() => (built = new Type(stack, 'It', {} as never))).not.toThrow();
      const error = validationErrorOf(() => built);
      expect(error.problems).toEqual(problems);
      expect(error.constructPath).toBe('test/It');
    },
  );

  test('GIVEN two constructs with missing props in one app THEN one synth reports both', () => {
    const stack = testStack();
    new CustomerSubnets(stack, 'Subnets', {} as never);
    const error = validationErrorOf(() => new IpAllowList(stack, 'Allow', {} as never));
    expect(error.message).toContain('test/Subnets');
    expect(error.message).toContain('`cidrBlock` is required');
    expect(error.message).toContain('test/Allow');
    expect(error.message).toContain('`sources` is required');
  });

  test('GIVEN a missing parent THEN it is reported once, and an optional parent that is absent not at all', () => {
    const names = ['backend', 'backend.url', 'vpn.onPremCidrs'];
    const messages = (props: unknown) => missingProps(props, names).map((p) => `\`${p.prop}\` ${p.message}`);
    expect(messages({})).toEqual(['`backend` is required']);
    expect(messages({ backend: {}, vpn: {} })).toEqual([
      '`backend.url` is required',
      '`vpn.onPremCidrs` is required',
    ]);
    expect(messages({ backend: { url: 'https://x' } })).toEqual([]);
    expect(missingProps(null, names)).toEqual([{ prop: '', message: 'props are required (`backend`)' }]);
  });
});
