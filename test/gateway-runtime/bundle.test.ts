/** The esbuild bundle: it builds into one file, and its handler answers ALB events in a plain Node process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleRuntime } from '../../scripts/build-runtime';
import { echoHandler, RunningBackend, startBackend } from '../support/loopback-backends';
import { albEvent } from './fixtures/harness';

jest.setTimeout(60_000);

let outdir: string;
let backend: RunningBackend;
let bundle: { file: string; bytes: number };

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'runtime-bundle-'));
  backend = await startBackend(echoHandler);
  bundle = await bundleRuntime(outdir);
});
afterAll(async () => {
  await backend?.stop();
  rmSync(outdir, { recursive: true, force: true });
});

/** Runs the bundled handler in a fresh Node process, as the Lambda runtime would load it. */
async function invoke(event: object, gatewayConfig: string): Promise<Record<string, unknown>> {
  const script = `
    const { handler } = require(${JSON.stringify(bundle.file)});
    handler(JSON.parse(process.argv[1]), { awsRequestId: 'bundle-test' }).then(
      (result) => process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n'),
      (error) => { process.stderr.write('FAILED ' + error + '\\n'); process.exit(1); },
    );`;
  const { stderr } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(event)], {
    env: { PATH: process.env.PATH, GATEWAY_CONFIG: gatewayConfig, AWS_LAMBDA_FUNCTION_NAME: 'bundle-test' },
  });
  const line = stderr.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from the bundle:\n${stderr}`);
  return JSON.parse(line.slice('RESULT '.length));
}

describe('runtime bundle', () => {
  test('GIVEN the build WHEN it runs THEN it writes exactly one index.js', () => {
    expect(readdirSync(outdir)).toEqual(['index.js']);
    expect(bundle.bytes).toBeGreaterThan(0);
  });

  test.each([false, true])(
    'GIVEN the bundled handler (multi-value %s) WHEN invoked with an ALB event THEN it proxies to the loopback backend',
    async (multiValue) => {
      const config = JSON.stringify({
        version: 1,
        name: 'bundle',
        backend: { url: `${backend.baseUrl}/api` },
        security: { type: 'none' },
      });
      const result = await invoke(albEvent({ path: '/ping', query: { a: '1' }, multiValue }), config);
      expect(result).toMatchObject({ statusCode: 200, statusDescription: '200 OK', isBase64Encoded: false });
      expect(JSON.parse(result.body as string)).toMatchObject({ method: 'GET', url: '/api/ping?a=1' });
    },
  );

  test('fails when GATEWAY_CONFIG is invalid: the bundled handler answers 500 CONFIG_INVALID', async () => {
    const result = await invoke(albEvent({ path: '/ping' }), '{"version":3}');
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body as string)).toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
