/**
 * AWS's side of the tunnels in the twin, from the plan's tunnel options (the `<customer>_vpn_ike_parameters`
 * output), as the VPN connection would run them: the same proposals and lifetimes, AWS's tunnel endpoints as
 * local addresses, the customer's subnet block as the local traffic selector (`remote_ipv4_network_cidr`) and
 * the on-premises range as the remote one (`local_ipv4_network_cidr`, 0.0.0.0/0 with several ranges), the
 * customer gateway initiating (startup action `add`). Plus the weak offers a probe makes, to be refused.
 */
import {
  DPD_DELAY_SECONDS,
  DeviceConfigFacts,
  TunnelName,
  strongswanLifetimes,
  strongswanProposals,
} from '../../lib/handoff/device-config';

/** AWS's DPD timeout actions in swanctl terms. */
const DPD_ACTION: Record<string, string> = { clear: 'clear', none: 'clear', restart: 'restart' };

export function renderAwsSideSwanctl(
  facts: DeviceConfigFacts,
  keys: Readonly<Record<TunnelName, string>>,
): string {
  const cgw = facts.customerGatewayIp!;
  const remoteTs = facts.onPremCidrs.length === 1 ? facts.onPremCidrs[0] : '0.0.0.0/0';
  const lines = [
    `# AWS's side of ${facts.customer}'s VPN connection in the twin (from the plan's tunnel options)`,
    'connections {',
  ];
  for (const t of facts.tunnels) {
    const ike = strongswanLifetimes(t.ike, 1);
    const child = strongswanLifetimes(t.ike, 2);
    lines.push(
      `  aws-${t.name} {`,
      '    version = 2',
      `    local_addrs = ${t.outsideAddress}`,
      `    remote_addrs = ${cgw}`,
      `    proposals = ${strongswanProposals(t.ike, 1).join(', ')}`,
      `    rekey_time = ${ike.rekeyTime}s`,
      `    rand_time = ${ike.randTime}s`,
      `    over_time = ${ike.lifeTime - ike.rekeyTime}s`,
      `    dpd_delay = ${DPD_DELAY_SECONDS}s`,
      '    mobike = no',
      `    local {\n      auth = psk\n      id = ${t.outsideAddress}\n    }`,
      `    remote {\n      auth = psk\n      id = ${cgw}\n    }`,
      '    children {',
      `      aws-${t.name} {`,
      `        local_ts = ${facts.awsSideCidr}`,
      `        remote_ts = ${remoteTs}`,
      `        esp_proposals = ${strongswanProposals(t.ike, 2).join(', ')}`,
      `        rekey_time = ${child.rekeyTime}s`,
      `        rand_time = ${child.randTime}s`,
      `        life_time = ${child.lifeTime}s`,
      `        replay_window = ${t.ike.replay_window_size ?? 1024}`,
      `        dpd_action = ${DPD_ACTION[t.ike.dpd_timeout_action ?? 'restart'] ?? 'restart'}`,
      `        start_action = ${t.ike.startup_action === 'start' ? 'start' : 'none'}`,
      '      }',
      '    }',
      '  }',
    );
  }
  lines.push('}', 'secrets {');
  for (const t of facts.tunnels) {
    lines.push(
      `  ike-${t.name} {\n    id-1 = ${t.outsideAddress}\n    id-2 = ${cgw}\n    secret = "${keys[t.name]}"\n  }`,
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}

/** A weak offer: what a customer device with an old configuration would propose. */
export interface WeakOffer {
  readonly name: string;
  readonly description: string;
  /** IKE proposal (phase 1). */
  readonly proposals: string;
  /** ESP proposal (phase 2). */
  readonly espProposals: string;
  /** What AWS's side answers: the IKE SA is refused, or only the CHILD_SA. */
  readonly refused: 'ike' | 'child';
}

/** Weak offers, each otherwise hardened so that only the weak part can be the reason for the refusal. */
export const WEAK_OFFERS: readonly WeakOffer[] = [
  {
    name: 'weak-dh2',
    description: 'IKE with DH group 2 (MODP-1024)',
    proposals: 'aes256gcm16-prfsha384-modp1024',
    espProposals: 'aes256gcm16-ecp384',
    refused: 'ike',
  },
  {
    name: 'weak-sha1',
    description: 'IKE with SHA-1 integrity and PRF',
    proposals: 'aes256-sha1-ecp384',
    espProposals: 'aes256gcm16-ecp384',
    refused: 'ike',
  },
  {
    name: 'weak-esp-sha1',
    description: 'ESP with SHA-1 integrity and DH group 2',
    proposals: 'aes256gcm16-prfsha384-ecp384',
    espProposals: 'aes256-sha1-modp1024',
    refused: 'child',
  },
];

/** The probe's swanctl.conf: every weak offer as its own connection to tunnel 1's endpoint, with tunnel 1's key. */
export function renderWeakProbeSwanctl(facts: DeviceConfigFacts, key: string): string {
  const cgw = facts.customerGatewayIp!;
  const aws = facts.tunnels[0].outsideAddress!;
  const lines = [
    '# a customer device offering weak proposals to tunnel 1 (each must be refused)',
    'connections {',
  ];
  for (const offer of WEAK_OFFERS) {
    lines.push(
      `  ${offer.name} {`,
      '    version = 2',
      `    local_addrs = ${cgw}`,
      `    remote_addrs = ${aws}`,
      `    proposals = ${offer.proposals}`,
      '    mobike = no',
      `    local {\n      auth = psk\n      id = ${cgw}\n    }`,
      `    remote {\n      auth = psk\n      id = ${aws}\n    }`,
      '    children {',
      `      ${offer.name} {`,
      `        local_ts = ${facts.onPremCidrs.join(', ')}`,
      `        remote_ts = ${facts.awsSideCidr}`,
      `        esp_proposals = ${offer.espProposals}`,
      '      }',
      '    }',
      '  }',
    );
  }
  lines.push(
    '}',
    'secrets {',
    `  ike-weak {\n    id-1 = ${cgw}\n    id-2 = ${aws}\n    secret = "${key}"\n  }`,
    '}',
    '',
  );
  return lines.join('\n');
}
