/**
 * Runs a synthesized gateway bundle (`index.js` out of the function's asset) in its own Node process, as
 * the Lambda runtime would: the function's environment variables are set before the bundle loads (it
 * reads `GATEWAY_CONFIG` at its cold start), events are passed to its exported `handler`, and everything
 * it writes to stdout and stderr (its JSON-line logs and metrics) is kept for the test to scan.
 *
 * A child process per function keeps each customer's cold start separate (no shared module cache, no
 * jest module registry in between) and captures the handler's output without patching the test's streams.
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { AlbEvent, AlbResult } from '../../../gateway-runtime/src/adapters/lambda';

const RUNNER = join(__dirname, 'lambda-runner.mjs');

/**
 * The bundle keeps `@aws-sdk/*` external (the Lambda runtime provides SDK v3 on its NODE_PATH) and loads
 * `@aws-sdk/client-secrets-manager` only when a Secrets Manager reference is first resolved. The
 * repository's node_modules stands in for Lambda's NODE_PATH here, as Lambda's would; no secret reference of
 * the local configuration ever calls AWS, so the SDK is not loaded in these tests.
 */
const SDK_NODE_PATH = join(__dirname, '../../../node_modules');

const INVOKE_TIMEOUT_MS = 30_000;

export interface LambdaHost {
  invoke(event: AlbEvent): Promise<AlbResult>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

type Message =
  { readonly ready: true } | { readonly id: number; readonly result?: AlbResult; readonly error?: string };

/** Starts the bundle with exactly `environment` (plus PATH and NODE_PATH) and waits until it has loaded. */
export async function startLambda(
  bundleFile: string,
  environment: Record<string, string>,
): Promise<LambdaHost> {
  const child: ChildProcess = fork(RUNNER, [bundleFile], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_PATH: SDK_NODE_PATH, ...environment },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exit: string | undefined;
  const pending = new Map<number, { resolve: (r: AlbResult) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = `the Lambda host exited (code ${code}, signal ${signal}):\n${output}`;
      for (const waiter of pending.values()) waiter.reject(new Error(exit));
      pending.clear();
      resolve();
    }),
  );

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bundle did not load in 20 s:\n${output}`)), 20_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(exit));
    });
  });

  child.on('message', (message: Message) => {
    if (!('id' in message)) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`the handler threw: ${message.error}`));
    else waiter?.resolve(message.result!);
  });

  let nextId = 0;
  return {
    invoke(event) {
      if (exit) return Promise.reject(new Error(exit));
      const id = ++nextId;
      return new Promise<AlbResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no answer from the handler in ${INVOKE_TIMEOUT_MS} ms:\n${output}`));
        }, INVOKE_TIMEOUT_MS);
        pending.set(id, {
          resolve: (result) => {
            clearTimeout(timer);
            resolve(result);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, event });
      });
    },
    output: () => output,
    async stop() {
      if (exit === undefined) child.kill('SIGTERM');
      await exited;
    },
  };
}
