import { Testing } from 'cdktf';
import { describeProblem, hasProblems, reportProblems, within } from '../../../lib/shared/problems';
import { ValidationError } from '../../../lib/shared/validation';
import { SiteToSiteVpn, SiteToSiteVpnProps } from '../../../lib/vpn/site-to-site-vpn';
import { checkSiteToSiteVpnOptions, checkSiteToSiteVpnProps } from '../../../lib/vpn/site-to-site-vpn-checks';
import { registerSiteToSiteVpn } from '../../../lib/vpn/vpn-register';
import { registeredVpns } from '../../../lib/platform/platform-register';
import { newCustomer, newPlatform, validationErrorOf } from '../network-fixtures';

/** A VPN with six mistakes in six props, each a different rule. */
const SIX_MISTAKES = {
  customerGatewayIp: '192.168.1.1',
  onPremCidrs: ['172.20.1.0/16'],
  routing: 'bgp',
  bgpAsn: 7224,
  logRetentionDays: 10,
  tunnel1: { phase1EncryptionAlgorithms: ['AES128'], insideCidr: '169.254.0.0/29' },
  presharedKeyReaderArns: ['arn:aws:iam::123456789012:root'],
} as const;

const SIX_PROBLEMS = [
  '`customerGatewayIp` "192.168.1.1" is in 192.168.0.0/16, which is not public; give the static public address of the customer\'s VPN device',
  '`presharedKeyReaderArns[0]` "arn:aws:iam::123456789012:root" is the account root, which would admit every principal of the account; name the IAM role (or user)',
  '`onPremCidrs[0]` "172.20.1.0/16" has host bits set (did you mean 172.20.0.0/16?)',
  "`bgpAsn` 7224 is reserved by AWS (all Regions); use the customer's own public ASN or a private one (64512-65534, 4200000000-4294967294)",
  '`logRetentionDays` 10 is not a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
  '`tunnel1.phase1EncryptionAlgorithms` lists "AES128", which is too weak; use AES256-GCM-16 or AES256',
  '`tunnel1.insideCidr` "169.254.0.0/29" for tunnel 1 is not a /30 inside 169.254.0.0/16',
];

describe('checkSiteToSiteVpnProps', () => {
  test('GIVEN good props WHEN checked THEN there is no problem', () => {
    Testing.synthScope((scope) => {
      const platform = newPlatform(scope);
      const props: SiteToSiteVpnProps = {
        subnets: newCustomer(scope, platform, 'acme'),
        customerGatewayIp: '85.214.10.20',
        onPremCidrs: ['172.20.0.0/16'],
        attachment: 'vpn-gateway',
      };
      expect(checkSiteToSiteVpnProps(props)).toEqual([]);
    });
  });

  test('GIVEN six mistakes WHEN checked THEN every one is a problem with its prop and value, in the order of the props', () => {
    Testing.synthScope((scope) => {
      const platform = newPlatform(scope);
      const problems = checkSiteToSiteVpnProps({
        subnets: newCustomer(scope, platform, 'acme'),
        attachment: 'vpn-gateway',
        ...SIX_MISTAKES,
        tunnel1: { ...SIX_MISTAKES.tunnel1, phase1EncryptionAlgorithms: ['AES128'] },
        presharedKeyReaderArns: [...SIX_MISTAKES.presharedKeyReaderArns],
        onPremCidrs: [...SIX_MISTAKES.onPremCidrs],
      });
      expect(problems.map(describeProblem)).toEqual(SIX_PROBLEMS);
      expect(problems[0]).toEqual({
        prop: 'customerGatewayIp',
        value: '192.168.1.1',
        message:
          "is in 192.168.0.0/16, which is not public; give the static public address of the customer's VPN device",
      });
      expect(problems[3]).toMatchObject({ prop: 'bgpAsn', value: 7224 });
    });
  });

  test('fails for JavaScript callers that leave required props out, naming each', () => {
    expect(checkSiteToSiteVpnProps({} as SiteToSiteVpnProps).map(describeProblem)).toEqual([
      '`subnets` is required',
      '`customerGatewayIp` is required',
      '`onPremCidrs` is required',
    ]);
    expect(
      checkSiteToSiteVpnOptions(
        {
          customerGatewayIp: 85214 as unknown as string,
          onPremCidrs: '172.20.0.0/16' as unknown as string[],
        },
        undefined,
      ).map(describeProblem),
    ).toEqual([
      '`customerGatewayIp` 85214 is not an IPv4 address',
      '`onPremCidrs` "172.20.0.0/16" must be a list of IPv4 blocks (e.g. ["172.20.0.0/16"])',
    ]);
    expect(checkSiteToSiteVpnProps(undefined as unknown as SiteToSiteVpnProps).map(describeProblem)).toEqual([
      'props are required (`subnets`, `customerGatewayIp`, `onPremCidrs`)',
    ]);
  });
});

describe('checkSiteToSiteVpnOptions (the props a parent passes on)', () => {
  test('GIVEN a parent prop `vpn` WHEN its problems are put within it THEN they speak the names the user wrote', () => {
    Testing.synthScope((scope) => {
      const platform = newPlatform(scope);
      const problems = within(
        'vpn',
        checkSiteToSiteVpnOptions(
          {
            customerGatewayIp: '10.1.2.3',
            onPremCidrs: ['172.20.0.0/16', '172.20.5.0/24'],
            tunnelOptions: { ikeVersions: ['ikev1'] },
          },
          platform,
        ),
      );
      expect(problems.map(describeProblem)).toEqual([
        "`vpn.attachment` is required: platform \"plat\" offers both 'vpn-gateway' and 'transit-gateway'",
        '`vpn.customerGatewayIp` "10.1.2.3" is in 10.0.0.0/8, which is not public; give the static public address of the customer\'s VPN device',
        '`vpn.onPremCidrs[1]` 172.20.5.0/24 overlaps 172.20.0.0/16, listed before it',
        "`vpn.tunnelOptions.ikeVersions` allows IKEv1, which needs an explicit opt-in: give `ikev1Reason` (why the customer's device can not use IKEv2)",
      ]);
    });
  });

  test('GIVEN no platform (it reported problems) WHEN checked THEN only what does not need the platform is checked', () => {
    expect(
      checkSiteToSiteVpnOptions(
        { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'], routing: 'bgp', bgpAsn: 64512 },
        undefined,
      ),
    ).toEqual([]);
    expect(
      checkSiteToSiteVpnOptions(
        { customerGatewayIp: '85.214.10.20', onPremCidrs: [], attachment: 'direct-connect' as 'vpn-gateway' },
        undefined,
      ).map(describeProblem),
    ).toEqual([
      "`attachment` \"direct-connect\" must be 'vpn-gateway' or 'transit-gateway'",
      "`onPremCidrs` is empty; list the customer's on-premises ranges the runtime must reach",
    ]);
  });

  test('GIVEN a parent that registers the VPN before creating it WHEN the VPN is created THEN it finds itself registered (no "already has a VPN")', () => {
    Testing.synthScope((scope) => {
      const platform = newPlatform(scope);
      const subnets = newCustomer(scope, platform, 'acme');
      const options = { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] } as const;
      const parentOptions = {
        ...options,
        onPremCidrs: [...options.onPremCidrs],
        attachment: 'vpn-gateway' as const,
      };
      const registration = { platform, customerName: 'acme', constructPath: `${scope.node.path}/Vpn` };
      expect(registerSiteToSiteVpn(scope, { ...registration, options: parentOptions })).toEqual([]);
      const vpn = new SiteToSiteVpn(scope, 'Vpn', { ...parentOptions, subnets });
      expect(hasProblems(vpn)).toBe(false);
      expect(registeredVpns(platform).map((r) => r.constructPath)).toEqual([vpn.node.path]);
      // Another customer's VPN on the same device is refused by the register, named as the VPN's prop.
      expect(
        within(
          'vpn',
          registerSiteToSiteVpn(scope, {
            platform,
            customerName: 'globex',
            constructPath: `${scope.node.path}/GlobexVpn`,
            options: { ...parentOptions, onPremCidrs: ['172.21.0.0/16'] },
          }),
        ).map((p) => p.prop),
      ).toEqual(['vpn.customerGatewayIp']);
    });
  });
});

describe('SiteToSiteVpn reports its problems at synth', () => {
  test('fails with every mistake of one VPN in one synth, and the VPN builds nothing', () => {
    let vpn: SiteToSiteVpn | undefined;
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      vpn = new SiteToSiteVpn(scope, 'Vpn', {
        subnets: newCustomer(scope, platform, 'acme'),
        attachment: 'vpn-gateway',
        ...SIX_MISTAKES,
        tunnel1: { ...SIX_MISTAKES.tunnel1, phase1EncryptionAlgorithms: ['AES128'] },
        presharedKeyReaderArns: [...SIX_MISTAKES.presharedKeyReaderArns],
        onPremCidrs: [...SIX_MISTAKES.onPremCidrs],
      });
    });
    expect(error.problems).toEqual(SIX_PROBLEMS);
    expect(error.constructPath).toBe('stack/Vpn');
    expect(vpn!.node.children).toEqual([]);
    expect(vpn!.connection).toBeUndefined();
  });

  test('fails with the problems of two VPNs in one synth, grouped by construct path', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      new SiteToSiteVpn(scope, 'AcmeVpn', {
        subnets: newCustomer(scope, platform, 'acme'),
        customerGatewayIp: '85.214.10.20',
        onPremCidrs: ['172.20.0.0/16'],
        attachment: 'vpn-gateway',
        tunnel2: { dpdTimeoutSeconds: 10 },
      });
      new SiteToSiteVpn(scope, 'GlobexVpn', {
        subnets: newCustomer(scope, platform, 'globex', 1),
        customerGatewayIp: '2001:db8::1',
        onPremCidrs: ['172.21.0.0/16'],
        attachment: 'transit-gateway',
        backendPorts: [],
      });
    });
    expect(error.details.map((d) => [d.path, describeProblem(d)])).toEqual([
      ['stack/AcmeVpn', '`tunnel2.dpdTimeoutSeconds` 10 must be an integer of at least 30'],
      ['stack/GlobexVpn', '`customerGatewayIp` "2001:db8::1" is not an IPv4 address'],
      ['stack/GlobexVpn', '`backendPorts` is empty; list the TCP ports the backends listen on'],
    ]);
    expect(error.message).toBe(
      [
        '3 problems in 2 constructs:',
        'stack/AcmeVpn:',
        '  - `tunnel2.dpdTimeoutSeconds` 10 must be an integer of at least 30',
        'stack/GlobexVpn:',
        '  - `customerGatewayIp` "2001:db8::1" is not an IPv4 address',
        '  - `backendPorts` is empty; list the TCP ports the backends listen on',
      ].join('\n'),
    );
  });

  test("fails with a VPN's own mistakes and its conflicts with another VPN in one synth", () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      new SiteToSiteVpn(scope, 'AcmeVpn', {
        subnets: newCustomer(scope, platform, 'acme'),
        customerGatewayIp: '85.214.10.20',
        onPremCidrs: ['172.20.0.0/16'],
        attachment: 'vpn-gateway',
        tunnel1: { insideCidr: '169.254.9.0/30' },
      });
      new SiteToSiteVpn(scope, 'GlobexVpn', {
        subnets: newCustomer(scope, platform, 'globex', 1),
        customerGatewayIp: '85.214.10.20',
        onPremCidrs: ['172.20.128.0/17'],
        attachment: 'vpn-gateway',
        tunnel1: { insideCidr: '169.254.9.0/30', dpdTimeoutSeconds: 10 },
        logRetentionDays: 10,
      });
    });
    expect(error.details.map((d) => d.path)).toEqual(Array(5).fill('stack/GlobexVpn'));
    expect(error.problems).toEqual([
      '`logRetentionDays` 10 is not a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
      '`tunnel1.dpdTimeoutSeconds` 10 must be an integer of at least 30',
      '`customerGatewayIp` 85.214.10.20 with BGP ASN 65000 is also customer "acme"\'s device (stack/AcmeVpn): AWS keeps one customer gateway per type, address, ASN and device name, so two customers behind one device would share it. Give each customer its own device (address or ASN), or model them as one customer',
      '`onPremCidrs` entry 172.20.128.0/17 of customer "globex" overlaps 172.20.0.0/16 of customer "acme" (stack/AcmeVpn): both use the virtual private gateway, whose routing is shared. Ask one customer to expose its backends under another range (NAT on its side), or put the two customers on different attachment points',
      'tunnel inside block 169.254.9.0/30 of customer "globex" is already used by customer "acme" on the same virtual private gateway; inside blocks must be unique across its VPN connections',
    ]);
    expect(error.details[3]).toMatchObject({ prop: 'onPremCidrs' });
  });

  test('fails for a JavaScript caller without the required props with a ValidationError, not a TypeError', () => {
    const error = validationErrorOf((scope) => {
      const platform = newPlatform(scope);
      new SiteToSiteVpn(scope, 'Vpn', {
        subnets: newCustomer(scope, platform, 'acme'),
        attachment: 'vpn-gateway',
      } as SiteToSiteVpnProps);
    });
    expect(error.problems).toEqual(['`customerGatewayIp` is required', '`onPremCidrs` is required']);
  });

  test.each(['subnets', 'platform'] as const)(
    'GIVEN %s that reported problems WHEN a VPN is built on them THEN it reports only its own problems and builds nothing, without a TypeError',
    (which) => {
      let vpn: SiteToSiteVpn | undefined;
      const error = validationErrorOf((scope) => {
        const platform = newPlatform(scope);
        const subnets = newCustomer(scope, platform, 'acme');
        // A stand-in for their own checks' problems: they then built nothing for the VPN to use.
        reportProblems(which === 'subnets' ? subnets : platform, [
          { prop: 'cidrBlock', message: `stands in for a problem of the ${which}` },
        ]);
        vpn = new SiteToSiteVpn(scope, 'Vpn', {
          subnets,
          customerGatewayIp: '85.214.10.20',
          onPremCidrs: ['172.20.0.0/16'],
          bgpAsn: 0,
        });
        // Not registered with the platform: what it would be checked against is in doubt.
        expect(registeredVpns(platform)).toEqual([]);
      });
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.details.map((d) => [d.path, describeProblem(d)])).toEqual([
        [
          which === 'subnets' ? 'stack/Customer-acme' : 'stack/Platform',
          `\`cidrBlock\` stands in for a problem of the ${which}`,
        ],
        ['stack/Vpn', '`bgpAsn` 0 must be an integer from 1 to 4294967294'],
      ]);
      expect(vpn!.node.children).toEqual([]);
    },
  );
});
