/**
 * One runtime archive per app: the bundle is zipped once and every stack's asset is a copy of that file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { CustomerSubnets, GatewayPlatform } from '../../../lib';
import { GatewayFunction } from '../../../lib/runtime/gateway-function';
import {
  RUNTIME_ARCHIVE_NAME,
  prebuiltRuntimeBundle,
  runtimeBundleArchive,
} from '../../../lib/runtime/runtime-bundle';
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
