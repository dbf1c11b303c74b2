/**
 * Reads the package's public surface with the TypeScript compiler API: for each entry point of
 * package.json's `exports`, every exported name and its kind (class, interface, type, function, const,
 * enum, namespace), type-only exports marked. Entry points name what they export: an `export *` is refused,
 * since it would make every later export of that module public without a line in the entry point.
 *
 * Used by scripts/api-report.ts (`npm run api:report`) and test/api/api-report.test.ts.
 */
import { join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

export const API_REPORT_FILE = join(ROOT, 'api', 'backend-link.api.md');

/** The package's entry points (package.json `exports`) and their sources. */
export const ENTRY_POINTS = [
  { specifier: 'backend-link', source: join(ROOT, 'lib', 'index.ts') },
  { specifier: 'backend-link/runtime', source: join(ROOT, 'gateway-runtime', 'src', 'index.ts') },
] as const;

export interface ExportedName {
  readonly name: string;
  /** `class`, `interface`, `type`, `function`, `const`, `let`, `enum`, `namespace`, or several joined by ` + `. */
  readonly kind: string;
  /** A value (class, function, const) exported with `export type`: usable in types only, not at run time. */
  readonly typeOnly: boolean;
}

export class ApiReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiReportError';
  }
}

function kindsOf(symbol: ts.Symbol): string {
  const kinds: string[] = [];
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) kinds.push('class');
  if (f & ts.SymbolFlags.Interface) kinds.push('interface');
  if (f & ts.SymbolFlags.TypeAlias) kinds.push('type');
  if (f & ts.SymbolFlags.Function) kinds.push('function');
  if (f & ts.SymbolFlags.Enum) kinds.push(f & ts.SymbolFlags.ConstEnum ? 'const enum' : 'enum');
  if (f & ts.SymbolFlags.Variable) {
    const declaration = symbol.declarations?.find(ts.isVariableDeclaration);
    const list = declaration?.parent;
    kinds.push(
      list && ts.isVariableDeclarationList(list) && list.flags & ts.NodeFlags.Const ? 'const' : 'let',
    );
  }
  if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule) && !(f & ts.SymbolFlags.Enum)) {
    kinds.push('namespace');
  }
  if (kinds.length === 0) throw new ApiReportError(`${symbol.name}: no kind for symbol flags ${f}`);
  return kinds.join(' + ');
}

/** The exports of one entry file, read from its `export { ... } from` and `export type { ... } from` lines. */
function exportsOf(program: ts.Program, file: string): Array<ExportedName & { symbol: ts.Symbol }> {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new ApiReportError(`${file} is not in the program`);
  const where = relative(ROOT, file);
  const names: Array<ExportedName & { symbol: ts.Symbol }> = [];
  for (const statement of source.statements) {
    const exported =
      ts.canHaveModifiers(statement) &&
      ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && !ts.isExportDeclaration(statement)) {
      throw new ApiReportError(
        `${where} declares an export (line ${source.getLineAndCharacterOfPosition(statement.getStart()).line + 1}): an entry point only re-exports, by name`,
      );
    }
    if (ts.isExportAssignment(statement)) {
      throw new ApiReportError(`${where} has an \`export =\` or \`export default\`: re-export by name`);
    }
    if (!ts.isExportDeclaration(statement)) continue;
    const clause = statement.exportClause;
    if (!clause || !ts.isNamedExports(clause)) {
      throw new ApiReportError(
        `${where}: \`${statement.getText(source)}\` exports a whole module: name each export (an internal helper is not API)`,
      );
    }
    for (const specifier of clause.elements) {
      const alias = checker.getSymbolAtLocation(specifier.name);
      if (!alias) throw new ApiReportError(`${where}: no symbol for ${specifier.name.text}`);
      const target = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias;
      if (target.flags & ts.SymbolFlags.Alias || checker.isUnknownSymbol(target)) {
        throw new ApiReportError(`${where}: ${specifier.name.text} does not resolve to a declaration`);
      }
      names.push({
        name: specifier.name.text,
        kind: kindsOf(target),
        // Marked only on a value (a class, function, const): an interface or type is a type either way.
        typeOnly:
          (statement.isTypeOnly || specifier.isTypeOnly) && (target.flags & ts.SymbolFlags.Value) !== 0,
        symbol: target,
      });
    }
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.name)) throw new ApiReportError(`${where} exports ${n.name} twice`);
    seen.add(n.name);
  }
  return names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface EntryPointApi {
  readonly specifier: string;
  readonly source: string;
  readonly names: ExportedName[];
  /**
   * Types of this repository that the exported declarations refer to (a prop's type, a public member's, a
   * parameter's) but that no entry point exports: a user can use them but not name them. Each with the
   * exported names that refer to it.
   */
  readonly unexportedReferences: ReadonlyArray<{ readonly name: string; readonly from: readonly string[] }>;
}

const isOwnSource = (file: string) => !file.includes('/node_modules/') && file.startsWith(ROOT);

/** The declarations' public type references (members, parameters, return types, heritage), not bodies. */
function referencedSymbols(checker: ts.TypeChecker, symbol: ts.Symbol): Set<ts.Symbol> {
  const found = new Set<ts.Symbol>();
  const visit = (node: ts.Node): void => {
    if (
      (ts.isPropertyDeclaration(node) ||
        ts.isMethodDeclaration(node) ||
        ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node) ||
        ts.isConstructorDeclaration(node)) &&
      (ts.getCombinedModifierFlags(node) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) ||
        (node.name !== undefined && ts.isPrivateIdentifier(node.name)))
    ) {
      return;
    }
    if (ts.isParameter(node) && ts.isConstructorDeclaration(node.parent)) {
      // `constructor(private readonly x: T)` is private; a plain parameter is public.
      if (ts.getCombinedModifierFlags(node) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return;
    }
    if (ts.isBlock(node)) return; // function and method bodies
    if (ts.isVariableDeclaration(node)) {
      if (node.type) visit(node.type);
      return; // an initializer's types are inferred: not named by the declaration
    }
    if (ts.isPropertyDeclaration(node) && node.initializer && !node.type) return;
    // `typeof X` is left out: it names a value (a definition table), not a type a user would import.
    if (ts.isTypeQueryNode(node)) return;
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      let s = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : name);
      if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
      if (s && !(s.flags & ts.SymbolFlags.TypeParameter)) found.add(s);
    }
    ts.forEachChild(node, visit);
  };
  for (const d of symbol.declarations ?? []) {
    if (ts.isVariableDeclaration(d)) {
      if (d.type) visit(d.type);
    } else {
      visit(d);
    }
  }
  found.delete(symbol);
  return found;
}

/** The exported names of every entry point, read from the sources with the repository's tsconfig. */
export function readApi(
  entryPoints: ReadonlyArray<{ readonly specifier: string; readonly source: string }> = ENTRY_POINTS,
): EntryPointApi[] {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (config.error) throw new ApiReportError(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram({
    rootNames: entryPoints.map((e) => e.source),
    // Export resolution only: no emit, no library type checks.
    options: { ...options, noEmit: true, skipLibCheck: true, types: [] },
  });
  const checker = program.getTypeChecker();
  const entries = entryPoints.map((entry) => ({ entry, exported: exportsOf(program, entry.source) }));
  // A type exported by either entry point has a name users can import.
  const named = new Set<ts.Symbol>(entries.flatMap((e) => e.exported.map((x) => x.symbol)));
  return entries.map(({ entry, exported }) => {
    const references = new Map<string, Set<string>>();
    for (const x of exported) {
      for (const s of referencedSymbols(checker, x.symbol)) {
        if (named.has(s)) continue;
        const files = (s.declarations ?? []).map((d) => d.getSourceFile().fileName);
        if (files.length === 0 || !files.every(isOwnSource)) continue;
        const key = `${s.name} (${relative(ROOT, files[0])})`;
        if (!references.has(key)) references.set(key, new Set());
        references.get(key)!.add(x.name);
      }
    }
    return {
      specifier: entry.specifier,
      source: relative(ROOT, entry.source),
      names: exported.map(({ name, kind, typeOnly }) => ({ name, kind, typeOnly })),
      unexportedReferences: [...references.keys()].sort().map((name) => ({
        name,
        from: [...references.get(name)!].sort(),
      })),
    };
  });
}

/** The report's text: one Markdown section per entry point, one line per exported name. */
export function apiReportText(api = readApi()): string {
  const lines = [
    '# backend-link: public API',
    '',
    '<!-- Generated by `npm run api:report` (scripts/api-report.ts) from the entry points. Do not edit by hand:',
    '     change the entry point, run the script and commit both. test/api/api-report.test.ts compares. -->',
    '',
    'Every name the package exports, with its kind. `(type-only)` marks a class, function or const exported with',
    '`export type`: usable in types only, not at run time.',
  ];
  for (const entry of api) {
    lines.push(
      '',
      `## \`${entry.specifier}\` (${entry.source}): ${entry.names.length} names`,
      '',
      '```',
      ...entry.names.map((n) => `${n.kind}${n.typeOnly ? ' (type-only)' : ''} ${n.name}`),
      '```',
    );
    if (entry.unexportedReferences.length > 0) {
      lines.push(
        '',
        'Types the exported declarations refer to that no entry point exports (usable, but not by name):',
        '',
        '```',
        ...entry.unexportedReferences.map((r) => `not exported ${r.name}: in ${r.from.join(', ')}`),
        '```',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The entry lines of a report, keyed by section: `backend-link: class GatewayPlatform`. */
function reportLines(text: string): string[] {
  const lines: string[] = [];
  let section = '';
  let inBlock = false;
  for (const line of text.split('\n')) {
    const heading = /^## `([^`]+)`/.exec(line);
    if (heading) section = heading[1];
    else if (line === '```') inBlock = !inBlock;
    else if (inBlock && line.trim()) lines.push(`${section}: ${line}`);
  }
  return lines;
}

/**
 * What changed between two reports, one line per name (`+` exported now, `-` no longer exported; a name
 * whose kind changed shows both), or '' when the exported surface is the same.
 */
export function diffApiReports(committed: string, current: string): string {
  const before = reportLines(committed);
  const after = reportLines(current);
  const removed = before.filter((l) => !after.includes(l)).map((l) => `- ${l}`);
  const added = after.filter((l) => !before.includes(l)).map((l) => `+ ${l}`);
  const changed = [...removed, ...added];
  if (changed.length === 0 && committed !== current) {
    return '  (the names are the same; the file differs in its other text)';
  }
  return changed.map((l) => `  ${l}`).join('\n');
}
