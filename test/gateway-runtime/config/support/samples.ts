/** Sample documents shared by the validator and schema tests. */

export const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/backend-AbCdEf';

/** A valid document with the given security scheme (and optional extra top-level fields). */
export const doc = (security: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  version: 1,
  name: 'acme',
  backend: { url: 'https://backend.acme.internal/api' },
  security,
  ...extra,
});

export const VALID_SCHEMES: ReadonlyArray<[string, unknown]> = [
  ['none', { type: 'none' }],
  [
    'basic, inline user',
    { type: 'basic', username: 'gw', password: { secretArn: ARN, jsonKey: 'password' } },
  ],
  [
    'basic, user by reference',
    { type: 'basic', username: { env: 'BACKEND_USER' }, password: { file: '/run/pw' } },
  ],
  ['digest', { type: 'digest', username: 'gw:with:colons', password: { env: 'BACKEND_PASSWORD' } }],
  ['token, defaults', { type: 'token', token: { env: 'API_TOKEN' } }],
  ['token, custom header', { type: 'token', header: 'X-Api-Key', prefix: 'Key ', token: { secretArn: ARN } }],
  ['signature, defaults', { type: 'signature', keyId: 'k1', algorithm: 'hmac-sha256', key: { env: 'K' } }],
  [
    'signature, custom headers',
    {
      type: 'signature',
      keyId: 'k1',
      algorithm: 'rsa-sha256',
      key: { file: 'key.pem' },
      headers: ['(request-target)', 'host', 'content-type'],
      headerName: 'signature',
    },
  ],
  [
    'signature, legacy sha1',
    { type: 'signature', keyId: 'k1', algorithm: 'hmac-sha1', key: { env: 'K' }, legacySha1: true },
  ],
  [
    'oauth2, minimal',
    {
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://login.acme.internal/token',
      clientId: 'gw',
      clientSecret: { secretArn: ARN, jsonKey: 'secret' },
    },
  ],
  [
    'oauth2, everything',
    {
      type: 'oauth2-client-credentials',
      tokenUrl: 'http://127.0.0.1:9000/token?tenant=acme',
      clientId: 'gw',
      clientSecret: { env: 'CLIENT_SECRET' },
      authMethod: 'client_secret_post',
      scope: 'a:read b:write',
      audience: 'https://api.acme.internal',
      extraParams: { resource: 'https://api.acme.internal' },
      expiryMarginSeconds: 0,
      defaultLifetimeSeconds: 120,
      tokenEndpointTls: { ca: { file: 'ca.pem' }, servername: 'login.acme.internal' },
    },
  ],
];

/**
 * Invalid documents that BOTH the validator and the JSON Schema reject, with the path the validator names
 * and its exact message.
 */
export const INVALID_BOTH: ReadonlyArray<[string, Record<string, unknown>, string, string]> = [
  ['the version is 2', { ...doc({ type: 'none' }), version: 2 }, 'version', 'must be 1, got 2'],
  ['the name is missing', { ...doc({ type: 'none' }), name: undefined }, 'name', 'is required'],
  [
    'a root field is misspelt',
    { ...doc({ type: 'none' }), nmae: 'x' },
    'nmae',
    'unknown field (did you mean "name"?)',
  ],
  [
    'the backend URL is ftp',
    doc({ type: 'none' }, { backend: { url: 'ftp://backend/x' } }),
    'backend.url',
    'must use https:// or http://, got ftp://',
  ],
  [
    'the backend URL carries credentials',
    doc({ type: 'none' }, { backend: { url: 'https://u:p@backend/x' } }),
    'backend.url',
    'must not contain credentials (user:password@); use the security scheme and secrets',
  ],
  [
    'the backend URL has a query',
    doc({ type: 'none' }, { backend: { url: 'https://backend/x?a=1' } }),
    'backend.url',
    'must not contain a query (?...); the request query is appended to it',
  ],
  [
    'the backend URL has a fragment',
    doc({ type: 'none' }, { backend: { url: 'https://backend/x#top' } }),
    'backend.url',
    'must not contain a fragment (#...)',
  ],
  [
    'TLS verification is turned off',
    doc({ type: 'none' }, { backend: { url: 'https://b', tls: { rejectUnauthorized: false } } }),
    'backend.tls.rejectUnauthorized',
    'unknown field: certificate verification can not be turned off: use backend.tls.ca for a private CA and backend.tls.servername when the name differs',
  ],
  [
    'the client key is given beside the certificate',
    doc({ type: 'none' }, { backend: { url: 'https://b', tls: { key: { env: 'K' } } } }),
    'backend.tls.key',
    'unknown field: use backend.tls.clientCertificate.key instead',
  ],
  [
    'the servername is an IP address with a port',
    doc({ type: 'none' }, { backend: { url: 'https://b', tls: { servername: '10.0.0.1:443' } } }),
    'backend.tls.servername',
    '"10.0.0.1:443" is not a DNS host name (TLS server names can not be IP addresses or carry a port)',
  ],
  [
    'a pin is not a SHA-256',
    doc({ type: 'none' }, { backend: { url: 'https://b', tls: { pinnedSpkiSha256: ['abc'] } } }),
    'backend.tls.pinnedSpkiSha256[0]',
    '"abc" is not a base64 SHA-256 digest (44 characters ending in "=")',
  ],
  [
    'the scheme type is unknown',
    doc({ type: 'kerberos' }),
    'security.type',
    'must be one of "none", "basic", "digest", "token", "signature", "oauth2-client-credentials", got "kerberos"',
  ],
  [
    'the scheme type is "oauth2"',
    doc({ type: 'oauth2' }),
    'security.type',
    'unknown scheme type "oauth2": use "oauth2-client-credentials" instead',
  ],
  [
    'the password is the secret itself',
    doc({ type: 'basic', username: 'u', password: 'hunter2' }),
    'security.password',
    'must be a secret reference ({"secretArn": ...}, {"file": ...} or {"env": ...}), never the secret itself',
  ],
  [
    'the password reference has an empty jsonKey',
    doc({ type: 'basic', username: 'u', password: { env: 'P', jsonKey: '' } }),
    'security.password.jsonKey',
    'must not be empty',
  ],
  [
    'a secret reference names two sources',
    doc({ type: 'basic', username: 'u', password: { env: 'P', file: 'p' } }),
    'security.password',
    'must have only one of "secretArn", "file" or "env", got "file" and "env"',
  ],
  [
    'a secret ARN is not a Secrets Manager ARN',
    doc({ type: 'token', token: { secretArn: 'arn:aws:ssm:eu-west-1:123456789012:parameter/x' } }),
    'security.token.secretArn',
    '"arn:aws:ssm:eu-west-1:123456789012:parameter/x" is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  ],
  [
    'an env reference is not a variable name',
    doc({ type: 'token', token: { env: '1-TOKEN' } }),
    'security.token.env',
    '"1-TOKEN" is not an environment variable name (letters, digits, _; not starting with a digit)',
  ],
  [
    'a basic username contains ":"',
    doc({ type: 'basic', username: 'a:b', password: { env: 'P' } }),
    'security.username',
    '"a:b" must not contain ":" (RFC 7617)',
  ],
  [
    'a token header is not a token',
    doc({ type: 'token', header: 'X Api Key', token: { env: 'T' } }),
    'security.header',
    '"X Api Key" is not a valid header name (RFC 9110 token)',
  ],
  [
    'a token prefix contains a line break',
    doc({ type: 'token', prefix: 'Bearer\r\nX-Evil: 1 ', token: { env: 'T' } }),
    'security.prefix',
    'must not contain control characters (CR, LF, ...)',
  ],
  [
    'a signature field of another scheme is given',
    doc({ type: 'signature', keyId: 'k', algorithm: 'hmac-sha256', key: { env: 'K' }, prefix: 'x' }),
    'security.prefix',
    'unknown field: it belongs to "type": "token", not "signature"',
  ],
  [
    'hmac-sha1 is used without legacySha1',
    doc({ type: 'signature', keyId: 'k', algorithm: 'hmac-sha1', key: { env: 'K' } }),
    'security.algorithm',
    '"hmac-sha1" is a legacy algorithm: set "legacySha1": true to use it anyway',
  ],
  [
    'the signature algorithm is unknown',
    doc({ type: 'signature', keyId: 'k', algorithm: 'ecdsa-sha256', key: { env: 'K' } }),
    'security.algorithm',
    'must be one of "hmac-sha256", "hmac-sha384", "hmac-sha512", "rsa-sha256", "hmac-sha1", got "ecdsa-sha256"',
  ],
  [
    'the signed headers omit (request-target)',
    doc({
      type: 'signature',
      keyId: 'k',
      algorithm: 'hmac-sha256',
      key: { env: 'K' },
      headers: ['host', 'date'],
    }),
    'security.headers',
    'must include "(request-target)": without it a signature could be replayed against another method or path',
  ],
  [
    'a signed header is not lower case',
    doc({
      type: 'signature',
      keyId: 'k',
      algorithm: 'hmac-sha256',
      key: { env: 'K' },
      headers: ['(request-target)', 'Date'],
    }),
    'security.headers[1]',
    '"Date" must be lower case (use "date")',
  ],
  [
    'a signed header is listed twice',
    doc({
      type: 'signature',
      keyId: 'k',
      algorithm: 'hmac-sha256',
      key: { env: 'K' },
      headers: ['(request-target)', 'date', 'date'],
    }),
    'security.headers[2]',
    '"date" is listed twice',
  ],
  [
    'a signed pseudo-header is not supported',
    doc({
      type: 'signature',
      keyId: 'k',
      algorithm: 'hmac-sha256',
      key: { env: 'K' },
      headers: ['(request-target)', '(created)'],
    }),
    'security.headers[1]',
    '"(created)" is not supported; sign "date" for freshness',
  ],
  [
    'the servername is an IP address',
    doc({ type: 'none' }, { backend: { url: 'https://10.0.0.1', tls: { servername: '10.0.0.1' } } }),
    'backend.tls.servername',
    '"10.0.0.1" is not a DNS host name (TLS server names can not be IP addresses or carry a port)',
  ],
  [
    'the keyId contains a quote',
    doc({ type: 'signature', keyId: 'a"b', algorithm: 'hmac-sha256', key: { env: 'K' } }),
    'security.keyId',
    '"a\\"b" must be printable ASCII without " or \\ (it is sent as a quoted string)',
  ],
  [
    'the signature goes into an unknown header',
    doc({ type: 'signature', keyId: 'k', algorithm: 'hmac-sha256', key: { env: 'K' }, headerName: 'x-sig' }),
    'security.headerName',
    'must be one of "authorization", "signature", got "x-sig"',
  ],
  [
    'the oauth2 client secret is missing',
    doc({ type: 'oauth2-client-credentials', tokenUrl: 'https://t/token', clientId: 'c' }),
    'security.clientSecret',
    'is required',
  ],
  [
    'the oauth2 scope is a list',
    doc({
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://t/token',
      clientId: 'c',
      clientSecret: { env: 'S' },
      scopes: ['a'],
    }),
    'security.scopes',
    'unknown field: use security.scope (one space-separated string) instead',
  ],
  [
    'the oauth2 auth method is unknown',
    doc({
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://t/token',
      clientId: 'c',
      clientSecret: { env: 'S' },
      authMethod: 'private_key_jwt',
    }),
    'security.authMethod',
    'must be one of "client_secret_basic", "client_secret_post", got "private_key_jwt"',
  ],
  [
    'an oauth2 extra parameter overrides grant_type',
    doc({
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://t/token',
      clientId: 'c',
      clientSecret: { env: 'S' },
      extraParams: { grant_type: 'password' },
    }),
    'security.extraParams.grant_type',
    'can not be set here: is always client_credentials',
  ],
  [
    'the oauth2 token URL has a fragment',
    doc({
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://t/token#x',
      clientId: 'c',
      clientSecret: { env: 'S' },
    }),
    'security.tokenUrl',
    'must not contain a fragment (#...)',
  ],
  [
    'a CIDR is not CIDR notation',
    doc({ type: 'none' }, { trustedSources: { cidrs: ['10.0.0.0/8', '10.1.2.3'] } }),
    'trustedSources.cidrs[1]',
    '"10.1.2.3" is not in CIDR notation (address/prefix, e.g. 10.0.0.0/16 or 2001:db8::/32)',
  ],
  [
    'a CIDR admits everything',
    doc({ type: 'none' }, { trustedSources: { cidrs: ['::/0'] } }),
    'trustedSources.cidrs[0]',
    '"::/0" admits every address: omit trustedSources instead',
  ],
  [
    'the trusted sources are empty',
    doc({ type: 'none' }, { trustedSources: { cidrs: [] } }),
    'trustedSources.cidrs',
    'must have at least 1 item',
  ],
  [
    'trustedHops is negative',
    doc({ type: 'none' }, { trustedSources: { cidrs: ['10.0.0.0/8'], trustedHops: -1 } }),
    'trustedSources.trustedHops',
    'must be between 0 and 32, got -1',
  ],
  [
    'a timeout is not an integer',
    doc({ type: 'none' }, { timeouts: { connectMs: 1.5 } }),
    'timeouts.connectMs',
    'must be an integer, got 1.5',
  ],
  [
    'a timeout is longer than Lambda can run',
    doc({ type: 'none' }, { timeouts: { bodyMs: 900_001 } }),
    'timeouts.bodyMs',
    'must be between 1 and 900000, got 900001',
  ],
  [
    'a timeout was renamed',
    doc({ type: 'none' }, { timeouts: { connect: 5 } }),
    'timeouts.connect',
    'unknown field: use timeouts.connectMs instead',
  ],
  [
    'a limit is negative',
    doc({ type: 'none' }, { limits: { maxRequestBodyBytes: -1 } }),
    'limits.maxRequestBodyBytes',
    'must be at least 1, got -1',
  ],
  [
    'forwarding is a string',
    doc({ type: 'none' }, { forwarding: { forwardCookies: 'yes' } }),
    'forwarding.forwardCookies',
    'must be true or false, got "yes"',
  ],
  [
    'the server port is out of range',
    doc({ type: 'none' }, { server: { port: 70_000 } }),
    'server.port',
    'must be between 0 and 65535, got 70000',
  ],
  [
    'the health path has no slash',
    doc({ type: 'none' }, { server: { healthPath: 'healthz' } }),
    'server.healthPath',
    '"healthz" must be a path starting with "/" (no query, no spaces)',
  ],
  [
    'secretCacheSeconds is negative',
    doc({ type: 'none' }, { secretCacheSeconds: -5 }),
    'secretCacheSeconds',
    'must be between 0 and 86400, got -5',
  ],
];

/**
 * Invalid documents only the validator rejects: rules a JSON Schema can not express (CIDR host bits,
 * cross-field rules, header names the proxy manages). The schema accepts them; the runtime refuses.
 */
export const INVALID_VALIDATOR_ONLY: ReadonlyArray<[string, Record<string, unknown>, string, string]> = [
  [
    'an IPv4 CIDR has host bits set',
    doc({ type: 'none' }, { trustedSources: { cidrs: ['10.0.0.1/8'] } }),
    'trustedSources.cidrs[0]',
    '"10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)',
  ],
  [
    'an IPv6 CIDR has host bits set',
    doc({ type: 'none' }, { trustedSources: { cidrs: ['2001:db8::/32', '2001:db8::1/32'] } }),
    'trustedSources.cidrs[1]',
    '"2001:db8::1/32" has host bits set (did you mean 2001:db8::/32?)',
  ],
  [
    'a CIDR address is not an IP address',
    doc({ type: 'none' }, { trustedSources: { cidrs: ['300.0.0.0/8'] } }),
    'trustedSources.cidrs[0]',
    '"300.0.0.0/8" has an invalid IP address "300.0.0.0"',
  ],
  [
    'a CIDR prefix is too long',
    doc({ type: 'none' }, { trustedSources: { cidrs: ['10.0.0.0/33'] } }),
    'trustedSources.cidrs[0]',
    '"10.0.0.0/33" has a prefix longer than /32',
  ],
  [
    'TLS is configured for an http:// backend',
    doc({ type: 'none' }, { backend: { url: 'http://b', tls: { servername: 'b.internal' } } }),
    'backend.tls',
    'is set, but backend.url is http://: use an https:// URL',
  ],
  [
    'the token header is one the proxy manages',
    doc({ type: 'token', header: 'Host', token: { env: 'T' } }),
    'security.header',
    '"Host" is managed by the proxy and can not be set by a scheme',
  ],
  [
    'the expiry margin is not below the default lifetime',
    doc({
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://t/token',
      clientId: 'c',
      clientSecret: { env: 'S' },
      defaultLifetimeSeconds: 60,
    }),
    'security.expiryMarginSeconds',
    'must be less than defaultLifetimeSeconds (60 >= 60), or tokens without expires_in are never reused',
  ],
];
