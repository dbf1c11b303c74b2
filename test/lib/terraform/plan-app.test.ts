import { AppPlan, StackOutcome, formatPlanTable } from '../../../lib/terraform/plan-app';
import { PlanResult } from '../../../lib/terraform/harness';

function outcome(stack: string, seconds: number, extra: Partial<StackOutcome> = {}): StackOutcome {
  return {
    stack,
    stackDir: `/out/stacks/${stack}`,
    asProducer: false,
    seconds,
    reads: [],
    placeholders: [],
    ...extra,
  };
}

const planned = (toAdd: number, toChange = 0, toDestroy = 0) =>
  ({
    summary: { stack: 's', toAdd, toChange, toDestroy, addedByType: {}, outputs: [] },
  }) as unknown as PlanResult;

describe('formatPlanTable', () => {
  it('GIVEN planned, producer-only and failed stacks THEN one aligned table with a totals line', () => {
    const plan: AppPlan = {
      seconds: 31.25,
      failed: ['customer-globex'],
      outcomes: [
        outcome('customer-acme', 12.04, { result: planned(40, 1, 2) }),
        outcome('customer-globex', 3.5, { error: 'terraform validate failed' }),
        outcome('platform', 9.96, { asProducer: true, result: planned(118) }),
      ],
    };
    expect(formatPlanTable(plan)).toBe(
      [
        'stack            add  change  destroy  seconds  status',
        'customer-acme     40       1        2     12.0  planned',
        'customer-globex    -       -        -      3.5  FAILED',
        'platform         118       0        0     10.0  planned (read by a chosen stack)',
        '3 stacks         158       1        2     31.3  1 FAILED',
      ].join('\n'),
    );
  });

  it('GIVEN one stack THEN the totals say "1 stack", all planned', () => {
    const table = formatPlanTable({
      seconds: 2,
      failed: [],
      outcomes: [outcome('gateway', 2, { result: planned(3) })],
    });
    expect(table.split('\n').pop()).toBe('1 stack    3       0        0      2.0  all planned');
  });
});
