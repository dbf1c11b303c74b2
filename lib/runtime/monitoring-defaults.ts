/**
 * What a customer's gateway is watched by, in one place: the runtime's metrics (CloudWatch embedded metric
 * format, written by gateway-runtime/src/observability/metrics.ts), the metrics derived from its log lines,
 * and the alarms' defaults.
 */
import { METRICS_NAMESPACE } from '../../gateway-runtime/src/observability/metrics';

/** The runtime's EMF namespace; every document has the one dimension `Gateway` = the configuration's `name`. */
export const RUNTIME_METRICS_NAMESPACE = METRICS_NAMESPACE;
/** The dimension the runtime writes into every EMF document (the customer's name). */
export const RUNTIME_METRICS_DIMENSION = 'Gateway';

/**
 * The namespace of the metrics derived from the runtime's JSON log lines by log metric filters: apart from
 * the runtime's own namespace, so a metric the runtime may one day write itself never adds up with these.
 */
export const LOG_METRICS_NAMESPACE = 'BackendLink/GatewayLogs';

/** A metric counted from the runtime's JSON log lines: lines whose `field` equals `value`. */
export interface LogMetricDefinition {
  readonly metricName: string;
  /** The JSON field of the log line and the value that counts. */
  readonly field: string;
  readonly value: string;
  readonly description: string;
}

/**
 * Requests the gateway answered `503 CREDENTIALS_UNAVAILABLE`: a secret could not be read or used, or (OAuth 2.0
 * client credentials) no token could be fetched. The runtime's request line carries the error's code.
 */
export const CREDENTIALS_UNAVAILABLE_METRIC: LogMetricDefinition = {
  metricName: 'CredentialsUnavailable',
  field: 'error',
  value: 'CREDENTIALS_UNAVAILABLE',
  description:
    'requests answered 503 CREDENTIALS_UNAVAILABLE (a secret not readable or not usable; with OAuth 2.0, no token)',
};

/** The filter pattern of a log metric: `{ $.error = "CREDENTIALS_UNAVAILABLE" }`. */
export function logMetricPattern(metric: LogMetricDefinition): string {
  return `{ $.${metric.field} = ${JSON.stringify(metric.value)} }`;
}

/** The dimension of a log metric: the log line's `name` (the customer), as the runtime's own metrics have it. */
export const LOG_METRICS_DIMENSIONS: Readonly<Record<string, string>> = {
  [RUNTIME_METRICS_DIMENSION]: '$.name',
};

/** Defaults of the alarms and the dashboard of `GatewayMonitoring`. */
export const MONITORING_DEFAULTS = {
  /** Days to expiry of the client certificate at which the warning and the critical alarm go off. */
  clientCertificateWarningDays: 30,
  clientCertificateCriticalDays: 7,
  /** The certificate metric is a gauge written per request: one value per hour is plenty. */
  clientCertificatePeriodSeconds: 3600,
  /** Requests refused for lack of credentials: any in one period. */
  credentialsUnavailableThreshold: 0,
  /** Backend 5xx answers, in percent of the backend's answers, over one period. */
  backend5xxRatePercent: 5,
  /** Below this many backend answers in a period the rate is not judged (one 5xx of two is not an outage). */
  backend5xxMinimumRequests: 20,
  alarmPeriodSeconds: 300,
  evaluationPeriods: 1,
  /** The dashboard's default period. */
  dashboardPeriodSeconds: 300,
} as const;
