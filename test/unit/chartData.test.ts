import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  curvesToCsv,
  emaSmooth,
  exportedCurves,
  fileSlug,
  formatDistinct,
  timeAtStep,
  valueAt,
} from '../../webview/shared/chartData';

test('EMA smoothing is debiased at the start and off at weight 0', () => {
  const points = [1, 2, 3, 4].map((y, i) => ({ x: i + 1, y }));
  assert.deepEqual(emaSmooth(points, 0), points);
  const smooth = emaSmooth(points, 0.5);
  assert.equal(smooth[0].y, 1, 'the first point is its own value, not pulled to 0');
  // (0.5·0.5 + 0.5·2) / (1 − 0.25) = 1.25 / 0.75
  assert.ok(Math.abs(smooth[1].y - 1.25 / 0.75) < 1e-12);
  assert.ok(smooth[3].y < 4 && smooth[3].y > 3, 'lags behind a rising curve');
  assert.deepEqual(
    smooth.map((p) => p.x),
    [1, 2, 3, 4],
  );
});

test('a curve’s value at a step is its last point at or before it', () => {
  const evals = [
    { x: 50, y: 2.5 },
    { x: 100, y: 2.3 },
  ];
  assert.equal(valueAt(evals, 49), undefined);
  assert.deepEqual(valueAt(evals, 50), { x: 50, y: 2.5 });
  assert.deepEqual(valueAt(evals, 99), { x: 50, y: 2.5 });
  assert.deepEqual(valueAt(evals, 145), { x: 100, y: 2.3 });
});

test('CSV export: a step column, a column per curve, empty cells where a curve has no point', () => {
  const csv = curvesToCsv('step', [
    {
      label: 'train loss',
      points: [
        { x: 1, y: 3 },
        { x: 2, y: 2.5 },
      ],
    },
    { label: 'val, "eval"', points: [{ x: 2, y: 2.7 }] },
  ]);
  assert.equal(csv, 'step,train loss,"val, ""eval"""\n1,3,\n2,2.5,2.7\n');
});

test('compared figures get the digits that tell them apart', () => {
  assert.deepEqual(formatDistinct([2.5104, 2.5137, 2.4998]), ['2.510', '2.514', '2.500']);
  assert.deepEqual(formatDistinct([2.51041, 2.51049]), ['2.5104', '2.5105']);
  assert.deepEqual(formatDistinct([2.5, undefined, 2.5]), ['2.50', '–', '2.50']);
  assert.equal(fileSlug('Loss (train, val)'), 'loss-train-val');
});

test('the time of a step is interpolated between recorded steps and held at the ends', () => {
  const times = [
    { x: 1, y: 1000 },
    { x: 5, y: 3000 },
    { x: 10, y: 4000 },
  ];
  assert.equal(timeAtStep([], 3), undefined);
  assert.equal(timeAtStep(times, 0), 1000);
  assert.equal(timeAtStep(times, 3), 2000);
  assert.equal(timeAtStep(times, 7.5), 3500);
  assert.equal(timeAtStep(times, 12), 4000);
});

test('CSV export of a seed group: its mean, then the min, max and sample sd over the seeds at each step', () => {
  const seeds = [
    [
      { x: 1, y: 1 },
      { x: 2, y: 3 },
    ],
    [
      { x: 1, y: 3 },
      { x: 2, y: 7 },
    ],
  ];
  const mean = [
    { x: 1, y: 2 },
    { x: 2, y: 5 },
  ];
  const csv = curvesToCsv(
    'step',
    exportedCurves([{ label: 'aux-loss (mean of 2 seeds)', points: mean, seedCurves: seeds }]),
  );
  // sample sd of {1, 3} = √2, of {3, 7} = √8
  assert.equal(
    csv,
    [
      'step,aux-loss (mean of 2 seeds),aux-loss (mean of 2 seeds): min,aux-loss (mean of 2 seeds): max,aux-loss (mean of 2 seeds): sd',
      `1,2,1,3,${Math.SQRT2}`,
      `2,5,3,7,${Math.sqrt(8)}`,
      '',
    ].join('\n'),
  );
  const single = [{ label: 'one run', points: mean }];
  assert.deepEqual(exportedCurves(single), single, 'a curve without seeds is exported as it is');
});
