import { Testing } from 'cdktf';
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { BackendSecurity } from '../../../lib/runtime/backend-security';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { describeProblem } from '../../../lib/shared/problems';
import { validationErrorOf } from '../../support/constructs';
import { securityLink } from './security-link';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme';
const ref = (name: string, key: string) => ({ secretArn: `${ARN}/${name}-AbCdEf`, jsonKey: key });
const later = SecretSource.fillAfterDeploy();

const linkWith = (security: BackendSecurity) => securityLink(security);

/** A builder's sentence as the link reports it: the prop under `security`. */
const underSecurity = (problem: string) => problem.replace(/^`/, '`security.');

/**
 * The problems `security` carries (the builder's sentences, as it used to throw them), and the one synth of a
 * link given it, which reports exactly those under `security.<prop>` and nothing else (no second report of the
 * same field by the runtime configuration's validator).
 */
function expectReported(security: BackendSecurity, problems: string[]): void {
  expect(security.problems.map(describeProblem)).toEqual(problems);
  const error = validationErrorOf(() => linkWith(security));
  expect(error.constructPath).toBe('test/Acme');
  expect(error.problems).toEqual(problems.map(underSecurity));
  expect(error.details.map((d) => d.prop)).toEqual(security.problems.map((p) => `security.${p.prop}`));
  expect(error.message).not.toContain('S3cr3t');
}

describe('BackendSecurity', () => {
  test.each([
    ['none', BackendSecurity.none(), { type: 'none' }, []],
    [
      'basic',
      BackendSecurity.basic({ credentials: later }),
      { type: 'basic', username: ref('credentials', 'username'), password: ref('credentials', 'password') },
      ['credentials'],
    ],
    [
      'digest',
      BackendSecurity.digest({ credentials: later }),
      { type: 'digest', username: ref('credentials', 'username'), password: ref('credentials', 'password') },
      ['credentials'],
    ],
    [
      'token',
      BackendSecurity.token({ token: later, header: 'x-api-key' }),
      { type: 'token', header: 'x-api-key', token: ref('token', 'token') },
      ['token'],
    ],
    [
      'request signing',
      BackendSecurity.requestSigning({ keyId: 'gw-1', key: later }),
      { type: 'signature', keyId: 'gw-1', algorithm: 'hmac-sha256', key: ref('signing-key', 'key') },
      ['signing-key'],
    ],
    [
      'OAuth 2.0 client credentials',
      BackendSecurity.oauth2ClientCredentials({
        tokenUrl: 'https://auth.acme.example/token',
        clientId: 'gateway',
        clientSecret: later,
        scope: 'orders:read',
        tokenEndpointCa: later,
      }),
      {
        type: 'oauth2-client-credentials',
        tokenUrl: 'https://auth.acme.example/token',
        clientId: 'gateway',
        clientSecret: ref('oauth-client-secret', 'clientSecret'),
        scope: 'orders:read',
        tokenEndpointTls: { ca: ref('token-endpoint-ca', 'caBundle') },
      },
      ['oauth-client-secret', 'token-endpoint-ca'],
    ],
  ])(
    'GIVEN %s THEN it renders the runtime scheme and names its secrets',
    (_name, security, expected, secrets) => {
      const rendered = security.render(ref);
      expect(rendered).toEqual({ security: expected });
      expect(security.secretRequirements.map((s) => s.name)).toEqual(secrets);
      expect(security.type).toBe(expected.type);
    },
  );

  it('GIVEN mutual TLS and trusted sources THEN they combine with the header scheme', () => {
    const security = BackendSecurity.oauth2ClientCredentials({
      tokenUrl: 'https://auth.acme.example/token',
      clientId: 'gateway',
      clientSecret: later,
    })
      .withMutualTls({
        clientCertificate: later,
        keyHasPassphrase: true,
        backendCa: later,
        servername: 'api.acme.internal',
      })
      .withTrustedSources({ cidrs: ['10.40.0.0/24'] });
    const rendered = security.render(ref);
    expect(rendered.backendTls).toEqual({
      clientCertificate: {
        cert: ref('client-certificate', 'certificate'),
        key: ref('client-certificate', 'privateKey'),
        passphrase: ref('client-certificate', 'passphrase'),
      },
      ca: ref('backend-ca', 'caBundle'),
      servername: 'api.acme.internal',
    });
    expect(rendered.trustedSources).toEqual({ cidrs: ['10.40.0.0/24'] });
    expect(security.secretRequirements.map((s) => [s.name, s.material])).toEqual([
      ['oauth-client-secret', 'oauth-client-secret'],
      ['client-certificate', 'client-certificate'],
      ['backend-ca', 'ca-bundle'],
    ]);
  });

  it('is immutable: withMutualTls returns a new value', () => {
    const plain = BackendSecurity.token({ token: later });
    const withTls = plain.withMutualTls({ clientCertificate: later });
    expect(plain.mutualTls).toBeUndefined();
    expect(withTls.mutualTls).toBeDefined();
  });

  it("GIVEN withBackendTls THEN the backend's certificate is checked against the customer's CA, with no client certificate", () => {
    const security = BackendSecurity.basic({ credentials: later }).withBackendTls({
      backendCa: later,
      servername: 'orders.acme.internal',
      pinnedSpkiSha256: ['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='],
    });
    const rendered = security.render(ref);
    expect(rendered.backendTls).toEqual({
      ca: ref('backend-ca', 'caBundle'),
      servername: 'orders.acme.internal',
      pinnedSpkiSha256: ['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='],
    });
    expect(security.mutualTls).toBeUndefined();
    expect(security.problems).toEqual([]);
    expect(security.secretRequirements.map((r) => [r.name, r.material])).toEqual([
      ['credentials', 'credentials'],
      ['backend-ca', 'ca-bundle'],
    ]);
    expect(() =>
      validateConfig({
        version: 1,
        name: 'acme',
        backend: { url: 'https://orders.acme.internal', tls: rendered.backendTls },
        security: rendered.security,
      }),
    ).not.toThrow();
    // A link creates the CA's secret and writes its reference into the function's configuration.
    const link = linkWith(security);
    expect(link.runtimeConfig.backend.tls).toEqual({
      ca: expect.objectContaining({ jsonKey: 'caBundle' }),
      servername: 'orders.acme.internal',
      pinnedSpkiSha256: ['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='],
    });
  });

  it('GIVEN withBackendTls and withMutualTls THEN they combine, in either order, and a check given to both is a problem', () => {
    const both = BackendSecurity.none()
      .withBackendTls({ backendCa: later })
      .withMutualTls({ clientCertificate: later, servername: 'orders.acme.internal' })
      .withTrustedSources({ cidrs: ['10.40.0.0/24'] });
    expect(both.problems).toEqual([]);
    expect(both.render(ref).backendTls).toEqual({
      clientCertificate: {
        cert: ref('client-certificate', 'certificate'),
        key: ref('client-certificate', 'privateKey'),
      },
      ca: ref('backend-ca', 'caBundle'),
      servername: 'orders.acme.internal',
    });
    expectReported(
      BackendSecurity.none()
        .withMutualTls({ clientCertificate: later, backendCa: later })
        .withBackendTls({ backendCa: later }),
      ['`backendCa` is given to both withMutualTls and withBackendTls: give it once'],
    );
  });

  it('fails when withBackendTls is given nothing to check, or a CA that is not a SecretSource (never shown)', () => {
    expectReported(BackendSecurity.basic({ credentials: later }).withBackendTls({}), [
      '`backendCa` is missing, and so are servername and pinnedSpkiSha256: withBackendTls needs at least one (without them the backend is checked against the public CAs, as it is without withBackendTls)',
    ]);
    expectReported(BackendSecurity.none().withBackendTls({ backendCa: 'S3cr3t-value' as never }), [
      '`backendCa` is a string, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })',
    ]);
  });

  it('renders configurations the runtime accepts', () => {
    const security = BackendSecurity.requestSigning({ keyId: 'gw-1', key: later, algorithm: 'rsa-sha256' })
      .withMutualTls({ clientCertificate: later })
      .withTrustedSources({ cidrs: ['10.40.0.0/24', '2001:db8::/64'], trustedHops: 1 });
    const { security: scheme, backendTls, trustedSources } = security.render(ref);
    expect(() =>
      validateConfig({
        version: 1,
        name: 'acme',
        backend: { url: 'https://api.acme.internal:8443', tls: backendTls },
        security: scheme,
        trustedSources,
      }),
    ).not.toThrow();
  });

  test.each([
    ['x-forwarded-for', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['X-Forwarded-Proto', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['x-forwarded-host', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['expect', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['host', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['content-length', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['transfer-encoding', 'is a hop-by-hop (connection) header'],
    ['connection', 'is a hop-by-hop (connection) header'],
    ['keep-alive', 'is a hop-by-hop (connection) header'],
    ['proxy-authorization', 'is a hop-by-hop (connection) header'],
    ['x-original-url', 'overrides the path or method, and is never forwarded'],
    ['cookie', 'carries cookies'],
  ])(
    "regression: fails when the token header is %s (the token would break or leak as the gateway's header)",
    (header, rule) => {
      const security = BackendSecurity.token({ token: later, header });
      expect(security.problems).toEqual([
        { prop: 'header', value: header, message: `can not carry the token: it ${rule}` },
      ]);
      expectReported(security, [`\`header\` "${header}" can not carry the token: it ${rule}`]);
    },
  );

  it('fails when the token header is not a header name', () => {
    expectReported(BackendSecurity.token({ token: later, header: 'X Api Key' }), [
      '`header` "X Api Key" is not a valid header name (RFC 9110 token)',
    ]);
  });

  const notASource = (prop: string, what: string) =>
    `\`${prop}\` is ${what}, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })`;
  // A secret where a SecretSource belongs: from JavaScript, or through a cast. It used to become an empty
  // fill-after-deploy secret, silently.
  const secret = 'S3cr3t-value' as never;
  test.each<[string, string, () => BackendSecurity, string[]]>([
    [
      'basic credentials are a string',
      'basic',
      () => BackendSecurity.basic({ credentials: secret }),
      [notASource('credentials', 'a string')],
    ],
    [
      'digest credentials are a number',
      'digest',
      () => BackendSecurity.digest({ credentials: 42 as never }),
      [notASource('credentials', 'a number')],
    ],
    [
      'basic credentials are missing (JavaScript)',
      'basic',
      () => BackendSecurity.basic({} as never),
      [notASource('credentials', 'nothing')],
    ],
    [
      'the basic props are missing (JavaScript)',
      'basic',
      () => BackendSecurity.basic(undefined as never),
      [notASource('credentials', 'nothing')],
    ],
    [
      'the token is a string',
      'token',
      () => BackendSecurity.token({ token: secret }),
      [notASource('token', 'a string')],
    ],
    [
      'the token is a string and the header can not carry it',
      'token',
      () => BackendSecurity.token({ token: secret, header: 'cookie' }),
      [notASource('token', 'a string'), '`header` "cookie" can not carry the token: it carries cookies'],
    ],
    [
      'the signing key is an object of an unknown kind',
      'requestSigning',
      () =>
        BackendSecurity.requestSigning({
          keyId: 'k',
          key: { kind: 'plain', value: 'S3cr3t-value' } as never,
        }),
      [notASource('key', 'an object without a known `kind`')],
    ],
    [
      'the client secret is a string',
      'oauth2ClientCredentials',
      () =>
        BackendSecurity.oauth2ClientCredentials({
          tokenUrl: 'https://auth.acme.example/token',
          clientId: 'gateway',
          clientSecret: secret,
        }),
      [notASource('clientSecret', 'a string')],
    ],
    [
      'the token endpoint CA is an array',
      'oauth2ClientCredentials',
      () =>
        BackendSecurity.oauth2ClientCredentials({
          tokenUrl: 'https://auth.acme.example/token',
          clientId: 'gateway',
          clientSecret: later,
          tokenEndpointCa: ['S3cr3t-value'] as never,
        }),
      [notASource('tokenEndpointCa', 'an array')],
    ],
    [
      'the client certificate is a string',
      'withMutualTls',
      () => BackendSecurity.none().withMutualTls({ clientCertificate: secret }),
      [notASource('clientCertificate', 'a string')],
    ],
    [
      'the backend CA is null',
      'withMutualTls',
      () => BackendSecurity.none().withMutualTls({ clientCertificate: later, backendCa: null as never }),
      [notASource('backendCa', 'null')],
    ],
  ])('regression: fails when %s, without showing the value', (_case, _builder, build, problems) => {
    // The builder (`_builder` in the table) returns: its problems come with the value, no source's shows it.
    const security = build();
    const sources = security.problems.filter((p) => p.prop !== 'header');
    expect(sources.every((p) => p.secret === true && p.value === undefined)).toBe(true);
    expectReported(security, problems);
  });

  it('accepts every SecretSource, and leaves the optional ones out', () => {
    for (const source of [
      SecretSource.fillAfterDeploy(),
      SecretSource.fromWriteOnlyVariable({ version: 1 }),
      SecretSource.fromExistingSecret(`${ARN}-AbCdEf`),
    ]) {
      expect(BackendSecurity.basic({ credentials: source }).secretRequirements[0].source).toBe(source);
      expect(
        BackendSecurity.none().withMutualTls({ clientCertificate: source }).secretRequirements,
      ).toHaveLength(1);
    }
  });

  test.each([
    [
      'http://auth.acme.example/token',
      '`tokenUrl` "http://auth.acme.example" must use https://: credentials and tokens travel over it',
    ],
    [
      'http://127.0.0.1:9000/token',
      '`tokenUrl` "http://127.0.0.1:9000" must use https://: credentials and tokens travel over it',
    ],
    [
      'https://gateway:S3cr3t-pass@auth.acme.example/token',
      '`tokenUrl` must not contain credentials (user:password@; the URL is not shown): the client secret is a secret source',
    ],
    [
      'https://gateway:S3cr3t pass@auth acme/token',
      '`tokenUrl` (not shown: it contains "@" and may hold credentials) is not an absolute URL',
    ],
    ['auth.acme.example/token', '`tokenUrl` "auth.acme.example/token" is not an absolute URL'],
  ])('regression: fails when tokenUrl is %s, without echoing a secret', (tokenUrl, message) => {
    const security = BackendSecurity.oauth2ClientCredentials({
      tokenUrl,
      clientId: 'gateway',
      clientSecret: later,
    });
    expect(security.problems.map((p) => p.prop)).toEqual(['tokenUrl']);
    // The runtime configuration's validator would refuse the same URL again, and an http:// one on port 80
    // would be a destination no rule opens: the link reports `security.tokenUrl` once.
    expectReported(security, [message]);
  });

  it('GIVEN a sound builder call THEN it carries no problems, and a link built with it synthesizes', () => {
    const security = BackendSecurity.oauth2ClientCredentials({
      tokenUrl: 'https://auth.acme.example/token',
      clientId: 'gateway',
      clientSecret: later,
    }).withMutualTls({ clientCertificate: later });
    expect(security.problems).toEqual([]);
    const link = linkWith(security);
    expect(() => Testing.synth(link.node.scope as never, true)).not.toThrow();
    expect(link.secrets).toBeDefined();
  });

  it('GIVEN mistakes in the builder and in withMutualTls THEN the value carries both, in call order', () => {
    const basic = BackendSecurity.basic({ credentials: 'S3cr3t-value' as never });
    const security = basic.withMutualTls({ clientCertificate: later, backendCa: 'S3cr3t-value' as never });
    expect(security.problems.map((p) => p.prop)).toEqual(['credentials', 'backendCa']);
    // The value before withMutualTls is unchanged (immutable).
    expect(basic.problems.map((p) => p.prop)).toEqual(['credentials']);
    expectReported(security, [notASource('credentials', 'a string'), notASource('backendCa', 'a string')]);
  });

  test.each([
    ['not a list', { cidrs: '10.40.0.0/24' }],
    ['missing', undefined],
  ])(
    'GIVEN trusted sources that are %s (JavaScript) THEN the builder returns, and the link reports the runtime field',
    (_case, props) => {
      const security = BackendSecurity.none().withTrustedSources(props as never);
      expect(security.problems).toEqual([]);
      const error = validationErrorOf(() => linkWith(security));
      expect(error.problems).toEqual([
        expect.stringMatching(/^runtime configuration `trustedSources\.cidrs`: /),
      ]);
    },
  );

  it("GIVEN a builder call that is never given to a link THEN nothing is reported: its problems are the link's to report", () => {
    const unused = BackendSecurity.token({ token: 'S3cr3t-value' as never });
    const link = linkWith(BackendSecurity.token({ token: later }));
    expect(() => Testing.synth(link.node.scope as never, true)).not.toThrow();
    expect(unused.problems.map((p) => p.prop)).toEqual(['token']);
  });
});
