/** The secret sources log into the gateway's own log stream (one JSON line each, with the gateway's name). */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createGateway } from '../../gateway-runtime/src/proxy';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backend-link/acme/credentials-AbCdEf';

afterEach(() => sm.reset());

test('GIVEN Secrets Manager denies the read WHEN a request comes THEN 503 and the failure is in the gateway log, without a value', async () => {
  sm.on(GetSecretValueCommand).rejects(
    Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
  );
  const lines: string[] = [];
  const gateway = createGateway(
    {
      version: 1,
      name: 'acme',
      backend: { url: 'http://127.0.0.1:9/api' },
      security: {
        type: 'basic',
        username: { secretArn: ARN, jsonKey: 'username' },
        password: { secretArn: ARN, jsonKey: 'password' },
      },
    },
    { logSink: (line) => lines.push(line), metricsSink: () => undefined },
  );
  try {
    const response = await gateway.handle({
      method: 'GET',
      path: '/orders',
      headers: {},
      protocol: 'https',
    } as never);
    expect(response.status).toBe(503);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'acme',
          level: 'error',
          event: 'secret-read-failed',
          secretArn: ARN,
          reason: 'AccessDeniedException',
        }),
      ]),
    );
    expect(lines.join('\n')).not.toContain('User is not authorized');
  } finally {
    await gateway.close();
  }
});
