/**
 * Terraform output values for the handoff, from a plan (values known before apply; the rest marked unknown)
 * or from `terraform output -json` after a real apply.
 */

/** Marks a value Terraform will only know after apply. */
export const UNKNOWN = Symbol('known after apply');
export type OutputValue = unknown;

export interface OutputSource {
  /** Where the values come from, for the document's header. */
  readonly description: string;
  /** The output's value, with UNKNOWN in place of parts known only after apply; undefined when absent. */
  get(name: string): OutputValue | undefined;
  readonly names: readonly string[];
}

interface PlanOutputChange {
  after?: unknown;
  after_unknown?: unknown;
}

/** Puts UNKNOWN where `unknown` says a part is unknown. */
function mergeUnknown(after: unknown, unknown: unknown): unknown {
  if (unknown === true) return UNKNOWN;
  if (Array.isArray(unknown)) {
    const list = Array.isArray(after) ? after : [];
    return unknown.map((u, i) => mergeUnknown(list[i], u));
  }
  if (unknown && typeof unknown === 'object') {
    const base = after && typeof after === 'object' ? (after as Record<string, unknown>) : {};
    const keys = new Set([...Object.keys(base), ...Object.keys(unknown)]);
    return Object.fromEntries(
      [...keys].map((k) => [k, mergeUnknown(base[k], (unknown as Record<string, unknown>)[k])]),
    );
  }
  return after;
}

export function outputsFromPlan(plan: { output_changes?: Record<string, PlanOutputChange> }): OutputSource {
  const changes = plan.output_changes ?? {};
  return {
    description: 'the offline plan (values marked "known after apply" appear once the stack is deployed)',
    names: Object.keys(changes).sort(),
    get: (name) => {
      const change = changes[name];
      return change ? mergeUnknown(change.after, change.after_unknown) : undefined;
    },
  };
}

export function outputsFromTerraform(
  json: Record<string, { value: unknown; sensitive?: boolean }>,
): OutputSource {
  return {
    description: '`terraform output -json` of the deployed stack',
    names: Object.keys(json).sort(),
    get: (name) => (json[name]?.sensitive ? undefined : json[name]?.value),
  };
}
