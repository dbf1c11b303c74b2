import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppPlan, StackOutcome, formatPlanTable, planApp } from '../../../lib/terraform/plan-app';
import { PlanJson, PlanResult } from '../../../lib/terraform/harness';
import { buildProducerConsumer } from '../../support/day-two-apps';

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

describe('planApp with producerStates', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'plan-app-producer-states-'));
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('GIVEN a state file for the producer WHEN only the consumer is planned THEN it reads that state and the producer is not planned', async () => {
    // GIVEN an app whose consumer reads the producer's VPC id, and a state that holds that output
    const outdir = join(workdir, 'app');
    buildProducerConsumer(outdir, false).synth();
    const stateFile = join(workdir, 'producer.tfstate');
    const output = 'cross-stack-output-aws_vpcVpcid';
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 4,
        terraform_version: '1.11.4',
        serial: 1,
        lineage: '6f1c1a52-0d1e-4f6a-8b4e-2b8a3c9d0e1f',
        outputs: { [output]: { value: 'vpc-0a1b2c3d4e5f60718', type: 'string' } },
        resources: [],
        check_results: null,
      }),
    );
    // WHEN the consumer is planned with that state for its producer
    const plan = await planApp(outdir, {
      stacks: ['consumer'],
      producerStates: { producer: stateFile },
      parallel: 1,
    });
    // THEN only the consumer is planned, with the state's value
    expect(plan.failed).toEqual([]);
    expect(plan.outcomes.map((o) => o.stack)).toEqual(['consumer']);
    const subnet = (plan.outcomes[0].result!.plan as PlanJson).resource_changes!.find(
      (rc) => rc.type === 'aws_subnet',
    )!;
    expect((subnet.change.after as { vpc_id: string }).vpc_id).toBe('vpc-0a1b2c3d4e5f60718');
  }, 300_000);
});
