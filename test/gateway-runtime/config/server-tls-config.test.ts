/** `server.tls` and `server.unauthenticatedReason`: the validator and config.schema.json agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../../gateway-runtime/src/config';
import { ConfigError } from '../../../gateway-runtime/src/core/errors';
import { checkSchema } from './support/json-schema';
import { doc } from './support/samples';

const schema = JSON.parse(
  readFileSync(join(__dirname, '../../../gateway-runtime/config.schema.json'), 'utf8'),
) as Record<string, unknown>;

const PIN = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const withServer = (server: Record<string, unknown>) => doc({ type: 'none' }, { server });
const tls = (extra: Record<string, unknown> = {}) => ({
  certificate: { file: '/etc/gateway-runtime/tls/server.crt' },
  key: { file: '/etc/gateway-runtime/tls/server.key' },
  ...extra,
});

function problemsOf(input: unknown): ReadonlyArray<{ path: string; message: string }> {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('server.tls in the configuration', () => {
  test.each([
    ['HTTPS without client certificates', withServer({ tls: tls() })],
    [
      'client certificates, names, pins and a passphrase',
      withServer({
        host: '0.0.0.0',
        port: 8443,
        tls: tls({
          passphrase: { env: 'SERVER_KEY_PASSPHRASE' },
          clientCa: {
            secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dmz/client-ca-AbCdEf',
          },
          allowedClientNames: [
            'CN=gateway-eu-west-1',
            'DNS:gateway.apicloud.example',
            'URI:spiffe://a/b',
            'email:ops@a.example',
          ],
          allowedClientSpkiSha256: [PIN],
        }),
      }),
    ],
    [
      'a stated reason to run without client certificates',
      withServer({ host: '0.0.0.0', unauthenticatedReason: 'mesh sidecar' }),
    ],
  ])('GIVEN %s WHEN checked THEN validator and schema accept it', (_, input) => {
    expect(problemsOf(input)).toEqual([]);
    expect(checkSchema(schema, input)).toEqual([]);
  });

  test.each([
    [
      'the key is missing',
      withServer({ tls: { certificate: { file: 'c' } } }),
      'server.tls.key',
      'is required',
    ],
    [
      'the certificate is written inline',
      withServer({ tls: tls({ certificate: '-----BEGIN CERTIFICATE-----' }) }),
      'server.tls.certificate',
      'must be a secret reference ({"secretArn": ...}, {"file": ...} or {"env": ...}), never the secret itself',
    ],
    [
      'allowedClientNames is set without clientCa',
      withServer({ tls: tls({ allowedClientNames: ['CN=gateway'] }) }),
      'server.tls.allowedClientNames',
      'needs server.tls.clientCa: without it no client certificate is asked for',
    ],
    [
      'allowedClientSpkiSha256 is set without clientCa',
      withServer({ tls: tls({ allowedClientSpkiSha256: [PIN] }) }),
      'server.tls.allowedClientSpkiSha256',
      'needs server.tls.clientCa: without it no client certificate is asked for',
    ],
    [
      'an admitted name has no type',
      withServer({ tls: tls({ clientCa: { file: 'ca' }, allowedClientNames: ['gateway-eu-west-1'] }) }),
      'server.tls.allowedClientNames[0]',
      '"gateway-eu-west-1" is not CN=<name>, DNS:<name>, URI:<uri> or email:<address>',
    ],
    [
      'an admitted name is listed twice',
      withServer({ tls: tls({ clientCa: { file: 'ca' }, allowedClientNames: ['CN=a', 'CN=a'] }) }),
      'server.tls.allowedClientNames[1]',
      '"CN=a" is listed twice',
    ],
    [
      'a client pin is not a SHA-256',
      withServer({ tls: tls({ clientCa: { file: 'ca' }, allowedClientSpkiSha256: ['abc'] }) }),
      'server.tls.allowedClientSpkiSha256[0]',
      '"abc" is not a base64 SHA-256 digest (44 characters ending in "=")',
    ],
    [
      'the client CA is called ca',
      withServer({ tls: tls({ ca: { file: 'ca' } }) }),
      'server.tls.ca',
      'unknown field: use server.tls.clientCa (the CA bundle of the admitted client certificates) instead',
    ],
    [
      'verification is turned off by habit',
      withServer({ tls: tls({ clientCa: { file: 'ca' }, rejectUnauthorized: false }) }),
      'server.tls.rejectUnauthorized',
      'unknown field: clients without a valid certificate are always refused when server.tls.clientCa is set',
    ],
    [
      'unauthenticatedReason is set beside clientCa',
      withServer({ tls: tls({ clientCa: { file: 'ca' } }), unauthenticatedReason: 'habit' }),
      'server.unauthenticatedReason',
      'is set, but server.tls.clientCa authenticates every client: remove server.unauthenticatedReason',
    ],
    [
      'unauthenticatedReason is empty',
      withServer({ host: '0.0.0.0', unauthenticatedReason: '' }),
      'server.unauthenticatedReason',
      'must not be empty',
    ],
  ])('fails when %s, in the validator and in the schema', (_, input, path, message) => {
    expect(problemsOf(input)).toEqual([{ path, message }]);
    expect(checkSchema(schema, JSON.parse(JSON.stringify(input)))).not.toEqual([]);
  });
});
