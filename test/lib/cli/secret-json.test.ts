import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretInputError, buildSecretJson, main } from '../../../lib/cli/secret-json';

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
  } catch (error) {
    throw new Error(`openssl is needed by this test (apt-get install openssl): ${(error as Error).message}`);
  }
}

describe('backend-link-secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secret-json-'));
  const f = (name: string) => join(dir, name);

  beforeAll(() => {
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'client.key',
        '-out',
        'client.pem',
        '-days',
        '2',
        '-subj',
        '/CN=acme-gateway',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
      ],
      dir,
    );
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'other.key',
        '-out',
        'other.pem',
        '-days',
        '2',
        '-subj',
        '/CN=other',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      dir,
    );
    openssl(
      ['pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:s3cret:pass', '-out', 'client-enc.key'],
      dir,
    );
    writeFileSync(f('pass.txt'), 's3cret:pass\n');
    writeFileSync(f('wrong-pass.txt'), 'nope\n');
    writeFileSync(f('password.txt'), 'p:a:ss\n');
    writeFileSync(f('empty.txt'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN a certificate and its key THEN it prints the client-certificate JSON', () => {
    const json = JSON.parse(
      buildSecretJson('client-certificate', { certFile: f('client.pem'), keyFile: f('client.key') }),
    );
    expect(Object.keys(json)).toEqual(['certificate', 'privateKey']);
    expect(json.certificate).toContain('-----BEGIN CERTIFICATE-----');
    expect(json.privateKey).toContain('PRIVATE KEY-----');
  });

  it('GIVEN an encrypted key and its passphrase THEN the passphrase is kept (without the newline)', () => {
    const json = JSON.parse(
      buildSecretJson('client-certificate', {
        certFile: f('client.pem'),
        keyFile: f('client-enc.key'),
        passphraseFile: f('pass.txt'),
      }),
    );
    expect(json.passphrase).toBe('s3cret:pass');
  });

  it('GIVEN credentials THEN the password keeps its colons', () => {
    expect(
      JSON.parse(buildSecretJson('credentials', { username: 'gw', passwordFile: f('password.txt') })),
    ).toEqual({
      username: 'gw',
      password: 'p:a:ss',
    });
  });

  it('GIVEN an RFC 9421 private key (the P-256 key here) THEN the message-signing-key JSON holds the PEM under key', () => {
    const value = JSON.parse(buildSecretJson('message-signing-key', { keyFile: f('client.key') }));
    expect(Object.keys(value)).toEqual(['key']);
    expect(value.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('GIVEN a CA certificate THEN it is a ca-bundle', () => {
    expect(Object.keys(JSON.parse(buildSecretJson('ca-bundle', { caFile: f('other.pem') })))).toEqual([
      'caBundle',
    ]);
  });

  test.each<[string, Parameters<typeof buildSecretJson>[0], Record<string, string>, string]>([
    [
      'the key does not match the certificate',
      'client-certificate',
      { certFile: 'client.pem', keyFile: 'other.key' },
      'does not match certificate',
    ],
    [
      'the key is encrypted and no passphrase is given',
      'client-certificate',
      { certFile: 'client.pem', keyFile: 'client-enc.key' },
      'can not be read (encrypted? give --passphrase-file)',
    ],
    [
      'the passphrase is wrong',
      'client-certificate',
      { certFile: 'client.pem', keyFile: 'client-enc.key', passphraseFile: 'wrong-pass.txt' },
      'can not be read with that passphrase',
    ],
    [
      'the certificate file holds a key',
      'client-certificate',
      { certFile: 'client.key', keyFile: 'client.key' },
      'holds no PEM certificate',
    ],
    [
      'a CA bundle holds a leaf certificate',
      'ca-bundle',
      { caFile: 'client.pem' },
      'CN=acme-gateway is not a CA certificate',
    ],
    ['the token file is empty', 'token', { tokenFile: 'empty.txt' }, 'is empty'],
    ['a file is missing', 'token', { tokenFile: 'nope.txt' }, 'can not read token file'],
  ])('fails when %s', (_case, material, files, message) => {
    const inputs = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, f(v)]));
    expect(() => buildSecretJson(material, inputs)).toThrow(SecretInputError);
    expect(() => buildSecretJson(material, inputs)).toThrow(message);
  });

  it('fails when the certificate has expired', () => {
    const inTenDays = new Date(Date.now() + 10 * 86_400_000);
    expect(() =>
      buildSecretJson(
        'client-certificate',
        { certFile: f('client.pem'), keyFile: f('client.key') },
        inTenDays,
      ),
    ).toThrow(/^certificate .*client\.pem expired on /);
  });

  test.each([
    [['token'], 'backend-link-secret: token needs --token-file\n'],
    [
      ['credentials', '--username', 'a b', '--password-file', 'x'],
      'backend-link-secret: --username must be non-empty, without spaces or ":" (Basic auth splits on the first ":")\n',
    ],
    [['token', '--cert', 'x', '--token-file', 'y'], 'backend-link-secret: token does not take --cert\n'],
    [['token', '--bogus', 'x'], 'backend-link-secret: unknown option --bogus\n'],
    [
      ['tls', '--cert', 'x'],
      'backend-link-secret: unknown material "tls"; use one of credentials, token, client-certificate, ca-bundle, signing-key, message-signing-key, oauth-client-secret\n',
    ],
  ])('CLI %j exits 2 with a message naming the problem', (argv, message) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(
      argv,
      { write: (s: string) => out.push(s) } as never,
      { write: (s: string) => err.push(s) } as never,
    );
    expect(code).toBe(2);
    expect(err.join('')).toBe(message);
    expect(out).toEqual([]);
  });
});
