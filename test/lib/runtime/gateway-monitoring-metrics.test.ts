/**
 * Every metric a customer's alarm or dashboard widget names is one the gateway runtime really writes, with
 * the dimensions (names and values) it really uses: not a hand-written list.
 *
 * GIVEN two customers' links synthesized (acme: basic + mutual TLS over a VPN; globex: OAuth 2.0 client
 * credentials), WHEN each link's own runtime configuration (secret references swapped for a local file,
 * the backend and token endpoint for loopback ones) runs in the real Lambda handler of gateway-runtime/src
 * against a loopback HTTPS backend that verifies client certificates, and its stdout is captured,
 * THEN every metric the alarms, the log metric filters and the dashboards name is proven by those lines:
 *  - `BackendLink/Gateway` metrics by the embedded-metric-format documents (namespace, metric name,
 *    dimension set, and the `Gateway` value);
 *  - `BackendLink/GatewayLogs` metrics by a log metric filter whose pattern matches a line the runtime wrote
 *    and whose dimensions' JSON fields are in that line, with the value the alarm names;
 *  - `AWS/*` metrics are AWS's own (Lambda, VPN), checked against the metrics and dimensions AWS documents.
 */
import { createServer as createHttpsServer, Server } from 'node:https';
import { createServer as createNetServer, AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { createLambdaHandler } from '../../../gateway-runtime/src/adapters/lambda';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  SecretSource,
} from '../../../lib';
import { albEvent } from '../../gateway-runtime/fixtures/harness';
import { Issued, TestPki } from '../../support/pki';

jest.setTimeout(120_000);

const BUNDLE = join(__dirname, 'fixtures', 'bundle');

/** What a metric reference names: namespace, metric, and the dimensions with their values. */
interface MetricReference {
  readonly where: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** A metric as the runtime's EMF documents declare it. */
interface EmittedMetric {
  readonly namespace: string;
  readonly metricName: string;
  /** The dimension set, sorted, with the document's values. */
  readonly dimensions: Readonly<Record<string, string>>;
}

interface LogMetricFilter {
  readonly pattern: string;
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension name → `$.field`. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** AWS's own metrics the constructs may name, with the dimension set each is published with. */
const AWS_METRICS: Readonly<Record<string, readonly string[]>> = {
  'AWS/Lambda Errors': ['FunctionName'],
  'AWS/Lambda Throttles': ['FunctionName'],
  'AWS/Lambda Duration': ['FunctionName'],
  'AWS/VPN TunnelState': ['TunnelIpAddress', 'VpnId'],
};

type Json = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

/** Every metric the synthesized alarms and dashboards name, and the log metric filters. */
function referencesOf(synthesized: Json): { references: MetricReference[]; filters: LogMetricFilter[] } {
  const references: MetricReference[] = [];
  for (const [id, alarm] of Object.entries(synthesized.resource.aws_cloudwatch_metric_alarm ?? {})) {
    if (alarm.metric_name !== undefined) {
      references.push({
        where: `alarm ${String(alarm.alarm_name)}`,
        namespace: String(alarm.namespace),
        metricName: String(alarm.metric_name),
        dimensions: (alarm.dimensions ?? {}) as Record<string, string>,
      });
    }
    for (const query of (alarm.metric_query ?? []) as Array<Record<string, Record<string, unknown>>>) {
      if (!query.metric) continue;
      references.push({
        where: `alarm ${String(alarm.alarm_name ?? id)} (${String(query.id)})`,
        namespace: String(query.metric.namespace),
        metricName: String(query.metric.metric_name),
        dimensions: (query.metric.dimensions ?? {}) as Record<string, string>,
      });
    }
  }
  for (const dashboard of Object.values(synthesized.resource.aws_cloudwatch_dashboard ?? {})) {
    const body = JSON.parse(String(dashboard.dashboard_body)) as {
      widgets: Array<{ properties: { title: string; metrics: unknown[][] } }>;
    };
    for (const widget of body.widgets) {
      for (const metric of widget.properties.metrics) {
        const parts = metric.filter((p): p is string => typeof p === 'string');
        const dimensions: Record<string, string> = {};
        for (let i = 2; i + 1 < parts.length; i += 2) dimensions[parts[i]] = parts[i + 1];
        references.push({
          where: `dashboard ${String(dashboard.dashboard_name)} widget "${widget.properties.title}"`,
          namespace: parts[0],
          metricName: parts[1],
          dimensions,
        });
      }
    }
  }
  const filters = Object.values(synthesized.resource.aws_cloudwatch_log_metric_filter ?? {}).map((f) => {
    const t = f.metric_transformation as Record<string, unknown>;
    return {
      pattern: String(f.pattern),
      namespace: String(t.namespace),
      metricName: String(t.name),
      dimensions: (t.dimensions ?? {}) as Record<string, string>,
    };
  });
  return { references, filters };
}

/** The metrics declared by the EMF documents among the captured lines. */
function emittedMetrics(lines: readonly Record<string, unknown>[]): EmittedMetric[] {
  const out: EmittedMetric[] = [];
  for (const doc of lines) {
    const aws = doc._aws as
      | {
          CloudWatchMetrics: Array<{
            Namespace: string;
            Dimensions: string[][];
            Metrics: Array<{ Name: string }>;
          }>;
        }
      | undefined;
    if (!aws) continue;
    for (const directive of aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        for (const metric of directive.Metrics) {
          out.push({
            namespace: directive.Namespace,
            metricName: metric.Name,
            dimensions: Object.fromEntries([...set].sort().map((d) => [d, String(doc[d])])),
          });
        }
      }
    }
  }
  return out;
}

/**
 * A CloudWatch Logs JSON filter pattern of the forms the constructs write: `{ $.a = "x" }`, or several such
 * terms joined with `&&`. Anything else is refused, so a pattern this test can not judge fails it.
 */
function parsePattern(pattern: string): Array<[field: string, value: string]> {
  const body = /^\{\s*(.*?)\s*\}$/.exec(pattern)?.[1];
  if (body === undefined) throw new Error(`not a JSON filter pattern: ${pattern}`);
  return body.split('&&').map((term) => {
    const m = /^\(?\s*\$\.([A-Za-z0-9_]+)\s*=\s*"([^"]*)"\s*\)?$/.exec(term.trim());
    if (!m) throw new Error(`a term this test can not judge: ${term}`);
    return [m[1], m[2]];
  });
}

/** The references no captured line proves, each with the reason. */
function unproven(
  references: readonly MetricReference[],
  filters: readonly LogMetricFilter[],
  lines: readonly Record<string, unknown>[],
): string[] {
  const emitted = emittedMetrics(lines);
  const logLines = lines.filter((l) => !('_aws' in l));
  const problems: string[] = [];
  for (const ref of references) {
    const keys = Object.keys(ref.dimensions).sort();
    const label = `${ref.where}: ${ref.namespace} ${ref.metricName} ${JSON.stringify(ref.dimensions)}`;
    if (ref.namespace.startsWith('AWS/')) {
      const documented = AWS_METRICS[`${ref.namespace} ${ref.metricName}`];
      if (!documented || JSON.stringify(documented) !== JSON.stringify(keys)) {
        problems.push(`${label} is not an AWS metric with these dimensions`);
      }
      continue;
    }
    const fromEmf = emitted.some(
      (e) =>
        e.namespace === ref.namespace &&
        e.metricName === ref.metricName &&
        JSON.stringify(e.dimensions) ===
          JSON.stringify(Object.fromEntries(keys.map((k) => [k, ref.dimensions[k]]))),
    );
    if (fromEmf) continue;
    const filter = filters.find((f) => f.namespace === ref.namespace && f.metricName === ref.metricName);
    if (!filter) {
      problems.push(`${label} is neither in the runtime's EMF documents nor made by a log metric filter`);
      continue;
    }
    if (JSON.stringify(Object.keys(filter.dimensions).sort()) !== JSON.stringify(keys)) {
      problems.push(
        `${label}: its log metric filter has the dimensions ${JSON.stringify(filter.dimensions)}`,
      );
      continue;
    }
    const terms = parsePattern(filter.pattern);
    const proving = logLines.find(
      (line) =>
        terms.every(([field, value]) => line[field] === value) &&
        keys.every((k) => line[filter.dimensions[k].replace(/^\$\./, '')] === ref.dimensions[k]),
    );
    if (!proving) {
      problems.push(
        `${label}: no line the runtime wrote matches ${filter.pattern} with these dimension values`,
      );
    }
  }
  return problems;
}

function platformIn(scope: Construct): GatewayPlatform {
  return new GatewayPlatform(scope, 'Platform', {
    name: 'apicloud',
    vpcProps: { cidrBlock: '10.40.0.0/16' },
    customerAddressPool: '10.40.128.0/17',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpnGateway: {},
    interfaceEndpoints: { subnetsCidrBlock: '10.40.0.32/27' },
  });
}

const common = {
  accountId: '123456789012',
  loadBalancer: {
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
  },
  runtime: { runtimeBundleDirectory: BUNDLE },
};

/** The links, synthesized; their runtime configurations as the function's environment holds them. */
function synthLinks(): { json: Json; configs: Record<'acme' | 'globex', GatewayConfig> } {
  const links: Partial<Record<'acme' | 'globex', CustomerBackendLink>> = {};
  const synthesized = Testing.synthScope((scope) => {
    const platform = platformIn(scope);
    const acme: CustomerBackendLinkProps = {
      ...common,
      platform,
      customerName: 'acme',
      cidrBlock: '10.40.128.0/24',
      vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
      backend: { url: 'https://orders.acme.internal:8443/api', dns: { servers: ['172.20.0.53'] } },
      security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }).withMutualTls({
        clientCertificate: SecretSource.fillAfterDeploy(),
        backendCa: SecretSource.fillAfterDeploy(),
      }),
    };
    links.acme = new CustomerBackendLink(scope, 'acme', acme);
    links.globex = new CustomerBackendLink(scope, 'globex', {
      ...common,
      platform,
      customerName: 'globex',
      cidrBlock: '10.40.129.0/24',
      backend: {
        url: 'https://api.globex.internal/v1',
        cidrs: ['172.30.0.0/16'],
        dns: { servers: ['172.30.0.53'] },
      },
      security: BackendSecurity.oauth2ClientCredentials({
        tokenUrl: 'https://auth.globex.internal/token',
        clientId: 'gateway',
        clientSecret: SecretSource.fillAfterDeploy(),
        tokenEndpointCa: SecretSource.fillAfterDeploy(),
      }),
    });
  });
  const json = JSON.parse(synthesized) as Json;
  // The configuration as the function's environment holds it, with the secret ARNs as Terraform writes them.
  const environment = (customer: string) => {
    const fn = json.resource.aws_lambda_function;
    const entry = Object.values(fn).find((f) => f.function_name === `apicloud-${customer}-gateway`)!;
    const variables = (entry.environment as { variables: Record<string, string> }).variables;
    return JSON.parse(variables.GATEWAY_CONFIG) as GatewayConfig;
  };
  expect(Object.keys(links)).toEqual(['acme', 'globex']);
  return { json, configs: { acme: environment('acme'), globex: environment('globex') } };
}

/** Swaps every secret reference for `{ file, jsonKey }` of one local JSON file holding every key. */
function withLocalSecrets(value: unknown, file: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withLocalSecrets(v, file));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (typeof record.secretArn === 'string') return { file, jsonKey: record.jsonKey };
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, withLocalSecrets(v, file)]));
}

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the metrics of the alarms and dashboards are the ones the runtime writes', () => {
  let pki: TestPki;
  let ca: Issued;
  let client: Issued;
  let backend: Server;
  let backendPort: number;
  let dir: string;
  let references: MetricReference[];
  let filters: LogMetricFilter[];
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    // GIVEN the synthesized links
    const { json, configs } = synthLinks();
    ({ references, filters } = referencesOf(json));

    // AND a loopback HTTPS backend that requires a client certificate of our CA
    pki = await TestPki.create();
    ca = await pki.ca('metrics-ca');
    const server = await pki.issue('backend', ca, {
      cn: '127.0.0.1',
      sans: ['IP:127.0.0.1'],
      usage: 'server',
    });
    client = await pki.issue('gateway', ca, { cn: 'gateway', usage: 'client', days: 20 });
    backend = createHttpsServer(
      { key: server.key, cert: server.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const status = req.url?.endsWith('/fail') ? 500 : req.url?.endsWith('/denied') ? 401 : 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`status ${status}`);
      },
    );
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendPort = (backend.address() as AddressInfo).port;

    // AND every secret the links reference, in one local file
    dir = mkdtempSync(join(tmpdir(), 'monitoring-metrics-'));
    const secrets = join(dir, 'secrets.json');
    writeFileSync(
      secrets,
      JSON.stringify({
        username: 'gateway',
        password: 'not-a-real-password',
        certificate: client.cert + ca.cert,
        privateKey: client.key,
        caBundle: ca.cert,
        clientSecret: 'not-a-real-client-secret',
      }),
      { mode: 0o600 },
    );
    const local = (
      config: GatewayConfig,
      overrides: (c: Record<string, unknown>) => void,
      secretsFile = secrets,
    ): string => {
      const copy = withLocalSecrets(config, secretsFile) as Record<string, unknown>;
      const backendConfig = copy.backend as Record<string, unknown>;
      backendConfig.url = `https://127.0.0.1:${backendPort}/api`;
      delete backendConfig.dns;
      overrides(copy);
      return JSON.stringify(copy);
    };
    const tokenPort = await closedPort();
    const acmeJson = local(configs.acme, () => undefined);
    // acme again, its secrets not readable (not filled yet, say): every request is refused 503.
    const acmeUnfilledJson = local(configs.acme, () => undefined, join(dir, 'not-filled.json'));
    const globexJson = local(configs.globex, (c) => {
      const security = c.security as Record<string, unknown>;
      security.tokenUrl = `https://127.0.0.1:${tokenPort}/token`;
      const tls = (c.backend as Record<string, unknown>).tls as Record<string, unknown> | undefined;
      (c.backend as Record<string, unknown>).tls = {
        ...(tls ?? {}),
        ca: { file: secrets, jsonKey: 'caBundle' },
      };
    });

    // WHEN the real Lambda handler runs each configuration, its stdout captured
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const acme = createLambdaHandler({ configJson: acmeJson });
      const answers = [];
      for (const path of ['/ok', '/fail', '/denied'])
        answers.push((await acme(albEvent({ path }))).statusCode);
      const globex = createLambdaHandler({ configJson: globexJson });
      answers.push((await globex(albEvent({ path: '/ok' }))).statusCode);
      const acmeUnfilled = createLambdaHandler({ configJson: acmeUnfilledJson });
      answers.push((await acmeUnfilled(albEvent({ path: '/ok' }))).statusCode);
      expect(answers).toEqual([200, 500, 401, 503, 503]);
    } finally {
      write.mockRestore();
    }
    for (const line of written.join('').split('\n')) {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('THEN every metric an alarm or a widget names is proven by a line the runtime wrote', () => {
    expect(unproven(references, filters, lines)).toEqual([]);
  });

  it('names the metrics that matter, so the proof is not vacuous', () => {
    const named = new Set(
      references.map((r) => `${r.namespace} ${r.metricName} ${JSON.stringify(r.dimensions)}`),
    );
    for (const expected of [
      'BackendLink/Gateway ClientCertificateDaysToExpiry {"Gateway":"acme"}',
      'BackendLink/Gateway Latency {"Gateway":"acme"}',
      'BackendLink/Gateway Upstream5xx {"Gateway":"acme"}',
      'BackendLink/Gateway AuthFailures {"Gateway":"globex"}',
      'BackendLink/GatewayLogs CredentialsUnavailable {"Gateway":"acme"}',
      'BackendLink/GatewayLogs CredentialsUnavailable {"Gateway":"globex"}',
      'AWS/Lambda Errors {"FunctionName":"apicloud-acme-gateway"}',
    ]) {
      expect({ expected, named: named.has(expected) }).toEqual({ expected, named: true });
    }
    expect(references.some((r) => r.namespace === 'AWS/VPN')).toBe(true);
  });

  it('WHEN a reference names a metric the runtime does not write, or other dimensions, THEN the check reports it', () => {
    const wrong: MetricReference[] = [
      {
        where: 'a',
        namespace: 'BackendLink/Gateway',
        metricName: 'Upstream5XX',
        dimensions: { Gateway: 'acme' },
      },
      {
        where: 'b',
        namespace: 'BackendLink/Gateway',
        metricName: 'Latency',
        dimensions: { Customer: 'acme' },
      },
      {
        where: 'c',
        namespace: 'BackendLink/Gateway',
        metricName: 'Latency',
        dimensions: { Gateway: 'initech' },
      },
      {
        where: 'd',
        namespace: 'BackendLink/Gateway',
        metricName: 'ClientCertificateDaysToExpiry',
        dimensions: { Gateway: 'globex' },
      },
      {
        where: 'e',
        namespace: 'BackendLink/GatewayLogs',
        metricName: 'TokenFetches',
        dimensions: { Gateway: 'acme' },
      },
      { where: 'f', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { Function: 'x' } },
    ];
    expect(unproven(wrong, filters, lines).map((p) => p.split(':')[0])).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
    ]);
    // A filter whose pattern no line matches proves nothing either.
    const filter = { ...filters[0], pattern: '{ $.error = "NO_SUCH_CODE" }' };
    expect(unproven([{ ...wrong[4], metricName: filter.metricName }], [filter], lines)).toHaveLength(1);
  });

  it('reads both kinds of line from the real runtime: EMF documents and request lines with the error code', () => {
    expect(lines.filter((l) => '_aws' in l).length).toBe(5);
    // Each customer's failed request writes one; the runtime also writes one per unreadable secret at a cold
    // start (the same error code, so the filter counts those too, as it should).
    expect(new Set(lines.filter((l) => l.error === 'CREDENTIALS_UNAVAILABLE').map((l) => l.name))).toEqual(
      new Set(['globex', 'acme']),
    );
  });
});
