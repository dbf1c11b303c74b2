import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { BackendSecurity } from '../../../lib/runtime/backend-security';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { validationErrorOf } from '../../support/constructs';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme';
const ref = (name: string, key: string) => ({ secretArn: `${ARN}/${name}-AbCdEf`, jsonKey: key });
const later = SecretSource.fillAfterDeploy();

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
      const error = validationErrorOf(() => BackendSecurity.token({ token: later, header }));
      expect(error.constructPath).toBe('BackendSecurity.token');
      expect(error.problems).toEqual([`\`header\` "${header}" can not carry the token: it ${rule}`]);
    },
  );

  it('fails when the token header is not a header name', () => {
    expect(
      validationErrorOf(() => BackendSecurity.token({ token: later, header: 'X Api Key' })).problems,
    ).toEqual(['`header` "X Api Key" is not a valid header name (RFC 9110 token)']);
  });

  const notASource = (prop: string, what: string) =>
    `\`${prop}\` is ${what}, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })`;
  // A secret where a SecretSource belongs: from JavaScript, or through a cast. It used to become an empty
  // fill-after-deploy secret, silently.
  const secret = 'S3cr3t-value' as never;
  test.each<[string, string, () => unknown, string[]]>([
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
  ])('regression: fails when %s, without showing the value', (_case, builder, build, problems) => {
    const error = validationErrorOf(build);
    expect(error.constructPath).toBe(`BackendSecurity.${builder}`);
    expect(error.problems).toEqual(problems);
    expect(error.message).not.toContain('S3cr3t');
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
      '`tokenUrl` "http://auth.acme.example" must use https://: the client secret is sent to it',
    ],
    [
      'http://127.0.0.1:9000/token',
      '`tokenUrl` "http://127.0.0.1:9000" must use https://: the client secret is sent to it',
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
    const error = validationErrorOf(() =>
      BackendSecurity.oauth2ClientCredentials({ tokenUrl, clientId: 'gateway', clientSecret: later }),
    );
    expect(error.constructPath).toBe('BackendSecurity.oauth2ClientCredentials');
    expect(error.problems).toEqual([message]);
    expect(error.message).not.toContain('S3cr3t');
  });
});
