/**
 * The prop checks of `SiteToSiteVpn`: pure functions (no construct scope, nothing thrown) that return every
 * problem found, each naming the prop as the user wrote it. A parent that passes part of its props to a VPN
 * runs `checkSiteToSiteVpnOptions` on them itself and reports `within('vpn', problems)`.
 */
import { isIPv4 } from 'node:net';
import type { CustomerSubnets } from '../network/customer-subnets';
import type { GatewayPlatform, VpnAttachmentKind } from '../platform/gateway-platform';
import { Cidr, cidrContains, cidrOverlaps, describeCidrProblem, parseCidr } from '../shared/cidr';
import { isLogRetention } from '../shared/cloudwatch';
import { type Port, toPortRange } from '../shared/ports';
import { type Problem, hasProblems } from '../shared/problems';
import { Problems, checkIamPrincipalArn, isUnresolved, show } from '../shared/validation';
import type { SiteToSiteVpnOptions, SiteToSiteVpnProps } from './site-to-site-vpn-props';
import {
  BROADEST_ON_PREM_PREFIX,
  DEFAULT_STATIC_CUSTOMER_GATEWAY_ASN,
  DEFAULT_TUNNEL_LOG_RETENTION_DAYS,
  LOG_RETENTION_DAYS,
  MAX_CUSTOMER_GATEWAY_ASN,
  NON_PUBLIC_IPV4_RANGES,
  RESERVED_CUSTOMER_GATEWAY_ASNS,
  RESERVED_TUNNEL_INSIDE_CIDRS,
  TUNNEL_INSIDE_RANGE,
  TunnelOptionValues,
} from './vpn-defaults';
import { mergeTunnelOptions } from './vpn-tunnel-options';

/** What the VPN's checks read of the platform: its name, partition and attachment points. */
export type VpnPlatformView = Pick<
  GatewayPlatform,
  'name' | 'partition' | 'vpnAttachments' | 'vpnGateway' | 'transitGateway'
>;

/** The props the VPN requires; a JavaScript caller that leaves one out gets "`onPremCidrs` is required". */
const REQUIRED_OPTIONS = ['customerGatewayIp', 'onPremCidrs'] as const;

/**
 * Every problem of a VPN's props. Checks that need the platform (the attachment point, the Amazon-side ASN, the
 * partition of the key readers) are skipped when the subnets or their platform reported problems of their own:
 * they built nothing to check against. Pure but for that look at the app's reported problems.
 */
export function checkSiteToSiteVpnProps(props: SiteToSiteVpnProps): Problem[] {
  if (props === undefined || props === null || typeof props !== 'object') {
    return [{ prop: '', message: 'props are required (`subnets`, `customerGatewayIp`, `onPremCidrs`)' }];
  }
  const subnets: Problem[] =
    props.subnets === undefined || props.subnets === null
      ? [{ prop: 'subnets', message: 'is required' }]
      : [];
  return [...subnets, ...planSiteToSiteVpn(props, vpnPlatformOf(props.subnets)).problems];
}

/** The subnets' platform, when neither it nor the subnets reported problems (else `undefined`). */
export function vpnPlatformOf(subnets: CustomerSubnets | undefined): GatewayPlatform | undefined {
  return subnets && !hasProblems(subnets) && !hasProblems(subnets.platform) ? subnets.platform : undefined;
}

/**
 * Every problem of the VPN props a parent takes from its user (all but `subnets` and `backendPorts`, which the
 * parent fills in), with the names the user wrote under the parent's prop: report them as
 * `within('vpn', checkSiteToSiteVpnOptions(props.vpn, props.platform))`. Checks that need the platform are
 * skipped when `platform` is `undefined`. Pure.
 */
export function checkSiteToSiteVpnOptions(
  options: SiteToSiteVpnOptions,
  platform: VpnPlatformView | undefined,
): Problem[] {
  return planSiteToSiteVpn(options, platform).problems;
}

/** A VPN's props resolved: defaults applied, blocks parsed, tunnel options merged; only sound without problems. */
export interface SiteToSiteVpnPlan {
  readonly problems: Problem[];
  /** The attachment point; `undefined` when it could not be chosen (a problem says why) or without platform. */
  readonly attachment: VpnAttachmentKind | undefined;
  readonly routing: 'static' | 'bgp';
  /** The customer gateway's ASN: `bgpAsn`, or AWS's default for static routing. */
  readonly bgpAsn: number;
  readonly amazonSideAsn: number | undefined;
  /** The on-premises ranges, parsed (the valid ones, without overlaps). */
  readonly onPremCidrs: readonly Cidr[];
  /** Tunnel 1's and tunnel 2's inside blocks, when given and valid. */
  readonly insideCidrs: readonly [Cidr | undefined, Cidr | undefined];
  readonly tunnels: readonly [TunnelOptionValues, TunnelOptionValues];
  readonly logRetentionDays: number;
}

/**
 * Checks `options` and resolves them: the problems, in the order of the props, and the values the construct
 * builds from. Pure.
 */
export function planSiteToSiteVpn(
  options: SiteToSiteVpnOptions & Pick<SiteToSiteVpnProps, 'backendPorts'>,
  platform: VpnPlatformView | undefined,
): SiteToSiteVpnPlan {
  const problems: Problem[] = [];
  for (const name of REQUIRED_OPTIONS) {
    if (options[name] === undefined || options[name] === null)
      problems.push({ prop: name, message: 'is required' });
  }

  const attachment = platform ? chooseAttachment(problems, options.attachment, platform) : undefined;
  if (!platform && options.attachment !== undefined) checkAttachmentKind(problems, options.attachment);
  if (typeof options.customerGatewayIp === 'string') {
    problems.push(...customerGatewayIpProblems(options.customerGatewayIp));
  } else if (options.customerGatewayIp !== undefined && options.customerGatewayIp !== null) {
    problems.push({
      prop: 'customerGatewayIp',
      value: options.customerGatewayIp,
      message: 'is not an IPv4 address',
    });
  }
  (options.presharedKeyReaderArns ?? []).forEach((arn, i) =>
    problems.push(
      ...sharedCheck(`presharedKeyReaderArns[${i}]`, arn, (sink, prop) =>
        checkIamPrincipalArn(sink, prop, arn, platform?.partition),
      ),
    ),
  );
  const onPremCidrs = Array.isArray(options.onPremCidrs)
    ? parseOnPremCidrs(problems, options.onPremCidrs)
    : [];
  if (
    options.onPremCidrs !== undefined &&
    options.onPremCidrs !== null &&
    !Array.isArray(options.onPremCidrs)
  ) {
    problems.push({
      prop: 'onPremCidrs',
      value: options.onPremCidrs,
      message: 'must be a list of IPv4 blocks (e.g. ["172.20.0.0/16"])',
    });
  }

  const routing = options.routing ?? 'static';
  if (routing !== 'static' && routing !== 'bgp') {
    problems.push({ prop: 'routing', value: routing, message: "must be 'static' or 'bgp'" });
  }
  const amazonSideAsn =
    attachment === 'transit-gateway'
      ? platform?.transitGateway?.amazonSideAsn
      : attachment === 'vpn-gateway'
        ? platform?.vpnGateway?.amazonSideAsn
        : undefined;
  if (routing === 'bgp' && options.bgpAsn === undefined) {
    problems.push({ prop: 'bgpAsn', message: "is required when `routing` is 'bgp'" });
  }
  if (options.bgpAsn !== undefined) problems.push(...bgpAsnProblems(options.bgpAsn, amazonSideAsn));

  if (options.backendPorts !== undefined) problems.push(...backendPortProblems(options.backendPorts));

  const logRetentionDays = options.logRetentionDays ?? DEFAULT_TUNNEL_LOG_RETENTION_DAYS;
  if (!isLogRetention(logRetentionDays)) {
    problems.push({
      prop: 'logRetentionDays',
      value: logRetentionDays,
      message: `is not a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')})`,
    });
  }

  // Tunnel options: defaults, then `tunnelOptions`, then the tunnel's own.
  if (options.tunnelOptions?.insideCidr !== undefined) {
    problems.push({
      prop: 'tunnelOptions.insideCidr',
      message:
        'is not allowed: the tunnels need different inside blocks; give `tunnel1.insideCidr` and `tunnel2.insideCidr`',
    });
  }
  const merged = ([1, 2] as const).map((n) =>
    mergeTunnelOptions(n, options.tunnelOptions, n === 1 ? options.tunnel1 : options.tunnel2),
  );
  for (const m of merged) problems.push(...m.problems);
  const insideCidrs = ([1, 2] as const).map((n) =>
    parseInsideCidr(problems, n, (n === 1 ? options.tunnel1 : options.tunnel2)?.insideCidr),
  ) as [Cidr | undefined, Cidr | undefined];
  if (insideCidrs[0] && insideCidrs[1] && cidrOverlaps(insideCidrs[0], insideCidrs[1])) {
    problems.push({
      prop: 'tunnel1.insideCidr',
      message: `and \`tunnel2.insideCidr\` are both ${insideCidrs[0].text}; each tunnel needs its own /30`,
    });
  }

  if (options.onboarding !== undefined && typeof options.onboarding !== 'boolean') {
    problems.push({ prop: 'onboarding', value: options.onboarding, message: 'must be true or false' });
  }
  return {
    problems,
    attachment,
    routing,
    bgpAsn: options.bgpAsn ?? DEFAULT_STATIC_CUSTOMER_GATEWAY_ASN,
    amazonSideAsn,
    onPremCidrs,
    insideCidrs,
    tunnels: [merged[0].values, merged[1].values],
    logRetentionDays,
  };
}

/** The given attachment point, or the platform's only one. */
function chooseAttachment(
  problems: Problem[],
  given: VpnAttachmentKind | undefined,
  platform: VpnPlatformView,
): VpnAttachmentKind | undefined {
  if (given !== undefined) return checkAttachmentKind(problems, given);
  const offered = platform.vpnAttachments;
  if (offered.length === 1) return offered[0];
  problems.push(
    offered.length === 0
      ? {
          prop: '',
          message: `platform ${show(platform.name)} offers no VPN attachment point; give the platform \`vpnGateway\` or \`transitGateway\``,
        }
      : {
          prop: 'attachment',
          message: `is required: platform ${show(platform.name)} offers both 'vpn-gateway' and 'transit-gateway'`,
        },
  );
  return undefined;
}

function checkAttachmentKind(problems: Problem[], given: VpnAttachmentKind): VpnAttachmentKind | undefined {
  if (given === 'vpn-gateway' || given === 'transit-gateway') return given;
  problems.push({ prop: 'attachment', value: given, message: "must be 'vpn-gateway' or 'transit-gateway'" });
  return undefined;
}

const NON_PUBLIC = NON_PUBLIC_IPV4_RANGES.map((text) => parseCidr(text)!);
const INSIDE_RANGE = parseCidr(TUNNEL_INSIDE_RANGE)!;

function customerGatewayIpProblems(ip: string): Problem[] {
  if (isUnresolved(ip)) return [];
  const prop = 'customerGatewayIp';
  if (!isIPv4(ip) || ip.split('.').some((o) => o.length > 1 && o.startsWith('0'))) {
    return [{ prop, value: ip, message: 'is not an IPv4 address' }];
  }
  const range = NON_PUBLIC.find((r) => cidrContains(r, parseCidr(`${ip}/32`)!));
  return range
    ? [
        {
          prop,
          value: ip,
          message: `is in ${range.text}, which is not public; give the static public address of the customer's VPN device`,
        },
      ]
    : [];
}

function parseOnPremCidrs(problems: Problem[], values: readonly string[]): Cidr[] {
  if (values.length === 0) {
    problems.push({
      prop: 'onPremCidrs',
      message: "is empty; list the customer's on-premises ranges the runtime must reach",
    });
  }
  const parsed: Cidr[] = [];
  for (const [i, value] of values.entries()) {
    const prop = `onPremCidrs[${i}]`;
    if (isUnresolved(value)) {
      problems.push({
        prop,
        message: 'must be a literal CIDR: it is checked against other customers at synth time',
      });
      continue;
    }
    const cidr = parseCidr(value);
    if (!cidr || cidr.family !== 4) {
      problems.push({ prop, value, message: cidr ? 'must be an IPv4 block' : describeCidrProblem(value) });
      continue;
    }
    // The block is shown as parsed (canonical), unquoted.
    if (cidr.prefixLength < BROADEST_ON_PREM_PREFIX) {
      problems.push({
        prop,
        message: `${cidr.text} is broader than /${BROADEST_ON_PREM_PREFIX}; a route to it would send most of the internet to the customer`,
      });
      continue;
    }
    const clash = parsed.find((p) => cidrOverlaps(p, cidr));
    if (clash) problems.push({ prop, message: `${cidr.text} overlaps ${clash.text}, listed before it` });
    else parsed.push(cidr);
  }
  return parsed;
}

function bgpAsnProblems(asn: number, amazonSideAsn: number | undefined): Problem[] {
  if (isUnresolved(asn)) return [];
  const prop = 'bgpAsn';
  if (!Number.isInteger(asn) || asn < 1 || asn > MAX_CUSTOMER_GATEWAY_ASN) {
    return [{ prop, value: asn, message: `must be an integer from 1 to ${MAX_CUSTOMER_GATEWAY_ASN}` }];
  }
  const reserved = RESERVED_CUSTOMER_GATEWAY_ASNS.find((r) => r.asn === asn);
  if (reserved) {
    return [
      {
        prop,
        value: asn,
        message: `is reserved by AWS (${reserved.where}); use the customer's own public ASN or a private one (64512-65534, 4200000000-4294967294)`,
      },
    ];
  }
  if (asn === amazonSideAsn) {
    return [
      {
        prop,
        value: asn,
        message: 'is the Amazon-side ASN of the attachment point; the customer gateway needs a different ASN',
      },
    ];
  }
  return [];
}

function parseInsideCidr(problems: Problem[], tunnel: 1 | 2, value: string | undefined): Cidr | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  const prop = `tunnel${tunnel}.insideCidr`;
  const cidr = parseCidr(value);
  if (!cidr || cidr.family !== 4 || cidr.prefixLength !== 30 || !cidrContains(INSIDE_RANGE, cidr)) {
    const why = cidr || !value.includes('/') ? '' : ` (${describeCidrProblem(value)})`;
    problems.push({
      prop,
      value,
      message: `for tunnel ${tunnel} is not a /30 inside ${TUNNEL_INSIDE_RANGE}${why}`,
    });
    return undefined;
  }
  if ((RESERVED_TUNNEL_INSIDE_CIDRS as readonly string[]).includes(cidr.text)) {
    problems.push({
      prop,
      message: `${cidr.text} for tunnel ${tunnel} is reserved by AWS (${RESERVED_TUNNEL_INSIDE_CIDRS.join(', ')}); pick another /30 in ${TUNNEL_INSIDE_RANGE}`,
    });
    return undefined;
  }
  return cidr;
}

/** `backendPorts`: not empty, each a port or a range of ports. */
function backendPortProblems(ports: readonly Port[]): Problem[] {
  const problems: Problem[] = ports.flatMap((port, i): Problem[] => {
    const prop = `backendPorts[${i}]`;
    const { fromPort, toPort } = toPortRange(port);
    const valid = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
    if (!valid(fromPort) || !valid(toPort)) {
      return [
        { prop, value: port, message: 'is not a port (an integer from 1 to 65535) or a range of ports' },
      ];
    }
    return fromPort > toPort ? [{ prop, value: port, message: 'has `fromPort` greater than `toPort`' }] : [];
  });
  if (ports.length === 0) {
    problems.push({ prop: 'backendPorts', message: 'is empty; list the TCP ports the backends listen on' });
  }
  return problems;
}

/** A {@link Problems} that keeps the sentences a shared check adds, for {@link sharedCheck}. */
class Sentences extends Problems {
  readonly found: string[] = [];

  override add(problem: string): void {
    this.found.push(problem);
  }
}

/**
 * Runs one of the shared sentence checks of `validation.ts` (`checkIamPrincipalArn`, which writes
 * "`prop` "value" rule") and returns its findings as problems of `prop` with `value`. Until `validation.ts` offers
 * them as problems: the sentence is the check's own, only its known lead (the prop and value) is taken off.
 */
function sharedCheck(prop: string, value: unknown, check: (sink: Problems, prop: string) => void): Problem[] {
  const sink = new Sentences();
  check(sink, prop);
  const lead = `\`${prop}\` ${show(value)} `;
  return sink.found.map((text) =>
    text.startsWith(lead) ? { prop, value, message: text.slice(lead.length) } : { prop: '', message: text },
  );
}
