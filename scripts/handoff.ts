/**
 * npm run handoff -- [stack] [--outputs file.json | --terraform-output] [--out dir]
 *
 * Writes one Markdown document per customer of a synthesized stack into cdktf.out/handoff/<stack>/:
 * from the offline plan (`npm run example` writes plan.json), from a file written by
 * `terraform output -json`, or (--terraform-output) by running `terraform output -json` in the stack.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { deviceConfigFiles, deviceFactsFromOutputs } from '../lib/handoff/device-config';
import { OutputSource, outputsFromPlan, outputsFromTerraform } from './handoff/outputs';
import { handoffCustomers, renderHandoff } from './handoff/render';
import { listStacks } from './terraform/harness';

export function writeHandoffs(stackDir: string, outputs: OutputSource, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const customers = handoffCustomers(outputs);
  if (customers.length === 0)
    throw new Error(`${stackDir} has no <customer>_handoff output: no CustomerBackendLink?`);
  return customers.flatMap((customer) => {
    const file = join(outDir, `${customer}.md`);
    writeFileSync(file, renderHandoff(customer, outputs));
    // A VPN customer's device configuration beside the document: swanctl.conf and the nftables rules.
    const facts = deviceFactsFromOutputs(customer, outputs);
    const device = facts ? deviceConfigFiles(facts) : [];
    for (const f of device) writeFileSync(join(outDir, f.name), f.content);
    return [file, ...device.map((f) => join(outDir, f.name))];
  });
}

function main(argv: string[]): void {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--terraform-output') flags.set(a, true);
    else if (a === '--outputs' || a === '--out' || a === '--cdktf-out') flags.set(a, argv[++i] ?? '');
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else positional.push(a);
  }
  const cdktfOut = resolve(String(flags.get('--cdktf-out') ?? 'cdktf.out'));
  const stacks = listStacks(cdktfOut);
  const stackName = positional[0] ?? (stacks.length === 1 ? basename(stacks[0]) : undefined);
  if (!stackName) throw new Error(`name a stack: ${stacks.map((s) => basename(s)).join(', ')}`);
  const stackDir = join(cdktfOut, 'stacks', stackName);
  if (!existsSync(stackDir))
    throw new Error(
      `no stack ${stackName} in ${cdktfOut} (have: ${stacks.map((s) => basename(s)).join(', ')})`,
    );

  let outputs: OutputSource;
  if (flags.has('--outputs')) {
    outputs = outputsFromTerraform(JSON.parse(readFileSync(String(flags.get('--outputs')), 'utf8')));
  } else if (flags.has('--terraform-output')) {
    outputs = outputsFromTerraform(
      JSON.parse(execFileSync('terraform', ['output', '-json'], { cwd: stackDir, encoding: 'utf8' })),
    );
  } else {
    const planPath = join(stackDir, 'plan.json');
    if (!existsSync(planPath))
      throw new Error(`${planPath} does not exist: run \`npm run example\` (or plan the stack) first`);
    outputs = outputsFromPlan(JSON.parse(readFileSync(planPath, 'utf8')));
  }
  const outDir = resolve(String(flags.get('--out') ?? join(cdktfOut, 'handoff', stackName)));
  for (const file of writeHandoffs(stackDir, outputs, outDir)) console.log(`wrote ${file}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`handoff: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
}
