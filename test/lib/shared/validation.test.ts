import { Construct } from 'constructs';
import {
  BackendSecrets,
  CustomerBackendLink,
  CustomerSubnets,
  GatewayFunction,
  GatewayPlatform,
  InternalLoadBalancer,
  IpAllowList,
  SiteToSiteVpn,
} from '../../../lib';
import { requireProps } from '../../../lib/shared/validation';
import { testStack, validationErrorOf } from '../../support/constructs';

type AnyConstruct = new (scope: Construct, id: string, props: never) => Construct;

describe('requireProps (JavaScript callers)', () => {
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
  ])(
    'fails when %s gets empty props, with a ValidationError naming each missing prop (not a TypeError)',
    (_name, Type, problems) => {
      const stack = testStack();
      const error = validationErrorOf(() => new Type(stack, 'It', {} as never));
      expect(error.problems).toEqual(problems);
      expect(error.constructPath).toBe('test/It');
    },
  );

  test('GIVEN a missing parent THEN it is reported once, and an optional parent that is absent not at all', () => {
    const stack = testStack();
    const scope = new Construct(stack, 'Scope');
    const names = ['backend', 'backend.url', 'vpn.onPremCidrs'];
    expect(validationErrorOf(() => requireProps(scope, {}, names)).problems).toEqual([
      '`backend` is required',
    ]);
    expect(validationErrorOf(() => requireProps(scope, { backend: {}, vpn: {} }, names)).problems).toEqual([
      '`backend.url` is required',
      '`vpn.onPremCidrs` is required',
    ]);
    expect(() => requireProps(scope, { backend: { url: 'https://x' } }, names)).not.toThrow();
    expect(validationErrorOf(() => requireProps(scope, null, names)).problems).toEqual([
      'props are required (`backend`)',
    ]);
  });
});
