import { Token } from 'cdktf';
import type { IConstruct } from 'constructs';
import { Cidr, describeCidrProblem, parseCidr } from './cidr';

/**
 * Thrown by a synth (or a construct) whose props are invalid. It lists every problem found, not only the first:
 * at synth, every problem of the app, grouped by the path of the construct that reported it.
 */
export class ValidationError extends Error {
  public override readonly name = 'ValidationError';

  /** The problems with their construct paths, props and values (see `lib/shared/problems.ts`). */
  public readonly details: readonly PlacedProblem[];

  constructor(
    /** The construct path, e.g. `example/acme/Subnets` (the first one, when several constructs reported). */
    public readonly constructPath: string,
    /** One sentence per problem; each names the prop, shows the value and states the rule. */
    public readonly problems: readonly string[],
    details?: readonly PlacedProblem[],
  ) {
    super(ValidationError.format(constructPath, problems, details));
    this.details = details ?? problems.map((message) => ({ path: constructPath, prop: '', message }));
  }

  /** One error for problems reported by one or more constructs, grouped by construct path in report order. */
  static of(problems: readonly PlacedProblem[]): ValidationError {
    return new ValidationError(
      problems[0]?.path ?? '',
      problems.map((p) => describeProblem(p)),
      problems,
    );
  }

  private static format(
    constructPath: string,
    problems: readonly string[],
    details: readonly PlacedProblem[] | undefined,
  ): string {
    const paths = [...new Set((details ?? []).map((d) => d.path))];
    if (paths.length <= 1) {
      return problems.length === 1
        ? `${constructPath}: ${problems[0]}`
        : `${constructPath}: ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    }
    const groups = paths.map((path) => {
      const own = details!.filter((d) => d.path === path).map((d) => `  - ${describeProblem(d)}`);
      return `${path}:\n${own.join('\n')}`;
    });
    return `${problems.length} problems in ${paths.length} constructs:\n${groups.join('\n')}`;
  }
}

/**
 * One thing wrong with the props a user gave a construct. Prop checks are pure functions that return a list of
 * these; the construct reports them with `reportProblems` (`problems.ts`) and one synth shows every problem of
 * the app.
 */
export interface Problem {
  /** The prop as the user wrote it, from the construct's props: `vpn.tunnels[0].insideCidr`; `''` for the whole. */
  readonly prop: string;
  /** The value given, shown in the message unless {@link secret} is set; omit when there is nothing to show. */
  readonly value?: unknown;
  /** The rule broken, as the end of a sentence: `has host bits set (did you mean "10.0.0.0/16"?)`. */
  readonly message: string;
  /** True when the value may be a secret: the message never shows it. */
  readonly secret?: boolean;
}

/** A {@link Problem} with the path of the construct that reported it. */
export interface PlacedProblem extends Problem {
  /** The construct path, e.g. `platform/acme`. */
  readonly path: string;
}

/** The sentence a problem reads as: "`prop` "value" message". */
export function describeProblem(problem: Problem): string {
  const value = problem.secret || problem.value === undefined ? '' : ` ${show(problem.value)}`;
  return problem.prop ? `\`${problem.prop}\`${value} ${problem.message}` : problem.message;
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

/**
 * Parses `value` as an IPv4 CIDR block for the prop named `prop`, or records why it is not one
 * ("`prop` "value" has host bits set (did you mean …?)", "… must be an IPv4 block").
 */
export function checkIpv4Cidr(problems: Problems, prop: string, value: string): Cidr | undefined {
  const cidr = parseCidr(value);
  if (cidr && cidr.family === 4) return cidr;
  problems.add(`\`${prop}\` ${show(value)} ${cidr ? 'must be an IPv4 block' : describeCidrProblem(value)}`);
  return undefined;
}

/** Records a problem unless `value` is a 12-digit AWS account id (or a token). */
export function checkAccountId(problems: Problems, prop: string, value: string): void {
  if (!isUnresolved(value) && !/^\d{12}$/.test(value)) {
    problems.add(`\`${prop}\` ${show(value)} is not a 12-digit AWS account id`);
  }
}

/**
 * The problems of required props that are missing (`undefined` or `null`): the pure form of
 * a constructor's required props, for `*-checks.ts` modules. `names` are paths such as `backend.url`; a parent that is
 * missing is reported once, an optional parent that is absent not at all.
 */
export function missingProps(props: unknown, names: readonly string[]): Problem[] {
  if (props === undefined || props === null || typeof props !== 'object') {
    const top = names.filter((n) => !n.includes('.')).map((n) => `\`${n}\``);
    return [{ prop: '', message: `props are required (${top.join(', ')})` }];
  }
  const missing: string[] = [];
  for (const name of names) {
    const parts = name.split('.');
    let value: unknown = props;
    for (let i = 0; i < parts.length; i++) {
      value =
        value === undefined || value === null ? undefined : (value as Record<string, unknown>)[parts[i]];
      if (value === undefined || value === null) {
        const parent = parts.slice(0, i + 1).join('.');
        if ((i === parts.length - 1 || names.includes(parent)) && !missing.includes(parent))
          missing.push(parent);
        break;
      }
    }
  }
  return missing.map((prop) => ({ prop, message: 'is required' }));
}

/** An IAM principal a resource policy can name: an account root, a role or a user. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;

/** Records a problem for each entry of `arns` that is not an IAM role, user or account-root ARN. */
export function checkPrincipalArns(
  problems: Problems,
  prop: string,
  arns: readonly string[] | undefined,
): void {
  (arns ?? []).forEach((arn, i) => {
    if (isUnresolved(arn)) return;
    if (typeof arn === 'string' && arn.includes('*')) {
      problems.add(
        `\`${prop}[${i}]\` ${show(arn)} has a wildcard: it would let any matching principal read the secrets; give the ARNs of IAM roles or users`,
      );
    } else if (typeof arn !== 'string' || !PRINCIPAL_ARN.test(arn)) {
      problems.add(
        `\`${prop}[${i}]\` ${show(arn)} is not an IAM role, user or account ARN (arn:aws:iam::<account>:role/<name>)`,
      );
    }
  });
}

const IAM_PRINCIPAL_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

/**
 * Records a problem unless `value` is the ARN of an IAM role or user (or a token): what a policy's
 * `aws:PrincipalArn` condition and a KMS key policy can name. An STS session ARN and the account root are
 * refused with the reason (the root would admit every principal of the account).
 */
export function checkIamPrincipalArn(
  problems: Problems,
  prop: string,
  value: string,
  partition?: string,
): void {
  if (isUnresolved(value)) return;
  if (/^arn:[a-z-]+:sts::\d{12}:assumed-role\//.test(value)) {
    problems.add(
      `\`${prop}\` ${show(value)} is an STS session; give its role's ARN (arn:<partition>:iam::<account>:role/<path/><name>), which is what \`aws:PrincipalArn\` holds for every session of the role`,
    );
  } else if (/^arn:[a-z-]+:iam::\d{12}:root$/.test(value)) {
    problems.add(
      `\`${prop}\` ${show(value)} is the account root, which would admit every principal of the account; name the IAM role (or user)`,
    );
  } else if (!IAM_PRINCIPAL_ARN.test(value)) {
    problems.add(
      `\`${prop}\` ${show(value)} is not the ARN of an IAM role or user (arn:<partition>:iam::<account>:role/<name>)`,
    );
  } else if (partition !== undefined && value.split(':')[1] !== partition) {
    problems.add(
      `\`${prop}\` ${show(value)} is in partition ${value.split(':')[1]}, the platform in ${partition}`,
    );
  }
}
