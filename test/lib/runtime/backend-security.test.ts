import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { BackendSecurity } from '../../../lib/runtime/backend-security';
import { SecretSource } from '../../../lib/secrets/secret-source';

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
});
