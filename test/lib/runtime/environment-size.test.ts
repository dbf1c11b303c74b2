import { Testing, TerraformVariable } from 'cdktf';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import { CustomerSubnets, GatewayPlatform } from '../../../lib';
import { GatewayFunction } from '../../../lib/runtime/gateway-function';
import {
  environmentBytes,
  largestValues,
  longestSecretArn,
  withLongestValues,
} from '../../../lib/runtime/environment-size';
import { buildExampleApp } from '../../../examples/main';
import { testStack, validationErrorOf } from '../../support/constructs';
import { join } from 'node:path';
import { Construct } from 'constructs';

const BUNDLE = join(__dirname, 'fixtures', 'bundle');
const CONTEXT = { region: 'eu-west-1', accountId: '123456789012' };

/** Sixty /32 trusted sources: 960 bytes of the document. */
const SOURCES = Array.from({ length: 60 }, (_, i) => `10.40.0.${i + 1}/32`);

function digestConfig(arn: string, url: string): GatewayConfig {
  return {
    version: 1,
    name: 'acme',
    backend: { url },
    security: {
      type: 'digest',
      username: { secretArn: arn, jsonKey: 'username' },
      password: { secretArn: arn, jsonKey: 'password' },
    },
    trustedSources: { cidrs: SOURCES },
  };
}

/** GIVEN a function whose configuration references `arn(scope)` twice, with a backend URL of `pathLength`. */
function gatewayWith(
  scope: Construct,
  arn: (scope: Construct) => string,
  pathLength: number,
): GatewayFunction {
  const platform = new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  });
  const subnets = new CustomerSubnets(scope, 'Subnets', {
    platform,
    customerName: 'acme',
    cidrBlock: '10.40.128.0/24',
  });
  const secretArn = arn(scope);
  return new GatewayFunction(scope, 'Gateway', {
    subnets,
    accountId: '123456789012',
    config: digestConfig(secretArn, `https://orders.acme.internal/${'p'.repeat(pathLength)}`),
    secretArns: [secretArn],
    backendCidrs: ['192.168.10.0/24'],
    runtimeBundleDirectory: BUNDLE,
  });
}

describe('Lambda environment size', () => {
  test('GIVEN a secret of the stack WHEN its ARN token is measured THEN it counts as the longest ARN of its name', () => {
    const stack = testStack();
    const secret = new SecretsmanagerSecret(stack, 'Secret', { name: 'backend-link/acme/credentials' });
    const measured = withLongestValues(stack, { A: `x${secret.arn}y` }, CONTEXT);
    expect(measured).toEqual({
      A: 'xarn:aws-us-gov:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme/credentials-AbCdEfy',
    });
  });

  test('GIVEN a token that is not a secret of the stack WHEN measured THEN it counts as an ARN with a 512-character name', () => {
    const stack = testStack();
    const variable = new TerraformVariable(stack, 'arn', { type: 'string' });
    const measured = withLongestValues(stack, { A: variable.stringValue }, CONTEXT);
    expect(measured.A).toBe(longestSecretArn(CONTEXT, 'x'.repeat(512)));
    expect(measured.A).toHaveLength(579);
  });

  test('GIVEN a map WHEN measured THEN the size is that of its JSON form, escaped quotes included', () => {
    expect(environmentBytes({ K: '{"a":"é"}' })).toBe(Buffer.byteLength('{"K":"{\\"a\\":\\"é\\"}"}'));
    expect(largestValues({ a: 'xx', b: { c: 'xxxx' }, d: ['x'] }, 2)).toEqual([
      { path: 'b.c', bytes: 6 },
      { path: 'a', bytes: 4 },
    ]);
  });

  test('fails when the environment is over 4 KB only once the secret ARNs take their real length (regression: the check was skipped for any token)', () => {
    // GIVEN a 2000-byte path and sixty trusted sources (the document is ~3.4 KB with tokens in place of ARNs)
    // and two references to a secret whose name is 500 characters: each ARN is 567 bytes at apply time
    const error = validationErrorOf(() =>
      gatewayWith(
        testStack(),
        (scope) => new SecretsmanagerSecret(scope, 'Secret', { name: `acme/${'n'.repeat(495)}` }).arn,
        2000,
      ),
    );
    expect(error.problems).toEqual([
      "`config` makes the function's environment 4539 bytes with every secret ARN at its longest real form; Lambda allows 4096 bytes for all variables (measured as JSON). Shorten the largest values: backend.url (2031 bytes), security.username.secretArn (569 bytes), security.password.secretArn (569 bytes) (for secret ARNs: shorter secret names, or fewer secrets)",
    ]);
  });

  test('GIVEN the same document with a short secret name WHEN synthesized THEN it fits', () => {
    expect(() =>
      Testing.synthScope(
        (scope) =>
          void gatewayWith(
            scope,
            (s) => new SecretsmanagerSecret(s, 'Secret', { name: 'acme/credentials' }).arn,
            2000,
          ),
      ),
    ).not.toThrow();
  });

  test('GIVEN the showcase WHEN each function environment is measured with the longest ARNs THEN each fits, with room to spare', () => {
    const app = buildExampleApp(undefined, { runtimeBundleDirectory: BUNDLE });
    const stack = app.node.findChild('backend-link-example');
    const functions = stack.node.findAll().filter((c): c is GatewayFunction => c instanceof GatewayFunction);
    expect(functions).toHaveLength(5);
    for (const fn of functions) {
      const variables = fn.function.environmentInput?.variables as Record<string, string>;
      const bytes = environmentBytes(withLongestValues(fn, variables, CONTEXT));
      expect(bytes).toBeGreaterThan(400);
      expect(bytes).toBeLessThan(2048);
    }
  });
});
