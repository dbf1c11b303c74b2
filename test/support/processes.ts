/** A child process started by a test, with its output kept for failure messages. */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

export interface TestProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Undefined while running; a description once it has exited. */
  exited(): string | undefined;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): TestProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  let exit: string | undefined;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exit = `${command} exited (code ${code}, signal ${signal}):\n${output}`;
      resolve();
    });
    child.once('error', (error) => {
      exit = `${command} failed to start: ${error.message}`;
      resolve();
    });
  });
  return {
    child,
    output: () => output,
    exited: () => exit,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exit === undefined) child.kill(signal);
      await done;
    },
  };
}
