/**
 * The READMEs the package ships, rendered from the repository's at pack time (scripts/pack.ts):
 *
 * - README.md is README.package.md, written for someone who installed the package, with `{{repository}}`
 *   replaced by the repository's web address (package.json `repository.url`, the one place to set it);
 * - gateway-runtime/README.md loses its repository-only sections (bundle, benchmark, tests), and its
 *   references to source files become links into the repository; relative links to files the package does
 *   not ship become repository links too.
 *
 * The link checks of test/package use `markdownLinks` and `repositoryWebUrl`.
 */
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';

/** The sections of gateway-runtime/README.md that are about this repository, not the installed package. */
export const REPOSITORY_ONLY_SECTIONS = ['### Bundle', '### Benchmark', '### Tests'];

/** Paragraphs of gateway-runtime/README.md about working in the repository (matched by their start). */
export const REPOSITORY_ONLY_PARAGRAPHS = ['Run the tests and the benchmark'];

/** Commands that only work in a clone of the repository: lines starting so are dropped from shipped code blocks. */
export const REPOSITORY_COMMAND = /^(npm (ci|test|run)\b|npx (jest|tsx)\b|tsx )|# in the repository\b/;

/** `git+https://github.com/o/r.git` → `https://github.com/o/r`. */
export function repositoryWebUrl(pkg: { repository?: string | { url?: string } }): string {
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!raw) throw new Error('package.json has no repository.url');
  return raw.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** Every link target of a markdown document: `[text](target)` and bare `https://` addresses. */
export function markdownLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  const inline = [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  const bare = [...withoutCode.replace(/\]\([^)]*\)/g, ']').matchAll(/https?:\/\/[^\s)>`|]+/g)].map((m) =>
    m[0].replace(/[.,;:]+$/, ''),
  );
  return [...inline, ...bare];
}

/** README.package.md with the repository's address filled in. */
export function renderPackageReadme(template: string, repository: string): string {
  return template.replaceAll('{{repository}}', repository);
}

/** Drops a `### Heading` section up to the next heading of the same or a higher level (outside code blocks). */
function dropSection(markdown: string, heading: string, note: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l === heading);
  if (start < 0) return markdown;
  const level = heading.indexOf(' ');
  let end = start + 1;
  let fenced = false;
  for (; end < lines.length; end++) {
    if (lines[end].startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^(#{1,6}) /.exec(lines[end]);
    if (m && m[1].length <= level) break;
  }
  return [...lines.slice(0, start), ...(note ? [note, ''] : []), ...lines.slice(end)].join('\n');
}

/**
 * gateway-runtime/README.md as the package ships it. `root` is the repository's root; `shipped` tells
 * whether a path (relative to the package root) is in the package.
 */
export function renderRuntimeReadme(
  markdown: string,
  repository: string,
  root: string,
  shipped: (path: string) => boolean,
): string {
  const dir = 'gateway-runtime';
  const blob = (path: string) => `${repository}/blob/main/${path}`;
  let text = markdown;
  REPOSITORY_ONLY_SECTIONS.forEach((heading, i) => {
    const note =
      i === 0
        ? `How the bundles are built, the benchmarks and the tests are in the repository's copy of this README: ${blob(`${dir}/README.md`)}`
        : '';
    text = dropSection(text, heading, note);
  });
  text = text
    .split(/\n\n/)
    .filter((paragraph) => !REPOSITORY_ONLY_PARAGRAPHS.some((start) => paragraph.startsWith(start)))
    .join('\n\n');
  text = text.replace(/ \(or `dist\/gateway-runtime\.js` after\s+`npm run build`\)/g, '');
  // Repository commands leave the code blocks; a block left empty goes too.
  text = text.replace(/```(\w*)\n([\s\S]*?)```\n?/g, (_whole, lang: string, body: string) => {
    const kept = body.split('\n').filter((line) => line === '' || !REPOSITORY_COMMAND.test(line.trim()));
    return kept.join('').trim() === '' ? '' : `\`\`\`${lang}\n${kept.join('\n')}\`\`\`\n`;
  });
  // Relative links to files the package does not ship point into the repository.
  text = text.replace(
    /\]\((?!https?:|#|mailto:)([^)\s#]+)(#[^)\s]*)?\)/g,
    (whole, target: string, anchor = '') => {
      const path = posix.normalize(posix.join(dir, target));
      if (shipped(path)) return whole;
      return `](${existsSync(join(root, path)) && !target.endsWith('/') ? blob(path) : `${repository}/tree/main/${path.replace(/\/$/, '')}`}${anchor})`;
    },
  );
  // Source files named in code spans (outside code blocks and links) become links into the repository.
  const parts = text.split(/(```[\s\S]*?```)/);
  for (let i = 0; i < parts.length; i += 2) {
    parts[i] = parts[i].replace(/(?<!\[)`([\w./-]+\.(?:ts|mjs|sh))`(?!\]\()/g, (whole, name: string) => {
      const candidates = [
        posix.join(dir, name),
        name,
        posix.join('test', dir, name),
        posix.join(dir, 'src', name),
      ];
      const found = candidates.find((c) => existsSync(join(root, c)));
      return found ? `[\`${name}\`](${blob(found)})` : whole;
    });
  }
  return parts.join('');
}
