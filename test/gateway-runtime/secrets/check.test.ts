/**
 * Issue 20: a secret that can not be read says which reference and why, never the value: through
 * checkSecrets (serve's start, the Lambda cold start, check) and through a request's log line.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig, SecretRef } from '../../../gateway-runtime/src/config/types';
import { createGateway } from '../../../gateway-runtime/src/proxy';
import { createSecretResolver } from '../../../gateway-runtime/src/secrets';
import { checkSecrets } from '../../../gateway-runtime/src/secrets/check';

const VALUE = 'pa55-never-logged-7f3a';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/backend-AbCdEf';
const sm = mockClient(SecretsManagerClient);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'secret-check-'));
  writeFileSync(join(dir, 'ok'), `${VALUE}\n`);
  writeFileSync(join(dir, 'empty'), '\n');
  writeFileSync(join(dir, 'text'), VALUE);
  writeFileSync(join(dir, 'json'), JSON.stringify({ user: VALUE }));
  mkdirSync(join(dir, 'a-directory'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => sm.reset());

const env = { GW_OK: VALUE, GW_EMPTY: '', GW_TEXT: VALUE, GW_JSON: JSON.stringify({ user: VALUE }) };
const withPassword = (password: SecretRef): GatewayConfig => ({
  version: 1,
  name: 'acme',
  backend: { url: 'http://127.0.0.1:9/api' },
  security: { type: 'basic', username: 'svc', password },
});

describe('checkSecrets', () => {
  test.each<[string, () => SecretRef, string, string]>([
    ['the file is missing', () => ({ file: join(dir, 'missing') }), 'ENOENT', 'can not be read (ENOENT)'],
    ['the file is a directory', () => ({ file: join(dir, 'a-directory') }), 'EISDIR', '(EISDIR)'],
    ['the file is empty', () => ({ file: join(dir, 'empty') }), 'EMPTY', 'is empty'],
    ['the variable is not set', () => ({ env: 'GW_NOT_THERE' }), 'NOT_SET', 'is not set'],
    ['the variable is empty', () => ({ env: 'GW_EMPTY' }), 'EMPTY', 'is empty'],
    ['the file is not JSON', () => ({ file: join(dir, 'text'), jsonKey: 'k' }), 'NOT_JSON', 'not JSON'],
    ['the variable is not JSON', () => ({ env: 'GW_TEXT', jsonKey: 'k' }), 'NOT_JSON', 'not JSON'],
    ['the key is missing', () => ({ env: 'GW_JSON', jsonKey: 'password' }), 'KEY_MISSING', 'no string field'],
  ])('fails when %s: the reference, reason %s, never the value', async (_what, ref, reason, text) => {
    const [check] = await checkSecrets(withPassword(ref()), createSecretResolver({ env }));
    expect(check).toMatchObject({ path: 'security.password', ok: false, reason });
    expect(check.message).toContain(text);
    expect(check.secret).toMatch(/^(secret file|environment variable) /);
    expect(JSON.stringify(check)).not.toContain(VALUE);
  });

  test.each([
    ['AccessDeniedException', 'User arn:aws:iam::1:role/x is not authorized'],
    ['DecryptionFailure', 'KMS key disabled'],
  ])('fails when Secrets Manager answers %s: the ARN and the error name', async (name, message) => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error(message), { name }));
    const [check] = await checkSecrets(
      withPassword({ secretArn: ARN, jsonKey: 'password' }),
      createSecretResolver({ log: () => undefined }),
    );
    expect(check).toMatchObject({
      ok: false,
      reason: name,
      secret: `secret ${ARN} (jsonKey "password")`,
    });
    expect(check.message).not.toContain(message);
  });

  test('GIVEN every kind of reference in the document THEN each is read once, named by its path, and extraParams are not taken for references', async () => {
    const config = {
      version: 1,
      name: 'acme',
      backend: {
        url: 'https://127.0.0.1:9/api',
        tls: {
          ca: { file: join(dir, 'ok') },
          clientCertificate: { cert: { env: 'GW_OK' }, key: { file: join(dir, 'missing') } },
        },
      },
      security: {
        type: 'oauth2-client-credentials',
        tokenUrl: 'https://login.example/token',
        clientId: 'gw',
        clientSecret: { env: 'GW_JSON', jsonKey: 'user' },
        extraParams: { env: 'prod' },
      },
    } as unknown as GatewayConfig;
    const checks = await checkSecrets(config, createSecretResolver({ env }));
    expect(checks.map((c) => [c.path, c.ok, c.reason])).toEqual([
      ['backend.tls.ca', true, undefined],
      ['backend.tls.clientCertificate.cert', true, undefined],
      ['backend.tls.clientCertificate.key', false, 'ENOENT'],
      ['security.clientSecret', true, undefined],
    ]);
  });
});

describe('a request that fails for a secret', () => {
  test.each<[string, () => SecretRef, string, string]>([
    ['a missing file', () => ({ file: join(dir, 'missing') }), 'ENOENT', 'secret file'],
    ['an unset variable', () => ({ env: 'GW_NOT_THERE' }), 'NOT_SET', 'environment variable GW_NOT_THERE'],
    ['a missing key', () => ({ env: 'GW_JSON', jsonKey: 'password' }), 'KEY_MISSING', '(jsonKey "password")'],
  ])(
    'GIVEN %s WHEN a request comes THEN 503 CREDENTIALS_UNAVAILABLE and its log line names the secret and reason %s',
    async (_what, ref, reason, secret) => {
      const lines: string[] = [];
      const gateway = createGateway(withPassword(ref()), {
        logSink: (line) => lines.push(line),
        metricsSink: () => undefined,
        secrets: createSecretResolver({ env }),
      });
      try {
        const response = await gateway.handle({ method: 'GET', path: '/x', headers: {}, protocol: 'https' });
        expect(response.status).toBe(503);
        const failed = lines.map((l) => JSON.parse(l)).find((e) => e.msg === 'request failed');
        expect(failed).toMatchObject({ error: 'CREDENTIALS_UNAVAILABLE', reason });
        expect(failed.secret).toContain(secret);
      } finally {
        await gateway.close();
      }
    },
  );

  test('never logs a secret value, whatever fails after reading it (regression)', async () => {
    // The JSON holds the value under another key; the failure message and log must not echo the document.
    const lines: string[] = [];
    const gateway = createGateway(withPassword({ env: 'GW_JSON', jsonKey: 'password' }), {
      logSink: (line) => lines.push(line),
      metricsSink: () => undefined,
      secrets: createSecretResolver({ env: { ...env, GW_NOT_JSON: VALUE } }),
    });
    try {
      await gateway.handle({ method: 'GET', path: '/x', headers: {}, protocol: 'https' });
    } finally {
      await gateway.close();
    }
    const checks = await checkSecrets(
      withPassword({ env: 'GW_NOT_JSON', jsonKey: 'password' }),
      createSecretResolver({ env: { GW_NOT_JSON: VALUE } }),
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(`${lines.join('\n')}${JSON.stringify(checks)}`).not.toContain(VALUE);
  });
});
