import { join } from 'node:path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  BackendSecurity,
  CustomerBackendLink,
  CustomerBackendLinkProps,
  GatewayPlatform,
  SecretSource,
} from '../../../lib';
import { testStack, validationErrorOf } from '../../support/constructs';

const BUNDLE = join(__dirname, 'fixtures', 'bundle');

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

/** acme: basic + mutual TLS over a VPN. */
function props(
  platform: GatewayPlatform,
  override: Partial<CustomerBackendLinkProps> = {},
): CustomerBackendLinkProps {
  return {
    platform,
    customerName: 'acme',
    accountId: '123456789012',
    cidrBlock: '10.40.128.0/24',
    vpn: { customerGatewayIp: '85.214.10.20', onPremCidrs: ['172.20.0.0/16'] },
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      trustedSources: [{ cidr: '10.40.0.64/26', description: 'gateway tier' }],
    },
    backend: { url: 'https://orders.acme.internal:8443/api', dns: { servers: ['172.20.0.53'] } },
    security: BackendSecurity.basic({ credentials: SecretSource.fillAfterDeploy() }).withMutualTls({
      clientCertificate: SecretSource.fillAfterDeploy(),
    }),
    runtime: { runtimeBundleDirectory: BUNDLE },
    ...override,
  };
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function synth(override: Partial<CustomerBackendLinkProps> = {}): Resources {
  return (
    JSON.parse(
      Testing.synthScope((scope) => {
        new CustomerBackendLink(scope, 'Acme', props(platformIn(scope), override));
      }),
    ) as { resource: Resources }
  ).resource;
}

const alarmsOf = (r: Resources) => Object.values(r.aws_cloudwatch_metric_alarm ?? {});
const alarmNames = (r: Resources) => alarmsOf(r).map((a) => a.alarm_name as string);
const alarm = (r: Resources, name: string) => alarmsOf(r).find((a) => a.alarm_name === name)!;
function widgets(r: Resources): Array<{ title: string; metrics: unknown[][] }> {
  const dashboards = Object.values(r.aws_cloudwatch_dashboard ?? {});
  if (dashboards.length === 0) return [];
  return (
    JSON.parse(dashboards[0].dashboard_body as string) as {
      widgets: Array<{ properties: { title: string; metrics: unknown[][] } }>;
    }
  ).widgets.map((w) => w.properties);
}

describe('GatewayMonitoring', () => {
  describe('GIVEN acme with basic authentication, mutual TLS and a VPN (the defaults)', () => {
    const r = synth();

    it('THEN it has the certificate, credentials and 5xx-rate alarms beside the Lambda and tunnel alarms, named per customer', () => {
      expect(alarmNames(r).sort()).toEqual([
        'apicloud-acme-gateway-backend-5xx-rate',
        'apicloud-acme-gateway-client-certificate-30d',
        'apicloud-acme-gateway-client-certificate-7d',
        'apicloud-acme-gateway-credentials-unavailable',
        'apicloud-acme-gateway-durationp99',
        'apicloud-acme-gateway-errors',
        'apicloud-acme-gateway-throttles',
        'apicloud-acme-vpn-tunnel1-down',
        'apicloud-acme-vpn-tunnel2-down',
      ]);
    });

    it("THEN every new alarm notifies the platform's alarm topic, and says when it is OK again", () => {
      const topic = alarm(r, 'apicloud-acme-gateway-errors').alarm_actions;
      expect(topic).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\..*\.arn\}$/)]);
      for (const name of [
        'apicloud-acme-gateway-backend-5xx-rate',
        'apicloud-acme-gateway-client-certificate-30d',
        'apicloud-acme-gateway-client-certificate-7d',
        'apicloud-acme-gateway-credentials-unavailable',
      ]) {
        expect({ name, alarm: alarm(r, name).alarm_actions, ok: alarm(r, name).ok_actions }).toEqual({
          name,
          alarm: topic,
          ok: topic,
        });
      }
    });

    it('THEN the certificate alarms go off at 30 and 7 days, keep their state without data, and the counters treat no data as not breaching', () => {
      expect(alarm(r, 'apicloud-acme-gateway-client-certificate-30d')).toMatchObject({
        namespace: 'BackendLink/Gateway',
        metric_name: 'ClientCertificateDaysToExpiry',
        dimensions: { Gateway: 'acme' },
        statistic: 'Minimum',
        period: 3600,
        comparison_operator: 'LessThanOrEqualToThreshold',
        threshold: 30,
        treat_missing_data: 'ignore',
      });
      expect(alarm(r, 'apicloud-acme-gateway-client-certificate-7d')).toMatchObject({ threshold: 7 });
      expect(alarm(r, 'apicloud-acme-gateway-credentials-unavailable')).toMatchObject({
        namespace: 'BackendLink/GatewayLogs',
        metric_name: 'CredentialsUnavailable',
        statistic: 'Sum',
        threshold: 0,
        comparison_operator: 'GreaterThanThreshold',
        treat_missing_data: 'notBreaching',
      });
      const rate = alarm(r, 'apicloud-acme-gateway-backend-5xx-rate');
      expect(rate).toMatchObject({ threshold: 5, treat_missing_data: 'notBreaching' });
      expect(
        (rate.metric_query as Array<{ expression?: string }>).find((q) => q.expression)?.expression,
      ).toBe('IF((u2xx + u3xx + u4xx + u5xx) >= 20, 100 * u5xx / (u2xx + u3xx + u4xx + u5xx), 0)');
    });

    it("THEN one log metric filter counts the runtime's CREDENTIALS_UNAVAILABLE lines in the function's log group", () => {
      expect(Object.values(r.aws_cloudwatch_log_metric_filter)).toEqual([
        {
          name: 'apicloud-acme-gateway-credentials-unavailable',
          log_group_name: expect.stringMatching(
            /^\$\{aws_cloudwatch_log_group\.Acme_Gateway_LogGroup_.*\.name\}$/,
          ),
          pattern: '{ $.error = "CREDENTIALS_UNAVAILABLE" }',
          metric_transformation: {
            name: 'CredentialsUnavailable',
            namespace: 'BackendLink/GatewayLogs',
            value: '1',
            unit: 'Count',
            dimensions: { Gateway: '$.name' },
          },
        },
      ]);
    });

    it('THEN the dashboard shows requests, latency, status classes, authentication, Lambda, tunnels and the certificate', () => {
      expect(Object.values(r.aws_cloudwatch_dashboard).map((d) => d.dashboard_name)).toEqual([
        'apicloud-acme-euw1-gateway',
      ]);
      expect(widgets(r).map((w) => w.title)).toEqual([
        'Requests',
        'Latency (ms)',
        'Answers by status class',
        'Authentication',
        'Lambda errors and throttles',
        'VPN tunnels (1 = up)',
        'Client certificate: days to expiry',
      ]);
      expect(widgets(r)[1].metrics).toEqual([
        ['BackendLink/Gateway', 'Latency', 'Gateway', 'acme', { stat: 'p50', label: 'p50' }],
        ['BackendLink/Gateway', 'Latency', 'Gateway', 'acme', { stat: 'p99', label: 'p99' }],
      ]);
    });

    it('matches the snapshot (the monitoring resources)', () => {
      const monitoring = {
        alarms: alarmsOf(r).filter((a) =>
          /gateway-(client|credentials|backend|token)/.test(a.alarm_name as string),
        ),
        filters: r.aws_cloudwatch_log_metric_filter,
        dashboard: widgets(r),
      };
      expect(monitoring).toMatchSnapshot();
    });
  });

  it('GIVEN OAuth 2.0 without mutual TLS or VPN THEN the credentials alarm is named for token fetch failures, and nothing watches a certificate or tunnels', () => {
    const r = synth({
      vpn: undefined,
      backend: {
        url: 'https://api.globex.internal/v1',
        cidrs: ['172.30.0.0/16'],
        dns: { servers: ['172.30.0.53'] },
      },
      security: BackendSecurity.oauth2ClientCredentials({
        tokenUrl: 'https://api.globex.internal/token',
        clientId: 'gateway',
        clientSecret: SecretSource.fillAfterDeploy(),
      }),
    });
    expect(
      alarmNames(r)
        .filter((n) => !/errors|throttles|durationp99/.test(n))
        .sort(),
    ).toEqual(['apicloud-acme-gateway-backend-5xx-rate', 'apicloud-acme-gateway-token-fetch-failures']);
    expect(widgets(r).map((w) => w.title)).not.toContain('VPN tunnels (1 = up)');
    expect(widgets(r).map((w) => w.title)).not.toContain('Client certificate: days to expiry');
  });

  it('GIVEN no scheme and no mutual TLS THEN no alarm or filter exists for metrics that can not have data', () => {
    const r = synth({ security: BackendSecurity.none() });
    expect(
      alarmNames(r).filter((n) => n.includes('gateway-') && !/errors|throttles|durationp99/.test(n)),
    ).toEqual(['apicloud-acme-gateway-backend-5xx-rate']);
    expect(r.aws_cloudwatch_log_metric_filter).toBeUndefined();
    expect(widgets(r).find((w) => w.title === 'Authentication')?.metrics).toEqual([
      [
        'BackendLink/Gateway',
        'AuthFailures',
        'Gateway',
        'acme',
        { stat: 'Sum', label: 'backend refused the credentials (401/403)' },
      ],
    ]);
  });

  it('GIVEN tuned and turned-off alarms THEN the alarms follow, and the Lambda alarms are tuned where they are (no second copy)', () => {
    const r = synth({
      monitoring: {
        clientCertificateExpiry: { warningDays: 45, criticalDays: 14 },
        credentialsUnavailable: false,
        backend5xxRate: { threshold: 10, minimumRequests: 50, periodSeconds: 600, evaluationPeriods: 3 },
        lambdaErrors: false,
        lambdaThrottles: { threshold: 5 },
        dashboard: false,
      },
    });
    expect(
      alarmNames(r)
        .filter((n) => n.includes('-gateway-'))
        .sort(),
    ).toEqual([
      'apicloud-acme-gateway-backend-5xx-rate',
      'apicloud-acme-gateway-client-certificate-14d',
      'apicloud-acme-gateway-client-certificate-45d',
      'apicloud-acme-gateway-durationp99',
      'apicloud-acme-gateway-throttles',
    ]);
    expect(alarm(r, 'apicloud-acme-gateway-throttles')).toMatchObject({
      threshold: 5,
      metric_name: 'Throttles',
    });
    const rate = alarm(r, 'apicloud-acme-gateway-backend-5xx-rate');
    expect(rate).toMatchObject({ threshold: 10, evaluation_periods: 3 });
    expect((rate.metric_query as Array<{ metric?: { period: number } }>)[0].metric?.period).toBe(600);
    expect(r.aws_cloudwatch_dashboard).toBeUndefined();
    // The filter stays: the alarm is off, the metric is still counted.
    expect(Object.keys(r.aws_cloudwatch_log_metric_filter)).toHaveLength(1);
  });

  test.each<[string, CustomerBackendLinkProps['monitoring'], string[]]>([
    [
      'the critical days are not fewer than the warning days',
      { clientCertificateExpiry: { warningDays: 7, criticalDays: 7 } },
      ['`monitoring.clientCertificateExpiry.criticalDays` 7 must be fewer than `warningDays` 7'],
    ],
    [
      'the warning days are not a whole number',
      { clientCertificateExpiry: { warningDays: 30.5 } },
      ['`monitoring.clientCertificateExpiry.warningDays` 30.5 must be a whole number of days from 1 to 825'],
    ],
    [
      'a period is not a multiple of 60',
      { credentialsUnavailable: { periodSeconds: 90 } },
      ['`monitoring.credentialsUnavailable.periodSeconds` 90 must be 60 or a multiple of 60, at most 86400'],
    ],
    [
      'a threshold is negative',
      { lambdaErrors: { threshold: -1 } },
      ['`monitoring.lambdaErrors.threshold` -1 must be a number ≥ 0'],
    ],
    [
      'the evaluation spans more than a day',
      { lambdaThrottles: { periodSeconds: 3600, evaluationPeriods: 25 } },
      [
        '`monitoring.lambdaThrottles` evaluates 90000 seconds (periodSeconds × evaluationPeriods); CloudWatch evaluates at most one day',
      ],
    ],
    [
      'the 5xx rate is over 100 percent and its minimum is 0',
      { backend5xxRate: { threshold: 150, minimumRequests: 0 } },
      [
        '`monitoring.backend5xxRate.threshold` 150 is a percentage: at most 100',
        '`monitoring.backend5xxRate.minimumRequests` 0 must be a whole number ≥ 1',
      ],
    ],
    [
      'an alarm is turned off with true instead of false',
      { backend5xxRate: true as never },
      [
        '`monitoring.backend5xxRate` true must be an object ({ threshold?, periodSeconds?, evaluationPeriods? }) or false',
      ],
    ],
    ['the options are not an object', 'on' as never, ['`monitoring` "on" must be an object']],
    [
      'the dashboard is not a boolean',
      { dashboard: 'yes' as never },
      ['`monitoring.dashboard` "yes" must be true or false'],
    ],
  ])('fails when %s', (_case, monitoring, problems) => {
    const stack = testStack();
    const error = validationErrorOf(
      () => new CustomerBackendLink(stack, 'Acme', props(platformIn(stack), { monitoring })),
    );
    expect(error.constructPath).toBe('test/Acme');
    expect(error.problems).toEqual(problems);
  });
});
