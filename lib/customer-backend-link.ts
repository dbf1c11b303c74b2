import { isIP } from 'node:net';
import { Construct } from 'constructs';
import { Annotations, TerraformOutput, Token, dependable } from 'cdktf';
import { Route } from '@cdktf/provider-aws/lib/route';
import type { DnsConfig, GatewayConfig } from '../gateway-runtime/src/config/types';
import { RuntimeOptions, runtimeConfigOf } from './runtime/runtime-options';
import { showUnparsedUrl, validateConfig } from '../gateway-runtime/src/config/validate';
import { ConfigError } from '../gateway-runtime/src/core/errors';
import { InternalLoadBalancer, InternalLoadBalancerProps } from './load-balancer/internal-load-balancer';
import { CustomerSubnets } from './network/customer-subnets';
import type { FlowLogsProps } from './network/subnet-flow-logs';
import type { GatewayPlatform } from './platform/gateway-platform';
import { BackendSecurity } from './runtime/backend-security';
import { checkLinkDns } from './runtime/dns-egress';
import { EgressDestination, GatewayFunction, GatewayFunctionProps } from './runtime/gateway-function';
import { BackendSecrets, missingDeployerProblem } from './secrets/backend-secrets';
import { checkAdministrators } from './secrets/administrators';
import { SiteToSiteVpn, SiteToSiteVpnProps } from './vpn/site-to-site-vpn';
import { checkSiteToSiteVpnOptions } from './vpn/site-to-site-vpn-checks';
import { registerSiteToSiteVpn } from './vpn/vpn-register';
import { describeProblem, within } from './shared/problems';
import { cidrContains, describeCidrProblem, parseCidr } from './shared/cidr';
import { cidrConstructId } from './shared/construct-ids';
import { urlPort } from './shared/ports';
import { checkName } from './shared/names';
import { publicIpv4Problem } from './shared/public-address';
import {
  Problems,
  ValidationError,
  checkPrincipalArns,
  isUnresolved,
  requireProps,
  show,
} from './shared/validation';
import { checkConfigForLambda, checkFunctionOptions } from './runtime/function-options';
import { AlarmTuning, checkAlarmTuning } from './runtime/alarm-options';
import {
  GatewayMonitoring,
  GatewayMonitoringOptions,
  checkMonitoringOptions,
} from './runtime/gateway-monitoring';
import { requireCdktfStack } from './shared/cdktf-stack';

export interface BackendProps {
  /** The backend's base URL, e.g. `https://orders.acme.internal:8443/api`. */
  readonly url: string;
  /**
   * The blocks the backend lives in: the function may connect to them on the URL's port only.
   * @default - the VPN's `onPremCidrs`
   */
  readonly cidrs?: string[];
  /**
   * Further destinations, e.g. the customer's OAuth token endpoint. Each opens the function's security group
   * and the customer's network ACL (both directions). With a VPN each must lie inside `vpn.onPremCidrs`, the
   * only ranges the customer's route table sends over the link; without one, route it like `cidrs`.
   * @default - none
   */
  readonly additionalEgress?: EgressDestination[];
  /**
   * How the backend's (and the OAuth token endpoint's) names are resolved: through the customer's own DNS
   * servers across its link (`servers`, inside `vpn.onPremCidrs`, else `backend.cidrs`; UDP and TCP on
   * their port are opened to exactly them), and/or fixed addresses (`pinned`, inside `backend.cidrs` or
   * `additionalEgress`). Written into the runtime configuration as `backend.dns`; TLS still verifies the name.
   * @default - the VPC's resolver, which does not know the customer's private names (a synth warning says so)
   */
  readonly dns?: DnsConfig;
}

/**
 * A backend exposed by the customer as a public endpoint in its DMZ (a reverse proxy), reached over the
 * internet through the platform's NAT gateways (`GatewayPlatformProps.publicEgress`) instead of a VPN.
 * The endpoint is `backend.url` (an `https://` URL with a DNS name; its port is the only one opened).
 */
export interface PublicEndpointProps {
  /**
   * The endpoint's fixed public IPv4 addresses (1-8). `backend.url`'s host name is pinned to them in the
   * runtime configuration (`backend.dns.pinned`: no DNS lookup over the internet; TLS still verifies the
   * name); the customer's route tables send exactly these /32s to the NAT gateway of their zone, and the
   * security group and network ACL admit exactly these addresses on the URL's port (and the replies).
   */
  readonly addresses: string[];
  /**
   * Over the internet the link must authenticate itself beyond a header: mutual TLS
   * (`BackendSecurity....withMutualTls`) or request signing. A header-only scheme (basic, digest, token,
   * OAuth 2.0 bearer tokens, none) is refused unless this says why it is acceptable (e.g. "the DMZ proxy
   * terminates an IPsec tunnel of its own"); the reason is recorded in the handoff.
   * @default - a header-only scheme is refused
   */
  readonly headerOnlySchemeReason?: string;
}

/** The most addresses a public endpoint may have: each costs a route per zone and rules in the SG and ACL. */
export const MAX_PUBLIC_ENDPOINT_ADDRESSES = 8;

/** Settings of the gateway runtime beyond the security scheme (lib/runtime/runtime-options.ts). */
export type { RuntimeOptions };

/** The customer's alarms and dashboard (`GatewayMonitoring`), and the tuning of its function's Lambda alarms. */
export interface CustomerMonitoringOptions extends GatewayMonitoringOptions {
  /**
   * The Lambda `Errors` alarm of the customer's function, or `false` to turn it off.
   * @default - on: more than 0 errors in 5 minutes
   */
  readonly lambdaErrors?: AlarmTuning | false;
  /**
   * The Lambda `Throttles` alarm of the customer's function, or `false` to turn it off.
   * @default - on: more than 0 throttles in 5 minutes
   */
  readonly lambdaThrottles?: AlarmTuning | false;
}

export interface CustomerBackendLinkProps {
  readonly platform: GatewayPlatform;
  /** 2-24 characters `[a-z0-9-]`, unique on the platform. */
  readonly customerName: string;
  /** The AWS account id (12 digits) the link is deployed in. */
  readonly accountId: string;
  /** The customer's block in the platform's address pool, split into one subnet per zone. */
  readonly cidrBlock: string;
  /**
   * @default - every zone of the platform
   */
  readonly availabilityZones?: string[];
  /**
   * VPC flow logs of the customer's subnets.
   * @default - on: all traffic, 600-second aggregation, kept 365 days
   */
  readonly flowLogs?: FlowLogsProps;
  /**
   * The site-to-site VPN to the customer's network.
   * @default - no VPN: the backend is reached another way (give `backend.cidrs`)
   */
  readonly vpn?: Omit<SiteToSiteVpnProps, 'subnets' | 'backendPorts'>;
  /**
   * The backend is a public endpoint in the customer's DMZ, reached over the internet through the
   * platform's NAT gateways (their Elastic IPs are the only sources the customer allows). Give this or
   * `vpn`, not both.
   * @default - no public endpoint: the backend is reached over `vpn` (or `backend.cidrs`)
   */
  readonly publicEndpoint?: PublicEndpointProps;
  /** The internal load balancer the gateway tier calls. */
  readonly loadBalancer: Omit<InternalLoadBalancerProps, 'subnets' | 'defaultTargetGroupArn'>;
  readonly backend: BackendProps;
  /** The scheme the customer's backend expects; its secrets are created through BackendSecrets. */
  readonly security: BackendSecurity;
  /**
   * @default - the runtime's and GatewayFunction's defaults
   */
  readonly runtime?: RuntimeOptions;
  /**
   * Alarms (to the platform's alarm topic) and a dashboard for the customer's gateway: the client certificate's
   * expiry, requests refused for lack of credentials (or of an OAuth 2.0 token), the backend's 5xx rate, the
   * function's Lambda errors and throttles; each can be tuned or turned off. See the README's "Alarms and the
   * dashboard".
   * @default - every alarm that applies to the customer, with its defaults, and the dashboard
   */
  readonly monitoring?: CustomerMonitoringOptions;
  /**
   * Principals besides the runtime role that may read the secret values (not the deployer: see
   * `deployerPrincipalArn`).
   * @default - the runtime role only
   */
  readonly additionalSecretReaderArns?: string[];
  /**
   * The IAM role (or user) Terraform applies with, e.g. `arn:aws:iam::123456789012:role/terraform-deploy`.
   * Required when the scheme uses `SecretSource.fromWriteOnlyVariable`: hashicorp/aws 5.x reads a write-only
   * secret version back with `GetSecretValue` on create, on every refresh and on delete
   * (terraform-provider-aws issue #42383). It is admitted to what the provider calls on the write-only
   * secrets and their KMS key, and to nothing else; fill-after-deploy and existing secrets never name it.
   * @default - none (refused when a secret is write-only)
   */
  readonly deployerPrincipalArn?: string;
  /**
   * The IAM roles (or users) that administer the customer's KMS key and secrets (`BackendSecrets`'
   * `administratorArns`): the key's administrative actions (grants, key policy, deletion, ...) are kept to
   * them, `deployerPrincipalArn` and the account's root user (break-glass), and the secrets' policies deny
   * changing a secret, its value or its policy to everyone else. Requires `deployerPrincipalArn`. Whoever
   * fills a fill-after-deploy secret must be one of them.
   * @default - administration is left to the account: a principal whose IAM policies allow it may
   * administer the key and change the secrets and their policies (reading values stays closed)
   */
  readonly secretAdministratorArns?: string[];
  /**
   * Principals besides the deployer that plan this customer's stack (CI plan roles; the next deploy role
   * while the deployer changes): with hashicorp/aws 5.x a plan's refresh reads each write-only secret back,
   * so each is admitted to `secretsmanager:GetSecretValue` and `kms:Decrypt` (through Secrets Manager) on
   * the write-only secrets, and to nothing else. See the README's "Changing the deploy role".
   * @default - only `deployerPrincipalArn` plans a stack with write-only secrets
   */
  readonly planPrincipalArns?: string[];
}

/**
 * Everything one customer needs, from one props object: private subnets, the site-to-site VPN, the secrets
 * of the chosen backend-security scheme, the gateway function that applies it, and the internal load
 * balancer in front, wired together, with the customer handoff as outputs.
 */
export class CustomerBackendLink extends Construct {
  public readonly customerName: string;
  public readonly subnets: CustomerSubnets;
  public readonly vpn?: SiteToSiteVpn;
  /** The routes of the public DMZ path (per zone and address, to that zone's NAT gateway). */
  public readonly publicEndpointRoutes: readonly Route[];
  public readonly secrets: BackendSecrets;
  public readonly gateway: GatewayFunction;
  public readonly loadBalancer: InternalLoadBalancer;
  /** The customer's alarms and dashboard. */
  public readonly monitoring: GatewayMonitoring;
  /** The runtime configuration written into the function (secret references only). */
  public readonly runtimeConfig: GatewayConfig;

  constructor(scope: Construct, id: string, props: CustomerBackendLinkProps) {
    super(scope, id);
    requireCdktfStack(this);
    requireProps(this, props, [
      'platform',
      'customerName',
      'accountId',
      'cidrBlock',
      'loadBalancer',
      'loadBalancer.certificateArn',
      'loadBalancer.trustedSources',
      'backend',
      'backend.url',
      'security',
      'vpn.customerGatewayIp',
      'vpn.onPremCidrs',
      'publicEndpoint.addresses',
    ]);
    if (!(props.security instanceof BackendSecurity)) {
      // A plain object (JavaScript, or a cast) would bypass the builders' checks of its secret sources.
      throw new ValidationError(this.node.path, [
        '`security` is not a BackendSecurity (the value is not shown): build it with BackendSecurity.basic(...), .digest, .token, .requestSigning, .oauth2ClientCredentials or .none()',
      ]);
    }
    const problems = new Problems();
    const publicEndpoint = props.publicEndpoint
      ? checkPublicEndpoint(problems, props, props.publicEndpoint)
      : undefined;
    if (publicEndpoint) props = { ...props, backend: publicEndpoint.backend };
    const backendCidrs = publicEndpoint?.cidrs ?? props.backend.cidrs ?? props.vpn?.onPremCidrs ?? [];
    // The customer's name is also the runtime's `name`: report it under the prop the caller wrote.
    const nameProblem = checkName('customerName', props.customerName);
    if (nameProblem) problems.add(nameProblem);
    if (props.backend.cidrs !== undefined && props.backend.cidrs.length === 0) {
      problems.add(
        '`backend.cidrs` is empty; list the blocks the backend lives in, or leave it out to use `vpn.onPremCidrs`',
      );
    } else if (props.vpn && props.vpn.onPremCidrs.length === 0) {
      problems.add("`vpn.onPremCidrs` is empty; list the customer's on-premises ranges the backend lives in");
    } else if (backendCidrs.length === 0 && !props.publicEndpoint) {
      problems.add('give `backend.cidrs` (the blocks the backend lives in) when there is no `vpn`');
    }
    if (!props.publicEndpoint) {
      checkLinkDns(
        problems,
        props.backend.dns,
        props.vpn
          ? { prop: 'vpn.onPremCidrs', cidrs: props.vpn.onPremCidrs }
          : { prop: 'backend.cidrs', cidrs: backendCidrs },
        {
          prop: `\`${props.backend.cidrs ? 'backend.cidrs' : 'vpn.onPremCidrs'}\` or \`backend.additionalEgress\``,
          cidrs: [...backendCidrs, ...(props.backend.additionalEgress ?? []).map((e) => e.cidr)],
        },
      );
    }
    const writeOnly = props.security.secretRequirements
      .filter((r) => r.source.kind === 'write-only')
      .map((r) => r.name);
    if (writeOnly.length > 0 && props.deployerPrincipalArn === undefined) {
      problems.add(missingDeployerProblem('deployerPrincipalArn', writeOnly));
    }
    // The URL itself is checked with the rest of the runtime configuration below.
    const backendPort = urlPort(props.backend.url) ?? 443;
    if (backendPort === 0) {
      problems.add(
        `\`backend.url\` ${showUnparsedUrl(props.backend.url)} has port 0; give a port from 1 to 65535 (or none, for the scheme's default)`,
      );
    }
    checkDestinations(problems, props, backendPort);
    checkPrincipalArns(problems, 'additionalSecretReaderArns', props.additionalSecretReaderArns);
    checkPrincipalArns(problems, 'planPrincipalArns', props.planPrincipalArns);
    checkAdministrators(
      problems,
      'secretAdministratorArns',
      props.secretAdministratorArns,
      props.deployerPrincipalArn,
      { partition: props.platform.partition, deployerProp: 'deployerPrincipalArn' },
    );
    const runtime = props.runtime ?? {};
    checkFunctionOptions(problems, runtime, 'runtime.');
    const monitoring = props.monitoring ?? {};
    checkMonitoringOptions(problems, monitoring, 'monitoring.');
    if (typeof monitoring === 'object' && monitoring !== null) {
      checkAlarmTuning(problems, 'monitoring.lambdaErrors', monitoring.lambdaErrors);
      checkAlarmTuning(problems, 'monitoring.lambdaThrottles', monitoring.lambdaThrottles);
    }
    // Check the runtime configuration with the runtime's own validator before anything is created
    // (the secrets' ARNs are not known yet: placeholders of the right shape stand in for them).
    const draft = runtimeConfigOf(props, (name, key) => ({
      secretArn: PLACEHOLDER_SECRET_ARN,
      jsonKey: `${name}.${key}`,
    }));
    checkConfigForLambda(problems, draft, runtime.timeoutSeconds, {
      config: 'runtime.',
      timeoutSeconds: 'runtime.timeoutSeconds',
      trustedHops: 'security.withTrustedSources({ trustedHops })',
    });
    try {
      validateConfig(draft, { isUnresolved: (value) => Token.isUnresolved(value) });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const p of error.problems) {
        if (p.path === 'name' && nameProblem) continue; // reported as `customerName` above
        problems.add(
          /^(timeouts|limits|forwarding)\b/.test(p.path)
            ? `\`runtime.${p.path}\`: ${p.message}`
            : `runtime configuration \`${p.path}\`: ${p.message}`,
        );
      }
    }
    problems.throwIfAny(this);

    this.customerName = props.customerName;
    const { platform, customerName, accountId } = props;
    const backendHost = Token.isUnresolved(props.backend.url) ? '' : new URL(props.backend.url).hostname;
    if (
      !props.backend.dns &&
      !publicEndpoint &&
      backendHost !== '' &&
      isIP(backendHost.replace(/^\[|\]$/g, '')) === 0
    ) {
      Annotations.of(this).addWarning(
        `backend.url's host ${backendHost} resolves through the VPC's resolver, which does not know the customer's private names (unless a Route 53 private hosted zone answers it): give \`backend.dns\` (the customer's DNS servers, or pinned addresses)`,
      );
    }
    this.subnets = new CustomerSubnets(this, 'Subnets', {
      platform,
      customerName,
      cidrBlock: props.cidrBlock,
      availabilityZones: props.availabilityZones,
      flowLogs: props.flowLogs,
      // Each zone leaves through its own zone's NAT gateway: one route table per zone.
      ...(publicEndpoint ? { routeTablePerZone: true } : {}),
    });
    this.publicEndpointRoutes = publicEndpoint ? this.routePublicEndpoint(publicEndpoint.cidrs) : [];
    if (props.vpn) {
      const vpn = props.vpn;
      // The VPN's checks and registration under this construct's names (`vpn.onPremCidrs`), before it is created.
      let vpnProblems = checkSiteToSiteVpnOptions(vpn, platform);
      if (vpnProblems.length === 0) {
        const constructPath = `${this.node.path}/Vpn`;
        vpnProblems = registerSiteToSiteVpn(this, { platform, customerName, constructPath, options: vpn });
      }
      if (vpnProblems.length > 0) {
        // A problem of no one prop ("platform … has no transit gateway") reads as it is, without `vpn`.
        const named = vpnProblems.map((p) => (p.prop ? within('vpn', [p])[0] : p));
        throw new ValidationError(this.node.path, named.map(describeProblem));
      }
      this.vpn = new SiteToSiteVpn(this, 'Vpn', {
        ...vpn,
        subnets: this.subnets,
        backendPorts: [backendPort],
      });
    }

    if (!props.vpn) {
      // Without a VPN nothing else opens the customer's network ACL towards the backend.
      const acl = new Construct(this, 'BackendNetworkAcl');
      backendCidrs.forEach((cidr, index) => {
        const cidrScope = new Construct(acl, cidrConstructId(cidr, index));
        this.subnets.addNetworkAclRule(cidrScope, `Out-${backendPort}`, {
          purpose: 'backend',
          egress: true,
          protocol: 'tcp',
          cidrBlock: cidr,
          fromPort: backendPort,
          toPort: backendPort,
        });
        this.subnets.addNetworkAclRule(cidrScope, 'Replies', {
          purpose: 'backend',
          egress: false,
          protocol: 'tcp',
          cidrBlock: cidr,
          fromPort: 1024,
          toPort: 65535,
        });
      });
    }

    this.addAdditionalEgressAclEntries(props, backendCidrs, backendPort);

    const roleArn = GatewayFunction.roleArnFor(
      platform.name,
      customerName,
      accountId,
      platform.partition,
      platform.region,
    );
    this.secrets = new BackendSecrets(this, 'Secrets', {
      platform,
      customerName,
      accountId,
      readerRoleArn: roleArn,
      additionalReaderArns: props.additionalSecretReaderArns,
      deployerPrincipalArn: props.deployerPrincipalArn,
      administratorArns: props.secretAdministratorArns,
      planPrincipalArns: props.planPrincipalArns,
      secrets: props.security.secretRequirements.map(({ name, material, source }) => ({
        name,
        material,
        source,
      })),
      tags: { ...platform.tags, 'backend-link:platform': platform.name },
    });

    this.runtimeConfig = runtimeConfigOf(props, (name, key) => this.secrets.ref(name, key));

    this.gateway = this.createGateway({
      subnets: this.subnets,
      accountId,
      config: this.runtimeConfig,
      secretArns: this.secrets.secretArns,
      backendCidrs,
      additionalEgress: props.backend.additionalEgress,
      alarmTopicArn: platform.alarmTopicArn,
      alarms: {
        ...(monitoring.lambdaErrors !== undefined ? { errors: monitoring.lambdaErrors } : {}),
        ...(monitoring.lambdaThrottles !== undefined ? { throttles: monitoring.lambdaThrottles } : {}),
      },
      secretsManagerEndpointSecurityGroupId: platform.endpointsSecurityGroupId,
      lambdaRuntime: runtime.lambdaRuntime,
      architecture: runtime.architecture,
      memorySize: runtime.memorySize,
      timeoutSeconds: runtime.timeoutSeconds,
      reservedConcurrency: runtime.reservedConcurrency,
      logRetentionDays: runtime.logRetentionDays,
      runtimeBundleDirectory: runtime.runtimeBundleDirectory,
    });
    // KMS checks that a key policy's principals exist: the key waits for the runtime role.
    this.secrets.kmsKey.dependsOn = [...(this.secrets.kmsKey.dependsOn ?? []), dependable(this.gateway.role)];

    this.loadBalancer = this.asOwnProps(
      'loadBalancer',
      () =>
        new InternalLoadBalancer(this, 'LoadBalancer', {
          ...props.loadBalancer,
          subnets: this.subnets,
          defaultTargetGroupArn: this.gateway.targetGroup.arn,
        }),
    );
    if (publicEndpoint) this.pointFirewallOutputAtElasticIps();

    const { lambdaErrors: _errors, lambdaThrottles: _throttles, ...runtimeMonitoring } = monitoring;
    this.monitoring = new GatewayMonitoring(this, 'Monitoring', {
      ...runtimeMonitoring,
      gateway: this.gateway,
      vpn: this.vpn,
      alarmTopicArn: platform.alarmTopicArn,
    });

    new TerraformOutput(this, 'HandoffOutput', {
      description: `What ${customerName} is told about its backend link (no secret values)`,
      value: {
        customer: customerName,
        backend_url: props.backend.url,
        security: props.security.description,
        // cdktf outputs can not hold null: absent parts are left out.
        ...(props.security.mutualTls
          ? {
              mutual_tls: {
                client_certificate_secret_arn: this.secrets.ref('client-certificate', 'certificate')
                  .secretArn,
                servername: props.security.mutualTls.servername ?? new URL(props.backend.url).hostname,
              },
            }
          : {}),
        ...(props.security.trustedSources
          ? { trusted_sources: [...props.security.trustedSources.cidrs] }
          : {}),
        source_cidrs: this.subnets.subnets.map((s) => s.cidrBlock),
        destinations: destinationsOf(this.runtimeConfig, backendCidrs, backendPort, props.backend),
        // The gateway's DNS queries (UDP and TCP) to the customer's servers: the firewall must admit them.
        ...(props.backend.dns?.servers ? { dns_servers: [...props.backend.dns.servers] } : {}),
        ...(publicEndpoint ? { public_endpoint: this.publicEndpointHandoff(props, publicEndpoint) } : {}),
        secret_arns: Object.fromEntries(this.secrets.secrets.map((s) => [s.name, s.secretArn])),
        fill_after_deploy: this.secrets.secrets
          .filter((s) => s.source === 'fill-after-deploy')
          .map((s) => s.name),
      },
    }).overrideLogicalId(`${customerName}_handoff`);
  }

  /**
   * Per zone and address: `<address>/32` → the NAT gateway of the zone, nothing else (no default route).
   * The public subnets' network ACL already passes the customer pool on the platform's `publicEgress.ports`.
   */
  private routePublicEndpoint(cidrs: readonly string[]): Route[] {
    const egress = this.subnets.platform.publicEgress!;
    const scope = new Construct(this, 'PublicEndpoint');
    return this.subnets.subnets.flatMap((subnet) => {
      const exit = egress.zone(subnet.availabilityZone);
      const zone = new Construct(scope, subnet.availabilityZone);
      return cidrs.map(
        (cidr) =>
          new Route(zone, `Route-${cidr.replace(/[./]/g, '_')}`, {
            routeTableId: subnet.routeTable.id,
            destinationCidrBlock: cidr,
            // A reference, never `depends_on`: in a customer's own stack the NAT gateway is a value of the
            // platform's contract (remote state), which Terraform accepts in no `depends_on`.
            natGatewayId: exit.natGatewayId,
          }),
      );
    });
  }

  /**
   * On the public path the customer's firewall sees the Elastic IPs, not the customer's private subnets:
   * the `<customer>_firewall_allow_list` output (written by the load balancer's allow-list) says so.
   */
  private pointFirewallOutputAtElasticIps(): void {
    const output = this.loadBalancer.allowList.node.tryFindChild('TrustedSourcesOutput');
    if (!(output instanceof TerraformOutput)) return;
    const egress = this.subnets.platform.publicEgress!;
    output.value = this.subnets.subnets.map((s) => egress.zone(s.availabilityZone).publicIp);
    output.description = `The source addresses ${this.customerName}'s DMZ proxy must allow (the platform's Elastic IPs of its zones): nothing else calls its public endpoint`;
  }

  /** What the customer must know of the public path: where we call, and the only addresses we call from. */
  private publicEndpointHandoff(
    props: CustomerBackendLinkProps,
    endpoint: CheckedPublicEndpoint,
  ): Record<string, unknown> {
    const egress = this.subnets.platform.publicEgress!;
    const url = new URL(props.backend.url);
    return {
      hostname: url.hostname,
      port: urlPort(props.backend.url) ?? 443,
      addresses: [...props.publicEndpoint!.addresses],
      // The Elastic IPs of the zones the customer's function runs in.
      egress_ips: this.subnets.subnets.map((s) => egress.zone(s.availabilityZone).publicIp),
      header_scheme: props.security.type,
      ...(endpoint.headerOnlySchemeReason
        ? { header_only_scheme_reason: endpoint.headerOnlySchemeReason }
        : {}),
    };
  }

  /**
   * Creates a part from the caller's `prop` object, reporting its problems as this construct's, under the
   * names the caller wrote (`certificateArn` becomes `loadBalancer.certificateArn`).
   */
  private asOwnProps<T>(prop: string, create: () => T): T {
    try {
      return create();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(
        this.node.path,
        error.problems.map((p) => p.replace(/^`(?=[a-zA-Z])/, `\`${prop}.`)),
      );
    }
  }

  /**
   * The gateway function. Its props were checked above under this construct's names, all but the size of
   * the environment, which needs the secrets' names: that problem is reported here, as the link's own.
   */
  private createGateway(props: GatewayFunctionProps): GatewayFunction {
    try {
      return new GatewayFunction(this, 'Gateway', props);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(
        this.node.path,
        error.problems.map((p) => p.replace(/^`config` makes/, 'the runtime configuration makes')),
      );
    }
  }

  /**
   * The customer's network ACL for `backend.additionalEgress`: out to each destination's port, and the
   * replies. What the VPN (or, without one, the backend entries) already opens is not added twice: a
   * destination inside an on-premises range gets its replies through that range's entry, and one on the
   * backend's port inside a backend block needs nothing more.
   */
  private addAdditionalEgressAclEntries(
    props: CustomerBackendLinkProps,
    backendCidrs: readonly string[],
    backendPort: number,
  ): void {
    const extra = props.backend.additionalEgress ?? [];
    if (extra.length === 0) return;
    const scope = new Construct(this, 'AdditionalEgress');
    const opened = (props.vpn?.onPremCidrs ?? backendCidrs).map(parseCidr).filter((c) => c !== undefined);
    extra.forEach(({ cidr, port }, index) => {
      const block = isUnresolved(cidr) ? undefined : parseCidr(cidr);
      const inside = block ? opened.find((c) => cidrContains(c, block)) : undefined;
      // Keyed by content: adding or removing a destination moves no other rule.
      const cidrScope =
        scope.node.tryFindChild(cidrConstructId(cidr, index)) ??
        new Construct(scope, cidrConstructId(cidr, index));
      if (!(inside && port === backendPort) && !cidrScope.node.tryFindChild(`Out-${port}`)) {
        this.subnets.addNetworkAclRule(cidrScope, `Out-${port}`, {
          purpose: 'additional-egress',
          egress: true,
          protocol: 'tcp',
          cidrBlock: cidr,
          fromPort: port,
          toPort: port,
        });
      }
      if (!inside && !cidrScope.node.tryFindChild('Replies')) {
        this.subnets.addNetworkAclRule(cidrScope, 'Replies', {
          purpose: 'additional-egress',
          egress: false,
          protocol: 'tcp',
          cidrBlock: cidr,
          fromPort: 1024,
          toPort: 65535,
        });
      }
    });
  }
}

interface CheckedPublicEndpoint {
  /** The addresses as /32 blocks. */
  readonly cidrs: string[];
  /** `backend` with the URL's host pinned to the addresses. */
  readonly backend: BackendProps;
  readonly headerOnlySchemeReason?: string;
}

/** The rules of the public DMZ path; returns what the link derives from it. */
function checkPublicEndpoint(
  problems: Problems,
  props: CustomerBackendLinkProps,
  endpoint: PublicEndpointProps,
): CheckedPublicEndpoint | undefined {
  const before = problems.count;
  if (props.vpn) {
    problems.add(
      'give either `vpn` (a private path) or `publicEndpoint` (a DMZ endpoint over the internet), not both',
    );
  }
  const egress = props.platform.publicEgress;
  if (!egress) {
    problems.add(
      `\`publicEndpoint\` needs the platform's public path: give platform ${show(props.platform.name)} \`publicEgress\` (NAT gateways with fixed Elastic IPs)`,
    );
  } else if (!isUnresolved(props.backend.url) && /^https:/i.test(props.backend.url)) {
    const port = urlPort(props.backend.url) ?? 443;
    if (port !== 0 && !egress.ports.includes(port)) {
      problems.add(
        `\`backend.url\` ${show(props.backend.url)} is on port ${port}, which platform ${show(props.platform.name)}'s public path does not pass (\`publicEgress.ports\` ${egress.ports.join(', ')}); add ${port} to the platform's \`publicEgress.ports\`, or ask the customer for an endpoint on ${egress.ports.join(' or ')}`,
      );
    }
  }
  if (props.backend.cidrs) {
    problems.add(
      '`backend.cidrs` is not used with `publicEndpoint`: the only destinations are `publicEndpoint.addresses`',
    );
  }
  if (props.backend.additionalEgress?.length) {
    problems.add(
      '`backend.additionalEgress` is not supported with `publicEndpoint`: over the internet the function reaches `publicEndpoint.addresses` only',
    );
  }
  if (props.backend.dns?.servers || props.backend.dns?.pinned) {
    problems.add(
      "`backend.dns.servers` and `backend.dns.pinned` are not used with `publicEndpoint`: the URL's host is pinned to `publicEndpoint.addresses` (no DNS lookup over the internet)",
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
      problems.add(
        `\`backend.url\` ${show(props.backend.url)} must be https:// for a public endpoint: the link crosses the internet`,
      );
    } else if (url && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
      problems.add(
        `\`backend.url\` ${show(props.backend.url)} names an address; a public endpoint is called by its DNS name (TLS verifies it), and \`publicEndpoint.addresses\` pins that name`,
      );
    } else if (url) {
      host = url.hostname;
    }
  }
  const addresses = endpoint.addresses;
  if (addresses.length === 0 || addresses.length > MAX_PUBLIC_ENDPOINT_ADDRESSES) {
    problems.add(
      `\`publicEndpoint.addresses\` lists ${addresses.length}; give 1 to ${MAX_PUBLIC_ENDPOINT_ADDRESSES} public IPv4 addresses of the DMZ endpoint`,
    );
  }
  const seen = new Set<string>();
  addresses.forEach((address, i) => {
    if (isUnresolved(address)) {
      problems.add(
        `\`publicEndpoint.addresses[${i}]\` must be a literal address: routes and rules are opened to exactly these`,
      );
      return;
    }
    const problem = publicIpv4Problem(address);
    if (problem) {
      problems.add(
        `\`publicEndpoint.addresses[${i}]\` ${show(address)} ${problem}; give the DMZ endpoint's fixed public address`,
      );
    } else if (seen.has(address)) {
      problems.add(`\`publicEndpoint.addresses[${i}]\` ${show(address)} is listed twice`);
    }
    seen.add(address);
  });
  const reason = endpoint.headerOnlySchemeReason;
  const authenticatesItself = props.security.mutualTls !== undefined || props.security.type === 'signature';
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '')) {
    problems.add(
      '`publicEndpoint.headerOnlySchemeReason` is empty; say why a header-only scheme is acceptable over the internet, or leave it out',
    );
  } else if (!authenticatesItself && reason === undefined) {
    problems.add(
      `\`security\` ${show(props.security.type)} without mutual TLS is a header-only scheme, refused over the internet (\`publicEndpoint\`): add \`.withMutualTls(...)\` or use \`BackendSecurity.requestSigning\`, or state \`publicEndpoint.headerOnlySchemeReason\``,
    );
  }
  if (problems.count > before || host === undefined) return undefined;
  return {
    cidrs: addresses.map((address) => `${address}/32`),
    backend: { ...props.backend, dns: { ...(props.backend.dns ?? {}), pinned: { [host]: [...addresses] } } },
    ...(reason !== undefined && !authenticatesItself ? { headerOnlySchemeReason: reason.trim() } : {}),
  };
}

/** A destination the gateway connects to, for the customer's firewall (the handoff). */
interface HandoffDestination {
  readonly what: string;
  readonly host?: string;
  readonly cidrs: string[];
  readonly port: number;
}

/** `{ host }` of a URL, or nothing when it is a token (or not a URL: reported by the validation). */
function hostOf(url: string): { host?: string } {
  if (isUnresolved(url)) return {};
  try {
    return { host: new URL(url).hostname };
  } catch {
    return {};
  }
}

/** Every destination and port the gateway uses: the backend, the token endpoint, the additional egress. */
function destinationsOf(
  config: GatewayConfig,
  backendCidrs: readonly string[],
  backendPort: number,
  backend: BackendProps,
): HandoffDestination[] {
  const extra = backend.additionalEgress ?? [];
  const destinations: HandoffDestination[] = [
    { what: 'backend', ...hostOf(backend.url), cidrs: [...backendCidrs], port: backendPort },
  ];
  if (config.security.type === 'oauth2-client-credentials') {
    const url = config.security.tokenUrl;
    const port = urlPort(url) ?? 443;
    destinations.push({
      what: 'OAuth 2.0 token endpoint',
      ...hostOf(url),
      cidrs: [
        ...(port === backendPort ? backendCidrs : []),
        ...extra.filter((e) => e.port === port).map((e) => e.cidr),
      ],
      port,
    });
  }
  for (const e of extra) {
    destinations.push({ what: e.description ?? 'additional destination', cidrs: [e.cidr], port: e.port });
  }
  return destinations;
}

/**
 * The destinations the customer's link must carry: with a VPN, the customer's route table sends only
 * `vpn.onPremCidrs` over it, so a backend block or an additional destination outside them would be opened
 * in the security group and reach nothing. And a token endpoint on a port no destination opens can not be
 * reached at all.
 */
function checkDestinations(problems: Problems, props: CustomerBackendLinkProps, backendPort: number): void {
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
      problems.add(`\`${prop}\` ${show(cidr)} ${describeCidrProblem(cidr)}`);
    } else if (block.prefixLength === 0) {
      problems.add(`\`${prop}\` ${block.text} would open egress to everywhere`);
    } else if (props.vpn && ranges.length > 0 && !ranges.some((r) => cidrContains(r, block))) {
      problems.add(
        `\`${prop}\` ${block.text} is outside \`vpn.onPremCidrs\` (${ranges.map((r) => r.text).join(', ')}): the customer's route table sends only those ranges over the VPN, so nothing would reach it. Add its range to \`vpn.onPremCidrs\` (the customer must route it too), or remove it`,
      );
    }
  }
  extra.forEach(({ port }, i) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.add(
        `\`backend.additionalEgress[${i}].port\` ${show(port)} is not a port (an integer from 1 to 65535)`,
      );
    }
  });
  const tokenUrl =
    props.security.type === 'oauth2-client-credentials' ? props.security.description.tokenUrl : undefined;
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

const PLACEHOLDER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:placeholder-AbCdEf';
