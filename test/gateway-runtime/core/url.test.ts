import { buildBackendUrl, pathProblem, splitTarget } from '../../../gateway-runtime/src/core/url';

describe('buildBackendUrl', () => {
  test.each([
    ['http://127.0.0.1:8080', '/a/b', '', 'http://127.0.0.1:8080/a/b'],
    ['http://127.0.0.1:8080/', '/a', 'x=1&y=2', 'http://127.0.0.1:8080/a?x=1&y=2'],
    ['https://backend.example/api', '/v1/items', '', 'https://backend.example/api/v1/items'],
    ['https://backend.example/api/', '/v1/items', 'q=a%20b', 'https://backend.example/api/v1/items?q=a%20b'],
    ['https://backend.example/api', '/', '', 'https://backend.example/api/'],
    ['https://backend.example/api', '/caf%C3%A9', '', 'https://backend.example/api/caf%C3%A9'],
    ['https://backend.example/api', '/a..b/...', '', 'https://backend.example/api/a..b/...'],
  ])('GIVEN base %s and path %s and query %j THEN the URL is %s', (base, path, query, expected) => {
    expect(buildBackendUrl(base, path, query).href).toBe(expected);
  });

  test.each([
    ['/../etc/passwd', 'contains a "." or ".." segment'],
    ['/a/../../b', 'contains a "." or ".." segment'],
    ['/a/..', 'contains a "." or ".." segment'],
    ['/a/./b', 'contains a "." or ".." segment'],
    ['/%2e%2e/secret', 'contains a "." or ".." segment'],
    ['/%2E%2E/secret', 'contains a "." or ".." segment'],
    ['/.%2e/secret', 'contains a "." or ".." segment'],
    ['/%252e%252e/secret', 'contains a "." or ".." segment'],
    ['/a%2f..%2fb', 'contains an encoded slash or backslash'],
    ['/a%2F%2E%2E', 'contains an encoded slash or backslash'],
    ['/a%5c..%5cb', 'contains an encoded slash or backslash'],
    ['/a\\..\\b', 'contains a backslash'],
    ['/a%00b', 'contains a control character'],
    ['a/b', 'does not start with "/"'],
    ['//evil.example/x', 'starts with "//"'],
    ['/%zz', 'contains an invalid percent-encoding'],
  ])('fails when the path is %j: %s (PATH_REJECTED, 400)', (path, problem) => {
    expect(pathProblem(path)).toBe(problem);
    expect(() => buildBackendUrl('https://backend.example/api', path)).toThrow(
      expect.objectContaining({ code: 'PATH_REJECTED', status: 400 }),
    );
  });

  // Tomcat, Jetty and Spring drop a segment's path parameters and then resolve the `..`.
  test.each([
    '/..;/admin',
    '/a/..;/..;/etc/passwd',
    '/%2e%2e;/admin',
    '/%2E%2E;jsessionid=1/admin',
    '/.;/admin',
    '/%2e;/admin',
    '/..;x=1',
    '/%2e%2e%3b/admin',
    '/%252e%252e%253b/admin',
  ])('regression: a path-parameter dot segment %j can not escape the base path (PATH_REJECTED)', (path) => {
    expect(pathProblem(path)).toBe('contains a "." or ".." segment');
    expect(() => buildBackendUrl('https://backend.example/api', path)).toThrow(
      expect.objectContaining({ code: 'PATH_REJECTED', status: 400 }),
    );
  });

  test.each(['/a;b/c', '/..a;/b', '/x/...;/y', '/;/a'])(
    'GIVEN a path %j with parameters that is no dot segment THEN it is accepted',
    (path) => {
      expect(pathProblem(path)).toBeUndefined();
    },
  );
});

describe('splitTarget', () => {
  test.each([
    ['/a', { path: '/a', query: '' }],
    ['/a?b=1', { path: '/a', query: 'b=1' }],
    ['/a?b=1?c', { path: '/a', query: 'b=1?c' }],
  ])('GIVEN %s THEN %j', (target, parts) => {
    expect(splitTarget(target)).toEqual(parts);
  });
});
