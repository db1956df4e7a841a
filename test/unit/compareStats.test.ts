/** npm run compare's statistics over seeds, by hand: mean ± sd, mean curves, steps to the baseline's loss. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { armStats, meanCurve, paperSection, seedTable, stepsToTarget } from '../../trainer/bench/compareStats';
import type { CompareRunFigures } from '../../trainer/run/summary';
import { assertClose } from './modelSupport';

const run = (
  label: string,
  seed: number,
  curve: number[],
  extra: Partial<CompareRunFigures> = {},
): CompareRunFigures => ({
  label,
  seed,
  status: 'completed',
  reason: '',
  steps: 300,
  experts: 8,
  evalCurve: curve.map((valLoss, i) => ({ step: 100 * (i + 1), valLoss })),
  valLoss: curve.at(-1),
  ...extra,
});

test('mean curve over seeds and the first step at or below a target', () => {
  const curve = meanCurve([run('a', 1, [3, 2.5, 2.2]), run('a', 2, [3.2, 2.3, 2.0])]);
  assertClose(
    curve.map((p) => p.valLoss),
    [3.1, 2.4, 2.1],
    1e-12,
  );
  assert.deepEqual(
    curve.map((p) => p.step),
    [100, 200, 300],
  );
  assert.equal(stepsToTarget(curve, 2.4), 200);
  assert.equal(stepsToTarget(curve, 2.0), undefined);
});

test('arm statistics and the table: mean ± sd per arm, steps to the baseline’s mean final val loss', () => {
  const arms = [
    // baseline: final losses 2.2 and 2.0, mean 2.1
    {
      label: 'aux-loss',
      runs: [
        run('aux-loss', 1, [3, 2.5, 2.2], { maxVioGlobal: 0.5, expertsUsed: [8, 8], tokensPerSecond: 1000 }),
        run('aux-loss', 2, [3.2, 2.3, 2.0], { maxVioGlobal: 0.7, expertsUsed: [8, 6], tokensPerSecond: 1200 }),
      ],
    },
    // mean curve 2.9, 2.1, 1.9: reaches 2.1 at step 200
    {
      label: 'simbal',
      runs: [
        run('simbal', 1, [2.8, 2.0, 1.8], { maxVioGlobal: 0.3 }),
        run('simbal', 2, [3.0, 2.2, 2.0], { maxVioGlobal: 0.3, status: 'diverged', steps: 250 }),
      ],
    },
  ];
  const [base, simbal] = armStats(arms, 'aux-loss');
  assertClose([base.valLoss!.mean, base.valLoss!.sd], [2.1, Math.SQRT2 * 0.1], 1e-12);
  assertClose([base.maxVioGlobal!.mean, base.maxVioGlobal!.sd], [0.6, Math.SQRT2 * 0.1], 1e-12);
  // experts used: mean over layers per run (8 and 7), then over seeds
  assertClose([base.expertsUsed!.mean], [7.5], 1e-12);
  assert.equal(base.stepsToBaseline, 300);
  assert.equal(simbal.stepsToBaseline, 200);
  assert.deepEqual(simbal.failures, ['seed 2: diverged at step 250']);
  const lines = seedTable([base, simbal], 8, 'aux-loss').split('\n');
  assert.equal(
    lines[0],
    "| balancer | seeds | val loss | MaxVio_global | min PES | experts used (of 8) | tokens/s | steps to aux-loss's final val loss |",
  );
  assert.equal(
    lines[2],
    '| aux-loss | 2 | 2.1000 ± 0.1414 | 0.600 ± 0.141 | – | 7.5 ± 0.7 | 1100 ± 141 | 300 of 300 |',
  );
  assert.equal(
    lines[3],
    '| simbal (seed 2: diverged at step 250) | 2 | 1.9000 ± 0.1414 | 0.300 ± 0.000 | – | – | – | 200 of 300 |',
  );
});

test("the paper's figures beside ours: mean ± sd per metric, tokensToTarget as a fraction of the budget", () => {
  const stats = armStats(
    [
      {
        label: 'aux-loss',
        runs: [
          run('aux-loss', 1, [3, 2.5, 2.2], { pesMin: 0.03 }),
          run('aux-loss', 2, [3.2, 2.3, 2.0], { pesMin: 0.05 }),
        ],
      },
      {
        label: 'simbal',
        runs: [
          run('simbal', 1, [2.8, 2.0, 1.8], { pesMin: 0.01 }),
          run('simbal', 2, [3.0, 2.2, 2.0], { pesMin: 0.01 }),
        ],
      },
    ],
    'aux-loss',
  );
  const section = paperSection(
    {
      paper: 'P 2025',
      setting: 'Small.',
      reported: [
        { arm: 'aux-loss', metric: 'pesMin', value: 0.0255, where: 'Table 4' },
        { arm: 'simbal', metric: 'tokensToTarget', value: 0.638, where: 'MoE-M' },
        { arm: 'simbal', metric: 'perplexity', value: 13.7, where: 'Table 8' },
      ],
      claims: ['SimBal is faster.'],
    },
    stats,
  );
  const lines = section.split('\n');
  // aux-loss min PES 0.03 and 0.05: mean 0.04, sd 0.0141; simbal reaches 2.1 at step 200 of 300: 0.667; e^1.9 = 6.69
  assert.ok(lines.includes('| aux-loss | pesMin | 0.0255 (Table 4) | 0.0400 ± 0.0141 |'), section);
  assert.ok(lines.includes('| simbal | tokensToTarget | 0.638 (MoE-M) | 0.667 |'), section);
  assert.ok(lines.includes('| simbal | perplexity | 13.7 (Table 8) | 6.69 |'), section);
  assert.ok(lines.includes('- SimBal is faster.'));
});
