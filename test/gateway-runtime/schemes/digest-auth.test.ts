import { createHash } from 'node:crypto';
import {
  buildDigestAuthorization,
  computeDigestResponse,
  DigestChallenge,
  formatNonceCount,
  parseAuthenticateHeader,
  selectDigestChallenge,
  toDigestChallenge,
} from '../../../gateway-runtime/src/schemes/digest-auth';

/** RFC 7616 §3.9.1: the two challenges (SHA-256 first, then MD5) and the published answers. */
const RFC7616 = {
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  header: (algorithm: string) =>
    `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
    `nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
  sha256Response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  md5Response: '8ca523f5e9506fed4657c9700eebdbec',
};

function answer(
  challenge: DigestChallenge,
  extra: Partial<Parameters<typeof computeDigestResponse>[0]> = {},
) {
  return computeDigestResponse({
    challenge,
    username: 'Mufasa',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nc: 1,
    cnonce: RFC7616.cnonce,
    ...extra,
  });
}

describe('RFC 7616 §3.9.1 example', () => {
  const challenges = parseAuthenticateHeader([RFC7616.header('SHA-256'), RFC7616.header('MD5')]);

  test('GIVEN both challenges WHEN one is selected THEN SHA-256 is preferred', () => {
    expect(selectDigestChallenge(challenges)).toMatchObject({
      algorithm: 'SHA-256',
      realm: 'http-auth@example.org',
      nonce: RFC7616.nonce,
      opaque: RFC7616.opaque,
      qop: ['auth', 'auth-int'],
      stale: false,
    });
  });

  test('GIVEN the SHA-256 challenge WHEN answered THEN the response is the published one', () => {
    const challenge = toDigestChallenge(challenges[0]) as DigestChallenge;
    expect(answer(challenge)).toBe(RFC7616.sha256Response);
  });

  test('GIVEN the MD5 challenge WHEN answered THEN the response is the published one', () => {
    const challenge = toDigestChallenge(challenges[1]) as DigestChallenge;
    expect(answer(challenge)).toBe(RFC7616.md5Response);
  });

  test('GIVEN the SHA-256 challenge WHEN the Authorization header is built THEN it carries every field', () => {
    const challenge = toDigestChallenge(challenges[0]) as DigestChallenge;
    expect(
      buildDigestAuthorization({
        challenge,
        username: 'Mufasa',
        password: 'Circle of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nc: 1,
        cnonce: RFC7616.cnonce,
      }),
    ).toBe(
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
        `nonce="${RFC7616.nonce}", nc=00000001, cnonce="${RFC7616.cnonce}", qop=auth, ` +
        `response="${RFC7616.sha256Response}", opaque="${RFC7616.opaque}"`,
    );
  });
});

describe('RFC 2617 §3.5 example', () => {
  test('GIVEN the RFC 2617 challenge WHEN answered THEN the response is the published one', () => {
    const [challenge] = parseAuthenticateHeader(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(
      computeDigestResponse({
        challenge: toDigestChallenge(challenge) as DigestChallenge,
        username: 'Mufasa',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nc: 1,
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });
});

describe('computeDigestResponse for the -sess algorithms, auth-int and RFC 2069', () => {
  const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
  const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
  const base = { realm: 'r', nonce: 'n', stale: false, userhash: false } as const;
  const input = { username: 'u', password: 'p:w', method: 'POST', uri: '/x?y=1', nc: 10, cnonce: 'c' };

  test.each([
    ['MD5-sess', md5],
    ['SHA-256-sess', sha],
  ] as const)('GIVEN %s THEN A1 is H(H(user:realm:pass):nonce:cnonce)', (algorithm, H) => {
    const challenge: DigestChallenge = { ...base, algorithm, qop: ['auth'] };
    const ha1 = H(`${H('u:r:p:w')}:n:c`);
    expect(computeDigestResponse({ ...input, challenge })).toBe(
      H(`${ha1}:n:0000000a:c:auth:${H('POST:/x?y=1')}`),
    );
  });

  test('GIVEN qop auth-int only THEN A2 includes H(body)', () => {
    const challenge: DigestChallenge = { ...base, algorithm: 'SHA-256', qop: ['auth-int'] };
    const body = Buffer.from('{"a":1}');
    const ha2 = sha(`POST:/x?y=1:${sha(body)}`);
    expect(computeDigestResponse({ ...input, challenge, body })).toBe(
      sha(`${sha('u:r:p:w')}:n:0000000a:c:auth-int:${ha2}`),
    );
  });

  test('GIVEN no qop (RFC 2069) THEN the response is H(HA1:nonce:HA2) and the header has no nc', () => {
    const challenge: DigestChallenge = { ...base, algorithm: 'MD5', qop: [] };
    expect(computeDigestResponse({ ...input, challenge })).toBe(
      md5(`${md5('u:r:p:w')}:n:${md5('POST:/x?y=1')}`),
    );
    expect(buildDigestAuthorization({ ...input, challenge })).not.toMatch(/nc=|cnonce=|qop=/);
  });

  test('GIVEN userhash=true THEN the username is H(user:realm) and userhash=true is sent', () => {
    const challenge: DigestChallenge = { ...base, algorithm: 'SHA-256', qop: ['auth'], userhash: true };
    const header = buildDigestAuthorization({ ...input, challenge });
    expect(header).toContain(`username="${sha('u:r')}"`);
    expect(header).toContain('userhash=true');
  });

  test('GIVEN a non-ASCII username THEN it is sent as username* (RFC 8187)', () => {
    const challenge: DigestChallenge = { ...base, algorithm: 'SHA-256', qop: ['auth'] };
    expect(buildDigestAuthorization({ ...input, username: 'Jäsøn Doe', challenge })).toContain(
      "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe",
    );
  });

  test.each([
    [1, '00000001'],
    [255, '000000ff'],
    [0xffffffff, 'ffffffff'],
  ])('GIVEN nc %i THEN it is sent as %s', (nc, text) => {
    expect(formatNonceCount(nc)).toBe(text);
  });
});

describe('parseAuthenticateHeader', () => {
  test('GIVEN quoted strings with commas and escaped quotes THEN the values are unescaped', () => {
    const [challenge] = parseAuthenticateHeader('Digest realm="a, \\"b\\", c", nonce="n,1", qop="auth"');
    expect(challenge.params).toEqual({ realm: 'a, "b", c', nonce: 'n,1', qop: 'auth' });
  });

  test('GIVEN several challenges in one field, a realm containing the word Digest THEN each is separate', () => {
    const challenges = parseAuthenticateHeader(
      'Basic realm="Digest realm=fake, nonce=x", Newauth realm="apps", type=1, title="Login to \\"apps\\"", ' +
        'DIGEST REALM="real", NONCE="abc", ALGORITHM=md5, Negotiate a87421000492aa874209af8bc028==',
    );
    expect(challenges.map((c) => c.scheme)).toEqual(['Basic', 'Newauth', 'DIGEST', 'Negotiate']);
    expect(challenges[0].params).toEqual({ realm: 'Digest realm=fake, nonce=x' });
    expect(challenges[1].params).toEqual({ realm: 'apps', type: '1', title: 'Login to "apps"' });
    expect(challenges[3].token68).toBe('a87421000492aa874209af8bc028==');
    expect(selectDigestChallenge(challenges)).toMatchObject({
      realm: 'real',
      nonce: 'abc',
      algorithm: 'MD5',
    });
  });

  test('GIVEN challenges across several fields THEN the digest one is found and SHA-256 preferred', () => {
    const challenge = selectDigestChallenge(
      parseAuthenticateHeader([
        'Basic realm="x"',
        'Digest realm="x", nonce="m", algorithm=MD5, qop="auth"',
        'Digest realm="x", nonce="s", algorithm=SHA-256, qop="auth", stale=TRUE, userhash=true',
      ]),
    );
    expect(challenge).toMatchObject({ nonce: 's', algorithm: 'SHA-256', stale: true, userhash: true });
  });

  test.each([
    ['Basic realm="x"'],
    ['Digest realm="x"'],
    ['Digest nonce="n"'],
    ['Digest realm="x", nonce="n", algorithm=SHA-512-256'],
    ['Digest realm="x", nonce="n", qop="auth-conf"'],
    [''],
  ])('GIVEN %j THEN no digest challenge can be answered', (header) => {
    expect(selectDigestChallenge(parseAuthenticateHeader(header))).toBeUndefined();
  });

  test('GIVEN an unsupported algorithm beside a supported one THEN the supported one is chosen', () => {
    expect(
      selectDigestChallenge(
        parseAuthenticateHeader(
          'Digest realm="x", nonce="a", algorithm=SHA-512-256, Digest realm="x", nonce="b"',
        ),
      ),
    ).toMatchObject({ nonce: 'b', algorithm: 'MD5', qop: [] });
  });
});
