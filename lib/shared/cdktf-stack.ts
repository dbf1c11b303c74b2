/**
 * backend-link's constructs are cdktf 0.21 constructs. CDK Terrain (`cdktn`), cdktf's community
 * continuation, marks its stacks with the same symbol as cdktf, so a backend-link construct placed in a
 * `cdktn` stack type-checks and is found by cdktf's `TerraformStack.of`, and synth then fails deep inside
 * cdktn (`e._resetResolveDiscoveredProviderFeatureUsage is not a function`), naming no backend-link
 * construct. This check fails at construction instead, naming the stack and what works.
 */
import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { ValidationError } from './validation';

/** The symbol cdktf (and cdktn) mark stacks with. */
const STACK_SYMBOL = Symbol.for('cdktf/TerraformStack');
/** jsii's run-time type information: `{ fqn: 'cdktf.TerraformStack' }` on every jsii class. */
const JSII_RTTI = Symbol.for('jsii.rtti');

/** The class name of a stack the way jsii knows it (`cdktn.TerraformStack`), else its constructor's name. */
function describeClass(value: object): string {
  const type = (value as { constructor?: { name?: string } }).constructor;
  let fqn: string | undefined;
  for (let c = type as { [JSII_RTTI]?: { fqn?: string } } | undefined; c && !fqn;) {
    fqn = c[JSII_RTTI]?.fqn;
    c = Object.getPrototypeOf(c) as typeof c;
  }
  return fqn ?? type?.name ?? 'an unknown class';
}

/**
 * Throws a ValidationError when `scope`'s stack is a stack, but not one of the cdktf this package loads
 * (cdktf 0.21): a `cdktn` stack, or a stack of another cdktf copy. A scope outside any stack is left to
 * cdktf's own error.
 */
export function requireCdktfStack(scope: IConstruct): void {
  const stack = [...scope.node.scopes]
    .reverse()
    .find((s) => s !== scope && (s as unknown as Record<symbol, unknown>)[STACK_SYMBOL] === true);
  if (stack === undefined || stack instanceof TerraformStack) return;
  const found = describeClass(stack);
  const library = found.includes('.') ? found.split('.')[0] : 'another library';
  throw new ValidationError(scope.node.path, [
    `the stack "${stack.node.path}" is a ${found} (${library}), not a cdktf 0.21 TerraformStack: ` +
      'backend-link constructs are cdktf 0.21 constructs and do not synthesize in a CDK Terrain (cdktn) app yet. ' +
      'What works: a cdktf 0.21 app (cdktf ~0.21.0, @cdktf/provider-aws 20.1.0 || ^21.22.1, its stacks from cdktf) ' +
      'driven by the cdktn CLI (cdktn synth, cdktn deploy). Not yet: stacks, apps or providers from the cdktn library ' +
      'or @cdktn/provider-aws.',
  ]);
}
