/**
 * The runbook of gateway-runtime/README.md, "Running in your DMZ", as the tests that run it read it: the
 * section, its shell commands (one per line, trailing comments dropped) and its code blocks.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const RUNTIME_README = resolve(__dirname, '../../gateway-runtime/README.md');

/** The section from its heading to the next `## ` heading. */
export function dmzSection(): string {
  const readme = readFileSync(RUNTIME_README, 'utf8');
  const start = readme.indexOf('## Running in your DMZ');
  if (start < 0) throw new Error('gateway-runtime/README.md has no "## Running in your DMZ" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The contents of the section's code blocks in `lang`, in order. */
export function dmzBlocks(lang: string, section = dmzSection()): string[] {
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** Every command of the section's `sh` blocks, in order, without trailing comments. */
export function dmzCommands(section = dmzSection()): string[] {
  return dmzBlocks('sh', section).flatMap((block) =>
    block
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}
