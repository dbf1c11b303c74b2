import { Construct, IConstruct } from 'constructs';
import { cidrConstructId } from '../shared/construct-ids';
import { Annotations, Fn, TerraformOutput } from 'cdktf';
import { isIPv4 } from 'node:net';
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
import { Cidr, cidrContains, cidrOverlaps, describeCidrProblem, parseCidr } from '../shared/cidr';
import { standardTags } from '../shared/names';
import { Port, checkPort, portKey, toPortRange } from '../shared/ports';
import {
  Problems,
  checkIamPrincipalArn,
  checkIpv4Cidr,
  isUnresolved,
  requireProps,
  show,
} from '../shared/validation';
import {
  ALLOWED_DH_GROUPS,
  ALLOWED_ENCRYPTION_ALGORITHMS,
  ALLOWED_INTEGRITY_ALGORITHMS,
  BROADEST_ON_PREM_PREFIX,
  DEFAULT_BACKEND_PORTS,
  DEFAULT_STATIC_CUSTOMER_GATEWAY_ASN,
  DEFAULT_TUNNEL_LOG_OUTPUT_FORMAT,
  DEFAULT_TUNNEL_LOG_RETENTION_DAYS,
  DPD_TIMEOUT_ACTIONS,
  EPHEMERAL_PORTS,
  HARDENED_TUNNEL_OPTIONS,
  LOG_RETENTION_DAYS,
  MAX_BGP_ASN_ATTRIBUTE,
  MAX_CUSTOMER_GATEWAY_ASN,
  MIN_REKEY_MARGIN_SECONDS,
  NON_PUBLIC_IPV4_RANGES,
  RESERVED_CUSTOMER_GATEWAY_ASNS,
  RESERVED_TUNNEL_INSIDE_CIDRS,
  STARTUP_ACTIONS,
  TUNNEL_ALARM_DEFAULTS,
  TUNNEL_INSIDE_RANGE,
  TUNNEL_OPTION_LIMITS,
  TunnelOptionValues,
  WEAK_DH_GROUPS,
  WEAK_ENCRYPTION_ALGORITHMS,
  WEAK_INTEGRITY_ALGORITHMS,
} from './vpn-defaults';
import { isLogRetention } from '../shared/cloudwatch';
import { requireCdktfStack } from '../shared/cdktf-stack';

/** IKE and IPsec options of a tunnel. Each one left out takes the hardened default (see `vpn-defaults.ts`). */
export interface VpnTunnelOptions {
  /**
   * The tunnel's inside /30 block, from 169.254.0.0/16 but not one AWS reserves; each tunnel its own.
   * Only per tunnel (`tunnel1`, `tunnel2`), not in `tunnelOptions`.
   * @default - AWS picks a free /30
   */
  readonly insideCidr?: string;
  /**
   * IKE versions. `ikev1` needs `ikev1Reason`.
   * @default ['ikev2']
   */
  readonly ikeVersions?: Array<'ikev1' | 'ikev2'>;
  /**
   * Why IKEv1 is allowed (e.g. the customer's device can not do IKEv2). Required when `ikeVersions` lists `ikev1`.
   * @default - IKEv1 is refused
   */
  readonly ikev1Reason?: string;
  /** @default ['AES256-GCM-16', 'AES256'] */
  readonly phase1EncryptionAlgorithms?: string[];
  /** @default ['AES256-GCM-16', 'AES256'] */
  readonly phase2EncryptionAlgorithms?: string[];
  /** @default ['SHA2-384', 'SHA2-256'] */
  readonly phase1IntegrityAlgorithms?: string[];
  /** @default ['SHA2-384', 'SHA2-256'] */
  readonly phase2IntegrityAlgorithms?: string[];
  /** Diffie-Hellman groups; 14-21 accepted. @default [19, 20, 21] */
  readonly phase1DhGroupNumbers?: number[];
  /** Diffie-Hellman groups; 14-21 accepted. @default [19, 20, 21] */
  readonly phase2DhGroupNumbers?: number[];
  /** 900-28800. @default 28800 */
  readonly phase1LifetimeSeconds?: number;
  /** 900-3600. @default 3600 */
  readonly phase2LifetimeSeconds?: number;
  /** 60 to half the phase 2 lifetime. @default 540 */
  readonly rekeyMarginTimeSeconds?: number;
  /** 0-100. @default 100 */
  readonly rekeyFuzzPercentage?: number;
  /** 64-2048. @default 1024 */
  readonly replayWindowSize?: number;
  /** At least 30. @default 30 */
  readonly dpdTimeoutSeconds?: number;
  /** `clear`, `none` or `restart`. @default 'restart' */
  readonly dpdTimeoutAction?: 'clear' | 'none' | 'restart';
  /** `add` (the customer gateway initiates) or `start` (AWS initiates). @default 'add' */
  readonly startupAction?: 'add' | 'start';
}

export interface SiteToSiteVpnProps {
  /** The customer's subnets: the VPN adds routes to their route table and entries to their network ACL. */
  readonly subnets: CustomerSubnets;
  /** The public IPv4 address of the customer's VPN device (static; not a private or reserved address). */
  readonly customerGatewayIp: string;
  /** The customer's on-premises ranges the gateway runtime reaches (IPv4). Only these are routed to the VPN. */
  readonly onPremCidrs: string[];
  /**
   * The platform's attachment point to use.
   * @default - the platform's only attachment point; required when it offers both
   */
  readonly attachment?: VpnAttachmentKind;
  /**
   * `static`: the on-premises ranges are static routes of the VPN. `bgp`: the customer's device speaks BGP
   * (give `bgpAsn`); the VPC and transit gateway routes stay static and declared, so that a customer can not
   * attract another customer's traffic by advertising its ranges.
   * @default 'static'
   */
  readonly routing?: 'static' | 'bgp';
  /**
   * The customer gateway's BGP ASN: 1-4294967294, not 7224, 9059, 10124 or 17943 (reserved by AWS), not
   * the Amazon-side ASN. Required for `bgp`.
   * @default 65000 for static routing
   */
  readonly bgpAsn?: number;
  /**
   * TCP ports of the backends: the customer's network ACL lets the runtime reach the on-premises ranges
   * on these ports, and their replies back on the ephemeral ports.
   * @default [443]
   */
  readonly backendPorts?: Port[];
  /**
   * Options for both tunnels, over the hardened defaults.
   * @default - the hardened defaults
   */
  readonly tunnelOptions?: VpnTunnelOptions;
  /** Options for tunnel 1, over `tunnelOptions`. @default - `tunnelOptions` */
  readonly tunnel1?: VpnTunnelOptions;
  /** Options for tunnel 2, over `tunnelOptions`. @default - `tunnelOptions` */
  readonly tunnel2?: VpnTunnelOptions;
  /**
   * Days to keep tunnel logs (a value CloudWatch Logs accepts).
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * The customer is onboarding: its device is not configured yet, so its tunnels are down by design (the
   * customer initiates them). The tunnel alarms exist and change state, but notify nobody
   * (`actions_enabled = false`) until this is removed, an in-place update once the tunnels are up. A synth
   * warning names every customer still onboarding, so none is forgotten.
   * @default false (the alarms notify the platform's alarm topic)
   */
  readonly onboarding?: boolean;
  /**
   * The KMS key ARN that encrypts the tunnel log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logKmsKeyArn?: string;
  /**
   * Why BGP is acceptable on the platform's virtual private gateway although it serves other customers
   * (the VGW routes by the longest prefix among all its connections, so a BGP customer can attract another
   * customer's traffic). Without it, BGP on a shared VGW is refused: use the transit gateway.
   * @default - BGP is refused on a virtual private gateway that serves more than one customer
   */
  readonly bgpOnSharedVpnGatewayReason?: string;
  /**
   * IAM roles (or users) that may read the tunnels' pre-shared keys from the secret AWS creates for them,
   * e.g. the role that hands them to the customer. The secret gets the same resource policy as
   * backend-link's own: `GetSecretValue` denied to every other principal (the Site-to-Site VPN service's
   * own role excepted), public policies blocked.
   * @default - nobody but the Site-to-Site VPN service (add a reader to hand the keys over)
   */
  readonly presharedKeyReaderArns?: string[];
}

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
  public readonly subnets: CustomerSubnets;
  public readonly customerName: string;
  public readonly attachment: VpnAttachmentKind;
  public readonly routing: 'static' | 'bgp';
  /** The on-premises ranges, canonical. */
  public readonly onPremCidrs: readonly string[];
  public readonly customerGateway: CustomerGateway;
  /**
   * The customer gateway's device name, `<platform>-<customer>`: it tells apart the gateways of two
   * platforms (staging and production) behind one device, which AWS would otherwise merge into one.
   */
  public readonly deviceName: string;
  /** The VPN connection (the construct's main resource). */
  public readonly connection: VpnConnection;
  public readonly vpnConnectionId: string;
  /** ARN of the Secrets Manager secret that holds both tunnels' pre-shared keys. */
  public readonly presharedKeySecretArn: string;
  /** The Amazon-side BGP ASN of the attachment point. */
  public readonly amazonSideAsn: number;
  public readonly logGroup: CloudwatchLogGroup;
  /** The tunnel-down alarms, tunnel 1 then tunnel 2. */
  public readonly tunnelAlarms: readonly CloudwatchMetricAlarm[];
  /** In ALARM when both tunnels are down. */
  public readonly bothTunnelsDownAlarm: CloudwatchCompositeAlarm;
  /** The effective options of tunnel 1 and tunnel 2. */
  public readonly tunnelOptions: readonly [TunnelOptionValues, TunnelOptionValues];
  /** The customer's transit gateway route table (transit gateway mode only). */
  public readonly transitGatewayRouteTable?: Ec2TransitGatewayRouteTable;

  constructor(scope: Construct, id: string, props: SiteToSiteVpnProps) {
    super(scope, id);
    requireCdktfStack(this);
    requireProps(this, props, ['subnets', 'customerGatewayIp', 'onPremCidrs']);
    const { subnets } = props;
    const platform = subnets.platform;
    const problems = new Problems();

    // Attachment point.
    const offered = platform.vpnAttachments;
    let attachment = props.attachment;
    if (attachment === undefined) {
      if (offered.length === 1) attachment = offered[0];
      else if (offered.length === 0) {
        problems.add(
          `platform ${show(platform.name)} offers no VPN attachment point; give the platform \`vpnGateway\` or \`transitGateway\``,
        );
      } else {
        problems.add(
          `\`attachment\` is required: platform ${show(platform.name)} offers both 'vpn-gateway' and 'transit-gateway'`,
        );
      }
    } else if (attachment !== 'vpn-gateway' && attachment !== 'transit-gateway') {
      problems.add(`\`attachment\` ${show(attachment)} must be 'vpn-gateway' or 'transit-gateway'`);
      attachment = undefined;
    }

    checkCustomerGatewayIp(problems, props.customerGatewayIp);
    (props.presharedKeyReaderArns ?? []).forEach((arn, i) =>
      checkIamPrincipalArn(problems, `presharedKeyReaderArns[${i}]`, arn, platform.partition),
    );
    const onPrem = checkOnPremCidrs(problems, props.onPremCidrs);

    const routing = props.routing ?? 'static';
    if (routing !== 'static' && routing !== 'bgp') {
      problems.add(`\`routing\` ${show(routing)} must be 'static' or 'bgp'`);
    }
    const amazonSideAsn =
      attachment === 'transit-gateway'
        ? platform.transitGateway?.amazonSideAsn
        : attachment === 'vpn-gateway'
          ? platform.vpnGateway?.amazonSideAsn
          : undefined;
    if (routing === 'bgp' && props.bgpAsn === undefined) {
      problems.add("`bgpAsn` is required when `routing` is 'bgp'");
    }
    const bgpAsn = props.bgpAsn ?? DEFAULT_STATIC_CUSTOMER_GATEWAY_ASN;
    if (props.bgpAsn !== undefined) checkBgpAsn(problems, props.bgpAsn, amazonSideAsn);

    for (const [i, port] of (props.backendPorts ?? []).entries()) {
      const p = checkPort(`backendPorts[${i}]`, port);
      if (p) problems.add(p);
    }
    if (props.backendPorts !== undefined && props.backendPorts.length === 0) {
      problems.add('`backendPorts` is empty; list the TCP ports the backends listen on');
    }

    const retention = props.logRetentionDays ?? DEFAULT_TUNNEL_LOG_RETENTION_DAYS;
    if (!isLogRetention(retention)) {
      problems.add(
        `\`logRetentionDays\` ${show(retention)} is not a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')})`,
      );
    }

    // Tunnel options: defaults, then `tunnelOptions`, then the tunnel's own.
    if (props.tunnelOptions?.insideCidr !== undefined) {
      problems.add(
        '`tunnelOptions.insideCidr` is not allowed: the tunnels need different inside blocks; give `tunnel1.insideCidr` and `tunnel2.insideCidr`',
      );
    }
    const tunnels = [props.tunnel1, props.tunnel2].map((own, index) =>
      mergeTunnelOptions(problems, index + 1, props.tunnelOptions, own),
    ) as [TunnelOptionValues, TunnelOptionValues];
    const insideCidrs = [props.tunnel1?.insideCidr, props.tunnel2?.insideCidr].map((value, index) =>
      checkInsideCidr(problems, index + 1, value),
    );
    if (insideCidrs[0] && insideCidrs[1] && cidrOverlaps(insideCidrs[0], insideCidrs[1])) {
      problems.add(
        `\`tunnel1.insideCidr\` and \`tunnel2.insideCidr\` are both ${insideCidrs[0].text}; each tunnel needs its own /30`,
      );
    }

    if (props.onboarding !== undefined && typeof props.onboarding !== 'boolean') {
      problems.add(`\`onboarding\` ${show(props.onboarding)} must be true or false`);
    }
    if (problems.count === 0 && !isUnresolved(props.customerGatewayIp)) {
      const shared = registerDevice(this, {
        ip: props.customerGatewayIp,
        asn: bgpAsn,
        customerName: subnets.customerName,
        platformName: platform.name,
        path: this.node.path,
      });
      if (shared) {
        problems.add(
          `\`customerGatewayIp\` ${props.customerGatewayIp} with BGP ASN ${bgpAsn} is also customer ${show(shared.customerName)}'s device (${shared.path}): AWS keeps one customer gateway per type, address, ASN and device name, so two customers behind one device would share it. Give each customer its own device (address or ASN), or model them as one customer`,
        );
      }
    }
    if (problems.count === 0 && attachment) {
      for (const p of platform.registerVpn({
        customerName: subnets.customerName,
        constructPath: this.node.path,
        attachment,
        onPremCidrs: onPrem,
        tunnelInsideCidrs: insideCidrs.filter((c): c is Cidr => c !== undefined),
        routing,
        bgpOnSharedVpnGatewayReason: props.bgpOnSharedVpnGatewayReason,
      })) {
        problems.add(p);
      }
    }
    problems.throwIfAny(this);

    this.subnets = subnets;
    this.customerName = subnets.customerName;
    this.attachment = attachment!;
    this.routing = routing;
    this.onPremCidrs = onPrem.map((c) => c.text);
    this.tunnelOptions = tunnels;
    this.amazonSideAsn = amazonSideAsn!;
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

    const tunnelConfig = (n: 1 | 2, t: TunnelOptionValues): Partial<VpnConnectionConfig> => {
      const inside = insideCidrs[n - 1]?.text;
      const logOptions = {
        cloudwatchLogOptions: {
          logEnabled: true,
          logGroupArn: this.logGroup.arn,
          logOutputFormat: DEFAULT_TUNNEL_LOG_OUTPUT_FORMAT,
        },
      };
      const values = {
        IkeVersions: [...t.ikeVersions],
        Phase1EncryptionAlgorithms: [...t.phase1EncryptionAlgorithms],
        Phase2EncryptionAlgorithms: [...t.phase2EncryptionAlgorithms],
        Phase1IntegrityAlgorithms: [...t.phase1IntegrityAlgorithms],
        Phase2IntegrityAlgorithms: [...t.phase2IntegrityAlgorithms],
        Phase1DhGroupNumbers: [...t.phase1DhGroupNumbers],
        Phase2DhGroupNumbers: [...t.phase2DhGroupNumbers],
        Phase1LifetimeSeconds: t.phase1LifetimeSeconds,
        Phase2LifetimeSeconds: t.phase2LifetimeSeconds,
        RekeyMarginTimeSeconds: t.rekeyMarginTimeSeconds,
        RekeyFuzzPercentage: t.rekeyFuzzPercentage,
        ReplayWindowSize: t.replayWindowSize,
        DpdTimeoutSeconds: t.dpdTimeoutSeconds,
        DpdTimeoutAction: t.dpdTimeoutAction,
        StartupAction: t.startupAction,
        LogOptions: logOptions,
        ...(inside ? { InsideCidr: inside } : {}),
      };
      return Object.fromEntries(
        Object.entries(values).map(([key, value]) => [`tunnel${n}${key}`, value]),
      ) as Partial<VpnConnectionConfig>;
    };

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

const NON_PUBLIC = NON_PUBLIC_IPV4_RANGES.map((text) => parseCidr(text)!);
const INSIDE_RANGE = parseCidr(TUNNEL_INSIDE_RANGE)!;

interface DeviceRegistration {
  readonly ip: string;
  readonly asn: number;
  readonly customerName: string;
  readonly platformName: string;
  readonly path: string;
}

const devicesByApp = new WeakMap<IConstruct, DeviceRegistration[]>();

/**
 * Records a customer's device (address and ASN) in the app; returns another customer's registration of the
 * same device. The same customer on two platforms (staging and production) is one device with two tunnel
 * pairs, and the device names keep their gateways apart.
 */
function registerDevice(scope: IConstruct, device: DeviceRegistration): DeviceRegistration | undefined {
  const root = scope.node.root;
  const all = devicesByApp.get(root) ?? [];
  devicesByApp.set(root, all);
  const other = all.find(
    (d) => d.ip === device.ip && d.asn === device.asn && d.customerName !== device.customerName,
  );
  if (!other) all.push(device);
  return other;
}

function checkCustomerGatewayIp(problems: Problems, ip: string): void {
  if (isUnresolved(ip)) return;
  if (!isIPv4(ip) || ip.split('.').some((o) => o.length > 1 && o.startsWith('0'))) {
    problems.add(`\`customerGatewayIp\` ${show(ip)} is not an IPv4 address`);
    return;
  }
  const range = NON_PUBLIC.find((r) => cidrContains(r, parseCidr(`${ip}/32`)!));
  if (range) {
    problems.add(
      `\`customerGatewayIp\` ${show(ip)} is in ${range.text}, which is not public; give the static public address of the customer's VPN device`,
    );
  }
}

function checkOnPremCidrs(problems: Problems, values: readonly string[]): Cidr[] {
  if (values.length === 0) {
    problems.add("`onPremCidrs` is empty; list the customer's on-premises ranges the runtime must reach");
  }
  const parsed: Cidr[] = [];
  for (const [i, value] of values.entries()) {
    if (isUnresolved(value)) {
      problems.add(
        `\`onPremCidrs[${i}]\` must be a literal CIDR: it is checked against other customers at synth time`,
      );
      continue;
    }
    const cidr = checkIpv4Cidr(problems, `onPremCidrs[${i}]`, value);
    if (!cidr) continue;
    if (cidr.prefixLength < BROADEST_ON_PREM_PREFIX) {
      problems.add(
        `\`onPremCidrs[${i}]\` ${cidr.text} is broader than /${BROADEST_ON_PREM_PREFIX}; a route to it would send most of the internet to the customer`,
      );
    } else {
      const clash = parsed.find((p) => cidrOverlaps(p, cidr));
      if (clash) problems.add(`\`onPremCidrs[${i}]\` ${cidr.text} overlaps ${clash.text}, listed before it`);
      else parsed.push(cidr);
    }
  }
  return parsed;
}

function checkBgpAsn(problems: Problems, asn: number, amazonSideAsn: number | undefined): void {
  if (isUnresolved(asn)) return;
  if (!Number.isInteger(asn) || asn < 1 || asn > MAX_CUSTOMER_GATEWAY_ASN) {
    problems.add(`\`bgpAsn\` ${show(asn)} must be an integer from 1 to ${MAX_CUSTOMER_GATEWAY_ASN}`);
    return;
  }
  const reserved = RESERVED_CUSTOMER_GATEWAY_ASNS.find((r) => r.asn === asn);
  if (reserved) {
    problems.add(
      `\`bgpAsn\` ${asn} is reserved by AWS (${reserved.where}); use the customer's own public ASN or a private one (64512-65534, 4200000000-4294967294)`,
    );
  } else if (asn === amazonSideAsn) {
    problems.add(
      `\`bgpAsn\` ${asn} is the Amazon-side ASN of the attachment point; the customer gateway needs a different ASN`,
    );
  }
}

function checkInsideCidr(problems: Problems, tunnel: number, value: string | undefined): Cidr | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  const prop = `tunnel${tunnel}.insideCidr`;
  const cidr = parseCidr(value);
  if (!cidr || cidr.family !== 4 || cidr.prefixLength !== 30 || !cidrContains(INSIDE_RANGE, cidr)) {
    problems.add(
      `\`${prop}\` ${show(value)} for tunnel ${tunnel} is not a /30 inside ${TUNNEL_INSIDE_RANGE}${cidr || !value.includes('/') ? '' : ` (${describeCidrProblem(value)})`}`,
    );
    return undefined;
  }
  if ((RESERVED_TUNNEL_INSIDE_CIDRS as readonly string[]).includes(cidr.text)) {
    problems.add(
      `\`${prop}\` ${cidr.text} for tunnel ${tunnel} is reserved by AWS (${RESERVED_TUNNEL_INSIDE_CIDRS.join(', ')}); pick another /30 in ${TUNNEL_INSIDE_RANGE}`,
    );
    return undefined;
  }
  return cidr;
}

/** Where a check writes its problems: a {@link Problems} or a plain list. */
interface ProblemSink {
  add(problem: string): void;
}

function checkList<T extends string | number>(
  problems: ProblemSink,
  prop: string,
  values: readonly T[],
  allowed: readonly T[],
  weak: readonly T[],
  advice: string,
): void {
  if (values.length === 0) {
    problems.add(`\`${prop}\` is empty; ${advice}`);
    return;
  }
  for (const value of values) {
    if (weak.includes(value)) {
      problems.add(`\`${prop}\` lists ${show(value)}, which is too weak; ${advice}`);
    } else if (!allowed.includes(value)) {
      problems.add(`\`${prop}\` lists ${show(value)}, which is not one AWS offers; ${advice}`);
    }
  }
}

function checkRange(
  problems: ProblemSink,
  prop: string,
  value: number,
  [lo, hi]: readonly [number, number],
): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    const rule =
      hi === Number.MAX_SAFE_INTEGER ? `an integer of at least ${lo}` : `an integer from ${lo} to ${hi}`;
    problems.add(`\`${prop}\` ${show(value)} must be ${rule}`);
  }
}

/** Defaults, then the options for both tunnels, then the tunnel's own; validated. */
function mergeTunnelOptions(
  problems: Problems,
  tunnel: number,
  shared: VpnTunnelOptions | undefined,
  own: VpnTunnelOptions | undefined,
): TunnelOptionValues {
  const pick = <K extends keyof TunnelOptionValues>(
    key: K,
  ): { value: TunnelOptionValues[K]; prop: string } => {
    if (own && own[key] !== undefined) {
      return { value: own[key] as unknown as TunnelOptionValues[K], prop: `tunnel${tunnel}.${key}` };
    }
    if (shared && shared[key] !== undefined) {
      return { value: shared[key] as unknown as TunnelOptionValues[K], prop: `tunnelOptions.${key}` };
    }
    return { value: HARDENED_TUNNEL_OPTIONS[key], prop: `tunnel${tunnel}.${key}` };
  };
  const merged = {} as Record<keyof TunnelOptionValues, unknown>;
  const props = {} as Record<keyof TunnelOptionValues, string>;
  for (const key of Object.keys(HARDENED_TUNNEL_OPTIONS) as Array<keyof TunnelOptionValues>) {
    const { value, prop } = pick(key);
    merged[key] = Array.isArray(value) ? [...value] : value;
    props[key] = prop;
  }
  const t = merged as unknown as TunnelOptionValues;

  // Report a problem once when it comes from `tunnelOptions` (shared by both tunnels).
  const sharedProblem = (prop: string) => tunnel === 2 && prop.startsWith('tunnelOptions.');
  const local: string[] = [];
  const sink: ProblemSink = { add: (problem) => local.push(problem) };
  const ignore: ProblemSink = { add: () => undefined };
  const report = (prop: string, fn: (p: ProblemSink) => void) => fn(sharedProblem(prop) ? ignore : sink);

  report(props.ikeVersions, (p) => {
    if (t.ikeVersions.length === 0) p.add(`\`${props.ikeVersions}\` is empty; use ['ikev2']`);
    for (const v of t.ikeVersions) {
      if (v !== 'ikev1' && v !== 'ikev2') p.add(`\`${props.ikeVersions}\` lists ${show(v)}; use 'ikev2'`);
    }
    const reason = own?.ikev1Reason ?? shared?.ikev1Reason;
    if (t.ikeVersions.includes('ikev1') && (reason === undefined || reason.trim() === '')) {
      p.add(
        `\`${props.ikeVersions}\` allows IKEv1, which needs an explicit opt-in: give \`ikev1Reason\` (why the customer's device can not use IKEv2)`,
      );
    }
  });
  const aes = 'use AES256-GCM-16 or AES256';
  const sha = 'use SHA2-256, SHA2-384 or SHA2-512';
  const dh = 'use groups 19, 20, 21 (or 14-18)';
  for (const [key, allowed, weak, advice] of [
    ['phase1EncryptionAlgorithms', ALLOWED_ENCRYPTION_ALGORITHMS, WEAK_ENCRYPTION_ALGORITHMS, aes],
    ['phase2EncryptionAlgorithms', ALLOWED_ENCRYPTION_ALGORITHMS, WEAK_ENCRYPTION_ALGORITHMS, aes],
    ['phase1IntegrityAlgorithms', ALLOWED_INTEGRITY_ALGORITHMS, WEAK_INTEGRITY_ALGORITHMS, sha],
    ['phase2IntegrityAlgorithms', ALLOWED_INTEGRITY_ALGORITHMS, WEAK_INTEGRITY_ALGORITHMS, sha],
    ['phase1DhGroupNumbers', ALLOWED_DH_GROUPS, WEAK_DH_GROUPS, dh],
    ['phase2DhGroupNumbers', ALLOWED_DH_GROUPS, WEAK_DH_GROUPS, dh],
  ] as const) {
    report(props[key], (p) =>
      checkList<string | number>(
        p,
        props[key],
        t[key] as readonly (string | number)[],
        allowed as readonly (string | number)[],
        weak as readonly (string | number)[],
        advice,
      ),
    );
  }
  for (const key of [
    'phase1LifetimeSeconds',
    'phase2LifetimeSeconds',
    'rekeyFuzzPercentage',
    'replayWindowSize',
    'dpdTimeoutSeconds',
  ] as const) {
    report(props[key], (p) => checkRange(p, props[key], t[key], TUNNEL_OPTION_LIMITS[key]));
  }
  report(props.rekeyMarginTimeSeconds, (p) => {
    const max = Math.floor(t.phase2LifetimeSeconds / 2);
    if (
      !Number.isInteger(t.rekeyMarginTimeSeconds) ||
      t.rekeyMarginTimeSeconds < MIN_REKEY_MARGIN_SECONDS ||
      t.rekeyMarginTimeSeconds > max
    ) {
      p.add(
        `\`${props.rekeyMarginTimeSeconds}\` ${show(t.rekeyMarginTimeSeconds)} must be an integer from ${MIN_REKEY_MARGIN_SECONDS} to half the phase 2 lifetime (${max})`,
      );
    }
  });
  report(props.dpdTimeoutAction, (p) => {
    if (!(DPD_TIMEOUT_ACTIONS as readonly string[]).includes(t.dpdTimeoutAction)) {
      p.add(
        `\`${props.dpdTimeoutAction}\` ${show(t.dpdTimeoutAction)} must be one of ${DPD_TIMEOUT_ACTIONS.join(', ')}`,
      );
    }
  });
  report(props.startupAction, (p) => {
    if (!(STARTUP_ACTIONS as readonly string[]).includes(t.startupAction)) {
      p.add(
        `\`${props.startupAction}\` ${show(t.startupAction)} must be one of ${STARTUP_ACTIONS.join(', ')}`,
      );
    }
  });
  for (const problem of local) problems.add(problem);
  return t;
}
