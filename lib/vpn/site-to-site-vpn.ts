import { Construct } from 'constructs';
import { cidrConstructId } from '../shared/construct-ids';
import { Annotations, Fn, TerraformOutput } from 'cdktf';
import { CloudwatchCompositeAlarm } from '@cdktf/provider-aws/lib/cloudwatch-composite-alarm';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CustomerGateway } from '@cdktf/provider-aws/lib/customer-gateway';
import { Ec2TransitGatewayRoute } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route';
import { Ec2TransitGatewayRouteTable } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table';
import { Ec2TransitGatewayRouteTableAssociation } from '@cdktf/provider-aws/lib/ec2-transit-gateway-route-table-association';
import { Route } from '@cdktf/provider-aws/lib/route';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';
import { VpnConnection, VpnConnectionConfig } from '@cdktf/provider-aws/lib/vpn-connection';
import { VpnConnectionRoute } from '@cdktf/provider-aws/lib/vpn-connection-route';
import { CustomerSubnets } from '../network/customer-subnets';
import { VpnAttachmentKind } from '../platform/gateway-platform';
import { Cidr } from '../shared/cidr';
import { standardTags } from '../shared/names';
import { Port, portKey, toPortRange } from '../shared/ports';
import { reportProblems } from '../shared/problems';
import { show } from '../shared/validation';
import { requireCdktfStack } from '../shared/cdktf-stack';
import type { SiteToSiteVpnProps } from './site-to-site-vpn-props';
import { checkSiteToSiteVpnProps, planSiteToSiteVpn, vpnPlatformOf } from './site-to-site-vpn-checks';
import {
  DEFAULT_BACKEND_PORTS,
  EPHEMERAL_PORTS,
  MAX_BGP_ASN_ATTRIBUTE,
  TUNNEL_ALARM_DEFAULTS,
  TunnelOptionValues,
} from './vpn-defaults';
import { registerSiteToSiteVpn } from './vpn-register';
import { tunnelConnectionConfig } from './vpn-tunnel-options';

export * from './site-to-site-vpn-props';

/**
 * The IKE/IPsec parameters handed to the customer for one tunnel: one entry of the
 * `<customer>_vpn_ike_parameters` output, which the handoff's device configuration reads back.
 */
export interface TunnelHandoff {
  readonly ike_versions: readonly string[];
  readonly phase1_encryption: readonly string[];
  readonly phase1_integrity: readonly string[];
  readonly phase1_dh_groups: readonly number[];
  readonly phase1_lifetime_seconds: number;
  readonly phase2_encryption: readonly string[];
  readonly phase2_integrity: readonly string[];
  readonly phase2_dh_groups: readonly number[];
  readonly phase2_lifetime_seconds: number;
  readonly rekey_margin_seconds: number;
  readonly rekey_fuzz_percentage: number;
  readonly replay_window_size: number;
  readonly dpd_timeout_seconds: number;
  readonly dpd_timeout_action: string;
  readonly startup_action: string;
}

/**
 * A customer's site-to-site VPN: the customer gateway, a VPN connection with two hardened IPsec tunnels
 * on the platform's virtual private gateway or transit gateway, pre-shared keys kept by AWS in Secrets
 * Manager, routes to the customer's on-premises ranges (only those) from the customer's route table,
 * network ACL entries for that traffic, tunnel logs, tunnel-down alarms and the customer handoff outputs.
 * One per customer.
 */
export class SiteToSiteVpn extends Construct {
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
    if (platform && problems.length === 0) {
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
    const onPrem = plan.onPremCidrs;
    const routing = plan.routing;
    const retention = plan.logRetentionDays;
    this.subnets = subnets;
    this.customerName = subnets.customerName;
    this.attachment = plan.attachment!;
    this.routing = routing;
    this.onPremCidrs = onPrem.map((c) => c.text);
    this.tunnelOptions = tunnels;
    this.amazonSideAsn = plan.amazonSideAsn!;
    const customer = this.customerName;
    const tags = (name: string) => standardTags(platform.name, name, platform.tags, customer);
    const baseName = `${platform.name}-${customer}`;

    this.deviceName = `${platform.name}-${customer}`;
    this.customerGateway = new CustomerGateway(this, 'CustomerGateway', {
      type: 'ipsec.1',
      ipAddress: props.customerGatewayIp,
      ...(bgpAsn > MAX_BGP_ASN_ATTRIBUTE ? { bgpAsnExtended: String(bgpAsn) } : { bgpAsn: String(bgpAsn) }),
      // AWS answers an identical CreateCustomerGateway (type, address, ASN) with the existing gateway unless the
      // device name differs: the platform's name keeps staging's and production's gateways (one device, two
      // tunnel pairs) apart, so destroying one never takes the other's away.
      deviceName: this.deviceName,
      tags: tags(`${customer}-cgw`),
    });

    this.logGroup = new CloudwatchLogGroup(this, 'TunnelLogs', {
      name: `/backend-link/${platform.name}/${customer}/vpn-tunnels`,
      retentionInDays: retention,
      ...(props.logKmsKeyArn ? { kmsKeyId: props.logKmsKeyArn } : {}),
      tags: tags(`${customer}-vpn-tunnel-logs`),
    });

    const tunnelConfig = (n: 1 | 2, t: TunnelOptionValues): Partial<VpnConnectionConfig> =>
      tunnelConnectionConfig(n, t, insideCidrs[n - 1]?.text, this.logGroup.arn);

    const gateway =
      this.attachment === 'transit-gateway'
        ? { transitGatewayId: platform.transitGateway!.transitGatewayId }
        : { vpnGatewayId: platform.vpnGateway!.vpnGatewayId };
    this.connection = new VpnConnection(this, 'Resource', {
      ...tunnelConfig(1, tunnels[0]),
      ...tunnelConfig(2, tunnels[1]),
      // What the construct requires: the gateway, the keys in Secrets Manager, IPv4 inside addresses,
      // and traffic selectors narrowed to this customer's subnets (and its one on-prem range, if one).
      customerGatewayId: this.customerGateway.id,
      type: 'ipsec.1',
      ...gateway,
      staticRoutesOnly: routing === 'static',
      presharedKeyStorage: 'SecretsManager',
      tunnelInsideIpVersion: 'ipv4',
      remoteIpv4NetworkCidr: subnets.cidrBlock,
      ...(onPrem.length === 1 ? { localIpv4NetworkCidr: onPrem[0].text } : {}),
      tags: tags(`${customer}-vpn`),
    });
    this.vpnConnectionId = this.connection.id;
    this.presharedKeySecretArn = this.connection.presharedKeyArn;
    this.addPresharedKeyPolicy(props.presharedKeyReaderArns ?? []);

    this.addRoutes(onPrem);
    this.addNetworkAclRules(onPrem, props.backendPorts ?? [...DEFAULT_BACKEND_PORTS]);
    if (this.attachment === 'transit-gateway')
      this.transitGatewayRouteTable = this.addTransitGatewayRouting(onPrem);

    // Alarms: one per tunnel, and a composite one when both are down. While the customer is onboarding
    // (its device not yet configured), they change state but notify nobody.
    const onboarding = props.onboarding === true;
    const alarmScope = new Construct(this, 'Alarms');
    const topic = [platform.alarmTopicArn];
    this.tunnelAlarms = ([1, 2] as const).map(
      (n) =>
        new CloudwatchMetricAlarm(alarmScope, `Tunnel${n}Down`, {
          ...TUNNEL_ALARM_DEFAULTS,
          alarmName: `${baseName}-vpn-tunnel${n}-down`,
          alarmDescription: `VPN tunnel ${n} of customer ${customer} is down`,
          dimensions: {
            VpnId: this.connection.id,
            TunnelIpAddress: n === 1 ? this.connection.tunnel1Address : this.connection.tunnel2Address,
          },
          alarmActions: topic,
          okActions: topic,
          actionsEnabled: !onboarding,
          tags: tags(`${customer}-vpn-tunnel${n}-down`),
        }),
    );
    this.bothTunnelsDownAlarm = new CloudwatchCompositeAlarm(alarmScope, 'BothTunnelsDown', {
      alarmName: `${baseName}-vpn-down`,
      alarmDescription: `Both VPN tunnels of customer ${customer} are down: its backends are unreachable`,
      alarmRule: this.tunnelAlarms.map((a) => `ALARM("${a.alarmName}")`).join(' AND '),
      alarmActions: topic,
      okActions: topic,
      actionsEnabled: !onboarding,
      tags: tags(`${customer}-vpn-down`),
    });
    if (onboarding) {
      Annotations.of(this).addWarning(
        `customer ${show(customer)} is onboarding (\`onboarding: true\`): its tunnel alarms notify nobody. Remove \`onboarding\` once both tunnels are up (an in-place update of the alarms)`,
      );
    }

    this.addOutputs(tunnels, props.customerGatewayIp, bgpAsn);
  }

  /**
   * The secret AWS created for the pre-shared keys gets backend-link's discipline: reading the value is
   * denied to every principal but the declared readers and the Site-to-Site VPN service-linked role (which
   * the service uses on its `s2svpn!*` secrets), and public policies are blocked. The account is taken
   * from the secret's ARN, so no data source is needed.
   */
  private addPresharedKeyPolicy(readers: readonly string[]): void {
    const arn = this.connection.presharedKeyArn;
    const partition = this.subnets.platform.partition;
    const account = Fn.element(Fn.split(':', arn), 4);
    const serviceRole = `arn:${partition}:iam::${account}:role/aws-service-role/s2svpn.amazonaws.com/AWSServiceRoleForVPCS2SVPN`;
    new SecretsmanagerSecretPolicy(this, 'PresharedKeyPolicy', {
      secretArn: arn,
      blockPublicPolicy: true,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyTheDeclaredReadersReadThePresharedKeys',
            Effect: 'Deny',
            Principal: '*',
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
            Condition: {
              StringNotEquals: { 'aws:PrincipalArn': [...readers, serviceRole] },
              // A call by an AWS service principal carries no aws:PrincipalArn: never deny the service itself.
              BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
            },
          },
        ],
      }),
    });
  }

  /** The customer's route table sends only the customer's on-premises ranges to the attachment point. */
  private addRoutes(onPrem: readonly Cidr[]): void {
    const platform = this.subnets.platform;
    const routes = new Construct(this, 'Routes');
    for (const range of onPrem) {
      const key = cidrKey(range);
      if (this.attachment === 'vpn-gateway') {
        new Route(routes, key, {
          routeTableId: this.subnets.routeTable.id,
          destinationCidrBlock: range.text,
          gatewayId: platform.vpnGateway!.vpnGatewayId,
        });
        if (this.routing === 'static') {
          new VpnConnectionRoute(this, `StaticRoute-${key}`, {
            vpnConnectionId: this.connection.id,
            destinationCidrBlock: range.text,
          });
        }
      } else {
        new Route(routes, key, {
          routeTableId: this.subnets.routeTable.id,
          destinationCidrBlock: range.text,
          // Read from the VPC attachment: the route waits for it without a `depends_on`, which Terraform
          // would refuse when the platform is in another stack (cdktf makes it a remote-state output).
          transitGatewayId: platform.transitGateway!.attachedTransitGatewayId,
        });
      }
    }
  }

  /**
   * The stateless network ACL of the customer's subnets: out to the backends' ports, back in on the
   * ephemeral ports, per on-premises range.
   */
  private addNetworkAclRules(onPrem: readonly Cidr[], ports: readonly Port[]): void {
    const acl = new Construct(this, 'NetworkAcl');
    for (const range of onPrem) {
      const rangeScope = new Construct(acl, cidrKey(range));
      for (const port of ports) {
        const { fromPort, toPort } = toPortRange(port);
        this.subnets.addNetworkAclRule(rangeScope, `Egress-${portKey(port)}`, {
          purpose: 'vpn',
          egress: true,
          protocol: 'tcp',
          cidrBlock: range.text,
          fromPort,
          toPort,
        });
      }
      this.subnets.addNetworkAclRule(rangeScope, 'Ingress-replies', {
        purpose: 'vpn',
        egress: false,
        protocol: 'tcp',
        cidrBlock: range.text,
        ...EPHEMERAL_PORTS,
      });
    }
  }

  /**
   * Transit gateway mode: the customer's own TGW route table, associated with its VPN attachment and
   * holding one route, to the customer's subnets over the VPC attachment (so the customer reaches nothing
   * else: no other customer, no other part of the VPC). The platform's VPC route table gets a static route
   * per on-premises range to this VPN attachment. No propagation: every route is declared.
   */
  private addTransitGatewayRouting(onPrem: readonly Cidr[]): Ec2TransitGatewayRouteTable {
    const platform = this.subnets.platform;
    const tgw = platform.transitGateway!;
    const scope = new Construct(this, 'TransitGateway');
    const vpnAttachmentId = this.connection.transitGatewayAttachmentId;
    const table = new Ec2TransitGatewayRouteTable(scope, 'RouteTable', {
      transitGatewayId: tgw.transitGatewayId,
      tags: standardTags(platform.name, `${this.customerName}-tgw`, platform.tags, this.customerName),
    });
    new Ec2TransitGatewayRouteTableAssociation(scope, 'Association', {
      transitGatewayAttachmentId: vpnAttachmentId,
      transitGatewayRouteTableId: table.id,
      // An existing TGW with default association on has already put the new VPN attachment in its default
      // route table; without this the association fails with Resource.AlreadyAssociated.
      ...(tgw.existing ? { replaceExistingAssociation: true } : {}),
    });
    new Ec2TransitGatewayRoute(scope, 'ToCustomerSubnets', {
      transitGatewayRouteTableId: table.id,
      destinationCidrBlock: this.subnets.cidrBlock,
      transitGatewayAttachmentId: tgw.vpcAttachmentId,
    });
    for (const range of onPrem) {
      new Ec2TransitGatewayRoute(scope, `FromVpc-${cidrKey(range)}`, {
        transitGatewayRouteTableId: tgw.vpcRouteTableId,
        destinationCidrBlock: range.text,
        transitGatewayAttachmentId: vpnAttachmentId,
      });
    }
    return table;
  }

  /** What the customer's network team needs: addresses, ASNs, IKE/IPsec parameters, where the keys are. */
  private addOutputs(
    tunnels: readonly [TunnelOptionValues, TunnelOptionValues],
    customerGatewayIp: string,
    bgpAsn: number,
  ): void {
    const c = this.customerName;
    const conn = this.connection;
    const output = (id: string, name: string, value: unknown, description: string) =>
      new TerraformOutput(this, id, { value, description }).overrideLogicalId(`${c}_vpn_${name}`);
    output('ConnectionIdOutput', 'connection_id', conn.id, `VPN connection of ${c}`);
    output(
      'OutsideAddressesOutput',
      'tunnel_outside_addresses',
      [conn.tunnel1Address, conn.tunnel2Address],
      `AWS endpoints of ${c}'s two tunnels (tunnel 1, tunnel 2)`,
    );
    output(
      'InsideAddressesOutput',
      'tunnel_inside_addresses',
      {
        tunnel1: { aws: conn.tunnel1VgwInsideAddress, customer: conn.tunnel1CgwInsideAddress },
        tunnel2: { aws: conn.tunnel2VgwInsideAddress, customer: conn.tunnel2CgwInsideAddress },
      },
      `Inside addresses of ${c}'s tunnels`,
    );
    output(
      'CustomerGatewayOutput',
      'customer_gateway',
      { ip_address: customerGatewayIp, bgp_asn: bgpAsn, device_name: this.deviceName },
      `${c}'s VPN device as AWS knows it: its public address (its IKE identity) and BGP ASN`,
    );
    output('AwsSideAsnOutput', 'aws_side_asn', this.amazonSideAsn, `Amazon-side BGP ASN for ${c}`);
    output(
      'RoutingOutput',
      'routing',
      { type: this.routing, on_prem_cidrs: [...this.onPremCidrs], aws_side_cidr: this.subnets.cidrBlock },
      `Routing of ${c}'s VPN`,
    );
    output(
      'IkeParametersOutput',
      'ike_parameters',
      { tunnel1: handoff(tunnels[0]), tunnel2: handoff(tunnels[1]) },
      `IKE/IPsec parameters ${c}'s device must use`,
    );
    output(
      'PresharedKeySecretOutput',
      'preshared_key_secret_arn',
      this.presharedKeySecretArn,
      `Secrets Manager secret holding both tunnels' pre-shared keys of ${c} (the ARN only, never the keys)`,
    );
  }
}

function handoff(t: TunnelOptionValues): TunnelHandoff {
  return {
    ike_versions: [...t.ikeVersions],
    phase1_encryption: [...t.phase1EncryptionAlgorithms],
    phase1_integrity: [...t.phase1IntegrityAlgorithms],
    phase1_dh_groups: [...t.phase1DhGroupNumbers],
    phase1_lifetime_seconds: t.phase1LifetimeSeconds,
    phase2_encryption: [...t.phase2EncryptionAlgorithms],
    phase2_integrity: [...t.phase2IntegrityAlgorithms],
    phase2_dh_groups: [...t.phase2DhGroupNumbers],
    phase2_lifetime_seconds: t.phase2LifetimeSeconds,
    rekey_margin_seconds: t.rekeyMarginTimeSeconds,
    rekey_fuzz_percentage: t.rekeyFuzzPercentage,
    replay_window_size: t.replayWindowSize,
    dpd_timeout_seconds: t.dpdTimeoutSeconds,
    dpd_timeout_action: t.dpdTimeoutAction,
    startup_action: t.startupAction,
  };
}

/** A construct-id fragment for a block: `10.1.0.0_16`. */
/** A parsed (always literal) block's construct id: the one id scheme of `construct-ids.ts`. */
function cidrKey(cidr: Cidr): string {
  return cidrConstructId(cidr.text, 0);
}
