/**
 * `gateway-runtime check` with a SigV4 scheme: a credentials step (the variables, or the AssumeRole call to the
 * STS stand-in), and the request step signed and verified by botocore in the backend.
 */
import { CHECK_EXIT_CODES, runChecks } from '../../gateway-runtime/src/check';
import type { GatewayConfig } from '../../gateway-runtime/src/config/types';
import { freePort } from '../support/ports';
import { RunningVerifier, startVerifier } from './schemes/support/sigv4-verifier';

jest.setTimeout(30_000);

const REGION = 'eu-west-1';
const KEYS = {
  accessKeyId: 'ASIACHECKEXAMPLE0001',
  secretAccessKey: 'check-secret/never-printed-7c1d',
  sessionToken: 'check-session-token//never-printed==',
};
const ASSUMED = {
  accessKeyId: 'ASIACHECKASSUMED0002',
  secretAccessKey: 'check-assumed-secret/never-printed',
  sessionToken: 'check-assumed-token//never-printed==',
};
const ROLE_ARN = 'arn:aws:iam::210987654321:role/acme-orders-gateway-invoker';
const VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

let backend: RunningVerifier;
let sts: RunningVerifier;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

const setKeys = (on: boolean) => {
  for (const name of VARIABLES) delete process.env[name];
  if (on) {
    process.env.AWS_ACCESS_KEY_ID = KEYS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = KEYS.secretAccessKey;
    process.env.AWS_SESSION_TOKEN = KEYS.sessionToken;
  }
};

beforeAll(async () => {
  [backend, sts] = await Promise.all([
    startVerifier({ mode: 'backend', region: REGION, service: 'execute-api', credentials: [KEYS, ASSUMED] }),
    startVerifier({
      mode: 'sts',
      region: REGION,
      credentials: [KEYS],
      sts: {
        roleArn: ROLE_ARN,
        issue: [{ ...ASSUMED, expiration: new Date(Date.now() + 3_600_000).toISOString() }],
      },
    }),
  ]);
});
afterAll(async () => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await Promise.all([backend?.stop(), sts?.stop()]);
});

const config = (credentials?: object): GatewayConfig => ({
  version: 1,
  name: 'acme',
  backend: { url: `${backend.origin}/prod` },
  security: {
    type: 'sigv4',
    region: REGION,
    service: 'execute-api',
    ...(credentials ? { credentials } : {}),
  },
});
const stepsOf = (result: Awaited<ReturnType<typeof runChecks>>) =>
  result.steps.filter((s) => /^(credentials|request)/.test(s.step)).map((s) => [s.step, s.status, s.detail]);

describe('gateway-runtime check, sigv4', () => {
  test("GIVEN the function role's variables THEN the credentials step is ok and the request is signed and accepted", async () => {
    setKeys(true);
    const before = backend.verdicts().length;
    const result = await runChecks(config(), { path: '/health' });
    expect(stepsOf(result)).toEqual([
      ['credentials environment', 'ok', 'available: a request was signed'],
      ['request GET /health', 'ok', expect.stringMatching(/^200 in \d+ ms$/)],
    ]);
    expect(result.exitCode).toBe(0);
    const verdicts = await backend.verdictsWhen(before + 1);
    expect(verdicts.at(-1)).toMatchObject({ verified: true, path: '/prod/health' });
  });

  test('GIVEN an assumed role THEN the credentials step calls STS and the request is signed with the assumed credentials', async () => {
    setKeys(true);
    const before = backend.verdicts().length;
    const result = await runChecks(
      config({ source: 'assume-role', roleArn: ROLE_ARN, stsEndpoint: sts.origin }),
      {
        path: '/health',
      },
    );
    expect(stepsOf(result)).toEqual([
      ['credentials assume-role', 'ok', 'available: a request was signed'],
      ['request GET /health', 'ok', expect.stringMatching(/^200 in \d+ ms$/)],
    ]);
    const verdicts = await backend.verdictsWhen(before + 1);
    expect(verdicts.at(-1)).toMatchObject({ verified: true, accessKeyId: ASSUMED.accessKeyId });
  });

  test('fails when the variables are not set: the credentials step says so, the request is skipped', async () => {
    setKeys(false);
    const result = await runChecks(config(), { path: '/health' });
    const [credentials, request] = stepsOf(result);
    expect(credentials).toEqual([
      'credentials environment',
      'FAIL',
      'no AWS credentials for SigV4: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (CREDENTIALS_UNAVAILABLE)',
    ]);
    expect(request).toEqual(['request GET /health', 'skip', expect.any(String)]);
    expect(result.exitCode).toBe(CHECK_EXIT_CODES.token);
  });

  test('fails when STS does not answer: the credentials step says so, and no key is in any line', async () => {
    setKeys(true);
    const closed = await freePort();
    const result = await runChecks(
      config({ source: 'assume-role', roleArn: ROLE_ARN, stsEndpoint: `http://127.0.0.1:${closed}` }),
      { path: '/health' },
    );
    expect(stepsOf(result)[0]).toEqual([
      'credentials assume-role',
      'FAIL',
      `no AWS credentials for SigV4: STS http://127.0.0.1:${closed} could not be reached (ECONNREFUSED) (CREDENTIALS_UNAVAILABLE)`,
    ]);
    const text = JSON.stringify(result.steps);
    for (const secret of [KEYS.secretAccessKey, KEYS.sessionToken, ASSUMED.secretAccessKey]) {
      expect(text).not.toContain(secret);
    }
  });
});
