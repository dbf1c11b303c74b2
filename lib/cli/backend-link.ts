#!/usr/bin/env node
/**
 * The `backend-link` command: `plan`, `stacks`, `handoff`, `secret` and `jwks`.
 *
 * Exit codes: 0 success (or --help); 1 the command ran and failed (a stack that does not plan, no handoff
 * document); 2 a usage or setup error (unknown command or option, missing input).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Io, exitQuietlyOnClosedPipe, processIo } from './args';
import { handoffCommand } from './handoff';
import { jwksCommand } from './jwks';
import { planCommand } from './plan';
import { stacksCommand } from './stacks';
import { main as secretMain } from './secret-json';

export const USAGE = `Usage: backend-link <command> [options]

Commands:
  plan      plan every stack of a synthesized cdktf app offline, in parallel (terraform init/plan/show)
  stacks    list the app's stacks with their dependencies, in order (--json for CI)
  handoff   write the customer handoff documents from a stack's plan or outputs
  secret    build a secret's JSON value from PEM and text files, checked, for Secrets Manager
  jwks      print the public JWKS of a signing key (RFC 9421 message signatures), never the private key

Run \`backend-link <command> --help\` for a command's options.

Options:
  -h, --help      show this help
  -v, --version   print the package version

Exit codes: 0 success; 1 the command failed (e.g. a stack that does not plan); 2 usage or setup error.`;

function version(): string {
  // dist/lib/cli/ in the package, lib/cli/ in the repository.
  for (const up of ['../../..', '../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      // try the next
    }
  }
  return 'unknown';
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'plan':
      return planCommand(rest, io);
    case 'stacks':
      return stacksCommand(rest, io);
    case 'handoff':
      return handoffCommand(rest, io);
    case 'secret':
      return secretMain([...rest], { write: io.stdout }, { write: io.stderr }, 'backend-link secret');
    case 'jwks':
      return jwksCommand(rest, io);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      if (command === undefined) {
        io.stderr(`${USAGE}\n`);
        return 2;
      }
      io.stdout(`${USAGE}\n`);
      return 0;
    case '-v':
    case '--version':
      io.stdout(`${version()}\n`);
      return 0;
    default:
      io.stderr(
        `backend-link: unknown command ${command} (expected plan, stacks, handoff, secret or jwks)\n\n${USAGE}\n`,
      );
      return 2;
  }
}

if (require.main === module) {
  exitQuietlyOnClosedPipe();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `backend-link: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
      );
      process.exitCode = 1;
    },
  );
}
