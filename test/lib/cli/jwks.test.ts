/**
 * `backend-link jwks`: the public JWKS of a signing key made by OpenSSL, checked against the public numbers
 * OpenSSL itself prints (not the code that wrote the JWKS); never a private member; an HMAC secret, a key
 * that does not fit --alg or an encrypted key refused with exit code 2 and a message that quotes no key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/backend-link';

function openssl(args: string[], cwd: string): Buffer {
  try {
    return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`openssl is needed by this test (apt-get install openssl): ${(error as Error).message}`);
  }
}

async function backendLink(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

describe('backend-link jwks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
  const f = (name: string) => join(dir, name);

  beforeAll(() => {
    openssl(['genpkey', '-algorithm', 'ed25519', '-out', 'ed25519.pem'], dir);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'p256.pem'], dir);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'p384.pem'], dir);
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.pem'], dir);
    openssl(['pkey', '-in', 'ed25519.pem', '-pubout', '-out', 'ed25519.pub.pem'], dir);
    openssl(
      ['pkey', '-in', 'p256.pem', '-aes256', '-passout', 'pass:S3cr3t-pass', '-out', 'encrypted.pem'],
      dir,
    );
    writeFileSync(f('hmac.txt'), 'an-hmac-secret-of-more-than-32-bytes-S3cr3t\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The public key's DER SubjectPublicKeyInfo, as OpenSSL writes it. */
  const spki = (file: string) => openssl(['pkey', '-in', file, '-pubout', '-outform', 'DER'], dir);

  test('GIVEN an Ed25519 private key THEN it prints the OKP JWK: x is the raw public key OpenSSL derives', async () => {
    const run = await backendLink('jwks', '--key', f('ed25519.pem'), '--kid', 'gateway-2026');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const der = spki('ed25519.pem');
    expect(JSON.parse(run.stdout)).toEqual({
      keys: [
        {
          kty: 'OKP',
          crv: 'Ed25519',
          x: der.subarray(der.length - 32).toString('base64url'),
          kid: 'gateway-2026',
          use: 'sig',
          alg: 'EdDSA',
        },
      ],
    });
  });

  test('GIVEN the public key instead THEN it prints the same JWKS', async () => {
    const fromPrivate = await backendLink('jwks', '--key', f('ed25519.pem'), '--kid', 'k');
    const fromPublic = await backendLink('jwks', '--key', f('ed25519.pub.pem'), '--kid', 'k');
    expect(fromPublic).toEqual(fromPrivate);
  });

  test('GIVEN a P-256 key THEN ES256, x and y the point OpenSSL writes (04 || x || y)', async () => {
    const run = await backendLink(
      'jwks',
      '--key',
      f('p256.pem'),
      '--kid',
      'ec',
      '--alg',
      'ecdsa-p256-sha256',
    );
    expect(run.code).toBe(0);
    const point = spki('p256.pem').subarray(-65);
    expect(point[0]).toBe(4);
    const [jwk] = JSON.parse(run.stdout).keys;
    expect(jwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
      kid: 'ec',
      use: 'sig',
      alg: 'ES256',
    });
  });

  test('GIVEN an RSA key THEN PS512, n the modulus OpenSSL prints, and no private member', async () => {
    const run = await backendLink('jwks', '--key', f('rsa.pem'), '--kid', 'rsa');
    expect(run.code).toBe(0);
    const [jwk] = JSON.parse(run.stdout).keys;
    const modulus = openssl(['rsa', '-in', 'rsa.pem', '-modulus', '-noout'], dir)
      .toString()
      .trim()
      .replace(/^Modulus=/, '');
    expect(jwk).toMatchObject({ kty: 'RSA', e: 'AQAB', kid: 'rsa', alg: 'PS512' });
    expect(Buffer.from(jwk.n, 'base64url').toString('hex').toUpperCase()).toBe(modulus.toUpperCase());
    for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
    // Nothing of the private key's PEM is in the output.
    const pemLines = readFileSync(f('rsa.pem'), 'utf8').split('\n').slice(1, -2);
    for (const line of pemLines) expect(run.stdout).not.toContain(line);
  });

  test.each(['PS256', 'RS256'])(
    'GIVEN an RSA key WHEN --alg %s (a private_key_jwt client registration) THEN the JWK says that algorithm',
    async (alg) => {
      const run = await backendLink('jwks', '--key', f('rsa.pem'), '--kid', 'gw-2026', '--alg', alg);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout).keys).toEqual([
        expect.objectContaining({ kty: 'RSA', kid: 'gw-2026', alg }),
      ]);
    },
  );

  test.each<[string, string, string]>([
    ['ed25519.pem', 'EdDSA', 'OKP'],
    ['p256.pem', 'ES256', 'EC'],
  ])('GIVEN %s WHEN --alg %s (private_key_jwt) THEN the JWK says that algorithm', async (file, alg, kty) => {
    const run = await backendLink('jwks', '--key', f(file), '--kid', 'gw-2026', '--alg', alg);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout).keys).toEqual([expect.objectContaining({ kty, kid: 'gw-2026', alg })]);
  });

  test.each<[string, string[], string]>([
    [
      'a P-256 key for RS256',
      ['--key', 'p256.pem', '--kid', 'k', '--alg', 'RS256'],
      'backend-link jwks: FILE is an EC key on prime256v1, but RS256 needs an RSA key of 2048 bits or more',
    ],
    [
      'an HMAC secret',
      ['--key', 'hmac.txt', '--kid', 'k'],
      'backend-link jwks: FILE is not a PEM key: an HMAC (shared) secret has no public key to publish; share it over a separate channel instead',
    ],
    [
      'an encrypted key',
      ['--key', 'encrypted.pem', '--kid', 'k'],
      'backend-link jwks: FILE is an encrypted private key: decrypt it first (openssl pkey -in FILE)',
    ],
    [
      'an Ed25519 key for rsa-pss-sha512',
      ['--key', 'ed25519.pem', '--kid', 'k', '--alg', 'rsa-pss-sha512'],
      'backend-link jwks: FILE is a key of type ed25519, but rsa-pss-sha512 needs an RSA key of 2048 bits or more',
    ],
    [
      'a P-384 key',
      ['--key', 'p384.pem', '--kid', 'k'],
      'backend-link jwks: FILE is an EC key on secp384r1, but ecdsa-p256-sha256 needs an EC key on P-256',
    ],
    [
      'a file that does not exist',
      ['--key', 'missing.pem', '--kid', 'k'],
      'backend-link jwks: can not read FILE: ENOENT',
    ],
  ])('fails when the key is %s: exit 2, the reason, no key material', async (_, args, message) => {
    const file = f(args[1]);
    const run = await backendLink('jwks', ...args.map((a, i) => (i === 1 ? file : a)));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${message.replace(/FILE/, file)}\n`);
    expect(run.stderr).not.toMatch(/S3cr3t|BEGIN/);
  });

  test.each<[string, string[], string]>([
    [
      '--alg hmac-sha256',
      ['--key', 'x', '--kid', 'k', '--alg', 'hmac-sha256'],
      '--alg hmac-sha256: an HMAC key is a shared secret with no public key to publish; share it over a separate channel instead',
    ],
    [
      'an unknown --alg',
      ['--key', 'x', '--kid', 'k', '--alg', 'rsa-sha256'],
      '--alg "rsa-sha256" is not one of ed25519, ecdsa-p256-sha256, rsa-pss-sha512, EdDSA, ES256, PS256, RS256',
    ],
    ['no --kid', ['--key', 'x'], '--kid KID is required'],
    ['no --key', ['--kid', 'k'], '--key FILE is required'],
    [
      'a --kid that is not ASCII',
      ['--key', 'x', '--kid', 'clé'],
      '--kid "clé" must be printable ASCII (it is the keyid)',
    ],
  ])('fails with %s: a usage error, exit 2', async (_, args, message) => {
    const run = await backendLink('jwks', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`backend-link jwks: ${message}`);
    expect(run.stderr).toContain('Usage: backend-link jwks --key FILE --kid KID [--alg ALG]');
  });
});
