/**
 * The token, HTTP-signature and OAuth 2.0 client-credentials schemes end to end through BOTH runtime
 * adapters — the Lambda handler (ALB events in single- and multi-value mode) and the standalone server
 * (reached with a real HTTP client) — against verifiers nobody here wrote or that decide on their own:
 *
 *  - token:     Node backends on loopback that demand `X-Api-Key: <token>` or `Authorization: Bearer <token>`;
 *  - signature: a Node backend that verifies with joyent's http-signature (parseRequest + verifyHMAC /
 *               verifySignature) and checks the `Digest` header against the body it received;
 *  - message-signature: a Node backend that verifies RFC 9421 signatures with the `http-message-signatures`
 *               package (rebuilding the signature base from the request as it arrived) and recomputes the
 *               RFC 9530 Content-Digest of the body it received;
 *  - OAuth 2.0: oidc-provider (test/gateway-runtime/fixtures/oauth-server.mjs) issues the tokens, and a
 *               Node backend accepts a bearer token only while the OAuth server says it is live; with
 *               client_secret_basic and with private_key_jwt (oidc-provider verifies the assertion and
 *               refuses a replayed one).
 *  - SigV4:     Debian's python3-botocore recomputes every signature in the backend (and in the STS
 *               stand-in, which hands out assumed-role credentials only to a correctly signed AssumeRole).
 *
 * Everything either adapter logs is captured and scanned for the secret values at the end.
 */
import { createHash, createSecretKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier, httpbis } from 'http-message-signatures';
import { verifyHMAC, verifySignature } from 'http-signature';
import type { GatewayConfig, SignatureAlgorithm } from '../../gateway-runtime/src/config/types';
import { RunningBackend, startBackend } from '../support/loopback-backends';
import { signatureVerifier } from '../support/signature-verifier';
import { freePort } from '../support/ports';
import { captureLines, secretFiles } from './fixtures/harness';
import { ADAPTERS, AdapterUnderTest, RunningAdapter } from './support/adapters';
import { OAuthServer, startOAuthServer } from './support/oauth-server';
import { RunningVerifier, startVerifier } from './schemes/support/sigv4-verifier';

jest.setTimeout(30_000);

// Secret values: written into secret files (or registered at the OAuth server) and nowhere else.
const API_TOKEN = 'api-token-3f9c2a71-never-logged';
const WRONG_API_TOKEN = 'api-token-wrong-8d14e0b6-never-logged';
const HMAC_KEY = 'hmac-key-5b7e90c3-never-logged';
const CLIENT_ID = 'apicloud-gateway';
const CLIENT_SECRET = 'client-secret-c02f6d94-never-logged';
// SigV4: the function role's keys (as Lambda puts them into the environment) and two assumed roles'.
const ROLE_KEYS = {
  accessKeyId: 'ASIAFUNCTIONROLE0001',
  secretAccessKey: 'role-secret-9e4d1c07/never+logged',
  sessionToken: 'role-session-token-61b8f2a4//never-logged==',
};
const ASSUMED = [
  {
    accessKeyId: 'ASIAASSUMEDREVOKED01',
    secretAccessKey: 'assumed-secret-a-0d7e/never-logged',
    sessionToken: 'assumed-session-token-a-never-logged==',
  },
  {
    accessKeyId: 'ASIAASSUMEDGOOD00002',
    secretAccessKey: 'assumed-secret-b-5c3f/never-logged',
    sessionToken: 'assumed-session-token-b-never-logged==',
  },
];
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PRIVATE_PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const RSA_PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const MESSAGE_HMAC_KEY = 'message-hmac-key-71d0c5e2-never-logged-32b';
const messageKeys = {
  ed25519: generateKeyPairSync('ed25519'),
  'ecdsa-p256-sha256': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'rsa-pss-sha512': generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const MESSAGE_PRIVATE_PEMS = Object.values(messageKeys).map((pair) =>
  pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
);
/** The private_key_jwt client's key: the OAuth server holds its public JWK only. */
const assertionKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ASSERTION_KEY_PEM = assertionKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const JWT_CLIENT_ID = 'apicloud-gateway-jwt';

/** The caller's own credentials: the gateway must never forward them. */
const CALLER_AUTHORIZATION = 'Basic Y2FsbGVyOm93bi1wYXNzd29yZA==';

const ORDER = { orderId: 'A-1042', lines: [{ sku: 'X-9', quantity: 3 }], note: 'ünïcødé ✓' };

const secrets = secretFiles();
/** What each adapter logged, by adapter name. */
const logged = new Map(ADAPTERS.map((adapter) => [adapter.name, captureLines()]));
/** Access tokens the OAuth backend received: secrets too. */
const accessTokens = new Set<string>();
const started: RunningAdapter[] = [];

/** Starts `config` behind the adapter, logging into that adapter's capture; stopped in afterAll. */
async function through(adapter: AdapterUnderTest, config: GatewayConfig): Promise<RunningAdapter> {
  const running = await adapter.start(config, logged.get(adapter.name)!.sink);
  started.push(running);
  return running;
}

afterAll(async () => {
  await Promise.all(started.map((running) => running.stop()));
  secrets.remove();
});

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('token: a custom header from a file secret, against backends that demand it', () => {
  let apiKeyBackend: RunningBackend;
  let bearerBackend: RunningBackend;

  /** Answers 200 when `accepted` says the request carries the token; else a 401 with its own challenge. */
  const demanding = (accepted: (req: IncomingMessage) => boolean, challenge: string) =>
    startBackend((req, res) => {
      const ok = accepted(req);
      res.writeHead(ok ? 200 : 401, {
        'content-type': 'application/json',
        ...(ok ? {} : { 'www-authenticate': challenge }),
      });
      res.end(JSON.stringify(ok ? { orders: ['A-1041', 'A-1042'], url: req.url } : { error: 'bad token' }));
    });

  beforeAll(async () => {
    apiKeyBackend = await demanding((req) => req.headers['x-api-key'] === API_TOKEN, 'ApiKey realm="orders"');
    bearerBackend = await demanding(
      (req) => req.headers.authorization === `Bearer ${API_TOKEN}`,
      'Bearer realm="orders", error="invalid_token"',
    );
  });
  afterAll(async () => {
    await Promise.all([apiKeyBackend?.stop(), bearerBackend?.stop()]);
  });

  const STYLES = [
    {
      style: 'X-Api-Key (custom header)',
      backend: () => apiKeyBackend,
      security: { header: 'X-Api-Key' },
      challenge: 'ApiKey realm="orders"',
    },
    {
      style: 'Authorization: Bearer (prefix)',
      backend: () => bearerBackend,
      security: { header: 'Authorization', prefix: 'Bearer ' },
      challenge: 'Bearer realm="orders", error="invalid_token"',
    },
  ];
  const config = (backend: RunningBackend, security: object, token: string): GatewayConfig => ({
    version: 1,
    name: 'acme',
    backend: { url: `${backend.baseUrl}/api` },
    // Written as `echo` would: the trailing newline is not part of the token.
    security: { type: 'token', token: secrets.file(`${token}\n`), ...security },
  });

  describe.each(ADAPTERS)('through the $name', (adapter) => {
    test.each(STYLES)(
      "GIVEN $style and the right token WHEN the caller sends its own Authorization THEN the backend accepts the gateway's token and never sees the caller's",
      async ({ backend, security }) => {
        const gateway = await through(adapter, config(backend(), security, API_TOKEN));
        const before = backend().requests.length;

        const answer = await gateway.call({
          path: '/orders',
          query: { page: '2' },
          headers: { authorization: CALLER_AUTHORIZATION },
        });

        expect(answer.status).toBe(200);
        expect(json(answer.text)).toEqual({ orders: ['A-1041', 'A-1042'], url: '/api/orders?page=2' });
        const seen = backend().requests.slice(before);
        expect(seen).toHaveLength(1);
        const headers = seen[0].headers;
        if ('prefix' in security) {
          expect(headers.authorization).toBe(`Bearer ${API_TOKEN}`);
          expect(headers['x-api-key']).toBeUndefined();
        } else {
          expect(headers['x-api-key']).toBe(API_TOKEN);
          expect(headers.authorization).toBeUndefined();
        }
      },
    );

    test.each(STYLES)(
      "fails when the token in the secret is wrong ($style): the backend's 401 passes through",
      async ({ backend, security, challenge }) => {
        const gateway = await through(adapter, config(backend(), security, WRONG_API_TOKEN));

        const answer = await gateway.call({ path: '/orders' });

        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe(challenge);
        expect(json(answer.text)).toEqual({ error: 'bad token' });
      },
    );
  });
});

describe('signature: draft-cavage-10, verified by joyent http-signature', () => {
  const KEY_IDS = { hmac: 'gateway-hmac-2026', rsa: 'gateway-rsa-2026' };
  const SIGNED = ['(request-target)', 'host', 'date', 'digest'];
  let verifier: RunningBackend;

  beforeAll(async () => {
    verifier = await startBackend(
      signatureVerifier((parsed) =>
        parsed.keyId === KEY_IDS.hmac
          ? verifyHMAC(parsed, HMAC_KEY)
          : parsed.keyId === KEY_IDS.rsa && verifySignature(parsed, RSA_PUBLIC_PEM),
      ),
    );
  });
  afterAll(async () => {
    await verifier?.stop();
  });

  const CASES = (['hmac-sha256', 'rsa-sha256'] as const).flatMap((algorithm: SignatureAlgorithm) =>
    (['authorization', 'signature'] as const).map((headerName) => ({ algorithm, headerName })),
  );
  const config = (
    algorithm: SignatureAlgorithm,
    headerName: 'authorization' | 'signature',
  ): GatewayConfig => ({
    version: 1,
    name: 'initech',
    backend: { url: `${verifier.baseUrl}/reports` },
    security: {
      type: 'signature',
      algorithm,
      headerName,
      keyId: algorithm === 'rsa-sha256' ? KEY_IDS.rsa : KEY_IDS.hmac,
      key: secrets.file(algorithm === 'rsa-sha256' ? RSA_PRIVATE_PEM : HMAC_KEY),
    },
  });

  describe.each(ADAPTERS)('through the $name', (adapter) => {
    test.each(CASES)(
      'GIVEN $algorithm in the $headerName header WHEN GET and POST a JSON body THEN the verifier accepts both, with a digest of the body it received',
      async ({ algorithm, headerName }) => {
        const gateway = await through(adapter, config(algorithm, headerName));
        const before = verifier.requests.length;

        const get = await gateway.call({ path: '/daily', query: { date: '2026-11-23' } });
        const post = await gateway.call({
          method: 'POST',
          path: '/weekly',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ORDER),
        });

        const expected = {
          verified: true,
          digestMatchesBody: true,
          keyId: algorithm === 'rsa-sha256' ? KEY_IDS.rsa : KEY_IDS.hmac,
          algorithm: algorithm.toUpperCase(),
          signedHeaders: SIGNED,
        };
        expect({ status: get.status, verdict: json(get.text) }).toMatchObject({
          status: 200,
          verdict: { ...expected, url: '/reports/daily?date=2026-11-23', body: '' },
        });
        expect({ status: post.status, verdict: json(post.text) }).toMatchObject({
          status: 200,
          verdict: { ...expected, url: '/reports/weekly', contentType: 'application/json' },
        });
        expect(JSON.parse(json(post.text).body as string)).toEqual(ORDER);
        // The signature travelled in the configured header only.
        const seen = verifier.requests.slice(before).map((r) => r.headers);
        const other = headerName === 'authorization' ? 'signature' : 'authorization';
        for (const headers of seen) {
          expect(String(headers[headerName])).toMatch(/^(Signature )?keyId="/);
          expect(headers[other]).toBeUndefined();
        }
      },
    );

    test('fails when the HMAC key in the secret is not the one the verifier holds: its 401 passes through', async () => {
      const wrong: GatewayConfig = {
        ...config('hmac-sha256', 'authorization'),
        security: {
          type: 'signature',
          algorithm: 'hmac-sha256',
          keyId: KEY_IDS.hmac,
          key: secrets.file('not the key'),
        },
      };
      const gateway = await through(adapter, wrong);

      const answer = await gateway.call({ path: '/daily' });

      expect(answer.status).toBe(401);
      expect(json(answer.text)).toMatchObject({ verified: false, keyId: KEY_IDS.hmac });
    });
  });
});

describe('message-signature: RFC 9421, verified by http-message-signatures', () => {
  type Algorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'rsa-pss-sha512' | 'hmac-sha256';
  const ALGORITHMS: Algorithm[] = ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512', 'hmac-sha256'];
  /** What the backend verifies with, by keyid: the public keys, and the shared HMAC key. */
  const verifyKeys = new Map<string, { key: KeyObject; alg: Algorithm }>([
    ...(Object.entries(messageKeys) as [Algorithm, { publicKey: KeyObject }][]).map(
      ([alg, pair]) => [`gw-${alg}`, { key: pair.publicKey, alg }] as const,
    ),
    ['gw-hmac-sha256', { key: createSecretKey(Buffer.from(MESSAGE_HMAC_KEY)), alg: 'hmac-sha256' }],
  ]);
  let verifier: RunningBackend;

  beforeAll(async () => {
    verifier = await startBackend((req, res, body) => {
      const digest = req.headers['content-digest'] as string | undefined;
      const digestMatchesBody =
        digest === undefined
          ? undefined
          : digest === `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
      httpbis
        .verifyMessage(
          {
            keyLookup: async (params) => {
              const found = verifyKeys.get(String(params.keyid));
              return found
                ? {
                    id: String(params.keyid),
                    algs: [found.alg],
                    verify: createVerifier(found.key, found.alg),
                  }
                : null;
            },
            requiredParams: ['created', 'expires', 'keyid'],
            requiredFields: [
              '@method',
              '@authority',
              '@path',
              ...(body.length > 0 ? ['content-digest'] : []),
            ],
            tolerance: 5,
          },
          {
            method: req.method ?? '',
            url: `http://${req.headers.host}${req.url}`,
            headers: req.headersDistinct as Record<string, string[]>,
          },
        )
        .then(
          (verified) => verified,
          (error: Error) => error.message,
        )
        .then((verdict) => {
          const ok = verdict === true && digestMatchesBody !== false;
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              verified: verdict,
              digestMatchesBody,
              signatureInput: req.headers['signature-input'],
              url: req.url,
              body: body.toString(),
            }),
          );
        });
    });
  });
  afterAll(async () => {
    await verifier?.stop();
  });

  const config = (algorithm: Algorithm, secret: string): GatewayConfig => ({
    version: 1,
    name: 'acme-ledger',
    backend: { url: `${verifier.baseUrl}/ledger` },
    security: {
      type: 'message-signature',
      algorithm,
      keyId: `gw-${algorithm}`,
      key: secrets.file(secret),
      tag: 'acme-ledger',
    },
  });
  const secretOf = (algorithm: Algorithm) =>
    algorithm === 'hmac-sha256'
      ? MESSAGE_HMAC_KEY
      : messageKeys[algorithm].privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  describe.each(ADAPTERS)('through the $name', (adapter) => {
    test.each(ALGORITHMS)(
      'GIVEN %s WHEN GET with a query and POST a JSON body THEN the verifier accepts both, the digest matching the body it received',
      async (algorithm) => {
        const gateway = await through(adapter, config(algorithm, secretOf(algorithm)));

        const get = await gateway.call({ path: '/entries', query: { from: '2026-11-01', to: '2026-11-30' } });
        const post = await gateway.call({
          method: 'POST',
          path: '/entries',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ORDER),
        });

        expect({ status: get.status, verdict: json(get.text) }).toMatchObject({
          status: 200,
          verdict: { verified: true, url: '/ledger/entries?from=2026-11-01&to=2026-11-30', body: '' },
        });
        expect(json(get.text).signatureInput).toMatch(
          new RegExp(
            `^sig1=\\("@method" "@authority" "@path" "@query"\\);created=\\d+;expires=\\d+;keyid="gw-${algorithm}";tag="acme-ledger"$`,
          ),
        );
        expect({ status: post.status, verdict: json(post.text) }).toMatchObject({
          status: 200,
          verdict: { verified: true, digestMatchesBody: true, url: '/ledger/entries' },
        });
        expect(json(post.text).signatureInput).toMatch(
          /^sig1=\("@method" "@authority" "@path" "content-digest" "content-type"\);/,
        );
        expect(JSON.parse(json(post.text).body as string)).toEqual(ORDER);
      },
    );

    test('fails when the signing key is not the one the verifier holds for the keyid: its 401 passes through', async () => {
      const other = generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const gateway = await through(adapter, config('ed25519', other));

      const answer = await gateway.call({ path: '/entries' });

      expect(answer.status).toBe(401);
      expect(json(answer.text)).toMatchObject({ verified: false });
    });
  });
});

describe('oauth2-client-credentials: tokens from oidc-provider, a backend that accepts only live ones', () => {
  let dir: string;
  let oauth: OAuthServer;
  let backend: RunningBackend;
  let closedPort: number;
  /** How many of the next requests the backend rejects with 401 although their token is live. */
  let rejectNext = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schemes-through-adapters-'));
    [oauth, closedPort] = await Promise.all([
      startOAuthServer({
        cwd: dir,
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            grant_types: ['client_credentials'],
            redirect_uris: [],
            response_types: [],
            token_endpoint_auth_method: 'client_secret_basic',
            scope: 'orders:read orders:write',
          },
          {
            client_id: JWT_CLIENT_ID,
            grant_types: ['client_credentials'],
            redirect_uris: [],
            response_types: [],
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'ES256',
            jwks: {
              keys: [{ ...assertionKey.publicKey.export({ format: 'jwk' }), kid: 'gw-2026', use: 'sig' }],
            },
            scope: 'orders:read orders:write',
          },
        ],
      }),
      freePort(),
    ]);
    backend = await startBackend((req, res, body) => {
      const authorization = req.headers.authorization ?? '';
      const token = /^Bearer (.+)$/.exec(authorization)?.[1];
      if (token) accessTokens.add(token);
      const rejected = rejectNext > 0;
      if (rejected) rejectNext -= 1;
      void (token && !rejected ? oauth.check(authorization) : Promise.resolve(401)).then((status) => {
        if (status !== 200) {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ url: req.url, contentType: req.headers['content-type'], body: body.toString() }),
        );
      });
    });
  }, 30_000);
  afterAll(async () => {
    await backend?.stop();
    await oauth?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (tokenUrl = oauth.tokenUrl): GatewayConfig => ({
    version: 1,
    name: 'globex',
    backend: { url: `${backend.baseUrl}/v2` },
    security: {
      type: 'oauth2-client-credentials',
      tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: secrets.file(CLIENT_SECRET),
      scope: 'orders:read',
      allowInsecureLoopbackTokenUrl: true, // the test's oidc-provider listens on loopback http
    },
  });
  /** The same link with private_key_jwt: no client secret, a signed assertion per token request. */
  const jwtConfig = (): GatewayConfig => ({
    version: 1,
    name: 'globex',
    backend: { url: `${backend.baseUrl}/v2` },
    security: {
      type: 'oauth2-client-credentials',
      tokenUrl: oauth.tokenUrl,
      clientId: JWT_CLIENT_ID,
      authMethod: 'private_key_jwt',
      privateKeyJwt: { key: secrets.file(ASSERTION_KEY_PEM), algorithm: 'ES256', keyId: 'gw-2026' },
      scope: 'orders:read',
      allowInsecureLoopbackTokenUrl: true,
    },
  });
  const tokenRequests = async () => (await oauth.stats()).tokenRequests;
  /** The bearer tokens the backend received since `from`, in order. */
  const tokensSince = (from: number) =>
    backend.requests.slice(from).map((r) => /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1]);

  describe.each(ADAPTERS)('through the $name', (adapter) => {
    test('GIVEN 20 concurrent requests and 5 more WHEN they go through THEN all are 200 and the OAuth server issued one token', async () => {
      const gateway = await through(adapter, config());
      const fetchesBefore = await tokenRequests();
      const seenBefore = backend.requests.length;

      const concurrent = await Promise.all(
        Array.from({ length: 20 }, (_, i) => gateway.call({ path: '/items', query: { n: String(i) } })),
      );
      const sequential: number[] = [];
      for (let i = 0; i < 5; i += 1) sequential.push((await gateway.call({ path: '/items' })).status);

      expect(concurrent.map((a) => a.status)).toEqual(Array(20).fill(200));
      expect(sequential).toEqual(Array(5).fill(200));
      expect(await tokenRequests()).toBe(fetchesBefore + 1);
      expect(new Set(tokensSince(seenBefore)).size).toBe(1);
      expect((await oauth.stats()).lastParams).toEqual({
        grant_type: 'client_credentials',
        scope: 'orders:read',
      });
    });

    test.each([
      ['the token is revoked at the OAuth server', (token: string) => oauth.revoke(`Bearer ${token}`)],
      [
        'the backend rejects the live token once',
        async () => {
          rejectNext = 1;
        },
      ],
    ])(
      'GIVEN a cached token WHEN %s THEN the gateway purges it, fetches a new one and the retried POST succeeds: the caller sees 200',
      async (_, disturb) => {
        const gateway = await through(adapter, config());
        expect((await gateway.call({ path: '/items' })).status).toBe(200);
        const fetchesBefore = await tokenRequests();
        const seenBefore = backend.requests.length;
        const [first] = tokensSince(seenBefore - 1);
        await disturb(first!);

        const answer = await gateway.call({
          method: 'POST',
          path: '/items',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ORDER),
        });
        const after = await gateway.call({ path: '/items' });

        expect(answer.status).toBe(200);
        expect(json(answer.text)).toMatchObject({ url: '/v2/items', contentType: 'application/json' });
        expect(JSON.parse(json(answer.text).body as string)).toEqual(ORDER);
        // The first attempt carried the old token, the retry (same body) a new one, kept for what follows.
        const [rejected, retried, next] = tokensSince(seenBefore);
        expect(rejected).toBe(first);
        expect(retried).not.toBe(first);
        expect(next).toBe(retried);
        expect(backend.requests.slice(seenBefore, seenBefore + 2).map((r) => r.body.toString())).toEqual([
          JSON.stringify(ORDER),
          JSON.stringify(ORDER),
        ]);
        expect(after.status).toBe(200);
        expect(await tokenRequests()).toBe(fetchesBefore + 1);
      },
    );

    test('GIVEN private_key_jwt WHEN 20 concurrent requests, a revoked token and a retried POST go through THEN all are 200: one token per fetch, each fetched with a fresh assertion the server accepted', async () => {
      const gateway = await through(adapter, jwtConfig());
      const fetchesBefore = await tokenRequests();
      const seenBefore = backend.requests.length;

      const concurrent = await Promise.all(
        Array.from({ length: 20 }, () => gateway.call({ path: '/items' })),
      );
      expect(concurrent.map((a) => a.status)).toEqual(Array(20).fill(200));
      expect(await tokenRequests()).toBe(fetchesBefore + 1);
      const firstFetch = (await oauth.stats()).lastParams as Record<string, string>;
      expect(firstFetch).toMatchObject({
        grant_type: 'client_credentials',
        scope: 'orders:read',
        client_id: JWT_CLIENT_ID,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      });
      const [first] = tokensSince(seenBefore);
      await oauth.revoke(`Bearer ${first}`);

      const answer = await gateway.call({
        method: 'POST',
        path: '/items',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ORDER),
      });

      expect(answer.status).toBe(200);
      expect(JSON.parse(json(answer.text).body as string)).toEqual(ORDER);
      expect(await tokenRequests()).toBe(fetchesBefore + 2);
      const secondFetch = (await oauth.stats()).lastParams as Record<string, string>;
      expect(secondFetch.client_assertion).not.toBe(firstFetch.client_assertion);
    });

    test('fails when the backend rejects every token: its 401 passes through after one retry, no loop', async () => {
      const gateway = await through(adapter, config());
      const fetchesBefore = await tokenRequests();
      const seenBefore = backend.requests.length;
      rejectNext = Number.POSITIVE_INFINITY;
      try {
        const answer = await gateway.call({ path: '/items' });

        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expect(backend.requests.length - seenBefore).toBe(2);
        expect(await tokenRequests()).toBe(fetchesBefore + 2);
      } finally {
        rejectNext = 0;
      }
    });

    test('fails when the OAuth server is down: 503 CREDENTIALS_UNAVAILABLE problem, and the backend sees nothing', async () => {
      const gateway = await through(adapter, config(`http://127.0.0.1:${closedPort}/token`));
      const seenBefore = backend.requests.length;

      const answer = await gateway.call({
        method: 'POST',
        path: '/items',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ORDER),
      });

      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(json(answer.text)).toMatchObject({ status: 503, code: 'CREDENTIALS_UNAVAILABLE' });
      expect(backend.requests.length).toBe(seenBefore);
    });
  });
});

describe('sigv4: AWS Signature Version 4, recomputed by botocore in the backend', () => {
  const REGION = 'eu-west-1';
  const SERVICE = 'execute-api';
  const ROLE_ARN = 'arn:aws:iam::210987654321:role/acme-orders-gateway-invoker';
  const EXTERNAL_ID = 'acme-orders-7f3a';
  let backend: RunningVerifier;
  const saved: Record<string, string | undefined> = {};
  const ENV = {
    AWS_ACCESS_KEY_ID: ROLE_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROLE_KEYS.secretAccessKey,
    AWS_SESSION_TOKEN: ROLE_KEYS.sessionToken,
  };

  beforeAll(async () => {
    // What Lambda does for the function's execution role (the scheme's `environment` source reads it).
    for (const [name, value] of Object.entries(ENV)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    backend = await startVerifier({
      mode: 'backend',
      region: REGION,
      service: SERVICE,
      credentials: [ROLE_KEYS, ...ASSUMED],
      revoked: [ASSUMED[0].accessKeyId],
    });
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await backend?.stop();
  });

  const config = (credentials?: object): GatewayConfig => ({
    version: 1,
    name: 'acme-orders-aws',
    backend: { url: `${backend.origin}/prod` },
    security: { type: 'sigv4', region: REGION, service: SERVICE, ...(credentials ? { credentials } : {}) },
  });

  describe.each(ADAPTERS)('through the $name', (adapter) => {
    test("GIVEN the function role's credentials WHEN a GET with a query and a POST with a JSON body pass, the caller sending its own Authorization and x-amz-* THEN botocore accepts both, the body hash and session token signed", async () => {
      const gateway = await through(adapter, config());
      const before = backend.verdicts().length;

      const get = await gateway.call({
        path: '/orders',
        query: { status: 'open', q: 'café crème', tag: 'a+b' },
        headers: { authorization: CALLER_AUTHORIZATION, 'x-amz-date': '20200101T000000Z' },
      });
      const post = await gateway.call({
        method: 'POST',
        path: '/orders',
        headers: { 'content-type': 'application/json', 'x-amz-security-token': 'caller-token' },
        body: JSON.stringify(ORDER),
      });

      expect([get.status, post.status]).toEqual([200, 200]);
      const [g, p] = (await backend.verdictsWhen(before + 2)).slice(before);
      expect(g).toMatchObject({ verified: true, method: 'GET', accessKeyId: ROLE_KEYS.accessKeyId });
      expect(g.path).toMatch(/^\/prod\/orders\?/);
      expect(p).toMatchObject({
        verified: true,
        method: 'POST',
        bodyLength: Buffer.byteLength(JSON.stringify(ORDER)),
      });
      expect(p.signedHeaders).toEqual([
        'content-type',
        'host',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-security-token',
      ]);
    });

    test('GIVEN an assumed role (external ID) whose first credentials the backend refuses WHEN a POST passes THEN it is retried once with fresh credentials from STS, re-signed, and accepted', async () => {
      // Each adapter gets its own STS stand-in: it issues the revoked credentials first, then good ones.
      const sts = await startVerifier({
        mode: 'sts',
        region: REGION,
        credentials: [ROLE_KEYS],
        sts: {
          roleArn: ROLE_ARN,
          externalId: EXTERNAL_ID,
          issue: ASSUMED.map((c) => ({ ...c, expiration: new Date(Date.now() + 3_600_000).toISOString() })),
        },
      });
      try {
        const gateway = await through(
          adapter,
          config({
            source: 'assume-role',
            roleArn: ROLE_ARN,
            externalId: EXTERNAL_ID,
            stsEndpoint: sts.origin,
          }),
        );
        const before = backend.verdicts().length;

        const answer = await gateway.call({
          method: 'POST',
          path: '/orders',
          query: { retry: '1' },
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ORDER),
        });

        expect(answer.status).toBe(200);
        const attempts = (await backend.verdictsWhen(before + 2)).slice(before);
        expect(attempts.map((v) => [v.status, v.accessKeyId, v.reason])).toEqual([
          [403, ASSUMED[0].accessKeyId, 'credentials revoked'],
          [200, ASSUMED[1].accessKeyId, 'ok'],
        ]);
        expect((await sts.verdictsWhen(2)).map((v) => [v.status, v.accessKeyId])).toEqual([
          [200, ROLE_KEYS.accessKeyId],
          [200, ROLE_KEYS.accessKeyId],
        ]);
      } finally {
        await sts.stop();
      }
    });

    test('fails when STS is down: 503 CREDENTIALS_UNAVAILABLE problem, and the backend sees nothing', async () => {
      const closedPort = await freePort();
      const gateway = await through(
        adapter,
        config({ source: 'assume-role', roleArn: ROLE_ARN, stsEndpoint: `http://127.0.0.1:${closedPort}` }),
      );
      const before = backend.verdicts().length;

      const answer = await gateway.call({ path: '/orders' });

      expect(answer.status).toBe(503);
      expect(json(answer.text)).toMatchObject({ status: 503, code: 'CREDENTIALS_UNAVAILABLE' });
      expect(backend.verdicts().length).toBe(before);
    });
  });
});

describe('what the adapters logged', () => {
  const PEM_LINES = RSA_PRIVATE_PEM.split('\n').filter(
    (line) => line.length > 0 && !line.startsWith('-----'),
  );
  const SECRET_VALUES = [
    API_TOKEN,
    WRONG_API_TOKEN,
    HMAC_KEY,
    CLIENT_SECRET,
    Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'), // as sent to the token endpoint
    RSA_PRIVATE_PEM,
    ...PEM_LINES,
    MESSAGE_HMAC_KEY,
    ...MESSAGE_PRIVATE_PEMS.flatMap((pem) =>
      pem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----')),
    ),
    ROLE_KEYS.secretAccessKey,
    ROLE_KEYS.sessionToken,
    ...ASSUMED.flatMap((c) => [c.secretAccessKey, c.sessionToken]),
    ASSERTION_KEY_PEM,
    ...ASSERTION_KEY_PEM.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----')),
  ];

  test.each(ADAPTERS.map((adapter) => adapter.name))(
    'GIVEN every run above through the %s THEN it logged JSON lines, and none holds a secret value or an access token',
    (name) => {
      const capture = logged.get(name)!;
      expect(capture.logs().filter((entry) => entry.msg === 'request proxied').length).toBeGreaterThan(0);
      // The scan covered the access tokens the OAuth backend received, too.
      expect(accessTokens.size).toBeGreaterThan(0);
      const text = capture.lines.join('\n');
      const leaked = [...SECRET_VALUES, ...accessTokens].filter((value) => text.includes(value));
      expect(leaked).toEqual([]);
    },
  );
});
