import {
  checkTrustedSource,
  createSourceMatcher,
  normalizeAddress,
  resolveClientAddress,
} from '../../../gateway-runtime/src/core/client-address';

describe('resolveClientAddress', () => {
  test.each([
    // behind the ALB (no peer address): the ALB appended the last entry
    { xff: ['203.0.113.7'], peer: undefined, hops: 1, client: '203.0.113.7' },
    { xff: ['10.0.0.9', '203.0.113.7'], peer: undefined, hops: 1, client: '203.0.113.7' },
    { xff: ['10.0.0.9', '203.0.113.7', '198.51.100.2'], peer: undefined, hops: 2, client: '203.0.113.7' },
    { xff: [], peer: undefined, hops: 1, client: undefined },
    { xff: ['203.0.113.7'], peer: undefined, hops: 2, client: undefined },
    { xff: ['203.0.113.7'], peer: undefined, hops: 0, client: undefined },
    // standalone server: the socket address is the last place in the chain
    { xff: ['10.0.0.9'], peer: '192.0.2.4', hops: 0, client: '192.0.2.4' },
    { xff: [], peer: '::ffff:192.0.2.4', hops: 0, client: '192.0.2.4' },
    { xff: ['10.0.0.9', '203.0.113.7'], peer: '192.0.2.4', hops: 1, client: '203.0.113.7' },
    { xff: ['not-an-ip'], peer: undefined, hops: 1, client: undefined },
    { xff: ['[2001:db8::1]:443'], peer: undefined, hops: 1, client: '2001:db8::1' },
    { xff: ['203.0.113.7:51234'], peer: undefined, hops: 1, client: '203.0.113.7' },
  ])(
    'GIVEN X-Forwarded-For $xff, peer $peer and $hops trusted hops THEN the client is $client',
    ({ xff, peer, hops, client }) => {
      expect(
        resolveClientAddress({
          forwardedFor: xff,
          ...(peer ? { peerAddress: peer } : {}),
          trustedHops: hops,
        }),
      ).toBe(client);
    },
  );
});

describe('createSourceMatcher', () => {
  const allowed = createSourceMatcher(['10.0.0.0/8', '2001:db8::/32', '192.0.2.4/32']);
  test.each([
    ['10.1.2.3', true],
    ['11.0.0.1', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:11.0.0.1', false],
    ['2001:db8:1::5', true],
    ['2001:db9::1', false],
    ['192.0.2.4', true],
    ['192.0.2.5', false],
    ['garbage', false],
  ])('GIVEN %s THEN allowed=%s', (address, expected) => {
    expect(allowed(address)).toBe(expected);
  });

  test.each(['10.0.0.0', '10.0.0.0/x', 'example.com/8', '10.0.0.0/33', '::/129', '10.0.0.0/8/8'])(
    'fails when a CIDR is %j: ConfigError naming trustedSources.cidrs[1]',
    (cidr) => {
      expect(() => createSourceMatcher(['192.0.2.0/24', cidr])).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          problems: [
            {
              path: 'trustedSources.cidrs[1]',
              message: `${JSON.stringify(cidr)} is not an IPv4 or IPv6 CIDR block`,
            },
          ],
        }),
      );
    },
  );
});

describe('checkTrustedSource', () => {
  const allowed = createSourceMatcher(['10.0.0.0/8']);

  test('regression: a client-supplied X-Forwarded-For entry never grants access', () => {
    // The caller writes an allowed address; the ALB appends the real one, which is not allowed.
    expect(() =>
      checkTrustedSource(allowed, { forwardedFor: ['10.0.0.1', '203.0.113.7'], trustedHops: 1 }),
    ).toThrow(expect.objectContaining({ code: 'SOURCE_DENIED', status: 403 }));
  });

  test('fails when there is no trustworthy address (SOURCE_DENIED)', () => {
    expect(() => checkTrustedSource(allowed, { forwardedFor: [], trustedHops: 1 })).toThrow(
      expect.objectContaining({ code: 'SOURCE_DENIED' }),
    );
  });

  test('GIVEN an allowed address appended by the ALB THEN it is returned', () => {
    expect(checkTrustedSource(allowed, { forwardedFor: ['203.0.113.7', '10.9.8.7'], trustedHops: 1 })).toBe(
      '10.9.8.7',
    );
  });
});

describe('normalizeAddress', () => {
  test.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['fe80::1%eth0', 'fe80::1'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['unknown', undefined],
  ])('GIVEN %j THEN %j', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });
});
