/**
 * Plan-JSON invariants of the private-endpoint path (ResourceEndpoint, PrivateLinkEndpoint), for any planned
 * stack (a test app, the showcase, a customer stack of the multi-stack example): every endpoint of type
 * `Resource`, and every `Interface` endpoint to a customer's endpoint service (`…vpce.<region>.vpce-svc-…`),
 * has security groups that
 *  - are admitted into by separate ingress rules only, each from a security group (never a CIDR or prefix
 *    list), all from one and the same group (the customer's function), and
 *  - have no egress rule and no inline rules.
 * The function's group is recognized by reference (a group of the same plan) or by its literal id.
 * And `routeViolations` lists every route resource of a plan: a stack of endpoint customers creates none.
 */
import type { PlanJson } from '../../lib/terraform/harness';

interface ConfiguredResource {
  readonly address: string;
  readonly type: string;
  readonly expressions: Record<string, { references?: string[]; constant_value?: unknown } | undefined>;
}

interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: string[]; readonly after?: Record<string, unknown> };
}

function configured(plan: PlanJson): ConfiguredResource[] {
  const root = (plan.configuration as { root_module?: { resources?: ConfiguredResource[] } } | undefined)
    ?.root_module;
  return root?.resources ?? [];
}

/** The resource addresses an attribute of `resource` references (`aws_security_group.x.id` → `aws_security_group.x`). */
function referenced(resource: ConfiguredResource | undefined, attribute: string, type: string): string[] {
  const refs = resource?.expressions[attribute]?.references ?? [];
  return [
    ...new Set(refs.filter((r) => r.startsWith(`${type}.`)).map((r) => r.split('.').slice(0, 2).join('.'))),
  ];
}

const CUSTOMER_SERVICE = /^(cn\.)?com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-/;

/** Every way a plan's private endpoints break the invariants, one sentence each; empty when none. */
export function privateEndpointViolations(plan: PlanJson): string[] {
  const resources = configured(plan);
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const changes = (plan.resource_changes ?? []) as PlannedChange[];
  const created = changes.filter((c) => c.change.actions.includes('create'));
  const violations: string[] = [];

  const endpoints = created.filter((c) => {
    if (c.type !== 'aws_vpc_endpoint') return false;
    const after = c.change.after ?? {};
    return (
      after.vpc_endpoint_type === 'Resource' ||
      (after.vpc_endpoint_type === 'Interface' && CUSTOMER_SERVICE.test(String(after.service_name ?? '')))
    );
  });
  for (const endpoint of endpoints) {
    const groups = referenced(byAddress.get(endpoint.address), 'security_group_ids', 'aws_security_group');
    if (groups.length === 0) violations.push(`${endpoint.address} has no security group of its own`);
    for (const group of groups) {
      const config = byAddress.get(group);
      for (const inline of ['ingress', 'egress']) {
        if (config?.expressions[inline] !== undefined) violations.push(`${group} has inline ${inline} rules`);
      }
      const onGroup = (type: string) =>
        created.filter(
          (c) =>
            c.type === type &&
            referenced(byAddress.get(c.address), 'security_group_id', 'aws_security_group').includes(group),
        );
      for (const rule of onGroup('aws_vpc_security_group_egress_rule')) {
        violations.push(`${rule.address} opens egress from ${group}, an endpoint's group (it needs none)`);
      }
      const sources = new Set<string>();
      for (const rule of onGroup('aws_vpc_security_group_ingress_rule')) {
        const after = rule.change.after ?? {};
        for (const field of ['cidr_ipv4', 'cidr_ipv6', 'prefix_list_id']) {
          if (after[field] !== null && after[field] !== undefined) {
            violations.push(`${rule.address} admits ${field} ${String(after[field])} into ${group}`);
          }
        }
        const source =
          typeof after.referenced_security_group_id === 'string'
            ? after.referenced_security_group_id
            : referenced(
                byAddress.get(rule.address),
                'referenced_security_group_id',
                'aws_security_group',
              )[0];
        if (source === undefined) violations.push(`${rule.address} admits no security group into ${group}`);
        else sources.add(source);
        if (after.ip_protocol !== 'tcp') {
          violations.push(
            `${rule.address} admits protocol ${String(after.ip_protocol)} into ${group}, not tcp`,
          );
        }
      }
      if (sources.size > 1) {
        violations.push(
          `${group} admits ${sources.size} security groups (${[...sources].join(', ')}); only the customer's function may reach its endpoint`,
        );
      }
    }
  }
  return violations;
}

/** The route resources a plan creates (none on a stack of endpoint customers). */
export function routeViolations(plan: PlanJson): string[] {
  return ((plan.resource_changes ?? []) as PlannedChange[])
    .filter(
      (c) =>
        c.change.actions.includes('create') &&
        /^aws_(route|vpn_connection_route|ec2_transit_gateway_route)$/.test(c.type),
    )
    .map((c) => `${c.address} routes traffic (no route is needed on the endpoint path)`);
}
