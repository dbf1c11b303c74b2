/**
 * Write-only secret values must never reach Terraform's files: give the example's write-only variables
 * known values, synthesize, plan offline, and scan everything Terraform wrote.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { buildExampleApp } from '../../examples/main';
import { listStacks, planOffline } from '../../lib/terraform/harness';
import { unzipEntries } from '../support/zip';

jest.setTimeout(300_000);

const DIGEST_PASSWORD = 'digest-pass-5f0c1e27-never-in-state';
const HMAC_KEY = 'hmac-key-9a4d7b13-never-in-plan';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === '.terraform') return []; // the provider plugin, symlinked from the mirror
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every file Terraform wrote for the stack, with the saved plan (a ZIP) unpacked. */
function writtenContents(stackDir: string): Array<{ file: string; text: string }> {
  return filesUnder(stackDir).flatMap((file) =>
    file.endsWith('.tfplan')
      ? [...unzipEntries(readFileSync(file))].map(([name, data]) => ({
          file: `${file}!${name}`,
          text: data.toString('latin1'),
        }))
      : [{ file, text: readFileSync(file).toString('latin1') }],
  );
}

test('control: the scan finds a value that a plain (non-write-only) argument puts in the plan', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scan-control-'));
  try {
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, 'control');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const value = new TerraformVariable(stack, 'value', { type: 'string', sensitive: true });
    const secret = new SecretsmanagerSecret(stack, 'secret', { name: 'control' });
    new SecretsmanagerSecretVersion(stack, 'version', {
      secretId: secret.id,
      secretString: value.stringValue,
    });
    app.synth();
    process.env.TF_VAR_value = HMAC_KEY;
    const [stackDir] = listStacks(dir);
    await planOffline(stackDir);
    const leaks = writtenContents(stackDir).filter((c) => c.text.includes(HMAC_KEY));
    expect(leaks.map((c) => c.file.split('/').pop())).toEqual(
      expect.arrayContaining(['offline.tfplan!tfplan']),
    );
  } finally {
    delete process.env.TF_VAR_value;
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('write-only secrets, planned offline with real values', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'example-secrets-'));
  let scanned: string[] = [];

  beforeAll(async () => {
    process.env.TF_VAR_acme_credentials = JSON.stringify({ username: 'apicloud', password: DIGEST_PASSWORD });
    process.env.TF_VAR_initech_signing_key = JSON.stringify({ key: HMAC_KEY });
    buildExampleApp(outdir).synth();
    for (const stackDir of listStacks(outdir)) {
      const result = await planOffline(stackDir);
      expect(result.summary.toAdd).toBeGreaterThan(0);
      scanned = scanned.concat(filesUnder(stackDir));
    }
  });
  afterAll(() => {
    delete process.env.TF_VAR_acme_credentials;
    delete process.env.TF_VAR_initech_signing_key;
    rmSync(outdir, { recursive: true, force: true });
  });

  it('plans the write-only secret versions from the variables', () => {
    const plan = JSON.parse(readFileSync(join(listStacks(outdir)[0], 'plan.json'), 'utf8'));
    const versions = plan.resource_changes.filter(
      (rc: { type: string }) => rc.type === 'aws_secretsmanager_secret_version',
    );
    expect(versions).toHaveLength(2);
    for (const v of versions) expect(v.change.after.secret_string_wo_version).toBe(1);
  });

  it('writes neither value into the synthesized JSON, the plan, the saved plan file or any other file', () => {
    expect(scanned.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['cdk.tf.json', 'plan.json', 'offline.tfplan']),
    );
    // The saved plan is a ZIP (plan, prior state, configuration, variables): scan what it holds, unpacked.
    const contents = scanned.flatMap((file) =>
      file.endsWith('.tfplan')
        ? [...unzipEntries(readFileSync(file))].map(([name, data]) => ({ file: `${file}!${name}`, data }))
        : [{ file, data: readFileSync(file) }],
    );
    expect(contents.map((c) => c.file.split('!').pop())).toEqual(
      expect.arrayContaining(['tfplan', 'tfstate']),
    );
    for (const { file, data } of contents) {
      const text = data.toString('latin1');
      expect({ file, digest: text.includes(DIGEST_PASSWORD) }).toEqual({ file, digest: false });
      expect({ file, hmac: text.includes(HMAC_KEY) }).toEqual({ file, hmac: false });
    }
  });
});
