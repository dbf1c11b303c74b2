import { createHash } from 'node:crypto';
import {
  createDigestScheme,
  MAX_NONCES_PER_SPACE,
  newCnonce,
} from '../../../gateway-runtime/src/schemes/digest';
import { parseAuthenticateHeader } from '../../../gateway-runtime/src/schemes/digest-auth';
import type { OutgoingRequest } from '../../../gateway-runtime/src/schemes/types';
import { fakeSecrets } from './fake-secrets';
import { tracked } from './support/sent';

const secrets = fakeSecrets({ PW: 'pa:ss' });
const scheme = (options?: Parameters<typeof createDigestScheme>[2]) =>
  tracked(
    createDigestScheme({ type: 'digest', username: 'user', password: { env: 'PW' } }, { secrets }, options),
  );
const request = (path = '/private/a'): OutgoingRequest => ({
  method: 'GET',
  url: new URL(`http://backend.test${path}`),
  headers: {},
});
const challenge = (nonce: string, extra = '') => ({
  status: 401,
  headers: { 'www-authenticate': `Digest realm="r", nonce="${nonce}", qop="auth", algorithm=MD5${extra}` },
});
const ok = { status: 200, headers: {} };
const params = (authorization: string | undefined) =>
  parseAuthenticateHeader(authorization ?? '')[0]?.params ?? {};

describe('digest scheme: nonce reuse and retries', () => {
  test('GIVEN a cold link WHEN the backend challenges THEN it retries once and then answers preemptively with nc counting', async () => {
    const digest = scheme();
    const first = request();
    expect(await digest.authorize(first)).toEqual({});
    expect(await digest.onResponse(first, challenge('n1'), 1)).toBe('retry');
    const retried = await digest.authorize(first);
    expect(params(retried.authorization)).toMatchObject({ nonce: 'n1', nc: '00000001', uri: '/private/a' });
    expect(await digest.onResponse(first, ok, 2)).toBe('done');

    const second = request('/private/b?x=1');
    const warm = await digest.authorize(second);
    expect(params(warm.authorization)).toMatchObject({ nonce: 'n1', nc: '00000002', uri: '/private/b?x=1' });
    expect(await digest.onResponse(second, ok, 1)).toBe('done');
    expect(digest.sessionCount()).toBe(1);
  });

  test('GIVEN a warm link WHEN the backend says stale=true THEN it takes the new nonce and retries once', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('old'), 1);

    const next = request();
    expect(params((await digest.authorize(next)).authorization).nonce).toBe('old');
    expect(await digest.onResponse(next, challenge('new', ', stale=true'), 1)).toBe('retry');
    expect(params((await digest.authorize(next)).authorization)).toMatchObject({
      nonce: 'new',
      nc: '00000001',
    });
    expect(await digest.onResponse(next, challenge('newer', ', stale=true'), 2)).toBe('done');
  });

  test('GIVEN a warm link WHEN the backend rejects without stale (wrong password) THEN the 401 passes, next request uses the new nonce', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('n1'), 1);
    await digest.authorize(warmUp); // its retry, refused as well: the password is wrong
    expect(await digest.onResponse(warmUp, challenge('n1'), 2)).toBe('done');

    const rejected = request();
    await digest.authorize(rejected);
    expect(await digest.onResponse(rejected, challenge('n2'), 1)).toBe('done');
    expect(params((await digest.authorize(request())).authorization)).toMatchObject({
      nonce: 'n2',
      nc: '00000001',
    });
  });

  test('GIVEN a nonce the server had accepted WHEN it is refused without stale and a new nonce is offered (restart) THEN it retries once', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('n1'), 1);
    await digest.authorize(warmUp);
    expect(await digest.onResponse(warmUp, ok, 2)).toBe('done'); // n1 is now proven

    const afterRestart = request();
    await digest.authorize(afterRestart);
    expect(await digest.onResponse(afterRestart, challenge('n2'), 1)).toBe('retry');
    expect(params((await digest.authorize(afterRestart)).authorization)).toMatchObject({
      nonce: 'n2',
      nc: '00000001',
    });
    // n2 never proven: a refusal of it (e.g. the password changed) is passed on
    expect(await digest.onResponse(afterRestart, challenge('n3'), 2)).toBe('done');
    const next = request();
    await digest.authorize(next);
    expect(await digest.onResponse(next, challenge('n4'), 1)).toBe('done');
  });

  test.each([
    ['a 401 without a digest challenge', { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } }],
    ['a 401 without WWW-Authenticate', { status: 401, headers: {} }],
    ['a 403', { status: 403, headers: { 'www-authenticate': 'Digest realm="r", nonce="n"' } }],
  ])('GIVEN %s THEN it never retries', async (_what, response) => {
    const digest = scheme();
    const r = request();
    await digest.authorize(r);
    expect(await digest.onResponse(r, response, 1)).toBe('done');
  });

  test('GIVEN the second attempt is rejected too THEN it never loops', async () => {
    const digest = scheme();
    const r = request();
    await digest.authorize(r);
    expect(await digest.onResponse(r, challenge('n1'), 1)).toBe('retry');
    await digest.authorize(r);
    expect(await digest.onResponse(r, challenge('n2'), 2)).toBe('done');
  });

  test('GIVEN 50 concurrent requests on a warm link THEN every nc is unique and cnonces differ', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('n1'), 1);
    const headers = await Promise.all(Array.from({ length: 50 }, () => digest.authorize(request())));
    const ncs = headers.map((h) => params(h.authorization).nc);
    expect(new Set(ncs).size).toBe(50);
    expect(ncs.map((nc) => parseInt(nc, 16)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(new Set(headers.map((h) => params(h.authorization).cnonce)).size).toBe(50);
  });

  test('GIVEN MD5-sess THEN the session cnonce is kept for the nonce', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(
      warmUp,
      {
        status: 401,
        headers: { 'www-authenticate': 'Digest realm="r", nonce="s", qop="auth", algorithm=MD5-sess' },
      },
      1,
    );
    const a = params((await digest.authorize(request())).authorization);
    const b = params((await digest.authorize(request())).authorization);
    expect(a.algorithm).toBe('MD5-sess');
    expect(a.cnonce).toBe(b.cnonce);
    expect([a.nc, b.nc]).toEqual(['00000001', '00000002']);
  });

  test('GIVEN reuseNonce false (how many peers behave) THEN every request is challenged again with nc 1', async () => {
    const digest = scheme({ reuseNonce: false });
    for (const nonce of ['a', 'b']) {
      const r = request();
      expect(await digest.authorize(r)).toEqual({});
      expect(await digest.onResponse(r, challenge(nonce), 1)).toBe('retry');
      expect(params((await digest.authorize(r)).authorization)).toMatchObject({ nonce, nc: '00000001' });
    }
  });

  test('fails when the password can not be read: CREDENTIALS_UNAVAILABLE', async () => {
    const digest = createDigestScheme(
      { type: 'digest', username: 'user', password: { env: 'MISSING' } },
      { secrets },
    );
    await expect(digest.authorize(request())).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      status: 503,
    });
  });
});

describe('digest scheme: a pool of nonces for servers that check nonce counts strictly', () => {
  test('GIVEN a warm link with one nonce WHEN 20 requests are in flight at once THEN they share it with unique counts (one round trip each)', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('n1'), 1);
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, ok, 2);

    const crowd = Array.from({ length: 20 }, () => request());
    const sent = await Promise.all(crowd.map((r) => digest.authorize(r)));
    expect(new Set(sent.map((h) => params(h.authorization).nonce))).toEqual(new Set(['n1']));
    expect(new Set(sent.map((h) => params(h.authorization).nc)).size).toBe(20);
    for (const r of crowd) expect(await digest.onResponse(r, ok, 1)).toBe('done');
    expect(digest.nonceCount()).toBe(1); // a default server never makes the pool grow
  });

  test('regression: GIVEN a server that keeps a client record (opaque) WHEN a second request comes while its one nonce is busy THEN it sends no answer and takes the nonce of its own challenge: a nonce with an opaque is never shared', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('n1', ', opaque="c1"'), 1);
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, ok, 2);

    const [a, b] = [request(), request()];
    expect(params((await digest.authorize(a)).authorization)).toMatchObject({ nonce: 'n1', opaque: 'c1' });
    expect(await digest.authorize(b)).toEqual({}); // n1 is busy with a
    expect(await digest.onResponse(b, challenge('n2', ', opaque="c2"'), 1)).toBe('retry');
    expect(params((await digest.authorize(b)).authorization)).toMatchObject({ nonce: 'n2', nc: '00000001' });
    await digest.onResponse(a, ok, 1);
    await digest.onResponse(b, ok, 2);
    expect(digest.nonceCount()).toBe(2);
  });

  test('regression: GIVEN a shared nonce refused for an out-of-order count THEN the request retries on the fresh nonce, which joins the pool; later concurrent requests each take a free nonce', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('n1'), 1);
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, ok, 2); // n1 proven

    // two requests at once share n1 (nc 2 and 3); the strict server refuses the one that arrives early
    const a = request();
    const b = request();
    await Promise.all([digest.authorize(a), digest.authorize(b)]);
    expect(await digest.onResponse(b, challenge('n2'), 1)).toBe('retry');
    expect(params((await digest.authorize(b)).authorization)).toMatchObject({ nonce: 'n2', nc: '00000001' });
    expect(await digest.onResponse(a, ok, 1)).toBe('done');
    expect(await digest.onResponse(b, ok, 2)).toBe('done');
    expect(digest.nonceCount()).toBe(2);

    // THEN two concurrent requests take one nonce each: in order per nonce
    const c = request();
    const d = request();
    const [hc, hd] = await Promise.all([digest.authorize(c), digest.authorize(d)]);
    expect(new Set([params(hc.authorization).nonce, params(hd.authorization).nonce])).toEqual(
      new Set(['n1', 'n2']),
    );
  });

  test('GIVEN a nonce whose request got no response (transport error) THEN it is dropped: its count may never have arrived', async () => {
    const digest = scheme();
    const warmUp = request();
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, challenge('n1'), 1);
    await digest.authorize(warmUp);
    await digest.onResponse(warmUp, ok, 2);
    const lost = request();
    await digest.authorize(lost);
    digest.onNoResponse(digest.lastSent(lost));
    expect(digest.nonceCount()).toBe(0);
    expect(await digest.authorize(request())).toEqual({}); // the next request is challenged afresh
  });

  test(`GIVEN more concurrent refusals than ${MAX_NONCES_PER_SPACE} THEN the pool stays bounded`, async () => {
    const digest = scheme();
    for (let i = 0; i < MAX_NONCES_PER_SPACE + 10; i++) {
      const r = request();
      await digest.authorize(r);
      await digest.onResponse(r, challenge(`n${i}`), 1);
    }
    expect(digest.nonceCount()).toBeLessThanOrEqual(MAX_NONCES_PER_SPACE);
  });
});

describe('digest scheme: every answer computed afresh where it must be', () => {
  const hashOf = (algorithm: string) => (data: string | Buffer) =>
    createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
      .update(data)
      .digest('hex');
  /** RFC 7616 §3.4.1, written out independently of digest-auth.ts. */
  const expected = (
    p: Record<string, string>,
    password: string,
    method: string,
    body: Buffer = Buffer.alloc(0),
  ) => {
    const H = hashOf(p.algorithm);
    let ha1 = H(`${p.username}:${p.realm}:${password}`);
    if (p.algorithm.endsWith('-sess')) ha1 = H(`${ha1}:${p.nonce}:${p.cnonce}`);
    const ha2 = p.qop === 'auth-int' ? H(`${method}:${p.uri}:${H(body)}`) : H(`${method}:${p.uri}`);
    return H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  };
  const warm = async (digest: ReturnType<typeof scheme>, header: string) => {
    const r = request();
    await digest.authorize(r);
    expect(await digest.onResponse(r, { status: 401, headers: { 'www-authenticate': header } }, 1)).toBe(
      'retry',
    );
    await digest.authorize(r);
    expect(await digest.onResponse(r, ok, 2)).toBe('done');
  };

  test.each([
    ['SHA-256', 'auth', 'GET', undefined],
    ['SHA-256-sess', 'auth', 'GET', undefined],
    ['MD5-sess', 'auth', 'GET', undefined],
    ['MD5', 'auth-int', 'POST', Buffer.from('{"order":42}')],
    ['SHA-256', 'auth-int', 'PUT', Buffer.from('')],
  ] as const)(
    'GIVEN a warm %s (qop %s) link WHEN %s requests follow THEN each response is the one RFC 7616 §3.4.1 gives for its nc and cnonce',
    async (algorithm, qop, method, body) => {
      const digest = scheme();
      await warm(digest, `Digest realm="r", nonce="n-${algorithm}", qop="${qop}", algorithm=${algorithm}`);
      for (const path of ['/private/a', '/private/b?x=1&y=%22', '/private/a']) {
        const r: OutgoingRequest = { ...request(path), method, ...(body ? { body } : {}) };
        const p = params((await digest.authorize(r)).authorization);
        expect(p).toMatchObject({ algorithm, qop, uri: path, username: 'user', realm: 'r' });
        expect(p.response).toBe(expected(p, 'pa:ss', method, body));
        await digest.onResponse(r, ok, 1);
      }
    },
  );

  test('GIVEN a warm link WHEN the password secret rotates THEN the next answer is computed with the new password', async () => {
    const values = { PW: 'old-password' };
    const digest = tracked(
      createDigestScheme(
        { type: 'digest', username: 'user', password: { env: 'PW' } },
        { secrets: fakeSecrets(values) },
      ),
    );
    await warm(digest, 'Digest realm="r", nonce="n1", qop="auth", algorithm=SHA-256');
    const before = params((await digest.authorize(request())).authorization);
    expect(before.response).toBe(expected(before, 'old-password', 'GET'));

    values.PW = 'new-password';
    const after = params((await digest.authorize(request())).authorization);
    expect(after).toMatchObject({ nonce: 'n1', nc: '00000003' });
    expect(after.response).toBe(expected(after, 'new-password', 'GET'));
  });

  test('GIVEN 1000 client nonces (several draws from the CSPRNG) THEN each is 22 base64url characters and none repeats', () => {
    const cnonces = Array.from({ length: 1000 }, () => newCnonce());
    for (const cnonce of cnonces) expect(cnonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(cnonces).size).toBe(1000);
  });
});

describe('digest scheme: client nonces from the CSPRNG', () => {
  afterEach(() => jest.restoreAllMocks());
  /** The module object the scheme calls into (not an import namespace, whose bindings are fixed). */
  const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');

  test('GIVEN the CSPRNG draws WHEN cnonces are handed out THEN each is the next 22 characters of a draw, never overlapping, 128 per draw', () => {
    const draws: Buffer[] = [];
    const spy = jest.spyOn(crypto, 'randomBytes').mockImplementation(((size: number) => {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + draws.length * 13) % 256));
      draws.push(bytes);
      return bytes;
    }) as typeof crypto.randomBytes);
    // drain what an earlier test left in the pool: the first cnonce of a fresh draw
    let first = newCnonce();
    for (let i = 0; draws.length === 0 && i < 200; i++) first = newCnonce();
    expect(draws).toHaveLength(1);
    const handedOut = [first, ...Array.from({ length: 127 }, () => newCnonce())];
    expect(draws).toHaveLength(1); // 128 cnonces from one draw
    expect(handedOut.join('')).toBe(draws[0].toString('base64url'));
    newCnonce();
    expect(draws).toHaveLength(2); // the 129th starts the next draw
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe('digest scheme: nonce counts stay eight hex digits', () => {
  test('GIVEN a nonce that reached maxNonceCount THEN it is retired after that request and the next one is challenged afresh', async () => {
    const digest = scheme({ maxNonceCount: 3 });
    const first = request();
    await digest.authorize(first);
    await digest.onResponse(first, challenge('n1'), 1);
    expect(params((await digest.authorize(first)).authorization).nc).toBe('00000001');
    await digest.onResponse(first, ok, 2);
    for (const nc of ['00000002', '00000003']) {
      const r = request();
      expect(params((await digest.authorize(r)).authorization)).toMatchObject({ nonce: 'n1', nc });
      await digest.onResponse(r, ok, 1);
    }
    expect(digest.nonceCount()).toBe(0);

    // THEN the next request goes without credentials, and the same nonce offered again counts from 1
    const next = request();
    expect(await digest.authorize(next)).toEqual({});
    expect(await digest.onResponse(next, challenge('n1'), 1)).toBe('retry');
    expect(params((await digest.authorize(next)).authorization)).toMatchObject({
      nonce: 'n1',
      nc: '00000001',
    });
  });

  test('GIVEN a nonce reserved for a retry WHEN other requests use up its counts meanwhile THEN the retry never sends a count past the limit', async () => {
    const digest = scheme({ maxNonceCount: 2 });
    const a = request();
    await digest.authorize(a); // cold: no nonce yet
    expect(await digest.onResponse(a, challenge('n1'), 1)).toBe('retry'); // n1 reserved for a's retry
    // two other requests share n1 meanwhile and use up its counts
    for (const nc of ['00000001', '00000002']) {
      expect(params((await digest.authorize(request())).authorization)).toMatchObject({ nonce: 'n1', nc });
    }
    // a's retry: n1 is used up and no other nonce is known, so it goes without credentials
    expect(await digest.authorize(a)).toEqual({});
    expect(digest.nonceCount()).toBe(0);
  });

  test.each([0, 1.5, 0x100000000])(
    'fails when maxNonceCount is %s: a RangeError that states the rule',
    (max) => {
      expect(() => scheme({ maxNonceCount: max })).toThrow(
        new RangeError(`maxNonceCount must be an integer from 1 to 4294967295, got ${max}`),
      );
    },
  );
});
