import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Options, OAuth2Scheme, OAuth2SchemeConfig } from '../../../gateway-runtime/src/schemes/oauth2';
import type { OutgoingRequest, SentRequest } from '../../../gateway-runtime/src/schemes/types';
import { OAuthServer, startOAuthServer } from '../support/oauth-server';
import { createTestPki } from '../support/test-ca';
import { createGateway, Gateway } from '../../../gateway-runtime/src/proxy';
import { RunningBackend, startBackend } from '../../support/loopback-backends';
import { secretFiles } from '../fixtures/harness';
import { MapSecrets } from './support/map-secrets';
import { sentRequest } from './support/sent';
import { oauth2Scheme } from '../config/support/resolved';

jest.setTimeout(30_000);

const BASIC_SECRET = 'b4sic:s3cret with+odd&chars%';
const POST_SECRET = 'p0st-s3cret-value';
const SECRET_REF = { env: 'OAUTH_CLIENT_SECRET' } as const;
const CA_REF = { file: 'token-endpoint-ca.pem' } as const;
const CLIENTS = [
  {
    client_id: 'gw-basic',
    client_secret: BASIC_SECRET,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'orders:read orders:write',
  },
  {
    client_id: 'gw-post',
    client_secret: POST_SECRET,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'orders:read',
  },
];

const backendRequest = (): OutgoingRequest => ({
  method: 'GET',
  url: new URL('https://backend.example/orders'),
  headers: {},
});
/** The request as sent, carrying the scheme's `authorization` (what the proxy hands onResponse). */
const sent = (authorization: string | undefined): SentRequest =>
  sentRequest(backendRequest(), authorization ? { authorization } : {});

/** Schemes created by a test, closed after it. */
const open: OAuth2Scheme[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function scheme(
  config: Partial<OAuth2SchemeConfig> & { tokenUrl: string },
  secret: string,
  extra: { now?: () => number; options?: OAuth2Options; secrets?: MapSecrets } = {},
): OAuth2Scheme {
  const secrets = extra.secrets ?? new MapSecrets();
  secrets.set(SECRET_REF, secret);
  const created = oauth2Scheme(
    { type: 'oauth2-client-credentials', clientId: 'gw-basic', clientSecret: SECRET_REF, ...config },
    { secrets, now: extra.now },
    extra.options,
  );
  open.push(created);
  return created;
}

describe('oauth2 client credentials against oidc-provider (http)', () => {
  let dir: string;
  let server: OAuthServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oauth-http-'));
    server = await startOAuthServer({ cwd: dir, clients: CLIENTS, tokenTtlSeconds: 600 });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fetches = async () => (await server.stats()).tokenRequests;

  test('GIVEN client_secret_basic WHEN authorizing THEN a real token is sent as Bearer and accepted by the server', async () => {
    // GIVEN a scheme with scope, audience and extra parameters, and a secret that needs form encoding
    const before = await fetches();
    const s = scheme(
      {
        tokenUrl: server.tokenUrl,
        scope: 'orders:read',
        audience: 'https://orders.example',
        extraParams: { tenant: 'acme' },
      },
      BASIC_SECRET,
    );
    // WHEN it authorizes a backend request
    const headers = await s.authorize(backendRequest());
    // THEN it carries a bearer token that the authorization server recognises as issued to gw-basic
    expect(Object.keys(headers)).toEqual(['authorization']);
    expect(headers.authorization).toMatch(/^Bearer [A-Za-z0-9\-._~+/]+=*$/);
    expect(await server.check(headers.authorization)).toBe(200);
    const stats = await server.stats();
    expect(stats.tokenRequests).toBe(before + 1);
    expect(stats.lastParams).toEqual({
      grant_type: 'client_credentials',
      scope: 'orders:read',
      audience: 'https://orders.example',
      tenant: 'acme',
    });
    expect(s).toMatchObject({ mayRetry: true, needsBody: false });
  });

  test('GIVEN client_secret_post WHEN authorizing THEN the id and secret go in the form and a token is issued', async () => {
    const s = scheme(
      { tokenUrl: server.tokenUrl, clientId: 'gw-post', authMethod: 'client_secret_post' },
      POST_SECRET,
    );
    const headers = await s.authorize(backendRequest());
    expect(await server.check(headers.authorization)).toBe(200);
    expect((await server.stats()).lastParams).toEqual({
      grant_type: 'client_credentials',
      client_id: 'gw-post',
    });
  });

  test('GIVEN a cached token WHEN authorizing again THEN no new token is fetched', async () => {
    const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET);
    const first = await s.authorize(backendRequest());
    const before = await fetches();
    const second = await s.authorize(backendRequest());
    expect(second).toEqual(first);
    expect(await fetches()).toBe(before);
  });

  test('GIVEN an injected clock WHEN expires_in minus the margin has passed THEN a new token is fetched', async () => {
    // GIVEN tokens that live 600 s and a 60 s margin
    let clock = Date.UTC(2026, 0, 1);
    const start = clock;
    const s = scheme({ tokenUrl: server.tokenUrl, expiryMarginSeconds: 60 }, BASIC_SECRET, {
      now: () => clock,
    });
    const first = await s.authorize(backendRequest());
    const afterFirst = await fetches();
    // WHEN just under 540 s have passed THEN the cached token is used
    clock = start + 540_000 - 1;
    expect(await s.authorize(backendRequest())).toEqual(first);
    expect(await fetches()).toBe(afterFirst);
    // WHEN 540 s have passed THEN a new token is fetched
    clock = start + 540_000;
    const renewed = await s.authorize(backendRequest());
    expect(await fetches()).toBe(afterFirst + 1);
    expect(renewed.authorization).not.toBe(first.authorization);
  });

  test('GIVEN 100 concurrent requests and no token WHEN they authorize THEN exactly one token is fetched', async () => {
    const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET);
    const before = await fetches();
    const results = await Promise.all(Array.from({ length: 100 }, () => s.authorize(backendRequest())));
    expect(await fetches()).toBe(before + 1);
    expect(new Set(results.map((h) => h.authorization)).size).toBe(1);
  });

  test('GIVEN the backend answers 401 WHEN the response is seen THEN the token is purged, one retry is asked and a new token used', async () => {
    // GIVEN a token the server has since revoked, so the protected resource answers 401
    const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET);
    const first = await s.authorize(backendRequest());
    await server.revoke(first.authorization);
    const status = await server.check(first.authorization);
    expect(status).toBe(401);
    const before = await fetches();
    // WHEN the scheme sees that 401 on the first attempt
    const decision = await s.onResponse!(sent(first.authorization), { status, headers: {} }, 1);
    // THEN it asks for a retry, and the retry carries a fresh token that the server accepts
    expect(decision).toBe('retry');
    const second = await s.authorize(backendRequest());
    expect(await fetches()).toBe(before + 1);
    expect(second.authorization).not.toBe(first.authorization);
    expect(await server.check(second.authorization)).toBe(200);
    // AND a 401 on the retry itself is final
    expect(await s.onResponse!(sent(second.authorization), { status: 401, headers: {} }, 2)).toBe('done');
  });

  test('GIVEN the token revoked twice within 5 s (the documented trade-off) THEN the first revocation is healed at once, the second is passed on as 401 until the refetch interval has passed, then healed', async () => {
    let clock = Date.now();
    const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET, { now: () => clock });
    const first = await s.authorize(backendRequest());
    await server.revoke(first.authorization);
    // the first revocation: purged and retried with a fresh token, which the server accepts
    expect(
      await s.onResponse!(
        sent(first.authorization),
        { status: await server.check(first.authorization), headers: {} },
        1,
      ),
    ).toBe('retry');
    const second = await s.authorize(backendRequest());
    expect(await server.check(second.authorization)).toBe(200);
    // the second revocation, 2 s later: indistinguishable from a path that always answers 401, so passed on
    clock += 2_000;
    await server.revoke(second.authorization);
    const refused = { status: await server.check(second.authorization), headers: {} };
    expect(refused.status).toBe(401);
    expect(await s.onResponse!(sent(second.authorization), refused, 1)).toBe('done');
    expect((await s.authorize(backendRequest())).authorization).toBe(second.authorization);
    // once 5 s have passed since the last refetch, the next 401 purges and heals
    clock += 3_000;
    expect(await s.onResponse!(sent(second.authorization), refused, 1)).toBe('retry');
    const third = await s.authorize(backendRequest());
    expect(await server.check(third.authorization)).toBe(200);
  });

  test.each([200, 403, 500])(
    'GIVEN the backend answers %i WHEN the response is seen THEN no retry',
    async (status) => {
      const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET);
      const headers = await s.authorize(backendRequest());
      expect(await s.onResponse!(sent(headers.authorization), { status, headers: {} }, 1)).toBe('done');
    },
  );

  test('GIVEN a 401 for a token already replaced WHEN seen THEN the newer token is kept', async () => {
    let clock = 0;
    const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET, { now: () => clock });
    const old = await s.authorize(backendRequest());
    clock = 10_000_000; // the first token expired; a second is fetched
    const current = await s.authorize(backendRequest());
    const before = await fetches();
    expect(await s.onResponse!(sent(old.authorization), { status: 401, headers: {} }, 1)).toBe('retry');
    expect(await s.authorize(backendRequest())).toEqual(current);
    expect(await fetches()).toBe(before);
  });

  describe('through the gateway, against a backend that checks tokens with the OAuth server', () => {
    const CALLER = 'Bearer caller-own-token';
    let backend: RunningBackend;
    let alwaysRefuses: RunningBackend;
    const tokenFile = secretFiles();
    beforeAll(async () => {
      backend = await startBackend((req, res) => {
        void server.check(req.headers.authorization ?? '').then((status) => {
          res.writeHead(status);
          res.end(status === 200 ? 'ok' : 'no');
        });
      });
      alwaysRefuses = await startBackend((_req, res) => {
        res.writeHead(401);
        res.end('no');
      });
    });
    afterAll(async () => {
      await backend?.stop();
      await alwaysRefuses?.stop();
      tokenFile.remove();
    });

    const gatewayFor = (url: string, forwardAuthorization: boolean): Gateway =>
      createGateway(
        {
          version: 1,
          name: 'oauth',
          backend: { url },
          security: {
            type: 'oauth2-client-credentials',
            tokenUrl: server.tokenUrl,
            clientId: 'gw-basic',
            clientSecret: tokenFile.file(BASIC_SECRET),
            allowInsecureLoopbackTokenUrl: true,
          },
          forwarding: { forwardAuthorization },
        },
        { logSink: () => undefined },
      );
    const call = async (gateway: Gateway) => {
      const response = await gateway.handle({
        method: 'GET',
        path: '/orders',
        headers: { authorization: CALLER },
        protocol: 'https',
      });
      if (!Buffer.isBuffer(response.body)) response.body.resume();
      return response.status;
    };

    test.each([true, false])(
      'regression: with forwardAuthorization %s, a revoked cached token is purged and the retried request gets 200',
      async (forwardAuthorization) => {
        const gateway = gatewayFor(backend.baseUrl, forwardAuthorization);
        try {
          expect(await call(gateway)).toBe(200);
          const sent = backend.requests.at(-1)!.headers.authorization!;
          expect(sent).not.toBe(CALLER); // the scheme's token, never the caller's header
          await server.revoke(sent);
          const before = backend.requests.length;
          expect(await call(gateway)).toBe(200);
          const [refused, retried] = backend.requests.slice(before).map((r) => r.headers.authorization);
          expect(refused).toBe(sent);
          expect(retried).not.toBe(sent);
          expect(await call(gateway)).toBe(200); // the new token is kept
        } finally {
          await gateway.close();
        }
      },
    );

    test('regression: 20 requests to a path that always answers 401 make at most 2 token requests, not 20', async () => {
      const gateway = gatewayFor(alwaysRefuses.baseUrl, false);
      try {
        const before = await fetches();
        for (let i = 0; i < 20; i++) expect(await call(gateway)).toBe(401);
        // the first token, and one refetch after the first 401 (the retry-once); the rest pass the 401 on
        expect((await fetches()) - before).toBe(2);
        expect(alwaysRefuses.requests.length).toBe(21);
      } finally {
        await gateway.close();
      }
    });

    test('GIVEN the refetch interval has passed WHEN the path answers 401 again THEN one more token is fetched and the request retried once', async () => {
      let clock = Date.now();
      const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET, { now: () => clock });
      const first = await s.authorize(backendRequest());
      expect(await s.onResponse!(sent(first.authorization), { status: 401, headers: {} }, 1)).toBe('retry');
      const second = await s.authorize(backendRequest());
      // a 401 for the new token moments later: passed on, no fetch
      expect(await s.onResponse!(sent(second.authorization), { status: 401, headers: {} }, 1)).toBe('done');
      expect(await s.authorize(backendRequest())).toEqual(second);
      clock += 5_000; // DEFAULT_OAUTH_MIN_REFETCH_INTERVAL_SECONDS
      expect(await s.onResponse!(sent(second.authorization), { status: 401, headers: {} }, 1)).toBe('retry');
      expect((await s.authorize(backendRequest())).authorization).not.toBe(second.authorization);
    });
  });

  test('fails when the client secret is wrong: 503 CREDENTIALS_UNAVAILABLE, without the secret in the message', async () => {
    const wrong = 'wr0ng-but-s3cret-value';
    const s = scheme({ tokenUrl: server.tokenUrl }, wrong);
    const error = (await Promise.resolve()
      .then(() => s.authorize(backendRequest()))
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', status: 503 });
    expect(error.message).toBe(
      `no OAuth 2.0 token for the backend: token endpoint ${server.tokenUrl} answered 401 (invalid_client)`,
    );
    expect(error.message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  test('fails when the token endpoint is down, for every waiting request, with CREDENTIALS_UNAVAILABLE', async () => {
    // GIVEN a port nothing listens on (bound, then closed)
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const s = scheme({ tokenUrl: `http://127.0.0.1:${port}/token` }, BASIC_SECRET);
    // WHEN several requests wait for a token
    const results = await Promise.allSettled([1, 2, 3].map(() => s.authorize(backendRequest())));
    // THEN each fails with 503 and no headers
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({
        code: 'CREDENTIALS_UNAVAILABLE',
        message: `no OAuth 2.0 token for the backend: token endpoint http://127.0.0.1:${port}/token could not be reached (ECONNREFUSED)`,
      });
    }
  });

  test('fails when the client secret can not be read, with CREDENTIALS_UNAVAILABLE', async () => {
    const secrets = new MapSecrets();
    const s = scheme({ tokenUrl: server.tokenUrl }, BASIC_SECRET, { secrets });
    secrets.delete(SECRET_REF);
    await expect(s.authorize(backendRequest())).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
  });
});

describe('oauth2 client credentials against oidc-provider over https with a private CA', () => {
  let dir: string;
  let server: OAuthServer;
  let caPem: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oauth-https-'));
    const pki = createTestPki(dir, 'login.test');
    caPem = pki.caPem;
    server = await startOAuthServer({
      cwd: dir,
      clients: CLIENTS,
      tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caPem },
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN tokenEndpointTls.ca and servername WHEN authorizing THEN the token is fetched over verified TLS', async () => {
    const secrets = new MapSecrets().set(CA_REF, caPem);
    const s = scheme(
      { tokenUrl: server.tokenUrl, tokenEndpointTls: { ca: CA_REF, servername: 'login.test' } },
      BASIC_SECRET,
      { secrets },
    );
    const headers = await s.authorize(backendRequest());
    expect(await server.check(headers.authorization)).toBe(200);
  });

  test.each([
    [
      'no private CA is configured',
      undefined,
      'login.test',
      /could not be reached \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/,
    ],
    [
      'the certificate does not match the name',
      CA_REF,
      undefined,
      /could not be reached \(ERR_TLS_CERT_ALTNAME_INVALID\)$/,
    ],
  ])('fails closed when %s, with CREDENTIALS_UNAVAILABLE', async (_, ca, servername, message) => {
    const secrets = new MapSecrets().set(CA_REF, caPem);
    const s = scheme(
      {
        tokenUrl: server.tokenUrl,
        tokenEndpointTls: { ...(ca ? { ca } : {}), ...(servername ? { servername } : {}) },
      },
      BASIC_SECRET,
      { secrets },
    );
    const error = (await Promise.resolve()
      .then(() => s.authorize(backendRequest()))
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
    expect(error.message).toMatch(message);
  });
});

describe('oauth2 client credentials, token endpoint answers a real server would not give', () => {
  let server: Server;
  let tokenUrl: string;
  let answer: (req: IncomingMessage, res: ServerResponse) => void;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => answer(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token?tenant=acme`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const where = () => tokenUrl.replace(/\?.*$/, '');

  test('GIVEN no expires_in WHEN tokens are issued THEN the default lifetime minus the margin applies', async () => {
    answer = json(200, { access_token: 'tok-a', token_type: 'bearer' });
    let clock = 0;
    const s = scheme({ tokenUrl, defaultLifetimeSeconds: 300, expiryMarginSeconds: 60 }, BASIC_SECRET, {
      now: () => clock,
    });
    const before = requests;
    await s.authorize(backendRequest());
    clock = 240_000 - 1;
    await s.authorize(backendRequest());
    expect(requests).toBe(before + 1);
    clock = 240_000;
    await s.authorize(backendRequest());
    expect(requests).toBe(before + 2);
  });

  test('GIVEN a token shorter-lived than the margin WHEN issued THEN it is still reused for half its lifetime', async () => {
    answer = json(200, { access_token: 'tok-b', token_type: 'Bearer', expires_in: '20' });
    let clock = 0;
    const s = scheme({ tokenUrl, expiryMarginSeconds: 60 }, BASIC_SECRET, { now: () => clock });
    const before = requests;
    await s.authorize(backendRequest());
    clock = 9_999;
    expect(await s.authorize(backendRequest())).toEqual({ authorization: 'Bearer tok-b' });
    expect(requests).toBe(before + 1);
    clock = 10_000;
    await s.authorize(backendRequest());
    expect(requests).toBe(before + 2);
  });

  test.each([
    [
      'a 500 that echoes the secret',
      json(500, { error: 'server_error', error_description: BASIC_SECRET }),
      'answered 500 (server_error)',
    ],
    ['an error code that is not registered', json(400, { error: `bad ${BASIC_SECRET}` }), 'answered 400'],
    [
      'a body that is not JSON',
      json(200, '<html>ok</html>'),
      'answered 200 with a body that is not a JSON object',
    ],
    ['a JSON array', json(200, []), 'answered 200 with a body that is not a JSON object'],
    ['no access_token', json(200, { token_type: 'Bearer' }), 'answered without an access_token'],
    [
      'an empty access_token',
      json(200, { access_token: '', token_type: 'Bearer' }),
      'answered without an access_token',
    ],
    [
      'an access_token with a line break',
      json(200, { access_token: 'abc\r\nx-admin: 1', token_type: 'Bearer' }),
      'answered an access_token that is not a valid bearer token (RFC 6750)',
    ],
    [
      'token_type mac',
      json(200, { access_token: 'abc', token_type: 'mac' }),
      'answered token_type "mac"; only Bearer tokens are supported',
    ],
    [
      'no token_type',
      json(200, { access_token: 'abc' }),
      'answered no usable token_type; only Bearer tokens are supported',
    ],
    [
      'a body over the limit',
      json(200, { access_token: 'a'.repeat(70_000), token_type: 'Bearer' }),
      'answered more than 65536 bytes',
    ],
  ])(
    'fails when the token endpoint answers %s: 503, without secret or token in the message',
    async (_, handler, why) => {
      answer = handler;
      const s = scheme({ tokenUrl }, BASIC_SECRET);
      const error = (await Promise.resolve()
        .then(() => s.authorize(backendRequest()))
        .catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', status: 503 });
      expect(error.message).toBe(`no OAuth 2.0 token for the backend: token endpoint ${where()} ${why}`);
      expect(error.message).not.toContain(BASIC_SECRET);
      expect(error.message).not.toContain('x-admin');
    },
  );

  test('fails when the token endpoint does not answer in time (headers timeout), with 503', async () => {
    // The endpoint never answers; the test ends the hanging response when it is done.
    const hanging: ServerResponse[] = [];
    answer = (_req, res) => hanging.push(res);
    const s = scheme({ tokenUrl }, BASIC_SECRET, { options: { headersTimeoutMs: 200 } });
    await expect(s.authorize(backendRequest())).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: `no OAuth 2.0 token for the backend: token endpoint ${where()} could not be reached (UND_ERR_HEADERS_TIMEOUT)`,
    });
    hanging.forEach((res) => res.destroy());
  });

  test('GIVEN a failed fetch WHEN authorizing again THEN the next request tries again (no failure is cached)', async () => {
    answer = json(503, { error: 'temporarily_unavailable' });
    const s = scheme({ tokenUrl }, BASIC_SECRET);
    await expect(s.authorize(backendRequest())).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
    answer = json(200, { access_token: 'tok-c', token_type: 'Bearer', expires_in: 3600 });
    expect(await s.authorize(backendRequest())).toEqual({ authorization: 'Bearer tok-c' });
  });

  test('GIVEN a closed scheme WHEN authorizing THEN it fails with CREDENTIALS_UNAVAILABLE', async () => {
    const s = scheme({ tokenUrl }, BASIC_SECRET);
    await s.close();
    await expect(s.authorize(backendRequest())).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: 'the OAuth 2.0 scheme was closed',
    });
  });
});
