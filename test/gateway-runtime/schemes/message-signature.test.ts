/** The message-signature scheme's own rules: options, keys, defaults per request shape, failures. */
import { createHash, createPublicKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import {
  BadRequestError,
  ConfigError,
  CredentialsUnavailableError,
} from '../../../gateway-runtime/src/core/errors';
import {
  fieldValue,
  parseComponentId,
  queryParamValues,
} from '../../../gateway-runtime/src/schemes/message-signature-base';
import {
  createMessageSignatureScheme,
  MessageSignatureSchemeOptions,
  verifyBase,
} from '../../../gateway-runtime/src/schemes/message-signature';
import type { OutgoingRequest } from '../../../gateway-runtime/src/schemes/types';
import type { SecretResolver, SecretValue } from '../../../gateway-runtime/src/secrets/types';
import { MapSecrets } from './support/map-secrets';

const KEY: SecretRef = { env: 'SIGNING_KEY' };
const ed = generateKeyPairSync('ed25519');
const edPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function scheme(
  options: Partial<MessageSignatureSchemeOptions> = {},
  secrets: SecretResolver = new MapSecrets().set(KEY, edPem),
  now = () => 1_700_000_000_500,
) {
  return createMessageSignatureScheme(
    { type: 'message-signature', algorithm: 'ed25519', key: KEY, keyId: 'k1', ...options },
    { secrets, now },
  );
}

const get = (url: string, headers: Record<string, string> = {}): OutgoingRequest => ({
  method: 'GET',
  url: new URL(url),
  headers: { host: new URL(url).host, ...headers },
});

function configProblems(options: Partial<MessageSignatureSchemeOptions>): string[] {
  try {
    scheme(options);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

/** Rebuilds the base the way a verifier would, from the parts of Signature-Input, and checks it. */
function verifies(added: Record<string, string>, base: string, key: KeyObject = ed.publicKey): boolean {
  const signature = Buffer.from(/=:([^:]*):$/.exec(added.signature)![1], 'base64');
  return verifyBase('ed25519', key, base, signature);
}

describe('options', () => {
  test('each bad option is named with its value and the rule, all at once', () => {
    const problems = configProblems({
      algorithm: 'rsa-sha256' as never,
      keyId: 'caf\u00e9',
      label: 'Sig1',
      tag: '',
      validitySeconds: 90_000,
      contentDigest: 'md5' as never,
      components: ['@method', 'Content-Type', '@status', '@bogus', '@method', '@query-param', 'x;sf'],
    });
    expect(problems).toEqual([
      'security.algorithm: "rsa-sha256" is not one of ed25519, ecdsa-p256-sha256, rsa-pss-sha512, hmac-sha256',
      'security.keyId: must be a non-empty string of printable ASCII characters',
      'security.label: "Sig1" is not a structured-field key (lower case: a-z, *, then a-z 0-9 _ - . *)',
      'security.tag: must be a non-empty string of printable ASCII characters',
      'security.validitySeconds: 90000 is not a whole number of seconds from 0 to 86400',
      'security.contentDigest: "md5" is not "sha-256" or "sha-512"',
      'security.components[1]: "Content-Type" is not a lower-case HTTP field name',
      'security.components[2]: "@status" can not be covered by a request signature',
      'security.components[3]: "@bogus" is not a derived component (one of @method, @target-uri, @authority, @scheme, @request-target, @path, @query, @query-param)',
      'security.components[4]: "@method" is listed twice (RFC 9421 §2.5)',
      'security.components[5]: "@query-param" needs one parameter name="…" (the query parameter)',
      'security.components[6]: "x;sf": component parameters (sf, key, bs, req, tr) are not supported; only @query-param takes name',
    ]);
  });

  test('hop-by-hop and the signature headers can not be covered', () => {
    expect(
      configProblems({ components: ['@method', 'connection', 'transfer-encoding', 'signature'] }),
    ).toEqual(
      [1, 2, 3].map(
        (i) =>
          `security.components[${i}]: "${['', 'connection', 'transfer-encoding', 'signature'][i]}" can not be covered: it is set after signing, by the HTTP client or this scheme (cover content-digest for the body)`,
      ),
    );
  });

  test('content-length listed: the scheme sets it to the body length, covered when sent, and buffers the body', async () => {
    const s = scheme({ components: ['@method', 'content-length'] });
    expect(s.needsBody).toBe(true);
    expect(s.headerNames).toEqual(['signature', 'signature-input', 'content-length']);
    const post = await s.authorize({ ...get('https://h/p'), method: 'POST', body: Buffer.from('12345') });
    expect(post['content-length']).toBe('5');
    expect(
      verifies(
        post,
        `"@method": POST\n"content-length": 5\n"@signature-params": ${post['signature-input'].slice(5)}`,
      ),
    ).toBe(true);
    const empty = await s.authorize({ ...get('https://h/p'), method: 'PUT' });
    expect(empty['content-length']).toBe('0');
    expect(empty['signature-input']).toMatch(/^sig1=\("@method" "content-length"\);/);
    // A GET sends no Content-Length: the signature leaves it out rather than failing the request.
    const plain = await s.authorize(get('https://h/p'));
    expect(plain['content-length']).toBeUndefined();
    expect(plain['signature-input']).toMatch(/^sig1=\("@method"\);/);
  });

  test('secretEncoding is refused for asymmetric algorithms', () => {
    expect(configProblems({ secretEncoding: 'base64' })).toEqual([
      'security.secretEncoding: applies to hmac-sha256 only',
    ]);
  });

  test('headerNames and needsBody: default and content-digest listed buffer the body; other lists do not', () => {
    expect(scheme()).toMatchObject({
      type: 'message-signature',
      mayRetry: false,
      needsBody: true,
      headerNames: ['signature', 'signature-input', 'content-digest'],
    });
    expect(scheme({ components: ['@method', '@path'] })).toMatchObject({
      needsBody: false,
      headerNames: ['signature', 'signature-input'],
    });
    expect(scheme({ components: ['@method', 'content-digest'] }).needsBody).toBe(true);
  });
});

describe('signing', () => {
  test('default components follow the request: query, body and content-type only when present', async () => {
    const s = scheme();
    const plain = await s.authorize(get('https://api.example.com/a/b'));
    expect(plain['signature-input']).toBe(
      'sig1=("@method" "@authority" "@path");created=1700000000;expires=1700000300;keyid="k1"',
    );
    expect(plain['content-digest']).toBeUndefined();
    expect(
      verifies(
        plain,
        '"@method": GET\n"@authority": api.example.com\n"@path": /a/b\n' +
          `"@signature-params": ${plain['signature-input'].slice('sig1='.length)}`,
      ),
    ).toBe(true);

    const body = Buffer.from('{"a":1}');
    const full = await s.authorize({
      method: 'POST',
      url: new URL('https://API.example.com:8443/a?x=1&y=%20'),
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(full['content-digest']).toBe(`sha-256=:${createHash('sha256').update(body).digest('base64')}:`);
    expect(full['signature-input']).toBe(
      'sig1=("@method" "@authority" "@path" "@query" "content-digest" "content-type");created=1700000000;expires=1700000300;keyid="k1"',
    );
    expect(
      verifies(
        full,
        [
          '"@method": POST',
          '"@authority": api.example.com:8443',
          '"@path": /a',
          '"@query": ?x=1&y=%20',
          `"content-digest": ${full['content-digest']}`,
          '"content-type": application/json',
          `"@signature-params": ${full['signature-input'].slice('sig1='.length)}`,
        ].join('\n'),
      ),
    ).toBe(true);
  });

  test('an empty body is no body: no content-digest in the default', async () => {
    const added = await scheme().authorize({ ...get('https://h/p'), method: 'POST', body: Buffer.alloc(0) });
    expect(added['content-digest']).toBeUndefined();
  });

  test('content-digest listed: sent even without a body (the digest of zero bytes), sha-512 when chosen', async () => {
    const added = await scheme({ components: ['content-digest'], contentDigest: 'sha-512' }).authorize(
      get('https://h/p'),
    );
    expect(added['content-digest']).toBe(
      'sha-512=:z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==:',
    );
  });

  test('a listed header the request lacks fails the request with 400, naming it', async () => {
    await expect(
      Promise.resolve().then(() =>
        scheme({ components: ['@method', 'x-tenant'] }).authorize(get('https://h/p')),
      ),
    ).rejects.toThrow(
      new BadRequestError('the request has no "x-tenant" header, which the signature must cover'),
    );
    await expect(
      Promise.resolve().then(() =>
        scheme({ components: ['@query-param;name="id"'] }).authorize(get('https://h/p?other=1')),
      ),
    ).rejects.toThrow(
      new BadRequestError('the request has no query parameter "id", which the signature must cover'),
    );
  });

  test('a covered value with non-ASCII characters fails with 400 (RFC 9421 §2.5 step 4)', async () => {
    await expect(
      Promise.resolve().then(() =>
        scheme({ components: ['@method', 'x-name'] }).authorize(
          get('https://h/p', { 'x-name': 'caf\u00e9' }),
        ),
      ),
    ).rejects.toThrow(new BadRequestError('a covered component has non-ASCII characters'));
  });

  test('with the secret at hand (resolveNow) authorize answers at once, without a promise', () => {
    const value: SecretValue = { value: edPem, version: 'v1' };
    const secrets: SecretResolver = {
      resolve: async () => value,
      resolveNow: () => value,
    };
    const added = scheme({}, secrets).authorize(get('https://h/p'));
    expect(added).not.toBeInstanceOf(Promise);
    expect((added as Record<string, string>).signature).toMatch(/^sig1=:[A-Za-z0-9+/]{86}==:$/);
  });

  test('the key is parsed once per secret version and re-read when it rotates', async () => {
    const secrets = new MapSecrets().set(KEY, edPem);
    const s = scheme({}, secrets);
    const first = await s.authorize(get('https://h/p'));
    const next = generateKeyPairSync('ed25519');
    secrets.set(KEY, next.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const second = await s.authorize(get('https://h/p'));
    const base = (added: Record<string, string>) =>
      `"@method": GET\n"@authority": h\n"@path": /p\n"@signature-params": ${added['signature-input'].slice(5)}`;
    expect(verifies(first, base(first))).toBe(true);
    expect(verifies(second, base(second))).toBe(false);
    expect(verifies(second, base(second), next.publicKey)).toBe(true);
  });

  test('nonce: random per signature; validitySeconds sets expires, 0 leaves it out', async () => {
    const s = scheme({ nonce: true, validitySeconds: 30 });
    const a = (await s.authorize(get('https://h/p')))['signature-input'];
    const b = (await s.authorize(get('https://h/p')))['signature-input'];
    expect(a).toMatch(/;created=1700000000;expires=1700000030;keyid="k1";nonce="[A-Za-z0-9_-]{22}"$/);
    expect(a).not.toBe(b);
    expect((await scheme({ validitySeconds: 0 }).authorize(get('https://h/p')))['signature-input']).toBe(
      'sig1=("@method" "@authority" "@path");created=1700000000;keyid="k1"',
    );
  });

  test('the same base within one second reuses the signature (ECDSA, randomized); a new second or a nonce signs anew', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let clock = 1_700_000_000_000;
    const s = scheme(
      { algorithm: 'ecdsa-p256-sha256' },
      new MapSecrets().set(KEY, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      () => clock,
    );
    const a = await s.authorize(get('https://h/p'));
    clock += 900;
    const b = await s.authorize(get('https://h/p'));
    const other = await s.authorize(get('https://h/q'));
    clock += 100;
    const c = await s.authorize(get('https://h/p'));
    expect(b).toEqual(a);
    expect(other.signature).not.toBe(a.signature);
    expect(c['signature-input']).not.toBe(a['signature-input']);
    expect(c.signature).not.toBe(a.signature);
    const base = (added: Record<string, string>) =>
      `"@method": GET\n"@authority": h\n"@path": /p\n"@signature-params": ${added['signature-input'].slice(5)}`;
    const ok = (added: Record<string, string>) =>
      verifyBase(
        'ecdsa-p256-sha256',
        ec.publicKey,
        base(added),
        Buffer.from(/=:([^:]*):$/.exec(added.signature)![1], 'base64'),
      );
    expect([ok(a), ok(b), ok(c)]).toEqual([true, true, true]);
    const withNonce = scheme(
      { algorithm: 'ecdsa-p256-sha256', nonce: true },
      new MapSecrets().set(KEY, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      () => clock,
    );
    const n1 = await withNonce.authorize(get('https://h/p'));
    const n2 = await withNonce.authorize(get('https://h/p'));
    expect(n1.signature).not.toBe(n2.signature);
  });

  test('keyid and tag with a quote or backslash are escaped as sf-strings', async () => {
    const added = await scheme({ keyId: 'a"b\\c', tag: 't"1' }).authorize(get('https://h/p'));
    expect(added['signature-input']).toContain(';keyid="a\\"b\\\\c";tag="t\\"1"');
  });
});

describe('keys: clear failures that never show the key', () => {
  const fails = async (options: Partial<MessageSignatureSchemeOptions>, secret: string) => {
    const error = await Promise.resolve()
      .then(() => scheme(options, new MapSecrets().set(KEY, secret)).authorize(get('https://h/p')))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    const middle = Math.floor(secret.length / 2);
    expect((error as Error).message).not.toContain(secret.slice(middle - 6, middle + 6));
    return (error as Error).message;
  };

  test('not a PEM key', async () => {
    expect(await fails({}, 'not a key at all, but a long enough secret text')).toBe(
      'the message-signature key is not a readable private key (PEM) for ed25519',
    );
  });

  test('the wrong kind of key for the algorithm', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(await fails({ algorithm: 'ecdsa-p256-sha256' }, p384)).toBe(
      'the message-signature key is an EC key on secp384r1, but ecdsa-p256-sha256 needs an EC key on P-256',
    );
    expect(await fails({ algorithm: 'rsa-pss-sha512' }, edPem)).toBe(
      'the message-signature key is a ed25519 key, but rsa-pss-sha512 needs an RSA key of 2048 bits or more',
    );
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(await fails({ algorithm: 'rsa-pss-sha512' }, rsa1024)).toBe(
      'the message-signature key is an RSA key of 1024 bits, but rsa-pss-sha512 needs an RSA key of 2048 bits or more',
    );
  });

  test('an HMAC secret shorter than 32 bytes', async () => {
    expect(
      await fails({ algorithm: 'hmac-sha256', secretEncoding: 'base64' }, randomBytes(16).toString('base64')),
    ).toBe('the message-signature HMAC secret has 16 bytes; hmac-sha256 needs at least 32');
  });

  test('a secret that can not be read is a 503 naming the reference, not the value', async () => {
    const error = await Promise.resolve(scheme({}, new MapSecrets()).authorize(get('https://h/p'))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as CredentialsUnavailableError).status).toBe(503);
  });

  test('an RSA key signs PS512 verifiable with its public key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const s = scheme(
      { algorithm: 'rsa-pss-sha512' },
      new MapSecrets().set(KEY, rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    );
    const added = await s.authorize(get('https://h/p'));
    const base = `"@method": GET\n"@authority": h\n"@path": /p\n"@signature-params": ${added['signature-input'].slice(5)}`;
    const signature = Buffer.from(/=:([^:]*):$/.exec(added.signature)![1], 'base64');
    expect(verifyBase('rsa-pss-sha512', createPublicKey(rsa.privateKey), base, signature)).toBe(true);
  });
});

describe('components (RFC 9421 §2.1, §2.2)', () => {
  test('field values: lines trimmed, obs-fold to a space, lines joined by ", "', () => {
    expect(fieldValue('  a  ')).toBe('a');
    expect(fieldValue(['  one ', 'two\r\n  more'])).toBe('one, two more');
  });

  test('@query-param: the name matched decoded, each value re-encoded (space as %20), one line each', () => {
    const url = new URL('https://h/p?var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&q=1&q=2');
    expect(queryParamValues(url, 'var')).toEqual(['this%20is%20a%20big%0Avalue']);
    expect(queryParamValues(url, 'bar')).toEqual(['with%20plus%20whitespace']);
    expect(queryParamValues(url, 'q')).toEqual(['1', '2']);
  });

  test('identifiers serialise quoted, @query-param with its name parameter', () => {
    expect(parseComponentId('@query-param;name=Pet').serialized).toBe('"@query-param";name="Pet"');
    expect(parseComponentId('content-type').serialized).toBe('"content-type"');
  });
});
