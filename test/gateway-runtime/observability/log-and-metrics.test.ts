import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createBufferedSink, createLogger, pathForLog } from '../../../gateway-runtime/src/observability/log';
import {
  createMetricsEmitter,
  EMF_MAX_VALUES,
  metricsDocument,
  RequestMetrics,
} from '../../../gateway-runtime/src/observability/metrics';

const nextTurn = () => new Promise((done) => setImmediate(done));

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

describe('createLogger: the line is exactly what JSON.stringify writes', () => {
  test('GIVEN every field, strings that need escaping and nested objects THEN the text equals JSON.stringify of the entry', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'gw "quoted"\\',
      (l) => lines.push(l),
      () => Date.UTC(2026, 11, 1, 12, 0, 0, 5),
    );
    const fields = {
      requestId: 'id-\u2028-\n',
      method: 'GET',
      path: '/a"b\\c/\u00e9/\u0001',
      status: 200,
      upstreamStatus: 503,
      durationMs: 1.5,
      error: 'BACKEND_TIMEOUT',
      problems: [{ path: 'security.password', message: 'is "wrong"' }],
      attempts: 2,
      address: '::1',
      port: 8443,
      client: { subject: 'CN=a', issuer: 'CN=ca', serial: '0A', spkiSha256: 'x/y=' },
      certificate: { serial: '01', validTo: 'Dec  1 12:00:00 2027 GMT', daysToExpiry: 365 },
      suppressed: 3,
      field: 'httpMethod',
    };
    logger.log('warn', 'a "message"\ttab', fields);
    logger.log('info', 'only some', { status: 204, upstreamStatus: undefined });
    expect(lines[0]).toBe(
      JSON.stringify({
        time: '2026-12-01T12:00:00.005Z',
        level: 'warn',
        msg: 'a "message"\ttab',
        name: 'gw "quoted"\\',
        ...fields,
      }),
    );
    expect(lines[1]).toBe(
      JSON.stringify({
        time: '2026-12-01T12:00:00.005Z',
        level: 'info',
        msg: 'only some',
        name: 'gw "quoted"\\',
        status: 204,
      }),
    );
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

describe('createBufferedSink', () => {
  test('GIVEN lines of one event-loop turn THEN they are written together, in order, in one write at the next turn', async () => {
    const writes: string[] = [];
    const sink = createBufferedSink((chunk) => writes.push(chunk));
    sink('{"a":1}');
    sink('{"a":2}');
    sink('{"a":3}');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['{"a":1}\n{"a":2}\n{"a":3}\n']);
    sink('{"a":4}');
    await nextTurn();
    expect(writes).toEqual(['{"a":1}\n{"a":2}\n{"a":3}\n', '{"a":4}\n']);
  });

  test('GIVEN an interval WHEN lines arrive over several turns within it THEN they are written together once it has passed', async () => {
    const writes: string[] = [];
    const sink = createBufferedSink((chunk) => writes.push(chunk), 50);
    sink('{"a":1}');
    await nextTurn();
    sink('{"a":2}');
    await nextTurn();
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(writes).toEqual(['{"a":1}\n{"a":2}\n']);
  });

  test('GIVEN pending lines WHEN flush() is called THEN they are written at once, and not a second time', async () => {
    const writes: string[] = [];
    const sink = createBufferedSink((chunk) => writes.push(chunk));
    sink('one');
    sink.flush();
    expect(writes).toEqual(['one\n']);
    await nextTurn();
    sink.flush();
    expect(writes).toEqual(['one\n']);
  });

  test('GIVEN more than 64 KiB pending in one turn THEN they are written without waiting for the next turn', () => {
    const writes: string[] = [];
    const sink = createBufferedSink((chunk) => writes.push(chunk));
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 70; i++) sink(line);
    expect(writes).toHaveLength(1);
    expect(writes[0].split('\n')).toHaveLength(67); // 66 lines past 64 KiB, and the final newline
  });

  test('GIVEN lines pending WHEN the process exits right after writing them THEN no line is lost', () => {
    const log = resolve(__dirname, '../../../gateway-runtime/src/observability/log.ts');
    const script = `const { createBufferedSink } = require(${JSON.stringify(log)});
const sink = createBufferedSink();
for (let i = 0; i < 1000; i++) sink(JSON.stringify({ line: i }));
process.exit(0);`;
    const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    const lines = child.stdout.trim().split('\n');
    expect(lines).toHaveLength(1000);
    expect(lines.map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([...Array(1000).keys()]);
  });
});

describe('createMetricsEmitter with an interval (aggregated EMF)', () => {
  const ok = (latencyMs: number, upstreamStatus?: number): RequestMetrics => ({
    latencyMs,
    authFailure: upstreamStatus === 401,
    gatewayError: upstreamStatus === undefined,
    ...(upstreamStatus !== undefined ? { upstreamStatus } : {}),
  });

  test('GIVEN requests within an interval THEN one document holds every latency as a value array and the counts summed', async () => {
    const lines: string[] = [];
    let clock = 1_700_000_000_000;
    const emitter = createMetricsEmitter(
      'acme',
      (l) => lines.push(l),
      () => clock,
      { intervalMs: 20 },
    );
    emitter.request(ok(3, 200));
    clock += 5;
    emitter.request(ok(4, 200));
    emitter.request(ok(9, 401));
    emitter.request(ok(30));
    emitter.request({ ...ok(2, 302), clientCertificateDaysToExpiry: 12 });
    expect(lines).toEqual([]);
    await new Promise((done) => setTimeout(done, 60));
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(doc).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
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
      },
      Gateway: 'acme',
      Latency: [3, 4, 9, 30, 2],
      Upstream2xx: 2,
      Upstream3xx: 1,
      Upstream4xx: 1,
      Upstream5xx: 0,
      AuthFailures: 1,
      GatewayErrors: 1,
      ClientCertificateDaysToExpiry: 12,
    });
  });

  test(`GIVEN more requests than EMF's ${EMF_MAX_VALUES} values per metric THEN each document holds at most ${EMF_MAX_VALUES}, and flush() writes the rest`, () => {
    const lines: string[] = [];
    const emitter = createMetricsEmitter('acme', (l) => lines.push(l), Date.now, { intervalMs: 60_000 });
    for (let i = 0; i < 250; i++) emitter.request(ok(i, 200));
    expect(lines).toHaveLength(2);
    emitter.flush();
    const docs = lines.map((l) => JSON.parse(l) as { Latency: number[]; Upstream2xx: number });
    expect(docs.map((d) => d.Latency.length)).toEqual([100, 100, 50]);
    expect(docs.map((d) => d.Upstream2xx)).toEqual([100, 100, 50]);
    expect(docs.flatMap((d) => d.Latency)).toEqual([...Array(250).keys()]);
    emitter.flush();
    expect(lines).toHaveLength(3); // nothing pending: no empty document
  });

  test('GIVEN no interval THEN every request is its own document, as before', () => {
    const lines: string[] = [];
    const emitter = createMetricsEmitter(
      'acme',
      (l) => lines.push(l),
      () => 1,
    );
    emitter.request(ok(3, 200));
    emitter.request(ok(4, 503));
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      metricsDocument('acme', ok(3, 200), 1),
      metricsDocument('acme', ok(4, 503), 1),
    ]);
  });
});
