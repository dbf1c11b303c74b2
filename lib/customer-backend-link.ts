import { Construct } from 'constructs';
import { TerraformOutput, Token, dependable } from 'cdktf';
import type {
  ForwardingConfig,
  GatewayConfig,
  LimitsConfig,
  TimeoutsConfig,
} from '../gateway-runtime/src/config/types';
import { CONFIG_VERSION } from '../gateway-runtime/src/config/types';
import type { SecretRef } from '../gateway-runtime/src/config/types';
import { validateConfig } from '../gateway-runtime/src/config/validate';
import { ConfigError } from '../gateway-runtime/src/core/errors';
import { InternalLoadBalancer, InternalLoadBalancerProps } from './load-balancer/internal-load-balancer';
import { CustomerSubnets } from './network/customer-subnets';
import type { GatewayPlatform } from './platform/gateway-platform';
import { BackendSecurity } from './runtime/backend-security';
import { EgressDestination, GatewayFunction, GatewayFunctionProps } from './runtime/gateway-function';
import { BackendSecrets } from './secrets/backend-secrets';
import { SiteToSiteVpn, SiteToSiteVpnProps } from './vpn/site-to-site-vpn';
import { urlPort } from './shared/ports';
import { Problems } from './shared/validation';

export interface BackendProps {
  /** The backend's base URL, e.g. `https://orders.acme.internal:8443/api`. */
  readonly url: string;
  /**
   * The blocks the backend lives in: the function may connect to them on the URL's port only.
   * @default - the VPN's `onPremCidrs`
   */
  readonly cidrs?: string[];
  /**
   * Further destinations, e.g. the customer's OAuth token endpoint.
   * @default - none
   */
  readonly additionalEgress?: EgressDestination[];
}

/** Settings of the gateway runtime beyond the security scheme. */
export interface RuntimeOptions extends Pick<
  GatewayFunctionProps,
  | 'architecture'
  | 'memorySize'
  | 'timeoutSeconds'
  | 'reservedConcurrency'
  | 'logRetentionDays'
  | 'runtimeBundleDirectory'
> {
  /** @default - the caller's Authorization and Cookie headers are not forwarded */
  readonly forwarding?: ForwardingConfig;
  /** @default - the runtime's defaults (connect 5 s, headers 30 s, body 30 s) */
  readonly timeouts?: TimeoutsConfig;
  /** @default - the runtime's defaults */
  readonly limits?: LimitsConfig;
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
   * The site-to-site VPN to the customer's network.
   * @default - no VPN: the backend is reached another way (give `backend.cidrs`)
   */
  readonly vpn?: Omit<SiteToSiteVpnProps, 'subnets' | 'backendPorts'>;
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
   * Principals besides the runtime role that may read the secret values.
   * @default - the runtime role only
   */
  readonly additionalSecretReaderArns?: string[];
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
  public readonly secrets: BackendSecrets;
  public readonly gateway: GatewayFunction;
  public readonly loadBalancer: InternalLoadBalancer;
  /** The runtime configuration written into the function (secret references only). */
  public readonly runtimeConfig: GatewayConfig;

  constructor(scope: Construct, id: string, props: CustomerBackendLinkProps) {
    super(scope, id);
    const backendCidrs = props.backend.cidrs ?? props.vpn?.onPremCidrs ?? [];
    const problems = new Problems();
    if (backendCidrs.length === 0) {
      problems.add('give `backend.cidrs` (the blocks the backend lives in) when there is no `vpn`');
    }
    // The URL itself is checked with the rest of the runtime configuration below.
    const backendPort = urlPort(props.backend.url) ?? 443;
    // Check the runtime configuration with the runtime's own validator before anything is created
    // (the secrets' ARNs are not known yet: placeholders of the right shape stand in for them).
    try {
      validateConfig(
        runtimeConfigOf(props, (name, key) => ({
          secretArn: PLACEHOLDER_SECRET_ARN,
          jsonKey: `${name}.${key}`,
        })),
        {
          isUnresolved: (value) => Token.isUnresolved(value),
        },
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const p of error.problems) problems.add(`runtime configuration \`${p.path}\`: ${p.message}`);
    }
    problems.throwIfAny(this);

    this.customerName = props.customerName;
    const { platform, customerName, accountId } = props;
    this.subnets = new CustomerSubnets(this, 'Subnets', {
      platform,
      customerName,
      cidrBlock: props.cidrBlock,
      availabilityZones: props.availabilityZones,
    });
    if (props.vpn) {
      this.vpn = new SiteToSiteVpn(this, 'Vpn', {
        ...props.vpn,
        subnets: this.subnets,
        backendPorts: [backendPort],
      });
    }

    if (!props.vpn) {
      // Without a VPN nothing else opens the customer's network ACL towards the backend.
      backendCidrs.forEach((cidr, index) => {
        this.subnets.addNetworkAclRule(this, `NaclBackendOut${index}`, {
          egress: true,
          protocol: 'tcp',
          cidrBlock: cidr,
          fromPort: backendPort,
          toPort: backendPort,
        });
        this.subnets.addNetworkAclRule(this, `NaclBackendReplies${index}`, {
          egress: false,
          protocol: 'tcp',
          cidrBlock: cidr,
          fromPort: 1024,
          toPort: 65535,
        });
      });
    }

    const roleArn = GatewayFunction.roleArnFor(platform.name, customerName, accountId);
    this.secrets = new BackendSecrets(this, 'Secrets', {
      customerName,
      accountId,
      readerRoleArn: roleArn,
      additionalReaderArns: props.additionalSecretReaderArns,
      secrets: props.security.secretRequirements.map(({ name, material, source }) => ({
        name,
        material,
        source,
      })),
      tags: { ...platform.tags, 'backend-link:platform': platform.name },
    });

    this.runtimeConfig = runtimeConfigOf(props, (name, key) => this.secrets.ref(name, key));
    const runtime = props.runtime ?? {};

    this.gateway = new GatewayFunction(this, 'Gateway', {
      subnets: this.subnets,
      accountId,
      config: this.runtimeConfig,
      secretArns: this.secrets.secretArns,
      backendCidrs,
      additionalEgress: props.backend.additionalEgress,
      alarmTopicArn: platform.alarmTopicArn,
      secretsManagerEndpointSecurityGroupId: platform.endpointsSecurityGroupId,
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
        secret_arns: Object.fromEntries(this.secrets.secrets.map((s) => [s.name, s.secretArn])),
        fill_after_deploy: this.secrets.secrets
          .filter((s) => s.source === 'fill-after-deploy')
          .map((s) => s.name),
      },
    }).overrideLogicalId(`${customerName}_handoff`);
  }
}

const PLACEHOLDER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:placeholder-AbCdEf';

/** The runtime configuration of a link, with secret references from `ref`. */
function runtimeConfigOf(
  props: CustomerBackendLinkProps,
  ref: (name: string, key: string) => SecretRef,
): GatewayConfig {
  const rendered = props.security.render(ref);
  const runtime = props.runtime ?? {};
  return {
    version: CONFIG_VERSION,
    name: props.customerName,
    backend: { url: props.backend.url, ...(rendered.backendTls ? { tls: rendered.backendTls } : {}) },
    security: rendered.security,
    ...(rendered.trustedSources ? { trustedSources: rendered.trustedSources } : {}),
    ...(runtime.forwarding ? { forwarding: runtime.forwarding } : {}),
    ...(runtime.timeouts ? { timeouts: runtime.timeouts } : {}),
    ...(runtime.limits ? { limits: runtime.limits } : {}),
  };
}
