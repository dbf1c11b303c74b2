/**
 * The offline Terraform ladder for a synthesized cdktf stack: init from the machine's local provider
 * mirror, plan (which validates first) with fake credentials, and `show -json` into `plan.json` beside the stack.
 *
 * Planning offline must not change the real configuration, so the fake credentials and the provider's
 * skip flags go into a Terraform override file (`zz_offline_plan_override.tf.json`) in the stack
 * directory; remove it (or synthesize again) before a real `terraform apply`. The same file replaces the
 * stack's backend (S3, HCP Terraform, ...) by a local one, and points each `terraform_remote_state` data
 * source that reads another stack of the app at a local state derived from that stack's plan
 * (see remote-state.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Environment variable that names the provider mirror directory (the one holding `registry.terraform.io/`). */
export const MIRROR_ENV = 'BACKEND_LINK_PROVIDER_MIRROR';
/** The provider version `@cdktf/provider-aws` 20.1.0 binds. */
export const AWS_PROVIDER_VERSION = '5.100.0';
export const OVERRIDE_FILE = 'zz_offline_plan_override.tf.json';
export const CLI_CONFIG_FILE = '.terraformrc.offline';
/** The local state file the override names as the stack's backend while planning offline (never written by plan). */
export const OFFLINE_STATE_FILE = 'terraform.offline.tfstate';

const DEFAULT_MIRROR_CANDIDATES = [
  '/opt/tf-plugins',
  join(homedir(), '.terraform.d', 'plugins'),
  join(homedir(), '.local', 'share', 'terraform', 'plugins'),
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
];

export class TerraformHarnessError extends Error {
  public override readonly name = 'TerraformHarnessError';
}

export function terraformPlatform(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  return `${os}_${arch}`;
}

/** True when `dir` holds hashicorp/aws at the pinned version, unpacked or as a zip. */
export function mirrorHoldsAws(dir: string): boolean {
  const base = join(dir, 'registry.terraform.io', 'hashicorp', 'aws');
  if (existsSync(join(base, AWS_PROVIDER_VERSION, terraformPlatform()))) return true;
  return existsSync(join(base, `terraform-provider-aws_${AWS_PROVIDER_VERSION}_${terraformPlatform()}.zip`));
}

/**
 * Finds the local provider mirror: `$BACKEND_LINK_PROVIDER_MIRROR` when set, else the first of the usual
 * places that holds hashicorp/aws 5.100.0. Throws an error naming both when neither has it.
 */
export function findProviderMirror(
  env: NodeJS.ProcessEnv = process.env,
  candidates = DEFAULT_MIRROR_CANDIDATES,
): string {
  const fromEnv = env[MIRROR_ENV];
  if (fromEnv) {
    if (mirrorHoldsAws(fromEnv)) return fromEnv;
    throw new TerraformHarnessError(
      `${MIRROR_ENV}=${fromEnv} does not hold registry.terraform.io/hashicorp/aws/${AWS_PROVIDER_VERSION}/${terraformPlatform()}`,
    );
  }
  const found = candidates.find(mirrorHoldsAws);
  if (found) return found;
  throw new TerraformHarnessError(
    `no local mirror of hashicorp/aws ${AWS_PROVIDER_VERSION} found: ${MIRROR_ENV} is not set and none of ${candidates.join(', ')} holds registry.terraform.io/hashicorp/aws/${AWS_PROVIDER_VERSION}/${terraformPlatform()}. ` +
      `Set ${MIRROR_ENV} to the directory that contains registry.terraform.io/.`,
  );
}

/** Writes a Terraform CLI config that installs hashicorp/* from the mirror only. Returns its path. */
export function writeCliConfig(stackDir: string, mirror: string): string {
  const path = join(stackDir, CLI_CONFIG_FILE);
  writeFileSync(
    path,
    [
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(mirror)}`,
      '    include = ["registry.terraform.io/hashicorp/*"]',
      '  }',
      '  direct {',
      '    exclude = ["registry.terraform.io/hashicorp/*"]',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return path;
}

/** Fake credentials and skip flags, so `plan` never calls AWS. */
export const OFFLINE_PROVIDER_SETTINGS = {
  access_key: 'offline-plan-not-a-key',
  secret_key: 'offline-plan-not-a-secret',
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
} as const;

export interface SynthesizedStack {
  variable?: Record<string, { default?: unknown; ephemeral?: boolean }>;
  provider?: Record<string, Array<Record<string, unknown>> | Record<string, unknown>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
  terraform?: { backend?: Record<string, Record<string, unknown>>; cloud?: unknown };
}

export function readStack(stackDir: string): SynthesizedStack {
  const path = join(stackDir, 'cdk.tf.json');
  if (!existsSync(path))
    throw new TerraformHarnessError(`${stackDir} holds no cdk.tf.json: synthesize the app first`);
  return JSON.parse(readFileSync(path, 'utf8')) as SynthesizedStack;
}

export interface OfflineOverrideOptions {
  /**
   * Local state files for the stack's `terraform_remote_state` data sources, by data source name: each is
   * read from that file instead of its remote backend.
   * @default - none: the stack reads no other stack's state
   */
  readonly remoteStates?: Readonly<Record<string, string>>;
}

/**
 * Writes the override file that gives every aws provider block (each alias) fake credentials and the
 * skip flags, replaces a remote backend (or `cloud` block) by a local state file, and points the named
 * `terraform_remote_state` data sources at local state files. Refuses a stack with AWS data sources:
 * offline plan can not read them.
 */
export function writeOfflineOverride(stackDir: string, options: OfflineOverrideOptions = {}): string {
  const stack = readStack(stackDir);
  const awsDataSources = Object.keys(stack.data ?? {}).filter((type) => type.startsWith('aws_'));
  if (awsDataSources.length > 0) {
    throw new TerraformHarnessError(
      `${stackDir} uses data sources that call AWS (${awsDataSources.join(', ')}); offline plan can not read them`,
    );
  }
  const declared = stack.provider?.aws;
  const blocks = declared === undefined ? [{}] : Array.isArray(declared) ? declared : [declared];
  const remoteStates = Object.entries(options.remoteStates ?? {});
  const override = {
    provider: {
      aws: blocks.map((block) => ({
        ...(typeof block.alias === 'string' ? { alias: block.alias } : {}),
        ...OFFLINE_PROVIDER_SETTINGS,
      })),
    },
    // A backend block in an override file replaces the configuration's backend or cloud block, of any type.
    ...(stack.terraform?.backend || stack.terraform?.cloud
      ? { terraform: { backend: { local: { path: OFFLINE_STATE_FILE } } } }
      : {}),
    ...(remoteStates.length > 0
      ? {
          data: {
            terraform_remote_state: Object.fromEntries(
              remoteStates.map(([name, path]) => [name, { backend: 'local', config: { path } }]),
            ),
          },
        }
      : {}),
  };
  const path = join(stackDir, OVERRIDE_FILE);
  writeFileSync(path, `${JSON.stringify(override, null, 2)}\n`);
  return path;
}

export interface TerraformRun {
  readonly args: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
}

/** A value given to every input variable that has no default and no `TF_VAR_` value, so plan runs unattended. */
export const PLACEHOLDER_VARIABLE_VALUE = 'offline-plan-placeholder';

/**
 * `TF_VAR_*` values for the stack's variables that have no default and no value in the environment. Such
 * variables carry write-only secret values (ephemeral, kept out of plan and state); offline planning gives
 * them a placeholder.
 */
export function placeholderVariables(
  stackDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const variables = readStack(stackDir).variable ?? {};
  return Object.fromEntries(
    Object.entries(variables)
      .filter(([name, v]) => v.default === undefined && env[`TF_VAR_${name}`] === undefined)
      .map(([name]) => [`TF_VAR_${name}`, PLACEHOLDER_VARIABLE_VALUE]),
  );
}

/** Runs one terraform command in a stack directory with the offline environment (CLI config, placeholders). */
export function runTerraform(
  stackDir: string,
  args: string[],
  cliConfig: string,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<TerraformRun> {
  const env: NodeJS.ProcessEnv = {
    ...placeholderVariables(stackDir),
    ...process.env,
    ...extraEnv,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete env.TF_PLUGIN_CACHE_DIR;
  return new Promise((resolve, reject) => {
    execFile(
      process.env.TERRAFORM_BINARY ?? 'terraform',
      args,
      { cwd: stackDir, env, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new TerraformHarnessError(
              `terraform ${args[0]} failed in ${stackDir} (${(error as NodeJS.ErrnoException).code ?? error.message}):\n${stderr || stdout}`,
            ),
          );
        } else {
          resolve({ args, stdout, stderr });
        }
      },
    );
  });
}

/** What a plan will do, counted from the plan JSON. */
export interface PlanSummary {
  readonly stack: string;
  readonly toAdd: number;
  readonly toChange: number;
  readonly toDestroy: number;
  /** Resources to add, counted by type. */
  readonly addedByType: Record<string, number>;
  readonly outputs: string[];
}

export interface PlanJson {
  resource_changes?: Array<{ address: string; type: string; change: { actions: string[]; after?: unknown } }>;
  planned_values?: { outputs?: Record<string, unknown>; root_module?: unknown };
  output_changes?: Record<string, { after?: unknown; after_unknown?: unknown }>;
  configuration?: unknown;
  [key: string]: unknown;
}

export function summarizePlan(stack: string, plan: PlanJson): PlanSummary {
  const changes = (plan.resource_changes ?? []).map((rc) => rc.change.actions);
  const addedByType: Record<string, number> = {};
  for (const rc of plan.resource_changes ?? []) {
    if (rc.change.actions.includes('create')) addedByType[rc.type] = (addedByType[rc.type] ?? 0) + 1;
  }
  return {
    stack,
    toAdd: changes.filter((a) => a.includes('create')).length,
    toChange: changes.filter((a) => a.includes('update')).length,
    toDestroy: changes.filter((a) => a.includes('delete')).length,
    addedByType,
    outputs: Object.keys(plan.planned_values?.outputs ?? {}).sort(),
  };
}

export interface PlanResult {
  readonly stackDir: string;
  readonly planJsonPath: string;
  readonly plan: PlanJson;
  readonly summary: PlanSummary;
  readonly runs: readonly TerraformRun[];
}

/**
 * One running hashicorp/aws provider that terraform commands attach to (`TF_REATTACH_PROVIDERS`) instead of
 * starting their own: the provider's start (its Go init and schema, several CPU seconds for the AWS
 * provider) is paid once per lane of the planner, not three times per stack. Use it for one command at
 * a time, and only for stacks with one aws provider block: the process holds one provider configuration.
 */
export interface SharedProvider {
  /** The `TF_REATTACH_PROVIDERS` value that attaches terraform to it. */
  readonly reattach: string;
  /** False once the provider process has ended. */
  alive(): boolean;
  /** Ends the provider process; resolves once it has ended. */
  stop(): Promise<void>;
}

/** The unpacked hashicorp/aws binary of the mirror, or undefined when the mirror holds it zipped only. */
export function awsProviderBinary(mirror: string): string | undefined {
  const dir = join(
    mirror,
    'registry.terraform.io',
    'hashicorp',
    'aws',
    AWS_PROVIDER_VERSION,
    terraformPlatform(),
  );
  if (!existsSync(dir)) return undefined;
  const binary = readdirSync(dir).find((f) => f.startsWith('terraform-provider-aws'));
  return binary === undefined ? undefined : join(dir, binary);
}

const REATTACH_LINE = /TF_REATTACH_PROVIDERS='([^']+)'/;
/** How long a provider may take to start on a loaded machine. */
export const SHARED_PROVIDER_START_TIMEOUT_MS = 120_000;

/**
 * Starts the mirror's hashicorp/aws in debug mode (it serves terraform commands that attach to it until
 * stopped). Resolves undefined when the mirror holds no unpacked binary; rejects when it does not start.
 */
export function startSharedProvider(mirror: string): Promise<SharedProvider | undefined> {
  const binary = awsProviderBinary(mirror);
  if (binary === undefined) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    // The process is configured once per terraform command; hashicorp/aws 5.100.0 fails a second
    // configuration with a custom CA bundle ("unable to add custom RootCAs HTTPClient"), and an offline
    // plan opens no connection that would need one.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    delete env.AWS_CA_BUNDLE;
    const child = spawn(binary, ['-debug'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let seen = '';
    let serving = false;
    const timer = setTimeout(() => {
      child.kill();
      reject(
        new TerraformHarnessError(
          `${binary} -debug printed no TF_REATTACH_PROVIDERS within ${SHARED_PROVIDER_START_TIMEOUT_MS / 1000} s`,
        ),
      );
    }, SHARED_PROVIDER_START_TIMEOUT_MS);
    const running = () => child.exitCode === null && child.signalCode === null;
    // Never leave a provider behind when this process ends.
    const onExit = () => {
      if (running()) child.kill();
    };
    process.once('exit', onExit);
    child.stdout.on('data', (chunk: Buffer) => {
      if (serving) return; // drained, so that it never blocks
      seen += chunk.toString();
      const match = REATTACH_LINE.exec(seen);
      if (match) {
        clearTimeout(timer);
        serving = true;
        resolve({
          reattach: match[1],
          alive: running,
          stop: () => {
            process.removeListener('exit', onExit);
            if (!running()) return Promise.resolve();
            const ended = new Promise<void>((done) => child.once('exit', () => done()));
            child.kill();
            return ended;
          },
        });
      }
    });
    child.stderr.resume(); // its log, drained so that it never blocks
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new TerraformHarnessError(`${binary} -debug did not start: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', onExit);
      reject(
        new TerraformHarnessError(`${binary} -debug ended before serving (${signal ?? `exit ${code}`})`),
      );
    });
  });
}

/**
 * True when a shared provider may plan the stack: it declares at most one aws provider block, without a
 * `custom_ca_bundle` (which the provider can not configure twice in one process).
 */
export function canShareProvider(stackDir: string): boolean {
  const declared = readStack(stackDir).provider?.aws;
  const blocks = declared === undefined ? [] : Array.isArray(declared) ? declared : [declared];
  return blocks.length <= 1 && blocks.every((block) => block.custom_ca_bundle === undefined);
}

export interface PlanOfflineOptions extends OfflineOverrideOptions {
  /**
   * The provider mirror directory (the one holding `registry.terraform.io/`).
   * @default - findProviderMirror()
   */
  readonly mirror?: string;
  /**
   * A running provider for plan and show to attach to (see SharedProvider); not used for a stack with
   * more than one aws provider block.
   * @default - every terraform command starts its own provider
   */
  readonly sharedProvider?: SharedProvider;
}

/**
 * Runs init, plan and show -json for one synthesized stack directory, offline. `terraform plan` validates
 * the configuration first (the checks of `terraform validate`, with the same messages), so a separate
 * validate would only start the provider once more.
 */
export async function planOffline(stackDir: string, options: PlanOfflineOptions = {}): Promise<PlanResult> {
  const mirror = options.mirror ?? findProviderMirror();
  const cliConfig = writeCliConfig(stackDir, mirror);
  writeOfflineOverride(stackDir, options);
  const attach: Record<string, string> =
    options.sharedProvider && canShareProvider(stackDir)
      ? { TF_REATTACH_PROVIDERS: options.sharedProvider.reattach }
      : {};
  const runs: TerraformRun[] = [];
  // -reconfigure: a .terraform/ left by a real init may remember the remote backend.
  runs.push(await runTerraform(stackDir, ['init', '-input=false', '-no-color', '-reconfigure'], cliConfig));
  // -refresh=false: nothing exists to refresh, and a refresh would call AWS.
  runs.push(
    await runTerraform(
      stackDir,
      ['plan', '-input=false', '-no-color', '-lock=false', '-refresh=false', '-out=offline.tfplan'],
      cliConfig,
      attach,
    ),
  );
  const show = await runTerraform(
    stackDir,
    ['show', '-json', '-no-color', 'offline.tfplan'],
    cliConfig,
    attach,
  );
  runs.push({ ...show, stdout: '(plan JSON)' });
  const planJsonPath = join(stackDir, 'plan.json');
  writeFileSync(planJsonPath, show.stdout);
  const plan = JSON.parse(show.stdout) as PlanJson;
  const stack = stackDir.split(/[\\/]/).filter(Boolean).pop() ?? stackDir;
  return { stackDir, planJsonPath, plan, summary: summarizePlan(stack, plan), runs };
}

/** The stack directories of a synthesized app (`<outdir>/stacks/*`). */
export function listStacks(outdir: string): string[] {
  const stacksDir = join(outdir, 'stacks');
  if (!existsSync(stacksDir))
    throw new TerraformHarnessError(`${outdir} holds no stacks/: synthesize the app first`);
  return readdirSync(stacksDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(stacksDir, e.name, 'cdk.tf.json')))
    .map((e) => join(stacksDir, e.name))
    .sort();
}

export function formatSummary(summary: PlanSummary): string {
  const types = Object.entries(summary.addedByType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => `    ${type} × ${n}`)
    .join('\n');
  return [
    `stack ${summary.stack}: ${summary.toAdd} to add, ${summary.toChange} to change, ${summary.toDestroy} to destroy`,
    types,
    `  outputs: ${summary.outputs.length > 0 ? summary.outputs.join(', ') : '(none)'}`,
  ].join('\n');
}
