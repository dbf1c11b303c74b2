import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LOCAL_BACKEND_OVERRIDE_FILE,
  mapWithConcurrency,
  writeLocalBackendOverride,
} from '../../../scripts/terraform/stacks';

describe('mapWithConcurrency', () => {
  test('GIVEN more items than the limit THEN at most `limit` run at once and results keep the items’ order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([30, 5, 20, 1, 10, 2], 2, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((done) => setTimeout(done, ms));
      running--;
      return `${i}:${ms}`;
    });
    expect(peak).toBe(2);
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
  });

  test('GIVEN no items THEN it resolves to an empty list', async () => {
    await expect(mapWithConcurrency([], 4, async () => 1)).resolves.toEqual([]);
  });

  test('fails with the first error an item throws', async () => {
    await expect(
      mapWithConcurrency([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('stack 2 failed');
        return n;
      }),
    ).rejects.toThrow('stack 2 failed');
  });
});

describe('writeLocalBackendOverride', () => {
  test('writes an override that replaces the backend with a local state file, beside cdk.tf.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'override-'));
    try {
      const path = writeLocalBackendOverride(dir);
      expect(path).toBe(join(dir, LOCAL_BACKEND_OVERRIDE_FILE));
      expect(LOCAL_BACKEND_OVERRIDE_FILE).toMatch(/_override\.tf\.json$/);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
        terraform: { backend: { local: { path: 'offline.tfstate' } } },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
