import { X509Certificate } from 'node:crypto';
import type { BackendTlsConfig } from '../../../gateway-runtime/src/config/types';
import { ConfigError } from '../../../gateway-runtime/src/core/errors';
import {
  buildTlsMaterial,
  checkPins,
  pinningCheck,
  spkiSha256,
  type ResolvedTlsSecrets,
} from '../../../gateway-runtime/src/io/tls';
import { TestPki, type Issued } from '../../support/pki';

const PASSPHRASE = 'open sesame';
const TLS: BackendTlsConfig = {
  ca: { file: '/run/secrets/ca.pem' },
  servername: 'backend.internal',
  clientCertificate: {
    cert: { file: '/run/secrets/client.crt' },
    key: {
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:client-key-AbCdEf',
      jsonKey: 'pem',
    },
    passphrase: { env: 'CLIENT_KEY_PASSPHRASE' },
  },
};
const KEY_NAME =
  'client key secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:client-key-AbCdEf (jsonKey "pem")';

let pki: TestPki;
let ca: Issued;
let client: Issued;
let other: Issued;
let server: Issued;
let encryptedKey: string;

beforeAll(async () => {
  pki = await TestPki.create();
  ca = await pki.ca('unit-ca');
  client = await pki.issue('unit-client', ca, { cn: 'client', usage: 'client' });
  other = await pki.issue('unit-other', ca, { cn: 'other', usage: 'client' });
  server = await pki.issue('unit-server', ca, {
    cn: 'backend.internal',
    sans: ['DNS:backend.internal'],
    usage: 'server',
  });
  encryptedKey = pki.encryptKey(client, PASSPHRASE).key;
});
afterAll(() => pki?.cleanup());

const resolved = (values: ResolvedTlsSecrets['values']): ResolvedTlsSecrets => ({ identity: 'test', values });

describe('buildTlsMaterial', () => {
  test('GIVEN a CA, a client certificate and its encrypted key THEN verification stays on and the servername is set', () => {
    const material = buildTlsMaterial(
      TLS,
      resolved({ ca: ca.cert, cert: client.cert, key: encryptedKey, passphrase: PASSPHRASE }),
    );

    expect(material.connect).toMatchObject({
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      servername: 'backend.internal',
    });
    expect(material.connect.secureContext).toBeDefined();
    expect(material.connect.checkServerIdentity).toBeUndefined();
    expect(material.clientCertificate?.serialNumber).toBe(client.serial);
  });

  test('GIVEN pins THEN a checkServerIdentity is installed', () => {
    const material = buildTlsMaterial(
      { pinnedSpkiSha256: [spkiSha256(new X509Certificate(server.cert))] },
      resolved({}),
    );

    expect(material.connect.checkServerIdentity).toBeInstanceOf(Function);
  });

  test.each<[string, () => ResolvedTlsSecrets['values'], string]>([
    [
      'the certificate and the key do not belong together',
      () => ({ cert: client.cert, key: other.key }),
      `client certificate secret file /run/secrets/client.crt does not match ${KEY_NAME}`,
    ],
    [
      'the passphrase is wrong',
      () => ({ cert: client.cert, key: encryptedKey, passphrase: 'wrong' }),
      `${KEY_NAME} can not be decrypted with passphrase environment variable CLIENT_KEY_PASSPHRASE`,
    ],
    [
      'the certificate is not PEM',
      () => ({ cert: 'not a certificate', key: client.key }),
      'client certificate secret file /run/secrets/client.crt is not a PEM certificate',
    ],
    [
      'the certificate is a corrupt PEM block',
      () => ({ cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', key: client.key }),
      'client certificate secret file /run/secrets/client.crt is not a PEM certificate',
    ],
    [
      'the key is not PEM',
      () => ({ cert: client.cert, key: 'not a key' }),
      `${KEY_NAME} is not a PEM private key`,
    ],
    [
      'the CA bundle holds no certificate',
      () => ({ ca: 'nothing here' }),
      'CA bundle secret file /run/secrets/ca.pem holds no PEM certificate',
    ],
    [
      'the CA bundle holds a corrupt certificate',
      () => ({ ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
      'CA bundle secret file /run/secrets/ca.pem holds an invalid certificate',
    ],
  ])('fails when %s, naming the secret and never its content', (_case, values, message) => {
    let error: unknown;
    try {
      buildTlsMaterial(TLS, resolved(values()));
    } catch (e) {
      error = e;
    }

    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', status: 503, message });
    expect((error as Error).message).not.toMatch(/BEGIN|PRIVATE KEY|wrong|open sesame/);
  });

  test('fails when the key is encrypted and no passphrase is configured', () => {
    const tls: BackendTlsConfig = {
      clientCertificate: { cert: { file: '/c.pem' }, key: { file: '/k.pem' } },
    };

    expect(() => buildTlsMaterial(tls, resolved({ cert: client.cert, key: encryptedKey }))).toThrow(
      'client key secret file /k.pem is encrypted and no passphrase is configured',
    );
  });
});

describe('pinningCheck', () => {
  const peer = () => new X509Certificate(server.cert).toLegacyObject();

  test('GIVEN the leaf key pinned and the right host THEN the identity is accepted', () => {
    const check = pinningCheck([
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      spkiSha256(new X509Certificate(server.cert)),
    ]);

    expect(check('backend.internal', peer())).toBeUndefined();
  });

  test('fails when the leaf key is not pinned', () => {
    const check = pinningCheck(['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=']);

    expect(check('backend.internal', peer())).toMatchObject({ code: 'ERR_TLS_SPKI_PIN_MISMATCH' });
  });

  test('fails when the host does not match, even with a matching pin (the hostname check runs first)', () => {
    const check = pinningCheck([spkiSha256(new X509Certificate(server.cert))]);

    expect(check('other.internal', peer())).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('checkPins', () => {
  test('GIVEN base64 SHA-256 pins THEN they are accepted', () => {
    expect(() => checkPins(['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='])).not.toThrow();
  });

  test.each([
    ['hex', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['too short', 'AAAA'],
    ['base64url', '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU='],
    ['empty', ''],
  ])('fails when a pin is %s', (_case, pin) => {
    let error: unknown;
    try {
      checkPins(['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', pin]);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        path: 'backend.tls.pinnedSpkiSha256[1]',
        message: `"${pin}" is not a base64 SHA-256 (44 characters ending in "=")`,
      },
    ]);
  });
});
