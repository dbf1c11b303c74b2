import { createLogger, pathForLog } from '../../../gateway-runtime/src/observability/log';
import { metricsDocument } from '../../../gateway-runtime/src/observability/metrics';

describe('createLogger', () => {
  test('GIVEN fields beyond the allow-list WHEN logged THEN only known fields are written, as one JSON line', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'acme',
      (line) => lines.push(line),
      () => Date.UTC(2026, 0, 2, 3, 4, 5),
    );
    logger.log('warn', 'request failed', {
      requestId: 'r1',
      method: 'GET',
      path: '/a',
      status: 502,
      upstreamStatus: 503,
      durationMs: 12,
      error: 'BACKEND_UNREACHABLE',
      // not part of LogFields: must never be written, whatever a caller passes
      ...({ authorization: 'Basic c2VjcmV0', password: 'hunter2' } as object),
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'warn',
      msg: 'request failed',
      name: 'acme',
      requestId: 'r1',
      method: 'GET',
      path: '/a',
      status: 502,
      upstreamStatus: 503,
      durationMs: 12,
      error: 'BACKEND_UNREACHABLE',
    });
  });

  test.each([
    ['/a/b', '/a/b'],
    ['/a/b?token=x', '/a/b'],
    ['/a#frag', '/a'],
  ])('GIVEN %s THEN the logged path is %s', (path, logged) => {
    expect(pathForLog(path)).toBe(logged);
  });
});

describe('metricsDocument (CloudWatch EMF)', () => {
  test.each([
    [200, { Upstream2xx: 1, Upstream3xx: 0, Upstream4xx: 0, Upstream5xx: 0 }],
    [302, { Upstream2xx: 0, Upstream3xx: 1, Upstream4xx: 0, Upstream5xx: 0 }],
    [401, { Upstream2xx: 0, Upstream3xx: 0, Upstream4xx: 1, Upstream5xx: 0 }],
    [503, { Upstream2xx: 0, Upstream3xx: 0, Upstream4xx: 0, Upstream5xx: 1 }],
    [undefined, { Upstream2xx: 0, Upstream3xx: 0, Upstream4xx: 0, Upstream5xx: 0 }],
  ])('GIVEN upstream status %s THEN the class counts are %j', (status, counts) => {
    const doc = metricsDocument(
      'acme',
      {
        latencyMs: 5,
        authFailure: false,
        gatewayError: false,
        ...(status ? { upstreamStatus: status } : {}),
      },
      1,
    );
    expect(doc).toMatchObject({ Gateway: 'acme', Latency: 5, ...counts });
  });

  test('GIVEN an auth failure and a client certificate THEN AuthFailures and days to expiry are declared and set', () => {
    const doc = metricsDocument(
      'acme',
      {
        latencyMs: 7,
        upstreamStatus: 401,
        authFailure: true,
        gatewayError: false,
        clientCertificateDaysToExpiry: 29,
      },
      1700000000000,
    );
    expect(doc).toMatchObject({ AuthFailures: 1, ClientCertificateDaysToExpiry: 29, GatewayErrors: 0 });
    expect(doc._aws).toEqual({
      Timestamp: 1700000000000,
      CloudWatchMetrics: [
        {
          Namespace: 'BackendLink/Gateway',
          Dimensions: [['Gateway']],
          Metrics: [
            { Name: 'Latency', Unit: 'Milliseconds' },
            { Name: 'Upstream2xx', Unit: 'Count' },
            { Name: 'Upstream3xx', Unit: 'Count' },
            { Name: 'Upstream4xx', Unit: 'Count' },
            { Name: 'Upstream5xx', Unit: 'Count' },
            { Name: 'AuthFailures', Unit: 'Count' },
            { Name: 'GatewayErrors', Unit: 'Count' },
            { Name: 'ClientCertificateDaysToExpiry', Unit: 'None' },
          ],
        },
      ],
    });
  });
});
