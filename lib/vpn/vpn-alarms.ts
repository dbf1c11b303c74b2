/** The VPN's tunnel-down alarms: one per tunnel, and a composite one when both are down. */
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchCompositeAlarm } from '@cdktf/provider-aws/lib/cloudwatch-composite-alarm';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { VpnConnection } from '@cdktf/provider-aws/lib/vpn-connection';
import { show } from '../shared/validation';
import { TUNNEL_ALARM_DEFAULTS } from './vpn-defaults';

export interface VpnAlarmsProps {
  readonly connection: VpnConnection;
  /** `<platform>-<customer>`, the alarms' name prefix. */
  readonly baseName: string;
  readonly customerName: string;
  readonly alarmTopicArn: string;
  /** The customer is onboarding: the alarms change state but notify nobody (and a synth warning says so). */
  readonly onboarding: boolean;
  readonly tags: (name: string) => Record<string, string>;
}

export interface VpnAlarms {
  /** Tunnel 1's and tunnel 2's. */
  readonly tunnelAlarms: readonly CloudwatchMetricAlarm[];
  readonly bothTunnelsDownAlarm: CloudwatchCompositeAlarm;
}

/**
 * The alarms, in `Alarms` under `scope` (the VPN), to the platform's topic. While the customer is onboarding
 * (its device not yet configured), they change state but notify nobody.
 */
export function addVpnAlarms(scope: Construct, props: VpnAlarmsProps): VpnAlarms {
  const { connection, baseName, customerName: customer, onboarding, tags } = props;
  const alarmScope = new Construct(scope, 'Alarms');
  const topic = [props.alarmTopicArn];
  const tunnelAlarms = ([1, 2] as const).map(
    (n) =>
      new CloudwatchMetricAlarm(alarmScope, `Tunnel${n}Down`, {
        ...TUNNEL_ALARM_DEFAULTS,
        alarmName: `${baseName}-vpn-tunnel${n}-down`,
        alarmDescription: `VPN tunnel ${n} of customer ${customer} is down`,
        dimensions: {
          VpnId: connection.id,
          TunnelIpAddress: n === 1 ? connection.tunnel1Address : connection.tunnel2Address,
        },
        alarmActions: topic,
        okActions: topic,
        actionsEnabled: !onboarding,
        tags: tags(`${customer}-vpn-tunnel${n}-down`),
      }),
  );
  const bothTunnelsDownAlarm = new CloudwatchCompositeAlarm(alarmScope, 'BothTunnelsDown', {
    alarmName: `${baseName}-vpn-down`,
    alarmDescription: `Both VPN tunnels of customer ${customer} are down: its backends are unreachable`,
    alarmRule: tunnelAlarms.map((a) => `ALARM("${a.alarmName}")`).join(' AND '),
    alarmActions: topic,
    okActions: topic,
    actionsEnabled: !onboarding,
    tags: tags(`${customer}-vpn-down`),
  });
  if (onboarding) {
    Annotations.of(scope).addWarning(
      `customer ${show(customer)} is onboarding (\`onboarding: true\`): its tunnel alarms notify nobody. Remove \`onboarding\` once both tunnels are up (an in-place update of the alarms)`,
    );
  }
  return { tunnelAlarms, bothTunnelsDownAlarm };
}
