import { ConfigError } from '../../../gateway-runtime/src/core/errors';
import {
  cidrProblem,
  REPLACED_FIELDS,
  REPLACED_SCHEME_TYPES,
  validateConfig,
} from '../../../gateway-runtime/src/config';
import { ARN, doc, INVALID_BOTH, INVALID_VALIDATOR_ONLY, VALID_SCHEMES } from './support/samples';

/** Runs the validator and returns its problems (fails the test when it does not throw ConfigError). */
function problemsOf(input: unknown): ReadonlyArray<{ path: string; message: string }> {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected validateConfig to throw a ConfigError');
}

describe('validateConfig', () => {
  test.each(VALID_SCHEMES)(
    'GIVEN a document with scheme %s WHEN validated THEN it is returned unchanged',
    (_, security) => {
      const input = doc(security);
      const snapshot = JSON.stringify(input);
      expect(validateConfig(input)).toBe(input);
      expect(JSON.stringify(input)).toBe(snapshot);
    },
  );

  test('GIVEN every optional section WHEN validated THEN no defaults are merged in', () => {
    const input = doc(
      { type: 'none' },
      {
        $schema: './config.schema.json',
        backend: { url: 'https://[2001:db8::1]:8443/base', tls: { servername: 'backend.acme.internal' } },
        trustedSources: { cidrs: ['10.0.0.0/8', '2001:db8::/32', '::ffff:10.0.0.0/104', '192.0.2.7/32'] },
        forwarding: { forwardAuthorization: true, forwardCookies: false },
        timeouts: { connectMs: 1, headersMs: 900_000 },
        limits: { maxReplayBodyBytes: 1 },
        server: { host: '::', port: 0, healthPath: '/-/health', shutdownGraceMs: 0 },
        secretCacheSeconds: 0,
      },
    );
    const config = validateConfig(input);
    expect(config.timeouts).toEqual({ connectMs: 1, headersMs: 900_000 });
    expect(config.limits?.maxRequestBodyBytes).toBeUndefined();
  });

  test.each([...INVALID_BOTH, ...INVALID_VALIDATOR_ONLY])('fails when %s', (_, input, path, message) => {
    expect(problemsOf(input)).toEqual([{ path, message }]);
  });

  test.each([
    ['null', null, 'must be a JSON object, got null'],
    ['an array', [], 'must be a JSON object, got an array'],
    ['a string', '{"version":1}', 'must be a JSON object, got a string'],
    ['a number', 1, 'must be a JSON object, got a number'],
  ])('fails when the document is %s', (_, input, message) => {
    expect(problemsOf(input)).toEqual([{ path: '(root)', message }]);
  });

  test('fails when many fields are wrong, naming every one of them in one ConfigError', () => {
    // GIVEN a document with problems in several sections
    const input = {
      version: 1,
      name: '',
      backend: { url: 'https://b/x', tls: { clientCertificate: { cert: { env: 'C' } } } },
      security: { type: 'basic', username: 'u', password: { secretArn: ARN, jsonKey: 7 } },
      trustedSources: { cidrs: ['10.0.0.0/8', '10.0.0.0/8', 'nope'] },
      timeouts: { connectMs: 0 },
    };
    // WHEN validated
    let error: unknown;
    try {
      validateConfig(input);
    } catch (e) {
      error = e;
    }
    // THEN one ConfigError lists each bad field by JSON path
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('CONFIG_INVALID');
    expect(configError.problems.map((p) => p.path)).toEqual([
      'name',
      'backend.tls.clientCertificate.key',
      'security.password.jsonKey',
      'trustedSources.cidrs[2]',
      'timeouts.connectMs',
    ]);
    expect(configError.message).toContain('  - security.password.jsonKey: must be a string, got a number');
  });

  test('fails when a secret is written inline, without echoing it in the message', () => {
    const problems = problemsOf(doc({ type: 'token', token: 's3cr3t-t0ken-value' }));
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems)).not.toContain('s3cr3t-t0ken-value');
  });

  test('fails when a misspelt nested field is given, suggesting the right one', () => {
    expect(problemsOf(doc({ type: 'none' }, { limits: { maxRequestBodyByte: 5 } }))).toEqual([
      { path: 'limits.maxRequestBodyByte', message: 'unknown field (did you mean "maxRequestBodyBytes"?)' },
    ]);
  });

  test('fails when a scheme field is misspelt far from any field, without a hint', () => {
    expect(problemsOf(doc({ type: 'token', token: { env: 'T' }, zzzzzz: 1 }))).toEqual([
      { path: 'security.zzzzzz', message: 'unknown field' },
    ]);
  });
});

describe('renamed and removed fields', () => {
  /** A valid document where the object holding `path`'s last field exists, then that field set. */
  function withField(path: string): Record<string, unknown> {
    const base = path.startsWith('security.tokenEndpointTls')
      ? doc({
          type: 'oauth2-client-credentials',
          tokenUrl: 'https://t/token',
          clientId: 'c',
          clientSecret: { env: 'S' },
          tokenEndpointTls: {},
        })
      : doc({ type: 'token', token: { env: 'T' } }, { trustedSources: { cidrs: ['10.0.0.0/8'] } });
    if (path.startsWith('server.tls.'))
      base.server = { tls: { certificate: { file: 'c' }, key: { file: 'k' } } };
    const parts = path.split('.');
    let node = base;
    for (const part of parts.slice(0, -1)) {
      node[part] = node[part] ?? {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = 'x';
    return base;
  }

  test.each(Object.entries(REPLACED_FIELDS))(
    'fails when %s is used, saying what to use instead',
    (path, hint) => {
      expect(problemsOf(withField(path))).toEqual([{ path, message: `unknown field: ${hint}` }]);
    },
  );

  test.each(Object.entries(REPLACED_SCHEME_TYPES))(
    'fails when the scheme type is %j, saying what to use instead',
    (type, hint) => {
      expect(problemsOf(doc({ type }))).toEqual([
        { path: 'security.type', message: `unknown scheme type ${JSON.stringify(type)}: ${hint}` },
      ]);
    },
  );
});

describe('validateConfig with unresolved tokens (synth time in lib/)', () => {
  const isUnresolved = (value: string) => value.startsWith('${TfToken[');

  test('GIVEN tokens in format-checked strings WHEN validated with isUnresolved THEN only their type is checked', () => {
    const input = doc(
      {
        type: 'oauth2-client-credentials',
        tokenUrl: '${TfToken[TOKEN.1]}',
        clientId: 'c',
        clientSecret: { secretArn: '${TfToken[TOKEN.2]}', jsonKey: 'secret' },
      },
      {
        backend: { url: '${TfToken[TOKEN.3]}', tls: { servername: '${TfToken[TOKEN.4]}' } },
        trustedSources: { cidrs: ['${TfToken[TOKEN.5]}', '10.0.0.0/8'] },
      },
    );
    expect(validateConfig(input, { isUnresolved })).toBe(input);
    expect(problemsOf(input).map((p) => p.path)).toEqual([
      'backend.url',
      'backend.tls.servername',
      'security.tokenUrl',
      'security.clientSecret.secretArn',
      'trustedSources.cidrs[0]',
    ]);
  });

  test('fails when a resolved value beside tokens is wrong, even with isUnresolved', () => {
    const input = doc(
      { type: 'token', token: { secretArn: '${TfToken[TOKEN.1]}' } },
      {
        trustedSources: { cidrs: ['${TfToken[TOKEN.2]}', '10.0.0.1/8'] },
      },
    );
    let problems: ReadonlyArray<{ path: string; message: string }> = [];
    try {
      validateConfig(input, { isUnresolved });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      {
        path: 'trustedSources.cidrs[1]',
        message: '"10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)',
      },
    ]);
  });
});

describe('cidrProblem', () => {
  test.each(['10.0.0.0/8', '192.168.1.4/30', '2001:db8::/32', '::1/128', '::ffff:10.0.0.0/104', 'fe80::/10'])(
    'GIVEN %s WHEN checked THEN it is a CIDR block',
    (cidr) => {
      expect(cidrProblem(cidr)).toBeUndefined();
    },
  );

  test.each([
    ['fe80::1/10', 'has host bits set (did you mean fe80::/10?)'],
    ['2001:db8:0:0:1::/64', 'has host bits set (did you mean 2001:db8::/64?)'],
    ['::ffff:10.0.0.1/104', 'has host bits set (did you mean ::ffff:a00:0/104?)'],
    ['fe80::/129', 'has a prefix longer than /128'],
    ['010.0.0.0/8', 'has an invalid IP address "010.0.0.0"'],
    ['10.0.0.0/08x', 'is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)'],
  ])('fails when given %s', (cidr, problem) => {
    expect(cidrProblem(cidr)).toBe(problem);
  });
});

describe('type mismatches', () => {
  test.each([
    [
      'backend is a string',
      doc({ type: 'none' }, { backend: 'https://b' }),
      'backend',
      'must be a JSON object, got a string',
    ],
    [
      'cidrs is an object',
      doc({ type: 'none' }, { trustedSources: { cidrs: {} } }),
      'trustedSources.cidrs',
      'must be an array, got an object',
    ],
    [
      'a secret reference is null',
      doc({ type: 'token', token: null }),
      'security.token',
      'must be a JSON object, got null',
    ],
    [
      'headers is a string',
      doc({ type: 'signature', keyId: 'k', algorithm: 'hmac-sha256', key: { env: 'K' }, headers: 'date' }),
      'security.headers',
      'must be an array, got a string',
    ],
    [
      'extraParams holds a number',
      doc({
        type: 'oauth2-client-credentials',
        tokenUrl: 'https://t/x',
        clientId: 'c',
        clientSecret: { env: 'S' },
        extraParams: { n: 1 },
      }),
      'security.extraParams.n',
      'must be a string, got a number',
    ],
    [
      'the security type is missing',
      doc({ token: { env: 'T' } }),
      'security.type',
      'must be one of "none", "basic", "digest", "token", "signature", "message-signature", "oauth2-client-credentials", "sigv4", got nothing',
    ],
  ])('fails when %s', (_, input, path, message) => {
    expect(problemsOf(input)).toEqual([{ path, message }]);
  });
});

describe('backend.connectTo', () => {
  const withConnectTo = (connectTo: string, extra: object = {}) =>
    doc({ type: 'none' }, { backend: { url: 'https://orders.acme.internal:8443/api', connectTo, ...extra } });

  test.each([
    'vpce-0a1.rcfg-0b2.4232ccc.vpc-lattice-rsc.eu-west-1.on.aws',
    'vpce-0a1.rcfg-0b2.4232ccc.vpc-lattice-rsc.eu-west-1.on.aws:8443',
    '10.1.2.3:443',
    '[fd00::1]:8443',
    '[fd00::1]',
  ])('admits %s', (connectTo) => {
    expect(() => validateConfig(withConnectTo(connectTo))).not.toThrow();
  });

  test.each([
    [
      'https://endpoint.example',
      'is not host[:port] (a DNS name or an IPv4 address, or an IPv6 address in brackets, and an optional port)',
    ],
    ['endpoint.example:0', 'endpoint.example:0 has port 0; give a port from 1 to 65535'],
    ['endpoint.example:70000', 'endpoint.example:70000 has port 70000; give a port from 1 to 65535'],
    ['[fd00::1::2]:443', '[fd00::1::2]:443 is not an IPv6 address in brackets'],
  ])('refuses %s', (connectTo, message) => {
    expect(problemsOf(withConnectTo(connectTo))).toEqual([
      { path: 'backend.connectTo', message: expect.stringContaining(message) },
    ]);
  });

  test('GIVEN an address outside allowedAddresses THEN it is refused at once (an address is never looked up)', () => {
    expect(problemsOf(withConnectTo('192.0.2.7:443', { allowedAddresses: ['10.0.0.0/8'] }))).toEqual([
      { path: 'backend.connectTo', message: '192.0.2.7 is outside backend.allowedAddresses' },
    ]);
    expect(() =>
      validateConfig(withConnectTo('10.1.2.3:443', { allowedAddresses: ['10.0.0.0/8'] })),
    ).not.toThrow();
  });
});
