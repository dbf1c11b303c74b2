import { Token } from 'cdktf';
import type { IConstruct } from 'constructs';

/**
 * Thrown by a construct whose props are invalid. It lists every problem found, not only the first,
 * and records the path of the construct that rejected them.
 */
export class ValidationError extends Error {
  public override readonly name = 'ValidationError';

  constructor(
    /** The construct path, e.g. `example/acme/Subnets`. */
    public readonly constructPath: string,
    /** One sentence per problem; each names the prop, shows the value and states the rule. */
    public readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `${constructPath}: ${problems[0]}`
        : `${constructPath}: ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** Collects problems while a constructor checks its props, then throws them all at once. */
export class Problems {
  private readonly list: string[] = [];

  add(problem: string): void {
    this.list.push(problem);
  }

  get count(): number {
    return this.list.length;
  }

  /** Throws a {@link ValidationError} for `scope` when any problem was recorded. */
  throwIfAny(scope: IConstruct): void {
    if (this.list.length > 0) throw new ValidationError(scope.node.path, [...this.list]);
  }
}

/** True when the value is a cdktf token that only Terraform can resolve: such values are not validated. */
export function isUnresolved(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/** Formats a value for a message: strings quoted, the rest as JSON. */
export function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}
