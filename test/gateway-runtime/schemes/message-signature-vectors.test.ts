/**
 * RFC 9421 Appendix B and RFC 9530 examples against the message-signature code. Deterministic
 * algorithms (hmac-sha256, ed25519) must reproduce the RFC's signature bytes; for the randomized ones
 * (rsa-pss-sha512, ecdsa-p256-sha256) the RFC's signatures must verify with this module's verifier and
 * this module's signatures with the independent `http-message-signatures` package.
 */
import { createHash, createPrivateKey, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { createVerifier, httpbis } from 'http-message-signatures';
import {
  contentDigest,
  parseComponentId,
  serializeParams,
  signatureBase,
} from '../../../gateway-runtime/src/schemes/message-signature-base';
import {
  createMessageSignatureScheme,
  MessageSignatureAlgorithm,
  parseSigningKey,
  signBase,
  verifyBase,
} from '../../../gateway-runtime/src/schemes/message-signature';
import {
  TEST_KEY_ECC_P256,
  TEST_KEY_ED25519,
  TEST_KEY_RSA_PSS,
  TEST_REQUEST,
  TEST_RESPONSE,
  TEST_SHARED_SECRET_BASE64,
  VECTORS,
  Rfc9421Vector,
} from './fixtures/rfc9421-vectors';
import { MapSecrets } from './support/map-secrets';

/** An HTTP/1.1 message as written in the RFC: start line, headers (lower-cased names), body. */
function parseMessage(text: string) {
  const [head, body] = text.split('\n\n');
  const [start, ...lines] = head.split('\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { start, headers, body: Buffer.from(body.replace(/\n$/, ''), 'utf8') };
}

const request = parseMessage(TEST_REQUEST);
const [method, target] = request.start.split(' ');
const requestUrl = new URL(`https://${request.headers.host}${target}`);
const response = parseMessage(TEST_RESPONSE);

const PRIVATE: Record<MessageSignatureAlgorithm, KeyObject> = {
  'rsa-pss-sha512': createPrivateKey(TEST_KEY_RSA_PSS.privatePem),
  'ecdsa-p256-sha256': createPrivateKey(TEST_KEY_ECC_P256.privatePem),
  ed25519: createPrivateKey(TEST_KEY_ED25519.privatePem),
  'hmac-sha256': createSecretKey(Buffer.from(TEST_SHARED_SECRET_BASE64, 'base64')),
};
const PUBLIC: Record<MessageSignatureAlgorithm, KeyObject> = {
  'rsa-pss-sha512': createPublicKey(TEST_KEY_RSA_PSS.publicPem),
  'ecdsa-p256-sha256': createPublicKey(TEST_KEY_ECC_P256.publicPem),
  ed25519: createPublicKey(TEST_KEY_ED25519.publicPem),
  'hmac-sha256': PRIVATE['hmac-sha256'],
};

/** The vector's Signature-Input split into its covered components and its parameters. */
function inputOf(vector: Rfc9421Vector) {
  const match = /^([^=]+)=\(([^)]*)\)(.*)$/.exec(vector.signatureInput);
  if (!match) throw new Error(`unexpected Signature-Input ${vector.signatureInput}`);
  const items = match[2] === '' ? [] : match[2].split(' ');
  // `"@query-param";name="Pet"` → `@query-param;name="Pet"` (the configured form).
  const components = items.map((item) => parseComponentId(item.replace(/^"([^"]+)"/, '$1')));
  const params = Object.fromEntries(
    match[3]
      .split(';')
      .filter(Boolean)
      .map((p) => {
        const [k, v] = p.split('=');
        return [k, v.startsWith('"') ? v.slice(1, -1) : Number(v)];
      }),
  );
  return { label: match[1], components, params, value: vector.signatureInput.slice(match[1].length + 1) };
}

const signatureBytes = (field: string): Buffer => Buffer.from(/=:([^:]*):$/.exec(field)![1], 'base64');

const requestVectors = VECTORS.filter((v) => v.section !== 'B.2.4');
const b24 = VECTORS.find((v) => v.section === 'B.2.4')!;

describe('RFC 9421 Appendix B: signature bases and parameters', () => {
  test.each(requestVectors.map((v) => [v.section, v]))(
    '%s: the signature base of test-request is the RFC one, byte for byte',
    (_section, vector) => {
      const input = inputOf(vector);
      const base = signatureBase(
        input.components,
        { method, url: requestUrl, headers: request.headers },
        input.value,
      );
      expect(base).toBe(vector.base);
    },
  );

  test.each(requestVectors.map((v) => [v.section, v]))(
    '%s: the parameters serialise as the RFC writes them',
    (_section, vector) => {
      const input = inputOf(vector);
      const { created, keyid, nonce, tag } = input.params as Record<string, string | number | undefined>;
      const params = serializeParams({
        created: created as number,
        keyid: keyid as string,
        ...(nonce !== undefined ? { nonce: nonce as string } : {}),
        ...(tag !== undefined ? { tag: tag as string } : {}),
      });
      const list = `(${input.components.map((c) => c.serialized).join(' ')})`;
      expect(`${input.label}=${list}${params}`).toBe(vector.signatureInput);
    },
  );
});

describe('RFC 9421 Appendix B: signatures', () => {
  test.each(
    VECTORS.filter((v) => v.algorithm === 'hmac-sha256' || v.algorithm === 'ed25519').map((v) => [
      v.section,
      v,
    ]),
  )('%s (deterministic): signing the base reproduces the RFC signature bytes', (_section, vector) => {
    const key =
      vector.algorithm === 'hmac-sha256'
        ? parseSigningKey('hmac-sha256', TEST_SHARED_SECRET_BASE64, 'base64')
        : parseSigningKey('ed25519', TEST_KEY_ED25519.privatePem);
    const signature = signBase(vector.algorithm, key, vector.base);
    expect(`${vector.label}=:${signature.toString('base64')}:`).toBe(vector.signature);
  });

  test.each(VECTORS.map((v) => [v.section, v]))(
    "%s: the RFC's signature verifies with this module's verifier, and not over a changed base",
    (_section, vector) => {
      const signature = signatureBytes(vector.signature);
      expect(verifyBase(vector.algorithm, PUBLIC[vector.algorithm], vector.base, signature)).toBe(true);
      expect(verifyBase(vector.algorithm, PUBLIC[vector.algorithm], `${vector.base} `, signature)).toBe(
        false,
      );
    },
  );

  test('B.2.4: an ECDSA signature in DER form is refused (RFC 9421 wants r||s)', () => {
    const raw = signatureBytes(b24.signature);
    expect(raw).toHaveLength(64);
    const der = Buffer.concat([
      Buffer.from([0x30, 0x44, 0x02, 0x20]),
      raw.subarray(0, 32),
      Buffer.from([0x02, 0x20]),
      raw.subarray(32),
    ]);
    expect(verifyBase('ecdsa-p256-sha256', PUBLIC['ecdsa-p256-sha256'], b24.base, der)).toBe(false);
  });

  test.each(requestVectors.map((v) => [v.section, v]))(
    '%s: a signature made here over test-request verifies with http-message-signatures',
    async (_section, vector) => {
      const key = parseSigningKey(
        vector.algorithm,
        vector.algorithm === 'hmac-sha256'
          ? TEST_SHARED_SECRET_BASE64
          : vector.algorithm === 'ed25519'
            ? TEST_KEY_ED25519.privatePem
            : TEST_KEY_RSA_PSS.privatePem,
        vector.algorithm === 'hmac-sha256' ? 'base64' : undefined,
      );
      const ours = signBase(vector.algorithm, key, vector.base);
      const verdict = await verifyWithPackage(vector, ours, {
        method,
        url: requestUrl.href,
        headers: request.headers,
      });
      expect(verdict).toBe(true);
      // The same check fails for a signature over anything else: the verdict is not a formality.
      const other = signBase(vector.algorithm, key, `${vector.base}x`);
      await expect(
        verifyWithPackage(vector, other, { method, url: requestUrl.href, headers: request.headers }),
      ).resolves.toBe(false);
    },
  );

  test('B.2.4: an ecdsa-p256-sha256 signature made here over test-response verifies with http-message-signatures', async () => {
    const ours = signBase(
      'ecdsa-p256-sha256',
      parseSigningKey('ecdsa-p256-sha256', TEST_KEY_ECC_P256.privatePem),
      b24.base,
    );
    expect(ours).toHaveLength(64);
    // The RFC's B.2.4 base quotes a Content-Digest (mEWX…) that is not the one in its test-response
    // (JlEy…); its signature is over the base. The verifier rebuilds the base from the message, so
    // give it the message the base describes.
    const baseDigest = /^"content-digest": (.*)$/m.exec(b24.base)![1];
    expect(baseDigest).not.toBe(response.headers['content-digest']);
    const headers = { ...response.headers, 'content-digest': baseDigest };
    await expect(verifyWithPackage(b24, ours, { status: 200, headers })).resolves.toBe(true);
    await expect(
      verifyWithPackage(b24, signatureBytes(b24.signature), { status: 200, headers }),
    ).resolves.toBe(true);
  });
});

/** The package rebuilds the base from the message and the Signature-Input, then checks our bytes. */
async function verifyWithPackage(
  vector: Rfc9421Vector,
  signature: Buffer,
  message:
    | { method: string; url: string; headers: Record<string, string> }
    | { status: number; headers: Record<string, string> },
): Promise<boolean | null> {
  const headers = {
    ...message.headers,
    'signature-input': vector.signatureInput,
    signature: `${vector.label}=:${signature.toString('base64')}:`,
  };
  return httpbis.verifyMessage(
    {
      keyLookup: async (params) => {
        expect(params.keyid).toBeDefined();
        return {
          id: String(params.keyid),
          algs: [vector.algorithm],
          verify: createVerifier(PUBLIC[vector.algorithm], vector.algorithm),
        };
      },
    },
    { ...message, headers } as Parameters<typeof httpbis.verifyMessage>[1],
  );
}

describe('the scheme reproduces the RFC bytes end to end (authorize → Signature-Input, Signature)', () => {
  test.each([
    ['B.2.5', 'hmac-sha256', TEST_SHARED_SECRET_BASE64, 'test-shared-secret'],
    ['B.2.6', 'ed25519', TEST_KEY_ED25519.privatePem, 'test-key-ed25519'],
  ] as const)('%s', async (section, algorithm, secret, keyId) => {
    const vector = VECTORS.find((v) => v.section === section)!;
    const input = inputOf(vector);
    const key = { env: 'SIGNING_KEY' } as const;
    const scheme = createMessageSignatureScheme(
      {
        type: 'message-signature',
        algorithm,
        key,
        keyId,
        label: vector.label,
        components: input.components.map((c) => c.serialized.replace(/^"([^"]+)"/, '$1')),
        validitySeconds: 0,
        ...(algorithm === 'hmac-sha256' ? { secretEncoding: 'base64' as const } : {}),
      },
      { secrets: new MapSecrets().set(key, secret), now: () => 1618884473_000 },
    );
    const added = await scheme.authorize({
      method,
      url: requestUrl,
      headers: request.headers,
      body: request.body,
    });
    expect(added['signature-input']).toBe(vector.signatureInput);
    expect(added.signature).toBe(vector.signature);
  });
});

describe('RFC 9530 Content-Digest', () => {
  test('the sample digest values of {"hello": "world"} (RFC 9530 Appendix D, RFC 9421 B.2)', () => {
    const body = Buffer.from('{"hello": "world"}');
    expect(contentDigest('sha-256', body)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    expect(contentDigest('sha-512', body)).toBe(
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    );
    expect(contentDigest('sha-512', body)).toBe(request.headers['content-digest']);
  });

  test('RFC 9530 B.1: {"hello": "world"} and a newline', () => {
    expect(contentDigest('sha-256', Buffer.from('{"hello": "world"}\n'))).toBe(
      'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:',
    );
  });

  test('matches node:crypto over random bodies of many sizes, and no body is the digest of zero bytes', () => {
    for (const size of [1, 17, 1000, 65_537, 1_000_003]) {
      const body = Buffer.alloc(size, 0);
      for (let i = 0; i < size; i += 1) body[i] = (i * 131 + 7) & 0xff;
      for (const [name, hash] of [
        ['sha-256', 'sha256'],
        ['sha-512', 'sha512'],
      ] as const) {
        expect(contentDigest(name, body)).toBe(`${name}=:${createHash(hash).update(body).digest('base64')}:`);
      }
    }
    expect(contentDigest('sha-256', undefined)).toBe(
      `sha-256=:${createHash('sha256').update(Buffer.alloc(0)).digest('base64')}:`,
    );
  });
});
