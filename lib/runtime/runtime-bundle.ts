import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The Lambda handler's source, from lib/runtime (source tree) or dist/lib/runtime (compiled package). */
const ENTRY_CANDIDATES = [
  resolve(__dirname, '../../gateway-runtime/src/adapters/lambda.ts'),
  resolve(__dirname, '../../gateway-runtime/src/adapters/lambda.js'),
];

export interface RuntimeBundle {
  /** A directory holding only `index.js` (the handler is `index.handler`). */
  readonly directory: string;
  readonly bytes: number;
  /** SHA-256 of the bundle, hex. */
  readonly sha256: string;
}

let cached: RuntimeBundle | undefined;

/**
 * Bundles the gateway runtime's Lambda handler with esbuild into one minified CommonJS file for the
 * `nodejs22.x` runtime, once per process. `@aws-sdk/*` stays external: the Lambda runtime provides SDK v3.
 */
export function bundleGatewayRuntime(entry?: string): RuntimeBundle {
  if (cached && entry === undefined) return cached;
  const source = entry ?? ENTRY_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!source) {
    throw new Error(`gateway runtime source not found (looked for ${ENTRY_CANDIDATES.join(', ')})`);
  }
  const result = buildSync({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const sha256 = createHash('sha256').update(code).digest('hex');
  const directory = join(tmpdir(), `backend-link-runtime-${sha256.slice(0, 16)}`);
  mkdirSync(directory, { recursive: true });
  const file = join(directory, 'index.js');
  if (!existsSync(file) || statSync(file).size !== code.byteLength) writeFileSync(file, code);
  const bundle = { directory, bytes: code.byteLength, sha256 };
  if (entry === undefined) cached = bundle;
  return bundle;
}

/** Describes a prebuilt bundle directory (it must hold `index.js`). */
export function prebuiltRuntimeBundle(directory: string): RuntimeBundle {
  const file = join(directory, 'index.js');
  if (!existsSync(file)) throw new Error(`runtime bundle directory ${directory} holds no index.js`);
  const code = readFileSync(file);
  return { directory, bytes: code.byteLength, sha256: createHash('sha256').update(code).digest('hex') };
}
