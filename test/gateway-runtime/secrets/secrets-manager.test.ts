import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { CredentialsUnavailableError } from '../../../gateway-runtime/src/core/errors';
import {
  createSecretsManagerSource,
  regionOfSecretArn,
  type SecretsManagerSourceOptions,
} from '../../../gateway-runtime/src/secrets/secrets-manager';
import type { LogEntry } from '../../../gateway-runtime/src/secrets/types';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:customer-a/basic-AbCdEf';
const OTHER_ARN = 'arn:aws:secretsmanager:us-east-2:123456789012:secret:customer-a/token-XyZ123';
const PASSWORD = 'pa55:word-never-logged';

const sm = mockClient(SecretsManagerClient);

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advanceSeconds: (s: number) => (t += s * 1000) };
}

function accessDenied(): Error {
  return Object.assign(new Error(`User is not authorized to perform GetSecretValue on ${ARN}`), {
    name: 'AccessDeniedException',
  });
}

const logged: LogEntry[] = [];
/** The source under test; its log goes to `logged` unless a test passes its own. */
const newSource = (options: SecretsManagerSourceOptions = {}) =>
  createSecretsManagerSource({ log: (e) => logged.push(e), ...options });

beforeEach(() => {
  sm.reset();
  logged.length = 0;
});

describe('regionOfSecretArn', () => {
  test.each([
    [ARN, 'eu-west-1'],
    ['arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-AbCdEf', 'us-gov-west-1'],
    ['arn:aws:secretsmanager::123456789012:secret:x', undefined],
    ['arn:aws:s3:eu-west-1:123456789012:secret:x', undefined],
    ['customer-a/basic', undefined],
  ])('GIVEN %s THEN the region is %s', (arn, region) => {
    expect(regionOfSecretArn(arn)).toBe(region);
  });
});

describe('Secrets Manager source', () => {
  test('GIVEN a SecretString WHEN resolved twice within the TTL THEN Secrets Manager is called once and VersionId is the version', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: PASSWORD, VersionId: 'v1' });
    const source = newSource({ now: manualClock().now });

    const first = await source.resolve({ secretArn: ARN });
    const second = await source.resolve({ secretArn: ARN });

    expect(first).toEqual({ value: PASSWORD, version: 'v1' });
    expect(second).toEqual(first);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('GIVEN resolveNow THEN it has nothing before the first read, the cached value while fresh, and nothing once the TTL passed (resolve refreshes)', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: PASSWORD, VersionId: 'v1' });
    const clock = manualClock();
    const source = newSource({ now: clock.now, cacheSeconds: 60 });

    expect(source.resolveNow({ secretArn: ARN })).toBeUndefined();
    await source.resolve({ secretArn: ARN });
    expect(source.resolveNow({ secretArn: ARN })).toEqual({ value: PASSWORD, version: 'v1' });
    clock.advanceSeconds(60);
    expect(source.resolveNow({ secretArn: ARN })).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('GIVEN a JSON secret WHEN two keys are resolved THEN each key is extracted from one cached read', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ username: 'alice', password: PASSWORD }),
      VersionId: 'v1',
    });
    const source = newSource();

    const user = await source.resolve({ secretArn: ARN, jsonKey: 'username' });
    const pass = await source.resolve({ secretArn: ARN, jsonKey: 'password' });

    expect([user.value, pass.value]).toEqual(['alice', PASSWORD]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('GIVEN a SecretBinary THEN it is decoded as UTF-8', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretBinary: Buffer.from('-----BEGIN CERTIFICATE-----'),
      VersionId: 'b1',
    });
    const source = newSource();

    expect(await source.resolve({ secretArn: ARN })).toEqual({
      value: '-----BEGIN CERTIFICATE-----',
      version: 'b1',
    });
  });

  test('GIVEN a cached value WHEN the TTL passes and the secret was rotated THEN the new value and version are returned', async () => {
    const clock = manualClock();
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'old', VersionId: 'v1' })
      .resolves({ SecretString: 'new', VersionId: 'v2' });
    const source = newSource({ cacheSeconds: 60, now: clock.now });

    await source.resolve({ secretArn: ARN });
    clock.advanceSeconds(59);
    const beforeExpiry = await source.resolve({ secretArn: ARN });
    clock.advanceSeconds(1);
    const afterExpiry = await source.resolve({ secretArn: ARN });

    expect(beforeExpiry).toEqual({ value: 'old', version: 'v1' });
    expect(afterExpiry).toEqual({ value: 'new', version: 'v2' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('GIVEN 50 concurrent resolves of one ARN THEN Secrets Manager is called once (single flight)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    sm.on(GetSecretValueCommand).callsFake(async () => {
      await gate;
      return { SecretString: PASSWORD, VersionId: 'v1' };
    });
    const source = newSource();

    const pending = Array.from({ length: 50 }, () => source.resolve({ secretArn: ARN }));
    release();
    const values = await Promise.all(pending);

    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(new Set(values.map((v) => v.version))).toEqual(new Set(['v1']));
  });

  test('GIVEN two ARNs in two regions THEN one client per region is created, lazily, and each ARN is read once', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'x', VersionId: 'v1' });
    const regions: string[] = [];
    const source = newSource({
      clientFor: (region) => {
        regions.push(region);
        return new SecretsManagerClient({ region });
      },
    });
    expect(regions).toEqual([]);

    await Promise.all([ARN, ARN, OTHER_ARN, OTHER_ARN].map((secretArn) => source.resolve({ secretArn })));

    expect(regions).toEqual(['eu-west-1', 'us-east-2']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('regression: a SecretString ending in a line break loses it (one rule with files and variables); a jsonKey field is kept as it is', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'pasted-password\n', VersionId: 'v1' });
    expect((await newSource().resolve({ secretArn: ARN })).value).toBe('pasted-password');
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"password":"kept\\n"}\n', VersionId: 'v2' });
    expect((await newSource().resolve({ secretArn: ARN, jsonKey: 'password' })).value).toBe('kept\n');
  });

  test('fails when access is denied, with CREDENTIALS_UNAVAILABLE (503) naming the ARN and the AWS error', async () => {
    sm.on(GetSecretValueCommand).rejects(accessDenied());
    const source = newSource();

    const error = await source.resolve({ secretArn: ARN }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', status: 503 });
    expect((error as Error).message).toBe(`secret ${ARN}: GetSecretValue failed (AccessDeniedException)`);
    expect(logged).toEqual([
      { level: 'error', event: 'secret-read-failed', secretArn: ARN, reason: 'AccessDeniedException' },
    ]);
  });

  test.each([
    ['not JSON', PASSWORD, 'password', `secret ${ARN} (jsonKey "password"): the value is not JSON`],
    [
      'a JSON array',
      '["a"]',
      'password',
      `secret ${ARN} (jsonKey "password"): the value is not a JSON object`,
    ],
    [
      'missing the key',
      JSON.stringify({ user: PASSWORD }),
      'password',
      `secret ${ARN} (jsonKey "password"): the JSON object has no string field "password"`,
    ],
    [
      'holding a number',
      JSON.stringify({ password: 42 }),
      'password',
      `secret ${ARN} (jsonKey "password"): the JSON object has no string field "password"`,
    ],
  ])(
    'fails when the secret is %s for a jsonKey, without the value in the message',
    async (_case, secret, key, message) => {
      sm.on(GetSecretValueCommand).resolves({ SecretString: secret, VersionId: 'v1' });
      const source = newSource();

      const error = await source.resolve({ secretArn: ARN, jsonKey: key }).catch((e: unknown) => e);

      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', message });
      expect((error as Error).message).not.toContain(PASSWORD);
    },
  );

  test('fails when the reference is not a Secrets Manager ARN', async () => {
    const source = newSource();

    await expect(source.resolve({ secretArn: 'customer-a/basic' })).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message:
        'secret customer-a/basic: not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>)',
    });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test('GIVEN a good read WHEN a refresh fails THEN the last value is served stale, logged, retried only after the back-off', async () => {
    const clock = manualClock();
    const logs: LogEntry[] = [];
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: PASSWORD, VersionId: 'v1' })
      .rejects(accessDenied());
    const source = newSource({
      cacheSeconds: 60,
      maxStaleSeconds: 600,
      staleRetrySeconds: 10,
      now: clock.now,
      log: (e) => logs.push(e),
    });
    await source.resolve({ secretArn: ARN });

    clock.advanceSeconds(61);
    const stale = await source.resolve({ secretArn: ARN });
    clock.advanceSeconds(5);
    await source.resolve({ secretArn: ARN });
    const callsWithinBackOff = sm.commandCalls(GetSecretValueCommand).length;
    clock.advanceSeconds(5);
    await source.resolve({ secretArn: ARN });

    expect(stale).toEqual({ value: PASSWORD, version: 'v1' });
    expect(callsWithinBackOff).toBe(2);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
    expect(logs[0]).toEqual({
      level: 'warn',
      event: 'secret-refresh-failed-serving-stale',
      secretArn: ARN,
      reason: 'AccessDeniedException',
      staleForSeconds: 1,
    });
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
  });

  test('fails when Secrets Manager keeps failing past the stale bound', async () => {
    const clock = manualClock();
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: PASSWORD, VersionId: 'v1' })
      .rejects(accessDenied());
    const source = newSource({ cacheSeconds: 60, maxStaleSeconds: 600, now: clock.now });
    await source.resolve({ secretArn: ARN });

    clock.advanceSeconds(60 + 599);
    await expect(source.resolve({ secretArn: ARN })).resolves.toEqual({ value: PASSWORD, version: 'v1' });
    clock.advanceSeconds(1);
    await expect(source.resolve({ secretArn: ARN })).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: `secret ${ARN}: GetSecretValue failed (AccessDeniedException)`,
    });
  });

  test('fails when Secrets Manager answers without SecretString or SecretBinary', async () => {
    sm.on(GetSecretValueCommand).resolves({ VersionId: 'v1' });
    const source = newSource();

    await expect(source.resolve({ secretArn: ARN })).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: `secret ${ARN}: GetSecretValue failed (NO_VALUE)`,
    });
  });
});
