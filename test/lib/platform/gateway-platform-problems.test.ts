/**
 * A platform with problems: every problem of its props (its parts' props included) in one synth, nothing
 * built, and a register that neither checks nor records; the pure checks and register functions on their own.
 */
import { App, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { parseCidr } from '../../../lib/shared/cidr';
import { describeProblem, hasProblems } from '../../../lib/shared/problems';
import { ValidationError } from '../../../lib/shared/validation';
import { GatewayPlatform, GatewayPlatformProps } from '../../../lib/platform/gateway-platform';
import { checkGatewayPlatformProps } from '../../../lib/platform/gateway-platform-checks';
import { checkPlatformAttributes } from '../../../lib/platform/platform-attributes-checks';
import {
  registerCustomer,
  registerVpn,
  registeredCustomers,
  registeredVpns,
} from '../../../lib/platform/platform-register';
import { validationErrorOf } from '../../support/constructs';
import { platformProps } from '../network-fixtures';

const cidr = (text: string) => parseCidr(text)!;

function stackIn(app = Testing.app(), id = 'stack'): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  return stack;
}

/** Four mistakes in four props: the name, a quota, the public path's block and the transit gateway's subnets. */
const FOUR_MISTAKES: Partial<GatewayPlatformProps> = {
  name: 'Plat',
  quotas: { subnetsPerVpc: 0 },
  publicEgress: { subnetsCidrBlock: '10.0.200.0/27' },
  transitGateway: {},
};

const FOUR_PROBLEMS = [
  '`name` "Plat" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
  '`quotas.subnetsPerVpc` 0 must be a whole number ≥ 1',
  'give `transitGateway.attachmentSubnetsCidrBlock` (new /28 attachment subnets) or `transitGateway.existingAttachmentSubnetIds`',
  '`publicEgress.subnetsCidrBlock` 10.0.200.0/27 overlaps the customer address pool 10.0.128.0/17; take it from another part of the VPC',
];

describe('GatewayPlatform with problems', () => {
  test('GIVEN four mistakes across name, quotas, publicEgress and transitGateway WHEN synthesized THEN one ValidationError lists all four', () => {
    const stack = stackIn();
    const platform = new GatewayPlatform(stack, 'Platform', platformProps(FOUR_MISTAKES));

    const error = validationErrorOf(() => platform);

    expect(error.problems).toEqual(FOUR_PROBLEMS);
    expect(error.details.map((d) => [d.path, d.prop])).toEqual([
      ['stack/Platform', 'name'],
      ['stack/Platform', 'quotas.subnetsPerVpc'],
      ['stack/Platform', ''],
      ['stack/Platform', 'publicEgress.subnetsCidrBlock'],
    ]);
  });

  test('GIVEN the same mistakes plus bad interface endpoints and an alarm subscription THEN the parts’ problems come in the same synth', () => {
    const error = validationErrorOf(
      () =>
        new GatewayPlatform(
          stackIn(),
          'Platform',
          platformProps({
            ...FOUR_MISTAKES,
            interfaceEndpoints: { subnetsCidrBlock: '10.0.1.0/27', services: [] },
            alarmSubscriptions: [{ protocol: 'https', url: 'http://alarms.example.com' }],
          }),
        ),
    );

    expect(error.problems).toEqual([
      FOUR_PROBLEMS[0],
      FOUR_PROBLEMS[1],
      '`alarmSubscriptions[0]` "http://alarms.example.com" is not an https:// URL (plain HTTP is refused: alarm messages name the platform\'s resources)',
      ...FOUR_PROBLEMS.slice(2),
      '`interfaceEndpoints.services` is empty',
    ]);
  });

  test('GIVEN a platform with problems THEN it builds nothing, its register records nothing and its customers can tell', () => {
    const stack = stackIn();
    const platform = new GatewayPlatform(stack, 'Platform', platformProps(FOUR_MISTAKES));

    expect(hasProblems(platform)).toBe(true);
    expect(platform.node.children).toEqual([]);
    expect(
      registerCustomer(platform, {
        customerName: 'acme',
        constructPath: 'x',
        cidrBlock: cidr('10.0.128.0/24'),
      }),
    ).toEqual([]);
    expect(platform.customers).toEqual([]);
    expect(platform.vpnAttachments).toEqual([]);
    expect(() => platform.attributes).toThrow(
      'platform stack/Platform reported problems and built nothing, so it has no attributes',
    );
  });

  test('GIVEN a sound platform THEN hasProblems is false and its register is open', () => {
    const platform = new GatewayPlatform(stackIn(), 'Platform', platformProps());

    expect(hasProblems(platform)).toBe(false);
    expect(platform.node.children.length).toBeGreaterThan(0);
    expect(
      registerCustomer(platform, {
        customerName: 'acme',
        constructPath: 'x',
        cidrBlock: cidr('10.0.128.0/24'),
      }),
    ).toEqual([]);
    expect(platform.customers.map((c) => c.customerName)).toEqual(['acme']);
  });

  test('GIVEN two bad platforms in two stacks, one imported WHEN the app synthesizes THEN one error groups both by construct path', () => {
    const app = new App({ outdir: Testing.app().outdir });
    new GatewayPlatform(stackIn(app, 'one'), 'Platform', platformProps({ quotas: { subnetsPerVpc: 0 } }));
    GatewayPlatform.fromAttributes(stackIn(app, 'two'), 'Imported', {
      name: 'plat',
      vpcId: 'vpc-1',
      vpcCidrBlocks: ['10.0.0.0/16'],
      customerAddressPool: '10.0.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:plat-alarms',
    });

    let thrown: unknown;
    try {
      app.synth();
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).message).toBe(
      [
        '2 problems in 2 constructs:',
        'one/Platform:',
        '  - `quotas.subnetsPerVpc` 0 must be a whole number ≥ 1',
        'two/Imported:',
        '  - `vpcId` "vpc-1" is not a VPC id (vpc- followed by 8 or 17 hex digits)',
      ].join('\n'),
    );
  });
});

describe('checkGatewayPlatformProps (pure)', () => {
  test('GIVEN four mistakes THEN it returns the four problems with their props and values, without a construct', () => {
    const problems = checkGatewayPlatformProps(platformProps(FOUR_MISTAKES), { providerRegion: 'eu-west-1' });

    expect(problems).toEqual([
      {
        prop: 'name',
        message:
          '"Plat" must be 2-24 characters of lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
      },
      { prop: 'quotas.subnetsPerVpc', value: 0, message: 'must be a whole number ≥ 1' },
      {
        prop: '',
        message:
          'give `transitGateway.attachmentSubnetsCidrBlock` (new /28 attachment subnets) or `transitGateway.existingAttachmentSubnetIds`',
      },
      {
        prop: 'publicEgress.subnetsCidrBlock',
        message:
          '10.0.200.0/27 overlaps the customer address pool 10.0.128.0/17; take it from another part of the VPC',
      },
    ]);
  });

  test.each<[string, string | undefined, string[]]>([
    ['the provider is in another region', 'us-east-1', ['availabilityZones']],
    ['the provider region is not known', undefined, []],
    ['the provider is in the zones’ region', 'eu-west-1', []],
  ])('GIVEN %s THEN the zones are checked against it', (_case, providerRegion, props) => {
    expect(checkGatewayPlatformProps(platformProps(), { providerRegion }).map((p) => p.prop)).toEqual(props);
  });

  test('fails when props are missing (a JavaScript caller), naming only the missing ones', () => {
    expect(checkGatewayPlatformProps({ name: 'plat' } as GatewayPlatformProps)).toEqual([
      { prop: 'customerAddressPool', message: 'is required' },
      { prop: 'availabilityZones', message: 'is required' },
    ]);
    expect(checkGatewayPlatformProps(undefined as unknown as GatewayPlatformProps)).toEqual([
      { prop: '', message: 'props are required (`name`, `customerAddressPool`, `availabilityZones`)' },
    ]);
  });

  test('fails when attributes have several problems, every one named', () => {
    expect(
      checkPlatformAttributes({
        name: 'plat',
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlocks: ['10.0.0.0/8'],
        customerAddressPool: '10.0.128.0/17',
        availabilityZones: ['eu-west-1a'],
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:plat-alarms',
        quotas: { loadBalancersPerRegion: -1 },
      }).map((p) => p.prop),
    ).toEqual(['vpcCidrBlocks[0]', 'availabilityZones', 'quotas.loadBalancersPerRegion']);
  });
});

describe('platform register (internal functions)', () => {
  function platform(): GatewayPlatform {
    return new GatewayPlatform(stackIn(), 'Platform', platformProps());
  }

  test('GIVEN two customers WHEN the second overlaps the first THEN the problem names `cidrBlock` and nothing is recorded', () => {
    const p = platform();
    expect(
      registerCustomer(p, { customerName: 'acme', constructPath: 'a', cidrBlock: cidr('10.0.128.0/24') }),
    ).toEqual([]);

    const problems = registerCustomer(p, {
      customerName: 'globex',
      constructPath: 'g',
      cidrBlock: cidr('10.0.128.128/25'),
    });

    expect(problems).toEqual([
      {
        prop: 'cidrBlock',
        message:
          '10.0.128.128/25 of customer "globex" overlaps 10.0.128.0/24 of customer "acme"; give each customer its own block in 10.0.128.0/17',
      },
    ]);
    expect(registeredCustomers(p).map((c) => c.customerName)).toEqual(['acme']);
  });

  test('GIVEN a VPN whose on-prem range overlaps the VPC THEN the problem names `onPremCidrs` and reads as the sentence the VPN reports', () => {
    const p = platform();
    const registration = {
      customerName: 'acme',
      constructPath: 'v',
      attachment: 'vpn-gateway' as const,
      onPremCidrs: [cidr('10.0.0.0/8')],
      tunnelInsideCidrs: [],
    };

    const problems = registerVpn(p, registration);

    expect(problems.map((x) => x.prop)).toEqual(['onPremCidrs']);
    expect(problems.map(describeProblem)).toEqual([
      '`onPremCidrs` entry 10.0.0.0/8 of customer "acme" overlaps the VPC block 10.0.0.0/16 of platform "plat"; traffic to it would stay in the VPC. Ask the customer to expose the backends under a range outside 10.0.0.0/16 (e.g. with NAT on its side)',
    ]);
    expect(registeredVpns(p)).toEqual([]);
  });
});
