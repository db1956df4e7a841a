// The dashboard and routing webview bundles in headless Chromium, fed recorded trainer events through
// a stand-in for the VS Code host; screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { shortRunId } from '../../protocol/runLabels';
import { parseEventLine, type StepEvent, type TrainerEvent } from '../../protocol/events';
import type { RunHeader, RunSnapshot } from '../../protocol/webviewMessages';
import { syntheticLog } from './syntheticLog';
import { expertColor, loadColor, type ThemeKind } from '../../webview/model/colors';
import { cellCenter } from '../../webview/model/heatmap';
import { columnLoad } from '../../protocol/runModel/load';
import { formatCount } from '../../protocol/runModel/format';
import { runPace } from '../../protocol/runModel/pace';
import { reduceEvents } from '../../protocol/runModel/runState';
import { canvasPixel, canvasSize, cspViolations, frames, posted, send, WebviewHarness } from './harness';

let harness: WebviewHarness;
before(async () => {
  mkdirSync('test-results', { recursive: true });
  harness = await WebviewHarness.start();
});
after(() => harness.stop());

// A loss-free + aux-loss run of 2 MoE layers × 8 experts, 120 steps, eval every 40, finished.
const EVENTS = syntheticLog({
  steps: 120,
  layers: 2,
  experts: 8,
  methods: ['loss-free', 'aux-loss'],
  evalEvery: 40,
  finished: true,
  name: 'tiny-loss-free',
});
/** A second finished run of the same shape, shorter: what the preview dashboard switches to. */
const OTHER_RUN = syntheticLog({
  steps: 80,
  layers: 2,
  experts: 8,
  methods: ['loss-free'],
  evalEvery: 40,
  finished: true,
  name: 'other-run',
});
const STEPS = EVENTS.filter((e): e is StepEvent => e.type === 'step');

/** The header the host would send (extension/webviews/runFeed.ts runHeader), from the same run model. */
const header = (id: string, events: TrainerEvent[], status: RunHeader['status'] = 'running'): RunHeader => {
  const state = reduceEvents(events);
  return {
    id,
    name: state.runName,
    balancer: state.balancer,
    status,
    step: state.step,
    totalSteps: state.totalSteps,
    backend: state.backend,
    ...runPace(state, status),
  };
};
const snapshotOf = (id: string, events: TrainerEvent[], status?: RunHeader['status']): RunSnapshot => ({
  header: header(id, events, status),
  state: reduceEvents(events),
});

/** Reads the colour at the centre of heatmap cell (row, col) and compares it with the load scale. */
async function assertHeatmapShows(
  page: import('playwright-core').Page,
  selector: string,
  matrix: number[][],
  theme: ThemeKind,
) {
  const { width, height } = await canvasSize(page, selector);
  const rows = matrix.length;
  const cols = matrix[0].length;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const { x, y } = cellCenter(r, c, width, height, rows, cols);
      const [red, green, blue, alpha] = await canvasPixel(page, selector, x, y);
      const expected = loadColor(matrix[r][c], theme);
      const off = Math.max(Math.abs(red - expected[0]), Math.abs(green - expected[1]), Math.abs(blue - expected[2]));
      assert.ok(
        off <= 1 && alpha === 255,
        `${selector} cell (${r}, ${c}) load ${matrix[r][c].toFixed(3)}: got ${[red, green, blue]}, expected ${expected}`,
      );
    }
  }
}

test('dashboard draws a finished run: curves hold every point, heatmap pixels match the loads, no CSP violation', async () => {
  const { page, problems } = await harness.open('dashboard');
  const snapshot = snapshotOf('tiny-1', EVENTS, 'completed');
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshot] });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  const loss = await page.evaluate(() => window.__moeLens!.chartData('chart-loss')!);
  assert.deepEqual(
    loss.map((d) => d.label),
    ['train loss', 'val loss'],
  );
  assert.deepEqual(
    loss[0].points,
    STEPS.map((e) => ({ x: e.step, y: e.loss })),
  );
  assert.deepEqual(
    loss[1].points.map((p) => p.x),
    [40, 80, 120],
  );
  const maxVio = await page.evaluate(() => window.__moeLens!.chartData('chart-maxvio')!);
  assert.deepEqual(maxVio.find((d) => d.label === 'batch mean')!.points.at(-1), {
    x: 120,
    y: STEPS[119].maxVioBatchMean,
  });
  const bias = await page.evaluate(() => window.__moeLens!.chartData('chart-bias')!);
  assert.equal(bias.length, 8);
  assert.equal(bias[3].points.at(-1)!.y, STEPS[119].bias![0][3]);
  for (const id of [
    'chart-terms',
    'chart-pes',
    'chart-experts-used',
    'chart-drop-top',
    'heatmap-load-time',
    'dynamic-k',
  ]) {
    assert.ok(await page.$(`#${id}`), `#${id} is shown`);
  }
  assert.equal(await page.locator('#dynamic-k tbody tr').count(), 4);
  assert.equal(await page.locator('.run-header .status').textContent(), 'completed');
  assert.equal(await page.locator('#stop-run').isHidden(), true, 'no Stop for a finished run');

  const columns = snapshot.state.load.columns;
  await assertHeatmapShows(page, '#heatmap-load', columnLoad(columns.at(-1)!), 'dark');
  assert.match((await page.locator('.step-label').textContent()) ?? '', /step 120 · latest/);
  // token routing: the first token of layer 1 is coloured by its top expert
  const token = page.locator('.token-row').nth(1).locator('.token').first();
  const top = snapshot.state.routing!.sample.experts[1][0][0];
  const [r, g, b] = expertColor(top);
  assert.equal(await token.evaluate((e) => getComputedStyle(e).backgroundColor), `rgb(${r}, ${g}, ${b})`);
  const tops = [
    ...new Set(snapshot.state.routing!.sample.experts.flatMap((perToken) => perToken.map((p) => p[0]))),
  ].sort((a, b) => a - b);
  assert.deepEqual(
    await page.locator('.expert-legend li').allTextContents(),
    tops.map((e) => `e${e}`),
    'a legend swatch per top expert',
  );
  assert.match((await token.getAttribute('aria-label')) ?? '', new RegExp(`expert ${top} \\(gate 0\\.\\d{3}\\)`));

  await page.screenshot({ path: 'test-results/webview-dashboard-dark.png', fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('dashboard draws a log recorded from the real trainer (loss-free + SimBal, 2 MoE layers × 4 experts)', async () => {
  // recorded with: node dist/trainer.js --config <2 layers, 4 experts, 40 steps, eval every 10> --out <dir>
  const recorded = readFileSync('test/fixtures/webview/loss-free-simbal.events.jsonl', 'utf8')
    .split('\n')
    .map(parseEventLine)
    .filter((e): e is TrainerEvent => e !== undefined);
  const steps = recorded.filter((e): e is StepEvent => e.type === 'step');
  const { page, problems } = await harness.open('dashboard');
  const snapshot = snapshotOf('recorded', recorded, 'completed');
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshot] });
  await page.waitForSelector(`#chart-loss[data-points="${steps.length}"]`);
  const loss = await page.evaluate(() => window.__moeLens!.chartData('chart-loss')!);
  assert.deepEqual(
    loss[0].points,
    steps.map((e) => ({ x: e.step, y: e.loss })),
  );
  assert.deepEqual(
    loss[1].points.map((p) => p.x),
    recorded.filter((e) => e.type === 'eval').map((e) => e.step),
  );
  const terms = await page.evaluate(() => window.__moeLens!.chartData('chart-terms')!);
  assert.deepEqual(
    terms.map((t) => t.label),
    ['SimBal ‖RᵀR − I‖₁'],
  );
  await assertHeatmapShows(page, '#heatmap-load', columnLoad(snapshot.state.load.columns.at(-1)!), 'dark');
  // the last column is the last step alone: its loads are c_i / mean(c) of that step's counts
  const last = steps.at(-1)!;
  const mean = (c: number[]) => c.reduce((a, b) => a + b, 0) / c.length;
  assert.deepEqual(
    columnLoad(snapshot.state.load.columns.at(-1)!),
    last.expertCounts!.map((c) => c.map((x) => x / mean(c))),
  );
  assert.ok(await page.$('#chart-drop-top'));
  await page.screenshot({ path: 'test-results/webview-dashboard-recorded-dark.png', fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the step slider scrubs the load heatmap back and the choice is saved in the webview state', async () => {
  const { page } = await harness.open('dashboard');
  const snapshot = snapshotOf('tiny-1', EVENTS, 'completed');
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshot] });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  await page.locator('.step-slider').evaluate((s: HTMLInputElement) => {
    s.value = '10';
    s.dispatchEvent(new Event('input'));
  });
  await frames(page);
  const column = snapshot.state.load.columns[10];
  await assertHeatmapShows(page, '#heatmap-load', columnLoad(column), 'dark');
  assert.equal(await page.locator('.step-label').textContent(), `step ${column.last}`);
  const saved = await page.evaluate(
    () => (window as unknown as { __state: { loadStep?: number; runIds: string[] } }).__state,
  );
  assert.equal(saved.loadStep, column.start);
  assert.deepEqual(saved.runIds, ['tiny-1']);
  await page.close();
});

test('live appends grow the curves; Stop posts a stop message', async () => {
  const { page } = await harness.open('dashboard');
  const cut = EVENTS.findIndex((e) => e.type === 'step' && e.step === 50);
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshotOf('live-1', EVENTS.slice(0, cut + 1))] });
  await page.waitForSelector('#chart-loss[data-points="50"]');
  const live = EVENTS.slice(cut + 1).filter((e) => e.type !== 'end' && e.type !== 'analysis');
  for (let i = 0; i < live.length; i += 10) {
    // overlapping batches: the webview must not draw a replayed event twice
    await send(page, { type: 'append', runId: 'live-1', events: live.slice(Math.max(0, i - 3), i + 10) });
  }
  await page.waitForSelector('#chart-loss[data-points="120"]');
  const loss = await page.evaluate(() => window.__moeLens!.chartData('chart-loss')!);
  assert.deepEqual(
    loss[0].points,
    STEPS.map((e) => ({ x: e.step, y: e.loss })),
  );
  // the host follows its appends with the run's header: the header shows it as sent
  const liveHeader = header('live-1', EVENTS.slice(0, cut + 1).concat(live));
  await send(page, { type: 'header', header: liveHeader });
  await frames(page);
  const stats = (await page.locator('.stats').textContent()) ?? '';
  assert.match(stats, /step 120 \/ 120/);
  assert.ok(stats.includes(`${formatCount(liveHeader.tokensPerSecond!)} tokens/s`), stats);
  await page.locator('#stop-run').click();
  assert.deepEqual(
    (await posted(page)).filter((m) => (m as { type: string }).type === 'stop'),
    [{ type: 'stop', runId: 'live-1' }],
  );
  await page.close();
});

test('live appends redraw the cards in view; a card out of view is drawn up to date once scrolled to', async () => {
  const { page } = await harness.open('dashboard');
  const cut = EVENTS.findIndex((e) => e.type === 'step' && e.step === 50);
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshotOf('live-2', EVENTS.slice(0, cut + 1))] });
  await page.waitForSelector('#chart-loss[data-points="50"]');
  await frames(page);
  const below = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLCanvasElement>('canvas[id^="chart-"]')]
      .filter((canvas) => canvas.getBoundingClientRect().top > innerHeight * 1.5)
      .map((canvas) => canvas.id),
  );
  assert.ok(below.length > 0, 'the dashboard has charts further than half a screen below the view');
  // Read from the canvases: the test hooks would draw the cards first.
  const drawnPoints = () => page.evaluate((ids) => ids.map((id) => document.getElementById(id)!.dataset.points), below);
  const before = await drawnPoints();
  const live = EVENTS.slice(cut + 1).filter((e) => e.type !== 'end' && e.type !== 'analysis');
  await send(page, { type: 'append', runId: 'live-2', events: live });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  await frames(page);
  assert.deepEqual(await drawnPoints(), before, 'live appends leave the cards out of view as they were');
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await frames(page);
  const scrolled = await drawnPoints();
  assert.notDeepEqual(scrolled, before, 'scrolled to, they are drawn again');
  await page.evaluate((id) => window.__moeLens!.chartData(id), below[0]); // draws every card still out of date
  assert.deepEqual(scrolled, await drawnPoints(), 'scrolled to, they were drawn up to date');
  await page.close();
});

test('in a panel narrower than a card (three editor groups), the cards fit its width', async () => {
  const { page } = await harness.open('dashboard', { width: 330 });
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshotOf('narrow-1', EVENTS, 'completed')] });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  await frames(page);
  const overflow = await page.evaluate(() => {
    const over = (element: Element) => element.getBoundingClientRect().right > innerWidth + 0.5;
    const name = (element: Element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`;
    return {
      page: document.documentElement.scrollWidth - innerWidth,
      // the innermost elements sticking out: what to make narrower
      elements: [...document.querySelectorAll('main *')]
        .filter((e) => over(e) && ![...e.children].some(over))
        .map(name),
    };
  });
  assert.deepEqual(overflow, { page: 0, elements: [] }, 'nothing wider than the panel');
  await page.screenshot({ path: 'test-results/webview-dashboard-narrow-dark.png' });
  await page.close();
});

test('switching the theme class (dark, light, high contrast) re-colours heatmap, tokens and charts', async () => {
  const { page, problems } = await harness.open('dashboard', { theme: 'vscode-dark' });
  const snapshot = snapshotOf('tiny-1', EVENTS, 'completed');
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshot] });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  const matrix = columnLoad(snapshot.state.load.columns.at(-1)!);
  const lossColor = () =>
    page.evaluate(() => {
      const canvas = document.getElementById('chart-loss') as HTMLCanvasElement;
      return canvas.dataset.points && getComputedStyle(document.body).getPropertyValue('--vscode-charts-blue');
    });
  assert.equal(await lossColor(), '#3794ff');
  await page.evaluate(() => (document.body.className = 'vscode-light'));
  await frames(page);
  await page.waitForSelector('#chart-loss[data-points="120"]');
  await assertHeatmapShows(page, '#heatmap-load', matrix, 'light');
  const token = page.locator('.token-row').first().locator('.token').first();
  const [r, g, b] = expertColor(snapshot.state.routing!.sample.experts[0][0][0]);
  assert.equal(await token.evaluate((e) => getComputedStyle(e).backgroundColor), `rgb(${r}, ${g}, ${b})`);
  // the train-loss curve is drawn in the light theme's --vscode-charts-blue: find such a pixel
  const blue = await page.evaluate(() => {
    const canvas = document.getElementById('chart-loss') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let light = 0,
      dark = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] === 0x1a && data[i + 1] === 0x85 && data[i + 2] === 0xff) light++;
      if (data[i] === 0x37 && data[i + 1] === 0x94 && data[i + 2] === 0xff) dark++;
    }
    return { light, dark };
  });
  assert.ok(blue.light > 50 && blue.dark === 0, `loss curve pixels: ${JSON.stringify(blue)}`);
  await page.screenshot({ path: 'test-results/webview-dashboard-light.png', fullPage: true });
  await page.evaluate(() => (document.body.className = 'vscode-high-contrast'));
  await frames(page);
  await page.waitForSelector('#chart-loss[data-points="120"]');
  await assertHeatmapShows(page, '#heatmap-load', matrix, 'high-contrast');
  await page.screenshot({ path: 'test-results/webview-dashboard-high-contrast.png', fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a reloaded dashboard restores the chosen layer, step and scroll position from its saved state', async () => {
  const initialState = { runIds: ['tiny-1'], mode: 'single', layer: 1, loadStep: 30, scrollY: 700 };
  const { page } = await harness.open('dashboard', { initialState });
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshotOf('tiny-1', EVENTS, 'completed')] });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  assert.match(
    (await page
      .locator('.heatmap-card', { has: page.locator('#heatmap-load-time') })
      .locator('h2')
      .textContent()) ?? '',
    /layer 1/,
  );
  assert.equal(await page.locator('.step-label').textContent(), 'step 30');
  assert.equal(await page.locator('#layer-select').evaluate((s) => (s as HTMLSelectElement).value), '1');
  // restored to 700; the browser's scroll anchoring may then follow the content by a few pixels when the
  // custom elements above render their shadow DOM
  const scrollY = await page.evaluate(() => window.scrollY);
  assert.ok(Math.abs(scrollY - 700) <= 40, `scrollY ${scrollY}`);
  await page.close();
});

test('a snapshot of another run (the preview dashboard switched) starts at its latest step, first layer, unzoomed, at the top', async () => {
  const initialState = { runIds: ['tiny-1'], mode: 'single', layer: 1, loadStep: 30, scrollY: 700 };
  const { page } = await harness.open('dashboard', { initialState });
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshotOf('tiny-1', EVENTS, 'completed')] });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  assert.equal(await page.locator('.step-label').textContent(), 'step 30');
  await send(page, { type: 'snapshot', mode: 'single', runs: [snapshotOf('other-1', OTHER_RUN, 'completed')] });
  await page.waitForSelector('#chart-loss[data-points="80"]');
  await frames(page);
  assert.match((await page.locator('.run-header').textContent()) ?? '', /other-run/);
  assert.equal(await page.locator('#layer-select').evaluate((s) => (s as HTMLSelectElement).value), '0');
  assert.match((await page.locator('.step-label').first().textContent()) ?? '', /latest/);
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  const saved = await page.evaluate(
    () => (window as unknown as { __state: { runIds: string[]; layer: number; loadStep?: number } }).__state,
  );
  assert.deepEqual([saved.runIds, saved.layer, saved.loadStep], [['other-1'], 0, undefined]);
  await page.close();
});

test('compare mode overlays runs with a legend by run', async () => {
  const other = syntheticLog({
    steps: 80,
    layers: 2,
    experts: 8,
    methods: ['aux-loss'],
    evalEvery: 40,
    seed: 7,
    name: 'tiny-aux',
  });
  const { page, problems } = await harness.open('dashboard');
  await send(page, {
    type: 'snapshot',
    mode: 'compare',
    runs: [snapshotOf('a', EVENTS, 'completed'), snapshotOf('b', other, 'running')],
  });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  const loss = await page.evaluate(() => window.__moeLens!.chartData('chart-loss')!);
  // Runs of one config would share a name: each curve carries its run's short id.
  const [a, b] = [shortRunId('a'), shortRunId('b')];
  assert.deepEqual(
    loss.map((d) => [d.label, d.points.length]),
    [
      [`tiny-loss-free ${a}`, 120],
      [`tiny-aux ${b}`, 80],
      [`tiny-loss-free ${a} (val)`, 3],
      [`tiny-aux ${b} (val)`, 2],
    ],
  );
  const pes = await page.evaluate(() => window.__moeLens!.chartData('chart-pes')!);
  assert.deepEqual(
    pes.map((d) => d.label),
    [`tiny-loss-free ${a}`, `tiny-aux ${b}`],
  );
  assert.equal(await page.locator('.run-legend li').count(), 2);
  await page.screenshot({ path: 'test-results/webview-compare-dark.png', fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('compare mode: three seeds of one config are one mean curve with a min–max band; "Show each seed" adds their curves', async () => {
  // cmp-aux-loss over seeds 1, 2, 3 (seed 3 still running at step 100) beside a single loss-free run
  // (each seed's losses shifted by seed − 2, so the band is wide enough to find its pixels)
  const seedRun = (seed: number, lastStep: number) =>
    syntheticLog({ steps: 120, methods: ['aux-loss'], evalEvery: 40, seed, name: `cmp-aux-loss-s${seed}` })
      .filter((e) => e.type === 'start' || !('step' in e) || e.step <= lastStep)
      .map((e): TrainerEvent => {
        const shift = seed - 2;
        if (e.type === 'step') return { ...e, loss: e.loss + shift, lmLoss: e.lmLoss + shift };
        return e.type === 'eval' ? { ...e, valLoss: e.valLoss + shift } : e;
      });
  const seeds = [seedRun(1, 120), seedRun(2, 120), seedRun(3, 100)];
  const { page, problems } = await harness.open('dashboard', { initialState: { charts: { smoothing: 0 } } });
  await send(page, {
    type: 'snapshot',
    mode: 'compare',
    runs: [
      snapshotOf('s1', seeds[0], 'completed'),
      snapshotOf('lf', EVENTS, 'completed'),
      snapshotOf('s2', seeds[1], 'completed'),
      snapshotOf('s3', seeds[2], 'running'),
    ],
  });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  const group = 'cmp-aux-loss (mean of 3 seeds, band min–max)';
  const lf = `tiny-loss-free ${shortRunId('lf')}`;
  const loss = await page.evaluate(() => window.__moeLens!.chartData('chart-loss')!);
  assert.deepEqual(
    loss.map((d) => d.label),
    [group, lf, `${group} (val)`, `${lf} (val)`],
  );
  // the mean of the seeds that reached each step: three up to step 100, two after
  const states = seeds.map((events) => reduceEvents(events));
  const lossAt = (i: number, step: number) => states[i].loss.points.find((p) => p.x === step)?.y;
  const mean = loss[0].points;
  assert.equal(mean.length, 120);
  for (const { x, y } of mean) {
    const values = [0, 1, 2].map((i) => lossAt(i, x)).filter((v) => v !== undefined);
    assert.equal(values.length, x <= 100 ? 3 : 2);
    assert.ok(Math.abs(y - values.reduce((a, b) => a + b, 0) / values.length) < 1e-12, `mean at step ${x}`);
  }
  // the band: a dataset filled down to the min dataset, from the min to the max over the seeds at each step
  const state = await page.evaluate(() => window.__moeLens!.chartState('chart-loss')!);
  assert.deepEqual(
    state.bands.map((b) => b.label),
    [`${group} (max)`, `${group} (val) (max)`],
  );
  const valAt = (i: number, step: number) => states[i].valLoss.points.find((p) => p.x === step)?.y;
  const valBand = state.bands[1];
  assert.deepEqual(
    valBand.lower.map((p) => p.x),
    [40, 80, 120],
  );
  for (const [k, step] of [40, 80, 120].entries()) {
    const values = [0, 1, 2].map((i) => valAt(i, step)).filter((v) => v !== undefined);
    assert.equal(valBand.lower[k].y, Math.min(...values));
    assert.equal(valBand.upper[k].y, Math.max(...values));
  }
  await page.screenshot({ path: 'test-results/webview-compare-seed-band.png', fullPage: true });
  // pixels: inside the loss band, away from every curve, the canvas shows the group's colour at the band's opacity
  const [r, g, b, alpha] = /rgba\((\d+), (\d+), (\d+), ([\d.]+)\)/.exec(state.bands[0].color)!.slice(1).map(Number);
  assert.equal(alpha, 0.2);
  const lfLoss = reduceEvents(EVENTS).loss.points;
  let checked = 0;
  for (let k = 10; k < 100 && checked < 3; k += 7) {
    const { x, y: lo } = state.bands[0].lower[k];
    const hi = state.bands[0].upper[k].y;
    const at = (y: number) => page.evaluate(([px, py]) => window.__moeLens!.chartPixel('chart-loss', px, py)!, [x, y]);
    const [pLo, pHi, pMean, pOther] = await Promise.all([lo, hi, mean[k].y, lfLoss.find((p) => p.x === x)!.y].map(at));
    // the middle of the wider gap between a bound and the mean curve
    const [from, to] = pLo.top - pMean.top > pMean.top - pHi.top ? [pMean.top, pLo.top] : [pHi.top, pMean.top];
    const top = (from + to) / 2;
    if (to - from < 8 || Math.abs(pOther.top - top) < 4) continue;
    // five pixels down the middle of the gap: a horizontal grid line may cross one of them
    const pixels = await Promise.all(
      [-2, -1, 0, 1, 2].map((dy) => canvasPixel(page, '#chart-loss', pLo.left, top + dy)),
    );
    const isBand = (p: number[]) =>
      Math.max(Math.abs(p[0] - r), Math.abs(p[1] - g), Math.abs(p[2] - b)) <= 3 && p[3] >= 40 && p[3] <= 100;
    assert.ok(
      pixels.some(isBand),
      `step ${x}, ${top.toFixed(1)} px: ${pixels.join(' / ')}: none is the band's rgba(${r}, ${g}, ${b}, 0.2)`,
    );
    checked++;
  }
  assert.ok(checked > 0, 'no step with room to check a band pixel');
  await page.click('#show-seeds');
  const shown = await page.evaluate(() => window.__moeLens!.chartData('chart-loss')!);
  assert.deepEqual(
    shown.map((d) => [d.label, d.points.length]),
    [
      [group, 120],
      [`cmp-aux-loss-s1 ${shortRunId('s1')} seed 1`, 120],
      [`cmp-aux-loss-s2 ${shortRunId('s2')} seed 2`, 120],
      [`cmp-aux-loss-s3 ${shortRunId('s3')} seed 3`, 100],
      [lf, 120],
      [`${group} (val)`, 3],
      [`cmp-aux-loss-s1 ${shortRunId('s1')} seed 1 (val)`, 3],
      [`cmp-aux-loss-s2 ${shortRunId('s2')} seed 2 (val)`, 3],
      [`cmp-aux-loss-s3 ${shortRunId('s3')} seed 3 (val)`, 2],
      [`${lf} (val)`, 3],
    ],
  );
  await page.screenshot({ path: 'test-results/webview-compare-seeds-shown.png', fullPage: true });
  // on the time-since-start axis the band sits at the seeds' mean time of each step (here 250 ms a step each)
  await page.selectOption('#x-axis', 'relative');
  await frames(page);
  const timed = await page.evaluate(() => window.__moeLens!.chartState('chart-loss')!);
  const timedBand = timed.bands[0];
  assert.deepEqual([timedBand.lower[0].x, timedBand.upper.at(-1)!.x], [0.25, 30]);
  assert.deepEqual(timedBand.lower[9].y, state.bands[0].lower[9].y);
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test("compare mode's time axes place each run on its own clock: relative from each run's start, wall at its times", async () => {
  // Run a: 120 steps at 250 ms from 10:00; run b: 80 steps at 1 s from 12:00 (two hours later, slower).
  const startA = Date.UTC(2026, 0, 1, 10);
  const startB = Date.UTC(2026, 0, 1, 12);
  const a = syntheticLog({ steps: 120, evalEvery: 40, startTime: startA, msPerStep: 250, name: 'fast' });
  const b = syntheticLog({ steps: 80, evalEvery: 40, startTime: startB, msPerStep: 1000, seed: 7, name: 'slow' });
  const { page, problems } = await harness.open('dashboard');
  await send(page, { type: 'snapshot', mode: 'compare', runs: [snapshotOf('a', a), snapshotOf('b', b)] });
  await page.waitForSelector('#chart-loss[data-points="120"]');
  const state = () => page.evaluate(() => window.__moeLens!.chartState('chart-loss')!);
  const extent = (s: Awaited<ReturnType<typeof state>>, label: string) => s.xExtents[s.datasets.indexOf(label)];
  const [idA, idB] = [shortRunId('a'), shortRunId('b')];
  assert.ok(await page.isEnabled('#x-axis option[value="relative"]'), 'the time axes are offered in compare mode');

  await page.selectOption('#x-axis', 'relative');
  await frames(page);
  let s = await state();
  assert.equal(s.xTitle, "time since each run's start");
  // Steps at their run's seconds since start: a's 120 steps in 30 s, b's 80 in 80 s, both from 0.
  assert.deepEqual(extent(s, `fast ${idA}`), [0.25, 30]);
  assert.deepEqual(extent(s, `slow ${idB}`), [1, 80]);
  assert.deepEqual(extent(s, `fast ${idA} (val)`), [10, 30]);
  assert.deepEqual(extent(s, `slow ${idB} (val)`), [40, 80]);
  assert.deepEqual([s.xMin, s.xMax], [0, 80]);
  assert.ok(
    s.xTicks.length > 2 && s.xTicks.every((t) => /^(\d+s|\d+:\d\d)$/.test(t)),
    `relative ticks: ${s.xTicks.join(' ')}`,
  );
  // The tooltip at the middle of the chart names the time and lists both runs.
  const box = (await page.locator('#chart-loss').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await frames(page);
  const tooltip = await page.locator('.chart-tooltip:visible').first().innerText();
  assert.match(tooltip, /since start/);
  assert.match(tooltip, new RegExp(`slow ${idB}`));
  // A zoom is in seconds; switching the axis resets it.
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await frames(page);
  s = await state();
  assert.ok(s.xMin > 0 && s.xMax < 80 && s.xMax - s.xMin > 5, `zoomed to ${s.xMin}–${s.xMax} s`);
  await page.screenshot({ path: 'test-results/webview-compare-relative-time.png' });

  await page.selectOption('#x-axis', 'wall');
  await frames(page);
  s = await state();
  assert.equal(s.xTitle, 'wall-clock time');
  assert.deepEqual(extent(s, `fast ${idA}`), [startA + 250, startA + 120 * 250]);
  assert.deepEqual(extent(s, `slow ${idB}`), [startB + 1000, startB + 80 * 1000]);
  assert.deepEqual(
    [s.xMin, s.xMax],
    [startA, startB + 80 * 1000],
    'the zoom was reset: from the first start to the last step',
  );
  assert.ok(
    s.xTicks.every((t) => /^\d\d:\d\d:\d\d$/.test(t)),
    `wall ticks: ${s.xTicks.join(' ')}`,
  );

  await page.selectOption('#x-axis', 'step');
  await frames(page);
  s = await state();
  assert.deepEqual(extent(s, `slow ${idB}`), [1, 80]);
  assert.deepEqual([s.xMin, s.xMax, s.xTitle], [0, 120, 'step']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('routing view: current heatmap, MaxVio sparkline, bias bars; a click asks for the dashboard', async () => {
  for (const theme of ['vscode-dark', 'vscode-light'] as const) {
    const { page, problems } = await harness.open('routing', { theme, width: 300, height: 500 });
    await send(page, { type: 'snapshot', mode: 'routing', runs: [], emptyMessage: 'No run selected.' });
    await frames(page);
    assert.equal(await page.locator('.empty').textContent(), 'No run selected.');
    const cut = EVENTS.findIndex((e) => e.type === 'step' && e.step === 60);
    const snapshot = snapshotOf('live-2', EVENTS.slice(0, cut + 1));
    await send(page, { type: 'snapshot', mode: 'routing', runs: [snapshot] });
    await send(page, { type: 'append', runId: 'live-2', events: EVENTS.slice(cut + 1, cut + 6) });
    await frames(page);
    const state = reduceEvents(EVENTS.slice(0, cut + 6));
    await assertHeatmapShows(
      page,
      '#routing-heatmap',
      columnLoad(state.load.columns.at(-1)!),
      theme === 'vscode-dark' ? 'dark' : 'light',
    );
    assert.equal(await page.locator('.bias-bars').count(), 2);
    const spark = await canvasPixel(page, '#routing-maxvio', 0, 0);
    assert.equal(spark.length, 4);
    await page.locator('#routing-heatmap').click();
    assert.deepEqual(
      (await posted(page)).filter((m) => (m as { type: string }).type === 'openDashboard'),
      [{ type: 'openDashboard', runId: 'live-2' }],
    );
    await page.screenshot({ path: `test-results/webview-routing-${theme.replace('vscode-', '')}.png` });
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  }
});
