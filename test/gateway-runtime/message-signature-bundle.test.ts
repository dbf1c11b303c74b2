/**
 * The message-signature family's Lambda bundle, as synth deploys it (`bundleGatewayRuntime`, the package
 * build's builder): its handler, loaded in a fresh Node process as the Lambda runtime loads it, signs a
 * request that a backend on loopback verifies with the `http-message-signatures` package; the standard
 * family's bundle, which does not hold the scheme, answers 500 CONFIG_INVALID naming the family to deploy.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { createVerifier, httpbis } from 'http-message-signatures';
import { bundleGatewayRuntime } from '../../lib/runtime/runtime-bundle';
import { runtimeFamilyNamed, runtimeFamilyOf } from '../../lib/runtime/runtime-families';
import { RunningBackend, startBackend } from '../support/loopback-backends';
import { albEvent } from './fixtures/harness';

jest.setTimeout(180_000);

const pair = generateKeyPairSync('ed25519');
const PRIVATE_PEM = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let backend: RunningBackend;
beforeAll(async () => {
  backend = await startBackend((req, res, body) => {
    httpbis
      .verifyMessage(
        {
          keyLookup: async (params) =>
            params.keyid === 'gw-bundle'
              ? { id: 'gw-bundle', algs: ['ed25519'], verify: createVerifier(pair.publicKey, 'ed25519') }
              : null,
          requiredParams: ['created', 'expires', 'keyid'],
          requiredFields: ['@method', '@authority', '@path', 'content-digest'],
          tolerance: 5,
        },
        {
          method: req.method ?? '',
          url: `http://${req.headers.host}${req.url}`,
          headers: req.headersDistinct as Record<string, string[]>,
        },
      )
      .then(
        (verified) => verified,
        (error: Error) => error.message,
      )
      .then((verified) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            verified,
            digestMatchesBody:
              req.headers['content-digest'] ===
              `sha-256=:${createHash('sha256').update(body).digest('base64')}:`,
            url: req.url,
          }),
        );
      });
  });
});
afterAll(() => backend?.stop());

/** Runs a bundle's handler once in a fresh Node process; the key is in the environment (a SecretRef `env`). */
async function invoke(
  file: string,
  event: object,
  config: object,
): Promise<{ result: Record<string, unknown>; stdout: string }> {
  const script = `
    const { handler } = require(${JSON.stringify(file)});
    handler(JSON.parse(process.argv[1]), { awsRequestId: 'msig-bundle' }).then(
      (result) => process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n'),
      (error) => { process.stderr.write('FAILED ' + error + '\\n'); process.exit(1); },
    );`;
  const { stderr, stdout } = await promisify(execFile)(
    process.execPath,
    ['-e', script, JSON.stringify(event)],
    {
      env: {
        PATH: process.env.PATH,
        GATEWAY_CONFIG: JSON.stringify(config),
        MSIG_KEY: PRIVATE_PEM,
        AWS_LAMBDA_FUNCTION_NAME: 'msig-bundle',
      },
    },
  );
  const line = stderr.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from the bundle:\n${stderr}`);
  return { result: JSON.parse(line.slice('RESULT '.length)), stdout };
}

const config = () => ({
  version: 1,
  name: 'msig-bundle',
  backend: { url: `${backend.baseUrl}/ledger` },
  security: { type: 'message-signature', algorithm: 'ed25519', keyId: 'gw-bundle', key: { env: 'MSIG_KEY' } },
});
const event = albEvent({
  method: 'POST',
  path: '/entries',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ entry: 'L-7' }),
});

describe('the message-signature family’s Lambda bundle', () => {
  test('GIVEN a message-signature customer THEN synth deploys the message-signature family', () => {
    expect(runtimeFamilyOf('message-signature').name).toBe('message-signature');
  });

  test('GIVEN its bundled handler WHEN a POST goes through THEN the backend verifies the signature and the digest with http-message-signatures', async () => {
    const bundle = bundleGatewayRuntime(runtimeFamilyNamed('message-signature'));
    const { result } = await invoke(`${bundle.directory}/index.js`, event, config());
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body as string)).toEqual({
      verified: true,
      digestMatchesBody: true,
      url: '/ledger/entries',
    });
  });

  test('fails when the standard family’s bundle is configured with message-signature: 500 CONFIG_INVALID, the problem names the family to deploy', async () => {
    const bundle = bundleGatewayRuntime(runtimeFamilyNamed('standard'));
    const { result, stdout } = await invoke(`${bundle.directory}/index.js`, event, config());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body as string)).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(stdout).toContain('\\"message-signature\\" is not in this Lambda bundle (family \\"standard\\"');
    expect(stdout).toContain('the constructs deploy the \\"message-signature\\" bundle for it');
    expect(stdout).not.toContain(PRIVATE_PEM.split('\n')[1]);
  });
});
