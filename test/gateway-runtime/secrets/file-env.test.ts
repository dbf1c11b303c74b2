import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import { createFileSource, createSecretResolver } from '../../../gateway-runtime/src/secrets';

const SECRET = 's3cr3t-value-never-in-messages';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'secrets-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file source', () => {
  test('GIVEN a file WHEN it is rewritten in place THEN the next resolve returns the new value and a new version', async () => {
    const file = join(dir, 'in-place.txt');
    writeFileSync(file, 'first');
    const source = createFileSource();

    const before = await source.resolve({ file });
    writeFileSync(file, 'second, longer');
    const after = await source.resolve({ file });

    expect(before.value).toBe('first');
    expect(after.value).toBe('second, longer');
    expect(after.version).not.toBe(before.version);
  });

  test('GIVEN many resolves of one file in one event-loop turn THEN they share one stat and one read, and a resolve in a later turn after a rewrite reads the new value', async () => {
    const file = join(dir, 'one-stat.txt');
    writeFileSync(file, 'first');
    const source = createFileSource();
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    // The module objects themselves (an `import *` namespace is a frozen copy): file.ts calls them.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const stat = jest.spyOn(require('node:fs') as typeof import('node:fs'), 'statSync');
    const read = jest.spyOn(require('node:fs/promises') as typeof import('node:fs/promises'), 'readFile');
    /* eslint-enable @typescript-eslint/no-require-imports */
    try {
      const values = await Promise.all(Array.from({ length: 20 }, () => source.resolve({ file })));
      expect(values.map((v) => v.value)).toEqual(Array(20).fill('first'));
      expect(stat).toHaveBeenCalledTimes(1);
      expect(read).toHaveBeenCalledTimes(1);
      await nextTurn();
      await source.resolve({ file });
      expect(stat).toHaveBeenCalledTimes(2); // a new turn: a new stat
      expect(read).toHaveBeenCalledTimes(1); // unchanged: no read
      writeFileSync(file, 'second, longer');
      await nextTurn();
      expect((await source.resolve({ file })).value).toBe('second, longer');
      expect(read).toHaveBeenCalledTimes(2);
    } finally {
      stat.mockRestore();
      read.mockRestore();
    }
  });

  test('GIVEN resolveNow THEN it has nothing before the first read, the value while the file is unchanged, and nothing after a change or when the file is gone', async () => {
    const file = join(dir, 'now.txt');
    writeFileSync(file, 'first');
    const source = createFileSource();
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    expect(source.resolveNow({ file })).toBeUndefined();
    const read = await source.resolve({ file });
    expect(source.resolveNow({ file })).toEqual(read);
    await nextTurn();
    expect(source.resolveNow({ file })).toEqual(read); // a new turn, a new stat: unchanged
    writeFileSync(file, 'second, longer');
    await nextTurn();
    expect(source.resolveNow({ file })).toBeUndefined(); // changed: resolve() reads it
    expect((await source.resolve({ file })).value).toBe('second, longer');
    rmSync(file);
    await nextTurn();
    expect(source.resolveNow({ file })).toBeUndefined(); // gone: resolve() reports it
    await expect(source.resolve({ file })).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
  });

  test('GIVEN a file WHEN it is replaced by an atomic rename THEN the next resolve returns the new value', async () => {
    const file = join(dir, 'renamed.txt');
    writeFileSync(file, 'first');
    const source = createFileSource();
    await source.resolve({ file });

    writeFileSync(`${file}.tmp`, 'other');
    renameSync(`${file}.tmp`, file);

    expect((await source.resolve({ file })).value).toBe('other');
  });

  test('GIVEN unchanged content THEN the version stays the same', async () => {
    const file = join(dir, 'stable.txt');
    writeFileSync(file, 'same');
    const source = createFileSource();

    const versions = [await source.resolve({ file }), await source.resolve({ file })].map((v) => v.version);

    expect(versions[0]).toBe(versions[1]);
  });

  test('GIVEN a change that keeps size and mtime WHEN the cache lifetime passes THEN the file is read again', async () => {
    const file = join(dir, 'same-stamp.txt');
    writeFileSync(file, 'aaaa');
    utimesSync(file, 1_000_000, 1_000_000);
    let t = 0;
    const source = createFileSource({ cacheSeconds: 30, now: () => t });
    await source.resolve({ file });

    writeFileSync(file, 'bbbb');
    utimesSync(file, 1_000_000, 1_000_000);
    const withinLifetime = await source.resolve({ file });
    t += 30_000;
    const afterLifetime = await source.resolve({ file });

    expect(withinLifetime.value).toBe('aaaa');
    expect(afterLifetime.value).toBe('bbbb');
  });

  test('GIVEN a JSON file and a jsonKey THEN that field is the value', async () => {
    const file = join(dir, 'doc.json');
    writeFileSync(file, JSON.stringify({ password: SECRET }));

    expect((await createFileSource().resolve({ file, jsonKey: 'password' })).value).toBe(SECRET);
  });

  test('fails when the file does not exist, naming the file and the error code', async () => {
    const file = join(dir, 'missing.pem');

    await expect(createFileSource().resolve({ file })).rejects.toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      status: 503,
      message: `secret file ${file} can not be read (ENOENT)`,
    });
  });
});

describe('createSecretResolver', () => {
  const env = { GW_TOKEN: SECRET, GW_JSON: JSON.stringify({ token: SECRET }) };
  const resolver = () => createSecretResolver({ env });

  test('GIVEN an env reference THEN the variable is the value and the version is a content hash', async () => {
    const value = await resolver().resolve({ env: 'GW_TOKEN' });

    expect(value.value).toBe(SECRET);
    expect(value.version).toMatch(/^[0-9a-f]{16}$/);
  });

  test('GIVEN an env reference with a jsonKey THEN that field is the value', async () => {
    expect((await resolver().resolve({ env: 'GW_JSON', jsonKey: 'token' })).value).toBe(SECRET);
  });

  test('GIVEN a file reference THEN the file source answers', async () => {
    const file = join(dir, 'composite.txt');
    writeFileSync(file, SECRET);

    expect((await resolver().resolve({ file })).value).toBe(SECRET);
  });

  test.each<[string, SecretRef, string]>([
    ['the variable is not set', { env: 'GW_MISSING' }, 'environment variable GW_MISSING is not set'],
    [
      'the variable is not JSON',
      { env: 'GW_TOKEN', jsonKey: 'token' },
      'environment variable GW_TOKEN (jsonKey "token"): the value is not JSON',
    ],
    [
      'the key is missing',
      { env: 'GW_JSON', jsonKey: 'password' },
      'environment variable GW_JSON (jsonKey "password"): the JSON object has no string field "password"',
    ],
    [
      'the reference has no known field',
      { vault: 'x' } as unknown as SecretRef,
      'a secret reference has none of secretArn, file, env',
    ],
  ])('fails when %s', async (_case, ref, message) => {
    const error = await resolver()
      .resolve(ref)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', status: 503, message });
    expect((error as Error).message).not.toContain(SECRET);
  });
});

describe('one rule for line breaks, whatever the source', () => {
  test.each([
    ['ends in "\\n" (echo, an editor)', 'pa:ss word\n', 'pa:ss word'],
    ['ends in "\\r\\n" (a Windows editor)', 'pa:ss word\r\n', 'pa:ss word'],
    ['ends in two line breaks (only one is removed)', 'pa:ss\n\n', 'pa:ss\n'],
    ['has no line break', 'pa:ss', 'pa:ss'],
    ['has spaces around it (kept: nothing else is trimmed)', ' pa:ss \n', ' pa:ss '],
    [
      'is a PEM block (its final newline goes, the inner ones stay)',
      '-----BEGIN X-----\nAA==\n-----END X-----\n',
      '-----BEGIN X-----\nAA==\n-----END X-----',
    ],
  ])(
    'regression: a secret that %s has one trailing line break removed, as a file and as a variable',
    async (_what, content, value) => {
      const file = join(dir, `line-breaks-${Buffer.from(content).toString('hex').slice(0, 16)}`);
      writeFileSync(file, content);
      const resolver = createSecretResolver({ env: { SECRET_WITH_LINE_BREAK: content } });
      expect((await resolver.resolve({ file })).value).toBe(value);
      expect((await resolver.resolve({ env: 'SECRET_WITH_LINE_BREAK' })).value).toBe(value);
    },
  );

  test('GIVEN a jsonKey THEN the field is taken exactly as the JSON holds it (the JSON file itself may end in a newline)', async () => {
    const file = join(dir, 'json-line-breaks.json');
    writeFileSync(file, `${JSON.stringify({ password: 'with-newline\n', plain: 'plain' })}\n`);
    const resolver = createSecretResolver();
    expect((await resolver.resolve({ file, jsonKey: 'password' })).value).toBe('with-newline\n');
    expect((await resolver.resolve({ file, jsonKey: 'plain' })).value).toBe('plain');
  });
});
