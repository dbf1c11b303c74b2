/** The props of `SiteToSiteVpn` (one module, so that its checks and its parts read them without the construct). */
import type { CustomerSubnets } from '../network/customer-subnets';
import type { VpnAttachmentKind } from '../platform/gateway-platform';
import type { Port } from '../shared/ports';

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
 * The VPN props a parent construct takes from its user and passes on (`CustomerBackendLinkProps.vpn`): every
 * prop but `subnets` and `backendPorts`, which the parent fills in.
 */
export type SiteToSiteVpnOptions = Omit<SiteToSiteVpnProps, 'subnets' | 'backendPorts'>;
