/** `backend.dns` and `security.tokenEndpointDns`: the validator's rules, and the schema beside them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../../gateway-runtime/src/config';
import { parseDnsServer } from '../../../gateway-runtime/src/core/dns';
import { ConfigError } from '../../../gateway-runtime/src/core/errors';
import { checkSchema } from './support/json-schema';

const schema = JSON.parse(
  readFileSync(join(__dirname, '../../../gateway-runtime/config.schema.json'), 'utf8'),
) as Record<string, unknown>;

const OAUTH = {
  type: 'oauth2-client-credentials',
  tokenUrl: 'https://login.acme.internal/oauth2/token',
  clientId: 'gw',
  clientSecret: { env: 'CLIENT_SECRET' },
};

const withDns = (dns: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  version: 1,
  name: 'acme',
  backend: { url: 'https://orders.acme.internal:8443/api', dns },
  security: { type: 'none' },
  ...extra,
});

function problemsOf(input: unknown): ReadonlyArray<{ path: string; message: string }> {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected validateConfig to throw a ConfigError');
}

describe('parseDnsServer', () => {
  test.each([
    ['172.20.0.53', { address: '172.20.0.53', port: 53, family: 4 }],
    ['127.0.0.1:5353', { address: '127.0.0.1', port: 5353, family: 4 }],
    ['fd00::53', { address: 'fd00::53', port: 53, family: 6 }],
    ['[fd00::53]', { address: 'fd00::53', port: 53, family: 6 }],
    ['[fd00::53]:5353', { address: 'fd00::53', port: 5353, family: 6 }],
  ])('GIVEN %s THEN it is %j', (text, expected) => {
    expect(parseDnsServer(text)).toEqual(expected);
  });

  test.each([
    ['a name', 'dns.acme.internal'],
    ['a CIDR', '172.20.0.0/16'],
    ['an IPv4 address with two ports', '172.20.0.53:53:53'],
    ['a bracketed IPv4 address', '[172.20.0.53]:53'],
    ['port 0', '172.20.0.53:0'],
    ['port 65536', '[fd00::53]:65536'],
  ])('fails when it is %s', (_, text) => {
    expect(typeof parseDnsServer(text)).toBe('string');
  });
});

describe('validateConfig: backend.dns', () => {
  test.each([
    ['servers only', { servers: ['172.20.0.53', '172.20.8.53:5353'] }],
    ['a pin only', { pinned: { 'orders.acme.internal': ['172.20.1.10', 'fd00::10'] } }],
    [
      'everything',
      {
        servers: ['[fd00::53]:53'],
        pinned: { 'other.acme.internal': ['172.20.1.11'] },
        timeoutMs: 1500,
        tries: 3,
        family: 'any',
        minTtlSeconds: 0,
        maxTtlSeconds: 300,
      },
    ],
  ])('GIVEN %s THEN the validator and the schema accept it', (_, dns) => {
    const input = withDns(dns);

    expect(validateConfig(input)).toBe(input);
    expect(checkSchema(schema, input)).toEqual([]);
  });

  test.each([
    [
      'the section is empty',
      {},
      [
        {
          path: 'backend.dns',
          message: 'must have "servers" (the customer\'s DNS servers) or "pinned" (fixed addresses by name)',
        },
      ],
    ],
    [
      'a server is a name',
      { servers: ['dns.acme.internal'] },
      [
        {
          path: 'backend.dns.servers[0]',
          message:
            '"dns.acme.internal" is not a DNS server address: an IPv4 or IPv6 address, optionally with a port ("172.20.0.53:5353", "[fd00::53]:5353")',
        },
      ],
    ],
    [
      'a server has port 0',
      { servers: ['172.20.0.53:0'] },
      [{ path: 'backend.dns.servers[0]', message: '"172.20.0.53:0" has port "0", which is not 1-65535' }],
    ],
    [
      'a server is listed twice',
      { servers: ['172.20.0.53', '172.20.0.53:53'] },
      [{ path: 'backend.dns.servers[1]', message: '"172.20.0.53:53" is listed twice' }],
    ],
    [
      'there are five servers',
      { servers: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'] },
      [{ path: 'backend.dns.servers', message: 'must have at most 4 servers, got 5' }],
    ],
    [
      'a pinned address is not an address',
      { pinned: { 'orders.acme.internal': ['172.20.1.300'] } },
      [
        {
          path: 'backend.dns.pinned.orders.acme.internal[0]',
          message: '"172.20.1.300" is not an IPv4 or IPv6 address',
        },
      ],
    ],
    [
      'a pinned name is an address',
      { servers: ['172.20.0.53'], pinned: { '172.20.1.10': ['172.20.1.10'] } },
      [{ path: 'backend.dns.pinned.172.20.1.10', message: '"172.20.1.10" is not a DNS host name' }],
    ],
    [
      'only other names are pinned and there are no servers',
      { pinned: { 'billing.acme.internal': ['172.20.1.10'] } },
      [
        {
          path: 'backend.dns.pinned',
          message:
            'has no entry for orders.acme.internal (the host of backend.url) and there are no servers: it would not resolve',
        },
      ],
    ],
    [
      'minTtlSeconds is above maxTtlSeconds',
      { servers: ['172.20.0.53'], minTtlSeconds: 120 },
      [{ path: 'backend.dns.minTtlSeconds', message: 'must not be above maxTtlSeconds (120 > 60)' }],
    ],
    [
      'the family is unknown',
      { servers: ['172.20.0.53'], family: 'inet' },
      [{ path: 'backend.dns.family', message: 'must be one of "ipv4", "ipv6", "any", got "inet"' }],
    ],
    [
      'a field is misspelt',
      { server: ['172.20.0.53'] },
      [
        { path: 'backend.dns.server', message: 'unknown field (did you mean "servers"?)' },
        {
          path: 'backend.dns',
          message: 'must have "servers" (the customer\'s DNS servers) or "pinned" (fixed addresses by name)',
        },
      ],
    ],
  ])('fails when %s', (_, dns, problems) => {
    expect(problemsOf(withDns(dns))).toEqual(problems);
  });

  test('fails when the lookup may take as long as connecting: the DNS failure would be reported as a connect timeout', () => {
    expect(
      problemsOf(withDns({ servers: ['172.20.0.53'], timeoutMs: 3000 }, { timeouts: { connectMs: 3000 } })),
    ).toEqual([
      {
        path: 'backend.dns.timeoutMs',
        message:
          'must be less than timeouts.connectMs (3000 >= 3000): the lookup is part of connecting, so a slow server would be reported as a connect timeout',
      },
    ]);
  });

  test('fails when the backend URL is an address: there is nothing to resolve', () => {
    const input = {
      ...withDns({ servers: ['172.20.0.53'] }),
      backend: { url: 'https://172.20.1.10/api', dns: { servers: ['172.20.0.53'] } },
    };

    expect(problemsOf(input)).toEqual([
      {
        path: 'backend.dns',
        message: 'is set, but backend.url has the address 172.20.1.10: there is no name to resolve',
      },
    ]);
  });

  test('GIVEN an unresolved token as a server (synth time) THEN only its type is checked', () => {
    const input = withDns({ servers: ['${TfToken[TOKEN.1]}'] });

    expect(validateConfig(input, { isUnresolved: (v) => v.includes('TfToken') })).toBe(input);
  });
});

describe('validateConfig: security.tokenEndpointDns', () => {
  test('GIVEN a token endpoint with its own DNS section THEN validator and schema accept it', () => {
    const input = {
      ...withDns({ servers: ['172.20.0.53'] }),
      security: { ...OAUTH, tokenEndpointDns: { pinned: { 'login.acme.internal': ['172.20.2.10'] } } },
    };

    expect(validateConfig(input)).toBe(input);
    expect(checkSchema(schema, input)).toEqual([]);
  });

  test('fails when the token endpoint falls back to a backend.dns that only pins the backend', () => {
    const input = {
      ...withDns({ pinned: { 'orders.acme.internal': ['172.20.1.10'] } }),
      security: OAUTH,
    };

    expect(problemsOf(input)).toEqual([
      {
        path: 'security.tokenUrl',
        message:
          'login.acme.internal is resolved through backend.dns (security.tokenEndpointDns is not set), which has no servers and does not pin it: pin it there or set security.tokenEndpointDns',
      },
    ]);
  });

  test('fails when its own section pins another name only', () => {
    const input = {
      version: 1,
      name: 'acme',
      backend: { url: 'https://orders.acme.internal' },
      security: { ...OAUTH, tokenEndpointDns: { pinned: { 'orders.acme.internal': ['172.20.1.10'] } } },
    };

    expect(problemsOf(input)).toEqual([
      {
        path: 'security.tokenEndpointDns.pinned',
        message:
          'has no entry for login.acme.internal (the host of security.tokenUrl) and there are no servers: it would not resolve',
      },
    ]);
  });

  test("GIVEN timeouts.connectMs 10000 WHEN the token endpoint's lookup may take 6000 THEN it is accepted (its pool connects with timeouts.connectMs)", () => {
    // Regression: the rule compared against the *default* connect timeout (5000), not the configured one.
    const input = withDns(
      { servers: ['172.20.0.53'] },
      {
        security: { ...OAUTH, tokenEndpointDns: { servers: ['172.20.0.53'], timeoutMs: 6000 } },
        timeouts: { connectMs: 10_000 },
      },
    );

    expect(validateConfig(input)).toBe(input);
  });

  test("fails when the token endpoint's lookup may take as long as the configured connect timeout", () => {
    // Regression: connectMs 1000 with a 2000 ms lookup was accepted (compared against the default 5000).
    const input = withDns(
      { servers: ['172.20.0.53'], timeoutMs: 500 },
      {
        security: { ...OAUTH, tokenEndpointDns: { servers: ['172.20.0.53'], timeoutMs: 2000 } },
        timeouts: { connectMs: 1000 },
      },
    );

    expect(problemsOf(input)).toEqual([
      {
        path: 'security.tokenEndpointDns.timeoutMs',
        message:
          'must be less than timeouts.connectMs (2000 >= 1000): the lookup is part of connecting, so a slow server would be reported as a connect timeout',
      },
    ]);
  });

  test('fails when tokenEndpointDns is given to a scheme without a token endpoint', () => {
    const input = withDns(
      { servers: ['172.20.0.53'] },
      { security: { type: 'none', tokenEndpointDns: { servers: ['172.20.0.53'] } } },
    );

    expect(problemsOf(input)).toEqual([
      {
        path: 'security.tokenEndpointDns',
        message: 'unknown field: it belongs to "type": "oauth2-client-credentials", not "none"',
      },
    ]);
  });
});
