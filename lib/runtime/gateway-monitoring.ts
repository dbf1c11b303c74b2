import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import {
  CloudwatchMetricAlarm,
  CloudwatchMetricAlarmConfig,
} from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { SiteToSiteVpn } from '../vpn/site-to-site-vpn';
import { TUNNEL_ALARM_DEFAULTS } from '../vpn/vpn-defaults';
import { accountWideName, standardTags } from '../shared/names';
import { Problems, show } from '../shared/validation';
import { type Problem, hasProblems, reportMissingProps, reportProblems } from '../shared/problems';
import { ProblemList } from '../shared/problem-list';
import { AlarmTuning, checkAlarmTuning } from './alarm-options';
import type { GatewayFunction } from './gateway-function';
import {
  CREDENTIALS_UNAVAILABLE_METRIC,
  LOG_METRICS_DIMENSIONS,
  LOG_METRICS_NAMESPACE,
  MONITORING_DEFAULTS,
  RUNTIME_METRICS_DIMENSION,
  RUNTIME_METRICS_NAMESPACE,
  logMetricPattern,
} from './monitoring-defaults';

/** The client certificate's expiry alarms. */
export interface ClientCertificateExpiryAlarms {
  /**
   * Days to expiry at which the warning alarm goes off.
   * @default 30
   */
  readonly warningDays?: number;
  /**
   * Days to expiry at which the critical alarm goes off (fewer than `warningDays`).
   * @default 7
   */
  readonly criticalDays?: number;
}

/** The backend 5xx rate alarm; `threshold` is in percent of the backend's answers. */
export interface Backend5xxRateAlarm extends AlarmTuning {
  /**
   * Below this many backend answers in a period the rate is not judged.
   * @default 20
   */
  readonly minimumRequests?: number;
}

/** What watches one customer's gateway, beyond the function's own Lambda alarms. */
export interface GatewayMonitoringOptions {
  /**
   * Alarms when the client certificate of mutual TLS towards the backend nears its expiry (runtime metric
   * `ClientCertificateDaysToExpiry`, the lowest value of each hour), or `false` to turn them off. Only
   * created when the runtime configuration has a client certificate: without one the metric never exists.
   * @default - with mutual TLS: a warning at 30 days and a critical alarm at 7 days
   */
  readonly clientCertificateExpiry?: ClientCertificateExpiryAlarms | false;
  /**
   * Alarm on requests refused `503 CREDENTIALS_UNAVAILABLE` (a secret not readable or not usable; with OAuth 2.0
   * client credentials, no token from the token endpoint), counted from the runtime's log lines, or `false`.
   * Only created when the scheme has secrets. With OAuth 2.0 it is named `...-token-fetch-failures`.
   * @default - on: more than 0 such requests in 5 minutes
   */
  readonly credentialsUnavailable?: AlarmTuning | false;
  /**
   * Alarm on the share of the backend's answers that are 5xx (runtime metrics `Upstream2xx` ... `Upstream5xx`),
   * in percent, or `false`.
   * @default - on: above 5 % of at least 20 answers in 5 minutes
   */
  readonly backend5xxRate?: Backend5xxRateAlarm | false;
  /**
   * A CloudWatch dashboard `<platform>-<customer>-gateway`: requests, latency p50/p99, answers by status
   * class, authentication events, the Lambda function's errors and throttles, the VPN's tunnels (with a VPN),
   * the client certificate's days to expiry (with mutual TLS).
   * @default true
   */
  readonly dashboard?: boolean;
}

export interface GatewayMonitoringProps extends GatewayMonitoringOptions {
  /** The customer's gateway function: its log group, name and runtime configuration. */
  readonly gateway: GatewayFunction;
  /**
   * The customer's VPN: its tunnels' states on the dashboard.
   * @default - no tunnel widget
   */
  readonly vpn?: SiteToSiteVpn;
  /**
   * The SNS topic the alarms notify (and tell when they are OK again).
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
}

/** A metric on a dashboard: `[namespace, name, dimension, value, ..., { stat, label }]`. */
type WidgetMetric = Array<string | Record<string, unknown>>;

/**
 * The alarms and the dashboard of one customer's gateway, from the metrics the runtime writes (CloudWatch
 * embedded metric format, namespace `BackendLink/Gateway`, dimension `Gateway` = the customer) and from its
 * log lines (a log metric filter, namespace `BackendLink/GatewayLogs`). Names: `<platform>-<customer>-gateway-…`.
 *
 * Metrics that may have no data: an alarm exists only when its metric can exist (the certificate alarms with a
 * client certificate, the credentials alarm with secrets). Counters have no data when no request came, and
 * that is no fault: they treat missing data as not breaching. The certificate gauge is written only with
 * requests: its alarms ignore missing data (they keep their state), so a quiet hour never sends an "OK" for a
 * certificate that is still about to expire, and never alarms either.
 */
export class GatewayMonitoring extends Construct {
  public readonly alarms: CloudwatchMetricAlarm[] = [];
  public readonly metricFilters: CloudwatchLogMetricFilter[] = [];
  public readonly dashboard?: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: GatewayMonitoringProps) {
    super(scope, id);
    if (reportMissingProps(this, props, ['gateway'])) return;
    // A gateway with problems of its own built nothing: nothing to watch.
    if (hasProblems(props.gateway)) return;
    if (reportProblems(this, checkGatewayMonitoringProps(props))) return;

    const { gateway } = props;
    const platform = gateway.subnets.platform;
    const customer = gateway.subnets.customerName;
    const config = gateway.config;
    const prefix = gateway.functionName;
    const region = platform.region;
    const tags = (n: string) => standardTags(platform.name, n, platform.tags, customer);
    const runtimeDimensions = { [RUNTIME_METRICS_DIMENSION]: config.name };
    const actions = props.alarmTopicArn
      ? { alarmActions: [props.alarmTopicArn], okActions: [props.alarmTopicArn] }
      : {};
    const alarm = (alarmId: string, suffix: string, settings: Partial<CloudwatchMetricAlarmConfig>) => {
      const created = new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${prefix}-${suffix}`,
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: MONITORING_DEFAULTS.evaluationPeriods,
        treatMissingData: 'notBreaching',
        ...actions,
        tags: tags(`${prefix}-${suffix}`),
        ...settings,
      } as CloudwatchMetricAlarmConfig);
      this.alarms.push(created);
      return created;
    };

    const mutualTls = config.backend.tls?.clientCertificate !== undefined;
    const oauth2 = config.security.type === 'oauth2-client-credentials';
    const hasSecrets = config.security.type !== 'none' || mutualTls;

    // The client certificate's days to expiry: a gauge written with each request, with mutual TLS only.
    const expiry = props.clientCertificateExpiry ?? {};
    if (mutualTls && expiry !== false) {
      const levels: Array<[string, number, string]> = [
        ['Warning', expiry.warningDays ?? MONITORING_DEFAULTS.clientCertificateWarningDays, 'renew it'],
        [
          'Critical',
          expiry.criticalDays ?? MONITORING_DEFAULTS.clientCertificateCriticalDays,
          'renew it now, the backend refuses an expired one',
        ],
      ];
      for (const [level, days, what] of levels) {
        alarm(`ClientCertificateExpiry${level}`, `client-certificate-${days}d`, {
          alarmDescription: `The client certificate ${customer}'s gateway presents to its backend expires in ${days} days or fewer: ${what} (put the renewed certificate and key into its client-certificate secret; the runtime loads it without a restart)`,
          namespace: RUNTIME_METRICS_NAMESPACE,
          metricName: 'ClientCertificateDaysToExpiry',
          dimensions: runtimeDimensions,
          statistic: 'Minimum',
          period: MONITORING_DEFAULTS.clientCertificatePeriodSeconds,
          comparisonOperator: 'LessThanOrEqualToThreshold',
          threshold: days,
          treatMissingData: 'ignore',
        });
      }
    }

    // Requests refused for lack of credentials, counted from the runtime's request lines.
    const credentials = props.credentialsUnavailable ?? {};
    if (hasSecrets) {
      this.metricFilters.push(
        new CloudwatchLogMetricFilter(this, 'CredentialsUnavailableFilter', {
          name: `${prefix}-credentials-unavailable`,
          logGroupName: gateway.logGroup.name,
          pattern: logMetricPattern(CREDENTIALS_UNAVAILABLE_METRIC),
          metricTransformation: {
            name: CREDENTIALS_UNAVAILABLE_METRIC.metricName,
            namespace: LOG_METRICS_NAMESPACE,
            value: '1',
            unit: 'Count',
            dimensions: { ...LOG_METRICS_DIMENSIONS },
          },
        }),
      );
    }
    if (hasSecrets && credentials !== false) {
      alarm(
        oauth2 ? 'TokenFetchFailures' : 'CredentialsUnavailable',
        oauth2 ? 'token-fetch-failures' : 'credentials-unavailable',
        {
          alarmDescription: oauth2
            ? `${customer}'s gateway refused requests without an OAuth 2.0 token (503 CREDENTIALS_UNAVAILABLE): the token endpoint failed or refused, or the client secret (or another secret) can not be read. The log lines with "error":"CREDENTIALS_UNAVAILABLE" say when`
            : `${customer}'s gateway refused requests for lack of credentials (503 CREDENTIALS_UNAVAILABLE): a secret can not be read (IAM, KMS, not filled yet) or is not usable. The log lines with "error":"CREDENTIALS_UNAVAILABLE" say when`,
          namespace: LOG_METRICS_NAMESPACE,
          metricName: CREDENTIALS_UNAVAILABLE_METRIC.metricName,
          dimensions: runtimeDimensions,
          statistic: 'Sum',
          period: credentials.periodSeconds ?? MONITORING_DEFAULTS.alarmPeriodSeconds,
          evaluationPeriods: credentials.evaluationPeriods ?? MONITORING_DEFAULTS.evaluationPeriods,
          threshold: credentials.threshold ?? MONITORING_DEFAULTS.credentialsUnavailableThreshold,
        },
      );
    }

    // The backend's 5xx answers, in percent of its answers, once there are enough answers to judge.
    const rate = props.backend5xxRate ?? {};
    if (rate !== false) {
      const period = rate.periodSeconds ?? MONITORING_DEFAULTS.alarmPeriodSeconds;
      const minimum = rate.minimumRequests ?? MONITORING_DEFAULTS.backend5xxMinimumRequests;
      const classes = ['2xx', '3xx', '4xx', '5xx'];
      alarm('Backend5xxRate', 'backend-5xx-rate', {
        alarmDescription: `More than ${rate.threshold ?? MONITORING_DEFAULTS.backend5xxRatePercent} % of ${customer}'s backend answers were 5xx (of at least ${minimum} answers in ${period} s)`,
        threshold: rate.threshold ?? MONITORING_DEFAULTS.backend5xxRatePercent,
        evaluationPeriods: rate.evaluationPeriods ?? MONITORING_DEFAULTS.evaluationPeriods,
        metricQuery: [
          ...classes.map((c) => ({
            id: `u${c}`,
            returnData: false,
            metric: {
              namespace: RUNTIME_METRICS_NAMESPACE,
              metricName: `Upstream${c}`,
              dimensions: runtimeDimensions,
              stat: 'Sum',
              period,
            },
          })),
          {
            id: 'rate',
            label: 'backend 5xx (% of answers)',
            returnData: true,
            expression: `IF((u2xx + u3xx + u4xx + u5xx) >= ${minimum}, 100 * u5xx / (u2xx + u3xx + u4xx + u5xx), 0)`,
          },
        ],
      });
    }

    if (props.dashboard !== false) {
      const runtimeMetric = (name: string, stat: string, label: string): WidgetMetric => [
        RUNTIME_METRICS_NAMESPACE,
        name,
        RUNTIME_METRICS_DIMENSION,
        config.name,
        { stat, label },
      ];
      const widgets: Array<{ title: string; metrics: WidgetMetric[]; extra?: Record<string, unknown> }> = [
        { title: 'Requests', metrics: [runtimeMetric('Latency', 'SampleCount', 'requests')] },
        {
          title: 'Latency (ms)',
          metrics: [runtimeMetric('Latency', 'p50', 'p50'), runtimeMetric('Latency', 'p99', 'p99')],
        },
        {
          title: 'Answers by status class',
          metrics: [
            runtimeMetric('Upstream2xx', 'Sum', 'backend 2xx'),
            runtimeMetric('Upstream3xx', 'Sum', 'backend 3xx'),
            runtimeMetric('Upstream4xx', 'Sum', 'backend 4xx'),
            runtimeMetric('Upstream5xx', 'Sum', 'backend 5xx'),
            runtimeMetric('GatewayErrors', 'Sum', 'gateway errors (5xx of its own)'),
          ],
          extra: { stacked: true },
        },
        {
          title: 'Authentication',
          metrics: [
            runtimeMetric('AuthFailures', 'Sum', 'backend refused the credentials (401/403)'),
            ...(hasSecrets
              ? [
                  [
                    LOG_METRICS_NAMESPACE,
                    CREDENTIALS_UNAVAILABLE_METRIC.metricName,
                    RUNTIME_METRICS_DIMENSION,
                    config.name,
                    {
                      stat: 'Sum',
                      label: oauth2 ? 'no token / credentials unavailable' : 'credentials unavailable',
                    },
                  ],
                ]
              : []),
          ],
        },
        {
          title: 'Lambda errors and throttles',
          metrics: [
            ['AWS/Lambda', 'Errors', 'FunctionName', gateway.functionName, { stat: 'Sum', label: 'errors' }],
            [
              'AWS/Lambda',
              'Throttles',
              'FunctionName',
              gateway.functionName,
              { stat: 'Sum', label: 'throttles' },
            ],
          ],
        },
        ...(props.vpn
          ? [
              {
                title: 'VPN tunnels (1 = up)',
                metrics: ([1, 2] as const).map((n) => [
                  TUNNEL_ALARM_DEFAULTS.namespace,
                  TUNNEL_ALARM_DEFAULTS.metricName,
                  'VpnId',
                  props.vpn!.connection.id,
                  'TunnelIpAddress',
                  n === 1 ? props.vpn!.connection.tunnel1Address : props.vpn!.connection.tunnel2Address,
                  { stat: TUNNEL_ALARM_DEFAULTS.statistic, label: `tunnel ${n}` },
                ]),
                extra: { yAxis: { left: { min: 0, max: 1 } } },
              },
            ]
          : []),
        ...(mutualTls
          ? [
              {
                title: 'Client certificate: days to expiry',
                metrics: [runtimeMetric('ClientCertificateDaysToExpiry', 'Minimum', 'days to expiry')],
                extra: {
                  annotations: {
                    horizontal:
                      expiry === false
                        ? []
                        : [
                            {
                              label: 'warning',
                              value: expiry.warningDays ?? MONITORING_DEFAULTS.clientCertificateWarningDays,
                            },
                            {
                              label: 'critical',
                              value: expiry.criticalDays ?? MONITORING_DEFAULTS.clientCertificateCriticalDays,
                            },
                          ],
                  },
                },
              },
            ]
          : []),
      ];
      this.dashboard = new CloudwatchDashboard(this, 'Dashboard', {
        // Dashboards are account-wide (not regional), like IAM names: the region code keeps the same
        // platform in two regions apart (`apicloud-acme-euw1-gateway`).
        dashboardName: accountWideName(platform.name, customer, region, 'gateway'),
        dashboardBody: JSON.stringify({
          widgets: widgets.map((w, i) => ({
            type: 'metric',
            x: (i % 2) * 12,
            y: Math.floor(i / 2) * 6,
            width: 12,
            height: 6,
            properties: {
              title: w.title,
              region,
              view: 'timeSeries',
              period: MONITORING_DEFAULTS.dashboardPeriodSeconds,
              metrics: w.metrics,
              ...(w.extra ?? {}),
            },
          })),
        }),
      });
    }
  }
}

/** The problems of `GatewayMonitoring`'s options, every one of them (pure: no construct, nothing thrown). */
export function checkGatewayMonitoringProps(props: GatewayMonitoringOptions): Problem[] {
  const problems = new ProblemList();
  checkMonitoringOptions(problems, props, '');
  return problems.problems;
}

/** Records the problems of the monitoring options under `prefix` (e.g. `monitoring.`). */
export function checkMonitoringOptions(
  problems: Problems,
  options: GatewayMonitoringOptions,
  prefix: string,
): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    problems.add(`\`${prefix.replace(/\.$/, '') || 'props'}\` ${show(options)} must be an object`);
    return;
  }
  const expiry = options.clientCertificateExpiry;
  if (expiry !== undefined && expiry !== false) {
    if (typeof expiry !== 'object' || expiry === null) {
      problems.add(
        `\`${prefix}clientCertificateExpiry\` ${show(expiry)} must be an object ({ warningDays?, criticalDays? }) or false`,
      );
    } else {
      const warning = expiry.warningDays ?? MONITORING_DEFAULTS.clientCertificateWarningDays;
      const critical = expiry.criticalDays ?? MONITORING_DEFAULTS.clientCertificateCriticalDays;
      for (const [key, value] of [
        ['warningDays', expiry.warningDays],
        ['criticalDays', expiry.criticalDays],
      ] as const) {
        if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 825)) {
          problems.add(
            `\`${prefix}clientCertificateExpiry.${key}\` ${show(value)} must be a whole number of days from 1 to 825`,
          );
        }
      }
      if (Number.isInteger(warning) && Number.isInteger(critical) && critical >= warning) {
        problems.add(
          `\`${prefix}clientCertificateExpiry.criticalDays\` ${critical} must be fewer than \`warningDays\` ${warning}`,
        );
      }
    }
  }
  checkAlarmTuning(problems, `${prefix}credentialsUnavailable`, options.credentialsUnavailable);
  const rate = options.backend5xxRate;
  checkAlarmTuning(problems, `${prefix}backend5xxRate`, rate);
  if (rate !== undefined && rate !== false && typeof rate === 'object' && rate !== null) {
    if (rate.threshold !== undefined && rate.threshold > 100) {
      problems.add(
        `\`${prefix}backend5xxRate.threshold\` ${show(rate.threshold)} is a percentage: at most 100`,
      );
    }
    const minimum = rate.minimumRequests;
    if (minimum !== undefined && (!Number.isInteger(minimum) || minimum < 1)) {
      problems.add(`\`${prefix}backend5xxRate.minimumRequests\` ${show(minimum)} must be a whole number ≥ 1`);
    }
  }
  if (options.dashboard !== undefined && typeof options.dashboard !== 'boolean') {
    problems.add(`\`${prefix}dashboard\` ${show(options.dashboard)} must be true or false`);
  }
}
