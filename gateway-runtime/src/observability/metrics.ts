/**
 * CloudWatch embedded metric format (EMF): JSON lines that CloudWatch Logs turns into metrics
 * (namespace `BackendLink/Gateway`, dimension `Gateway` = the configuration's `name`): one per request,
 * or (the standalone server) one per interval with a value array of the requests' latencies.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { LineSink } from './log';

export const METRICS_NAMESPACE = 'BackendLink/Gateway';

export interface RequestMetrics {
  readonly latencyMs: number;
  /** The backend's status; absent when no response came (unreachable, timeout, rejected early). */
  readonly upstreamStatus?: number;
  /** The backend answered 401 or 403 to the credentials the gateway sent. */
  readonly authFailure: boolean;
  /** The gateway answered an error of its own (4xx/5xx problem answer). */
  readonly gatewayError: boolean;
  readonly clientCertificateDaysToExpiry?: number;
}

/** The EMF document for one request. */
export function metricsDocument(
  name: string,
  metrics: RequestMetrics,
  timestamp: number,
): Record<string, unknown> {
  const statusClass = metrics.upstreamStatus ? `${Math.floor(metrics.upstreamStatus / 100)}xx` : undefined;
  const values: Array<[string, number, string]> = [
    ['Latency', metrics.latencyMs, 'Milliseconds'],
    ['Upstream2xx', statusClass === '2xx' ? 1 : 0, 'Count'],
    ['Upstream3xx', statusClass === '3xx' ? 1 : 0, 'Count'],
    ['Upstream4xx', statusClass === '4xx' ? 1 : 0, 'Count'],
    ['Upstream5xx', statusClass === '5xx' ? 1 : 0, 'Count'],
    ['AuthFailures', metrics.authFailure ? 1 : 0, 'Count'],
    ['GatewayErrors', metrics.gatewayError ? 1 : 0, 'Count'],
  ];
  if (metrics.clientCertificateDaysToExpiry !== undefined) {
    values.push(['ClientCertificateDaysToExpiry', metrics.clientCertificateDaysToExpiry, 'None']);
  }
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['Gateway']],
          Metrics: values.map(([Name, , Unit]) => ({ Name, Unit })),
        },
      ],
    },
    Gateway: name,
  };
  for (const [metric, value] of values) doc[metric] = value;
  return doc;
}

export interface MetricsEmitter {
  request(metrics: RequestMetrics): void;
  /** Writes what is aggregated now (shutdown). Nothing without aggregation. */
  flush(): void;
}

/** EMF's limit of values per metric in one document. */
export const EMF_MAX_VALUES = 100;

export interface MetricsEmitterOptions {
  /**
   * Aggregate: one document per this many milliseconds (or per {@link EMF_MAX_VALUES} requests, when
   * sooner) with every request's latency in a value array and the counts summed, instead of one
   * document per request. CloudWatch computes the same statistics from either. 0: one per request.
   * @default 0
   */
  readonly intervalMs?: number;
}

export function createMetricsEmitter(
  name: string,
  sink: LineSink,
  now: () => number = Date.now,
  options: MetricsEmitterOptions = {},
): MetricsEmitter {
  const intervalMs = options.intervalMs ?? 0;
  if (intervalMs <= 0) {
    return {
      request(metrics) {
        sink(JSON.stringify(metricsDocument(name, metrics, now())));
      },
      flush: () => undefined,
    };
  }
  let latencies: number[] = [];
  let counts = [0, 0, 0, 0, 0, 0];
  let daysToExpiry: number | undefined;
  let firstAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (latencies.length === 0) return;
    const doc = metricsDocument(
      name,
      {
        latencyMs: 0,
        authFailure: false,
        gatewayError: false,
        ...(daysToExpiry !== undefined ? { clientCertificateDaysToExpiry: daysToExpiry } : {}),
      },
      firstAt,
    );
    doc.Latency = latencies;
    [
      doc.Upstream2xx,
      doc.Upstream3xx,
      doc.Upstream4xx,
      doc.Upstream5xx,
      doc.AuthFailures,
      doc.GatewayErrors,
    ] = counts;
    latencies = [];
    counts = [0, 0, 0, 0, 0, 0];
    daysToExpiry = undefined;
    sink(JSON.stringify(doc));
  };
  return {
    request(metrics) {
      if (latencies.length === 0) {
        firstAt = now();
        timer = setTimeout(flush, intervalMs);
        timer.unref();
      }
      latencies.push(metrics.latencyMs);
      const status = metrics.upstreamStatus ? Math.floor(metrics.upstreamStatus / 100) : 0;
      if (status >= 2 && status <= 5) counts[status - 2] += 1;
      if (metrics.authFailure) counts[4] += 1;
      if (metrics.gatewayError) counts[5] += 1;
      if (metrics.clientCertificateDaysToExpiry !== undefined) {
        daysToExpiry = metrics.clientCertificateDaysToExpiry;
      }
      if (latencies.length >= EMF_MAX_VALUES) flush();
    },
    flush,
  };
}
