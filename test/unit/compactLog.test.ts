// The compact event log (schema v2): per-layer load summaries on every step, full counts every N steps,
// read next to v1 logs; the bounded layer × step history the run model builds from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEventLine, type StepEvent } from '../../protocol/events';
import { carriesCounts, countsEveryFor, loadStatsOf } from '../../protocol/loadStats';
import { columnIndexAt } from '../../protocol/runModel/buckets';
import { parseLayerFilter } from '../../webview/model/layerFilter';
import {
  appendLayerStats,
  createLayerStatHistory,
  layerStatMatrix,
  layerStatValues,
} from '../../protocol/runModel/layerStats';
import { columnLoad } from '../../protocol/runModel/load';
import { applyEvent, createRunState } from '../../protocol/runModel/runState';
import { syntheticLog } from '../webview/syntheticLog';

const near = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

test('loadStatsOf: min, max, mean, CV and dead fraction per layer, by hand', () => {
  const stats = loadStatsOf([
    [0, 2, 4, 6],
    [3, 3, 3, 3],
  ]);
  assert.deepEqual(stats.min, [0, 3]);
  assert.deepEqual(stats.max, [6, 3]);
  assert.deepEqual(stats.mean, [3, 3]);
  // population std of 0,2,4,6 = √5; CV = √5 / 3 to 5 significant digits
  assert.equal(stats.cv[0], 0.74536);
  assert.equal(stats.cv[1], 0);
  assert.deepEqual(stats.deadFraction, [0.25, 0]);
  // MaxVio 6/3 − 1 = 1, lowest load 0 of layer 0; layer 1 balanced
  assert.deepEqual(layerStatValues(stats, undefined), [
    [1, 0],
    [0.74536, 0],
    [0.25, 0],
    [0, 1],
  ]);
});

test('countsEvery: full counts up to 4,096 layer × expert cells, then every 100 steps and the last', () => {
  assert.equal(countsEveryFor(8, 512), 1);
  assert.equal(countsEveryFor(64, 512), 100);
  assert.ok(carriesCounts(200, 100, 1000) && carriesCounts(999, 100, 999) && !carriesCounts(201, 100, 1000));
});

const base = {
  time: '2026-01-01T00:00:00Z',
  type: 'step',
  step: 3,
  loss: 1,
  lmLoss: 1,
  terms: {},
  lr: 1,
  gradNorm: 1,
  tokensPerSecond: 1,
  maxVioBatch: [0],
  maxVioBatchMean: 0,
};
const stats = { min: [1], max: [1], mean: [1], cv: [0], deadFraction: [0] };

test('parseEventLine: v1 steps need expertCounts, v2 steps need loadStats and may omit the counts', () => {
  assert.throws(
    () => parseEventLine(JSON.stringify({ ...base, v: 1 })),
    /^EventFieldError: step event: expertCounts: expected a list \(required in schema version 1\), got nothing$/,
  );
  assert.throws(
    () => parseEventLine(JSON.stringify({ ...base, v: 2, expertCounts: [[1]] })),
    /^EventFieldError: step event: loadStats: expected an object \(required in schema version 2\), got nothing$/,
  );
  assert.throws(
    () => parseEventLine(JSON.stringify({ ...base, v: 2, loadStats: { ...stats, cv: undefined } })),
    /^EventFieldError: step event: loadStats\.cv: expected a list, got nothing$/,
  );
  assert.equal(parseEventLine(JSON.stringify({ ...base, v: 2, loadStats: stats }))?.type, 'step');
  assert.equal(parseEventLine(JSON.stringify({ ...base, v: 1, expertCounts: [[1]] }))?.type, 'step');
});

test('run model: a v2 compact log fills the layer × step history every step and the load history only at count steps', () => {
  const v1 = syntheticLog({ steps: 40, layers: 2, experts: 4, methods: ['loss-free'], evalEvery: 20 });
  const state = createRunState();
  const countsEvery = 10;
  for (const event of v1) {
    if (event.type === 'start') applyEvent(state, { ...event, v: 2, countsEvery });
    else if (event.type === 'step') {
      const compact: StepEvent = { ...event, v: 2, loadStats: loadStatsOf(event.expertCounts!) };
      if (!carriesCounts(event.step, countsEvery, 40)) {
        delete compact.expertCounts;
        delete compact.bias;
      }
      applyEvent(state, compact);
    } else applyEvent(state, event);
  }
  assert.equal(state.countsEvery, 10);
  assert.equal(state.step, 40);
  assert.deepEqual(
    state.load.columns.map((c) => c.last),
    [10, 20, 30, 40],
  );
  const step20 = v1.find((e): e is StepEvent => e.type === 'step' && e.step === 20)!;
  const mean = (c: number[]) => c.reduce((a, b) => a + b, 0) / c.length;
  const expected = step20.expertCounts!.map((c) => c.map((x) => x / mean(c)));
  columnLoad(state.load.columns[1]).forEach((row, l) => row.forEach((v, e) => near(v, expected[l][e])));
  // every step reaches the layer × step history: 40 one-step columns, MaxVio as the trainer reported it
  assert.equal(state.layerStats.columns.length, 40);
  const maxVio = layerStatMatrix(state.layerStats, 'maxVio', 'mean');
  assert.equal(maxVio[1][19], step20.maxVioBatch[1]);
  assert.equal(state.bias[0][0].points.length, 4, 'bias only at the count steps');
});

test('layer × step history: bounded columns, bucket mean and worst value, lookup by step', () => {
  const history = createLayerStatHistory(1, 64);
  for (let step = 1; step <= 1000; step++) {
    const spike = step === 500 ? 9 : 1;
    appendLayerStats(history, step, [[spike], [0.5], [0], [step === 700 ? 0.1 : 0.8]]);
  }
  assert.ok(history.columns.length <= 64, `${history.columns.length} columns`);
  const steps = history.columns.reduce((n, c) => n + c.n, 0);
  assert.equal(steps, 1000);
  const at500 = columnIndexAt(history, 500);
  const column = history.columns[at500];
  assert.ok(column.start <= 500 && column.last >= 500);
  assert.equal(layerStatMatrix(history, 'maxVio', 'worst')[0][at500], 9, 'the spike survives as the worst value');
  near(layerStatMatrix(history, 'maxVio', 'mean')[0][at500], (column.n - 1 + 9) / column.n);
  assert.equal(
    layerStatMatrix(history, 'minLoad', 'worst')[0][columnIndexAt(history, 700)],
    0.1,
    'lowest load: lower is worse',
  );
  assert.equal(columnIndexAt(history, undefined), history.columns.length - 1);
  assert.equal(columnIndexAt(history, 5000), history.columns.length - 1);
});

test('the log validator accepts the synthetic compact log and names wrong summaries and missing counts', async () => {
  const { EventLogChecker } = await import('../../protocol/eventLogCheck');
  const { scaleEvents } = await import('../scale/scaleLog');
  const lines = [
    ...scaleEvents({ layers: 3, experts: 64, topK: 4, steps: 120, countsEvery: 50, evalEvery: 60, seed: 1 }),
  ].map((e) => JSON.stringify(e));
  const check = (text: string[]) => {
    const checker = new EventLogChecker();
    text.forEach((line, i) => checker.line(i + 1, line));
    return checker.finish().map((p) => `${p.line}: ${p.field}: ${p.expected}`);
  };
  assert.deepEqual(check(lines), []);
  // line 51 is step 50, a counts step: its summaries must match its counts
  const step50 = JSON.parse(lines[50]) as StepEvent;
  assert.equal(step50.step, 50);
  step50.loadStats!.cv[1] = 0.5;
  const withoutCounts = { ...step50, expertCounts: undefined, bias: undefined };
  assert.deepEqual(
    check([...lines.slice(0, 50), JSON.stringify(step50)]).map((p) => p.replace(/\d\.\d+ \(/, 'x (')),
    ['51: loadStats.cv[1]: x (from expertCounts), got 0.5'],
  );
  assert.deepEqual(check([...lines.slice(0, 50), JSON.stringify(withoutCounts)]), [
    '51: expertCounts: counts on every step that is a multiple of start.countsEvery (50)',
  ]);
});

test('layer filter: lists and ranges, open ends, errors that name the problem', () => {
  assert.deepEqual(parseLayerFilter('', 4).layers, [0, 1, 2, 3]);
  assert.deepEqual(parseLayerFilter('3, 0-1', 12).layers, [0, 1, 3]);
  assert.deepEqual(parseLayerFilter('9-', 12).layers, [9, 10, 11]);
  assert.deepEqual(parseLayerFilter('-1', 12).layers, [0, 1]);
  assert.equal(parseLayerFilter('40-', 12).error, 'layer 40 does not exist (layers 0–11)');
  assert.equal(parseLayerFilter('5-2', 12).error, '"5-2": the range runs backwards');
  assert.equal(parseLayerFilter('a', 12).error, '"a" is not a layer or a range like 0-7');
});

test('numeric axis ticks: round steps, at the column holding them, never crowded', async () => {
  const { numericTicks, niceStep } = await import('../../webview/model/heatmap');
  assert.deepEqual([niceStep(0.3), niceStep(7), niceStep(13), niceStep(4100)], [0.5, 10, 20, 5000]);
  // 400 one-step columns starting at step 1 on 400 px: every 50 steps (48 px apart at least)
  const steps = Array.from({ length: 400 }, (_, i) => i + 1);
  const ticks = numericTicks(steps, 400);
  assert.deepEqual(ticks.slice(0, 3), [
    { col: 49, value: 50 },
    { col: 99, value: 100 },
    { col: 149, value: 150 },
  ]);
  // buckets of 64 steps: step 500 is in the column starting at 448
  const buckets = Array.from({ length: 32 }, (_, i) => i * 64);
  assert.deepEqual(numericTicks(buckets, 320, 48)[0], { col: 0, value: 0 });
  assert.ok(numericTicks(buckets, 320, 48).some((t) => t.value === 500 && buckets[t.col] === 448));
});
