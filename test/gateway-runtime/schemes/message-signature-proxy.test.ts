/**
 * The message-signature scheme through real requests: a client on loopback → the gateway runtime's
 * standalone server adapter (the core proxy with the scheme) → a loopback backend that verifies the
 * signature with the independent `http-message-signatures` package (rebuilding the signature base
 * from the request as it arrived) and checks Content-Digest against the body it received.
 */
import { createHash, generateKeyPairSync, KeyObject, randomBytes, createSecretKey } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createVerifier, httpbis } from 'http-message-signatures';
import { parseDictionary } from 'structured-headers';
import { request } from 'undici';
import { startServer, StandaloneServer } from '../../../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import {
  createMessageSignatureScheme,
  MessageSignatureAlgorithm,
  MessageSignatureSchemeOptions,
} from '../../../gateway-runtime/src/schemes/message-signature';
import { MapSecrets } from './support/map-secrets';

jest.setTimeout(60_000);

const KEY_REF = { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rfc9421-AbCdEf' } as const;

interface TestKey {
  /** What the gateway's secret holds. */
  readonly secret: string;
  /** What the backend verifies with. */
  readonly verifyKey: KeyObject;
  readonly secretEncoding?: 'base64';
}

function makeKey(algorithm: MessageSignatureAlgorithm): TestKey {
  const pair = (kp: { privateKey: KeyObject; publicKey: KeyObject }): TestKey => ({
    secret: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    verifyKey: kp.publicKey,
  });
  switch (algorithm) {
    case 'ed25519':
      return pair(generateKeyPairSync('ed25519'));
    case 'ecdsa-p256-sha256':
      return pair(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    case 'rsa-pss-sha512':
      return pair(generateKeyPairSync('rsa', { modulusLength: 2048 }));
    case 'hmac-sha256': {
      const bytes = randomBytes(32);
      return {
        secret: bytes.toString('base64'),
        verifyKey: createSecretKey(bytes),
        secretEncoding: 'base64',
      };
    }
  }
}

interface Verdict {
  readonly verified: boolean | null;
  readonly error?: string;
  readonly signatureInput?: string;
  readonly contentDigest?: string;
  /** Content-Digest recomputed with node:crypto over the bytes the backend received. */
  readonly digestMatchesBody?: boolean;
  readonly bodyBytes: number;
  readonly bodySha256: string;
  readonly transferEncoding?: string;
  /** The x-trace field lines as the backend received them. */
  readonly xTrace?: string[];
}

const ALGORITHMS: readonly MessageSignatureAlgorithm[] = [
  'ed25519',
  'ecdsa-p256-sha256',
  'rsa-pss-sha512',
  'hmac-sha256',
];

describe('message-signature through the standalone server, verified by http-message-signatures', () => {
  const keys = new Map(ALGORITHMS.map((a) => [a, makeKey(a)]));
  /** The key the backend verifies with, per keyid (a test may swap one to prove a wrong key fails). */
  const verifyKeys = new Map<string, { key: KeyObject; alg: MessageSignatureAlgorithm }>();
  /** The backend's policy: the components a signature must cover (a test of other components sets its own). */
  let requiredFields: ((bodyBytes: number) => string[]) | undefined;
  let backend: Server;
  let backendUrl: string;

  beforeAll(async () => {
    backend = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void verify(req, Buffer.concat(chunks)).then((verdict) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(verdict));
        });
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => backend.close(() => resolve())));
  afterEach(() => {
    requiredFields = undefined;
  });

  /** The backend's check: the package's verifyMessage over the request as received, and the digest. */
  async function verify(req: IncomingMessage, body: Buffer): Promise<Verdict> {
    const digestHeader = req.headers['content-digest'] as string | undefined;
    const signatureInput = req.headers['signature-input'] as string | undefined;
    const base = {
      bodyBytes: body.length,
      bodySha256: createHash('sha256').update(body).digest('hex'),
      ...(req.headersDistinct['x-trace'] ? { xTrace: req.headersDistinct['x-trace'] } : {}),
      ...(req.headers['transfer-encoding'] ? { transferEncoding: req.headers['transfer-encoding'] } : {}),
      ...(signatureInput ? { signatureInput } : {}),
      ...(digestHeader
        ? { contentDigest: digestHeader, digestMatchesBody: digestMatches(digestHeader, body) }
        : {}),
    };
    try {
      const verified = await httpbis.verifyMessage(
        {
          keyLookup: async (params) => {
            const found = verifyKeys.get(String(params.keyid));
            if (!found) return null;
            return {
              id: String(params.keyid),
              algs: [found.alg],
              verify: createVerifier(found.key, found.alg),
            };
          },
          requiredParams: ['created', 'expires', 'keyid'],
          requiredFields: requiredFields?.(body.length) ?? [
            '@method',
            '@authority',
            '@path',
            ...(body.length > 0 ? ['content-digest'] : []),
          ],
          tolerance: 5,
        },
        {
          method: req.method ?? '',
          // The URL as this backend was asked for it: its own Host header and request target.
          url: `http://${req.headers.host}${req.url}`,
          // Repeated field lines stay separate: the package combines them itself (RFC 9421 §2.1).
          headers: req.headersDistinct as Record<string, string[]>,
        },
      );
      return { verified, ...base };
    } catch (error) {
      return { verified: false, error: (error as Error).message, ...base };
    }
  }

  /**
   * RFC 9530: Content-Digest parsed as a structured-field dictionary by the `structured-headers`
   * package (not this repository's serialiser); every member must match the body received.
   */
  function digestMatches(header: string, body: Buffer): boolean {
    let members: [string, [unknown, Map<string, unknown>]][];
    try {
      members = [...parseDictionary(header)];
    } catch {
      return false; // not a structured-field dictionary
    }
    return (
      members.length > 0 &&
      members.every(([algorithm, [value]]) => {
        const hash = algorithm === 'sha-256' ? 'sha256' : algorithm === 'sha-512' ? 'sha512' : undefined;
        return (
          hash !== undefined &&
          value instanceof ArrayBuffer &&
          Buffer.from(value).equals(createHash(hash).update(body).digest())
        );
      })
    );
  }

  async function withGateway<T>(
    options: Partial<MessageSignatureSchemeOptions> & { algorithm: MessageSignatureAlgorithm },
    run: (origin: string) => Promise<T>,
    limits?: GatewayConfig['limits'],
  ): Promise<T> {
    const key = keys.get(options.algorithm)!;
    const keyId = options.keyId ?? `gw-${options.algorithm}`;
    verifyKeys.set(keyId, { key: key.verifyKey, alg: options.algorithm });
    const scheme = createMessageSignatureScheme(
      {
        type: 'message-signature',
        key: KEY_REF,
        keyId,
        ...(key.secretEncoding ? { secretEncoding: key.secretEncoding } : {}),
        ...options,
      },
      { secrets: new MapSecrets().set(KEY_REF, key.secret) },
    );
    const config: GatewayConfig = {
      version: 1,
      name: 'rfc9421',
      backend: { url: `${backendUrl}/api` },
      security: { type: 'none' },
      ...(limits ? { limits } : {}),
    };
    let server: StandaloneServer | undefined;
    try {
      server = await startServer(config, {
        host: '127.0.0.1',
        port: 0,
        deps: { scheme, logSink: () => undefined },
      });
      return await run(`http://127.0.0.1:${server.port}`);
    } finally {
      await server?.shutdown();
    }
  }

  async function call(
    origin: string,
    path: string,
    init: {
      method?: string;
      headers?: string[] | Record<string, string>;
      body?: string | Buffer | Readable;
    } = {},
  ): Promise<{ status: number; verdict: Verdict }> {
    const response = await request(`${origin}${path}`, {
      method: (init.method ?? 'GET') as 'GET',
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`gateway answered ${response.statusCode}: ${text}`);
    return { status: response.statusCode, verdict: JSON.parse(text) as Verdict };
  }

  describe.each(ALGORITHMS)('%s', (algorithm) => {
    test('GET without body or query: default components, verified', async () => {
      const { verdict } = await withGateway({ algorithm }, (origin) => call(origin, '/items/1'));
      expect(verdict.error).toBeUndefined();
      expect(verdict.verified).toBe(true);
      expect(verdict.signatureInput).toMatch(
        new RegExp(
          `^sig1=\\("@method" "@authority" "@path"\\);created=\\d+;expires=\\d+;keyid="gw-${algorithm}"$`,
        ),
      );
      expect(verdict.contentDigest).toBeUndefined();
    });

    test('POST with a JSON body and a query: @query, content-digest and content-type covered, digest matches', async () => {
      const body = JSON.stringify({ hello: 'world', n: 42 });
      const { verdict } = await withGateway({ algorithm }, (origin) =>
        call(origin, '/orders?region=eu&sort=asc', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
      );
      expect(verdict.error).toBeUndefined();
      expect(verdict.verified).toBe(true);
      expect(verdict.signatureInput).toMatch(
        /^sig1=\("@method" "@authority" "@path" "@query" "content-digest" "content-type"\);created=\d+;expires=\d+;keyid="[^"]+"$/,
      );
      expect(verdict.digestMatchesBody).toBe(true);
      expect(verdict.contentDigest).toBe(`sha-256=:${createHash('sha256').update(body).digest('base64')}:`);
    });
  });

  test("the backend's digest check refuses a wrong digest, an unknown algorithm and a malformed field", () => {
    const body = Buffer.from('abc');
    const good = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
    expect(digestMatches(good, body)).toBe(true);
    expect(digestMatches(good, Buffer.from('abd'))).toBe(false);
    expect(digestMatches(`md5=:${createHash('md5').update(body).digest('base64')}:`, body)).toBe(false);
    expect(digestMatches('sha-256=not-binary', body)).toBe(false);
    expect(digestMatches('sha-256=:abc', body)).toBe(false);
  });

  test('a wrong verification key is refused by the same verifier (the check is not a formality)', async () => {
    const other = makeKey('ed25519');
    const { verdict } = await withGateway({ algorithm: 'ed25519', keyId: 'swapped' }, async (origin) => {
      verifyKeys.set('swapped', { key: other.verifyKey, alg: 'ed25519' });
      return call(origin, '/x');
    });
    expect(verdict.verified).toBe(false);
  });

  test('configured components, repeated header lines (RFC 9421 §2.1), sha-512, nonce, tag and alg', async () => {
    requiredFields = () => ['@target-uri', '@query-param', 'x-trace', 'content-digest'];
    const { verdict } = await withGateway(
      {
        algorithm: 'ecdsa-p256-sha256',
        components: [
          '@method',
          '@target-uri',
          '@request-target',
          '@query-param;name="q"',
          'x-trace',
          'content-digest',
        ],
        contentDigest: 'sha-512',
        nonce: true,
        tag: 'backend-link',
        includeAlg: true,
        label: 'gw',
      },
      (origin) =>
        call(origin, '/search?q=a%20b&q=c&z=1', {
          method: 'PUT',
          // Two field lines of one header: the proxy forwards them as one combined value.
          headers: ['x-trace', ' one ', 'x-trace', 'two', 'content-type', 'text/plain'],
          body: 'some text',
        }),
    );
    expect(verdict.error).toBeUndefined();
    expect(verdict.verified).toBe(true);
    expect(verdict.signatureInput).toMatch(
      /^gw=\("@method" "@target-uri" "@request-target" "@query-param";name="q" "x-trace" "content-digest"\);created=\d+;expires=\d+;keyid="[^"]+";nonce="[A-Za-z0-9_-]{22}";tag="backend-link";alg="ecdsa-p256-sha256"$/,
    );
    // The caller's two lines reach the backend as one combined line, the value the signature covers
    // (`one, two`, as RFC 9421 §2.1 combines them either way).
    expect(verdict.xTrace).toEqual(['one, two']);
    expect(verdict.contentDigest).toMatch(/^sha-512=:/);
    expect(verdict.digestMatchesBody).toBe(true);
  });

  test('content-length covered: the value signed is the one the backend receives (POST, empty PUT, GET)', async () => {
    requiredFields = (bytes) => ['@method', '@path', ...(bytes > 0 ? ['content-length'] : [])];
    const [post, emptyPut, getNoBody] = await withGateway(
      { algorithm: 'ed25519', components: ['@method', '@path', 'content-length'] },
      async (origin) => [
        await call(origin, '/len', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'twelve bytes',
        }),
        await call(origin, '/len', { method: 'PUT' }),
        await call(origin, '/len'),
      ],
    );
    expect(post.verdict.error).toBeUndefined();
    expect(post.verdict.verified).toBe(true);
    expect(post.verdict.bodyBytes).toBe(12);
    expect(emptyPut.verdict.signatureInput).toMatch(/^sig1=\("@method" "@path" "content-length"\);/);
    expect(emptyPut.verdict.verified).toBe(true);
    expect(getNoBody.verdict.signatureInput).toMatch(/^sig1=\("@method" "@path"\);/);
    expect(getNoBody.verdict.error).toBeUndefined();
    expect(getNoBody.verdict.verified).toBe(true);
  });

  test('a body over limits.maxReplayBodyBytes is refused with 413 (the scheme needs it whole)', async () => {
    const status = await withGateway(
      { algorithm: 'hmac-sha256' },
      async (origin) => {
        const response = await request(`${origin}/big`, {
          method: 'POST',
          body: Buffer.alloc(64 * 1024 + 1, 0x61),
        });
        await response.body.text();
        return response.statusCode;
      },
      { maxReplayBodyBytes: 64 * 1024 },
    );
    expect(status).toBe(413);
  });

  test.each(['ed25519', 'rsa-pss-sha512'] as const)(
    '%s: a large streamed (chunked) body is buffered, digested once and verified',
    async (algorithm) => {
      const size = 3 * 1024 * 1024 + 17;
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i += 1) payload[i] = (i * 31 + 11) & 0xff;
      async function* chunks() {
        for (let offset = 0; offset < size; offset += 64 * 1024) {
          yield payload.subarray(offset, Math.min(size, offset + 64 * 1024));
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      const { verdict } = await withGateway(
        { algorithm },
        (origin) =>
          call(origin, '/upload', {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream' },
            body: Readable.from(chunks()),
          }),
        { maxRequestBodyBytes: 8 * 1024 * 1024, maxReplayBodyBytes: 8 * 1024 * 1024 },
      );
      expect(verdict.error).toBeUndefined();
      expect(verdict.verified).toBe(true);
      expect(verdict.bodyBytes).toBe(size);
      expect(verdict.bodySha256).toBe(createHash('sha256').update(payload).digest('hex'));
      expect(verdict.digestMatchesBody).toBe(true);
    },
  );
});
