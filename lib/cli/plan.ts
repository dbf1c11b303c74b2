/**
 * `backend-link plan`: offline terraform init / plan / show of every stack of a synthesized
 * cdktf app, in parallel, with one summary table.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_PARALLEL, formatPlanTable, planApp } from '../terraform/plan-app';
import {
  AWS_PROVIDER_VERSION,
  MIRROR_ENV,
  TerraformHarnessError,
  findProviderMirror,
  mirrorHoldsAws,
  terraformPlatform,
} from '../terraform/harness';
import { formatSynthAnnotations, readSynthAnnotations } from '../terraform/synth-annotations';
import { Io, UsageError, parseCommandArgs, processIo } from './args';

export const PLAN_USAGE = `Usage: backend-link plan [--out DIR] [--stack NAME]... [--parallel N] [--provider-mirror DIR] [--no-shared-provider]

Plans every stack of a synthesized cdktf app offline: terraform init (hashicorp/* from a local provider
mirror only), plan with fake credentials and the provider's skip flags (plan validates the configuration
first, with terraform validate's checks), and show -json into <stack>/plan.json. Nothing calls AWS and the
synthesized configuration is not changed: the offline settings go into zz_offline_plan_override.tf.json
beside each cdk.tf.json (synthesize again, or delete it, before a real apply). A remote backend (S3, HCP
Terraform) is replaced by a local state there.

The warnings (and errors) the constructs recorded at synth, which cdktf writes into manifest.json and only
the cdktf CLI prints, are printed before the table for the stacks planned (an app run with npx tsx main.ts
shows them this way).

A stack that reads another stack of the app (cdktf cross-stack references, terraform_remote_state) is
planned after it, and reads a state derived from that stack's plan: planned values where the plan knows
them, placeholders for values known only after apply.

Options:
  --out DIR               the synthesized app (default: cdktf.out)
  --stack NAME            plan only this stack and the stacks it reads (repeatable)
  --parallel N            stacks planned at the same time (default: the number of cores, here ${DEFAULT_PARALLEL})
  --provider-mirror DIR   the directory holding registry.terraform.io/hashicorp/aws/... (default:
                          $${MIRROR_ENV}, else /opt/tf-plugins, ~/.terraform.d/plugins and the other usual places)
  --no-shared-provider    every terraform command starts its own hashicorp/aws (default: each of the N
                          lanes keeps one running that its stacks' plan and show attach to, which saves
                          most of the CPU time; stacks with several aws provider blocks start their own)
  -h, --help              show this help

Exit codes: 0 every stack planned; 1 a stack failed (its name and terraform's message on stderr);
2 usage or setup error (unknown option, no synthesized app, unknown stack, no provider mirror).`;

export interface PlanCommandOptions {
  readonly out: string;
  readonly stacks: readonly string[];
  readonly parallel?: number;
  readonly mirror?: string;
  readonly shareProvider?: boolean;
}

export function parsePlanArgs(argv: readonly string[]): PlanCommandOptions | 'help' {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      out: { type: 'string' },
      stack: { type: 'string', multiple: true },
      parallel: { type: 'string' },
      'provider-mirror': { type: 'string' },
      'no-shared-provider': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) return 'help';
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument ${positionals[0]} (name stacks with --stack ${positionals[0]})`,
    );
  }
  let parallel: number | undefined;
  if (values.parallel !== undefined) {
    parallel = Number(values.parallel);
    if (!/^\d+$/.test(values.parallel) || parallel < 1) {
      throw new UsageError(`--parallel ${values.parallel} is not a whole number ≥ 1`);
    }
  }
  return {
    out: values.out ?? 'cdktf.out',
    stacks: values.stack ?? [],
    ...(parallel !== undefined ? { parallel } : {}),
    ...(values['provider-mirror'] !== undefined ? { mirror: values['provider-mirror'] } : {}),
    ...(values['no-shared-provider'] ? { shareProvider: false } : {}),
  };
}

/** Runs `backend-link plan` and returns its exit code. */
export async function planCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  let options: PlanCommandOptions;
  try {
    const parsed = parsePlanArgs(argv);
    if (parsed === 'help') {
      io.stdout(`${PLAN_USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`backend-link plan: ${error.message}\n\n${PLAN_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const outdir = resolve(options.out);
  try {
    if (!existsSync(outdir)) {
      throw new TerraformHarnessError(
        `${outdir} does not exist: synthesize the app first (cdktf synth, or run the app), or name its output with --out`,
      );
    }
    const mirror = options.mirror ? resolve(options.mirror) : findProviderMirror();
    if (!mirrorHoldsAws(mirror)) {
      throw new TerraformHarnessError(
        `--provider-mirror ${mirror} does not hold registry.terraform.io/hashicorp/aws/${AWS_PROVIDER_VERSION}/${terraformPlatform()}`,
      );
    }
    io.stderr(`planning ${outdir} offline (provider mirror ${mirror})\n`);
    const plan = await planApp(outdir, {
      stacks: options.stacks,
      mirror,
      ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
      ...(options.shareProvider !== undefined ? { shareProvider: options.shareProvider } : {}),
      onStackDone: (o) =>
        io.stderr(
          o.error === undefined
            ? `  planned ${o.stack} (${o.seconds.toFixed(1)} s): ${o.result!.planJsonPath}\n`
            : `  FAILED ${o.stack}: ${o.error}\n`,
        ),
    });
    // The constructs' synth warnings of the planned stacks, which an app run without the cdktf CLI never shows.
    const annotations = readSynthAnnotations(
      outdir,
      plan.outcomes.map((o) => o.stack),
    );
    if (annotations.length > 0) io.stdout(`${formatSynthAnnotations(annotations)}\n\n`);
    io.stdout(`${formatPlanTable(plan)}\n`);
    if (plan.failed.length > 0) {
      io.stderr(`backend-link plan: ${plan.failed.length} stack(s) failed: ${plan.failed.join(', ')}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof TerraformHarnessError) {
      io.stderr(`backend-link plan: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
