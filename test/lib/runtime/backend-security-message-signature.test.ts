/**
 * BackendSecurity.messageSignature: the RFC 9421 scheme in the constructs. A customer synthesized with it
 * (the runtime configuration in the function, the secret created, the handoff output with the JWKS), the
 * checks of its props (every mistake of one call in one synth, secrets never shown), and the runtime's
 * validator accepting what it renders.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { Testing, TerraformStack } from 'cdktf';
import { validateConfig } from '../../../gateway-runtime/src/config/validate';
import { CustomerBackendLink } from '../../../lib/customer-backend-link';
import { BackendSecurity } from '../../../lib/runtime/backend-security';
import { SECRET_MATERIAL, SecretSource } from '../../../lib/secrets/secret-source';
import { describeProblem } from '../../../lib/shared/problems';
import { testStack, validationErrorOf } from '../../support/constructs';
import { securityLinkIn } from './security-link';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme';
const ref = (name: string, key: string) => ({ secretArn: `${ARN}/${name}-AbCdEf`, jsonKey: key });
const later = SecretSource.fillAfterDeploy();

const pem = (key: { export(o: { type: 'spki'; format: 'pem' }): string | Buffer }) =>
  key.export({ type: 'spki', format: 'pem' }).toString();
const ed25519 = generateKeyPairSync('ed25519');
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ED25519_PUBLIC = pem(ed25519.publicKey);
const ED25519_PRIVATE = ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const linkIn = (stack: TerraformStack, security: BackendSecurity) =>
  securityLinkIn(stack, security, 'https://ledger.acme.internal/api');

type Json = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown }>;
};

describe('BackendSecurity.messageSignature', () => {
  test('GIVEN the defaults THEN it renders an ed25519 scheme, its key by reference, and names one secret', () => {
    const security = BackendSecurity.messageSignature({ keyId: 'gw-2026', key: later });
    expect(security.problems).toEqual([]);
    expect(security.type).toBe('message-signature');
    expect(security.render(ref)).toEqual({
      security: {
        type: 'message-signature',
        algorithm: 'ed25519',
        keyId: 'gw-2026',
        key: ref('message-signing-key', 'key'),
      },
    });
    expect(security.secretRequirements).toEqual([
      { name: 'message-signing-key', material: 'message-signing-key', source: later },
    ]);
    expect(SECRET_MATERIAL['message-signing-key'].requiredKeys).toEqual(['key']);
  });

  test('GIVEN every prop THEN each becomes its runtime field, and the runtime validator accepts the document', () => {
    const security = BackendSecurity.messageSignature({
      keyId: 'gw-hmac',
      key: later,
      algorithm: 'hmac-sha256',
      components: ['@method', '@authority', '@path', '@query', 'content-digest', 'content-type'],
      validitySeconds: 60,
      nonce: true,
      tag: 'acme-ledger',
      contentDigest: 'sha-512',
    });
    const { security: scheme } = security.render(ref);
    expect(scheme).toEqual({
      type: 'message-signature',
      algorithm: 'hmac-sha256',
      keyId: 'gw-hmac',
      key: ref('message-signing-key', 'key'),
      components: ['@method', '@authority', '@path', '@query', 'content-digest', 'content-type'],
      contentDigest: 'sha-512',
      validitySeconds: 60,
      nonce: true,
      tag: 'acme-ledger',
    });
    const document = {
      version: 1,
      name: 'acme',
      backend: { url: 'https://ledger.acme.internal' },
      security: scheme,
    };
    expect(validateConfig(document)).toBe(document);
    expect(security.description).toEqual({
      scheme: 'HTTP Message Signatures (RFC 9421)',
      keyId: 'gw-hmac',
      algorithm: 'hmac-sha256',
      label: 'sig1',
      components: '@method @authority @path @query content-digest content-type',
      contentDigest: 'sha-512',
      validitySeconds: '60',
      nonce: 'yes',
      tag: 'acme-ledger',
    });
  });

  describe('GIVEN a customer synthesized with it, and its public key', () => {
    let link!: CustomerBackendLink;
    let json!: Json;
    beforeAll(() => {
      const stack = testStack();
      link = linkIn(
        stack,
        BackendSecurity.messageSignature({
          keyId: 'gw-2026',
          key: later,
          publicKey: ED25519_PUBLIC,
          tag: 'ledger',
        }),
      );
      json = JSON.parse(Testing.synth(stack, true)) as Json;
    });

    test('THEN the function runs with the message-signature scheme, its key a reference to the secret created', () => {
      const fn = Object.values(json.resource.aws_lambda_function)[0] as {
        environment: { variables: Record<string, string> };
      };
      const config = JSON.parse(fn.environment.variables.GATEWAY_CONFIG);
      expect(config.security).toEqual({
        type: 'message-signature',
        algorithm: 'ed25519',
        keyId: 'gw-2026',
        key: {
          secretArn: expect.stringMatching(
            /^\$\{aws_secretsmanager_secret\.Acme_Secrets_message-signing-key_.*\.arn\}$/,
          ),
          jsonKey: 'key',
        },
        tag: 'ledger',
      });
      expect(link.runtimeConfig.security.type).toBe('message-signature');
      const secrets = Object.values(json.resource.aws_secretsmanager_secret).map((s) => s.name_prefix);
      expect(secrets).toEqual(['backend-link/apicloud/acme/message-signing-key-']);
      // The public key is published, the private key is nowhere in the synthesized app.
      expect(JSON.stringify(json)).not.toContain('PRIVATE KEY');
    });

    test('THEN the handoff output carries what a verifier needs, and the JWKS of the public key', () => {
      const handoff = json.output.acme_handoff.value as { security: Record<string, string> };
      const { jwks, ...rest } = handoff.security;
      expect(rest).toEqual({
        scheme: 'HTTP Message Signatures (RFC 9421)',
        keyId: 'gw-2026',
        algorithm: 'ed25519',
        label: 'sig1',
        components:
          '@method @authority @path, then @query when the URL has a query, content-digest when there is a body, content-type when the request has one',
        contentDigest: 'sha-256',
        validitySeconds: '300',
        nonce: 'no',
        tag: 'ledger',
      });
      // x is the raw 32-byte Ed25519 public key (RFC 8037): the last 32 bytes of the SPKI DER, read here
      // without the code that made the JWKS.
      const der = createPublicKey(ED25519_PUBLIC).export({ type: 'spki', format: 'der' });
      expect(JSON.parse(jwks)).toEqual({
        keys: [
          {
            kty: 'OKP',
            crv: 'Ed25519',
            x: der.subarray(der.length - 32).toString('base64url'),
            kid: 'gw-2026',
            use: 'sig',
            alg: 'EdDSA',
          },
        ],
      });
    });
  });

  test('GIVEN a P-256 and an RSA public key THEN the JWKS has their ES256 and PS512 forms', () => {
    const ec = JSON.parse(
      BackendSecurity.messageSignature({
        keyId: 'ec',
        key: later,
        algorithm: 'ecdsa-p256-sha256',
        publicKey: pem(p256.publicKey),
      }).description.jwks,
    );
    const jwk = p256.publicKey.export({ format: 'jwk' });
    expect(ec.keys).toEqual([
      { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: 'ec', use: 'sig', alg: 'ES256' },
    ]);
    const rsa = JSON.parse(
      BackendSecurity.messageSignature({
        keyId: 'rsa',
        key: later,
        algorithm: 'rsa-pss-sha512',
        publicKey: pem(rsa2048.publicKey),
      }).description.jwks,
    );
    expect(rsa.keys[0]).toMatchObject({ kty: 'RSA', e: 'AQAB', kid: 'rsa', alg: 'PS512' });
  });

  const notASource =
    '`key` is a string, not a SecretSource (the value is not shown): give SecretSource.fromExistingSecret(arn), SecretSource.fillAfterDeploy() or SecretSource.fromWriteOnlyVariable({ version })';

  test.each<[string, Record<string, unknown>, string]>([
    [
      'an hmac-sha256 scheme',
      { algorithm: 'hmac-sha256', publicKey: ED25519_PUBLIC },
      '`publicKey` is given, but hmac-sha256 has no public key: the shared secret is exchanged out of band; remove publicKey',
    ],
    [
      'an Ed25519 scheme with a P-256 key',
      { publicKey: pem(p256.publicKey) },
      '`publicKey` is an EC key on prime256v1, but ed25519 needs an Ed25519 key',
    ],
    [
      'a P-256 scheme with a P-384 key',
      { algorithm: 'ecdsa-p256-sha256', publicKey: pem(p384.publicKey) },
      '`publicKey` is an EC key on secp384r1, but ecdsa-p256-sha256 needs an EC key on P-256',
    ],
    [
      'an RSA-PSS scheme with a 1024-bit key',
      { algorithm: 'rsa-pss-sha512', publicKey: pem(rsa1024.publicKey) },
      '`publicKey` is an RSA key of 1024 bits, but rsa-pss-sha512 needs an RSA key of 2048 bits or more',
    ],
    [
      'an RSA-PSS scheme with an Ed25519 key',
      { algorithm: 'rsa-pss-sha512', publicKey: ED25519_PUBLIC },
      '`publicKey` is a key of type ed25519, but rsa-pss-sha512 needs an RSA key of 2048 bits or more',
    ],
    [
      'text that is not PEM',
      { publicKey: 'ssh-ed25519 AAAAC3Nz gw@acme' },
      '`publicKey` is not a PEM public key (SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----"; not shown)',
    ],
    ['a number', { publicKey: 42 }, '`publicKey` must be a PEM public key (a string), got a number'],
  ])(
    'GIVEN a publicKey for %s THEN it carries one problem naming publicKey, and no JWKS',
    (_, extra, message) => {
      const security = BackendSecurity.messageSignature({ keyId: 'k', key: later, ...extra } as never);
      expect(security.problems.map(describeProblem)).toEqual([message]);
      expect(security.description.jwks).toBeUndefined();
    },
  );

  test('regression: GIVEN the private key as publicKey THEN the problem says so without showing it', () => {
    const security = BackendSecurity.messageSignature({ keyId: 'k', key: later, publicKey: ED25519_PRIVATE });
    expect(security.problems).toEqual([
      {
        prop: 'publicKey',
        secret: true,
        message:
          'is a private key (not shown): give its public key (openssl pkey -in key.pem -pubout); the private key belongs in the secret `key` only',
      },
    ]);
    const error = validationErrorOf(() => linkIn(testStack(), security));
    expect(error.message).not.toContain(ED25519_PRIVATE.split('\n')[1]);
  });

  test('GIVEN one builder call with six wrong props THEN one synth reports all seven mistakes, each naming its prop or field, no secret shown', () => {
    const security = BackendSecurity.messageSignature({
      keyId: 'clé',
      key: ED25519_PRIVATE as never,
      publicKey: pem(p256.publicKey),
      components: ['@method', 'Content-Type', 'transfer-encoding'],
      validitySeconds: 90_000,
      tag: '',
    });
    const error = validationErrorOf(() => linkIn(testStack(), security));
    expect(error.constructPath).toBe('test/Acme');
    expect(error.problems).toEqual([
      notASource.replace('`key`', '`security.key`'),
      '`security.publicKey` is an EC key on prime256v1, but ed25519 needs an Ed25519 key',
      'runtime configuration `security.keyId`: "clé" must be printable ASCII',
      'runtime configuration `security.components[1]`: "Content-Type" is not a lower-case HTTP field name',
      'runtime configuration `security.components[2]`: "transfer-encoding" can not be covered: it is set after signing, by the HTTP client or this scheme (cover content-digest for the body)',
      'runtime configuration `security.validitySeconds`: must be between 0 and 86400, got 90000',
      'runtime configuration `security.tag`: must not be empty',
    ]);
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(error.message).not.toContain(ED25519_PRIVATE.split('\n')[1]);
  });
});
