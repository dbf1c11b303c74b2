/**
 * The deploy-account guard: the stack's `check` block, evaluated by Terraform itself with the real
 * hashicorp/aws provider against a loopback STS that answers GetCallerIdentity with a chosen account, and the
 * postconditions on the resources whose ARNs carry the account.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { BackendSecrets } from '../../../lib/secrets/backend-secrets';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { accountCheckName, addAccountCheck } from '../../../lib/shared/account-check';
import { findProviderMirror, listStacks, writeCliConfig } from '../../../lib/terraform/harness';

jest.setTimeout(300_000);

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';

/** A loopback STS that answers GetCallerIdentity (query protocol, XML) for `account`. */
async function fakeSts(account: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
          `<Arn>arn:aws:iam::${account}:role/terraform-deploy</Arn><UserId>AROAEXAMPLE</UserId><Account>${account}</Account>` +
          `</GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function terraform(stackDir: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: writeCliConfig(stackDir, findProviderMirror()),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKE0000000000',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-the-loopback-server',
    AWS_EC2_METADATA_DISABLED: 'true',
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

/** A stack holding only the account check, its provider pointed at `stsUrl`. */
function synthesize(stsUrl: string): string {
  const outdir = mkdtempSync(join(tmpdir(), 'account-check-'));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'account');
  new AwsProvider(stack, 'aws', {
    region: 'eu-west-1',
    endpoints: [{ sts: stsUrl }],
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
  });
  addAccountCheck(stack, ACCOUNT);
  app.synth();
  return listStacks(outdir)[0];
}

describe('the deploy-account check, planned by Terraform against a loopback STS', () => {
  test.each([
    [OTHER_ACCOUNT, true],
    [ACCOUNT, false],
  ])('GIVEN the caller is in account %s THEN the plan warns about the account: %s', async (caller, warns) => {
    const sts = await fakeSts(caller);
    const stackDir = synthesize(sts.url);
    try {
      expect((await terraform(stackDir, ['init'])).ok).toBe(true);
      const plan = await terraform(stackDir, ['plan']);
      // A check never fails a plan: it warns.
      expect(plan.ok).toBe(true);
      const warning = `backend-link: Terraform runs in AWS account ${caller}, but the constructs were given accountId ${ACCOUNT}.`;
      expect(plan.output.replace(/\s+/g, ' ').includes(warning)).toBe(warns);
      if (warns) expect(plan.output).toMatch(/Warning: Check block assertion failed/);
    } finally {
      sts.server.close();
      rmSync(join(stackDir, '..', '..'), { recursive: true, force: true });
    }
  });
});

describe('the deploy-account guard in the synthesized stack', () => {
  const json = JSON.parse(
    Testing.synthScope(
      (scope) =>
        void new BackendSecrets(scope, 'S', {
          platform: { name: 'apicloud', region: 'eu-west-1', partition: 'aws' },
          customerName: 'acme',
          accountId: ACCOUNT,
          readerRoleArn: `arn:aws:iam::${ACCOUNT}:role/backend-link/apicloud-acme-gateway`,
          secrets: [{ name: 'credentials', material: 'credentials', source: SecretSource.fillAfterDeploy() }],
        }),
    ),
  );

  test('GIVEN BackendSecrets THEN the stack checks the caller’s account and the key asserts its own', () => {
    const name = accountCheckName(ACCOUNT);
    expect(json.check[name].data).toEqual({ aws_caller_identity: { [name]: {} } });
    expect(json.check[name].assert[0].condition).toBe(
      `\${data.aws_caller_identity.${name}.account_id == "${ACCOUNT}"}`,
    );
    const key = Object.values(json.resource.aws_kms_key)[0] as {
      lifecycle: { postcondition: Array<{ condition: string }> };
    };
    expect(key.lifecycle.postcondition.map((c) => c.condition)).toEqual([
      `\${split(":", self.arn)[4] == "${ACCOUNT}"}`,
    ]);
    // No top-level data source: the offline plan (which refuses those) keeps working.
    expect(json.data).toBeUndefined();
  });
});
