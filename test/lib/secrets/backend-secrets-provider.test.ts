/**
 * The provider behaviour behind `deployerPrincipalArn`, with the real hashicorp/aws 5.100 binary: the
 * Secrets Manager side of what BackendSecrets synthesizes (secret, resource policy, write-only version and
 * its ephemeral variable; the KMS key is left out, no KMS stand-in) is applied, refreshed and destroyed
 * against a loopback server that records every API call (test/support/fake-secrets-manager.ts).
 *
 * It shows what terraform-provider-aws #42383 says: the write-only version calls GetSecretValue on create,
 * refresh and delete; so a secret whose policy does not admit the principal Terraform runs as can not be
 * created, refreshed or destroyed, and the one BackendSecrets writes (deployer admitted) can.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { BackendSecrets, WRITE_ONLY_VERSION_ACTIONS } from '../../../lib/secrets/backend-secrets';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { findProviderMirror, listStacks, writeCliConfig } from '../../../lib/terraform/harness';
import { FakeSecretsManager } from '../../support/fake-secrets-manager';

jest.setTimeout(600_000);

const ACCOUNT = '123456789012';
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/terraform-deploy`;
const OTHER = `arn:aws:iam::${ACCOUNT}:role/ci-read-only`;
const PRINCIPALS = { AKIADEPLOYER0000000: DEPLOYER, AKIAOTHER000000000: OTHER };
const VALUE = JSON.stringify({ username: 'gateway', password: 'not-a-real-password-1f3a' });

/** Synthesizes BackendSecrets (one write-only, one fill-after-deploy secret) pointed at `endpoint`; returns the stack dir. */
function synthesize(endpoint: string): string {
  const outdir = mkdtempSync(join(tmpdir(), 'secrets-provider-'));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'secrets');
  new AwsProvider(stack, 'aws', {
    region: 'eu-west-1',
    endpoints: [{ secretsmanager: endpoint }],
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
  });
  new BackendSecrets(stack, 'Secrets', {
    platform: { name: 'apicloud', region: 'eu-west-1', partition: 'aws' },
    customerName: 'acme',
    accountId: ACCOUNT,
    readerRoleArn: `arn:aws:iam::${ACCOUNT}:role/backend-link/apicloud-acme-gateway`,
    deployerPrincipalArn: DEPLOYER,
    recoveryWindowInDays: 7,
    secrets: [
      {
        name: 'credentials',
        material: 'credentials',
        source: SecretSource.fromWriteOnlyVariable({ version: 1 }),
      },
      { name: 'client-certificate', material: 'client-certificate', source: SecretSource.fillAfterDeploy() },
    ],
  });
  app.synth();
  const [stackDir] = listStacks(outdir);
  // No KMS stand-in: the secrets name a fixed key ARN instead of the construct's key.
  const path = join(stackDir, 'cdk.tf.json');
  const config = JSON.parse(readFileSync(path, 'utf8'));
  delete config.resource.aws_kms_key;
  delete config.resource.aws_kms_alias;
  for (const secret of Object.values(config.resource.aws_secretsmanager_secret) as Array<
    Record<string, unknown>
  >) {
    secret.kms_key_id = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
  }
  delete config.output;
  // No STS stand-in either: the deploy-account check (test/lib/shared/account-check.test.ts) would be
  // deferred to apply, which `plan -detailed-exitcode` reports as a change.
  delete config.check;
  // State beside the configuration (cdktf's local backend would put it in the working directory).
  config.terraform.backend = { local: { path: 'terraform.tfstate' } };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return stackDir;
}

interface Run {
  readonly ok: boolean;
  readonly output: string;
}

function terraform(stackDir: string, args: string[], accessKeyId: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: writeCliConfig(stackDir, findProviderMirror()),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-the-loopback-server',
    AWS_EC2_METADATA_DISABLED: 'true',
    TF_VAR_acme_credentials: VALUE,
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  delete env.TF_PLUGIN_CACHE_DIR;
  return new Promise((resolve) => {
    execFile(
      process.env.TERRAFORM_BINARY ?? 'terraform',
      [...args, '-no-color', '-input=false'],
      { cwd: stackDir, env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ ok: !error, output: `${stdout}\n${stderr}` }),
    );
  });
}

const DEPLOYER_KEY = 'AKIADEPLOYER0000000';
const OTHER_KEY = 'AKIAOTHER000000000';

describe('BackendSecrets with the real provider against a recording Secrets Manager', () => {
  it('GIVEN a server that denies GetSecretValue WHEN applied THEN the write-only version’s create fails on the read-back (#42383)', async () => {
    const server = new FakeSecretsManager({
      accountId: ACCOUNT,
      region: 'eu-west-1',
      principals: PRINCIPALS,
      denyAllReads: true,
    });
    const stackDir = synthesize(await server.start());
    try {
      expect((await terraform(stackDir, ['init'], DEPLOYER_KEY)).ok).toBe(true);
      const apply = await terraform(stackDir, ['apply', '-auto-approve'], DEPLOYER_KEY);
      expect(apply.ok).toBe(false);
      expect(apply.output).toMatch(
        /waiting for Secrets Manager Secret Version \(.+\) create:[\s\S]*AccessDeniedException/,
      );
      // The value was written, then read back: the read is what failed.
      const value = server.valueCalls().map((c) => `${c.operation} ${c.outcome}`);
      expect(value).toEqual(['PutSecretValue ok', 'GetSecretValue AccessDeniedException']);
    } finally {
      await server.stop();
      rmSync(join(stackDir, '..', '..'), { recursive: true, force: true });
    }
  });

  it('GIVEN the policy BackendSecrets writes WHEN the deployer applies, refreshes and destroys THEN each succeeds, and only a principal outside the policy is refused', async () => {
    const server = new FakeSecretsManager({
      accountId: ACCOUNT,
      region: 'eu-west-1',
      principals: PRINCIPALS,
    });
    const stackDir = synthesize(await server.start());
    const phase = (from: number) =>
      server.calls
        .slice(from)
        .filter((c) => ['PutSecretValue', 'GetSecretValue', 'UpdateSecretVersionStage'].includes(c.operation))
        .map((c) => `${c.operation} ${c.outcome}`);
    try {
      expect((await terraform(stackDir, ['init'], DEPLOYER_KEY)).ok).toBe(true);

      let mark = server.calls.length;
      const apply = await terraform(stackDir, ['apply', '-auto-approve'], DEPLOYER_KEY);
      expect({ ok: apply.ok, output: apply.ok ? '' : apply.output }).toEqual({ ok: true, output: '' });
      // Create: the write, the wait for the version, the read that ends create.
      expect(phase(mark)).toEqual(['PutSecretValue ok', 'GetSecretValue ok', 'GetSecretValue ok']);
      // The write-only value reached the server, and no other operation touched a value.
      expect(server.calls.filter((c) => c.outcome === 'UnknownOperationException')).toEqual([]);

      // Refresh as a principal the policy does not name: the read-back is denied, the plan fails.
      mark = server.calls.length;
      const other = await terraform(stackDir, ['plan'], OTHER_KEY);
      expect(other.ok).toBe(false);
      expect(other.output).toMatch(/reading Secrets Manager Secret Version[\s\S]*AccessDeniedException/);
      expect(phase(mark)).toEqual(['GetSecretValue AccessDeniedException']);

      // Refresh as the deployer: nothing to change.
      mark = server.calls.length;
      const plan = await terraform(stackDir, ['plan', '-detailed-exitcode'], DEPLOYER_KEY);
      expect({ ok: plan.ok, output: plan.ok ? '' : plan.output }).toEqual({ ok: true, output: '' });
      expect(phase(mark)).toEqual(['GetSecretValue ok']);

      mark = server.calls.length;
      const destroy = await terraform(stackDir, ['destroy', '-auto-approve'], DEPLOYER_KEY);
      expect({ ok: destroy.ok, output: destroy.ok ? '' : destroy.output }).toEqual({ ok: true, output: '' });
      // Refresh, then the delete's wait for the version: two reads, no stage change.
      expect(phase(mark)).toEqual(['GetSecretValue ok', 'GetSecretValue ok']);

      // What the deployer was admitted to is exactly what the provider called on the value.
      const called = new Set(server.valueCalls().map((c) => `secretsmanager:${c.operation}`));
      expect([...called].sort()).toEqual([...WRITE_ONLY_VERSION_ACTIONS].sort());
      // Every value call named the write-only secret; the fill-after-deploy secret's value was never touched.
      expect(
        server.valueCalls().every((c) => /backend-link\/apicloud\/acme\/credentials/.test(c.secretId ?? '')),
      ).toBe(true);
    } finally {
      await server.stop();
      rmSync(join(stackDir, '..', '..'), { recursive: true, force: true });
    }
  });
});
