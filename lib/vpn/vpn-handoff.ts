/**
 * The VPN's handoff contract: the Terraform outputs `<customer>_vpn_<key>` that tell the customer's network team
 * what to configure, and that the handoff's device configuration (`lib/handoff/device-config.ts`) reads back.
 * Their names and the shape of each value are defined here, once; `SiteToSiteVpn` writes them through
 * {@link addVpnHandoffOutputs}.
 */
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { TunnelOptionValues } from './vpn-defaults';

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

/** A tunnel's addresses inside the tunnel: AWS's end and the customer's. */
export interface TunnelInsideAddresses {
  readonly aws: string;
  readonly customer: string;
}

/**
 * Every handoff output of a customer's VPN, by key: the output `<customer>_vpn_<key>` holds the value. Strings
 * are Terraform references at synth (the connection's id, addresses and secret ARN), values after apply.
 */
export interface VpnHandoffOutputs {
  /** The VPN connection. */
  readonly connection_id: string;
  /** AWS endpoints of tunnel 1 and tunnel 2. */
  readonly tunnel_outside_addresses: readonly [string, string];
  readonly tunnel_inside_addresses: {
    readonly tunnel1: TunnelInsideAddresses;
    readonly tunnel2: TunnelInsideAddresses;
  };
  /** The customer's device as AWS knows it: its public address (its IKE identity), BGP ASN and device name. */
  readonly customer_gateway: {
    readonly ip_address: string;
    readonly bgp_asn: number;
    readonly device_name: string;
  };
  /** The Amazon-side BGP ASN of the attachment point. */
  readonly aws_side_asn: number;
  readonly routing: {
    readonly type: 'static' | 'bgp';
    readonly on_prem_cidrs: readonly string[];
    readonly aws_side_cidr: string;
  };
  readonly ike_parameters: { readonly tunnel1: TunnelHandoff; readonly tunnel2: TunnelHandoff };
  /** The Secrets Manager secret holding both tunnels' pre-shared keys (the ARN, never the keys). */
  readonly preshared_key_secret_arn: string;
}

/** A key of the handoff outputs. */
export type VpnHandoffKey = keyof VpnHandoffOutputs;

/** The name of a customer's handoff output: `acme_vpn_ike_parameters`. */
export function vpnOutputName(customerName: string, key: VpnHandoffKey): string {
  return `${customerName}_vpn_${key}`;
}

/** Each output's construct id (a resource address: never renamed) and description, in the order written. */
const OUTPUTS: {
  readonly [K in VpnHandoffKey]: { readonly id: string; readonly description: (c: string) => string };
} = {
  connection_id: { id: 'ConnectionIdOutput', description: (c) => `VPN connection of ${c}` },
  tunnel_outside_addresses: {
    id: 'OutsideAddressesOutput',
    description: (c) => `AWS endpoints of ${c}'s two tunnels (tunnel 1, tunnel 2)`,
  },
  tunnel_inside_addresses: {
    id: 'InsideAddressesOutput',
    description: (c) => `Inside addresses of ${c}'s tunnels`,
  },
  customer_gateway: {
    id: 'CustomerGatewayOutput',
    description: (c) =>
      `${c}'s VPN device as AWS knows it: its public address (its IKE identity) and BGP ASN`,
  },
  aws_side_asn: { id: 'AwsSideAsnOutput', description: (c) => `Amazon-side BGP ASN for ${c}` },
  routing: { id: 'RoutingOutput', description: (c) => `Routing of ${c}'s VPN` },
  ike_parameters: {
    id: 'IkeParametersOutput',
    description: (c) => `IKE/IPsec parameters ${c}'s device must use`,
  },
  preshared_key_secret_arn: {
    id: 'PresharedKeySecretOutput',
    description: (c) =>
      `Secrets Manager secret holding both tunnels' pre-shared keys of ${c} (the ARN only, never the keys)`,
  },
};

/** Every key of the handoff outputs, in the order they are written. */
export const VPN_HANDOFF_KEYS = Object.keys(OUTPUTS) as readonly VpnHandoffKey[];

/** Writes the customer's handoff outputs into `scope` (the VPN). */
export function addVpnHandoffOutputs(
  scope: Construct,
  customerName: string,
  outputs: VpnHandoffOutputs,
): void {
  for (const key of VPN_HANDOFF_KEYS) {
    const { id, description } = OUTPUTS[key];
    new TerraformOutput(scope, id, {
      value: outputs[key],
      description: description(customerName),
    }).overrideLogicalId(vpnOutputName(customerName, key));
  }
}

/** A tunnel's effective options as the handoff gives them. */
export function tunnelHandoff(t: TunnelOptionValues): TunnelHandoff {
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
