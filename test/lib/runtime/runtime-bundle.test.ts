/**
 * One runtime archive per app: the bundle is zipped once and every stack's asset is a copy of that file.
 * A built bundle directory (the shipped one, or one `npm run build:runtime` wrote) is deployed as it is,
 * checked against its manifest.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { CustomerSubnets, GatewayPlatform } from '../../../lib';
import { GatewayFunction } from '../../../lib/runtime/gateway-function';
import {
  RUNTIME_ARCHIVE_NAME,
  RUNTIME_MANIFEST_NAME,
  bundleGatewayRuntime,
  prebuiltRuntimeBundle,
  runtimeBundleArchive,
} from '../../../lib/runtime/runtime-bundle';
import { buildLambdaBundle, writeLambdaBundle } from '../../../scripts/build-runtime';
import { requireTool } from '../../support/tools';
import { unzipEntries } from '../../support/zip';

// The module object itself (not an import namespace), so that jest can spy on what the library calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zlib = require('node:zlib') as typeof import('node:zlib');

const FIXTURE = join(__dirname, 'fixtures', 'bundle');

/** A bundle directory of its own, with content no other test uses, so no archive is cached for it yet. */
function freshBundle(): { directory: string; code: Buffer } {
  const directory = mkdtempSync(join(tmpdir(), 'bundle-'));
  const code = Buffer.concat([readFileSync(join(FIXTURE, 'index.js')), Buffer.from(`\n// ${directory}\n`)]);
  writeFileSync(join(directory, 'index.js'), code);
  return { directory, code };
}

const config = (name: string): GatewayConfig => ({
  version: 1,
  name,
  backend: { url: `https://api.${name}.internal/` },
  security: { type: 'none' },
});

describe('runtimeBundleArchive', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('zips the bundle into one index.js entry that unzip reads, rw-r--r--', () => {
    // GIVEN a bundle
    const { directory, code } = freshBundle();
    dirs.push(directory);
    // WHEN it is archived
    const archive = runtimeBundleArchive(prebuiltRuntimeBundle(directory));
    // THEN the archive holds exactly the bundle, and an independent reader agrees
    expect(archive.path.endsWith(RUNTIME_ARCHIVE_NAME)).toBe(true);
    expect(statSync(archive.path).size).toBe(archive.bytes);
    const entries = unzipEntries(readFileSync(archive.path));
    expect([...entries.keys()]).toEqual(['index.js']);
    expect(entries.get('index.js')!.equals(code)).toBe(true);
    const unzip = requireTool('/usr/bin/unzip', 'unzip');
    expect(execFileSync(unzip, ['-t', archive.path], { encoding: 'utf8' })).toContain('No errors detected');
    expect(execFileSync(unzip, ['-Z', archive.path], { encoding: 'utf8' })).toMatch(
      /^-rw-r--r--.*index\.js$/m,
    );
  });

  it('is deterministic: zipped again, the same bytes and hash', () => {
    // GIVEN an archived bundle
    const { directory } = freshBundle();
    dirs.push(directory);
    const first = runtimeBundleArchive(prebuiltRuntimeBundle(directory));
    const bytes = readFileSync(first.path);
    // WHEN the archive is removed and made again
    rmSync(first.path);
    const second = runtimeBundleArchive(prebuiltRuntimeBundle(directory));
    // THEN it is the same file
    expect(second.sha256).toBe(first.sha256);
    expect(readFileSync(second.path).equals(bytes)).toBe(true);
  });

  it('zips once for a whole app: every stack’s asset is the same file with the same hash', () => {
    // GIVEN an app with a platform stack and three customer stacks on one fresh bundle
    const { directory } = freshBundle();
    const outdir = mkdtempSync(join(tmpdir(), 'one-archive-'));
    dirs.push(directory, outdir);
    const app = new App({ outdir });
    const platformStack = new TerraformStack(app, 'platform');
    new AwsProvider(platformStack, 'aws', { region: 'eu-west-1' });
    const platform = new GatewayPlatform(platformStack, 'Platform', {
      name: 'apicloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    });
    const deflate = jest.spyOn(zlib, 'deflateRawSync');
    const names = ['acme', 'globex', 'initech'];
    names.forEach((name, i) => {
      const stack = new TerraformStack(app, `customer-${name}`);
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      const subnets = new CustomerSubnets(stack, 'Subnets', {
        platform,
        customerName: name,
        cidrBlock: `10.40.${128 + i}.0/24`,
      });
      new GatewayFunction(stack, 'Gateway', {
        subnets,
        accountId: '123456789012',
        config: config(name),
        secretArns: [],
        backendCidrs: ['192.168.10.0/24'],
        runtimeBundleDirectory: directory,
      });
    });
    // WHEN the app is synthesized
    app.synth();
    // THEN the bundle was compressed once, and each stack's function points at a byte-identical copy
    expect(deflate).toHaveBeenCalledTimes(1);
    deflate.mockRestore();
    const functions = names.map((name) => {
      const stackDir = join(outdir, 'stacks', `customer-${name}`);
      const json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
      const fn = Object.values(json.resource.aws_lambda_function)[0] as {
        filename: string;
        source_code_hash: string;
      };
      return { ...fn, bytes: readFileSync(join(stackDir, fn.filename)) };
    });
    expect(new Set(functions.map((f) => f.filename)).size).toBe(1);
    expect(new Set(functions.map((f) => f.source_code_hash)).size).toBe(1);
    expect(functions[0].filename).toMatch(
      new RegExp(`^assets/GatewayRuntimeBundle-[0-9a-f]{16}/[0-9A-F]{32}/${RUNTIME_ARCHIVE_NAME}$`),
    );
    for (const f of functions) expect(f.bytes.equals(functions[0].bytes)).toBe(true);
  });
});

describe('a built bundle directory', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const built = buildLambdaBundle();
  /** A copy of the built Lambda bundle directory, as `npm run build:runtime -- DIR` writes it. */
  function builtDirectory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'built-bundle-'));
    dirs.push(directory);
    writeLambdaBundle(directory, built);
    return directory;
  }

  it("is what synth deploys by default: in this repository the package build's builder writes it", () => {
    const bundle = bundleGatewayRuntime();
    expect(JSON.parse(readFileSync(join(bundle.directory, RUNTIME_MANIFEST_NAME), 'utf8'))).toEqual(
      built.manifest,
    );
    expect(bundle).toMatchObject({ bytes: built.manifest.bytes, sha256: built.manifest.sha256 });
    expect(bundle.archive).toMatchObject({
      path: join(bundle.directory, RUNTIME_ARCHIVE_NAME),
      bytes: built.manifest.archive.bytes,
      sha256: built.manifest.archive.sha256,
    });
  });

  it('deploys its own archive as it is: nothing is compressed at synth, the asset is that file', () => {
    // GIVEN a directory npm run build:runtime wrote
    const directory = builtDirectory();
    const outdir = mkdtempSync(join(tmpdir(), 'built-bundle-synth-'));
    dirs.push(outdir);
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'customer');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const platform = new GatewayPlatform(stack, 'Platform', {
      name: 'apicloud',
      vpcProps: { cidrBlock: '10.40.0.0/16' },
      customerAddressPool: '10.40.128.0/17',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    });
    const subnets = new CustomerSubnets(stack, 'Subnets', {
      platform,
      customerName: 'acme',
      cidrBlock: '10.40.128.0/24',
    });
    const deflate = jest.spyOn(zlib, 'deflateRawSync');
    // WHEN a function uses it and the app is synthesized
    new GatewayFunction(stack, 'Gateway', {
      subnets,
      accountId: '123456789012',
      config: config('acme'),
      secretArns: [],
      backendCidrs: ['192.168.10.0/24'],
      runtimeBundleDirectory: directory,
    });
    app.synth();
    // THEN nothing was compressed and the function's asset is the directory's archive, named by its hash
    expect(deflate).not.toHaveBeenCalled();
    deflate.mockRestore();
    const stackDir = join(outdir, 'stacks', 'customer');
    const json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
    const fn = Object.values(json.resource.aws_lambda_function)[0] as {
      filename: string;
      source_code_hash: string;
    };
    expect(fn.filename).toBe(
      `assets/GatewayRuntimeBundle-${built.manifest.sha256.slice(0, 16)}/${built.manifest.archive.sha256
        .slice(0, 32)
        .toUpperCase()}/${RUNTIME_ARCHIVE_NAME}`,
    );
    expect(fn.source_code_hash).toBe(built.manifest.sha256);
    expect(readFileSync(join(stackDir, fn.filename)).equals(built.archive)).toBe(true);
  });

  it.each(['index.js', RUNTIME_ARCHIVE_NAME])(
    'refuses a directory whose %s is not the file the manifest describes',
    (file) => {
      // GIVEN a built directory with one file changed after the build
      const directory = builtDirectory();
      writeFileSync(
        join(directory, file),
        Buffer.concat([readFileSync(join(directory, file)), Buffer.from('\n')]),
      );
      // WHEN synth reads it THEN the error names the file, what it is and what the manifest says
      const manifest = built.manifest;
      const expected = file === 'index.js' ? manifest : manifest.archive;
      expect(() => prebuiltRuntimeBundle(directory)).toThrow(
        `${join(directory, file)} is not the file ${join(directory, RUNTIME_MANIFEST_NAME)} describes: ` +
          `${expected.bytes + 1} bytes, SHA-256 ${createHash('sha256')
            .update(readFileSync(join(directory, file)))
            .digest('hex')}; the manifest says ${expected.bytes} bytes, SHA-256 ${expected.sha256} ` +
          '(build the bundle again, or reinstall backend-link)',
      );
    },
  );

  it('refuses a manifest that does not describe a bundle, naming every field and its rule', () => {
    const directory = builtDirectory();
    const manifestFile = join(directory, RUNTIME_MANIFEST_NAME);
    writeFileSync(
      manifestFile,
      JSON.stringify({
        handler: 'main.handler',
        file: 'index.js',
        bytes: -1,
        sha256: 'ABC',
        archive: { file: '../elsewhere.zip', bytes: 10, sha256: built.manifest.archive.sha256 },
      }),
    );
    expect(() => prebuiltRuntimeBundle(directory)).toThrow(
      `${manifestFile} is not a runtime bundle manifest: handler "main.handler" must be "index.handler"; ` +
        'bytes -1 must be a positive integer; sha256 "ABC" must be 64 lower-case hex digits; ' +
        `archive.file "../elsewhere.zip" must be a file name in the bundle's directory`,
    );
    writeFileSync(manifestFile, '{ not json');
    expect(() => prebuiltRuntimeBundle(directory)).toThrow(
      new RegExp(
        `^${manifestFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a runtime bundle manifest: `,
      ),
    );
  });

  it('refuses a directory missing a file its manifest lists, naming it', () => {
    const directory = builtDirectory();
    cpSync(join(directory, RUNTIME_ARCHIVE_NAME), join(directory, 'moved.zip'));
    rmSync(join(directory, RUNTIME_ARCHIVE_NAME));
    expect(() => prebuiltRuntimeBundle(directory)).toThrow(
      `${join(directory, RUNTIME_MANIFEST_NAME)} names ${RUNTIME_ARCHIVE_NAME}, which is not in ${directory}`,
    );
  });
});
