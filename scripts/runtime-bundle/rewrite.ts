/**
 * The rewrites of the runtime bundle's text after esbuild (text rewrites, not plugins: the standalone proxy
 * and the repository's tests build with `buildSync`, which takes none; the family plugin of families.ts only
 * swaps scheme factories, in the Lambda bundles' asynchronous builds): llhttp's WebAssembly as
 * a brotli-compressed literal, stand-ins for left-out modules that are required as soon as their importer
 * loads, and literals of the exports read for modules kept only in part (`SLIMMED_MODULES`). All work on
 * exact text found through esbuild's metafile, and fail the build, naming undici's version, when
 * undici's shape is not the one they expect, so a new undici never yields a bundle that is silently
 * bigger or broken. They run when the package is built (`npm run build`), never at a user's synth.
 */
import type { BuildOptions, Metafile } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';

/**
 * undici's llhttp WebAssembly modules (the HTTP/1.1 response parser): each exports a Buffer decoded
 * from one base64 literal (72 KB for 54 KB of WebAssembly). The SIMD one is in every runtime bundle;
 * the other (for CPUs without WebAssembly SIMD) in the standalone proxy only.
 */
export const LLHTTP_WASM_MODULES = ['lib/llhttp/llhttp_simd-wasm.js', 'lib/llhttp/llhttp-wasm.js'] as const;
const SIMD_WASM_MODULE = LLHTTP_WASM_MODULES[0];

/**
 * What a `require` of a left-out module (external, see `LAMBDA_LEFT_OUT`) becomes when its importer
 * requires it as soon as it loads, keyed by the import path as the importer writes it. undici's
 * client requires its HTTP/2 client eagerly, but calls it only for a connection that negotiated `h2`
 * in ALPN, which undici offers only with `allowH2` (the runtime never sets it); in the Lambda bundle
 * `node:http2` is left out too, so that HTTP/2 client could not work anyway. Should a connection ever
 * get there, undici's client catches the error and fails the request with it.
 */
export const LEFT_OUT_STAND_INS: Readonly<Record<string, string>> = {
  './client-h2.js': `(()=>{throw new Error("undici's HTTP/2 client is left out of the gateway runtime's Lambda bundle")})`,
};

/**
 * A left-out undici module that the Lambda bundle holds only in part: a literal of the exports its one
 * importer reads, taken from the module itself at build time (so its values are undici's, never copied
 * into this repository).
 */
export interface SlimmedModule {
  /** The module, inside undici's package. */
  readonly module: string;
  /** The one undici module that requires it (inside undici's package)... */
  readonly importer: string;
  /** ...into this local name, read only as `binding.EXPORT` with EXPORT one of `exports`. */
  readonly binding: string;
  /** The exports the importer reads: plain data (numbers, strings, objects of them), written as a literal. */
  readonly exports: readonly string[];
}

/**
 * Left-out modules (see `LAMBDA_LEFT_OUT`) that become a literal of the exports their importer reads,
 * keyed by the import path as the importer writes it. llhttp's constants (10.7 KB minified, with its
 * helper) are tables of every HTTP method, status and character class, for llhttp's generator; undici's
 * HTTP/1.1 client reads two of them, the parser's error codes (`ERROR`) and parser types (`TYPE`), 0.8 KB.
 * The build checks the importer's source reads nothing else and fails (RuntimeBundleShapeError) if it does.
 */
export const SLIMMED_MODULES: Readonly<Record<string, SlimmedModule>> = {
  '../llhttp/constants.js': {
    module: 'lib/llhttp/constants.js',
    importer: 'lib/dispatcher/client-h1.js',
    binding: 'constants',
    exports: ['ERROR', 'TYPE'],
  },
};

/** The build produced a bundle that the rewrites can not handle: undici's shape changed. */
export class RuntimeBundleShapeError extends Error {
  readonly code = 'RUNTIME_BUNDLE_SHAPE';
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeBundleShapeError';
  }
}

/** One rewrite's figures, for the build's report and the tests. */
export interface BundleRewrite {
  /** What was replaced: an undici module (its path inside the package) or an import path. */
  readonly what: string;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/**
 * Rewrites esbuild's output (`code`, the one output file of the build that `metafile` describes):
 * every llhttp WebAssembly literal in it becomes `brotliDecompressSync(...)` of a base64 literal of
 * its brotli form (the module is evaluated when undici creates its first parser, so the decompression,
 * 1.7 to 3.2 ms with loading `node:zlib` on a cold start here, happens on the first request, not at
 * module load), every
 * `require` of a left-out module listed in `LEFT_OUT_STAND_INS` becomes its stand-in, and every `require`
 * of one listed in `SLIMMED_MODULES` the literal of the exports its importer reads.
 *
 * The output is deterministic: the same input and the same brotli (Node's `process.versions.brotli`)
 * give the same bytes.
 *
 * @throws RuntimeBundleShapeError when the bundle holds no llhttp SIMD module, when a module's literal
 * (the base64 of the Buffer the module exports) is not in the output exactly once, or when a left-out
 * module's `require` calls are not in the output as many times as the metafile counts them, or when a
 * slimmed module has another importer, is read for more than its kept exports, or they are not plain data.
 */
export function rewriteRuntimeBundle(
  code: string,
  metafile: Metafile,
  options: Pick<BuildOptions, 'absWorkingDir' | 'format'>,
): { code: string; rewrites: BundleRewrite[] } {
  if (options.format !== 'cjs') {
    // The replacements call `require`, which only a CommonJS bundle has.
    throw new RuntimeBundleShapeError(`the runtime bundle must be CommonJS, not ${options.format}`);
  }
  const outputs = Object.values(metafile.outputs);
  if (outputs.length !== 1) {
    throw new RuntimeBundleShapeError(`the runtime bundle must be one file, esbuild wrote ${outputs.length}`);
  }
  const [output] = outputs;
  const cwd = options.absWorkingDir ?? process.cwd();
  // The metafile's input paths: relative to the working directory, with `/` on every platform.
  const inputs = Object.keys(output.inputs);
  const undici = undiciPackage(inputs, cwd);
  const rewrites: BundleRewrite[] = [];

  for (const module of LLHTTP_WASM_MODULES) {
    const input = inputs.find((i) => undici && i === `${undici.input}/${module}`);
    if (!input) {
      if (module === SIMD_WASM_MODULE) {
        throw new RuntimeBundleShapeError(
          `the runtime bundle holds no undici/${module} (${undici ? `undici ${undici.version}` : 'no undici module at all'}): ` +
            `scripts/runtime-bundle/rewrite.ts compresses llhttp's WebAssembly by that module's path`,
        );
      }
      continue;
    }
    const wasm = wasmOf(resolve(cwd, input), module, undici!.version);
    const literal = wasm.toString('base64');
    const found = ['"', "'", '`']
      .map((quote) => `${quote}${literal}${quote}`)
      .filter((l) => code.includes(l));
    const count = found.reduce((n, l) => n + code.split(l).length - 1, 0);
    if (count !== 1) {
      throw new RuntimeBundleShapeError(
        `undici ${undici!.version}: the bundle holds the base64 literal of undici/${module}'s WebAssembly ` +
          `${count} times, expected exactly once (scripts/runtime-bundle/rewrite.ts replaces it with its brotli form)`,
      );
    }
    const compressed = brotliCompressSync(wasm, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: wasm.byteLength,
      },
    });
    if (!brotliDecompressSync(compressed).equals(wasm)) {
      throw new RuntimeBundleShapeError(`brotli did not give back undici/${module}'s WebAssembly`);
    }
    const replacement =
      `require("node:zlib").brotliDecompressSync(require("node:buffer").Buffer.from(` +
      `"${compressed.toString('base64')}","base64")).toString("base64")`;
    code = code.replace(found[0], () => replacement);
    rewrites.push({ what: `undici/${module}`, bytesBefore: found[0].length, bytesAfter: replacement.length });
  }

  const leftOut = new Map<string, number>();
  for (const i of output.imports) {
    if (i.external && (Object.hasOwn(LEFT_OUT_STAND_INS, i.path) || Object.hasOwn(SLIMMED_MODULES, i.path)))
      leftOut.set(i.path, (leftOut.get(i.path) ?? 0) + 1);
  }
  for (const [path, expected] of leftOut) {
    const call = `require(${JSON.stringify(path)})`;
    const count = code.split(call).length - 1;
    if (count !== expected) {
      throw new RuntimeBundleShapeError(
        `${undici ? `undici ${undici.version}` : 'the runtime bundle'}: ${call} is in the bundle ${count} times, ` +
          `the metafile counts ${expected} (scripts/runtime-bundle/rewrite.ts replaces each with a stand-in)`,
      );
    }
    const standIn = Object.hasOwn(SLIMMED_MODULES, path)
      ? slimmedModule(path, SLIMMED_MODULES[path], metafile, undici, cwd)
      : LEFT_OUT_STAND_INS[path];
    code = code.split(call).join(standIn);
    rewrites.push({ what: path, bytesBefore: call.length * count, bytesAfter: standIn.length * count });
  }
  return { code, rewrites };
}

/**
 * The undici package the bundle's undici modules come from: its directory as the metafile writes it
 * (`node_modules/undici`, or nested, as pnpm and npm install it) and its version.
 */
function undiciPackage(
  inputs: readonly string[],
  cwd: string,
): { input: string; version: string } | undefined {
  const marker = /(?:^|\/)node_modules\/undici\//;
  const first = inputs.find((i) => marker.test(i));
  if (!first) return undefined;
  const input = first.slice(0, first.lastIndexOf('node_modules/undici/') + 'node_modules/undici'.length);
  const manifest = resolve(cwd, input, 'package.json');
  const version = existsSync(manifest)
    ? String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version)
    : 'of unknown version';
  return { input, version };
}

/** The WebAssembly a llhttp module exports (it decodes its literal when read). */
function wasmOf(file: string, module: string, version: string): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported: unknown = require(file);
  if (!Buffer.isBuffer(exported) || exported.subarray(0, 4).toString('latin1') !== '\0asm') {
    throw new RuntimeBundleShapeError(
      `undici ${version}: undici/${module} exports no WebAssembly Buffer (scripts/runtime-bundle/rewrite.ts compresses its literal)`,
    );
  }
  return exported;
}

/**
 * The literal a slimmed module's `require` becomes: `({EXPORT:value,...})` with the module's own values,
 * after checking that undici's importer is the only module of the bundle requiring it and, in its
 * source, reads nothing else of it.
 */
function slimmedModule(
  path: string,
  slim: SlimmedModule,
  metafile: Metafile,
  undici: { input: string; version: string } | undefined,
  cwd: string,
): string {
  const fail = (problem: string) =>
    new RuntimeBundleShapeError(
      `${undici ? `undici ${undici.version}` : 'the runtime bundle'}: ${problem} ` +
        `(scripts/runtime-bundle/rewrite.ts keeps only ${slim.exports.join(', ')} of undici/${slim.module})`,
    );
  const expected = undici && `${undici.input}/${slim.importer}`;
  const importers = Object.entries(metafile.inputs)
    .filter(([, input]) => input.imports.some((i) => i.external && i.path === path))
    .map(([name]) => name);
  if (!expected || importers.length !== 1 || importers[0] !== expected) {
    throw fail(
      `require(${JSON.stringify(path)}) comes from ${importers.join(', ') || 'no module'}, expected undici/${slim.importer} only`,
    );
  }
  const source = readFileSync(resolve(cwd, expected), 'utf8');
  const declaration = `const ${slim.binding} = require('${path}')`;
  if (source.split(declaration).length - 1 !== 1) {
    throw fail(`undici/${slim.importer} does not hold \`${declaration}\` exactly once`);
  }
  // Every other mention of the binding (code or comment) must be `binding.EXPORT` with a kept EXPORT.
  const mentions = [
    ...source
      .replace(declaration, '')
      .matchAll(new RegExp(`(?<![\\w$.])${slim.binding}(?![\\w$])(?:\\.([A-Za-z_$][\\w$]*))?`, 'g')),
  ];
  const reads = mentions.filter((m) => m[1] !== undefined);
  const others = [...new Set(reads.filter((m) => !slim.exports.includes(m[1])).map((m) => m[0]))];
  if (mentions.length !== reads.length) others.push(`${slim.binding} itself`);
  if (others.length > 0) throw fail(`undici/${slim.importer} reads ${others.join(', ')}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(resolve(cwd, undici!.input, slim.module)) as Record<string, unknown>;
  const fields = slim.exports.map((name) => {
    const value = exported[name];
    const text = value === undefined ? undefined : JSON.stringify(value);
    if (text === undefined || !isDeepStrictEqual(JSON.parse(text), value)) {
      throw fail(`undici/${slim.module} exports no plain-data ${name}`);
    }
    return `${name}:${text}`;
  });
  return `({${fields.join(',')}})`;
}
