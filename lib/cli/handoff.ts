/**
 * `backend-link handoff [STACK] [--out cdktf.out] [--from-outputs FILE | --terraform-output] [--dest DIR]`
 *
 * Writes one Markdown document per customer of a synthesized stack into <out>/handoff/<stack>/: from the
 * offline plan (`backend-link plan` writes plan.json), from a file written by `terraform output -json`,
 * or (--terraform-output) by running `terraform output -json` in the stack.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { OutputSource, outputsFromPlan, outputsFromTerraform } from '../handoff/outputs';
import { handoffCustomers, renderHandoff } from '../handoff/render';
import { TerraformHarnessError, listStacks } from '../terraform/harness';
import { Io, UsageError, parseCommandArgs, processIo } from './args';

export function writeHandoffs(stackDir: string, outputs: OutputSource, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const customers = handoffCustomers(outputs);
  if (customers.length === 0)
    throw new Error(`${stackDir} has no <customer>_handoff output: no CustomerBackendLink?`);
  return customers.map((customer) => {
    const file = join(outDir, `${customer}.md`);
    writeFileSync(file, renderHandoff(customer, outputs));
    return file;
  });
}

export const HANDOFF_USAGE = `Usage: backend-link handoff [STACK] [--out DIR] [--from-outputs FILE | --terraform-output] [--dest DIR]

Writes the customer handoff: one Markdown document per customer (CustomerBackendLink) of a stack, with
the VPN parameters, the addresses the customer's firewall must allow and what the backend must accept.
It holds no secret value.

  STACK                 the stack (default: every stack of the app that has customers)
  --out DIR             the synthesized app (default: cdktf.out)
  (default source)      <stack>/plan.json from \`backend-link plan\`: values known only after deploy are marked
  --from-outputs FILE   a saved \`terraform output -json\` of the deployed stack (needs STACK if the app has several)
  --terraform-output    runs \`terraform output -json\` in the stack's directory (after a real apply)
  --dest DIR            where the documents go (default: <out>/handoff/<stack>/; for several stacks DIR/<stack>/)
  -h, --help            show this help

Exit codes: 0 documents written; 1 no documents (no plan.json, no customer in the stack, terraform
output failed); 2 usage error (unknown option or stack, no synthesized app).`;

/** The outputs of one stack, from the source the options name. */
function outputsOf(
  stackDir: string,
  options: { fromOutputs?: string; terraformOutput?: boolean },
): OutputSource {
  if (options.fromOutputs !== undefined) {
    return outputsFromTerraform(JSON.parse(readFileSync(options.fromOutputs, 'utf8')));
  }
  if (options.terraformOutput) {
    return outputsFromTerraform(
      JSON.parse(execFileSync('terraform', ['output', '-json'], { cwd: stackDir, encoding: 'utf8' })),
    );
  }
  const planPath = join(stackDir, 'plan.json');
  if (!existsSync(planPath)) {
    throw new Error(`${planPath} does not exist: run \`backend-link plan\` first`);
  }
  return outputsFromPlan(JSON.parse(readFileSync(planPath, 'utf8')));
}

/** Runs `backend-link handoff` and returns its exit code. */
export function handoffCommand(argv: readonly string[], io: Io = processIo): number {
  let stacks: string[];
  let chosen: string[];
  let cdktfOut: string;
  let values: { 'from-outputs'?: string; 'terraform-output'?: boolean; dest?: string };
  try {
    const parsed = parseCommandArgs(
      argv,
      {
        out: { type: 'string' },
        'from-outputs': { type: 'string' },
        'terraform-output': { type: 'boolean' },
        dest: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        // Renamed options fail loudly.
        outputs: { type: 'string' },
        'cdktf-out': { type: 'string' },
      },
      true,
    );
    if (parsed.values.help) {
      io.stdout(`${HANDOFF_USAGE}\n`);
      return 0;
    }
    if (parsed.values.outputs !== undefined) throw new UsageError('--outputs is now --from-outputs FILE');
    if (parsed.values['cdktf-out'] !== undefined) throw new UsageError('--cdktf-out is now --out DIR');
    if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument ${parsed.positionals[1]}`);
    if (parsed.values['from-outputs'] !== undefined && parsed.values['terraform-output']) {
      throw new UsageError('give --from-outputs FILE or --terraform-output, not both');
    }
    values = parsed.values;
    cdktfOut = resolve(parsed.values.out ?? 'cdktf.out');
    try {
      stacks = listStacks(cdktfOut).map((s) => basename(s));
    } catch (error) {
      if (error instanceof TerraformHarnessError) throw new UsageError(error.message);
      throw error;
    }
    const [stack] = parsed.positionals;
    if (stack !== undefined && !stacks.includes(stack)) {
      throw new UsageError(`no stack ${stack} in ${cdktfOut} (stacks: ${stacks.join(', ')})`);
    }
    const fromOneStack = values['from-outputs'] !== undefined || values['terraform-output'] === true;
    if (stack === undefined && fromOneStack && stacks.length > 1) {
      throw new UsageError(`name the stack the outputs belong to: ${stacks.join(', ')}`);
    }
    chosen = stack !== undefined ? [stack] : stacks;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`backend-link handoff: ${error.message}\n\n${HANDOFF_USAGE}\n`);
      return 2;
    }
    throw error;
  }

  const problems: string[] = [];
  let written = 0;
  for (const stackName of chosen) {
    const stackDir = join(cdktfOut, 'stacks', stackName);
    try {
      const outputs = outputsOf(stackDir, {
        ...(values['from-outputs'] !== undefined ? { fromOutputs: values['from-outputs'] } : {}),
        ...(values['terraform-output'] ? { terraformOutput: true } : {}),
      });
      // Without a named stack, stacks with no customer (a platform stack) are not an error.
      if (chosen.length > 1 && handoffCustomers(outputs).length === 0) continue;
      const dest = resolve(
        values.dest !== undefined && chosen.length === 1
          ? values.dest
          : join(values.dest ?? join(cdktfOut, 'handoff'), stackName),
      );
      for (const file of writeHandoffs(stackDir, outputs, dest)) {
        io.stdout(`wrote ${file}\n`);
        written++;
      }
    } catch (error) {
      problems.push(`${stackName}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const p of problems) io.stderr(`backend-link handoff: ${p}\n`);
  if (written === 0 && problems.length === 0) {
    io.stderr(`backend-link handoff: no stack of ${cdktfOut} has a customer (a <customer>_handoff output)\n`);
  }
  return problems.length > 0 || written === 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = handoffCommand(process.argv.slice(2));
