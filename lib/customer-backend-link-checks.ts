import { isIP } from 'node:net';
import { Token } from 'cdktf';
import type { GatewayConfig, SecretRef } from '../gateway-runtime/src/config/types';
import { showUnparsedUrl, validateConfig } from '../gateway-runtime/src/config/validate';
import { ConfigError } from '../gateway-runtime/src/core/errors';
import type { BackendProps, CustomerBackendLinkProps, PublicEndpointProps } from './customer-backend-link';
import { MAX_PUBLIC_ENDPOINT_ADDRESSES } from './customer-backend-link';
import { runtimeConfigOf } from './runtime/runtime-options';
import { parseInternalLoadBalancerProps } from './load-balancer/internal-load-balancer-checks';
import { parseCustomerSubnetsProps } from './network/customer-subnets-checks';
import type { GatewayPlatform } from './platform/gateway-platform';
import { checkMonitoringOptions } from './runtime/gateway-monitoring';
import { checkAlarmTuning } from './runtime/alarm-options';
import { checkLinkDns } from './runtime/dns-egress';
import { checkConfigForLambda, checkFunctionOptions } from './runtime/function-options';
import { GatewayFunction } from './runtime/gateway-function';
import { environmentSizeProblem } from './runtime/gateway-function-checks';
import { checkBackendSecretsProps } from './secrets/backend-secrets-checks';
import {
  type BackendSecretsProps,
  TERRAFORM_UNIQUE_SUFFIX_LENGTH,
  secretNamePrefixOf,
} from './secrets/backend-secrets';
import type { SecretRequirement } from './runtime/backend-security';
import { longestSecretArn } from './runtime/environment-size';
import { cidrContains, describeCidrProblem, parseCidr } from './shared/cidr';
import { checkName } from './shared/names';
import { Port, toPortRange, urlPort } from './shared/ports';
import { type Problem, within } from './shared/problems';
import { ProblemList, renamed } from './shared/problem-list';
import { publicIpv4Problem } from './shared/public-address';
import { checkIpv4Cidr, isUnresolved, show } from './shared/validation';
import { checkSiteToSiteVpnOptions } from './vpn/site-to-site-vpn-checks';
import { RUNTIME_CONFIG_PATH_OF_PROP, type SigV4Platform } from './runtime/backend-security-checks';
import { secretSourceProblem } from './secrets/secret-source';
import {
  StackLocation,
  checkBackendPorts,
  checkConnectivityChoice,
  checkEndpointBackendUrl,
  checkEndpointServiceName,
  checkResourceConfigurationArn,
  checkResourceShareArn,
} from './connectivity/checks';

/** What the public DMZ path derives from `publicEndpoint` when it is sound. */
export interface CheckedPublicEndpoint {
  /** The addresses as /32 blocks. */
  readonly cidrs: string[];
  /** `backend` with the URL's host pinned to the addresses. */
  readonly backend: BackendProps;
  readonly headerOnlySchemeReason?: string;
}

/** What a private-endpoint path (`resourceEndpoint` or `privateLinkEndpoint`) derives when it is sound. */
export interface CheckedPrivateEndpoint {
  readonly mode: 'resourceEndpoint' | 'privateLinkEndpoint';
  /** The ports the endpoint admits: the given `ports`, else the backend URL's. */
  readonly ports: Port[];
}

/**
 * The longest DNS name a VPC endpoint is given (a resource endpoint's, `vpce-<17>-snra-<17>.rcfg-<17>.<7>.
 * vpc-lattice-rsc.<region>.on.aws`), with the highest port: the runtime configuration's `backend.connectTo`
 * at its longest, for the checks made before the endpoint exists.
 */
export const PLACEHOLDER_ENDPOINT_CONNECT_TO =
  'vpce-0a1b2c3d4e5f60718-snra-0a1b2c3d4e5f60718.rcfg-0a1b2c3d4e5f60718.4232ccc.vpc-lattice-rsc.ap-southeast-3.on.aws:65535';

/** `config` with `backend.connectTo` (the private endpoint's `host:port`), when there is one. */
export function withConnectTo(config: GatewayConfig, connectTo: string | undefined): GatewayConfig {
  return connectTo === undefined ? config : { ...config, backend: { ...config.backend, connectTo } };
}

/** The checked props: the problems, and what the link is built from when there are none. */
export interface CheckedCustomerBackendLink {
  readonly problems: Problem[];
  /** The public DMZ path, when `publicEndpoint` is given and sound. */
  readonly publicEndpoint?: CheckedPublicEndpoint;
  /** The private-endpoint path, when `resourceEndpoint` or `privateLinkEndpoint` is given and sound. */
  readonly privateEndpoint?: CheckedPrivateEndpoint;
  /** `backend`, with the public endpoint's addresses pinned. */
  readonly backend: BackendProps;
  /** The blocks the backend lives in: `backend.cidrs`, the VPN's ranges or the public endpoint's /32s. */
  readonly backendCidrs: string[];
  /** The backend URL's port. */
  readonly backendPort: number;
}

/**
 * Every problem of a `CustomerBackendLink`'s props, its children's included (subnets, VPN, load balancer, secrets,
 * the gateway function's configuration and environment), each named by the prop the user wrote
 * (`loadBalancer.certificateArn`, `vpn.onPremCidrs`, `additionalSecretReaderArns[0]`). Pure: no construct is
 * created, nothing is thrown. When `platformBuilt` is false (the platform reported problems of its own and built
 * nothing), only the checks that need nothing of the platform run.
 */
export function checkCustomerBackendLinkProps(
  props: CustomerBackendLinkProps,
  options: { readonly platformBuilt?: boolean } = {},
): Problem[] {
  return parseCustomerBackendLinkProps(props, options).problems;
}

/** Checks the props and derives what the link is built from (see {@link checkCustomerBackendLinkProps}). */
export function parseCustomerBackendLinkProps(
  props: CustomerBackendLinkProps,
  options: { readonly platformBuilt?: boolean } = {},
): CheckedCustomerBackendLink {
  const platform = options.platformBuilt === false ? undefined : props.platform;
  const problems = new ProblemList();
  // The BackendSecurity builders never throw: their problems come with the value, under the link's `security`.
  problems.addAll(within('security', props.security.problems));
  const publicEndpoint = props.publicEndpoint
    ? checkPublicEndpoint(problems, props, props.publicEndpoint, platform)
    : undefined;
  const backend = publicEndpoint?.backend ?? props.backend;
  const endpointMode = props.resourceEndpoint
    ? 'resourceEndpoint'
    : props.privateLinkEndpoint
      ? 'privateLinkEndpoint'
      : undefined;
  // On a private-endpoint path nothing is routed: the function reaches the endpoint's security group only.
  const backendCidrs = endpointMode
    ? []
    : (publicEndpoint?.cidrs ?? backend.cidrs ?? props.vpn?.onPremCidrs ?? []);

  // The customer's subnets: the customer's name is also the runtime's `name`, reported here only.
  let subnetCidrs: string[] = [];
  if (platform) {
    const subnets = parseCustomerSubnetsProps(props);
    problems.addAll(subnets.problems);
    subnetCidrs = (subnets.subnetBlocks ?? []).map((b) => b.text);
  } else {
    const nameProblem = checkName('customerName', props.customerName);
    if (nameProblem) problems.add(nameProblem);
    if (!isUnresolved(props.cidrBlock)) checkIpv4Cidr(problems, 'cidrBlock', props.cidrBlock);
  }
  if (backend.cidrs !== undefined && backend.cidrs.length === 0) {
    problems.addProblem(
      'backend.cidrs',
      undefined,
      'is empty; list the blocks the backend lives in, or leave it out to use `vpn.onPremCidrs`',
    );
  } else if (props.vpn && props.vpn.onPremCidrs.length === 0) {
    problems.addProblem(
      'vpn.onPremCidrs',
      undefined,
      "is empty; list the customer's on-premises ranges the backend lives in",
    );
  } else if (backendCidrs.length === 0 && !props.publicEndpoint && !endpointMode) {
    problems.add(
      'give `backend.cidrs` (the blocks the backend lives in) when there is no `vpn`, `publicEndpoint`, `resourceEndpoint` or `privateLinkEndpoint`',
    );
  }
  if (!props.publicEndpoint && !endpointMode) {
    checkLinkDns(
      problems,
      backend.dns,
      props.vpn
        ? { prop: 'vpn.onPremCidrs', cidrs: props.vpn.onPremCidrs }
        : { prop: 'backend.cidrs', cidrs: backendCidrs },
      {
        prop: `\`${backend.cidrs ? 'backend.cidrs' : 'vpn.onPremCidrs'}\` or \`backend.additionalEgress\``,
        cidrs: [...backendCidrs, ...(backend.additionalEgress ?? []).map((e) => e.cidr)],
      },
    );
  }
  // The URL itself is checked with the rest of the runtime configuration below.
  const backendPort = urlPort(backend.url) ?? 443;
  if (backendPort === 0) {
    problems.addProblem(
      'backend.url',
      undefined,
      `${showUnparsedUrl(backend.url)} has port 0; give a port from 1 to 65535 (or none, for the scheme's default)`,
    );
  }
  let privateEndpoint: CheckedPrivateEndpoint | undefined;
  if (endpointMode) {
    privateEndpoint = checkPrivateEndpoint(problems, props, endpointMode, platform, backendPort);
  }
  checkDestinations(problems, props, backendPort);
  if (props.vpn) problems.addAll(vpnProblems(props, platform));
  if (platform) {
    // A SigV4 region or assumed role in the platform's partition, STS reachable (none for other schemes).
    problems.addAll(within('security', props.security.platformProblems(sigV4PlatformOf(platform))));
    problems.addAll(secretsProblems(props, platform));
    problems.addAll(loadBalancerProblems(props, platform, subnetCidrs));
  }
  const runtime = props.runtime ?? {};
  checkFunctionOptions(problems, runtime, 'runtime.');
  const monitoring = props.monitoring ?? {};
  checkMonitoringOptions(problems, monitoring, 'monitoring.');
  if (typeof monitoring === 'object' && monitoring !== null) {
    checkAlarmTuning(problems, 'monitoring.lambdaErrors', monitoring.lambdaErrors);
    checkAlarmTuning(problems, 'monitoring.lambdaThrottles', monitoring.lambdaThrottles);
  }
  const linkProps = { ...props, backend };
  const connectTo = endpointMode ? PLACEHOLDER_ENDPOINT_CONNECT_TO : undefined;
  checkRuntimeConfig(problems, linkProps, connectTo);
  if (platform) {
    // The function's environment, with every secret ARN at its longest real form (what GatewayFunction checks).
    const tooLarge = environmentSizeProblem(
      withConnectTo(longestDraftConfig(linkProps, platform), connectTo),
      {
        availabilityZones: platform.availabilityZones,
        accountId: props.accountId,
      },
      platform,
    );
    if (tooLarge) problems.add(`the runtime configuration ${tooLarge.message}`);
  }
  return {
    problems: problems.problems,
    publicEndpoint,
    privateEndpoint: problems.count === 0 ? privateEndpoint : undefined,
    backend,
    backendCidrs,
    backendPort,
  };
}

/** What the SigV4 checks read of the platform: its partition, region and interface endpoints' services. */
export function sigV4PlatformOf(platform: GatewayPlatform): SigV4Platform {
  const endpoints = platform.interfaceEndpoints?.endpoints;
  return {
    partition: platform.partition,
    region: platform.region,
    ...(endpoints ? { interfaceEndpointServices: Object.keys(endpoints) } : {}),
  };
}

/**
 * The VPN's checks under `vpn.` (a problem of no one prop, "platform … has no transit gateway", as it is). An
 * empty `vpn.onPremCidrs` is the link's own problem (the backend lives in those ranges), reported once.
 */
function vpnProblems(props: CustomerBackendLinkProps, platform: GatewayPlatform | undefined): Problem[] {
  const vpn = props.vpn!;
  const problems = checkSiteToSiteVpnOptions(vpn, platform).filter(
    (p) => !(p.prop === 'onPremCidrs' && vpn.onPremCidrs.length === 0),
  );
  return within('vpn', problems);
}

/**
 * BackendSecrets' checks, under the link's names: `additionalSecretReaderArns` and `secretAdministratorArns`
 * are its `additionalReaderArns` and `administratorArns`. What the link derives itself (the reader role, the
 * secrets' list, the tags) and what another check reports (the customer's and the platform's names) is left out.
 */
function secretsProblems(props: CustomerBackendLinkProps, platform: GatewayPlatform): Problem[] {
  const derived = new Set(['readerRoleArn', 'secrets', 'tags', 'customerName', 'platform.name']);
  const problems = checkBackendSecretsProps(
    backendSecretsPropsOf(props, platform, usableSecretRequirements(props)),
  ).filter((p) => !derived.has(/^[^[]*/.exec(p.prop)![0]));
  return renamed(problems, {
    additionalReaderArns: 'additionalSecretReaderArns',
    administratorArns: 'secretAdministratorArns',
  });
}

/**
 * The props of the link's BackendSecrets (its checks and the construct read the same): the reader role is the
 * gateway function's, the secrets those in `requirements`.
 */
export function backendSecretsPropsOf(
  props: CustomerBackendLinkProps,
  platform: GatewayPlatform,
  requirements: readonly SecretRequirement[],
): BackendSecretsProps {
  return {
    platform,
    customerName: props.customerName,
    accountId: props.accountId,
    readerRoleArn: GatewayFunction.roleArnFor(
      platform.name,
      props.customerName,
      props.accountId,
      platform.partition,
      platform.region,
    ),
    additionalReaderArns: props.additionalSecretReaderArns,
    deployerPrincipalArn: props.deployerPrincipalArn,
    administratorArns: props.secretAdministratorArns,
    planPrincipalArns: props.planPrincipalArns,
    secrets: requirements.map(({ name, material, source }) => ({ name, material, source })),
  };
}

/**
 * The secrets the security needs, less those whose source is not a SecretSource: the security reports those
 * (`security.credentials`), and BackendSecrets' checks need a source to read.
 */
function usableSecretRequirements(props: CustomerBackendLinkProps) {
  return props.security.secretRequirements.filter(
    (r) => secretSourceProblem('source', r.source) === undefined,
  );
}

/** The load balancer's checks (its allow list's included) under `loadBalancer.`. */
function loadBalancerProblems(
  props: CustomerBackendLinkProps,
  platform: GatewayPlatform,
  subnetCidrs: readonly string[],
): Problem[] {
  const zone = (props.availabilityZones ?? platform.availabilityZones)[0] ?? '';
  const checked = parseInternalLoadBalancerProps(props.loadBalancer, {
    // Availability zone names are the region's name plus a letter.
    region: isUnresolved(zone) || zone === '' ? platform.region : zone.slice(0, -1),
    platformName: platform.name,
    customerName: props.customerName,
    subnetCidrs,
  });
  // Without `loadBalancer.name` the name derives from the customer's, whose problems are reported as its own.
  const derived = props.loadBalancer.name === undefined ? ['name'] : [];
  return within(
    'loadBalancer',
    checked.problems.filter((p) => !derived.includes(p.prop)),
  );
}

const PLACEHOLDER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:placeholder-AbCdEf';

/**
 * The runtime configuration checked with the runtime's own validator before anything is created (the secrets'
 * ARNs are not known yet: placeholders of the right shape stand in for them), and Lambda's limits on it.
 */
function checkRuntimeConfig(
  problems: ProblemList,
  props: CustomerBackendLinkProps,
  connectTo: string | undefined,
): void {
  const runtime = props.runtime ?? {};
  const draft = withConnectTo(
    runtimeConfigOf(props, (name, key) => ({
      secretArn: PLACEHOLDER_SECRET_ARN,
      jsonKey: `${name}.${key}`,
    })),
    connectTo,
  );
  checkConfigForLambda(problems, draft, runtime.timeoutSeconds, {
    config: 'runtime.',
    timeoutSeconds: 'runtime.timeoutSeconds',
    trustedHops: 'security.withTrustedSources({ trustedHops })',
  });
  const nameReported = checkName('customerName', props.customerName) !== undefined;
  // The fields the BackendSecurity builders reported (`security.tokenUrl`), once, under the prop written.
  const securityReported = props.security.problems
    .map((p) => RUNTIME_CONFIG_PATH_OF_PROP[p.prop.replace(/\[\d+\]$/, '')])
    .filter((path) => path !== undefined);
  try {
    validateConfig(draft, { isUnresolved: (value) => Token.isUnresolved(value) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) {
      if (p.path === 'name' && nameReported) continue; // reported as `customerName`
      // A SigV4 region left to the platform's, when the platform reported problems and has none.
      if (p.path === 'security.region' && props.platform.region === undefined) continue;
      if (
        securityReported.some(
          (path) => p.path === path || (/^[.[]/.test(p.path.slice(path.length)) && p.path.startsWith(path)),
        )
      )
        continue;
      problems.add(
        /^(timeouts|limits|forwarding)\b/.test(p.path)
          ? `\`runtime.${p.path}\`: ${p.message}`
          : `runtime configuration \`${p.path}\`: ${p.message}`,
      );
    }
  }
}

/** The runtime configuration with each secret reference at the longest ARN its secret can have. */
function longestDraftConfig(props: CustomerBackendLinkProps, platform: GatewayPlatform): GatewayConfig {
  const zone = platform.availabilityZones[0] ?? '';
  const context = {
    region: isUnresolved(zone) ? 'xx-xxxxxxxxx-9' : zone.slice(0, -1),
    accountId: isUnresolved(props.accountId) ? '000000000000' : props.accountId,
  };
  const sources = new Map(props.security.secretRequirements.map((r) => [r.name, r.source]));
  return runtimeConfigOf(props, (name, key): SecretRef => {
    const source = sources.get(name);
    if (source?.kind === 'existing') {
      return { secretArn: source.secretArn, jsonKey: source.jsonKeys[key] ?? key };
    }
    const prefix = secretNamePrefixOf(platform.name, props.customerName, name);
    return {
      secretArn: longestSecretArn(context, prefix + 'x'.repeat(TERRAFORM_UNIQUE_SUFFIX_LENGTH)),
      jsonKey: key,
    };
  });
}

/** The rules of the public DMZ path; returns what the link derives from it. */
function checkPublicEndpoint(
  problems: ProblemList,
  props: CustomerBackendLinkProps,
  endpoint: PublicEndpointProps,
  platform: GatewayPlatform | undefined,
): CheckedPublicEndpoint | undefined {
  const before = problems.count;
  if (props.vpn) {
    problems.add(
      'give either `vpn` (a private path) or `publicEndpoint` (a DMZ endpoint over the internet), not both',
    );
  }
  const egress = platform?.publicEgress;
  if (platform && !egress) {
    problems.addProblem(
      'publicEndpoint',
      undefined,
      `needs the platform's public path: give platform ${show(platform.name)} \`publicEgress\` (NAT gateways with fixed Elastic IPs)`,
    );
  } else if (platform && egress && !isUnresolved(props.backend.url) && /^https:/i.test(props.backend.url)) {
    const port = urlPort(props.backend.url) ?? 443;
    if (port !== 0 && !egress.ports.includes(port)) {
      problems.addProblem(
        'backend.url',
        props.backend.url,
        `is on port ${port}, which platform ${show(platform.name)}'s public path does not pass (\`publicEgress.ports\` ${egress.ports.join(', ')}); add ${port} to the platform's \`publicEgress.ports\`, or ask the customer for an endpoint on ${egress.ports.join(' or ')}`,
      );
    }
  }
  if (props.backend.cidrs) {
    problems.addProblem(
      'backend.cidrs',
      undefined,
      'is not used with `publicEndpoint`: the only destinations are `publicEndpoint.addresses`',
    );
  }
  if (props.backend.additionalEgress?.length) {
    problems.addProblem(
      'backend.additionalEgress',
      undefined,
      'is not supported with `publicEndpoint`: over the internet the function reaches `publicEndpoint.addresses` only',
    );
  }
  if (props.backend.dns?.servers || props.backend.dns?.pinned) {
    problems.addProblem(
      'backend.dns.servers',
      undefined,
      "and `backend.dns.pinned` are not used with `publicEndpoint`: the URL's host is pinned to `publicEndpoint.addresses` (no DNS lookup over the internet)",
    );
  }
  let host: string | undefined;
  if (!isUnresolved(props.backend.url)) {
    let url: URL | undefined;
    try {
      url = new URL(props.backend.url);
    } catch {
      // reported by the runtime configuration's validator
    }
    if (url && url.protocol !== 'https:') {
      problems.addProblem(
        'backend.url',
        props.backend.url,
        `must be https:// for a public endpoint: the link crosses the internet`,
      );
    } else if (url && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
      problems.addProblem(
        'backend.url',
        props.backend.url,
        `names an address; a public endpoint is called by its DNS name (TLS verifies it), and \`publicEndpoint.addresses\` pins that name`,
      );
    } else if (url) {
      host = url.hostname;
    }
  }
  const addresses = endpoint.addresses;
  if (addresses.length === 0 || addresses.length > MAX_PUBLIC_ENDPOINT_ADDRESSES) {
    problems.addProblem(
      'publicEndpoint.addresses',
      undefined,
      `lists ${addresses.length}; give 1 to ${MAX_PUBLIC_ENDPOINT_ADDRESSES} public IPv4 addresses of the DMZ endpoint`,
    );
  }
  const seen = new Set<string>();
  addresses.forEach((address, i) => {
    if (isUnresolved(address)) {
      problems.addProblem(
        `publicEndpoint.addresses[${i}]`,
        undefined,
        `must be a literal address: routes and rules are opened to exactly these`,
      );
      return;
    }
    const notPublic = publicIpv4Problem(address);
    if (notPublic) {
      problems.addProblem(
        `publicEndpoint.addresses[${i}]`,
        address,
        `${notPublic}; give the DMZ endpoint's fixed public address`,
      );
    } else if (seen.has(address)) {
      problems.addProblem(`publicEndpoint.addresses[${i}]`, address, `is listed twice`);
    }
    seen.add(address);
  });
  const reason = endpoint.headerOnlySchemeReason;
  const authenticatesItself =
    props.security.mutualTls !== undefined || SIGNING_SCHEMES.has(props.security.type);
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '')) {
    problems.addProblem(
      'publicEndpoint.headerOnlySchemeReason',
      undefined,
      'is empty; say why a header-only scheme is acceptable over the internet, or leave it out',
    );
  } else if (!authenticatesItself && reason === undefined) {
    problems.addProblem(
      'security',
      props.security.type,
      `without mutual TLS is a header-only scheme, refused over the internet (\`publicEndpoint\`): add \`.withMutualTls(...)\` or use \`BackendSecurity.requestSigning\`, or state \`publicEndpoint.headerOnlySchemeReason\``,
    );
  }
  if (problems.count > before || host === undefined) return undefined;
  return {
    cidrs: addresses.map((address) => `${address}/32`),
    backend: { ...props.backend, dns: { ...(props.backend.dns ?? {}), pinned: { [host]: [...addresses] } } },
    ...(reason !== undefined && !authenticatesItself ? { headerOnlySchemeReason: reason.trim() } : {}),
  };
}

/**
 * Schemes that sign each request (a replayed or altered request fails the backend's check), so they are not
 * header-only over the internet: draft-cavage signatures, RFC 9421 message signatures and AWS SigV4.
 */
const SIGNING_SCHEMES: ReadonlySet<string> = new Set(['signature', 'message-signature', 'sigv4']);

/**
 * The rules of a private-endpoint path (`resourceEndpoint`: a VPC Lattice resource endpoint; `privateLinkEndpoint`:
 * an interface endpoint to the customer's endpoint service): one connectivity mode, no DNS servers, no backend
 * blocks and no further destinations (nothing is routed), an https URL with the backend's DNS name (TLS
 * verifies it through the endpoint), an ARN or service name of the platform's partition and region, ports that
 * include the URL's. Returns what the link derives.
 */
function checkPrivateEndpoint(
  problems: ProblemList,
  props: CustomerBackendLinkProps,
  mode: 'resourceEndpoint' | 'privateLinkEndpoint',
  platform: GatewayPlatform | undefined,
  backendPort: number,
): CheckedPrivateEndpoint | undefined {
  const before = problems.count;
  problems.addAll(
    checkConnectivityChoice({
      vpn: props.vpn,
      publicEndpoint: props.publicEndpoint,
      resourceEndpoint: props.resourceEndpoint,
      privateLinkEndpoint: props.privateLinkEndpoint,
      dnsServers: props.backend.dns?.servers,
      backendCidrs: props.backend.cidrs,
    }),
  );
  if (props.backend.dns?.pinned !== undefined) {
    problems.addProblem(
      'backend.dns.pinned',
      undefined,
      `is not used with \`${mode}\`: the runtime connects to the endpoint's AWS-provided name, which the VPC's resolver answers (a resolver of \`backend.dns\` would not); remove \`backend.dns\``,
    );
  }
  if (props.backend.additionalEgress?.length) {
    problems.addProblem(
      'backend.additionalEgress',
      undefined,
      `is not supported with \`${mode}\`: nothing is routed to the customer's networks on this path, the function reaches the endpoint only`,
    );
  }
  problems.addAll(checkEndpointBackendUrl('backend.url', props.backend.url));
  const where: StackLocation =
    platform && !isUnresolved(platform.region)
      ? { region: platform.region, partition: platform.partition }
      : {};
  let given: readonly Port[] | undefined;
  if (mode === 'resourceEndpoint') {
    const endpoint = props.resourceEndpoint!;
    problems.addAll(
      checkResourceConfigurationArn(
        'resourceEndpoint.resourceConfigurationArn',
        endpoint.resourceConfigurationArn,
        where,
      ),
    );
    problems.addAll(
      checkResourceShareArn('resourceEndpoint.resourceShareArn', endpoint.resourceShareArn, where),
    );
    given = endpoint.ports;
  } else {
    const endpoint = props.privateLinkEndpoint!;
    problems.addAll(checkEndpointServiceName('privateLinkEndpoint.serviceName', endpoint.serviceName, where));
    given = endpoint.ports;
  }
  const ports = given === undefined ? [backendPort] : [...given];
  if (given !== undefined) {
    const portProblems = checkBackendPorts(`${mode}.ports`, ports);
    problems.addAll(portProblems);
    const covered = ports.some((p) => {
      const { fromPort, toPort } = toPortRange(p);
      return fromPort <= backendPort && backendPort <= toPort;
    });
    if (portProblems.length === 0 && !covered) {
      problems.addProblem(
        `${mode}.ports`,
        given,
        `does not include ${backendPort}, the port of \`backend.url\` the runtime connects to; add it, or leave \`ports\` out`,
      );
    }
  }
  // Two zones at least (the endpoint's interfaces) is already the load balancer's rule: reported under it.
  return problems.count > before ? undefined : { mode, ports };
}

/**
 * The destinations the customer's link must carry: with a VPN, the customer's route table sends only
 * `vpn.onPremCidrs` over it, so a backend block or an additional destination outside them would be opened
 * in the security group and reach nothing. And a token endpoint on a port no destination opens can not be
 * reached at all.
 */
function checkDestinations(
  problems: ProblemList,
  props: CustomerBackendLinkProps,
  backendPort: number,
): void {
  const extra = props.backend.additionalEgress ?? [];
  const onPrem = (props.vpn?.onPremCidrs ?? []).filter((c) => !isUnresolved(c));
  const ranges = onPrem.map(parseCidr).filter((c) => c !== undefined);
  const destinations = [
    ...(props.backend.cidrs ?? []).map((cidr, i) => ({ prop: `backend.cidrs[${i}]`, cidr })),
    ...extra.map((e, i) => ({ prop: `backend.additionalEgress[${i}].cidr`, cidr: e.cidr })),
  ];
  for (const { prop, cidr } of destinations) {
    if (isUnresolved(cidr)) continue;
    const block = parseCidr(cidr);
    if (!block) {
      problems.addProblem(prop, cidr, describeCidrProblem(cidr));
    } else if (block.prefixLength === 0) {
      problems.addProblem(prop, undefined, `${block.text} would open egress to everywhere`);
    } else if (props.vpn && ranges.length > 0 && !ranges.some((r) => cidrContains(r, block))) {
      problems.addProblem(
        prop,
        undefined,
        `${block.text} is outside \`vpn.onPremCidrs\` (${ranges.map((r) => r.text).join(', ')}): the customer's route table sends only those ranges over the VPN, so nothing would reach it. Add its range to \`vpn.onPremCidrs\` (the customer must route it too), or remove it`,
      );
    }
  }
  extra.forEach(({ port }, i) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.addProblem(
        `backend.additionalEgress[${i}].port`,
        port,
        `is not a port (an integer from 1 to 65535)`,
      );
    }
  });
  // A `tokenUrl` the builder refused is reported as `security.tokenUrl` alone.
  const tokenUrlReported = props.security.problems.some((p) => p.prop === 'tokenUrl');
  const tokenUrl =
    props.security.type === 'oauth2-client-credentials' && !tokenUrlReported
      ? props.security.description.tokenUrl
      : undefined;
  const tokenPort = tokenUrl === undefined || isUnresolved(tokenUrl) ? undefined : urlPort(tokenUrl);
  if (
    tokenUrl !== undefined &&
    tokenPort !== undefined &&
    tokenPort !== backendPort &&
    !extra.some((e) => e.port === tokenPort)
  ) {
    problems.add(
      `the OAuth 2.0 token endpoint ${new URL(tokenUrl).host} is reached on port ${tokenPort}, which no destination opens (the backend's port is ${backendPort}); add \`backend.additionalEgress\` { cidr: <its address>/32, port: ${tokenPort} }`,
    );
  }
}
