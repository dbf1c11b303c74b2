import {
  buildBackendRequestHeaders,
  connectionNamedHeaders,
  filterResponseHeaders,
  lowerCaseHeaders,
  parseForwardedFor,
  schemeHeaderProblem,
} from '../../../gateway-runtime/src/core/headers';

const backend = new URL('https://backend.example:8443/api');
const forwarded = { host: 'gw.example', proto: 'https', forwardedFor: ['10.0.0.1'] };

describe('buildBackendRequestHeaders', () => {
  test.each([
    'connection',
    'keep-alive',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
    'proxy-authorization',
    'proxy-authenticate',
  ])('GIVEN the hop-by-hop header %s WHEN headers are built THEN it is not forwarded', (name) => {
    const out = buildBackendRequestHeaders({ [name]: 'x', accept: 'text/plain' }, backend, forwarded);
    expect(out).not.toHaveProperty(name);
    expect(out.accept).toBe('text/plain');
  });

  test('GIVEN headers named in Connection WHEN headers are built THEN they are not forwarded', () => {
    const out = buildBackendRequestHeaders(
      { Connection: 'close, X-Secret-Hop , x-other', 'X-Secret-Hop': '1', 'x-other': '2', 'x-kept': '3' },
      backend,
      forwarded,
    );
    expect(out).toEqual(expect.not.objectContaining({ 'x-secret-hop': '1' }));
    expect(out).not.toHaveProperty('x-other');
    expect(out['x-kept']).toBe('3');
  });

  test.each([
    [{}, false, false],
    [{ forwardAuthorization: true }, true, false],
    [{ forwardCookies: true }, false, true],
    [{ forwardAuthorization: true, forwardCookies: true }, true, true],
  ])(
    'GIVEN forwarding %j WHEN headers are built THEN authorization=%s cookie=%s',
    (options, auth, cookie) => {
      const out = buildBackendRequestHeaders(
        { authorization: 'Bearer caller', cookie: ['a=1', 'b=2'] },
        backend,
        forwarded,
        options,
      );
      expect('authorization' in out).toBe(auth);
      expect('cookie' in out).toBe(cookie);
      if (cookie) expect(out.cookie).toBe('a=1; b=2');
    },
  );

  test('GIVEN a caller Host and X-Forwarded-* WHEN headers are built THEN the gateway sets its own', () => {
    const out = buildBackendRequestHeaders(
      {
        host: 'evil.example',
        'x-forwarded-proto': 'gopher',
        'x-forwarded-host': 'evil.example',
        'content-length': '999',
      },
      backend,
      { host: 'gw.example', proto: 'https', forwardedFor: ['1.1.1.1', '10.0.0.1'], peerAddress: '127.0.0.1' },
    );
    expect(out).toEqual({
      host: 'backend.example:8443',
      'x-forwarded-for': '1.1.1.1, 10.0.0.1, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'gw.example',
    });
  });

  test('GIVEN repeated header fields WHEN headers are built THEN they are joined with a comma', () => {
    const out = buildBackendRequestHeaders(
      { accept: ['text/plain', 'application/json'] },
      backend,
      forwarded,
    );
    expect(out.accept).toBe('text/plain, application/json');
  });
});

describe('buildBackendRequestHeaders: what a caller must never reach the backend with', () => {
  test.each([
    'X-Original-URL',
    'x-original-uri',
    'x-original-method',
    'x-rewrite-url',
    'X-HTTP-Method-Override',
    'x-http-method',
    'x-method-override',
    'X-Forwarded-Prefix',
    'x-forwarded-path',
    'x-forwarded-client-cert',
  ])(
    'regression: the path or method override header %s is dropped (it would bypass the path and method checks)',
    (name) => {
      const out = buildBackendRequestHeaders({ [name]: '/admin', accept: 'text/plain' }, backend, forwarded);
      expect(out).not.toHaveProperty(name.toLowerCase());
      expect(out.accept).toBe('text/plain');
    },
  );

  test("regression: with forwardAuthorization, the caller's Authorization is dropped when the scheme sets it (even on an attempt where the scheme adds nothing)", () => {
    const incoming = { authorization: 'Basic Y2FsbGVyOnNlY3JldA==', 'x-api-key': 'caller' };
    const forwardedOnly = buildBackendRequestHeaders(incoming, backend, forwarded, {
      forwardAuthorization: true,
    });
    expect(forwardedOnly.authorization).toBe('Basic Y2FsbGVyOnNlY3JldA==');
    const schemeOwned = buildBackendRequestHeaders(incoming, backend, forwarded, {
      forwardAuthorization: true,
      schemeHeaders: new Set(['authorization', 'x-api-key']),
    });
    expect(schemeOwned).not.toHaveProperty('authorization');
    expect(schemeOwned).not.toHaveProperty('x-api-key');
  });

  test.each([
    [
      'a value outside Latin-1',
      { 'x-name': 'Zoë 😀' },
      'request header x-name has a value outside Latin-1 or with control characters',
    ],
    [
      'a line break',
      { 'x-name': 'a\r\nx-admin: 1' },
      'request header x-name has a value outside Latin-1 or with control characters',
    ],
    [
      'a NUL',
      { 'x-name': 'a\u0000b' },
      'request header x-name has a value outside Latin-1 or with control characters',
    ],
    ['a name with a space', { 'x bad': 'v' }, 'a request header name is not a valid token'],
  ])(
    "fails when a caller header has %s: 400 BAD_REQUEST (the caller's fault, never a 502)",
    (_what, headers, message) => {
      expect(() => buildBackendRequestHeaders(headers, backend, forwarded)).toThrow(
        expect.objectContaining({ code: 'BAD_REQUEST', status: 400, message }),
      );
    },
  );

  test('GIVEN a Latin-1 value (obs-text) THEN it is forwarded as it is', () => {
    expect(buildBackendRequestHeaders({ 'x-name': 'Zoë' }, backend, forwarded)['x-name']).toBe('Zoë');
  });
});

describe('schemeHeaderProblem', () => {
  test.each(['authorization', 'x-api-key', 'X-Custom-Token', 'apikey', 'signature'])(
    'GIVEN %s THEN a scheme may carry its credential in it',
    (name) => {
      expect(schemeHeaderProblem(name)).toBeUndefined();
    },
  );
  test.each([
    ['Expect', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['X-Forwarded-Port', 'is set by the gateway itself (framing, routing or forwarding)'],
    ['Proxy-Authorization', 'is a hop-by-hop (connection) header'],
    ['proxy-anything', 'is meant for a proxy, not the backend'],
    ['set-cookie', 'carries cookies'],
    ['x-rewrite-url', 'overrides the path or method, and is never forwarded'],
  ])('fails for %s: it %s', (name, problem) => {
    expect(schemeHeaderProblem(name)).toBe(problem);
  });
});

describe('filterResponseHeaders', () => {
  test('GIVEN a backend response WHEN filtered THEN hop-by-hop and Connection-named headers go, Set-Cookie stays a list', () => {
    expect(
      filterResponseHeaders({
        'Content-Type': 'text/plain',
        connection: 'keep-alive, x-internal',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'x-internal': 'secret-topology',
        'set-cookie': ['a=1', 'b=2'],
      }),
    ).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe('parseForwardedFor and connectionNamedHeaders', () => {
  test.each([
    [undefined, []],
    ['', []],
    ['10.0.0.1', ['10.0.0.1']],
    [' 1.1.1.1 ,10.0.0.1 ', ['1.1.1.1', '10.0.0.1']],
    [
      ['1.1.1.1, 2.2.2.2', '10.0.0.1'],
      ['1.1.1.1', '2.2.2.2', '10.0.0.1'],
    ],
  ])('GIVEN X-Forwarded-For %j THEN the entries are %j', (value, entries) => {
    expect(parseForwardedFor(value)).toEqual(entries);
  });

  test('GIVEN Connection: Keep-Alive, X-A THEN the named set is lower case', () => {
    expect([...connectionNamedHeaders('Keep-Alive, X-A')]).toEqual(['keep-alive', 'x-a']);
  });
});

describe('lowerCaseHeaders', () => {
  test('GIVEN the same header in several cases THEN the values are merged under the lower-case name', () => {
    expect(
      lowerCaseHeaders({ 'X-Forwarded-For': '1.1.1.1', 'x-forwarded-for': ['2.2.2.2'], Host: 'h' }),
    ).toEqual({
      'x-forwarded-for': ['1.1.1.1', '2.2.2.2'],
      host: 'h',
    });
  });
});
