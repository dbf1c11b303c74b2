import { cidrProblem as runtimeCidrProblem } from '../../../gateway-runtime/src/config';
import {
  cidrContains,
  cidrOverlaps,
  describeCidrProblem,
  formatAddress,
  parseCidr,
  aggregateCidrs,
  splitCidr,
} from '../../../lib/shared/cidr';

const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`test setup: ${text} is not a CIDR`);
  return parsed;
};

describe('parseCidr', () => {
  test.each([
    ['10.0.0.0/16', 4, '10.0.0.0/16'],
    ['0.0.0.0/0', 4, '0.0.0.0/0'],
    ['192.168.1.4/30', 4, '192.168.1.4/30'],
    ['2001:db8::/32', 6, '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0000/32', 6, '2001:db8::/32'],
    ['::/0', 6, '::/0'],
    ['::ffff:10.0.0.0/120', 6, '::ffff:a00:0/120'],
  ])('GIVEN %s WHEN parsed THEN it is IPv%i block %s', (text, family, canonical) => {
    expect(parseCidr(text)).toMatchObject({ family, text: canonical });
  });

  test.each([
    ['10.0.0.0', 'is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)'],
    ['10.0.0.1/24', 'has host bits set (did you mean 10.0.0.0/24?)'],
    ['10.0.0.0/33', 'has a prefix longer than /32'],
    ['300.0.0.0/8', 'has an invalid IP address "300.0.0.0"'],
    ['010.0.0.0/8', 'has an invalid IP address "010.0.0.0"'],
    ['2001:db8::1/32', 'has host bits set (did you mean 2001:db8::/32?)'],
    ['fe80::/129', 'has a prefix longer than /128'],
    [' 10.0.0.0/8', 'is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)'],
  ])('fails when given %j: %s', (text, problem) => {
    expect(parseCidr(text)).toBeUndefined();
    expect(describeCidrProblem(text)).toBe(problem);
  });
});

describe('containment and overlap', () => {
  test.each([
    ['10.0.0.0/16', '10.0.1.0/24', true, true],
    ['10.0.0.0/16', '10.1.0.0/24', false, false],
    ['10.0.0.0/24', '10.0.0.0/16', false, true],
    ['10.0.0.0/25', '10.0.0.128/25', false, false],
    ['10.0.0.0/24', '10.0.0.255/32', true, true],
    ['2001:db8::/32', '2001:db8:1::/48', true, true],
    ['10.0.0.0/8', '::/0', false, false],
  ])('%s and %s: contains=%s overlaps=%s', (a, b, contains, overlaps) => {
    expect(cidrContains(cidr(a), cidr(b))).toBe(contains);
    expect(cidrOverlaps(cidr(a), cidr(b))).toBe(overlaps);
    expect(cidrOverlaps(cidr(b), cidr(a))).toBe(overlaps);
  });
});

describe('splitCidr', () => {
  test.each([
    ['10.0.0.0/24', 2, ['10.0.0.0/25', '10.0.0.128/25']],
    ['10.0.0.0/24', 3, ['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/26']],
    ['10.0.0.0/26', 4, ['10.0.0.0/28', '10.0.0.16/28', '10.0.0.32/28', '10.0.0.48/28']],
  ])('GIVEN %s WHEN split in %i THEN %j', (block, count, expected) => {
    expect(splitCidr(cidr(block), count, 28)?.map((c) => c.text)).toEqual(expected);
  });

  it('returns undefined when the pieces would be smaller than the limit', () => {
    expect(splitCidr(cidr('10.0.0.0/27'), 4, 28)).toBeUndefined();
  });
});

test.each([
  [6, 0x20010db8000000000000000000000001n, '2001:db8::1'],
  [6, 0x20010db8000000010000000000000001n, '2001:db8:0:1::1'],
  [6, 0n, '::'],
  [4, 0x0a000001n, '10.0.0.1'],
] as const)('formatAddress(IPv%i) gives %s', (family, value, text) => {
  expect(formatAddress(family, value)).toBe(text);
});

describe('aggregateCidrs', () => {
  test.each<[string[], string[]]>([
    [['10.40.0.32/28', '10.40.0.48/28'], ['10.40.0.32/27']],
    [
      ['10.40.0.0/28', '10.40.0.16/28', '10.40.0.32/28'],
      ['10.40.0.0/27', '10.40.0.32/28'],
    ],
    [
      ['10.40.0.16/28', '10.40.0.32/28'],
      ['10.40.0.16/28', '10.40.0.32/28'],
    ],
    [['10.40.0.0/24', '10.40.0.64/26'], ['10.40.0.0/24']],
    [['10.0.0.0/25', '10.0.0.128/25', '10.0.1.0/24'], ['10.0.0.0/23']],
    [['10.40.0.0/16'], ['10.40.0.0/16']],
  ])('GIVEN %j THEN the fewest blocks covering the same addresses are %j', (blocks, expected) => {
    expect(aggregateCidrs(blocks.map(cidr)).map((c) => c.text)).toEqual(expected);
  });
});

describe('one CIDR module for the library and the runtime', () => {
  test('fails when a prefix length has a leading zero, in the library and in the runtime validator alike', () => {
    // GIVEN 10.0.0.0/08, which the runtime used to accept and the library refused as "host bits set"
    // WHEN both explain it THEN they give the same, right reason
    expect(parseCidr('10.0.0.0/08')).toBeUndefined();
    expect(describeCidrProblem('10.0.0.0/08')).toBe(
      'has a leading zero in its prefix length (did you mean 10.0.0.0/8?)',
    );
    expect(runtimeCidrProblem('10.0.0.0/08')).toBe(
      'has a leading zero in its prefix length (did you mean 10.0.0.0/8?)',
    );
  });
});
