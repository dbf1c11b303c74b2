import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerDependencyError, checkSingleCopies } from '../../../lib/shared/single-copy';

/** A directory with node_modules/<name>/package.json at the given versions; returns a module dir inside it. */
function project(root: string, name: string, versions: Record<string, string>): string {
  for (const [pkg, version] of Object.entries(versions)) {
    const dir = join(root, name, 'node_modules', pkg);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg, version }));
  }
  const src = join(root, name, 'src');
  mkdirSync(src, { recursive: true });
  return src;
}

const SUPPORTED = { cdktf: '0.21.0', '@cdktf/provider-aws': '20.1.0' };

describe('checkSingleCopies', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'copies-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('GIVEN the app and the library resolve the same copies THEN it passes', () => {
    const app = project(root, 'app', SUPPORTED);
    expect(() => checkSingleCopies(app, app)).not.toThrow();
  });

  it('passes in this repository (one copy of each)', () => {
    expect(() => checkSingleCopies()).not.toThrow();
  });

  it('fails when the app loads another copy of the provider, naming both and the install line', () => {
    const library = project(root, 'library', SUPPORTED);
    const app = project(root, 'app', { cdktf: '0.21.0', '@cdktf/provider-aws': '21.0.0' });
    expect(() => checkSingleCopies(library, app)).toThrow(PeerDependencyError);
    const lines = (() => {
      try {
        checkSingleCopies(library, app);
        return [];
      } catch (error) {
        return (error as Error).message.split('\n');
      }
    })();
    expect(lines).toEqual([
      `two copies of cdktf are installed: 0.21.0 in ${join(root, 'app', 'node_modules', 'cdktf')} (your app) and 0.21.0 in ${join(root, 'library', 'node_modules', 'cdktf')} (backend-link's). Install one, a version backend-link supports: npm install cdktf@~0.21.0`,
      `two copies of @cdktf/provider-aws are installed: 21.0.0 in ${join(root, 'app', 'node_modules', '@cdktf', 'provider-aws')} (your app) and 20.1.0 in ${join(root, 'library', 'node_modules', '@cdktf', 'provider-aws')} (backend-link's). Install one, a version backend-link supports: npm install @cdktf/provider-aws@20.1.0`,
    ]);
  });

  it.each(['20.1.0', '21.22.1', '21.23.0'])(
    'GIVEN one copy of @cdktf/provider-aws %s (a supported line) THEN it passes',
    (version) => {
      const app = project(root, `app-${version}`, { cdktf: '0.21.0', '@cdktf/provider-aws': version });
      expect(() => checkSingleCopies(app, app)).not.toThrow();
    },
  );

  it.each(['21.0.0', '21.22.0', '22.0.0'])(
    'fails when the one copy is @cdktf/provider-aws %s, outside 20.1.0 || ^21.22.1',
    (version) => {
      const app = project(root, `app-${version}`, { cdktf: '0.21.0', '@cdktf/provider-aws': version });
      expect(() => checkSingleCopies(app, app)).toThrow(
        `backend-link needs @cdktf/provider-aws 20.1.0 || ^21.22.1, found ${version} in ${join(root, `app-${version}`, 'node_modules', '@cdktf', 'provider-aws')}: npm install @cdktf/provider-aws@20.1.0`,
      );
    },
  );

  it('fails when the one copy is a version backend-link does not support', () => {
    const app = project(root, 'app', { cdktf: '0.20.11', '@cdktf/provider-aws': '20.1.0' });
    expect(() => checkSingleCopies(app, app)).toThrow(
      `backend-link needs cdktf ~0.21.0, found 0.20.11 in ${join(root, 'app', 'node_modules', 'cdktf')}: npm install cdktf@~0.21.0`,
    );
  });
});
