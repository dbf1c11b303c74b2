/**
 * The rewrites of the runtime bundle after esbuild: on the real Lambda build, and on real esbuild builds
 * of small entries and of stand-in undici packages whose shape differs, where the build must fail loudly.
 */
import { buildSync, BuildOptions, Metafile } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  LEFT_OUT_STAND_INS,
  RuntimeBundleShapeError,
  SLIMMED_MODULES,
  rewriteRuntimeBundle,
} from '../../../scripts/runtime-bundle/rewrite';
import {
  RUNTIME_EXTERNALS,
  buildRuntimeCode,
  runtimeBuildOptions,
  standaloneBuildOptions,
} from '../../../scripts/build-runtime';

jest.setTimeout(60_000);

/* eslint-disable @typescript-eslint/no-require-imports */
const UNDICI_VERSION = (require('undici/package.json') as { version: string }).version;
const SIMD_LITERAL = (require('undici/lib/llhttp/llhttp_simd-wasm.js') as Buffer).toString('base64');
/* eslint-enable @typescript-eslint/no-require-imports */

/** How often `text` is in `code` (a count, so that a failure does not print the whole bundle). */
const timesIn = (code: string, text: string) => code.split(text).length - 1;

/** The Lambda build as esbuild writes it, before the rewrites. */
function esbuildOutput(options: BuildOptions): { code: string; metafile: Metafile } {
  const result = buildSync({ ...options, write: false, metafile: true, outfile: 'index.js' });
  return { code: result.outputFiles[0].text, metafile: result.metafile };
}

/** Catches what `run` throws, so that a test can assert its class, code and message. */
function thrown(run: () => unknown): RuntimeBundleShapeError {
  try {
    run();
  } catch (error) {
    if (error instanceof RuntimeBundleShapeError) return error;
    throw error;
  }
  throw new Error('expected a RuntimeBundleShapeError, nothing was thrown');
}

let lambda: { code: string; metafile: Metafile };
let dir: string;
beforeAll(() => {
  lambda = esbuildOutput(runtimeBuildOptions(RUNTIME_EXTERNALS));
  dir = mkdtempSync(join(tmpdir(), 'bundle-rewrite-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes files (path → content) under a fresh directory and returns it. */
function project(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** A stand-in undici package whose llhttp SIMD module is `simdModule`, and an entry that loads it. */
function fakeUndici(name: string, simdModule: string): BuildOptions {
  const root = project(name, {
    'node_modules/undici/package.json': JSON.stringify({ name: 'undici', version: '99.0.0-test' }),
    'node_modules/undici/lib/llhttp/llhttp_simd-wasm.js': simdModule,
    'entry.js': "module.exports = () => require('undici/lib/llhttp/llhttp_simd-wasm.js');",
  });
  return { ...runtimeBuildOptions([], join(root, 'entry.js'), []), absWorkingDir: root };
}

describe('rewriteRuntimeBundle', () => {
  it("replaces llhttp's SIMD literal with a brotli form that gives back exactly undici's literal", () => {
    // GIVEN the Lambda build as esbuild writes it
    expect(timesIn(lambda.code, SIMD_LITERAL)).toBe(1);
    // WHEN it is rewritten
    const { code, rewrites } = rewriteRuntimeBundle(lambda.code, lambda.metafile, { format: 'cjs' });
    // THEN the literal is gone, and the expression in its place evaluates to the same string
    expect(timesIn(code, SIMD_LITERAL)).toBe(0);
    const expression =
      /require\("node:zlib"\)\.brotliDecompressSync\(require\("node:buffer"\)\.Buffer\.from\("[A-Za-z0-9+/=]+","base64"\)\)\.toString\("base64"\)/.exec(
        code,
      );
    expect(expression).not.toBeNull();
    const evaluate = new Function('require', `return ${expression![0]}`) as (r: NodeRequire) => string;
    expect(evaluate(require) === SIMD_LITERAL).toBe(true);
    // AND the figures: 72 KB of base64 become about 20 KB, llhttp's constants the two tables read, the
    // HTTP/2 client's require a stand-in
    expect(rewrites.map((r) => r.what)).toEqual([
      'undici/lib/llhttp/llhttp_simd-wasm.js',
      '../llhttp/constants.js',
      './client-h2.js',
    ]);
    expect(rewrites[0].bytesBefore).toBe(SIMD_LITERAL.length + 2);
    expect(rewrites[0].bytesAfter).toBeLessThan(rewrites[0].bytesBefore / 3);
    expect(timesIn(code, LEFT_OUT_STAND_INS['./client-h2.js'])).toBe(1);
    expect(timesIn(code, 'require("./client-h2.js")')).toBe(0);
  });

  it("replaces llhttp's constants with a literal of the two tables undici's HTTP/1.1 client reads, undici's own values", () => {
    const { code } = rewriteRuntimeBundle(lambda.code, lambda.metafile, { format: 'cjs' });
    expect(timesIn(code, 'require("../llhttp/constants.js")')).toBe(0);
    const literal = /\(\{ERROR:\{[^}]*\},TYPE:\{[^}]*\}\}\)/.exec(code);
    expect(literal).not.toBeNull();
    expect(timesIn(code, literal![0])).toBe(1);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const constants = require('undici/lib/llhttp/constants.js') as Record<string, unknown>;
    expect(new Function(`return ${literal![0]}`)()).toStrictEqual({
      ERROR: constants.ERROR,
      TYPE: constants.TYPE,
    });
    expect(Object.keys(SLIMMED_MODULES)).toEqual(['../llhttp/constants.js']);
  });

  it("leaves a left-out module's require alone when it has no stand-in (a lazy require the Lambda never reaches)", () => {
    const { code } = rewriteRuntimeBundle(lambda.code, lambda.metafile, { format: 'cjs' });
    expect(timesIn(code, 'require("../llhttp/llhttp-wasm.js")')).toBe(1);
    expect(timesIn(code, 'require("../web/fetch/body.js")')).toBe(1);
  });

  it.each([
    ['missing', (code: string) => code.replace(`"${SIMD_LITERAL}"`, '""'), 0],
    ['there twice', (code: string) => `${code}\nvar again="${SIMD_LITERAL}";`, 2],
  ])(
    'fails when the SIMD literal is %s: the message names undici and its version',
    (_what, change, times) => {
      const error = thrown(() =>
        rewriteRuntimeBundle(change(lambda.code), lambda.metafile, { format: 'cjs' }),
      );
      expect(error.code).toBe('RUNTIME_BUNDLE_SHAPE');
      expect(error.message).toBe(
        `undici ${UNDICI_VERSION}: the bundle holds the base64 literal of undici/lib/llhttp/llhttp_simd-wasm.js's ` +
          `WebAssembly ${times} times, expected exactly once (scripts/runtime-bundle/rewrite.ts replaces it with its brotli form)`,
      );
    },
  );

  it("fails when the HTTP/2 client's require is not in the bundle as the metafile counts it", () => {
    const changed = lambda.code.replace('require("./client-h2.js")', "require('./client-h2.js')");
    const error = thrown(() => rewriteRuntimeBundle(changed, lambda.metafile, { format: 'cjs' }));
    expect(error.code).toBe('RUNTIME_BUNDLE_SHAPE');
    expect(error.message).toBe(
      `undici ${UNDICI_VERSION}: require("./client-h2.js") is in the bundle 0 times, the metafile counts 1 ` +
        '(scripts/runtime-bundle/rewrite.ts replaces each with a stand-in)',
    );
  });

  it('fails when the bundle is not CommonJS (the replacements call require)', () => {
    const error = thrown(() => rewriteRuntimeBundle(lambda.code, lambda.metafile, { format: 'esm' }));
    expect(error.code).toBe('RUNTIME_BUNDLE_SHAPE');
    expect(error.message).toBe('the runtime bundle must be CommonJS, not esm');
  });

  it.each([
    ['no undici module at all', 'module.exports = 1;', 'no undici module at all'],
    [
      "undici's errors only",
      "module.exports = require('undici/lib/core/errors.js');",
      `undici ${UNDICI_VERSION}`,
    ],
  ])('fails when the bundle holds no llhttp SIMD module (%s)', (name, entry, which) => {
    // GIVEN a real build of an entry that does not reach llhttp
    const root = project(name.replace(/\W+/g, '-'), { 'entry.js': entry });
    const options = {
      ...runtimeBuildOptions([], join(root, 'entry.js'), []),
      nodePaths: [join(__dirname, '../../../node_modules')],
    };
    // WHEN it is built THEN the build fails, saying what it looked for
    const error = thrown(() => buildRuntimeCode(options));
    expect(error.code).toBe('RUNTIME_BUNDLE_SHAPE');
    expect(error.message).toBe(
      `the runtime bundle holds no undici/lib/llhttp/llhttp_simd-wasm.js (${which}): ` +
        "scripts/runtime-bundle/rewrite.ts compresses llhttp's WebAssembly by that module's path",
    );
  });

  it('fails when a new undici holds its WebAssembly in another form than one base64 literal', () => {
    // GIVEN an undici whose llhttp module builds its Buffer from hex
    const wasm = Buffer.from('0061736d01000000', 'hex');
    const options = fakeUndici(
      'hex-undici',
      `module.exports = Buffer.from('${wasm.toString('hex')}', 'hex');`,
    );
    // WHEN the bundle is built THEN the build fails, naming that undici's version
    const error = thrown(() => buildRuntimeCode(options));
    expect(error.message).toBe(
      "undici 99.0.0-test: the bundle holds the base64 literal of undici/lib/llhttp/llhttp_simd-wasm.js's " +
        'WebAssembly 0 times, expected exactly once (scripts/runtime-bundle/rewrite.ts replaces it with its brotli form)',
    );
  });

  it('fails when a new undici’s llhttp module exports something else than a WebAssembly Buffer', () => {
    const options = fakeUndici('string-undici', "module.exports = 'AGFzbQEAAAA=';");
    const error = thrown(() => buildRuntimeCode(options));
    expect(error.message).toBe(
      'undici 99.0.0-test: undici/lib/llhttp/llhttp_simd-wasm.js exports no WebAssembly Buffer ' +
        '(scripts/runtime-bundle/rewrite.ts compresses its literal)',
    );
  });

  it('rewrites a stand-in undici of the expected shape, and the bundle gives back its WebAssembly', () => {
    // GIVEN an undici whose module has the shape of undici's (a getter decoding one base64 literal)
    const wasm = Buffer.concat([Buffer.from('0061736d01000000', 'hex'), Buffer.alloc(4096, 7)]);
    const options = fakeUndici(
      'shaped-undici',
      `const { Buffer } = require('node:buffer');
       const wasmBase64 = '${wasm.toString('base64')}';
       let wasmBuffer;
       Object.defineProperty(module, 'exports', { get: () => wasmBuffer ? wasmBuffer : (wasmBuffer = Buffer.from(wasmBase64, 'base64')) });`,
    );
    // WHEN it is bundled, written and loaded
    const code = buildRuntimeCode(options);
    expect(timesIn(code.toString('utf8'), wasm.toString('base64'))).toBe(0);
    const file = join(dir, 'shaped-undici', 'out.js');
    writeFileSync(file, code);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require(file) as () => Buffer;
    // THEN the module the bundle holds exports the same bytes
    expect(load().equals(wasm)).toBe(true);
  });
});

/**
 * A stand-in undici whose HTTP/1.1 client (`clientH1`, its source) requires llhttp's constants, and an
 * entry that loads it; `others` are more undici modules the entry loads.
 */
function constantsUndici(name: string, clientH1: string, others: Record<string, string> = {}): BuildOptions {
  const wasm = Buffer.concat([Buffer.from('0061736d01000000', 'hex'), Buffer.alloc(64, 7)]);
  const root = project(name, {
    'node_modules/undici/package.json': JSON.stringify({ name: 'undici', version: '99.0.0-test' }),
    'node_modules/undici/lib/llhttp/llhttp_simd-wasm.js': `module.exports = Buffer.from('${wasm.toString('base64')}', 'base64');`,
    'node_modules/undici/lib/llhttp/constants.js': [
      'exports.ERROR = { OK: 0, PAUSED: 21 };',
      'exports.TYPE = { BOTH: 0, RESPONSE: 2 };',
      "exports.METHODS = { GET: 1, 'M-SEARCH': 24 };",
      "exports.ALPHA = ['a', 'b', 'c'];",
    ].join('\n'),
    'node_modules/undici/lib/dispatcher/client-h1.js': clientH1,
    ...Object.fromEntries(
      Object.entries(others).map(([path, text]) => [`node_modules/undici/${path}`, text]),
    ),
    'entry.js': [
      "require('undici/lib/llhttp/llhttp_simd-wasm.js');",
      ...Object.keys(others).map((path) => `require('undici/${path}');`),
      "module.exports = require('undici/lib/dispatcher/client-h1.js');",
    ].join('\n'),
  });
  return {
    ...runtimeBuildOptions([], join(root, 'entry.js'), ['*/llhttp/constants.js']),
    absWorkingDir: root,
  };
}

describe("llhttp's constants, slimmed", () => {
  const declaration = "const constants = require('../llhttp/constants.js')\n";

  it('keeps the tables the importer reads with the values of the undici it is built from', () => {
    // GIVEN an undici whose client reads ERROR and TYPE (in code and in a comment)
    const options = constantsUndici(
      'slim-undici',
      `${declaration}// returns \`constants.ERROR.OK\`\nmodule.exports = () => [constants.ERROR.PAUSED, constants.TYPE.RESPONSE, constants.ERROR[21]];`,
    );
    // WHEN it is bundled and loaded
    const code = buildRuntimeCode(options);
    expect(timesIn(code.toString('utf8'), 'M-SEARCH')).toBe(0);
    const file = join(dir, 'slim-undici', 'out.js');
    writeFileSync(file, code);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const read = require(file) as () => unknown[];
    // THEN the client reads the same values as from the module
    expect(read()).toEqual([21, 2, undefined]);
  });

  it.each([
    ['another table', 'module.exports = () => constants.METHODS.GET;', 'constants.METHODS'],
    ['the module as a whole', 'module.exports = () => Object.keys(constants);', 'constants itself'],
  ])(
    'fails when undici’s client reads %s: the message names undici and what it reads',
    (_what, use, read) => {
      const error = thrown(() =>
        buildRuntimeCode(constantsUndici(`reads-${read.replace(/\W+/g, '-')}`, `${declaration}${use}`)),
      );
      expect(error.code).toBe('RUNTIME_BUNDLE_SHAPE');
      expect(error.message).toBe(
        `undici 99.0.0-test: undici/lib/dispatcher/client-h1.js reads ${read} ` +
          '(scripts/runtime-bundle/rewrite.ts keeps only ERROR, TYPE of undici/lib/llhttp/constants.js)',
      );
    },
  );

  it('fails when another undici module requires the constants too', () => {
    const options = constantsUndici(
      'two-importers',
      `${declaration}module.exports = () => constants.TYPE.RESPONSE;`,
      {
        'lib/dispatcher/other.js': "module.exports = require('../llhttp/constants.js').METHODS;",
      },
    );
    const error = thrown(() => buildRuntimeCode(options));
    expect(error.message).toBe(
      'undici 99.0.0-test: require("../llhttp/constants.js") comes from node_modules/undici/lib/dispatcher/other.js, ' +
        'node_modules/undici/lib/dispatcher/client-h1.js, expected undici/lib/dispatcher/client-h1.js only ' +
        '(scripts/runtime-bundle/rewrite.ts keeps only ERROR, TYPE of undici/lib/llhttp/constants.js)',
    );
  });

  it('fails when the constants module exports a kept table that is not plain data', () => {
    const options = constantsUndici(
      'function-table',
      `${declaration}module.exports = () => constants.TYPE.RESPONSE;`,
    );
    const constantsFile = join(dir, 'function-table', 'node_modules/undici/lib/llhttp/constants.js');
    writeFileSync(constantsFile, 'exports.ERROR = { OK: 0 };\nexports.TYPE = { RESPONSE: () => 2 };');
    const error = thrown(() => buildRuntimeCode(options));
    expect(error.message).toBe(
      'undici 99.0.0-test: undici/lib/llhttp/constants.js exports no plain-data TYPE ' +
        '(scripts/runtime-bundle/rewrite.ts keeps only ERROR, TYPE of undici/lib/llhttp/constants.js)',
    );
  });
});

describe('buildRuntimeCode', () => {
  it.each([
    ['the Lambda bundle', () => runtimeBuildOptions(RUNTIME_EXTERNALS)],
    ['the standalone proxy', () => standaloneBuildOptions()],
  ])('is deterministic: %s built twice is the same bytes', (_what, options) => {
    const first = buildRuntimeCode(options());
    const second = buildRuntimeCode(options());
    expect(first.equals(second)).toBe(true);
  });

  it('writes what it returns nowhere: the build has no output file on disk', () => {
    const outfile = join(dir, 'never-written', 'index.js');
    buildRuntimeCode({ ...runtimeBuildOptions(RUNTIME_EXTERNALS), outfile });
    expect(() => readFileSync(outfile)).toThrow(/ENOENT/);
  });
});
