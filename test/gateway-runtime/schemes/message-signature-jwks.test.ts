/**
 * publicJwks: the public key the handoff publishes. Checked against the RFC's own JWK forms of its
 * example keys, and by verifying signatures with `jose`'s importJWK of the JWKS through WebCrypto (an
 * implementation other than the node:crypto KeyObjects the runtime signs with), in a child process
 * because jose is ESM-only.
 */
import { spawn } from 'node:child_process';
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import { join } from 'node:path';
import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import {
  createMessageSignatureScheme,
  MessageSignatureAlgorithm,
} from '../../../gateway-runtime/src/schemes/message-signature';
import { publicJwks, PublicJwks } from '../../../gateway-runtime/src/schemes/message-signature-jwks';
import {
  RFC_PUBLIC_JWKS,
  TEST_KEY_ECC_P256,
  TEST_KEY_ED25519,
  TEST_KEY_RSA_PSS,
  VECTORS,
} from './fixtures/rfc9421-vectors';
import { MapSecrets } from './support/map-secrets';

const VERIFIER = join(__dirname, 'fixtures/jose-verify.mjs');

interface Check {
  readonly kid: string;
  readonly base: string;
  readonly signature: string;
}

/** Runs the jose verifier: one verdict per check. */
function joseVerify(jwks: PublicJwks, checks: readonly Check[]): Promise<boolean[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VERIFIER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`jose verifier exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as boolean[]);
    });
    child.stdin.end(JSON.stringify({ jwks, checks }));
  });
}

describe('publicJwks', () => {
  test("the RFC's example keys give the RFC's JWK members (B.1.2 RSA-PSS, B.1.3 P-256, B.1.4 Ed25519)", () => {
    const rsa = publicJwks(createPrivateKey(TEST_KEY_RSA_PSS.privatePem), 'test-key-rsa-pss').keys[0];
    expect(rsa).toEqual({ ...RFC_PUBLIC_JWKS.rsaPss, use: 'sig', alg: 'PS512' });
    const ec = publicJwks(createPrivateKey(TEST_KEY_ECC_P256.privatePem), 'test-key-ecc-p256').keys[0];
    expect(ec).toEqual({ ...RFC_PUBLIC_JWKS.eccP256, use: 'sig', alg: 'ES256' });
    const ed = publicJwks(createPublicKey(TEST_KEY_ED25519.publicPem), 'test-key-ed25519').keys[0];
    expect(ed).toEqual({ ...RFC_PUBLIC_JWKS.ed25519, use: 'sig', alg: 'EdDSA' });
    // Never the private parts.
    for (const jwk of [rsa, ec, ed]) expect(Object.keys(jwk)).not.toEqual(expect.arrayContaining(['d']));
  });

  test("the RFC's B.2 signatures verify with jose keys imported from the JWKS", async () => {
    const jwks: PublicJwks = {
      keys: [
        ...publicJwks(createPublicKey(TEST_KEY_RSA_PSS.publicPem), 'test-key-rsa-pss').keys,
        ...publicJwks(createPublicKey(TEST_KEY_ECC_P256.publicPem), 'test-key-ecc-p256').keys,
        ...publicJwks(createPublicKey(TEST_KEY_ED25519.publicPem), 'test-key-ed25519').keys,
      ],
    };
    const asymmetric = VECTORS.filter((v) => v.algorithm !== 'hmac-sha256');
    const checks = asymmetric.flatMap((v) => {
      const kid = /keyid="([^"]+)"/.exec(v.signatureInput)![1];
      const signature = /=:([^:]*):$/.exec(v.signature)![1];
      return [
        { kid, base: v.base, signature },
        { kid, base: `${v.base}.`, signature },
      ];
    });
    expect(await joseVerify(jwks, checks)).toEqual(asymmetric.flatMap(() => [true, false]));
  });

  test.each([
    ['ed25519', () => generateKeyPairSync('ed25519').privateKey],
    ['ecdsa-p256-sha256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
    ['rsa-pss-sha512', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
    ['rsa-pss-sha512', () => createPrivateKey(TEST_KEY_RSA_PSS.privatePem)],
  ] as const)(
    '%s: a request signed by the scheme verifies with jose and the JWKS of its key',
    async (algorithm: MessageSignatureAlgorithm, makeKey: () => KeyObject) => {
      const privateKey = makeKey();
      const ref: SecretRef = { env: 'K' };
      const scheme = createMessageSignatureScheme(
        { type: 'message-signature', algorithm, key: ref, keyId: 'gw-1' },
        {
          secrets: new MapSecrets().set(ref, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
        },
      );
      const url = new URL('https://backend.example:8443/orders?id=7');
      const added = await scheme.authorize({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{"qty":1}'),
      });
      const base = [
        '"@method": POST',
        '"@authority": backend.example:8443',
        '"@path": /orders',
        '"@query": ?id=7',
        `"content-digest": ${added['content-digest']}`,
        '"content-type": application/json',
        `"@signature-params": ${added['signature-input'].slice('sig1='.length)}`,
      ].join('\n');
      const signature = /=:([^:]*):$/.exec(added.signature)![1];
      const jwks = publicJwks(privateKey, 'gw-1');
      expect(
        await joseVerify(jwks, [
          { kid: 'gw-1', base, signature },
          { kid: 'gw-1', base: base.replace('POST', 'PUT'), signature },
        ]),
      ).toEqual([true, false]);
    },
  );

  test('an HMAC key, a foreign curve and an empty keyid are refused', () => {
    expect(() => publicJwks(createSecretKey(Buffer.alloc(32, 1)), 'k')).toThrow(
      'publicJwks: an HMAC (secret) key has no public key to publish; share the secret instead',
    );
    expect(() => publicJwks(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'k')).toThrow(
      'publicJwks: an EC key on P-384; ES256 (ecdsa-p256-sha256) needs P-256',
    );
    expect(() => publicJwks(generateKeyPairSync('ed25519').publicKey, '')).toThrow(
      'publicJwks: keyid must not be empty',
    );
  });
});
