/**
 * CloudWatch embedded metric format (EMF): one JSON line per request that CloudWatch Logs turns into
 * metrics (namespace `BackendLink/Gateway`, dimension `Gateway` = the configuration's `name`).
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
}

export function createMetricsEmitter(
  name: string,
  sink: LineSink,
  now: () => number = Date.now,
): MetricsEmitter {
  return {
    request(metrics) {
      sink(JSON.stringify(metricsDocument(name, metrics, now())));
    },
  };
}
