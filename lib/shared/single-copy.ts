/**
 * backend-link needs the app's own copies of cdktf and @cdktf/provider-aws (peer dependencies). A second
 * copy (installed with --legacy-peer-deps, or a stray nested node_modules) silently breaks an app: the
 * constructs of one copy are not found by the other, and a second provider version asks Terraform for
 * two versions of hashicorp/aws. This check fails at load time instead, naming both copies.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The peer packages and the versions this release is built and tested with (`install`: the version the
 * messages' install line names). `@cdktf/provider-aws` has two lines: 20.1.0 (hashicorp/aws 5.100.0: type-
 * checked, synthesized and planned offline) and 21.x from 21.22.1, the last prebuilt cdktf bindings
 * (hashicorp/aws 6.25.0: type-checked and synthesized; no 6.x provider binary is at hand to plan with).
 */
export const PEER_VERSIONS = {
  cdktf: { range: '~0.21.0', install: '~0.21.0', accepts: (v: string) => /^0\.21\.\d+$/.test(v) },
  '@cdktf/provider-aws': {
    range: '20.1.0 || ^21.22.1',
    install: '20.1.0',
    accepts: (v: string) => v === '20.1.0' || isAtLeast21221(v),
  },
} as const;

/** 21.22.1 or a later 21.x release (no pre-release). */
function isAtLeast21221(version: string): boolean {
  const m = /^21\.(\d+)\.(\d+)$/.exec(version);
  if (!m) return false;
  const [minor, patch] = [Number(m[1]), Number(m[2])];
  return minor > 22 || (minor === 22 && patch >= 1);
}

export class PeerDependencyError extends Error {
  public override readonly name = 'PeerDependencyError';
  public readonly code = 'PEER_DEPENDENCY';
}

interface Copy {
  readonly dir: string;
  readonly version: string;
}

function copyFrom(name: string, from: string): Copy | undefined {
  try {
    const manifest = require.resolve(`${name}/package.json`, { paths: [from] });
    return {
      dir: realpathSync(dirname(manifest)),
      version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version,
    };
  } catch {
    return undefined;
  }
}

/**
 * Throws a PeerDependencyError when the app (resolved from `appDir`) and backend-link (from `libraryDir`)
 * load different copies of cdktf or @cdktf/provider-aws, or when the copy backend-link loads is a version
 * it does not support.
 */
export function checkSingleCopies(
  libraryDir: string = __dirname,
  appDir: string = require.main?.path ?? process.cwd(),
): void {
  const problems: string[] = [];
  for (const [name, peer] of Object.entries(PEER_VERSIONS)) {
    const ours = copyFrom(name, libraryDir);
    if (ours === undefined) continue; // the import of the library itself fails with Node's own message
    const theirs = copyFrom(name, appDir);
    if (theirs !== undefined && theirs.dir !== ours.dir) {
      problems.push(
        `two copies of ${name} are installed: ${theirs.version} in ${theirs.dir} (your app) and ${ours.version} in ${ours.dir} (backend-link's). ` +
          `Install one, a version backend-link supports: npm install ${name}@${peer.install}`,
      );
    } else if (!peer.accepts(ours.version)) {
      problems.push(
        `backend-link needs ${name} ${peer.range}, found ${ours.version} in ${ours.dir}: npm install ${name}@${peer.install}`,
      );
    }
  }
  if (problems.length > 0) throw new PeerDependencyError(problems.join('\n'));
}
