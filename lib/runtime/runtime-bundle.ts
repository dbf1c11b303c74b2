/**
 * The gateway runtime's Lambda bundle at synth time. The bundles are built once, when the package is built
 * (`npm run build`, scripts/build-runtime.ts: esbuild, the undici rewrites and their shape checks, the zip),
 * one per scheme family (lib/runtime/runtime-families.ts: `standard` in `dist/runtime/lambda/`,
 * `message-signature` and `sigv4` in `dist/runtime/lambda-<family>/`), each holding `index.js`,
 * `gateway-runtime.zip` (the archive Lambda takes) and `manifest.json` (their sizes and SHA-256, the family
 * and its schemes). Synth deploys the archive of the customer's scheme's family and bundles, rewrites and
 * compresses nothing, so the asset hash is the shipped archive's hash on every machine, whatever the user's
 * Node, lockfile or undici. In a clone of the repository (no dist/), synth builds the same files with the
 * same builder once per process and family, into the temporary folder.
 *
 * This module imports neither esbuild nor undici: a user's synth loads neither.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_RUNTIME_FAMILY, RuntimeFamily, runtimeFamilyNamed } from './runtime-families';
import { zipOneFile } from './zip';

/** The bundle's file (the handler is `index.handler`). */
export const RUNTIME_BUNDLE_FILE = 'index.js';
/** The file beside the bundle that describes it (`RuntimeBundleManifest`). */
export const RUNTIME_MANIFEST_NAME = 'manifest.json';

/**
 * `manifest.json` of a built Lambda bundle directory (written by `npm run build` and `npm run
 * build:runtime`). Nothing in it depends on the machine or the time of the build.
 */
export interface RuntimeBundleManifest {
  /** The Lambda handler setting. */
  readonly handler: 'index.handler';
  /** `index.js`: its size in bytes and SHA-256 (hex). */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  /** The ZIP archive of `index.js` (one entry), as Lambda takes it. */
  readonly archive: { readonly file: string; readonly bytes: number; readonly sha256: string };
  /** The versions the bundle was built with (esbuild and the undici it bundles). */
  readonly builtWith: { readonly esbuild: string; readonly undici: string };
  /**
   * The scheme family (lib/runtime/runtime-families.ts) and the `security.type` values the bundle holds.
   * Absent in a directory built before the families: such a bundle holds every scheme it was built with.
   */
  readonly family?: string;
  readonly schemes?: readonly string[];
}

export interface RuntimeBundle {
  /** The directory holding `index.js` (the handler is `index.handler`). */
  readonly directory: string;
  readonly bytes: number;
  /** SHA-256 of `index.js`, hex. */
  readonly sha256: string;
  /**
   * The archive built with the bundle (the shipped bundle, or a directory `npm run build:runtime` wrote):
   * deployed as it is. Absent for a directory with only `index.js`, which is zipped at synth.
   */
  readonly archive?: RuntimeArchive;
}

/** What scripts/build-runtime.ts gives synth in a clone of the repository (it is not in the package). */
interface RepositoryBuilder {
  buildLambdaBundle(family: string): { readonly manifest: RuntimeBundleManifest };
  writeLambdaBundle(outdir: string, built: { readonly manifest: RuntimeBundleManifest }): unknown;
}

/**
 * Where the package ships a family's bundle: dist/runtime/<family directory>/ (dist/runtime/lambda/ for
 * `standard`), beside dist/lib/ (this file is dist/lib/runtime/).
 */
function shippedBundleDirectory(family: RuntimeFamily): string {
  return resolve(__dirname, '../../runtime', family.directory);
}

const cached = new Map<string, RuntimeBundle>();

/**
 * A family's Lambda bundle for a `TerraformAsset` (the family of the customer's scheme,
 * `runtimeFamilyOf(config.security.type)`): the one the package ships (dist/runtime/lambda/ for
 * `standard`, dist/runtime/lambda-<family>/ for the others, checked against its manifest), read once per
 * process and family. In a clone of the repository, where lib/ runs as TypeScript and there is no dist/,
 * the same builder `npm run build` runs (scripts/build-runtime.ts) builds it once per process and family
 * into the temporary folder, in a directory named by the bundle's hash: the tests synthesize the bytes the
 * package ships.
 */
export function bundleGatewayRuntime(
  family: RuntimeFamily = runtimeFamilyNamed(DEFAULT_RUNTIME_FAMILY),
): RuntimeBundle {
  const known = cached.get(family.name);
  if (known) return known;
  const shipped = shippedBundleDirectory(family);
  const bundle = existsSync(join(shipped, RUNTIME_MANIFEST_NAME))
    ? builtRuntimeBundle(shipped)
    : repositoryRuntimeBundle(shipped, family);
  cached.set(family.name, bundle);
  return bundle;
}

function repositoryRuntimeBundle(shipped: string, family: RuntimeFamily): RuntimeBundle {
  const builder = resolve(__dirname, '../../scripts/build-runtime.ts');
  if (!existsSync(builder)) {
    throw new Error(
      `backend-link's Lambda bundle is missing: ${join(shipped, RUNTIME_MANIFEST_NAME)} does not exist ` +
        `(the package ships the "${family.name}" family's bundle in dist/runtime/${family.directory}/); reinstall backend-link, ` +
        'or set `runtimeBundleDirectory` to a bundle of your own',
    );
  }
  // Loaded by path, not imported: the builder (esbuild, undici) stays out of the compiled library.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildLambdaBundle, writeLambdaBundle } = require(builder) as RepositoryBuilder;
  const built = buildLambdaBundle(family.name);
  const directory = join(
    tmpdir(),
    `backend-link-lambda-${family.name}-${built.manifest.sha256.slice(0, 16)}`,
  );
  writeLambdaBundle(directory, built);
  return builtRuntimeBundle(directory);
}

/**
 * A bundle directory someone brings (`runtimeBundleDirectory`): one `npm run build:runtime` wrote
 * (`index.js`, `gateway-runtime.zip`, `manifest.json`; its archive is deployed as it is), or any directory
 * holding an `index.js` (zipped at synth by `runtimeBundleArchive`).
 */
export function prebuiltRuntimeBundle(directory: string): RuntimeBundle {
  if (existsSync(join(directory, RUNTIME_MANIFEST_NAME))) return builtRuntimeBundle(directory);
  const file = join(directory, RUNTIME_BUNDLE_FILE);
  if (!existsSync(file)) throw new Error(`runtime bundle directory ${directory} holds no index.js`);
  const code = readFileSync(file);
  return { directory, bytes: code.byteLength, sha256: sha256Of(code) };
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A built bundle directory: its manifest, and `index.js` and the archive checked against it (size and
 * SHA-256), so a damaged or hand-edited file fails synth instead of deploying.
 */
export function builtRuntimeBundle(directory: string): RuntimeBundle {
  const manifestPath = join(directory, RUNTIME_MANIFEST_NAME);
  const manifest = readRuntimeManifest(manifestPath);
  const checked = (file: string, expected: { bytes: number; sha256: string }) => {
    const path = join(directory, file);
    if (!existsSync(path)) throw new Error(`${manifestPath} names ${file}, which is not in ${directory}`);
    const bytes = readFileSync(path);
    const sha256 = sha256Of(bytes);
    if (bytes.byteLength !== expected.bytes || sha256 !== expected.sha256) {
      throw new Error(
        `${path} is not the file ${manifestPath} describes: ${bytes.byteLength} bytes, SHA-256 ${sha256}; ` +
          `the manifest says ${expected.bytes} bytes, SHA-256 ${expected.sha256} (build the bundle again, or reinstall backend-link)`,
      );
    }
    return { path, bytes: bytes.byteLength, sha256 };
  };
  const code = checked(manifest.file, manifest);
  return {
    directory,
    bytes: code.bytes,
    sha256: code.sha256,
    archive: checked(manifest.archive.file, manifest.archive),
  };
}

/** Reads and checks a bundle's `manifest.json`. */
export function readRuntimeManifest(path: string): RuntimeBundleManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not a runtime bundle manifest: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const m = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as Record<string, unknown>;
  const archive = (typeof m.archive === 'object' && m.archive !== null ? m.archive : {}) as Record<
    string,
    unknown
  >;
  const fileName = (field: string, value: unknown) => {
    if (typeof value !== 'string' || !/^[\w.-]+$/.test(value) || value.startsWith('.'))
      problems.push(`${field} ${JSON.stringify(value)} must be a file name in the bundle's directory`);
  };
  const entry = (field: string, value: Record<string, unknown>) => {
    if (!Number.isInteger(value.bytes) || (value.bytes as number) <= 0)
      problems.push(`${field}bytes ${JSON.stringify(value.bytes)} must be a positive integer`);
    if (typeof value.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(value.sha256))
      problems.push(`${field}sha256 ${JSON.stringify(value.sha256)} must be 64 lower-case hex digits`);
  };
  if (m.handler !== 'index.handler')
    problems.push(`handler ${JSON.stringify(m.handler)} must be "index.handler"`);
  if (m.file !== RUNTIME_BUNDLE_FILE)
    problems.push(`file ${JSON.stringify(m.file)} must be "${RUNTIME_BUNDLE_FILE}"`);
  entry('', m);
  fileName('archive.file', archive.file);
  entry('archive.', archive);
  if (m.family !== undefined && (typeof m.family !== 'string' || !/^[a-z0-9-]+$/.test(m.family)))
    problems.push(`family ${JSON.stringify(m.family)} must be a family name (lower-case letters, digits, -)`);
  if (
    m.schemes !== undefined &&
    (!Array.isArray(m.schemes) || m.schemes.length === 0 || m.schemes.some((x) => typeof x !== 'string'))
  )
    problems.push(`schemes ${JSON.stringify(m.schemes)} must be a non-empty list of security.type values`);
  if (problems.length > 0)
    throw new Error(`${path} is not a runtime bundle manifest: ${problems.join('; ')}`);
  return manifest as RuntimeBundleManifest;
}

/** The runtime bundle as a ZIP archive, the form Lambda takes. */
export interface RuntimeArchive {
  /** The archive file: one entry, `index.js`. */
  readonly path: string;
  readonly bytes: number;
  /** SHA-256 of the archive, hex. */
  readonly sha256: string;
}

/** The archive's file name, also in every stack's `assets/` directory. */
export const RUNTIME_ARCHIVE_NAME = 'gateway-runtime.zip';

const archives = new Map<string, RuntimeArchive>();

/**
 * The bundle's archive: the one built with it (the shipped bundle, a built directory), or, for a
 * directory with only `index.js`, the bundle zipped once per process and bundle: every stack's asset
 * copies this one file, so an app with a hundred customer stacks zips the runtime once, not a hundred
 * times. That archive is deterministic on one machine (fixed timestamp, fixed permissions, fixed order);
 * its compressed bytes come from Node's zlib, so another Node may write other bytes for the same code:
 * a built directory's archive has the same hash everywhere.
 */
export function runtimeBundleArchive(bundle: RuntimeBundle): RuntimeArchive {
  if (bundle.archive) return bundle.archive;
  const key = `${bundle.directory}\0${bundle.sha256}`;
  const known = archives.get(key);
  if (known && existsSync(known.path)) return known;
  const zip = zipOneFile(RUNTIME_BUNDLE_FILE, readFileSync(join(bundle.directory, RUNTIME_BUNDLE_FILE)));
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const directory = join(tmpdir(), 'backend-link-runtime-archives', sha256.slice(0, 16));
  mkdirSync(directory, { recursive: true });
  const path = join(directory, RUNTIME_ARCHIVE_NAME);
  if (!existsSync(path) || statSync(path).size !== zip.byteLength) {
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, zip);
    renameSync(partial, path);
  }
  const archive = { path, bytes: zip.byteLength, sha256 };
  archives.set(key, archive);
  return archive;
}
