/**
 * The commands the READMEs name are the commands the package installs: `bin` of package.json, the
 * subcommands in the CLIs' usage texts, and the repository's npm scripts.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { USAGE as BACKEND_LINK_USAGE } from '../../lib/cli/backend-link';
import { USAGE as GATEWAY_RUNTIME_USAGE } from '../../gateway-runtime/src/cli';

const ROOT = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const READMES = ['README.md', 'gateway-runtime/README.md'];
const bins = Object.keys(pkg.bin).sort();

/** The code in a Markdown file: fenced blocks and inline code spans. */
function code(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const prose = text.replace(/```[a-z]*\n[\s\S]*?```/g, '');
  const inline = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return [...fenced, ...inline];
}

/**
 * Where a command starts in a shell line: at its beginning (after `$`, `sudo`, `exec` or `npx`), or after
 * `&&`, `;`, `|` or `(`. Elsewhere the word is an argument: a group (`install -g gateway-runtime`), a unit
 * (`systemctl status gateway-runtime`), a package (`npm install backend-link`).
 */
const COMMAND_POSITION = /(^\s*(\$\s+)?((sudo|exec|npx(\s+--no-install)?)\s+)*|(&&|;|\||\()\s*)$/;

/** `<command> <first argument>` pairs wherever the code runs the command (not as a package name or path). */
function invocations(command: string): Array<[string, string]> {
  const pattern = new RegExp(`(?<![\\w./@'-])${command}(?![\\w/'.-])[ \\t]+([^\\s|\`]+)`, 'g');
  return READMES.flatMap((file) =>
    code(file).flatMap((snippet) =>
      [...snippet.matchAll(pattern)]
        .filter((m) => {
          const line = snippet.slice(snippet.lastIndexOf('\n', m.index) + 1, m.index);
          return COMMAND_POSITION.test(line);
        })
        .map((m): [string, string] => [file, m[1]]),
    ),
  );
}

/** The subcommands a usage text lists under "Commands:". */
function commandsOf(usage: string): string[] {
  const section = usage.slice(usage.indexOf('Commands:'));
  return [...section.split('\n\n')[0].matchAll(/^ {2}(\w[\w-]*) /gm)].map((m) => m[1]);
}

describe('command names in the READMEs, package.json and the CLIs', () => {
  it('installs backend-link, its backend-link-secret alias and gateway-runtime, each an existing source with a shebang', () => {
    expect(bins).toEqual(['backend-link', 'backend-link-secret', 'gateway-runtime']);
    for (const target of Object.values(pkg.bin)) {
      const source = join(ROOT, target.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      expect(readFileSync(source, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });

  it("names every installed command in the README's Install section", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('## Quick start'));
    for (const bin of bins) expect(install).toContain(`\`${bin}`);
  });

  it('runs through npx only installed commands or the repository’s own dev tools', () => {
    const tools = new Set([...bins, ...Object.keys(pkg.devDependencies), ...Object.keys(pkg.dependencies)]);
    const named = READMES.flatMap((file) =>
      code(file).flatMap((s) =>
        [...s.matchAll(/\bnpx\s+(?:--no-install\s+)?([\w@/.-]+)/g)].map((m) => `${file}: ${m[1]}`),
      ),
    );
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((n) => !tools.has(n.split(': ')[1]))).toEqual([]);
  });

  it('uses only the subcommands backend-link has', () => {
    const commands = commandsOf(BACKEND_LINK_USAGE);
    expect(commands).toEqual(['plan', 'stacks', 'handoff', 'secret', 'jwks']);
    const allowed = new Set([...commands, '--help', '-h', '--version', '<command>']);
    const used = invocations('backend-link');
    expect(used.map(([, sub]) => sub)).toEqual(expect.arrayContaining(['plan', 'handoff', 'secret', 'jwks']));
    expect(used.filter(([, sub]) => !allowed.has(sub))).toEqual([]);
  });

  it('uses only the subcommands gateway-runtime has', () => {
    const allowed = new Set([...commandsOf(GATEWAY_RUNTIME_USAGE), '--help']);
    expect(allowed).toContain('serve');
    const used = invocations('gateway-runtime');
    expect(used.length).toBeGreaterThan(2);
    expect(used.filter(([, sub]) => !allowed.has(sub))).toEqual([]);
  });

  it('names the single-file proxy the package ships', () => {
    expect(pkg.files).toContain('dist/gateway-runtime.js');
    for (const file of READMES)
      expect(readFileSync(join(ROOT, file), 'utf8')).toContain('node gateway-runtime.js serve --config');
  });

  it('names only npm scripts that exist', () => {
    const scripts = READMES.flatMap((file) =>
      code(file).flatMap((s) => [...s.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1])),
    );
    expect(scripts).toEqual(expect.arrayContaining(['example', 'handoff', 'build:runtime']));
    expect(scripts.filter((s) => !(s in pkg.scripts))).toEqual([]);
  });
});
