/**
 * The public half of a signing key as a JWKS (RFC 7517), for the handoff: what the backend owner loads into
 * their verifier (RFC 9421 message signatures), or what an authorization server registers for an OAuth
 * `private_key_jwt` client (RFC 7523). Used by tooling, not on the request path (keeps it out of the Lambda
 * bundle). HMAC keys are secret and have no public half.
 */
import { createPublicKey, KeyObject } from 'node:crypto';

/** The JWS algorithm a published key signs with (`alg`). */
export type JwsAlgorithm = 'EdDSA' | 'ES256' | 'PS512' | 'PS256' | 'RS256';

/** The JWS name of each public-key algorithm of RFC 9421 message signatures. */
export const MESSAGE_SIGNATURE_JWS: Readonly<Record<string, JwsAlgorithm>> = {
  ed25519: 'EdDSA',
  'ecdsa-p256-sha256': 'ES256',
  'rsa-pss-sha512': 'PS512',
};

const RSA_ALGORITHMS: ReadonlySet<JwsAlgorithm> = new Set(['PS512', 'PS256', 'RS256']);

export interface PublicJwk {
  readonly kty: string;
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: JwsAlgorithm;
  readonly [member: string]: string;
}

export interface PublicJwks {
  readonly keys: readonly PublicJwk[];
}

/**
 * `{ keys: [jwk] }` for a private (or public) Ed25519, P-256 or RSA key, with `kid` the keyid the
 * signatures carry and `alg` the algorithm it signs with: EdDSA for Ed25519, ES256 for P-256, and for RSA
 * `alg` as given (PS512 for rsa-pss-sha512, the default; PS256 or RS256 for an OAuth client assertion). An
 * RSA-PSS-typed key (id-RSASSA-PSS, as in RFC 9421 B.1.2) is published with its modulus and exponent like
 * any RSA key. Throws when `alg` does not suit the key.
 */
export function publicJwks(key: KeyObject, keyid: string, alg?: JwsAlgorithm): PublicJwks {
  if (key.type === 'secret') {
    throw new Error(
      'publicJwks: an HMAC (secret) key has no public key to publish; share the secret instead',
    );
  }
  if (keyid.length === 0) throw new Error('publicJwks: keyid must not be empty');
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const type = publicKey.asymmetricKeyType;
  const suits = (natural: JwsAlgorithm, allowed: (a: JwsAlgorithm) => boolean): JwsAlgorithm => {
    if (alg !== undefined && !allowed(alg)) {
      throw new Error(`publicJwks: a ${type} key does not sign ${alg}`);
    }
    return alg ?? natural;
  };
  if (type === 'ed25519') {
    const { kty, crv, x } = publicKey.export({ format: 'jwk' });
    const signs = suits('EdDSA', (a) => a === 'EdDSA');
    return jwks({
      kty: kty as string,
      crv: crv as string,
      x: x as string,
      kid: keyid,
      use: 'sig',
      alg: signs,
    });
  }
  if (type === 'ec') {
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    if (crv !== 'P-256')
      throw new Error(`publicJwks: an EC key on ${String(crv)}; ES256 (ecdsa-p256-sha256) needs P-256`);
    const signs = suits('ES256', (a) => a === 'ES256');
    return jwks({
      kty: kty as string,
      crv,
      x: x as string,
      y: y as string,
      kid: keyid,
      use: 'sig',
      alg: signs,
    });
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const signs = suits('PS512', (a) => RSA_ALGORITHMS.has(a));
    // Node exports no JWK for id-RSASSA-PSS keys: read n and e from the SubjectPublicKeyInfo, whose
    // BIT STRING holds the same RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER } as rsaEncryption.
    const { n, e } =
      type === 'rsa'
        ? (publicKey.export({ format: 'jwk' }) as { n: string; e: string })
        : rsaPublicNumbers(publicKey.export({ type: 'spki', format: 'der' }));
    return jwks({ kty: 'RSA', n, e, kid: keyid, use: 'sig', alg: signs });
  }
  throw new Error(`publicJwks: a ${type ?? 'unknown'} key can not be published (Ed25519, EC P-256 or RSA)`);
}

function jwks(jwk: PublicJwk): PublicJwks {
  return { keys: [jwk] };
}

/** n and e (base64url, no leading zero bytes) from an RSA SubjectPublicKeyInfo in DER. */
function rsaPublicNumbersUnchecked(spki: Buffer): { n: string; e: string } {
  const reader = new DerReader(spki);
  const outer = reader.enter(0x30); // SubjectPublicKeyInfo
  outer.skip(0x30); // AlgorithmIdentifier
  const bits = outer.read(0x03); // subjectPublicKey BIT STRING
  if (bits[0] !== 0) throw new Error('unused bits in the key');
  const rsa = new DerReader(bits.subarray(1)).enter(0x30);
  const n = stripZeros(rsa.read(0x02));
  const e = stripZeros(rsa.read(0x02));
  return { n: n.toString('base64url'), e: e.toString('base64url') };
}

function rsaPublicNumbers(spki: Buffer): { n: string; e: string } {
  try {
    return rsaPublicNumbersUnchecked(spki);
  } catch (error) {
    throw new Error(`publicJwks: the RSA-PSS public key could not be read: ${(error as Error).message}`);
  }
}

function stripZeros(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i += 1;
  return bytes.subarray(i);
}

/** Just enough DER: definite lengths, one level at a time. */
class DerReader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  read(tag: number): Buffer {
    if (this.bytes[this.offset] !== tag) {
      throw new Error(`expected DER tag 0x${tag.toString(16)} at ${this.offset}`);
    }
    let length = this.bytes[this.offset + 1];
    let start = this.offset + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 4) throw new Error('unsupported DER length');
      length = 0;
      for (let i = 0; i < count; i += 1) length = length * 256 + this.bytes[start + i];
      start += count;
    }
    if (start + length > this.bytes.length) throw new Error('truncated DER');
    this.offset = start + length;
    return this.bytes.subarray(start, start + length);
  }

  enter(tag: number): DerReader {
    return new DerReader(this.read(tag));
  }

  skip(tag: number): void {
    this.read(tag);
  }
}
