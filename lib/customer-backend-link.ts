import { isIP } from 'node:net';
import { Construct } from 'constructs';
import { Annotations, Lazy, TerraformOutput, Token, dependable } from 'cdktf';
import type { Route } from '@cdktf/provider-aws/lib/route';
import type { DnsConfig, GatewayConfig } from '../gateway-runtime/src/config/types';
import { RuntimeOptions, runtimeConfigOf } from './runtime/runtime-options';
import { InternalLoadBalancer, InternalLoadBalancerProps } from './load-balancer/internal-load-balancer';
import { CustomerSubnets } from './network/customer-subnets';
import type { FlowLogsProps } from './network/subnet-flow-logs';
import type { GatewayPlatform } from './platform/gateway-platform';
import { BackendSecurity } from './runtime/backend-security';
import { EgressDestination, GatewayFunction } from './runtime/gateway-function';
import { BackendSecrets } from './secrets/backend-secrets';
import { SiteToSiteVpn } from './vpn/site-to-site-vpn';
import type { SiteToSiteVpnProps } from './vpn/site-to-site-vpn';
import { registerSiteToSiteVpn } from './vpn/vpn-register';
import { hasProblems, reportMissingProps, reportProblems, within } from './shared/problems';
import { AlarmTuning } from './runtime/alarm-options';
import { GatewayMonitoring, GatewayMonitoringOptions } from './runtime/gateway-monitoring';
import { requireCdktfStack } from './shared/cdktf-stack';
import {
  CheckedPrivateEndpoint,
  backendSecretsPropsOf,
  parseCustomerBackendLinkProps,
  withConnectTo,
} from './customer-backend-link-checks';
import { endpointRuntimeBackend } from './connectivity/checks';
import { PrivateLinkEndpoint } from './connectivity/privatelink-endpoint';
import { ResourceEndpoint } from './connectivity/resource-endpoint';
import type { Port } from './shared/ports';
import { handoffValue } from './customer-backend-link-handoff';
import {
  addAdditionalEgressAclEntries,
  addBackendAclEntries,
  addEndpointAclEntries,
  elasticIpsOf,
  routePublicEndpoint,
} from './customer-backend-link-network';

/** Host names of AWS service endpoints (every partition), which the VPC's resolver answers. */
const AWS_SERVICE_HOST = /\.(amazonaws\.com|amazonaws\.com\.cn|on\.aws|api\.aws)$/i;

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

/**
 * A backend the customer shares with the platform's account as a VPC Lattice resource configuration (through
 * AWS RAM), reached through a resource endpoint in the customer's subnets: no VPN, no routes, no address
 * coordination. The customer's side (resource gateway, resource configuration, share) is `BackendResourceShare`
 * in its own account. See docs/private-connectivity.md.
 */
export interface ResourceEndpointConnectivity {
  /**
   * The ARN of the resource configuration the customer shared
   * (`arn:aws:vpc-lattice:<region>:<customer account>:resourceconfiguration/rcfg-…`), in the platform's
   * partition and region.
   */
  readonly resourceConfigurationArn: string;
  /**
   * The ARN of the customer's RAM resource share, when the platform's account must accept an invitation (the
   * customer's account is outside the platform's AWS Organization): the link accepts it before it creates the
   * endpoint. Leave it out within one Organization with RAM sharing enabled (there is no invitation).
   * @default - no invitation to accept
   */
  readonly resourceShareArn?: string;
  /**
   * The TCP ports (or ranges) the endpoint admits from the gateway function; they must include the backend
   * URL's port.
   * @default - the backend URL's port
   */
  readonly ports?: Port[];
}

/**
 * A backend the customer publishes as an AWS PrivateLink endpoint service (a Network Load Balancer), reached
 * through an interface endpoint in the customer's subnets: no VPN, no routes, no address coordination.
 */
export interface PrivateLinkConnectivity {
  /**
   * The customer's endpoint service, `com.amazonaws.vpce.<region>.vpce-svc-<id>`, in the platform's region.
   * The customer allows the platform's account as a principal of the service.
   */
  readonly serviceName: string;
  /**
   * The TCP ports (or ranges) the endpoint admits from the gateway function; they must include the backend
   * URL's port.
   * @default - the backend URL's port
   */
  readonly ports?: Port[];
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
  /**
   * The backend is reached through a VPC Lattice resource endpoint in the customer's subnets, to the resource
   * configuration the customer shared with the platform's account. The runtime connects to the endpoint's
   * name (`backend.connectTo`) and keeps the backend URL's Host header and TLS server name; the endpoint's
   * security group admits only the customer's gateway function; nothing is routed to the customer's networks.
   * `backend.url` must be `https://` with the backend's DNS name; `backend.cidrs`, `backend.dns` and
   * `backend.additionalEgress` are not used. Give one of `vpn`, `publicEndpoint`, `resourceEndpoint`,
   * `privateLinkEndpoint`.
   * @default - no resource endpoint
   */
  readonly resourceEndpoint?: ResourceEndpointConnectivity;
  /**
   * The backend is reached through an interface endpoint in the customer's subnets to the customer's
   * PrivateLink endpoint service; otherwise as `resourceEndpoint`.
   * @default - no PrivateLink endpoint
   */
  readonly privateLinkEndpoint?: PrivateLinkConnectivity;
  /** The internal load balancer the gateway tier calls. */
  readonly loadBalancer: Omit<
    InternalLoadBalancerProps,
    'subnets' | 'defaultTargetGroupArn' | 'firewallAllowList'
  >;
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
 *
 * Every prop is checked first (`customer-backend-link-checks.ts`, the children's checks included, under the
 * names written here); with any problem the link reports them all and builds nothing, and the synth lists them.
 * The members below are then `undefined`.
 */
export class CustomerBackendLink extends Construct {
  public readonly customerName!: string;
  public readonly subnets!: CustomerSubnets;
  public readonly vpn?: SiteToSiteVpn;
  /** The routes of the public DMZ path (per zone and address, to that zone's NAT gateway). */
  public readonly publicEndpointRoutes!: readonly Route[];
  /** The VPC Lattice resource endpoint (with `resourceEndpoint`). */
  public readonly resourceEndpoint?: ResourceEndpoint;
  /** The PrivateLink interface endpoint (with `privateLinkEndpoint`). */
  public readonly privateLinkEndpoint?: PrivateLinkEndpoint;
  public readonly secrets!: BackendSecrets;
  public readonly gateway!: GatewayFunction;
  public readonly loadBalancer!: InternalLoadBalancer;
  /** The customer's alarms and dashboard. */
  public readonly monitoring!: GatewayMonitoring;
  /** The runtime configuration written into the function (secret references only). */
  public readonly runtimeConfig!: GatewayConfig;

  constructor(scope: Construct, id: string, props: CustomerBackendLinkProps) {
    super(scope, id);
    requireCdktfStack(this);
    if (
      reportMissingProps(this, props, [
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
        'resourceEndpoint.resourceConfigurationArn',
        'privateLinkEndpoint.serviceName',
      ])
    )
      return;
    if (!(props.security instanceof BackendSecurity)) {
      // A plain object (JavaScript, or a cast) would bypass the builders' checks of its secret sources.
      reportProblems(this, [
        {
          prop: 'security',
          message:
            'is not a BackendSecurity (the value is not shown): build it with BackendSecurity.basic(...), .digest, .token, .requestSigning, .oauth2ClientCredentials, .messageSignature, .sigV4 or .none()',
          secret: true,
        },
      ]);
      return;
    }
    // A platform with problems of its own built nothing: only the checks that need nothing of it run.
    const platformBuilt = !hasProblems(props.platform);
    const checked = parseCustomerBackendLinkProps(props, { platformBuilt });
    if (reportProblems(this, checked.problems) || !platformBuilt) return;
    const { platform, customerName, accountId } = props;
    const { backend, backendCidrs, backendPort, publicEndpoint, privateEndpoint } = checked;
    this.customerName = customerName;
    this.warnWithoutDns(backend, publicEndpoint !== undefined || privateEndpoint !== undefined);
    // An assumed SigV4 role is checked against the platform's own interface endpoints (`security.assumeRoleArn`);
    // endpoints the platform does not manage can not be seen from here.
    if (props.security.assumesRole && !platform.interfaceEndpoints) {
      Annotations.of(this).addWarning(
        'security.assumeRoleArn: the gateway function calls STS (sts.<region>.amazonaws.com) from subnets without an internet route, and the platform manages no interface endpoints: make sure the VPC has an STS interface endpoint with private DNS (or give the platform `interfaceEndpoints.services` with "sts")',
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
    // The platform's registers (another customer's block or VPN) are checked as the parts are created.
    if (hasProblems(this.subnets)) return;
    this.publicEndpointRoutes = publicEndpoint
      ? routePublicEndpoint(this, this.subnets, publicEndpoint.cidrs)
      : [];
    if (props.vpn) {
      // The VPN's conflicts with other VPNs (the app's devices, the platform's register), once the customer's
      // block is registered: the VPN finds itself registered when created.
      const conflicts = registerSiteToSiteVpn(this, {
        platform,
        customerName,
        constructPath: `${this.node.path}/Vpn`,
        options: props.vpn,
      });
      if (reportProblems(this, within('vpn', conflicts))) return;
      this.vpn = new SiteToSiteVpn(this, 'Vpn', {
        ...props.vpn,
        subnets: this.subnets,
        backendPorts: [backendPort],
      });
    } else if (privateEndpoint) {
      addEndpointAclEntries(this, this.subnets, privateEndpoint.ports);
    } else {
      addBackendAclEntries(this, this.subnets, backendCidrs, backendPort);
    }
    addAdditionalEgressAclEntries(
      this,
      this.subnets,
      backend.additionalEgress ?? [],
      props.vpn?.onPremCidrs ?? backendCidrs,
      backendPort,
    );

    this.secrets = new BackendSecrets(this, 'Secrets', {
      ...backendSecretsPropsOf(props, platform, props.security.secretRequirements),
      tags: { ...platform.tags, 'backend-link:platform': platform.name },
    });

    // The endpoint comes before the function (the runtime configuration names it); its security group admits
    // the function's, a reference resolved once the function exists.
    let connectTo: string | undefined;
    if (privateEndpoint) {
      const created = this.createPrivateEndpoint(props, privateEndpoint);
      connectTo = created.connectTo;
      if (created.endpoint instanceof ResourceEndpoint) this.resourceEndpoint = created.endpoint;
      else this.privateLinkEndpoint = created.endpoint;
    }

    const linkProps = { ...props, backend };
    this.runtimeConfig = withConnectTo(
      runtimeConfigOf(linkProps, (name, key) => this.secrets.ref(name, key)),
      connectTo,
    );
    const runtime = props.runtime ?? {};
    const monitoring = props.monitoring ?? {};
    this.gateway = new GatewayFunction(this, 'Gateway', {
      subnets: this.subnets,
      accountId,
      config: this.runtimeConfig,
      secretArns: this.secrets.secretArns,
      backendCidrs,
      additionalEgress: backend.additionalEgress,
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

    this.loadBalancer = new InternalLoadBalancer(this, 'LoadBalancer', {
      ...props.loadBalancer,
      subnets: this.subnets,
      defaultTargetGroupArn: this.gateway.targetGroup.arn,
      // On the public path the customer's firewall sees the platform's Elastic IPs, not the private subnets.
      ...(publicEndpoint
        ? {
            firewallAllowList: {
              addresses: elasticIpsOf(this.subnets),
              description: `The source addresses ${customerName}'s DMZ proxy must allow (the platform's Elastic IPs of its zones): nothing else calls its public endpoint`,
            },
          }
        : {}),
    });

    const { lambdaErrors: _errors, lambdaThrottles: _throttles, ...runtimeMonitoring } = monitoring;
    this.monitoring = new GatewayMonitoring(this, 'Monitoring', {
      ...runtimeMonitoring,
      gateway: this.gateway,
      vpn: this.vpn,
      alarmTopicArn: platform.alarmTopicArn,
    });

    new TerraformOutput(this, 'HandoffOutput', {
      description: `What ${customerName} is told about its backend link (no secret values)`,
      value: handoffValue({
        props,
        backend,
        backendCidrs,
        backendPort,
        publicEndpoint,
        privateEndpoint,
        subnets: this.subnets,
        secrets: this.secrets,
        runtimeConfig: this.runtimeConfig,
      }),
    }).overrideLogicalId(`${customerName}_handoff`);
  }

  /**
   * The resource endpoint or PrivateLink endpoint in the customer's subnets, admitting only the gateway
   * function's security group on the endpoint's ports; returns the runtime's `backend.connectTo`.
   */
  private createPrivateEndpoint(
    props: CustomerBackendLinkProps,
    endpoint: CheckedPrivateEndpoint,
  ): { connectTo: string; endpoint: ResourceEndpoint | PrivateLinkEndpoint } {
    const { platform, customerName } = props;
    const shared = {
      platformName: platform.name,
      customerName,
      vpcId: platform.vpcId,
      subnetIds: this.subnets.subnetIds,
      functionSecurityGroupId: Lazy.stringValue({ produce: () => this.gateway.securityGroup.id }),
      ports: endpoint.ports,
      tags: platform.tags,
      location: { region: platform.region, partition: platform.partition },
    };
    const given = props.resourceEndpoint;
    const created =
      endpoint.mode === 'resourceEndpoint' && given
        ? new ResourceEndpoint(this, 'ResourceEndpoint', {
            ...shared,
            resourceConfigurationArn: given.resourceConfigurationArn,
            ...(given.resourceShareArn !== undefined ? { resourceShareArn: given.resourceShareArn } : {}),
          })
        : new PrivateLinkEndpoint(this, 'PrivateLinkEndpoint', {
            ...shared,
            serviceName: props.privateLinkEndpoint!.serviceName,
          });
    return {
      connectTo: endpointRuntimeBackend(props.backend.url, created.dnsName).connectTo,
      endpoint: created,
    };
  }

  /** A backend named by a DNS name the VPC's resolver may not know, without `backend.dns`: a synth warning. */
  private warnWithoutDns(backend: BackendProps, publicPath: boolean): void {
    const host = Token.isUnresolved(backend.url) ? '' : new URL(backend.url).hostname;
    if (backend.dns || publicPath || host === '' || isIP(host.replace(/^\[|\]$/g, '')) !== 0) return;
    // An AWS service endpoint (a SigV4 backend: API Gateway, OpenSearch, ...) is what the VPC's resolver knows,
    // including the private DNS of the platform's interface endpoints.
    if (AWS_SERVICE_HOST.test(host)) return;
    Annotations.of(this).addWarning(
      `backend.url's host ${host} resolves through the VPC's resolver, which does not know the customer's private names (unless a Route 53 private hosted zone answers it): give \`backend.dns\` (the customer's DNS servers, or pinned addresses)`,
    );
  }
}
