import { execFileSync } from 'node:child_process';

/**
 * Fails loudly when a command-line tool a test needs is missing (never skips: in CI every test must
 * run). The Debian package that provides it is listed in .ci/apt-packages.
 */
export function requireTool(tool: string, debianPackage: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${tool} is required by this test but is not installed: install the Debian package "${debianPackage}"` +
        (process.env.CI === 'true' ? ' (CI installs it from .ci/apt-packages)' : ''),
    );
  }
}
