/**
 * The SigV4 scheme against an independent verifier: botocore (Debian's python3-botocore) in a loopback
 * backend recomputes every signature from the request it received and answers 200 only when equal
 * (support/sigv4_verifier.py). Requests go out through undici directly and through the gateway's real
 * request path (createGateway → handle). The STS stand-in for AssumeRole is the same verifier in `sts`
 * mode: it checks the AssumeRole call's signature with botocore before it hands out credentials.
 */
import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { ConfigError, CredentialsUnavailableError } from '../../../gateway-runtime/src/core/errors';
import { createGateway, GatewayRequest } from '../../../gateway-runtime/src/proxy';
import { environmentCredentials } from '../../../gateway-runtime/src/schemes/aws-credentials';
import { createSigV4Scheme, SigV4SchemeOptions } from '../../../gateway-runtime/src/schemes/sigv4';
import type { AuthScheme } from '../../../gateway-runtime/src/schemes/types';
import { captureLines } from '../fixtures/harness';
import { defaultTimeouts } from '../config/support/resolved';
import { MapSecrets } from './support/map-secrets';
import { RunningVerifier, startVerifier, Verdict } from './support/sigv4-verifier';

jest.setTimeout(30_000);

const REGION = 'eu-west-1';
const SERVICE = 'execute-api';
const ROLE_KEYS = {
  accessKeyId: 'ASIAROLEEXAMPLE00001',
  secretAccessKey: 'role-secret/K7MDENG+bPxRfiCYzz1example',
};
const ROLE_TOKEN = 'IQoJb3JpZ2luX2VjELr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+session/token==';
const STATIC_KEYS = {
  accessKeyId: 'AKIASTATICEXAMPLE001',
  secretAccessKey: 'static-secret/wJalrXUtnFEMIK7MDENGbPxR',
};
const ASSUMED_A = {
  accessKeyId: 'ASIAASSUMEDAAAAAAAA1',
  secretAccessKey: 'assumed-secret-A/0123456789abcdefghij',
  sessionToken: 'FwoGZXIvYXdzEAssumedSessionTokenA//+=',
};
const ASSUMED_B = {
  accessKeyId: 'ASIAASSUMEDBBBBBBBB2',
  secretAccessKey: 'assumed-secret-B/0123456789abcdefghij',
  sessionToken: 'FwoGZXIvYXdzEAssumedSessionTokenB//+=',
};
const ROLE_ARN = 'arn:aws:iam::123456789012:role/orders-backend-invoker';

/** The Lambda role's variables. */
const lambdaEnv = (withToken = true): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: ROLE_KEYS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: ROLE_KEYS.secretAccessKey,
  ...(withToken ? { AWS_SESSION_TOKEN: ROLE_TOKEN } : {}),
});
const staticEnv = (): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: STATIC_KEYS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: STATIC_KEYS.secretAccessKey,
});

const ctx = (now?: () => number) => ({
  secrets: new MapSecrets(),
  timeouts: defaultTimeouts(),
  ...(now ? { now } : {}),
});
const scheme = (options: Partial<SigV4SchemeOptions>, env: NodeJS.ProcessEnv, now?: () => number) =>
  createSigV4Scheme({ type: 'sigv4', region: REGION, service: SERVICE, ...options }, ctx(now), { env });

/** Signs with the scheme and sends with undici exactly what was signed; the verifier's verdict. */
async function sendSigned(
  s: AuthScheme,
  origin: string,
  req: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ verdict: Verdict; status: number; added: Record<string, string> }> {
  const url = new URL(req.path, origin);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const headers: Record<string, string> = { host: url.host, ...(req.headers ?? {}) };
  const added = await s.authorize({ method: req.method, url, headers, ...(body ? { body } : {}) });
  const response = await request(url, {
    method: req.method as 'GET',
    headers: { ...headers, ...added },
    body,
  });
  return { verdict: (await response.body.json()) as Verdict, status: response.statusCode, added };
}

describe('SigV4 with environment credentials, verified by botocore', () => {
  let backend: RunningVerifier;
  let s3: RunningVerifier;
  beforeAll(async () => {
    const credentials = [{ ...ROLE_KEYS, sessionToken: ROLE_TOKEN }, STATIC_KEYS];
    [backend, s3] = await Promise.all([
      startVerifier({ mode: 'backend', region: REGION, service: SERVICE, credentials }),
      startVerifier({ mode: 'backend', region: REGION, service: 's3', s3: true, credentials }),
    ]);
  });
  afterAll(() => Promise.all([backend?.stop(), s3?.stop()]));

  test.each([
    ['a plain query', '/prod/orders?status=open'],
    ['repeated keys, out of order', '/prod/orders?tag=b&tag=a&tag=a&limit=10'],
    ['empty values and a bare key', '/prod/orders?empty=&flag&x=1'],
    [
      'characters that need encoding',
      '/prod/orders?q=caf%C3%A9%20cr%C3%A8me&path=/a/b:c&star=*&paren=(x)&tilde=~&plus=a%2Bb',
    ],
    ['raw reserved characters', "/prod/orders?q=a:b@c!d$e'f,g;h"],
    ['a path that needs encoding (double-encoded)', "/prod/caf%C3%A9/it's%20here/*?x=1"],
    ['consecutive slashes in the path', '/prod//orders///7'],
  ])('GIVEN a GET with %s WHEN signed THEN botocore accepts it', async (_, path) => {
    const { verdict, status, added } = await sendSigned(scheme({}, staticEnv()), backend.origin, {
      method: 'GET',
      path,
      headers: { accept: 'application/json' },
    });
    expect(verdict).toMatchObject({ verified: true, reason: 'ok' });
    expect(status).toBe(200);
    expect(verdict.signedHeaders).toEqual(['host', 'x-amz-content-sha256', 'x-amz-date']);
    expect(added['x-amz-security-token']).toBeUndefined();
  });

  test.each([
    ['a JSON body', 'application/json', JSON.stringify({ order: 'A-1042', note: 'ünïcødé ✓' })],
    ['a form body', 'application/x-www-form-urlencoded', 'a=1&b=%20x'],
    ['an empty body', 'text/plain', ''],
  ])(
    'GIVEN a POST with %s WHEN signed THEN the body hash and content-type are signed and botocore accepts it',
    async (_, type, body) => {
      const { verdict, added } = await sendSigned(scheme({}, lambdaEnv()), backend.origin, {
        method: 'POST',
        path: '/prod/orders?dryRun=true',
        headers: { 'content-type': type },
        body,
      });
      expect(verdict).toMatchObject({ verified: true, bodyLength: Buffer.byteLength(body) });
      expect(verdict.signedHeaders).toEqual([
        'content-type',
        'host',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-security-token',
      ]);
      expect(added['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    },
  );

  test('GIVEN a session token WHEN signed THEN x-amz-security-token is sent and signed', async () => {
    const { verdict, added } = await sendSigned(scheme({}, lambdaEnv()), backend.origin, {
      method: 'GET',
      path: '/',
    });
    expect(verdict.verified).toBe(true);
    expect(added['x-amz-security-token']).toBe(ROLE_TOKEN);
    expect(verdict.signedHeaders).toContain('x-amz-security-token');
  });

  test('GIVEN the caller sends x-amz-meta-* headers and a configured header WHEN signed THEN they are signed too', async () => {
    const { verdict } = await sendSigned(
      scheme({ signedHeaders: ['x-request-id'] }, staticEnv()),
      backend.origin,
      {
        method: 'PUT',
        path: '/prod/orders/7',
        headers: { 'x-amz-meta-origin': 'gateway  test', 'x-request-id': 'r-77', 'user-agent': 'not signed' },
        body: '{}',
      },
    );
    expect(verdict.verified).toBe(true);
    expect(verdict.signedHeaders).toEqual([
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
      'x-amz-meta-origin',
      'x-request-id',
    ]);
  });

  test('GIVEN S3 and payload "unsigned" WHEN a PUT is signed THEN it carries UNSIGNED-PAYLOAD and botocore S3SigV4Auth accepts it', async () => {
    const { verdict, added } = await sendSigned(
      scheme({ service: 's3', payload: 'unsigned' }, lambdaEnv()),
      s3.origin,
      { method: 'PUT', path: '/bucket/reports/2026%20Q4/r%C3%A9sum%C3%A9.txt', body: 'report body' },
    );
    expect(added['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(verdict).toMatchObject({ verified: true, bodyLength: 11 });
  });

  test('GIVEN S3, UNSIGNED-PAYLOAD and a streamed body WHEN it passes the gateway THEN it goes whole, with a Content-Length, and verifies', async () => {
    const gateway = createGateway(
      { version: 1, name: 'sigv4-s3', backend: { url: `${s3.origin}/bucket` }, security: { type: 'none' } },
      { scheme: scheme({ service: 's3', payload: 'unsigned' }, lambdaEnv()), logSink: () => undefined },
    );
    try {
      const response = await gateway.handle(
        {
          method: 'PUT',
          path: '/reports/q4.csv',
          headers: { host: 'gateway.internal', 'content-type': 'text/csv', 'x-amz-meta-source': 'gateway' },
          body: (async function* () {
            yield Buffer.from('a,b\n');
            yield Buffer.from('1,2\n');
          })(),
          protocol: 'https',
        },
        { bufferResponse: true },
      );
      expect(response.status).toBe(200);
      const verdict = JSON.parse((response.body as Buffer).toString()) as Verdict;
      // The verifier reads exactly Content-Length bytes: a chunked body would arrive as 0.
      expect(verdict).toMatchObject({ verified: true, bodyLength: 8 });
      expect(verdict.signedHeaders).toContain('x-amz-meta-source');
    } finally {
      await gateway.close();
    }
  });

  test('GIVEN S3 with a signed payload and a key that needs encoding WHEN signed THEN botocore S3SigV4Auth accepts it', async () => {
    const { verdict } = await sendSigned(scheme({ service: 's3' }, staticEnv()), s3.origin, {
      method: 'PUT',
      path: "/bucket/a key/with+plus/and'quote?x-id=PutObject",
      body: 'object bytes',
    });
    expect(verdict.verified).toBe(true);
  });

  test('GIVEN the same request sent twice, one second apart WHEN each is signed THEN each has its own x-amz-date and signature and both verify', async () => {
    let t = Date.now();
    const s = scheme({}, staticEnv(), () => t);
    const first = await sendSigned(s, backend.origin, {
      method: 'POST',
      path: '/prod/pay?id=1',
      body: 'amount=10',
    });
    t += 1000;
    const second = await sendSigned(s, backend.origin, {
      method: 'POST',
      path: '/prod/pay?id=1',
      body: 'amount=10',
    });
    expect(first.verdict.verified && second.verdict.verified).toBe(true);
    expect(second.added['x-amz-date']).not.toBe(first.added['x-amz-date']);
    expect(second.added.authorization).not.toBe(first.added.authorization);
  });

  test('fails verification when the body sent is not the body signed (the verifier can say no)', async () => {
    const s = scheme({}, staticEnv());
    const url = new URL('/prod/pay', backend.origin);
    const added = await s.authorize({
      method: 'POST',
      url,
      headers: { host: url.host },
      body: Buffer.from('amount=1'),
    });
    const response = await request(url, { method: 'POST', headers: added, body: 'amount=1000' });
    expect(response.statusCode).toBe(403);
    expect(await response.body.json()).toMatchObject({ verified: false });
  });

  test('fails verification when the secret key is wrong', async () => {
    const { verdict, status } = await sendSigned(
      scheme({}, { ...staticEnv(), AWS_SECRET_ACCESS_KEY: 'not-the-secret' }),
      backend.origin,
      { method: 'GET', path: '/prod/orders?x=1' },
    );
    expect(status).toBe(403);
    expect(verdict).toMatchObject({ verified: false, reason: 'signature does not match' });
  });

  test('fails when the environment has no credentials: CREDENTIALS_UNAVAILABLE, reason NOT_SET', async () => {
    const s = scheme({}, {});
    const attempt = Promise.resolve().then(() =>
      s.authorize({
        method: 'GET',
        url: new URL('https://x.execute-api.eu-west-1.amazonaws.com/'),
        headers: {},
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(CredentialsUnavailableError);
    await expect(attempt).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      status: 503,
      reason: 'NOT_SET',
    });
  });

  describe('through the gateway', () => {
    const config = (): GatewayConfig => ({
      version: 1,
      name: 'sigv4',
      backend: { url: `${backend.origin}/prod` },
      security: { type: 'none' },
    });
    const get = (path: string, query: string, headers: Record<string, string> = {}): GatewayRequest => ({
      method: 'GET',
      path,
      query,
      headers: { host: 'gateway.internal', 'x-forwarded-for': '10.0.0.9', ...headers },
      protocol: 'https',
    });

    test('GIVEN the gateway with the scheme WHEN a GET with a query and a POST with a streamed body pass THEN botocore accepts both', async () => {
      const gateway = createGateway(config(), { scheme: scheme({}, lambdaEnv()), logSink: () => undefined });
      try {
        const a = await gateway.handle(
          get('/orders/7', 'tag=b&tag=a&empty=&q=caf%C3%A9%20%2B1&path=/x', {
            // The caller's own credentials and signing headers are never forwarded.
            authorization: 'AWS4-HMAC-SHA256 Credential=AKIACALLER/...',
            'x-amz-date': '20000101T000000Z',
            'x-amz-security-token': 'caller-token',
          }),
          { bufferResponse: true },
        );
        expect(a.status).toBe(200);
        const va = JSON.parse((a.body as Buffer).toString()) as Verdict;
        expect(va).toMatchObject({
          verified: true,
          path: '/prod/orders/7?tag=b&tag=a&empty=&q=caf%C3%A9%20%2B1&path=/x',
        });
        const b = await gateway.handle(
          {
            method: 'POST',
            path: '/orders',
            headers: { host: 'gateway.internal', 'content-type': 'application/json' },
            body: (async function* () {
              yield Buffer.from('{"order":');
              yield Buffer.from('"A-1"}');
            })(),
            protocol: 'https',
          },
          { bufferResponse: true },
        );
        expect(b.status).toBe(200);
        expect(JSON.parse((b.body as Buffer).toString())).toMatchObject({ verified: true, bodyLength: 15 });
      } finally {
        await gateway.close();
      }
    });

    test('GIVEN no credentials in the environment WHEN a request passes THEN 503 CREDENTIALS_UNAVAILABLE and the log names the reason', async () => {
      const log = captureLines();
      const gateway = createGateway(config(), { scheme: scheme({}, {}), logSink: log.sink });
      const before = backend.verdicts().length;
      try {
        const response = await gateway.handle(get('/orders', ''), { bufferResponse: true });
        expect(response.status).toBe(503);
        expect(JSON.parse((response.body as Buffer).toString())).toMatchObject({
          code: 'CREDENTIALS_UNAVAILABLE',
        });
        expect(log.logs().find((l) => l.error === 'CREDENTIALS_UNAVAILABLE')).toMatchObject({
          reason: 'NOT_SET',
        });
        expect(backend.verdicts().length).toBe(before); // nothing went out unsigned
      } finally {
        await gateway.close();
      }
    });
  });
});

describe('SigV4 with an assumed role (STS stand-in verified by botocore)', () => {
  let backend: RunningVerifier;

  beforeAll(async () => {
    backend = await startVerifier({
      mode: 'backend',
      region: REGION,
      service: SERVICE,
      credentials: [ASSUMED_A, ASSUMED_B],
      revoked: [ASSUMED_A.accessKeyId],
    });
  });
  afterAll(() => backend?.stop());

  /** An STS stand-in that accepts AssumeRole calls signed with the Lambda role's credentials. */
  const startSts = (issue: Array<typeof ASSUMED_A>, expiresInMs: number, externalId?: string) =>
    startVerifier({
      mode: 'sts',
      region: REGION,
      credentials: [{ ...ROLE_KEYS, sessionToken: ROLE_TOKEN }],
      sts: {
        roleArn: ROLE_ARN,
        ...(externalId ? { externalId } : {}),
        issue: issue.map((c) => ({ ...c, expiration: new Date(Date.now() + expiresInMs).toISOString() })),
      },
    });

  const assumeRole = (sts: RunningVerifier, extra: Record<string, unknown> = {}) =>
    ({
      source: 'assume-role',
      roleArn: ROLE_ARN,
      stsEndpoint: sts.origin,
      ...extra,
    }) as SigV4SchemeOptions['credentials'];

  test('GIVEN many concurrent requests WHEN credentials are needed THEN one signed AssumeRole call (single flight) and every request is signed with the assumed credentials', async () => {
    const sts = await startSts([ASSUMED_B], 3600_000, 'ext-7f3c');
    try {
      const s = scheme({ credentials: assumeRole(sts, { externalId: 'ext-7f3c' }) }, lambdaEnv());
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          sendSigned(s, backend.origin, { method: 'GET', path: `/prod/o/${i}?n=${i}` }),
        ),
      );
      for (const { verdict, added } of results) {
        expect(verdict).toMatchObject({ verified: true, accessKeyId: ASSUMED_B.accessKeyId });
        expect(added['x-amz-security-token']).toBe(ASSUMED_B.sessionToken);
      }
      const calls = await sts.verdictsWhen(1);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ verified: true, status: 200, method: 'POST' });
      expect(calls[0].signedHeaders).toEqual([
        'content-type',
        'host',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-security-token',
      ]);
      await s.close?.();
    } finally {
      await sts.stop();
    }
  });

  test('GIVEN credentials that expire in 10 minutes WHEN the clock passes expiry minus 5 minutes THEN they are fetched again', async () => {
    // (The stand-in, like AWS, refuses a signature more than 15 minutes off its own clock.)
    const sts = await startSts([ASSUMED_B], 10 * 60_000);
    let t = Date.now();
    const s = scheme({ credentials: assumeRole(sts) }, lambdaEnv(), () => t);
    try {
      expect((await sendSigned(s, backend.origin, { method: 'GET', path: '/prod/a' })).verdict.verified).toBe(
        true,
      );
      t += 4 * 60_000; // 6 minutes before expiry: still cached
      expect((await sendSigned(s, backend.origin, { method: 'GET', path: '/prod/b' })).verdict.verified).toBe(
        true,
      );
      expect(sts.verdicts()).toHaveLength(1);
      t += 2 * 60_000; // 4 minutes before expiry: fetched again
      expect((await sendSigned(s, backend.origin, { method: 'GET', path: '/prod/c' })).verdict.verified).toBe(
        true,
      );
      expect((await sts.verdictsWhen(2)).map((v) => v.status)).toEqual([200, 200]);
    } finally {
      await s.close?.();
      await sts.stop();
    }
  });

  test('GIVEN credentials the backend refuses (revoked) WHEN a request passes the gateway THEN it is retried once, re-signed with fresh credentials, a fresh x-amz-date and signature', async () => {
    const sts = await startSts([ASSUMED_A, ASSUMED_B], 3600_000);
    let t = Date.now();
    const s = scheme({ credentials: assumeRole(sts) }, lambdaEnv(), () => (t += 1000));
    const gateway = createGateway(
      { version: 1, name: 'sigv4', backend: { url: backend.origin }, security: { type: 'none' } },
      { scheme: s, logSink: () => undefined },
    );
    const before = backend.verdicts().length;
    try {
      const response = await gateway.handle(
        {
          method: 'POST',
          path: '/prod/orders',
          query: 'retry=1',
          headers: { host: 'gateway.internal', 'content-type': 'application/json' },
          body: Buffer.from('{"order":"A-2"}'),
          protocol: 'https',
        },
        { bufferResponse: true },
      );
      expect(response.status).toBe(200);
      const attempts = (await backend.verdictsWhen(before + 2)).slice(before);
      expect(attempts.map((v) => [v.status, v.accessKeyId, v.reason])).toEqual([
        [403, ASSUMED_A.accessKeyId, 'credentials revoked'],
        [200, ASSUMED_B.accessKeyId, 'ok'],
      ]);
      expect(attempts[1].amzDate).not.toBe(attempts[0].amzDate);
      expect(await sts.verdictsWhen(2)).toHaveLength(2);
    } finally {
      await gateway.close();
      await sts.stop();
    }
  });

  test('fails with 503 CREDENTIALS_UNAVAILABLE, reason AccessDenied, when STS refuses (wrong external id); no secret in the message', async () => {
    const sts = await startSts([ASSUMED_B], 3600_000, 'the-right-id');
    const log = captureLines();
    const s = scheme({ credentials: assumeRole(sts, { externalId: 'a-wrong-id' }) }, lambdaEnv());
    const gateway = createGateway(
      { version: 1, name: 'sigv4', backend: { url: backend.origin }, security: { type: 'none' } },
      { scheme: s, logSink: log.sink },
    );
    try {
      const response = await gateway.handle(
        { method: 'GET', path: '/prod/x', headers: { host: 'g' }, protocol: 'https' },
        { bufferResponse: true },
      );
      expect(response.status).toBe(503);
      expect(log.logs().find((l) => l.error === 'CREDENTIALS_UNAVAILABLE')).toMatchObject({
        reason: 'AccessDenied',
      });
      const direct = Promise.resolve().then(() =>
        s.authorize({ method: 'GET', url: new URL('/x', backend.origin), headers: {} }),
      );
      await expect(direct).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', reason: 'AccessDenied' });
      const message = await direct.catch((e: Error) => e.message);
      expect(message).toContain(ROLE_ARN);
      for (const secret of [ROLE_KEYS.secretAccessKey, ROLE_TOKEN, ASSUMED_B.secretAccessKey]) {
        expect(message).not.toContain(secret);
        expect(log.lines.join('\n')).not.toContain(secret);
      }
    } finally {
      await gateway.close();
      await sts.stop();
    }
  });

  test('GIVEN STS refuses WHEN requests keep coming THEN STS is asked at most once per second', async () => {
    const sts = await startSts([ASSUMED_B], 3600_000, 'the-right-id');
    let t = Date.now();
    const s = scheme({ credentials: assumeRole(sts, { externalId: 'a-wrong-id' }) }, lambdaEnv(), () => t);
    const attempt = () =>
      Promise.resolve().then(() =>
        s.authorize({ method: 'GET', url: new URL('/x', backend.origin), headers: {} }),
      );
    try {
      for (let i = 0; i < 3; i++) await expect(attempt()).rejects.toMatchObject({ reason: 'AccessDenied' });
      expect(await sts.verdictsWhen(1)).toHaveLength(1);
      t += 1100;
      await expect(attempt()).rejects.toMatchObject({ reason: 'AccessDenied' });
      expect(await sts.verdictsWhen(2)).toHaveLength(2);
    } finally {
      await s.close?.();
      await sts.stop();
    }
  });

  test('GIVEN STS goes away WHEN the credentials are due for refresh but not expired THEN requests are signed with them still', async () => {
    const sts = await startSts([ASSUMED_B], 10 * 60_000);
    let t = Date.now();
    const s = scheme({ credentials: assumeRole(sts) }, lambdaEnv(), () => t);
    try {
      expect((await sendSigned(s, backend.origin, { method: 'GET', path: '/prod/a' })).verdict.verified).toBe(
        true,
      );
      await sts.stop();
      t += 6 * 60_000; // past the refresh time (expiry minus 5 minutes), 4 minutes before expiry
      const { verdict } = await sendSigned(s, backend.origin, { method: 'GET', path: '/prod/b' });
      expect(verdict).toMatchObject({ verified: true, accessKeyId: ASSUMED_B.accessKeyId });
      t += 4 * 60_000; // expired: the refresh failure is the answer now
      const attempt = Promise.resolve().then(() =>
        s.authorize({ method: 'GET', url: new URL('/x', backend.origin), headers: {} }),
      );
      await expect(attempt).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', reason: 'NO_RESPONSE' });
    } finally {
      await s.close?.();
      await sts.stop();
    }
  });

  test('fails with reason NO_RESPONSE when STS can not be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const s = scheme(
      { credentials: { source: 'assume-role', roleArn: ROLE_ARN, stsEndpoint: `http://127.0.0.1:${port}` } },
      lambdaEnv(),
    );
    const attempt = Promise.resolve().then(() =>
      s.authorize({ method: 'GET', url: new URL('/x', backend.origin), headers: {} }),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', reason: 'NO_RESPONSE' });
    await s.close?.();
  });
});

describe('SigV4 with container credentials (the DMZ proxy in ECS/EKS)', () => {
  let backend: RunningVerifier;
  let endpoint: Server;
  let calls = 0;
  const TOKEN = 'container-auth-token-never-logged';
  beforeAll(async () => {
    backend = await startVerifier({
      mode: 'backend',
      region: REGION,
      service: SERVICE,
      credentials: [ASSUMED_B],
    });
    endpoint = createServer((req, res) => {
      calls += 1;
      if (req.headers.authorization !== TOKEN) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          AccessKeyId: ASSUMED_B.accessKeyId,
          SecretAccessKey: ASSUMED_B.secretAccessKey,
          Token: ASSUMED_B.sessionToken,
          Expiration: new Date(Date.now() + 3600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await backend?.stop();
    await new Promise<void>((resolve) => endpoint.close(() => resolve()));
  });

  test('GIVEN AWS_CONTAINER_CREDENTIALS_FULL_URI and a token WHEN requests are signed THEN botocore accepts them and the endpoint is called once', async () => {
    const env = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v2/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: TOKEN,
    };
    const s = scheme({ credentials: { source: 'container' } }, env);
    calls = 0;
    for (const path of ['/prod/a?x=1', '/prod/b']) {
      const { verdict } = await sendSigned(s, backend.origin, { method: 'GET', path });
      expect(verdict).toMatchObject({ verified: true, accessKeyId: ASSUMED_B.accessKeyId });
    }
    expect(calls).toBe(1);
    await s.close?.();
  });

  test('fails with reason HTTP_401 when the endpoint refuses the token', async () => {
    const env = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v2/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong',
    };
    const s = scheme({ credentials: { source: 'container' } }, env);
    const attempt = Promise.resolve().then(() =>
      s.authorize({ method: 'GET', url: new URL('/x', backend.origin), headers: {} }),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', reason: 'HTTP_401' });
    await s.close?.();
  });

  test('fails with reason NOT_SET when a full URI names a plain-http host that is not loopback or an ECS/EKS agent', async () => {
    const s = scheme(
      { credentials: { source: 'container' } },
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://evil.example/creds' },
    );
    const attempt = Promise.resolve().then(() =>
      s.authorize({ method: 'GET', url: new URL('/x', backend.origin), headers: {} }),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', reason: 'NOT_SET' });
    await s.close?.();
  });
});

describe('options validation', () => {
  const base: SigV4SchemeOptions = { type: 'sigv4', region: REGION, service: SERVICE };
  test.each<[string, Partial<SigV4SchemeOptions> | Record<string, unknown>, string, string]>([
    [
      'a region of the wrong shape',
      { region: 'EU-West-1' },
      'security.region',
      '"EU-West-1" is not an AWS region name (e.g. "eu-west-1")',
    ],
    ['an empty region', { region: '' }, 'security.region', '"" is not an AWS region name (e.g. "eu-west-1")'],
    [
      'an empty service',
      { service: '' },
      'security.service',
      'must be the service signing name (e.g. "execute-api"), not empty',
    ],
    [
      'a service with spaces',
      { service: 'execute api' },
      'security.service',
      '"execute api" is not a service signing name (lower case letters, digits, "-")',
    ],
    [
      'UNSIGNED-PAYLOAD outside S3',
      { payload: 'unsigned' },
      'security.payload',
      '"unsigned" (UNSIGNED-PAYLOAD) is accepted only by s3, not by service "execute-api"',
    ],
    [
      'an unknown payload mode',
      { payload: 'maybe' },
      'security.payload',
      '"maybe" is neither "signed" nor "unsigned"',
    ],
    [
      'a signed header the scheme sets',
      { signedHeaders: ['x-amz-date'] },
      'security.signedHeaders[0]',
      '"x-amz-date" is set by the scheme itself',
    ],
    [
      'an upper-case signed header',
      { signedHeaders: ['X-Id'] },
      'security.signedHeaders[0]',
      '"X-Id" is not a lower-case header name',
    ],
    [
      'a malformed role ARN',
      { credentials: { source: 'assume-role', roleArn: 'arn:aws:iam::12:role/x' } },
      'security.credentials.roleArn',
      '"arn:aws:iam::12:role/x" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
    ],
    [
      'a duration out of range',
      { credentials: { source: 'assume-role', roleArn: ROLE_ARN, durationSeconds: 60 } },
      'security.credentials.durationSeconds',
      '60 is not a whole number of seconds from 900 to 43200',
    ],
    [
      'a plain-http STS endpoint off loopback',
      { credentials: { source: 'assume-role', roleArn: ROLE_ARN, stsEndpoint: 'http://sts.example' } },
      'security.credentials.stsEndpoint',
      '"http://sts.example" is not an https:// URL (http:// only on loopback)',
    ],
    [
      'an unknown credentials source',
      { credentials: { source: 'imds' } },
      'security.credentials.source',
      '"imds" is not one of "environment", "container", "assume-role"',
    ],
  ])('fails when given %s', (_, override, path, message) => {
    let caught: unknown;
    try {
      createSigV4Scheme({ ...base, ...override } as SigV4SchemeOptions, ctx(), { env: {} });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([{ path, message }]);
  });

  test.each([
    'us-east-1',
    'eu-central-2',
    'ap-southeast-4',
    'us-gov-west-1',
    'cn-north-1',
    'us-isob-east-1',
    'il-central-1',
  ])('accepts the region %s', (region) => {
    expect(() => createSigV4Scheme({ ...base, region }, ctx(), { env: {} })).not.toThrow();
  });
});

describe('environment credentials', () => {
  test('GIVEN keys found WHEN the environment changes THEN the new keys are used within a second, the same object before', () => {
    let t = 1_000_000;
    const env: NodeJS.ProcessEnv = { ...staticEnv() };
    const provider = environmentCredentials(env, () => t);
    const first = provider.current();
    expect(first).toEqual(STATIC_KEYS);
    env.AWS_ACCESS_KEY_ID = ROLE_KEYS.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = ROLE_KEYS.secretAccessKey;
    t += 999;
    expect(provider.current()).toBe(first);
    t += 1;
    expect(provider.current()).toEqual(ROLE_KEYS);
  });

  test('fails while the variables are missing, and finds them on the next request once they are set (no wait)', async () => {
    const env: NodeJS.ProcessEnv = {};
    const provider = environmentCredentials(env, () => 5_000);
    await expect(provider.get()).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      reason: 'NOT_SET',
    });
    Object.assign(env, staticEnv());
    expect(provider.current()).toEqual(STATIC_KEYS);
  });
});
