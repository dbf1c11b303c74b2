/**
 * Finding the Debian binaries real-server tests need. A missing tool always fails the test loudly and
 * names the package (in CI and outside it): no silent skips.
 */
import { accessSync, constants } from 'node:fs';

export function requireTool(path: string, debianPackage: string): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(
      `${path} is missing: install the Debian package "${debianPackage}" (listed in .ci/apt-packages)` +
        (process.env.CI === 'true' ? ' — CI must not skip this test' : ''),
    );
  }
}
