import type { Problem } from './problems';
import { Problems } from './validation';

/**
 * A {@link Problems} collector that keeps what the shared string checks (`checkPrincipalArns`, `checkName`,
 * `checkAlarmTuning`, ...) record as structured {@link Problem}s, for pure `*-checks.ts` modules that return
 * `Problem[]`. Those checks write "`prop` rest of the sentence", the prop first, with the name they were given:
 * the prop is kept as the problem's `prop` (so `within` can prefix it with a parent's name) and the rest, value
 * included, as its message; `describeProblem` renders the same sentence. A sentence that does not start with a
 * prop is kept whole, with no prop.
 */
export class ProblemList extends Problems {
  private readonly found: Problem[] = [];

  override add(problem: string): void {
    super.add(problem);
    this.found.push(problemOfSentence(problem));
  }

  /** Adds one structured problem: `{ prop, value, message }`, value left out when it is `undefined`. */
  addProblem(prop: string, value: unknown, message: string): void {
    this.addAll([problem(prop, value, message)]);
  }

  /** Adds structured problems (from another pure check). */
  addAll(problems: readonly Problem[]): void {
    for (const p of problems) {
      super.add(p.message);
      this.found.push(p);
    }
  }

  /** Every problem recorded, in order. */
  get problems(): Problem[] {
    return [...this.found];
  }
}

/**
 * A sentence of the shared string checks ("`prop` rest") as a {@link Problem}: the exact inverse of
 * `describeProblem`, so the rendered text is unchanged.
 */
export function problemOfSentence(sentence: string): Problem {
  if (sentence.startsWith('`')) {
    const end = sentence.indexOf('`', 1);
    const prop = sentence.slice(1, end);
    if (end > 1 && /^[A-Za-z][\w.[\]]*$/.test(prop) && sentence[end + 1] === ' ') {
      return { prop, message: sentence.slice(end + 2) };
    }
  }
  return { prop: '', message: sentence };
}

/** A problem of the caller's own: `{ prop, value, message }`, value left out when it is `undefined`. */
export function problem(prop: string, value: unknown, message: string): Problem {
  return value === undefined ? { prop, message } : { prop, value, message };
}

/**
 * `problems` of a child's check with the first part of each prop renamed from the child's name to the
 * parent's (`{ sources: 'trustedSources' }`: `sources[0].cidr` becomes `trustedSources[0].cidr`), for a parent
 * that passes a prop to a child under another name. Structured: the messages are not touched.
 */
export function renamed(problems: readonly Problem[], names: Readonly<Record<string, string>>): Problem[] {
  return problems.map((p) => {
    const head = /^[^.[]*/.exec(p.prop)![0];
    const name = names[head];
    return name === undefined ? p : { ...p, prop: name + p.prop.slice(head.length) };
  });
}
