import { Aspects } from 'cdktf';
import type { IConstruct } from 'constructs';
import { type PlacedProblem, type Problem, ValidationError, missingProps } from './validation';

export { describeProblem, type PlacedProblem, type Problem } from './validation';

/**
 * Prefixes every problem's prop with `at` (a parent's prop name), so a child check speaks the parent's names;
 * a problem with no prop keeps none.
 */
export function within(at: string, problems: readonly Problem[]): Problem[] {
  if (!at) return [...problems];
  return problems.map((p) => ({
    ...p,
    // A problem with no prop (one about the app, not a value the user wrote) stays as it is.
    prop: p.prop ? (p.prop.startsWith('[') ? `${at}${p.prop}` : `${at}.${p.prop}`) : '',
  }));
}

interface Register {
  readonly problems: PlacedProblem[];
  readonly reporters: Set<string>;
}

const registers = new WeakMap<IConstruct, Register>();

function registerOf(scope: IConstruct): Register {
  const root = scope.node.root;
  let register = registers.get(root);
  if (!register) {
    register = { problems: [], reporters: new Set() };
    registers.set(root, register);
  }
  return register;
}

/** Every problem reported so far in the app that holds `scope`, in the order reported. */
export function problemsOf(scope: IConstruct): readonly PlacedProblem[] {
  return [...registerOf(scope).problems];
}

/** True when the construct `scope` (or one of its children) reported problems: it built nothing, use nothing of it. */
export function hasProblems(scope: IConstruct): boolean {
  const path = scope.node.path;
  return registerOf(scope).problems.some((p) => p.path === path || p.path.startsWith(`${path}/`));
}

/** The error a synth throws: every problem of the app, grouped by construct path. */
export function appValidationError(scope: IConstruct): ValidationError {
  return ValidationError.of(registerOf(scope).problems);
}

/**
 * {@link reportProblems} for the required props that are missing (`undefined` or `null`; paths such as
 * `backend.url`, see `missingProps`): TypeScript callers can not leave them out, a JavaScript caller's omission is
 * reported with the rest of the app's problems, and the construct builds nothing.
 */
export function reportMissingProps(scope: IConstruct, props: unknown, names: readonly string[]): boolean {
  return reportProblems(scope, missingProps(props, names));
}

/**
 * Records `problems` for the construct `scope` and returns true when there are any: the construct then builds
 * nothing and returns from its constructor. Nothing is thrown here, so the rest of the app is still checked; the
 * app's synth (`app.synth()`, `cdktf synth`, `Testing.synth` with or without validations) throws one
 * {@link ValidationError} that lists every problem of the app, grouped by construct path.
 */
export function reportProblems(scope: IConstruct, problems: readonly Problem[]): boolean {
  if (problems.length === 0) return false;
  const register = registerOf(scope);
  const path = scope.node.path;
  register.problems.push(...problems.map((p) => ({ ...p, path })));
  if (!register.reporters.has(path)) {
    register.reporters.add(path);
    // Stack validations run before a stack is written (app.synth, Testing.synth(stack, true)).
    scope.node.addValidation({
      validate: () => {
        throw appValidationError(scope);
      },
    });
    // Every synth invokes aspects first, with or without validations (app.synth, Testing.synth(stack)): it fails
    // there, instead of writing a stack that silently lacks this construct's resources.
    Aspects.of(scope).add({
      visit: () => {
        throw appValidationError(scope);
      },
    });
  }
  return true;
}
