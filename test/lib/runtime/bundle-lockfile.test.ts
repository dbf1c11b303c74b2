/**
 * The package build bundles the lockfile's undici and esbuild: `lockfileMismatches` (run by `npm run
 * build`) compares the versions a build used with package-lock.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLambdaBundle, lockfileMismatches } from '../../../scripts/build-runtime';

const LOCKFILE = readFileSync(join(__dirname, '../../../package-lock.json'), 'utf8');

describe('lockfileMismatches', () => {
  const { manifest } = buildLambdaBundle();

  it("finds none for this repository's build: node_modules holds the lockfile's versions", () => {
    expect(lockfileMismatches(manifest, LOCKFILE)).toEqual([]);
  });

  it('names each package whose installed version is not the locked one', () => {
    const lock = JSON.parse(LOCKFILE) as { packages: Record<string, { version: string }> };
    lock.packages['node_modules/undici'].version = '7.0.0';
    delete (lock.packages as Record<string, unknown>)['node_modules/esbuild'];
    expect(lockfileMismatches(manifest, JSON.stringify(lock))).toEqual([
      `undici ${manifest.builtWith.undici} is installed, package-lock.json pins 7.0.0 (run npm ci)`,
      `esbuild ${manifest.builtWith.esbuild} is installed, package-lock.json pins no version (run npm ci)`,
    ]);
  });
});
