import { Construct } from 'constructs';
import type { CloudwatchCompositeAlarm } from '@cdktf/provider-aws/lib/cloudwatch-composite-alarm';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { CustomerGateway } from '@cdktf/provider-aws/lib/customer-gateway';
import type { Ec2TransitGatewayRouteTable } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table';
import { VpnConnection } from '@cdktf/provider-aws/lib/vpn-connection';
import type { CustomerSubnets } from '../network/customer-subnets';
import type { VpnAttachmentKind } from '../platform/gateway-platform';
import { requireCdktfStack } from '../shared/cdktf-stack';
import { standardTags } from '../shared/names';
import { reportProblems } from '../shared/problems';
import type { SiteToSiteVpnProps } from './site-to-site-vpn-props';
import { checkSiteToSiteVpnProps, planSiteToSiteVpn, vpnPlatformOf } from './site-to-site-vpn-checks';
import { addVpnAlarms } from './vpn-alarms';
import { createCustomerGateway } from './vpn-customer-gateway';
import { DEFAULT_BACKEND_PORTS, TunnelOptionValues } from './vpn-defaults';
import { addVpnHandoffOutputs, tunnelHandoff } from './vpn-handoff';
import { addPresharedKeyPolicy } from './vpn-preshared-keys';
import { registerSiteToSiteVpn } from './vpn-register';
import { VpnRouting, addVpnNetworkAclRules, addVpnRoutes, addVpnTransitGatewayRouting } from './vpn-routes';
import { tunnelConnectionConfig } from './vpn-tunnel-options';

export * from './site-to-site-vpn-props';
export type { TunnelHandoff } from './vpn-handoff';

/**
 * A customer's site-to-site VPN: the customer gateway, a VPN connection with two hardened IPsec tunnels
 * on the platform's virtual private gateway or transit gateway, pre-shared keys kept by AWS in Secrets
 * Manager, routes to the customer's on-premises ranges (only those) from the customer's route table,
 * network ACL entries for that traffic, tunnel logs, tunnel-down alarms and the customer handoff outputs.
 * One per customer.
 */
export class SiteToSiteVpn extends Construct {
  // A VPN with problems (see `reportProblems`) builds nothing: its members stay undefined, and the synth fails
  // with the problems before anything reads them.
  public readonly subnets!: CustomerSubnets;
  public readonly customerName!: string;
  public readonly attachment!: VpnAttachmentKind;
  public readonly routing!: 'static' | 'bgp';
  /** The on-premises ranges, canonical. */
  public readonly onPremCidrs!: readonly string[];
  public readonly customerGateway!: CustomerGateway;
  /**
   * The customer gateway's device name, `<platform>-<customer>`: it tells apart the gateways of two
   * platforms (staging and production) behind one device, which AWS would otherwise merge into one.
   */
  public readonly deviceName!: string;
  /** The VPN connection (the construct's main resource). */
  public readonly connection!: VpnConnection;
  public readonly vpnConnectionId!: string;
  /** ARN of the Secrets Manager secret that holds both tunnels' pre-shared keys. */
  public readonly presharedKeySecretArn!: string;
  /** The Amazon-side BGP ASN of the attachment point. */
  public readonly amazonSideAsn!: number;
  public readonly logGroup!: CloudwatchLogGroup;
  /** The tunnel-down alarms, tunnel 1 then tunnel 2. */
  public readonly tunnelAlarms!: readonly CloudwatchMetricAlarm[];
  /** In ALARM when both tunnels are down. */
  public readonly bothTunnelsDownAlarm!: CloudwatchCompositeAlarm;
  /** The effective options of tunnel 1 and tunnel 2. */
  public readonly tunnelOptions!: readonly [TunnelOptionValues, TunnelOptionValues];
  /** The customer's transit gateway route table (transit gateway mode only). */
  public readonly transitGatewayRouteTable?: Ec2TransitGatewayRouteTable;

  constructor(scope: Construct, id: string, props: SiteToSiteVpnProps) {
    super(scope, id);
    requireCdktfStack(this);
    const subnets = props?.subnets;
    // Subnets or a platform with problems of their own built nothing: only what does not need them is checked.
    const platform = vpnPlatformOf(subnets);
    const problems = checkSiteToSiteVpnProps(props);
    // The checks against the other VPNs of the app and platform, in the same synth (with the valid props).
    if (platform) {
      problems.push(
        ...registerSiteToSiteVpn(this, {
          platform,
          customerName: subnets.customerName,
          constructPath: this.node.path,
          options: props,
        }),
      );
    }
    if (reportProblems(this, problems) || !platform) return;

    const plan = planSiteToSiteVpn(props, platform);
    const { bgpAsn, insideCidrs, tunnels } = plan;
    const customer = subnets.customerName;
    this.subnets = subnets;
    this.customerName = customer;
    this.attachment = plan.attachment!;
    this.routing = plan.routing;
    this.onPremCidrs = plan.onPremCidrs.map((c) => c.text);
    this.tunnelOptions = tunnels;
    this.amazonSideAsn = plan.amazonSideAsn!;
    const tags = (name: string) => standardTags(platform.name, name, platform.tags, customer);
    const baseName = `${platform.name}-${customer}`;

    this.deviceName = `${platform.name}-${customer}`;
    this.customerGateway = createCustomerGateway(this, {
      ipAddress: props.customerGatewayIp,
      bgpAsn,
      deviceName: this.deviceName,
      tags: tags(`${customer}-cgw`),
    });

    this.logGroup = new CloudwatchLogGroup(this, 'TunnelLogs', {
      name: `/backend-link/${platform.name}/${customer}/vpn-tunnels`,
      retentionInDays: plan.logRetentionDays,
      ...(props.logKmsKeyArn ? { kmsKeyId: props.logKmsKeyArn } : {}),
      tags: tags(`${customer}-vpn-tunnel-logs`),
    });

    const onPrem = plan.onPremCidrs;
    this.connection = new VpnConnection(this, 'Resource', {
      ...tunnelConnectionConfig(1, tunnels[0], insideCidrs[0]?.text, this.logGroup.arn),
      ...tunnelConnectionConfig(2, tunnels[1], insideCidrs[1]?.text, this.logGroup.arn),
      // What the construct requires: the gateway, the keys in Secrets Manager, IPv4 inside addresses,
      // and traffic selectors narrowed to this customer's subnets (and its one on-prem range, if one).
      customerGatewayId: this.customerGateway.id,
      type: 'ipsec.1',
      ...(this.attachment === 'transit-gateway'
        ? { transitGatewayId: platform.transitGateway!.transitGatewayId }
        : { vpnGatewayId: platform.vpnGateway!.vpnGatewayId }),
      staticRoutesOnly: this.routing === 'static',
      presharedKeyStorage: 'SecretsManager',
      tunnelInsideIpVersion: 'ipv4',
      remoteIpv4NetworkCidr: subnets.cidrBlock,
      ...(onPrem.length === 1 ? { localIpv4NetworkCidr: onPrem[0].text } : {}),
      tags: tags(`${customer}-vpn`),
    });
    this.vpnConnectionId = this.connection.id;
    this.presharedKeySecretArn = this.connection.presharedKeyArn;
    addPresharedKeyPolicy(
      this,
      this.presharedKeySecretArn,
      platform.partition,
      props.presharedKeyReaderArns ?? [],
    );

    const routing: VpnRouting = {
      scope: this,
      subnets,
      attachment: this.attachment,
      routing: this.routing,
      connection: this.connection,
      onPremCidrs: onPrem,
    };
    addVpnRoutes(routing);
    addVpnNetworkAclRules(routing, props.backendPorts ?? [...DEFAULT_BACKEND_PORTS]);
    if (this.attachment === 'transit-gateway') {
      this.transitGatewayRouteTable = addVpnTransitGatewayRouting(routing, customer);
    }

    const alarms = addVpnAlarms(this, {
      connection: this.connection,
      baseName,
      customerName: customer,
      alarmTopicArn: platform.alarmTopicArn,
      onboarding: props.onboarding === true,
      tags,
    });
    this.tunnelAlarms = alarms.tunnelAlarms;
    this.bothTunnelsDownAlarm = alarms.bothTunnelsDownAlarm;

    // What the customer's network team needs: addresses, ASNs, IKE/IPsec parameters, where the keys are.
    const conn = this.connection;
    addVpnHandoffOutputs(this, customer, {
      connection_id: conn.id,
      tunnel_outside_addresses: [conn.tunnel1Address, conn.tunnel2Address],
      tunnel_inside_addresses: {
        tunnel1: { aws: conn.tunnel1VgwInsideAddress, customer: conn.tunnel1CgwInsideAddress },
        tunnel2: { aws: conn.tunnel2VgwInsideAddress, customer: conn.tunnel2CgwInsideAddress },
      },
      customer_gateway: {
        ip_address: props.customerGatewayIp,
        bgp_asn: bgpAsn,
        device_name: this.deviceName,
      },
      aws_side_asn: this.amazonSideAsn,
      routing: { type: this.routing, on_prem_cidrs: [...this.onPremCidrs], aws_side_cidr: subnets.cidrBlock },
      ike_parameters: { tunnel1: tunnelHandoff(tunnels[0]), tunnel2: tunnelHandoff(tunnels[1]) },
      preshared_key_secret_arn: this.presharedKeySecretArn,
    });
  }
}
