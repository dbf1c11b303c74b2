import type { VpnConnectionConfig } from '@cdktf/provider-aws/lib/vpn-connection';
import type { Problem } from '../shared/problems';
import { show } from '../shared/validation';
import type { VpnTunnelOptions } from './site-to-site-vpn-props';
import {
  ALLOWED_DH_GROUPS,
  ALLOWED_ENCRYPTION_ALGORITHMS,
  ALLOWED_INTEGRITY_ALGORITHMS,
  DEFAULT_TUNNEL_LOG_OUTPUT_FORMAT,
  DPD_TIMEOUT_ACTIONS,
  HARDENED_TUNNEL_OPTIONS,
  MIN_REKEY_MARGIN_SECONDS,
  STARTUP_ACTIONS,
  TUNNEL_OPTION_LIMITS,
  TunnelOptionValues,
  WEAK_DH_GROUPS,
  WEAK_ENCRYPTION_ALGORITHMS,
  WEAK_INTEGRITY_ALGORITHMS,
} from './vpn-defaults';

/** A tunnel's effective options and the problems found in the options that made them. */
export interface MergedTunnelOptions {
  readonly values: TunnelOptionValues;
  readonly problems: Problem[];
}

/**
 * Tunnel `tunnel`'s effective options: the hardened defaults, then the options for both tunnels (`shared`), then
 * the tunnel's own; checked. Each problem names the prop the value came from (`tunnel1.replayWindowSize`,
 * `tunnelOptions.ikeVersions`); one that comes from `tunnelOptions` is reported for tunnel 1 only, so that a
 * shared mistake is reported once. Pure.
 */
export function mergeTunnelOptions(
  tunnel: 1 | 2,
  shared: VpnTunnelOptions | undefined,
  own: VpnTunnelOptions | undefined,
): MergedTunnelOptions {
  const merged = {} as Record<keyof TunnelOptionValues, unknown>;
  const props = {} as Record<keyof TunnelOptionValues, string>;
  for (const key of Object.keys(HARDENED_TUNNEL_OPTIONS) as Array<keyof TunnelOptionValues>) {
    const [value, prop] =
      own && own[key] !== undefined
        ? [own[key], `tunnel${tunnel}.${key}`]
        : shared && shared[key] !== undefined
          ? [shared[key], `tunnelOptions.${key}`]
          : [HARDENED_TUNNEL_OPTIONS[key], `tunnel${tunnel}.${key}`];
    merged[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
    props[key] = prop;
  }
  const t = merged as unknown as TunnelOptionValues;

  const problems: Problem[] = [];
  // A problem of `tunnelOptions` (shared by both tunnels) is reported once, for tunnel 1.
  const check = (key: keyof TunnelOptionValues, found: Array<Omit<Problem, 'prop'>>) => {
    if (tunnel === 2 && props[key].startsWith('tunnelOptions.')) return;
    problems.push(...found.map((p) => ({ prop: props[key], ...p })));
  };

  const ike: Array<Omit<Problem, 'prop'>> = [];
  if (t.ikeVersions.length === 0) ike.push({ message: "is empty; use ['ikev2']" });
  for (const v of t.ikeVersions) {
    if (v !== 'ikev1' && v !== 'ikev2') ike.push({ message: `lists ${show(v)}; use 'ikev2'` });
  }
  const reason = own?.ikev1Reason ?? shared?.ikev1Reason;
  if (t.ikeVersions.includes('ikev1') && (reason === undefined || reason.trim() === '')) {
    ike.push({
      message:
        "allows IKEv1, which needs an explicit opt-in: give `ikev1Reason` (why the customer's device can not use IKEv2)",
    });
  }
  check('ikeVersions', ike);

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
    check(
      key,
      listProblems(
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
    check(key, rangeProblems(t[key], TUNNEL_OPTION_LIMITS[key]));
  }
  const maxMargin = Math.floor(t.phase2LifetimeSeconds / 2);
  const margin = t.rekeyMarginTimeSeconds;
  if (!Number.isInteger(margin) || margin < MIN_REKEY_MARGIN_SECONDS || margin > maxMargin) {
    check('rekeyMarginTimeSeconds', [
      {
        value: margin,
        message: `must be an integer from ${MIN_REKEY_MARGIN_SECONDS} to half the phase 2 lifetime (${maxMargin})`,
      },
    ]);
  }
  if (!(DPD_TIMEOUT_ACTIONS as readonly string[]).includes(t.dpdTimeoutAction)) {
    check('dpdTimeoutAction', [
      { value: t.dpdTimeoutAction, message: `must be one of ${DPD_TIMEOUT_ACTIONS.join(', ')}` },
    ]);
  }
  if (!(STARTUP_ACTIONS as readonly string[]).includes(t.startupAction)) {
    check('startupAction', [
      { value: t.startupAction, message: `must be one of ${STARTUP_ACTIONS.join(', ')}` },
    ]);
  }
  return { values: t, problems };
}

/** A list option: not empty, every entry one AWS offers and not one refused as weak. */
function listProblems<T extends string | number>(
  values: readonly T[],
  allowed: readonly T[],
  weak: readonly T[],
  advice: string,
): Array<Omit<Problem, 'prop'>> {
  if (values.length === 0) return [{ message: `is empty; ${advice}` }];
  return values.flatMap((value) =>
    weak.includes(value)
      ? [{ message: `lists ${show(value)}, which is too weak; ${advice}` }]
      : allowed.includes(value)
        ? []
        : [{ message: `lists ${show(value)}, which is not one AWS offers; ${advice}` }],
  );
}

function rangeProblems(value: number, [lo, hi]: readonly [number, number]): Array<Omit<Problem, 'prop'>> {
  if (Number.isInteger(value) && value >= lo && value <= hi) return [];
  const rule =
    hi === Number.MAX_SAFE_INTEGER ? `an integer of at least ${lo}` : `an integer from ${lo} to ${hi}`;
  return [{ value, message: `must be ${rule}` }];
}

/**
 * The `tunnel<n>_*` arguments of the VPN connection for tunnel `n`: its options, its inside block when given, and
 * its logs to `logGroupArn`.
 */
export function tunnelConnectionConfig(
  n: 1 | 2,
  t: TunnelOptionValues,
  insideCidr: string | undefined,
  logGroupArn: string,
): Partial<VpnConnectionConfig> {
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
    LogOptions: {
      cloudwatchLogOptions: {
        logEnabled: true,
        logGroupArn,
        logOutputFormat: DEFAULT_TUNNEL_LOG_OUTPUT_FORMAT,
      },
    },
    ...(insideCidr ? { InsideCidr: insideCidr } : {}),
  };
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [`tunnel${n}${key}`, value]),
  ) as Partial<VpnConnectionConfig>;
}
