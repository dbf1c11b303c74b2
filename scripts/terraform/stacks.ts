/**
 * Offline checks for the stacks of a multi-stack app, with the harness's environment (provider mirror,
 * fake credentials, placeholders):
 *
 * - `validateOffline`: `terraform init -backend=false` and `terraform validate`. Needs neither the
 *   backend nor the remote state, so it checks every stack, also a customer stack whose platform has not
 *   been applied (what `terraform validate` refuses, e.g. a `depends_on` on a remote-state output, fails here);
 * - `writeLocalBackendOverride`: a Terraform override file that swaps the stack's remote backend (S3)
 *   for a local state file, so the harness's `planOffline` can plan a stack that reads no remote state
 *   (the platform stack, or a customer stack on an imported platform) without touching `cdk.tf.json`.
 *   Delete the file (or synthesize again) before a real `terraform init`.
 *
 * Planning a customer stack that reads a not-yet-applied platform's remote state is `backend-link plan`'s job.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  TerraformRun,
  findProviderMirror,
  runTerraform,
  writeCliConfig,
  writeOfflineOverride,
} from './harness';

export const LOCAL_BACKEND_OVERRIDE_FILE = 'zz_local_backend_override.tf.json';

/** `terraform init -backend=false` and `terraform validate` of one synthesized stack, offline. */
export async function validateOffline(
  stackDir: string,
  options: { mirror?: string } = {},
): Promise<TerraformRun[]> {
  const cliConfig = writeCliConfig(stackDir, options.mirror ?? findProviderMirror());
  writeOfflineOverride(stackDir);
  return [
    await runTerraform(stackDir, ['init', '-backend=false', '-input=false', '-no-color'], cliConfig),
    await runTerraform(stackDir, ['validate', '-no-color'], cliConfig),
  ];
}

/** Writes the override that replaces the stack's backend with a local state file (see above). Returns its path. */
export function writeLocalBackendOverride(stackDir: string): string {
  const path = join(stackDir, LOCAL_BACKEND_OVERRIDE_FILE);
  const override = { terraform: { backend: { local: { path: 'offline.tfstate' } } } };
  writeFileSync(path, `${JSON.stringify(override, null, 2)}\n`);
  return path;
}

/** Runs `fn` over `items` with at most `limit` at a time; resolves to the results in the items' order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
