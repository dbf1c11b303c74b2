/**
 * nginx's temporary directories for a test server's own prefix: made here, and the `*_temp_path`
 * lines of the `http` block that point at them (so no server writes to the system's /var/lib/nginx).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const TEMP_KINDS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'] as const;

/** Creates `<dir>/client_body` … `<dir>/scgi` and returns their `*_temp_path` lines, indented for `http {}`. */
export function nginxTempPaths(dir: string): string {
  for (const kind of TEMP_KINDS) mkdirSync(join(dir, kind));
  return TEMP_KINDS.map((kind) => `  ${kind}_temp_path ${dir}/${kind};`).join('\n');
}
