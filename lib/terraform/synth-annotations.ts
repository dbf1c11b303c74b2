/**
 * The warnings (and errors) constructs recorded at synth (`Annotations.of(scope).addWarning(...)`): cdktf writes
 * them into the app's `manifest.json`, per stack, and only the cdktf CLI prints them. An app run as
 * `npx tsx main.ts` prints nothing, so `backend-link plan` reads them from the manifest and shows them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The manifest's annotation levels shown, and the word each is shown with. */
export const SHOWN_ANNOTATION_LEVELS: Readonly<Record<string, string>> = {
  '@cdktf/warn': 'WARNING',
  '@cdktf/error': 'ERROR',
};

export interface SynthAnnotation {
  /** The stack's name (its directory under `stacks/`). */
  readonly stack: string;
  /** `WARNING` or `ERROR`. */
  readonly level: string;
  /** The path of the construct that recorded it, e.g. `example/acme`. */
  readonly constructPath: string;
  readonly message: string;
}

interface ManifestAnnotation {
  readonly constructPath?: string;
  readonly level?: string;
  readonly message?: string;
}

/**
 * The warnings and errors of a synthesized app, stack by stack (in the manifest's order), or none when the
 * directory holds no `manifest.json` (not a cdktf app's output, or one from before manifests had annotations).
 * @param stacks only these stacks @default - every stack
 */
export function readSynthAnnotations(outdir: string, stacks?: readonly string[]): SynthAnnotation[] {
  const file = join(outdir, 'manifest.json');
  if (!existsSync(file)) return [];
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    stacks?: Record<string, { annotations?: readonly ManifestAnnotation[] }>;
  };
  const out: SynthAnnotation[] = [];
  for (const [stack, entry] of Object.entries(manifest.stacks ?? {})) {
    if (stacks && !stacks.includes(stack)) continue;
    for (const a of entry.annotations ?? []) {
      const level = a.level === undefined ? undefined : SHOWN_ANNOTATION_LEVELS[a.level];
      if (level === undefined) continue;
      out.push({ stack, level, constructPath: a.constructPath ?? stack, message: a.message ?? '' });
    }
  }
  return out;
}

/** One line per annotation, `WARNING <construct path>: <message>`, after a heading that counts them. */
export function formatSynthAnnotations(annotations: readonly SynthAnnotation[]): string {
  if (annotations.length === 0) return '';
  const count = (level: string) => annotations.filter((a) => a.level === level).length;
  const counts = Object.values(SHOWN_ANNOTATION_LEVELS)
    .map((level) => [level, count(level)] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n} ${level.toLowerCase()}${n === 1 ? '' : 's'}`)
    .join(' and ');
  return [
    `synth recorded ${counts}:`,
    ...annotations.map((a) => `${a.level} ${a.constructPath}: ${a.message}`),
  ].join('\n');
}
