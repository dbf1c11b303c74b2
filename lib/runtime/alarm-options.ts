import { Problems, show } from '../shared/validation';

/** How one alarm is tuned; each value left out takes the alarm's default. */
export interface AlarmTuning {
  /**
   * The value beyond which the alarm goes off.
   * @default - the alarm's own (see each alarm)
   */
  readonly threshold?: number;
  /**
   * The length of one evaluation period: 60 or a multiple of 60.
   * @default 300
   */
  readonly periodSeconds?: number;
  /**
   * How many periods in a row must breach.
   * @default 1
   */
  readonly evaluationPeriods?: number;
}

/** Records the problems of an alarm's tuning (`false`, the alarm turned off, and absence are fine). */
export function checkAlarmTuning(problems: Problems, prop: string, tuning: unknown): void {
  if (tuning === undefined || tuning === false) return;
  if (typeof tuning !== 'object' || tuning === null || Array.isArray(tuning)) {
    problems.add(
      `\`${prop}\` ${show(tuning)} must be an object ({ threshold?, periodSeconds?, evaluationPeriods? }) or false`,
    );
    return;
  }
  const { threshold, periodSeconds, evaluationPeriods } = tuning as AlarmTuning;
  if (
    threshold !== undefined &&
    (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0)
  ) {
    problems.add(`\`${prop}.threshold\` ${show(threshold)} must be a number ≥ 0`);
  }
  if (
    periodSeconds !== undefined &&
    (!Number.isInteger(periodSeconds) ||
      periodSeconds < 60 ||
      periodSeconds % 60 !== 0 ||
      periodSeconds > 86400)
  ) {
    problems.add(
      `\`${prop}.periodSeconds\` ${show(periodSeconds)} must be 60 or a multiple of 60, at most 86400`,
    );
  }
  if (
    evaluationPeriods !== undefined &&
    (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1 || evaluationPeriods > 100)
  ) {
    problems.add(
      `\`${prop}.evaluationPeriods\` ${show(evaluationPeriods)} must be a whole number from 1 to 100`,
    );
  }
  const total = (periodSeconds ?? 300) * (evaluationPeriods ?? 1);
  if (total > 86400) {
    problems.add(
      `\`${prop}\` evaluates ${total} seconds (periodSeconds × evaluationPeriods); CloudWatch evaluates at most one day`,
    );
  }
}
