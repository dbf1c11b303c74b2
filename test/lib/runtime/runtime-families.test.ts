/**
 * The scheme families of the Lambda bundle (lib/runtime/runtime-families.ts): the table, and synth deploying
 * the archive of the customer's scheme's family (the very builds bundle.test.ts measures).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { SECURITY_SCHEME_TYPES } from '../../../gateway-runtime/src/config/validate';
import { CustomerSubnets, GatewayPlatform } from '../../../lib';
import { GatewayFunction } from '../../../lib/runtime/gateway-function';
import {
  RUNTIME_ARCHIVE_NAME,
  bundleGatewayRuntime,
  readRuntimeManifest,
} from '../../../lib/runtime/runtime-bundle';
import {
  DEFAULT_RUNTIME_FAMILY,
  RUNTIME_FAMILIES,
  SCHEME_FACTORIES,
  runtimeFamilyNamed,
  runtimeFamilyOf,
} from '../../../lib/runtime/runtime-families';

jest.setTimeout(120_000);

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme/credentials-AbCdEf';
const BUNDLE = join(__dirname, 'fixtures', 'bundle');
const ref = (jsonKey: string) => ({ secretArn: SECRET, jsonKey });
const SECURITY: Record<string, GatewayConfig['security']> = {
  none: { type: 'none' },
  basic: { type: 'basic', username: 'gateway', password: ref('password') },
  digest: { type: 'digest', username: 'gateway', password: ref('password') },
  token: { type: 'token', token: ref('token') },
};
/** One valid scheme of each family beyond standard. */
const FAMILY_SECURITY: Record<string, GatewayConfig['security']> = {
  oauth2: {
    type: 'oauth2-client-credentials',
    tokenUrl: 'https://login.acme.example/oauth2/token',
    clientId: 'apicloud-gateway',
    clientSecret: ref('clientSecret'),
  },
  'message-signature': { type: 'message-signature', algorithm: 'ed25519', keyId: 'gw-2026', key: ref('key') },
  sigv4: { type: 'sigv4', region: 'eu-west-1', service: 'execute-api' },
};

describe('the family table', () => {
  test('GIVEN every security.type the config accepts THEN a family holds it; none is in every family and deploys standard', () => {
    for (const type of SECURITY_SCHEME_TYPES) expect(() => runtimeFamilyOf(type)).not.toThrow();
    for (const family of RUNTIME_FAMILIES) expect(family.schemes[0]).toBe('none');
    expect(runtimeFamilyOf('none').name).toBe(DEFAULT_RUNTIME_FAMILY);
  });

  test('GIVEN every scheme with a factory THEN exactly one family holds it, and each family lists exactly its schemes’ factories', () => {
    for (const type of Object.keys(SCHEME_FACTORIES)) {
      expect([type, RUNTIME_FAMILIES.filter((f) => f.schemes.includes(type)).map((f) => f.name)]).toEqual([
        type,
        [runtimeFamilyOf(type).name],
      ]);
    }
    for (const family of RUNTIME_FAMILIES) {
      expect(family.factories).toEqual(
        family.schemes.slice(1).map((type) => SCHEME_FACTORIES[type].specifier),
      );
    }
  });

  test('GIVEN the families THEN standard keeps dist/runtime/lambda/ and each other family has lambda-<family>', () => {
    expect(RUNTIME_FAMILIES.map((f) => [f.name, f.directory, f.schemes])).toEqual([
      ['standard', 'lambda', ['none', 'basic', 'digest', 'token', 'signature']],
      ['oauth2', 'lambda-oauth2', ['none', 'oauth2-client-credentials']],
      ['message-signature', 'lambda-message-signature', ['none', 'message-signature']],
      ['sigv4', 'lambda-sigv4', ['none', 'sigv4']],
    ]);
  });

  test('fails when a scheme type is in no family, or a family does not exist, naming what there is', () => {
    expect(() => runtimeFamilyOf('carrier-pigeon')).toThrow(
      'security.type "carrier-pigeon" is in no Lambda bundle family (lib/runtime/runtime-families.ts: ' +
        'standard: none, basic, digest, token, signature; oauth2: none, oauth2-client-credentials; ' +
        'message-signature: none, message-signature; ' +
        'sigv4: none, sigv4); add it to one',
    );
    expect(() => runtimeFamilyNamed('all')).toThrow(
      'runtime family "all" does not exist: the families are standard, oauth2, message-signature, sigv4',
    );
  });
});

describe('the manifest’s family', () => {
  const valid = {
    handler: 'index.handler',
    file: 'index.js',
    bytes: 1,
    sha256: 'a'.repeat(64),
    archive: { file: RUNTIME_ARCHIVE_NAME, bytes: 1, sha256: 'b'.repeat(64) },
    builtWith: { esbuild: '0.28.2', undici: '7.30.2' },
  };
  const dir = mkdtempSync(join(tmpdir(), 'family-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (manifest: object) => {
    const path = join(dir, 'manifest.json');
    writeFileSync(path, JSON.stringify(manifest));
    return () => readRuntimeManifest(path);
  };

  test('GIVEN a manifest without a family (a directory built before the families) or with one THEN it is read', () => {
    expect(read(valid)()).toEqual(valid);
    const withFamily = { ...valid, family: 'sigv4', schemes: ['none', 'sigv4'] };
    expect(read(withFamily)()).toEqual(withFamily);
  });

  test.each([
    [{ family: 'Sig V4' }, 'family "Sig V4" must be a family name (lower-case letters, digits, -)'],
    [{ family: 'sigv4', schemes: [] }, 'schemes [] must be a non-empty list of security.type values'],
    [
      { family: 'sigv4', schemes: 'sigv4' },
      'schemes "sigv4" must be a non-empty list of security.type values',
    ],
  ])('fails when the manifest has %j: %s', (fields, message) => {
    expect(read({ ...valid, ...fields })).toThrow(
      `${join(dir, 'manifest.json')} is not a runtime bundle manifest: ${message}`,
    );
  });
});

/** A platform with one GatewayFunction per customer (name and security), the shipped bundles unless given. */
function customers(
  scope: Construct,
  list: ReadonlyArray<{ name: string; security: GatewayConfig['security']; runtimeBundleDirectory?: string }>,
): void {
  const platform = new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  });
  list.forEach(({ name, security, runtimeBundleDirectory }, i) => {
    const subnets = new CustomerSubnets(scope, `Subnets-${name}`, {
      platform,
      customerName: name,
      cidrBlock: `10.40.${128 + i}.0/24`,
    });
    new GatewayFunction(scope, `Gateway-${name}`, {
      subnets,
      accountId: '123456789012',
      config: { version: 1, name, backend: { url: 'https://orders.acme.internal:8443/api' }, security },
      secretArns: [SECRET],
      backendCidrs: ['192.168.10.0/24'],
      ...(runtimeBundleDirectory ? { runtimeBundleDirectory } : {}),
    });
  });
}

/** Each customer's function: the asset it deploys (`filename`) and its `source_code_hash`, by function name. */
function deployed(build: (scope: Construct) => void): Record<string, { filename: string; hash: string }> {
  const json = JSON.parse(Testing.synthScope(build)) as {
    resource: {
      aws_lambda_function: Record<
        string,
        { function_name: string; filename: string; source_code_hash: string }
      >;
    };
  };
  return Object.fromEntries(
    Object.values(json.resource.aws_lambda_function).map((f) => [
      f.function_name,
      { filename: f.filename, hash: f.source_code_hash },
    ]),
  );
}

/** What a function deploying `family`'s bundle synthesizes to. */
function familyAsset(name: string): { filename: string; hash: string } {
  const bundle = bundleGatewayRuntime(runtimeFamilyNamed(name));
  return {
    filename: `assets/GatewayRuntimeBundle-${bundle.sha256.slice(0, 16)}/${bundle.archive!.sha256.slice(0, 32).toUpperCase()}/${RUNTIME_ARCHIVE_NAME}`,
    hash: bundle.sha256,
  };
}

describe('synth deploys the family of the customer’s scheme', () => {
  test('GIVEN customers with none, basic, digest and token THEN all four deploy the standard family’s archive, one asset', () => {
    const functions = deployed((scope) =>
      customers(
        scope,
        Object.entries(SECURITY).map(([name, security]) => ({ name, security })),
      ),
    );
    const standard = familyAsset('standard');
    expect(functions).toEqual({
      'apicloud-none-gateway': standard,
      'apicloud-basic-gateway': standard,
      'apicloud-digest-gateway': standard,
      'apicloud-token-gateway': standard,
    });
  });

  test.each(['oauth2', 'message-signature', 'sigv4'])(
    'GIVEN two customers of the %s family beside one of the standard family THEN the two share that family’s archive and the third deploys the standard one',
    (name) => {
      const functions = deployed((scope) =>
        customers(scope, [
          { name: 'one', security: FAMILY_SECURITY[name] },
          { name: 'two', security: FAMILY_SECURITY[name] },
          { name: 'three', security: SECURITY.basic },
        ]),
      );
      const family = familyAsset(name);
      expect(functions).toEqual({
        'apicloud-one-gateway': family,
        'apicloud-two-gateway': family,
        'apicloud-three-gateway': familyAsset('standard'),
      });
      expect(family.hash).not.toBe(familyAsset('standard').hash);
      expect(family.filename).not.toBe(familyAsset('standard').filename);
    },
  );

  test('GIVEN runtimeBundleDirectory THEN it is deployed as it is, whatever the scheme’s family', () => {
    const functions = deployed((scope) =>
      customers(scope, [
        { name: 'one', security: FAMILY_SECURITY.sigv4, runtimeBundleDirectory: BUNDLE },
        { name: 'two', security: SECURITY.basic, runtimeBundleDirectory: BUNDLE },
      ]),
    );
    expect(functions['apicloud-one-gateway']).toEqual(functions['apicloud-two-gateway']);
    for (const family of RUNTIME_FAMILIES)
      expect(functions['apicloud-one-gateway'].hash).not.toBe(familyAsset(family.name).hash);
  });
});
