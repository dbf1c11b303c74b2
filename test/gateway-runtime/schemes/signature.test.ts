import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRequest, verifyHMAC, verifySignature } from 'http-signature';
import { HASH_ALGOS } from 'http-signature/lib/utils';
import { request } from 'undici';
import type { SignatureAlgorithm } from '../../../gateway-runtime/src/config/types';
import { SignatureSchemeConfig } from '../../../gateway-runtime/src/schemes/signature';
import { MapSecrets } from './support/map-secrets';
import { signatureScheme } from '../config/support/resolved';

/**
 * The scheme's signatures are checked by an independent implementation: joyent's http-signature
 * (parseRequest rebuilds the signing string from a real http.IncomingMessage, verifyHMAC/verifySignature
 * check it). Its Digest header is checked against the body the server actually received.
 *
 * http-signature 1.4 knows sha1, sha256 and sha512 only; registering sha384 in its hash table lets
 * verifyHMAC use node's HMAC-SHA384 — its parsing and verification code is unchanged.
 */
HASH_ALGOS.sha384 = true;

const KEY = { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-AbCdEf' } as const;
const HMAC_SECRET = 'a shared HMAC secret: 7f3c9a';

interface Verdict {
  readonly verified: boolean;
  readonly error?: string;
  readonly signedHeaders?: string[];
  readonly digestMatchesBody?: boolean;
  readonly scheme?: string;
  readonly date?: string;
  readonly host?: string;
}

describe('signature scheme, verified by joyent http-signature on a loopback server', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPrivatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        let verdict: Verdict;
        try {
          // The verifier's policy: (request-target) must be signed (its default would demand date instead).
          const parsed = parseRequest(req, { clockSkew: 60, headers: ['(request-target)'] });
          const verified = parsed.algorithm.startsWith('HMAC')
            ? verifyHMAC(parsed, HMAC_SECRET)
            : verifySignature(parsed, rsaPublicPem);
          const digest = req.headers.digest;
          verdict = {
            verified,
            scheme: parsed.scheme,
            signedHeaders: parsed.params.headers,
            digestMatchesBody:
              digest === undefined
                ? undefined
                : digest === `SHA-256=${createHash('sha256').update(body).digest('base64')}`,
            date: req.headers.date,
            host: req.headers.host,
          };
        } catch (error) {
          verdict = { verified: false, error: (error as Error).message };
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(verdict));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Signs a request with the scheme, sends it with those headers, and returns the verifier's verdict. */
  async function sendSigned(
    config: Omit<SignatureSchemeConfig, 'type' | 'key' | 'keyId'>,
    req: { method: string; path: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ verdict: Verdict; added: Record<string, string> }> {
    const secrets = new MapSecrets().set(
      KEY,
      config.algorithm === 'rsa-sha256' ? rsaPrivatePem : HMAC_SECRET,
    );
    const scheme = signatureScheme(
      { type: 'signature', keyId: 'gateway-1', key: KEY, ...config },
      { secrets },
    );
    const url = new URL(req.path, origin);
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers = { ...(req.headers ?? {}) };
    if (body) headers['content-length'] = String(body.length);
    const added = await scheme.authorize({ method: req.method, url, headers, body });
    const response = await request(url, {
      method: req.method as 'GET',
      headers: { ...headers, ...added },
      body,
    });
    return { verdict: (await response.body.json()) as Verdict, added };
  }

  const algorithms: ReadonlyArray<[SignatureAlgorithm, boolean]> = [
    ['hmac-sha256', false],
    ['hmac-sha384', false],
    ['hmac-sha512', false],
    ['rsa-sha256', false],
    ['hmac-sha1', true],
  ];
  const bodies: ReadonlyArray<[string, string | undefined]> = [
    ['no body', undefined],
    ['a JSON body', '{"order":42,"items":["a","b"]}'],
    ['an empty body', ''],
  ];
  const cases = algorithms.flatMap(([algorithm, legacySha1]) =>
    bodies.flatMap(([bodyLabel, body]) =>
      (['authorization', 'signature'] as const).map(
        (headerName) => [algorithm, bodyLabel, headerName, legacySha1, body] as const,
      ),
    ),
  );

  test.each(cases)(
    'GIVEN %s, %s, header %s, default headers WHEN sent THEN the independent verifier accepts it',
    async (algorithm, _, headerName, legacySha1, body) => {
      // GIVEN the default signed headers (request-target, host, date, digest)
      // WHEN a request is signed and sent
      const { verdict, added } = await sendSigned(
        { algorithm, headerName, ...(legacySha1 ? { legacySha1 } : {}) },
        { method: body === undefined ? 'GET' : 'POST', path: '/orders/7?expand=items&x=%2F', body },
      );
      // THEN it verifies, covers the default headers, and its digest matches the received body
      expect(verdict).toMatchObject({
        verified: true,
        scheme: 'Signature',
        signedHeaders: ['(request-target)', 'host', 'date', 'digest'],
        digestMatchesBody: true,
      });
      expect(Object.keys(added).sort()).toEqual(['date', 'digest', headerName, 'host'].sort());
      expect(verdict.host).toBe(new URL(origin).host);
    },
  );

  test.each(algorithms)(
    'GIVEN %s with a custom header list WHEN sent THEN the verifier accepts it and no digest is added',
    async (algorithm, legacySha1) => {
      const headers = ['(request-target)', 'host', 'content-type', 'x-request-id'];
      const { verdict, added } = await sendSigned(
        { algorithm, headers, ...(legacySha1 ? { legacySha1 } : {}) },
        {
          method: 'PUT',
          path: '/a/b',
          headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' },
          body: '{}',
        },
      );
      expect(verdict).toMatchObject({ verified: true, signedHeaders: headers });
      expect(added.digest).toBeUndefined();
      // Date is always added when missing (useful for replay windows even when not signed).
      expect(added.date).toBeDefined();
    },
  );

  test('GIVEN a request that already has a date WHEN signed THEN that date is kept and signed', async () => {
    const date = new Date().toUTCString();
    const { verdict, added } = await sendSigned(
      { algorithm: 'hmac-sha256' },
      { method: 'GET', path: '/', headers: { date } },
    );
    expect(verdict).toMatchObject({ verified: true, date });
    expect(added.date).toBeUndefined();
  });

  test('GIVEN a tampered body WHEN verified THEN the digest no longer matches (the verifier sees it)', async () => {
    const secrets = new MapSecrets().set(KEY, HMAC_SECRET);
    const scheme = signatureScheme(
      { type: 'signature', keyId: 'k', algorithm: 'hmac-sha256', key: KEY },
      { secrets },
    );
    const url = new URL('/pay', origin);
    const added = await scheme.authorize({ method: 'POST', url, headers: {}, body: Buffer.from('amount=1') });
    const response = await request(url, { method: 'POST', headers: added, body: 'amount=1000' });
    expect(await response.body.json()).toMatchObject({ verified: true, digestMatchesBody: false });
  });

  test('GIVEN a wrong HMAC secret WHEN verified THEN the verifier rejects the signature', async () => {
    const secrets = new MapSecrets().set(KEY, 'another secret');
    const scheme = signatureScheme(
      { type: 'signature', keyId: 'k', algorithm: 'hmac-sha256', key: KEY },
      { secrets },
    );
    const url = new URL('/x', origin);
    const added = await scheme.authorize({ method: 'GET', url, headers: {} });
    const response = await request(url, { headers: added });
    expect(await response.body.json()).toMatchObject({ verified: false });
  });
});

describe('signature scheme, unit behaviour', () => {
  const url = new URL('https://backend.example:8443/p');
  const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

  test('GIVEN the injected clock WHEN a date is added THEN it is that instant as IMF-fixdate', async () => {
    const secrets = new MapSecrets().set(KEY, 's');
    const scheme = signatureScheme(
      { type: 'signature', keyId: 'k', algorithm: 'hmac-sha256', key: KEY },
      { secrets, now: () => NOW },
    );
    const added = await scheme.authorize({ method: 'GET', url, headers: {} });
    expect(added.date).toBe('Mon, 23 Nov 2026 12:00:00 GMT');
    expect(added.host).toBe('backend.example:8443');
    expect(scheme).toMatchObject({ needsBody: true, mayRetry: false });
  });

  test('GIVEN digest is not signed WHEN created THEN the scheme does not need the body', () => {
    const scheme = signatureScheme(
      {
        type: 'signature',
        keyId: 'k',
        algorithm: 'hmac-sha256',
        key: KEY,
        headers: ['(request-target)', 'date'],
      },
      { secrets: new MapSecrets() },
    );
    expect(scheme.needsBody).toBe(false);
  });

  test('GIVEN an RSA key WHEN signing twice with the same secret version THEN the key is parsed once and reused', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const secrets = new MapSecrets().set(KEY, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    const scheme = signatureScheme(
      { type: 'signature', keyId: 'k', algorithm: 'rsa-sha256', key: KEY },
      { secrets, now: () => NOW },
    );
    const first = await scheme.authorize({ method: 'GET', url, headers: {} });
    const second = await scheme.authorize({ method: 'GET', url, headers: {} });
    expect(second.authorization).toBe(first.authorization);
  });

  test('fails when a signed header is missing from the request, with BAD_REQUEST', async () => {
    const scheme = signatureScheme(
      {
        type: 'signature',
        keyId: 'k',
        algorithm: 'hmac-sha256',
        key: KEY,
        headers: ['(request-target)', 'content-type'],
      },
      { secrets: new MapSecrets().set(KEY, 's') },
    );
    await expect(scheme.authorize({ method: 'GET', url, headers: {} })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
      message: 'the request has no "content-type" header, which the signature must cover',
    });
  });

  test.each([
    ['not a key', 'the signature key is not a readable private key (PEM)'],
    [
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      'the signature key is a ec key, but rsa-sha256 needs an RSA key',
    ],
  ])(
    'fails when the RSA key secret is unusable, with CREDENTIALS_UNAVAILABLE and no key material',
    async (value, message) => {
      const scheme = signatureScheme(
        { type: 'signature', keyId: 'k', algorithm: 'rsa-sha256', key: KEY },
        { secrets: new MapSecrets().set(KEY, value) },
      );
      const error = (await Promise.resolve()
        .then(() => scheme.authorize({ method: 'GET', url, headers: {} }))
        .catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', message });
      expect(error.message).not.toContain('PRIVATE KEY');
    },
  );

  test('fails when the HMAC secret is empty, with CREDENTIALS_UNAVAILABLE', async () => {
    const scheme = signatureScheme(
      { type: 'signature', keyId: 'k', algorithm: 'hmac-sha512', key: KEY },
      { secrets: new MapSecrets().set(KEY, '') },
    );
    await expect(scheme.authorize({ method: 'GET', url, headers: {} })).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: 'the signature HMAC secret is empty',
    });
  });

  test.each([
    [
      'hmac-sha1 is not marked legacy',
      { algorithm: 'hmac-sha1' as const },
      'security.algorithm: "hmac-sha1" needs "legacySha1": true',
    ],
    [
      'the header list omits (request-target)',
      { algorithm: 'hmac-sha256' as const, headers: ['date'] },
      'security.headers: must include "(request-target)"',
    ],
  ])('fails when %s, even if the validator was bypassed', (_, extra, message) => {
    expect(() =>
      signatureScheme({ type: 'signature', keyId: 'k', key: KEY, ...extra }, { secrets: new MapSecrets() }),
    ).toThrow(message);
  });
});
