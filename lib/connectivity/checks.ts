/**
 * Pure checks of the private-connectivity props (a VPC Lattice resource endpoint, a PrivateLink interface
 * endpoint, and the customer's resource share). Each returns `Problem[]` (`lib/shared/validation.ts`): the
 * constructs report them with `reportProblems`, and a parent (CustomerBackendLink) can report them under its
 * own prop names with `within`. Values that are unresolved tokens are not checked.
 */
import { isIP } from 'node:net';
import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { parseCidr, cidrContains } from '../shared/cidr';
import { Port, checkPort, toPortRange } from '../shared/ports';
import { isPartition, partitionOfRegion } from '../shared/partition';
import { type Problem, isUnresolved } from '../shared/validation';

/** Where the stack runs: what an ARN or a service name must match. */
export interface StackLocation {
  /** The stack's region, when it is a literal. */
  readonly region?: string;
  /** The stack's partition, when known (else derived from `region`). */
  readonly partition?: string;
}

/**
 * The region of the stack that holds `scope`: its aws provider's literal `region`, else undefined (then
 * nothing is compared with it).
 */
export function stackLocationOf(scope: IConstruct): StackLocation {
  const stack = TerraformStack.of(scope);
  const provider = stack.node.children.find((c): c is AwsProvider => c instanceof AwsProvider);
  const region = provider?.regionInput;
  if (typeof region !== 'string' || isUnresolved(region)) return {};
  return { region, partition: partitionOfRegion(region) };
}

const RESOURCE_CONFIGURATION_ARN =
  /^arn:([a-z-]+):vpc-lattice:([a-z0-9-]+):(\d{12}):resourceconfiguration\/(rcfg-[0-9a-z]{8,32})$/;
const RESOURCE_SHARE_ARN =
  /^arn:([a-z-]+):ram:([a-z0-9-]+):(\d{12}):resource-share\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENDPOINT_SERVICE_NAME = /^(cn\.)?com\.amazonaws\.vpce\.([a-z0-9-]+)\.(vpce-svc-[0-9a-f]{8,17})$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** The partition and region an ARN names must be the stack's (a share can not cross either). */
function arnLocationProblems(
  prop: string,
  value: string,
  partition: string,
  region: string,
  where: StackLocation,
  what: string,
): Problem[] {
  const problems: Problem[] = [];
  const stackPartition = where.partition ?? (where.region ? partitionOfRegion(where.region) : undefined);
  if (!isPartition(partition)) {
    problems.push({
      prop,
      value,
      message: `names partition "${partition}", not one of aws, aws-cn, aws-us-gov`,
    });
  } else if (stackPartition !== undefined && partition !== stackPartition) {
    problems.push({
      prop,
      value,
      message: `is in partition ${partition}, the stack in ${stackPartition}: ${what} can not be shared across partitions`,
    });
  }
  if (where.region !== undefined && region !== where.region) {
    problems.push({
      prop,
      value,
      message: `is in region ${region}, the stack in ${where.region}: ${what} is reached only from endpoints in its own region; create it in ${where.region}, or put this customer on a platform in ${region}`,
    });
  }
  return problems;
}

/** The ARN of a VPC Lattice resource configuration (shared with the platform's account), in the stack's partition and region. */
export function checkResourceConfigurationArn(prop: string, value: string, where: StackLocation): Problem[] {
  if (isUnresolved(value)) return [];
  const match = typeof value === 'string' ? RESOURCE_CONFIGURATION_ARN.exec(value) : null;
  if (!match) {
    return [
      {
        prop,
        value,
        message:
          'is not the ARN of a VPC Lattice resource configuration (arn:<partition>:vpc-lattice:<region>:<account>:resourceconfiguration/rcfg-<id>)',
      },
    ];
  }
  return arnLocationProblems(prop, value, match[1], match[2], where, 'a resource configuration');
}

/** The ARN of the RAM resource share whose invitation the platform's account accepts. */
export function checkResourceShareArn(
  prop: string,
  value: string | undefined,
  where: StackLocation,
): Problem[] {
  if (value === undefined || isUnresolved(value)) return [];
  const match = typeof value === 'string' ? RESOURCE_SHARE_ARN.exec(value) : null;
  if (!match) {
    return [
      {
        prop,
        value,
        message:
          'is not the ARN of an AWS RAM resource share (arn:<partition>:ram:<region>:<account>:resource-share/<uuid>)',
      },
    ];
  }
  return arnLocationProblems(prop, value, match[1], match[2], where, 'a resource share');
}

/** An endpoint service name (`com.amazonaws.vpce.<region>.vpce-svc-<id>`) of the stack's region. */
export function checkEndpointServiceName(prop: string, value: string, where: StackLocation): Problem[] {
  if (isUnresolved(value)) return [];
  const match = typeof value === 'string' ? ENDPOINT_SERVICE_NAME.exec(value) : null;
  if (!match) {
    return [
      {
        prop,
        value,
        message:
          "is not the name of a customer's endpoint service (com.amazonaws.vpce.<region>.vpce-svc-<id>, as the customer's `aws ec2 describe-vpc-endpoint-service-configurations` shows it); AWS services' own names (com.amazonaws.<region>.<service>) are not a customer's backend",
      },
    ];
  }
  const problems: Problem[] = [];
  const region = match[2];
  if (where.region !== undefined && region !== where.region) {
    problems.push({
      prop,
      value,
      message: `is in region ${region}, the stack in ${where.region}: an interface endpoint reaches endpoint services of its own region; ask the customer for a service in ${where.region}`,
    });
  }
  const chinaPrefix = match[1] !== undefined;
  if (chinaPrefix !== (partitionOfRegion(region) === 'aws-cn')) {
    problems.push({
      prop,
      value,
      message: chinaPrefix
        ? `starts with "cn.", which only endpoint services in the China regions do (${region} is not one)`
        : `is in China region ${region}, whose endpoint service names start with "cn.com.amazonaws.vpce."`,
    });
  }
  return problems;
}

/** A VPC, subnet or security-group id, by its prefix. */
function checkId(prop: string, value: string, pattern: RegExp, what: string, example: string): Problem[] {
  if (isUnresolved(value)) return [];
  return typeof value === 'string' && pattern.test(value)
    ? []
    : [{ prop, value, message: `is not ${what} (${example})` }];
}

export const checkVpcId = (prop: string, value: string): Problem[] =>
  checkId(prop, value, VPC_ID, 'a VPC id', 'vpc-0123456789abcdef0');

export const checkSecurityGroupId = (prop: string, value: string): Problem[] =>
  checkId(prop, value, SECURITY_GROUP_ID, 'a security group id', 'sg-0123456789abcdef0');

/**
 * The subnets an endpoint (or a resource gateway) gets a network interface in: at least one, no duplicates.
 * `minimum` is 2 where the path must survive the loss of a zone.
 */
export function checkSubnetIds(prop: string, values: readonly string[], minimum = 1): Problem[] {
  if (isUnresolved(values)) return [];
  if (!Array.isArray(values)) return [{ prop, value: values, message: 'must be a list of subnet ids' }];
  const problems: Problem[] = [];
  if (values.length < minimum) {
    problems.push({
      prop,
      value: values,
      message:
        minimum > 1
          ? `lists ${values.length} subnet(s); give at least ${minimum}, one per availability zone, so the path survives the loss of a zone`
          : 'lists no subnet; give one per availability zone',
    });
  }
  const seen = new Set<string>();
  values.forEach((id, i) => {
    if (isUnresolved(id)) return;
    problems.push(...checkId(`${prop}[${i}]`, id, SUBNET_ID, 'a subnet id', 'subnet-0123456789abcdef0'));
    if (seen.has(id)) problems.push({ prop: `${prop}[${i}]`, value: id, message: 'is listed twice' });
    seen.add(id);
  });
  return problems;
}

/** The backend's TCP ports: at least one, each valid, none overlapping another. */
export function checkBackendPorts(prop: string, ports: readonly Port[]): Problem[] {
  if (!Array.isArray(ports) || ports.length === 0) {
    return [{ prop, value: ports, message: "must list the backend's TCP port(s), at least one" }];
  }
  const problems: Problem[] = [];
  const ranges = ports.map((p) => toPortRange(p));
  ports.forEach((port, i) => {
    const problem = checkPort(`${prop}[${i}]`, port);
    if (problem) {
      // checkPort's sentence starts with the prop and value: keep only the rule.
      problems.push({ prop: `${prop}[${i}]`, value: port, message: problem.replace(/^`[^`]*` \S+ /, '') });
      return;
    }
    const { fromPort, toPort } = ranges[i];
    const other = ranges.findIndex((r, j) => j < i && r.fromPort <= toPort && fromPort <= r.toPort);
    if (other >= 0) {
      problems.push({
        prop: `${prop}[${i}]`,
        value: port,
        message: `overlaps \`${prop}[${other}]\` ${JSON.stringify(ports[other])}; list each port once`,
      });
    }
  });
  return problems;
}

/**
 * The backend URL the runtime is given on a private-endpoint path: `https://` with a DNS name, the name TLS
 * verifies (`servername`) while the runtime connects to the endpoint's own DNS name.
 */
export function checkEndpointBackendUrl(prop: string, url: string): Problem[] {
  if (isUnresolved(url)) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [{ prop, value: url, message: 'is not a URL' }];
  }
  if (parsed.protocol !== 'https:') {
    return [
      {
        prop,
        value: url,
        message:
          "must be an https:// URL on a private endpoint: the runtime connects to the endpoint's AWS name and TLS verifies the backend's own name (`servername`), which plain HTTP can not",
      },
    ];
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 || !DNS_NAME.test(host)) {
    return [
      {
        prop,
        value: url,
        message:
          'must name the backend by its DNS name (the name on its certificate): TLS verifies that name through the endpoint, and an address says nothing about who answers',
      },
    ];
  }
  return [];
}

/** What the runtime is given on a private-endpoint path: the backend's own URL, and the endpoint to connect to. */
export interface EndpointRuntimeBackend {
  /** `backend.url`: the backend's own URL, unchanged (its host is the Host header and the TLS server name). */
  readonly url: string;
  /** `backend.connectTo`: the endpoint's DNS name and the URL's port (`<endpoint name>:<port>`). */
  readonly connectTo: string;
}

/**
 * The runtime's backend on a private endpoint: the socket goes to `endpointDnsName` (a token until apply,
 * e.g. the endpoint's `dns_entry[0].dns_name`) on the URL's port (`backend.connectTo`), while the Host header
 * and the TLS server name stay the URL's own host. Call after {@link checkEndpointBackendUrl} found nothing.
 */
export function endpointRuntimeBackend(url: string, endpointDnsName: string): EndpointRuntimeBackend {
  const port = new URL(url).port || '443';
  return { url, connectTo: `${endpointDnsName}:${port}` };
}

/** How a customer connects, as CustomerBackendLink's props give it (only presence matters here). */
export interface ConnectivityChoice {
  readonly vpn?: unknown;
  readonly publicEndpoint?: unknown;
  readonly resourceEndpoint?: unknown;
  readonly privateLinkEndpoint?: unknown;
  /** `backend.dns.servers`, when given. */
  readonly dnsServers?: readonly string[];
  /** `backend.cidrs`, when given. */
  readonly backendCidrs?: readonly string[];
}

const MODES = ['vpn', 'publicEndpoint', 'resourceEndpoint', 'privateLinkEndpoint'] as const;

/**
 * One connectivity mode per customer; on a private-endpoint path no DNS servers (the endpoint's name is
 * public DNS, resolved by the VPC's resolver; the customer's servers are not reachable on this path) and no
 * backend CIDRs (nothing is routed: the function reaches the endpoint's security group only).
 */
export function checkConnectivityChoice(choice: ConnectivityChoice): Problem[] {
  const given = MODES.filter((m) => choice[m] !== undefined && choice[m] !== null);
  const problems: Problem[] = [];
  if (given.length > 1) {
    problems.push({
      prop: given[1],
      message: `is given together with \`${given[0]}\`; a customer connects one way (${MODES.map((m) => `\`${m}\``).join(', ')}): give one`,
    });
  }
  const endpoint = given.find((m) => m === 'resourceEndpoint' || m === 'privateLinkEndpoint');
  if (endpoint && given.length === 1) {
    if (choice.dnsServers && choice.dnsServers.length > 0) {
      problems.push({
        prop: 'backend.dns.servers',
        value: choice.dnsServers,
        message: `are not needed with \`${endpoint}\`: the runtime connects to the endpoint's AWS-provided name (resolved by the VPC's resolver) and TLS verifies the backend's own name; the customer's DNS servers are not reachable on this path, remove them`,
      });
    }
    if (choice.backendCidrs && choice.backendCidrs.length > 0) {
      problems.push({
        prop: 'backend.cidrs',
        value: choice.backendCidrs,
        message: `are not used with \`${endpoint}\`: nothing is routed to the customer's networks, the function reaches only the endpoint's security group; remove them`,
      });
    }
  }
  return problems;
}

/** The customer's backend as a resource configuration reaches it: a DNS name or an IPv4 address. */
export interface ResourceTarget {
  readonly domainName?: string;
  readonly ipAddress?: string;
}

/** Exactly one of `domainName` and `ipAddress`; a name that is a DNS name, an address inside `cidrs`. */
export function checkResourceTarget(
  prop: string,
  target: ResourceTarget | undefined,
  cidrs: readonly string[],
): Problem[] {
  const { domainName, ipAddress } = target ?? {};
  if ((domainName === undefined) === (ipAddress === undefined)) {
    return [
      {
        prop,
        message: `needs exactly one of \`domainName\` and \`ipAddress\` (the backend as the resource gateway reaches it)`,
      },
    ];
  }
  if (domainName !== undefined) {
    if (isUnresolved(domainName)) return [];
    if (isIP(domainName) !== 0) {
      return [
        { prop: `${prop}.domainName`, value: domainName, message: 'is an address; give it as `ipAddress`' },
      ];
    }
    return DNS_NAME.test(domainName)
      ? []
      : [{ prop: `${prop}.domainName`, value: domainName, message: 'is not a DNS name' }];
  }
  if (isUnresolved(ipAddress)) return [];
  if (isIP(ipAddress!) !== 4) {
    return [{ prop: `${prop}.ipAddress`, value: ipAddress, message: 'is not an IPv4 address' }];
  }
  const blocks = cidrs.map((c) => parseCidr(c)).filter((c) => c !== undefined);
  const address = parseCidr(`${ipAddress}/32`);
  if (address && blocks.length === cidrs.length && !blocks.some((b) => cidrContains(b, address))) {
    return [
      {
        prop: `${prop}.ipAddress`,
        value: ipAddress,
        message: `is outside \`backendCidrs\` (${cidrs.join(', ')}), the only ranges the resource gateway's security group lets it reach`,
      },
    ];
  }
  return [];
}
