/**
 * `BackendSecurity.oauth2ClientCredentials` with the OAuth 2.0 client authentication methods (issue 22):
 * what it renders into the runtime configuration, the secrets a link creates for it, what the handoff
 * says, and every bad combination reported in one synth under `security.<prop>`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Testing } from 'cdktf';
import { resolveConfig } from '../../../gateway-runtime/src/config';
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { BackendSecurity, type OAuth2ClientCredentialsProps } from '../../../lib/runtime/backend-security';
import { renderHandoff } from '../../../lib/handoff/render';
import type { OutputSource } from '../../../lib/handoff/outputs';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { describeProblem } from '../../../lib/shared/problems';
import { validationErrorOf } from '../../support/constructs';
import { jose } from '../../gateway-runtime/schemes/support/client-auth';
import { securityLink } from './security-link';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme';
const ref = (name: string, key: string) => ({ secretArn: `${ARN}/${name}-AbCdEf`, jsonKey: key });
const later = SecretSource.fillAfterDeploy();
const TOKEN_URL = 'https://auth.acme.example/oauth2/token';
const spki = (key: { export(o: { type: 'spki'; format: 'pem' }): string | Buffer }) =>
  key.export({ type: 'spki', format: 'pem' }).toString();
const P256 = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
const P384 = spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey);
const ED25519 = spki(generateKeyPairSync('ed25519').publicKey);
const RSA1024 = spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
const RSA2048 = spki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
const PRIVATE_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const linkWith = (security: BackendSecurity) => securityLink(security);

const oauth = (props: Partial<OAuth2ClientCredentialsProps>) =>
  BackendSecurity.oauth2ClientCredentials({ tokenUrl: TOKEN_URL, clientId: 'gateway', ...props });

describe('BackendSecurity.oauth2ClientCredentials, client authentication methods', () => {
  test.each<[string, BackendSecurity, Record<string, unknown>, string[]]>([
    [
      'client_secret_post',
      oauth({ clientSecret: later, authMethod: 'client_secret_post', resource: ['https://orders.acme.internal/'] }),
      {
        clientSecret: ref('oauth-client-secret', 'clientSecret'),
        authMethod: 'client_secret_post',
        resource: ['https://orders.acme.internal/'],
      },
      ['oauth-client-secret'],
    ],
    [
      'private_key_jwt',
      oauth({
        authMethod: 'private_key_jwt',
        privateKeyJwt: { key: later, keyId: 'gw-2026', algorithm: 'EdDSA', audience: 'https://auth.acme.example', lifetimeSeconds: 30, publicKey: ED25519 },
      }),
      {
        authMethod: 'private_key_jwt',
        privateKeyJwt: {
          key: ref('oauth-assertion-key', 'key'),
          algorithm: 'EdDSA',
          keyId: 'gw-2026',
          assertionAudience: 'https://auth.acme.example',
          lifetimeSeconds: 30,
        },
      },
      ['oauth-assertion-key'],
    ],
    [
      'private_key_jwt with a certificate for bound tokens',
      oauth({ authMethod: 'private_key_jwt', privateKeyJwt: { key: later, keyId: 'k1' }, tokenEndpointClientCertificate: later }),
      {
        authMethod: 'private_key_jwt',
        privateKeyJwt: { key: ref('oauth-assertion-key', 'key'), algorithm: 'ES256', keyId: 'k1' },
        clientCertificate: {
          cert: ref('token-endpoint-certificate', 'certificate'),
          key: ref('token-endpoint-certificate', 'privateKey'),
        },
      },
      ['oauth-assertion-key', 'token-endpoint-certificate'],
    ],
    [
      'tls_client_auth with its own certificate (encrypted key)',
      oauth({ authMethod: 'tls_client_auth', tokenEndpointClientCertificate: later, tokenEndpointKeyHasPassphrase: true }),
      {
        authMethod: 'tls_client_auth',
        clientCertificate: {
          cert: ref('token-endpoint-certificate', 'certificate'),
          key: ref('token-endpoint-certificate', 'privateKey'),
          passphrase: ref('token-endpoint-certificate', 'passphrase'),
        },
      },
      ['token-endpoint-certificate'],
    ],
  ])('GIVEN %s THEN it renders the runtime fields, names its secrets, and the runtime validator accepts it', (_name, security, fields, secrets) => {
    expect(security.problems).toEqual([]);
    const rendered = security.render(ref);
    expect(rendered.security).toEqual({ type: 'oauth2-client-credentials', tokenUrl: TOKEN_URL, clientId: 'gateway', ...fields });
    expect(security.secretRequirements.map((s) => s.name)).toEqual(secrets);
    expect(() =>
      validateConfig({ version: 1, name: 'acme', backend: { url: 'https://orders.acme.internal/api' }, security: rendered.security }),
    ).not.toThrow();
  }); // prettier-ignore

  test('GIVEN tls_client_auth and withMutualTls THEN a link synthesizes, creates only the backend certificate secret, and the runtime uses that certificate on the token endpoint', () => {
    // GIVEN the TLS method without a certificate of its own, and mutual TLS towards the backend
    const security = oauth({ authMethod: 'self_signed_tls_client_auth', scope: 'orders:read' }).withMutualTls(
      {
        clientCertificate: later,
      },
    );
    expect(security.problems).toEqual([]);
    // WHEN a link is synthesized
    const link = linkWith(security);
    const json = JSON.parse(Testing.synth(link.node.scope as never, true)) as {
      resource: Record<string, Record<string, { name_prefix?: string }>>;
      output: Record<string, { value: Record<string, unknown> }>;
    };
    // THEN the configuration names no token endpoint certificate: the runtime resolves it to the backend one
    const security2 = link.runtimeConfig.security as Record<string, unknown>;
    expect(security2).toMatchObject({ authMethod: 'self_signed_tls_client_auth', scope: 'orders:read' });
    expect(security2.clientCertificate).toBeUndefined();
    expect(security2.clientSecret).toBeUndefined();
    const resolved = resolveConfig(link.runtimeConfig);
    expect((resolved.security as Record<string, unknown>).clientCertificate).toEqual(
      link.runtimeConfig.backend.tls!.clientCertificate,
    );
    // AND the only secret is the certificate's (no client secret)
    const secretNames = Object.values(json.resource.aws_secretsmanager_secret).map((s) => s.name_prefix);
    expect(secretNames).toHaveLength(1);
    expect(secretNames[0]).toBe('backend-link/apicloud/acme/client-certificate-');
    // AND the handoff says which certificate the client registration must name
    expect(json.output.acme_handoff.value.security).toMatchObject({
      authMethod: 'self_signed_tls_client_auth',
      tokenEndpointCertificate: 'secret client-certificate (the backend mutual-TLS certificate)',
    });
  });

  test('GIVEN private_key_jwt with publicKey WHEN a link synthesizes THEN the assertion key secret is created and the handoff carries the JWKS (as jose derives it)', () => {
    const security = oauth({
      authMethod: 'private_key_jwt',
      privateKeyJwt: { key: later, keyId: 'gw-2026', publicKey: P256 },
    });
    const link = linkWith(security);
    const json = JSON.parse(Testing.synth(link.node.scope as never, true)) as {
      resource: Record<string, Record<string, { name_prefix?: string }>>;
      output: Record<string, { value: { security: Record<string, string>; fill_after_deploy: string[] } }>;
    };
    const names = Object.values(json.resource.aws_secretsmanager_secret).map((s) => s.name_prefix);
    expect(names).toEqual(['backend-link/apicloud/acme/oauth-assertion-key-']);
    const handoff = json.output.acme_handoff.value;
    expect(handoff.fill_after_deploy).toEqual(['oauth-assertion-key']);
    expect(handoff.security).toMatchObject({
      authMethod: 'private_key_jwt',
      assertionKeyId: 'gw-2026',
      assertionAlgorithm: 'ES256',
      assertionAudience: TOKEN_URL,
    });
    const independent = jose({ op: 'jwk', publicKeyPem: P256 }).jwk as Record<string, string>;
    expect(JSON.parse(handoff.security.clientJwks)).toEqual({
      keys: [{ ...independent, kid: 'gw-2026', alg: 'ES256', use: 'sig' }],
    });
    expect(JSON.stringify(json)).not.toContain('PRIVATE KEY');
  });

  test.each<[string, Partial<OAuth2ClientCredentialsProps>, string[]]>([
    ['private_key_jwt without a key', { authMethod: 'private_key_jwt' }, ['`privateKeyJwt` is required with authMethod "private_key_jwt": { key: SecretSource, keyId, algorithm? }']],
    ['a client secret given to private_key_jwt', { authMethod: 'private_key_jwt', clientSecret: later, privateKeyJwt: { key: later, keyId: 'k' } }, ['`clientSecret` is not sent with authMethod "private_key_jwt" (no shared secret): remove it']],
    ['a key given to client_secret_basic', { clientSecret: later, privateKeyJwt: { key: later, keyId: 'k' } }, ['`privateKeyJwt` is not used with authMethod "client_secret_basic": remove it, or set authMethod "private_key_jwt"']],
    ['client_secret_basic without a secret', {}, ['`clientSecret` is nothing, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })']],
    ['tls_client_auth without any certificate', { authMethod: 'tls_client_auth' }, ['`tokenEndpointClientCertificate` is required with authMethod "tls_client_auth" (the certificate authenticates the client), unless .withMutualTls(...) gives the backend certificate (then that one is used, and tokens bound to it pass the backend)']],
    ['an unknown method', { authMethod: 'client_secret_jwt' as never, clientSecret: later }, ['`authMethod` "client_secret_jwt" is not one of client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth']],
    ['an RSA public key of 1024 bits', { authMethod: 'private_key_jwt', privateKeyJwt: { key: later, keyId: 'k', algorithm: 'RS256', publicKey: RSA1024 } }, ['`privateKeyJwt.publicKey` is rsa 1024 bits, but algorithm RS256 needs an RSA key of 2048 bits or more']],
    ['a P-384 key for ES256', { authMethod: 'private_key_jwt', privateKeyJwt: { key: later, keyId: 'k', publicKey: P384 } }, ['`privateKeyJwt.publicKey` is ec secp384r1, but algorithm ES256 needs an EC P-256 key']],
    ['an RSA key for EdDSA', { authMethod: 'private_key_jwt', privateKeyJwt: { key: later, keyId: 'k', algorithm: 'EdDSA', publicKey: RSA2048 } }, ['`privateKeyJwt.publicKey` is rsa 2048 bits, but algorithm EdDSA needs an Ed25519 key']],
    ['the private key pasted as publicKey', { authMethod: 'private_key_jwt', privateKeyJwt: { key: later, keyId: 'k', publicKey: PRIVATE_PEM } }, ['`privateKeyJwt.publicKey` is a PRIVATE key (not shown): give the public key (openssl pkey -pubout); the private key belongs only in the secret of `privateKeyJwt.key`']],
    ['a resource with a fragment', { clientSecret: later, resource: ['https://orders.acme.internal/#x'] }, ['`resource[0]` "https://orders.acme.internal/#x" is not an absolute URI without a fragment (RFC 8707 §2)']],
  ])('fails when %s', (_case, props, problems) => {
    const security = oauth(props);
    expect(security.problems.map(describeProblem)).toEqual(problems);
    const error = validationErrorOf(() => linkWith(security));
    expect(error.problems).toEqual(problems.map((p) => p.replace(/^`/, '`security.')));
    expect(error.message).not.toContain('BEGIN PRIVATE KEY');
  }); // prettier-ignore

  test('GIVEN every mistake of one builder call THEN one synth reports each, under security.<prop>, and no runtime field twice', () => {
    const security = oauth({
      tokenUrl: 'http://auth.acme.example/token',
      authMethod: 'private_key_jwt',
      clientSecret: later,
      privateKeyJwt: {
        key: 'S3cr3t-key' as never,
        keyId: 'has space',
        algorithm: 'HS256' as never,
        audience: 'not a uri',
        lifetimeSeconds: 3600,
      },
      tokenEndpointClientCertificate: 'S3cr3t-cert' as never,
      resource: ['/relative', 'urn:acme:orders', 'urn:acme:orders'],
    });
    const error = validationErrorOf(() => linkWith(security));
    expect(error.details.map((d) => d.prop)).toEqual([
      'security.tokenUrl',
      'security.clientSecret',
      'security.privateKeyJwt.key',
      'security.privateKeyJwt.keyId',
      'security.privateKeyJwt.algorithm',
      'security.privateKeyJwt.audience',
      'security.privateKeyJwt.lifetimeSeconds',
      'security.tokenEndpointClientCertificate',
      'security.resource[0]',
      'security.resource[2]',
    ]);
    expect(error.problems).toEqual(expect.arrayContaining([
      '`security.privateKeyJwt.keyId` "has space" must be 1 to 256 printable ASCII characters without spaces',
      '`security.privateKeyJwt.algorithm` "HS256" is not one of ES256, PS256, RS256, EdDSA',
      '`security.privateKeyJwt.lifetimeSeconds` 3600 is not an integer from 5 to 300',
      '`security.resource[2]` "urn:acme:orders" is listed twice',
    ]));
    expect(error.message).not.toMatch(/S3cr3t/);
  }); // prettier-ignore

  /** The customer's handoff document, from the synthesized outputs (as `backend-link handoff` renders it). */
  function handoffDocument(security: BackendSecurity): string {
    const link = linkWith(security);
    const json = JSON.parse(Testing.synth(link.node.scope as never, true)) as {
      output: Record<string, { value: unknown }>;
    };
    const outputs: OutputSource = {
      description: 'test synth',
      names: Object.keys(json.output),
      get: (name) => json.output[name]?.value,
    };
    return renderHandoff('acme', outputs, new Date(Date.UTC(2026, 0, 1)));
  }

  test('GIVEN private_key_jwt with publicKey THEN the handoff tells the registration: method, algorithm, kid, and the JWKS', () => {
    const doc = handoffDocument(
      oauth({ authMethod: 'private_key_jwt', privateKeyJwt: { key: later, keyId: 'gw-2026', algorithm: 'PS256', publicKey: RSA2048 } }),
    );
    expect(doc).toContain('| `token_endpoint_auth_method` | `private_key_jwt` |');
    expect(doc).toContain('| `token_endpoint_auth_signing_alg` | `PS256` |');
    expect(doc).toContain('| assertion key id (`kid`) | `gw-2026` |');
    expect(doc).toContain('It has no shared secret: send us nothing secret.');
    const jwks = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(doc)![1]) as { keys: Record<string, string>[] };
    expect(jwks.keys).toEqual([{ ...(jose({ op: 'jwk', publicKeyPem: RSA2048 }).jwk as object), kid: 'gw-2026', alg: 'PS256', use: 'sig' }]);
  }); // prettier-ignore

  test('GIVEN private_key_jwt without publicKey THEN the handoff names the command that derives the JWKS', () => {
    const doc = handoffDocument(oauth({ authMethod: 'private_key_jwt', privateKeyJwt: { key: later, keyId: 'gw-2026' } }));
    expect(doc).toContain('`backend-link jwks --key FILE --kid gw-2026 --alg ES256`');
    expect(doc).not.toContain('```json');
  }); // prettier-ignore

  test('GIVEN tls_client_auth with mutual TLS THEN the handoff asks for the subject DN or SAN and explains bound tokens', () => {
    const doc = handoffDocument(oauth({ authMethod: 'tls_client_auth' }).withMutualTls({ clientCertificate: later }));
    expect(doc).toContain('| `token_endpoint_auth_method` | `tls_client_auth` |');
    expect(doc).toContain('`tls_client_auth_subject_dn`');
    expect(doc).toContain('| client certificate | secret client-certificate (the backend mutual-TLS certificate) |');
    expect(doc).toContain('RFC 8705 §3');
  }); // prettier-ignore

  test('GIVEN self_signed_tls_client_auth THEN the handoff asks to register the certificate in the jwks (x5c)', () => {
    const doc = handoffDocument(oauth({ authMethod: 'self_signed_tls_client_auth', tokenEndpointClientCertificate: later }));
    expect(doc).toContain('| `token_endpoint_auth_method` | `self_signed_tls_client_auth` |');
    expect(doc).toContain('(as `x5c`)');
    expect(doc).toContain('| client certificate | secret token-endpoint-certificate |');
  }); // prettier-ignore
});
