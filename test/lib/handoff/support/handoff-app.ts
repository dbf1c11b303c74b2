/**
 * The handoff on the constructs' real output: a real cdktf app (a GatewayPlatform and CustomerBackendLinks)
 * synthesized and planned offline with Terraform, then handed to `backend-link handoff` exactly as a user
 * does, from the plan (`plan.json`, the command's default) and from `terraform output -json` of a deployed
 * stack. The deployed stack is a Terraform state derived from the plan (remote-state.ts: the planned
 * outputs, with shaped placeholders for what only a deploy knows), with the values a deploy would have
 * given put in place of the placeholders the test reads; `terraform output -json` itself prints it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { handoffCommand } from '../../../../lib/cli/handoff';
import { PlanJson, listStacks, planOffline } from '../../../../lib/terraform/harness';
import { ctyTypeOf, stateFromPlan } from '../../../../lib/terraform/remote-state';

/** A runtime bundle fixture: the handoff does not depend on the function's code. */
export const BUNDLE = join(__dirname, '../../runtime/fixtures/bundle');

/** The documents and device files one `backend-link handoff` run wrote, by file name. */
export type HandoffFiles = Readonly<Record<string, string>>;

export interface HandoffApp {
  readonly outdir: string;
  readonly stack: string;
  readonly stackDir: string;
  readonly plan: PlanJson;
  /** The planned outputs, `after` and `after_unknown`, as plan.json holds them. */
  outputChange(name: string): { after?: unknown; after_unknown?: unknown; after_sensitive?: unknown };
  /** Runs `backend-link handoff` with `args` (plus `--out` and a fresh `--dest`) and returns what it wrote. */
  handoff(args?: readonly string[]): HandoffFiles;
  /**
   * Writes what `terraform output -json` prints for the stack once deployed: the state derived from the
   * plan, with the values a deploy gives in place of its placeholders: `deployed` maps an output's name to
   * its deployed value, made from the output's derived value. Returns the file's path, for `--from-outputs`.
   */
  terraformOutputJson(deployed: Readonly<Record<string, (derived: unknown) => unknown>>): string;
  remove(): void;
}

/** Synthesizes a one-stack app built by `build`, plans it offline and returns the handoff's inputs. */
export async function planHandoffApp(
  stackName: string,
  build: (stack: TerraformStack) => void,
): Promise<HandoffApp> {
  const outdir = mkdtempSync(join(tmpdir(), 'handoff-app-'));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, stackName);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  build(stack);
  app.synth();
  const [stackDir] = listStacks(outdir);
  // `backend-link plan` writes the same plan.json beside the stack.
  const { plan } = await planOffline(stackDir);
  const changes = (plan as { output_changes?: Record<string, Record<string, unknown>> }).output_changes ?? {};
  let runs = 0;
  return {
    outdir,
    stack: basename(stackDir),
    stackDir,
    plan,
    outputChange: (name) => {
      const change = changes[name];
      if (!change) throw new Error(`the plan has no output ${name}: ${Object.keys(changes).join(', ')}`);
      return change;
    },
    handoff: (args = []) => {
      const dest = join(outdir, `handoff-${++runs}`);
      const out: string[] = [];
      const err: string[] = [];
      const code = handoffCommand([...args, '--out', outdir, '--dest', dest], {
        stdout: (s) => out.push(s),
        stderr: (s) => err.push(s),
      });
      if (code !== 0) throw new Error(`backend-link handoff exited ${code}: ${err.join('')}`);
      return Object.fromEntries(readdirSync(dest).map((f) => [f, readFileSync(join(dest, f), 'utf8')]));
    },
    terraformOutputJson: (deployed) => {
      const { state } = stateFromPlan(basename(stackDir), plan);
      const outputs = state.outputs as Record<string, { value: unknown; type: unknown }>;
      for (const [name, deploy] of Object.entries(deployed)) {
        const output = outputs[name];
        if (!output) throw new Error(`the derived state has no output ${name}`);
        output.value = deploy(output.value);
        // The state's type follows the value, as a real apply writes it.
        output.type = ctyTypeOf(output.value);
      }
      const dir = join(outdir, 'deployed');
      mkdirSync(dir, { recursive: true });
      const stateFile = join(dir, 'terraform.tfstate');
      writeFileSync(stateFile, JSON.stringify(state, null, 2));
      // Terraform reads the state and prints the outputs (sensitive ones marked), as after a real apply.
      const json = execFileSync('terraform', ['output', '-json', `-state=${stateFile}`], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TF_IN_AUTOMATION: '1' },
      });
      const file = join(dir, 'terraform-output.json');
      writeFileSync(file, json);
      return file;
    },
    remove: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The section of a handoff document from heading `from` up to the next `## ` heading. */
export function section(doc: string, from: string): string {
  const start = doc.indexOf(from);
  if (start < 0) throw new Error(`no section ${from} in:\n${doc}`);
  const next = doc.indexOf('\n## ', start + from.length);
  return doc.slice(start, next < 0 ? undefined : next);
}
