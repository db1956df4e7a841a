// Pure webview logic, checked against values computed by hand (in the comments).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalEvent, StartEvent, StepEvent, TrainerEvent } from '../../protocol/events';
import { resolveRunConfig } from '../../protocol/runConfig';
import { loadColor, textColorOn, themeKindOf } from '../../webview/model/colors';
import { cellAt, cellCenter, heatmapPixels, sparklineCoordinates } from '../../webview/model/heatmap';
import {
  appendLoad,
  columnLoad,
  createLoadHistory,
  layerLoadOverTime,
  normalizeLoad,
} from '../../protocol/runModel/load';
import { runPace } from '../../protocol/runModel/pace';
import { applyEvent, createRunState, reduceEvents, type RunState } from '../../protocol/runModel/runState';

const etaSeconds = (state: RunState) => runPace(state, state.status ?? 'running').etaSeconds;
import { appendPoint, createSeries, truncateAfter } from '../../protocol/runModel/series';

const near = (actual: number[], expected: number[]) =>
  assert.ok(
    actual.length === expected.length && actual.every((a, i) => Math.abs(a - expected[i]) < 1e-12),
    `${actual} ≠ ${expected}`,
  );

test('series keeps first/min/max/last per bucket and doubles the bucket width past capacity', () => {
  const s = createSeries(8);
  [5, 1, 4, 2, 3, 9, 0, 6, 7].forEach((y, x) => appendPoint(s, x, y));
  // 9 points > 8: width 2 keeps all 9; width 4 → [0:5 1:1 3:2] [4:3 5:9 6:0 7:6] [8:7] = 8;
  // width 8 → [0:5 5:9 6:0 7:6] [8:7] = 5; width 16 → first 0:5, max 5:9, min 6:0, last 8:7 = 4 ≤ 8/2.
  assert.equal(s.width, 16);
  assert.deepEqual(s.points, [
    { x: 0, y: 5 },
    { x: 5, y: 9 },
    { x: 6, y: 0 },
    { x: 8, y: 7 },
  ]);
  appendPoint(s, 9, 10); // same bucket: first 0:5, min 6:0, max = last 9:10
  assert.deepEqual(s.points, [
    { x: 0, y: 5 },
    { x: 6, y: 0 },
    { x: 9, y: 10 },
  ]);
  appendPoint(s, 3, 1); // older step: ignored
  appendPoint(s, 10, NaN); // diverged loss: skipped
  assert.equal(s.points.length, 3);
});

test('series stays bounded over 100,000 steps and keeps the extremes', () => {
  const s = createSeries(2000);
  for (let x = 1; x <= 100_000; x++) appendPoint(s, x, x === 54_321 ? 99 : x === 777 ? -5 : Math.sin(x));
  assert.ok(s.points.length <= 2000, `${s.points.length} points`);
  assert.ok(
    s.points.some((p) => p.x === 54_321 && p.y === 99),
    'spike kept',
  );
  assert.ok(
    s.points.some((p) => p.x === 777 && p.y === -5),
    'dip kept',
  );
  assert.equal(s.points[s.points.length - 1].x, 100_000, 'latest point is the curve end');
  truncateAfter(s, 50_000);
  assert.ok(s.points[s.points.length - 1].x <= 50_000);
});

test('normalised load is c_i / mean(c)', () => {
  near(normalizeLoad([2, 6, 0, 8]), [0.5, 1.5, 0, 2]); // mean 4
  near(normalizeLoad([0, 0]), [0, 0]);
});

test('load history averages normalised load over doubling step buckets', () => {
  const h = createLoadHistory(1, 2, 8);
  for (let s = 1; s <= 9; s++) appendLoad(h, s, [[s, 10 - s]]); // mean 5: loads s/5, (10−s)/5
  // 9 columns > 8 → width 2: {1} {2,3} {4,5} {6,7} {8,9}
  assert.equal(h.width, 2);
  assert.deepEqual(
    h.columns.map((c) => [c.start, c.last, c.n]),
    [
      [0, 1, 1],
      [2, 3, 2],
      [4, 5, 2],
      [6, 7, 2],
      [8, 9, 2],
    ],
  );
  near(columnLoad(h.columns[1])[0], [0.5, 1.5]); // ((2+3)/5)/2, ((8+7)/5)/2
  const overTime = layerLoadOverTime(h, 0);
  near(overTime[0], [0.2, 0.5, 0.9, 1.3, 1.7]);
  near(overTime[1], [1.8, 1.5, 1.1, 0.7, 0.3]);
});

test('load colour scale: balanced neutral, log2 towards blue and red, clamped at 1/4 and 4', () => {
  assert.deepEqual(loadColor(1, 'light'), [247, 247, 247]);
  assert.deepEqual(loadColor(2, 'light'), [213, 136, 145]); // halfway: 247+(178−247)/2 = 212.5 → 213 …
  assert.deepEqual(loadColor(0.5, 'light'), [140, 175, 210]); // 247+(33−247)/2 = 140, 174.5 → 175, 209.5 → 210
  assert.deepEqual(loadColor(4, 'light'), [178, 24, 43]);
  assert.deepEqual(loadColor(100, 'dark'), [214, 96, 77]);
  assert.deepEqual(loadColor(0, 'dark'), [67, 147, 195]); // a dead expert is full blue
  assert.notDeepEqual(loadColor(1, 'light'), loadColor(1, 'dark'));
});

test('text colour on a background: black or white by WCAG luminance', () => {
  assert.deepEqual(textColorOn([255, 255, 0]), [0, 0, 0]);
  assert.deepEqual(textColorOn([0, 0, 128]), [255, 255, 255]);
});

test('theme kind from VS Code body classes', () => {
  assert.equal(themeKindOf(['vscode-light']), 'light');
  assert.equal(themeKindOf(['vscode-dark']), 'dark');
  assert.equal(themeKindOf(['vscode-high-contrast']), 'high-contrast');
  assert.equal(themeKindOf(['vscode-high-contrast', 'vscode-high-contrast-light']), 'high-contrast-light');
  assert.equal(themeKindOf([]), 'dark');
});

test('heatmap pixels, cell hit-testing and sparkline mapping', () => {
  const pixels = heatmapPixels(
    [
      [1, 2],
      [0, 1],
    ],
    (v) => [v * 10, 0, 0],
  );
  assert.deepEqual([...pixels], [10, 0, 0, 255, 20, 0, 0, 255, 0, 0, 0, 255, 10, 0, 0, 255]);
  assert.deepEqual(cellAt(15, 5, 40, 20, 2, 4), { row: 0, col: 1 });
  assert.deepEqual(cellAt(39.9, 19.9, 40, 20, 2, 4), { row: 1, col: 3 });
  assert.equal(cellAt(40, 5, 40, 20, 2, 4), undefined);
  assert.deepEqual(cellCenter(1, 3, 40, 20, 2, 4), { x: 35, y: 15 });
  assert.deepEqual(
    sparklineCoordinates(
      [
        { x: 0, y: 1 },
        { x: 10, y: 3 },
      ],
      104,
      24,
    ),
    [
      { x: 2, y: 22 },
      { x: 102, y: 2 },
    ],
  );
  assert.deepEqual(
    sparklineCoordinates(
      [
        { x: 0, y: 1 },
        { x: 1, y: 1 },
      ],
      10,
      20,
      0,
    ),
    [
      { x: 0, y: 10 },
      { x: 10, y: 10 },
    ],
  );
});

// Small hand-written events: two MoE layers of three experts, loss-free + aux-loss.
const config = resolveRunConfig({
  name: 'hand',
  model: { experts: 3, topK: 1 },
  training: { steps: 10, warmup: 1 },
  balancer: { methods: ['loss-free', 'aux-loss'] },
});
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const start = (step: number, ms: number): StartEvent => ({
  v: 1,
  type: 'start',
  time: at(ms),
  step,
  runName: 'hand',
  config,
  backend: { name: 'cpu', reason: 'test' },
  parameters: { total: 1, activePerToken: 1, experts: 1, routers: 1 },
  moeLayers: [0, 1],
  tokenizer: { kind: 'char', vocabSize: 10 },
  data: { sources: [], trainTokens: 1, validationTokens: 1 },
  versions: { trainer: '0', tfjs: '0', node: '0' },
  pid: 1,
});
const step = (n: number, loss: number, ms: number): StepEvent => ({
  v: 1,
  type: 'step',
  time: at(ms),
  step: n,
  loss,
  lmLoss: loss - 0.01,
  terms: { auxLoss: 0.01 },
  lr: 1e-3,
  gradNorm: 1,
  tokensPerSecond: 100,
  expertCounts: [
    [2, 2, 2],
    [6, 0, 0],
  ],
  maxVioBatch: [0, 2],
  maxVioBatchMean: 1,
  bias: [
    [0, 0.001 * n, -0.001 * n],
    [-0.001, 0.001, 0.001],
  ],
});
const evalAt = (n: number): EvalEvent => ({
  v: 1,
  type: 'eval',
  time: at(n * 1000),
  step: n,
  valLoss: 2,
  perplexity: Math.exp(2),
  expertLoad: [
    [1, 1, 1],
    [3, 0, 0],
  ],
  maxVioGlobal: [0, 2],
  maxVioGlobalMean: 1,
  expertsUsed: [3, 1],
  pes: [0.2, 0.6],
  pesMin: 0.2,
  gramDeviation: 0,
  gramDeviationPerLayer: [0, 0],
  routerEntropy: [1, 0],
  seu: [1, 0.3],
  routingSample: {
    tokens: ['a', 'b'],
    experts: [
      [[0], [2]],
      [[0], [0]],
    ],
    gates: [
      [[0.7], [0.6]],
      [[0.9], [0.8]],
    ],
  },
});

test('run state reduces events into series, load and header fields', () => {
  const events: TrainerEvent[] = [start(0, 0), step(1, 3, 0), step(2, 2.5, 1000), step(3, 2, 2000), evalAt(3)];
  const state = reduceEvents(events);
  assert.equal(state.balancer, 'loss-free+aux-loss');
  assert.equal(state.totalSteps, 10);
  assert.equal(state.layers, 2);
  assert.equal(state.experts, 3);
  assert.deepEqual(state.loss.points, [
    { x: 1, y: 3 },
    { x: 2, y: 2.5 },
    { x: 3, y: 2 },
  ]);
  assert.deepEqual(Object.keys(state.terms), ['auxLoss']);
  assert.deepEqual(
    state.maxVioBatch[1].points.map((p) => p.y),
    [2, 2, 2],
  );
  assert.deepEqual(
    state.bias[0][1].points.map((p) => p.y),
    [0.001, 0.002, 0.003],
  );
  assert.deepEqual(state.lastBias, [
    [0, 0.003, -0.003],
    [-0.001, 0.001, 0.001],
  ]);
  near(columnLoad(state.load.columns[2])[1], [3, 0, 0]); // counts 6,0,0: mean 2
  assert.deepEqual(state.expertsUsedMean.points, [{ x: 3, y: 2 }]);
  assert.deepEqual(state.pesMin.points, [{ x: 3, y: 0.2 }]);
  assert.equal(state.routing?.step, 3);
  // steps 1…3 over 2 s: 1 step/s; 7 steps left → 7 s
  assert.equal(etaSeconds(state), 7);
});

test('replayed events are skipped, a resumed start rewinds to its step', () => {
  const events: TrainerEvent[] = [start(0, 0), step(1, 3, 0), step(2, 2.5, 1000), step(3, 2, 2000), step(4, 1.8, 3000)];
  const state = reduceEvents(events);
  const again = events.map((e) => applyEvent(state, e));
  assert.deepEqual(again, [false, false, false, false, false]);
  assert.equal(state.loss.points.length, 4);
  applyEvent(state, start(2, 10_000)); // resumed from the step-2 checkpoint
  assert.deepEqual(
    state.loss.points.map((p) => p.x),
    [1, 2],
  );
  applyEvent(state, step(3, 2.2, 11_000));
  assert.deepEqual(
    state.loss.points.map((p) => p.y),
    [3, 2.5, 2.2],
  );
  applyEvent(state, {
    v: 1,
    type: 'end',
    time: at(12_000),
    step: 3,
    status: 'stopped',
    reason: 'SIGTERM',
    durationSeconds: 1,
  });
  assert.equal(state.status, 'stopped');
  assert.equal(etaSeconds(state), undefined);
});

test('a fresh run state has seen no step', () => {
  assert.equal(createRunState().step, 0);
  assert.equal(createRunState().recentSteps.length, 0);
  assert.equal(etaSeconds(createRunState()), undefined);
});
