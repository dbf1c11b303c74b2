/**
 * Starts sigv4_verifier.py (botocore recomputing each request's SigV4 signature) with Debian's Python,
 * which has python3-botocore. A missing interpreter or package fails the test loudly, naming the
 * Debian package (listed in .ci/apt-packages): never a skip.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startProcess, TestProcess } from '../../../support/processes';
import { requireTool } from '../../../support/tools';

export const DEBIAN_PYTHON = '/usr/bin/python3';

export interface VerifierCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface VerifierConfig {
  readonly mode: 'backend' | 'sts';
  readonly region: string;
  readonly service?: string;
  readonly s3?: boolean;
  readonly credentials: readonly VerifierCredentials[];
  readonly revoked?: readonly string[];
  readonly sts?: {
    readonly roleArn: string;
    readonly externalId?: string;
    readonly issue: ReadonlyArray<Required<VerifierCredentials> & { readonly expiration: string }>;
  };
}

export interface Verdict {
  readonly mode: string;
  readonly method: string;
  readonly path: string;
  readonly verified: boolean;
  readonly reason: string;
  readonly status: number;
  readonly bodyLength: number;
  readonly canonical?: string;
  readonly signedHeaders?: string[];
  readonly accessKeyId?: string;
  readonly amzDate?: string;
}

export interface RunningVerifier {
  readonly origin: string;
  /** Every verdict so far, in order (as read from the verifier's output: the last may still be on its way). */
  verdicts(): Verdict[];
  /**
   * The verdicts once there are at least `count` of them: the verifier writes each before it answers, but its
   * output reaches this process on its own schedule. Fails after `timeoutMs`.
   */
  verdictsWhen(count: number, timeoutMs?: number): Promise<Verdict[]>;
  stop(): Promise<void>;
}

/** Fails (throws) unless Debian's Python with botocore is installed. */
export function requireBotocore(): void {
  requireTool(DEBIAN_PYTHON, 'python3');
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import botocore.auth'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${DEBIAN_PYTHON} can not import botocore: install the Debian package "python3-botocore" (listed in .ci/apt-packages)` +
        (process.env.CI === 'true' ? ' — CI must not skip this test' : ''),
    );
  }
}

export async function startVerifier(config: VerifierConfig): Promise<RunningVerifier> {
  requireBotocore();
  const process: TestProcess = startProcess(DEBIAN_PYTHON, [
    join(__dirname, 'sigv4_verifier.py'),
    JSON.stringify(config),
  ]);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /^PORT (\d+)$/m.exec(process.output());
      if (match) {
        clearInterval(timer);
        resolve(Number(match[1]));
      } else if (process.exited()) {
        clearInterval(timer);
        reject(new Error(process.exited()));
      }
    }, 20);
  });
  const verdicts = (): Verdict[] =>
    process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Verdict);
  return {
    origin: `http://127.0.0.1:${port}`,
    verdicts,
    async verdictsWhen(count: number, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const all = verdicts();
        if (all.length >= count) return all;
        if (Date.now() > until) throw new Error(`the verifier reported ${all.length} verdicts, not ${count}`);
        await new Promise((next) => setTimeout(next, 10));
      }
    },
    stop: () => process.stop(),
  };
}
