/**
 * The parse step: `parseConfig` validates and returns the document with every default of the definition
 * applied, once, so the runtime reads resolved values (no fallbacks of its own).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseConfig,
  resolveConfig,
  resolveScheme,
  type ResolvedGatewayConfig,
} from '../../../gateway-runtime/src/config';
import { ConfigError } from '../../../gateway-runtime/src/core/errors';
import { doc, VALID_SCHEMES } from './support/samples';

type Json = Record<string, unknown>;
const schema = JSON.parse(
  readFileSync(join(__dirname, '../../../gateway-runtime/config.schema.json'), 'utf8'),
) as Json;

/** Every `default` the published schema states for a field of `node`, by field name. */
const schemaDefaults = (node: Json): Json =>
  Object.fromEntries(
    Object.entries((node.properties ?? {}) as Record<string, Json>)
      .filter(([, property]) => 'default' in property)
      .map(([key, property]) => [key, property.default]),
  );
const rootProperty = (key: string) => (schema.properties as Record<string, Json>)[key];
const schemeVariant = (type: string) =>
  ((schema.$defs as Json).security as { oneOf: Json[] }).oneOf.find(
    (v) => ((v.properties as Record<string, Json>).type as Json).const === type,
  )!;

describe('parseConfig', () => {
  test('GIVEN a minimal document THEN every section the runtime reads is there with the defaults the schema publishes', () => {
    const config: ResolvedGatewayConfig = parseConfig(doc({ type: 'none' }));
    // Read without `?.` or `??`: the resolved type has no optional defaulted field.
    const read = {
      connectMs: config.timeouts.connectMs,
      maxRequestBodyBytes: config.limits.maxRequestBodyBytes,
      allowedMethods: config.forwarding.allowedMethods,
      port: config.server.port,
      secretCacheSeconds: config.secretCacheSeconds,
    };
    expect(read).toEqual({
      connectMs: 5000,
      maxRequestBodyBytes: 6 * 1024 * 1024,
      allowedMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      port: 8080,
      secretCacheSeconds: 300,
    });
    for (const section of ['timeouts', 'limits', 'forwarding', 'server'] as const) {
      expect(config[section]).toEqual(schemaDefaults(rootProperty(section)));
    }
    expect(config.secretCacheSeconds).toBe(rootProperty('secretCacheSeconds').default);
    expect(config.trustedSources).toBeUndefined();
    expect(config.backend.dns).toBeUndefined();
  });

  test.each(VALID_SCHEMES)(
    'GIVEN scheme %s THEN the fields it leaves out have the schema defaults, the ones it sets are kept',
    (_, security) => {
      const written = security as Json & { type: string };
      const resolved = parseConfig(doc(written)).security as unknown as Json;
      expect(resolved).toEqual({ ...schemaDefaults(schemeVariant(written.type)), ...written });
    },
  );

  test('GIVEN written values THEN they win over the defaults, and the input is not changed', () => {
    const input = doc(
      { type: 'token', token: { env: 'T' }, header: 'x-api-key' },
      { timeouts: { connectMs: 1000 }, server: { admin: { port: 9901 } } },
    );
    const before = JSON.stringify(input);
    const config = parseConfig(input);
    expect(config.timeouts).toEqual({ connectMs: 1000, headersMs: 30000, bodyMs: 30000, keepAliveMs: 4000 });
    expect(config.security).toEqual({ type: 'token', token: { env: 'T' }, header: 'x-api-key', prefix: '' });
    // A nested section gets its own defaults.
    expect(config.server.admin).toEqual({ port: 9901, address: '127.0.0.1', allowNonLoopback: false });
    expect(JSON.stringify(input)).toBe(before);
  });

  test('GIVEN DNS sections THEN both get the DNS defaults', () => {
    const config = parseConfig(
      doc(
        {
          type: 'oauth2-client-credentials',
          tokenUrl: 'https://login.acme.internal/token',
          clientId: 'gw',
          clientSecret: { env: 'S' },
          tokenEndpointDns: { pinned: { 'login.acme.internal': ['10.0.0.9'] } },
        },
        { backend: { url: 'https://orders.acme.internal', dns: { servers: ['10.0.0.2'] } } },
      ),
    );
    const dnsDefaults = { timeoutMs: 2000, tries: 2, family: 'ipv4', minTtlSeconds: 1, maxTtlSeconds: 60 };
    expect(config.backend.dns).toEqual({ servers: ['10.0.0.2'], ...dnsDefaults });
    expect(config.security.type === 'oauth2-client-credentials' && config.security.tokenEndpointDns).toEqual({
      pinned: { 'login.acme.internal': ['10.0.0.9'] },
      ...dnsDefaults,
    });
  });

  test('GIVEN a resolved document WHEN resolved again THEN nothing changes', () => {
    const once = parseConfig(
      doc({ type: 'signature', keyId: 'k', algorithm: 'hmac-sha256', key: { env: 'K' } }),
    );
    expect(resolveConfig(once)).toEqual(once);
    expect(resolveScheme(once.security)).toEqual(once.security);
  });

  test('GIVEN an invalid document THEN parseConfig throws the validator ConfigError', () => {
    expect(() => parseConfig(doc({ type: 'none' }, { timeouts: { connectMs: 0 } }))).toThrow(ConfigError);
  });
});

describe('parseConfig, OAuth 2.0 client certificate (RFC 8705)', () => {
  const backendCertificate = { cert: { env: 'BACKEND_CERT' }, key: { env: 'BACKEND_KEY' } };
  const tokenEndpointCertificate = { cert: { env: 'TOKEN_CERT' }, key: { env: 'TOKEN_KEY' } };
  const oauth = (authMethod: string, extra: Json = {}) =>
    doc(
      {
        type: 'oauth2-client-credentials',
        tokenUrl: 'https://login.acme.internal/token',
        clientId: 'gw',
        authMethod,
        ...extra,
      },
      {
        backend: { url: 'https://backend.acme.internal/api', tls: { clientCertificate: backendCertificate } },
      },
    );
  const certificateOf = (config: ResolvedGatewayConfig) =>
    (config.security as { clientCertificate?: unknown }).clientCertificate;

  test.each(['tls_client_auth', 'self_signed_tls_client_auth'])(
    'GIVEN %s without its own certificate and backend mTLS THEN the token endpoint gets the backend certificate (bound tokens pass the backend)',
    (method) => {
      const config = parseConfig(oauth(method));
      expect(certificateOf(config)).toEqual(backendCertificate);
      // Resolving again changes nothing.
      expect(resolveConfig(config)).toEqual(config);
    },
  );

  test('GIVEN tls_client_auth with its own certificate THEN that one is used, not the backend one', () => {
    const config = parseConfig(oauth('tls_client_auth', { clientCertificate: tokenEndpointCertificate }));
    expect(certificateOf(config)).toEqual(tokenEndpointCertificate);
  });

  test('GIVEN private_key_jwt and backend mTLS THEN no certificate is added to the token endpoint', () => {
    const config = parseConfig(
      oauth('private_key_jwt', { privateKeyJwt: { key: { env: 'JWT_KEY' }, algorithm: 'ES256' } }),
    );
    expect(certificateOf(config)).toBeUndefined();
    expect((config.security as { privateKeyJwt?: unknown }).privateKeyJwt).toEqual({
      key: { env: 'JWT_KEY' },
      algorithm: 'ES256',
      lifetimeSeconds: 60,
    });
  });
});
