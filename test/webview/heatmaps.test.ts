// The routing heatmaps and the token routing card at scale and without a mouse, in headless Chromium
// with the real dashboard bundle: level of detail, experts by load, the layer filter, setStep, the
// keyboard cursor's announced value, the data tables; screenshots by theme go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { TrainerEvent } from '../../protocol/events';
import type { RunSnapshot } from '../../protocol/webviewMessages';
import { loadColor, type ThemeKind } from '../../webview/model/colors';
import { aggregateMatrix, cellCenter, groupBounds, orderByValue } from '../../webview/model/heatmap';
import { columnLoad } from '../../protocol/runModel/load';
import { reduceEvents } from '../../protocol/runModel/runState';
import { scaleEvents } from '../scale/scaleLog';
import { canvasPixel, canvasSize, cspViolations, frames, send, WebviewHarness } from './harness';

let harness: WebviewHarness;
before(async () => {
  mkdirSync('test-results', { recursive: true });
  harness = await WebviewHarness.start();
});
after(() => harness.stop());

// A compact (schema 2) log of 12 MoE layers × 512 experts, 400 steps, counts every 100 steps.
const EVENTS: TrainerEvent[] = [
  ...scaleEvents({ layers: 12, experts: 512, topK: 8, steps: 400, countsEvery: 100, evalEvery: 200, seed: 3 }),
];
const STATE = reduceEvents(EVENTS);
const SNAPSHOT: RunSnapshot = {
  header: {
    id: 'scale',
    name: STATE.runName,
    balancer: STATE.balancer,
    status: 'completed',
    step: STATE.step,
    totalSteps: STATE.totalSteps,
  },
  state: STATE,
};
const LATEST = columnLoad(STATE.load.columns.at(-1)!);

async function openScaleRun(options: { width?: number; theme?: string } = {}) {
  const { page, problems } = await harness.open('dashboard', {
    width: options.width ?? 1300,
    height: 1000,
    theme: options.theme,
  });
  await send(page, { type: 'snapshot', mode: 'single', runs: [SNAPSHOT] });
  await page.waitForSelector('#heatmap-load[data-drawn]');
  return { page, problems };
}

/** The colour at the centre of drawn cell (row, col) is the load colour of `value`. */
async function assertCell(
  page: Page,
  selector: string,
  rows: number,
  cols: number,
  row: number,
  col: number,
  value: number,
  theme: ThemeKind = 'dark',
) {
  const { width, height } = await canvasSize(page, selector);
  const { x, y } = cellCenter(row, col, width, height, rows, cols);
  const [r, g, b] = await canvasPixel(page, selector, x, y);
  const expected = loadColor(value, theme);
  const off = Math.max(Math.abs(r - expected[0]), Math.abs(g - expected[1]), Math.abs(b - expected[2]));
  assert.ok(
    off <= 1,
    `${selector} drawn cell (${row}, ${col}) value ${value.toFixed(3)}: got ${[r, g, b]}, expected ${expected}`,
  );
}

const drawnSize = async (page: Page, selector: string) => {
  const [rows, cols] = ((await page.locator(selector).getAttribute('data-drawn')) ?? '0x0').split('x').map(Number);
  return { rows, cols };
};

test('level of detail: 512 experts on a narrow canvas merge into pixel buckets, by max or by mean', async () => {
  const { page, problems } = await openScaleRun({ width: 500 });
  const { width } = await canvasSize(page, '#heatmap-load');
  assert.ok(width < 512, `canvas ${width} px wide`);
  const colBounds = groupBounds(512, Math.floor(width));
  const rowBounds = groupBounds(12, 12);
  const { rows, cols } = await drawnSize(page, '#heatmap-load');
  assert.deepEqual([rows, cols], [12, colBounds.length - 1]);
  const peak = aggregateMatrix(LATEST, rowBounds, colBounds, 'max');
  for (const [r, c] of [
    [0, 0],
    [5, 17],
    [11, cols - 1],
  ])
    await assertCell(page, '#heatmap-load', rows, cols, r, c, peak[r][c]);
  await page.selectOption('#heatmap-aggregate', 'mean');
  await frames(page);
  const mean = aggregateMatrix(LATEST, rowBounds, colBounds, 'mean');
  for (const [r, c] of [
    [0, 0],
    [5, 17],
    [11, cols - 1],
  ])
    await assertCell(page, '#heatmap-load', rows, cols, r, c, mean[r][c]);
  // column axis: every n-th expert is labelled, labels never closer than 40 px
  const ticks = await page
    .locator('.heatmap-card', { has: page.locator('#heatmap-load') })
    .locator('.col-axis span')
    .evaluateAll((spans) =>
      spans.map((s) => ({ text: s.textContent, left: parseFloat((s as HTMLElement).style.left) })),
    );
  assert.equal(ticks[0].text, '0');
  assert.ok(
    ticks.length >= 4 && ticks.every((t, i) => i === 0 || t.left - ticks[i - 1].left >= 40),
    JSON.stringify(ticks),
  );
  assert.deepEqual(problems, []);
  await page.close();
});

test('experts by load, the layer filter and setStep redraw the layer × expert heatmap', async () => {
  const { page, problems } = await openScaleRun();
  assert.deepEqual(await drawnSize(page, '#heatmap-load'), { rows: 12, cols: 512 });
  await page.check('#sort-by-load');
  await frames(page);
  // each layer's row now runs from its most to its least loaded expert
  const order0 = orderByValue(LATEST[0]);
  await assertCell(page, '#heatmap-load', 12, 512, 0, 0, LATEST[0][order0[0]]);
  await assertCell(page, '#heatmap-load', 12, 512, 0, 511, LATEST[0][order0[511]]);
  await page.uncheck('#sort-by-load');

  await page.fill('#layer-filter', '2-3, 9');
  await frames(page);
  assert.deepEqual(await drawnSize(page, '#heatmap-load'), { rows: 3, cols: 512 });
  assert.deepEqual(await drawnSize(page, '#heatmap-layer-stats'), { rows: 3, cols: STATE.layerStats.columns.length });
  const labels = await page
    .locator('.heatmap-card', { has: page.locator('#heatmap-load') })
    .locator('.row-labels div')
    .allTextContents();
  assert.deepEqual(labels, ['L2', 'L3', 'L9']);
  await assertCell(page, '#heatmap-load', 3, 512, 2, 100, LATEST[9][100]);
  await page.fill('#layer-filter', '40-');
  assert.match(
    (await page.locator('#layer-filter-problem').textContent()) ?? '',
    /layer 40 does not exist \(layers 0–11\)/,
  );
  assert.deepEqual(
    await drawnSize(page, '#heatmap-load'),
    { rows: 3, cols: 512 },
    'a wrong filter keeps the last good one',
  );
  await page.fill('#layer-filter', '');
  await frames(page);

  await page.evaluate(() => window.__moeLens!.setStep(150));
  await frames(page);
  assert.equal(await page.locator('.step-label').textContent(), 'step 200');
  await assertCell(page, '#heatmap-load', 12, 512, 4, 4, columnLoad(STATE.load.columns[1])[4][4]);
  // the layer × step heatmap marks the chosen step's column: step 150 is column 149 of 400
  const marker = page
    .locator('.heatmap-card', { has: page.locator('#heatmap-layer-stats') })
    .locator('.heatmap-marker');
  const { width: statsWidth } = await canvasSize(page, '#heatmap-layer-stats');
  const left = await marker.evaluate((e) => parseFloat((e as HTMLElement).style.left));
  assert.ok(Math.abs(left - (149 * statsWidth) / 400) < 0.5, `marker at ${left} px`);
  await page.evaluate(() => window.__moeLens!.setStep(undefined));
  await frames(page);
  assert.equal(await page.locator('.step-label').textContent(), 'step 400 · latest');
  assert.equal(await marker.isVisible(), false);
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

/** Presses Tab until `selector` has the focus (at most `limit` times); how many presses it took. */
async function tabTo(page: Page, selector: string, limit = 40): Promise<number> {
  for (let i = 1; i <= limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return i;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard alone reaches a heatmap cell: its value is announced and shown in the styled tooltip', async () => {
  const { page, problems } = await openScaleRun();
  await tabTo(page, '#heatmap-load');
  for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowDown'])
    await page.keyboard.press(key);
  assert.equal(await page.locator('#heatmap-load').getAttribute('data-cursor'), '2,3');
  const expected = `layer 2 (block 3), expert 3: load ${LATEST[2][3].toFixed(2)} × mean (step 400)`;
  const live = page.locator('.heatmap-card', { has: page.locator('#heatmap-load') }).locator('.heatmap-live');
  assert.equal(await live.textContent(), expected);
  assert.equal(await live.getAttribute('aria-live'), 'polite');
  assert.equal(await page.locator('#heatmap-load-tooltip').textContent(), expected);
  assert.equal(await page.locator('#heatmap-load-tooltip').isVisible(), true);
  assert.equal(await page.locator('#heatmap-load').getAttribute('title'), null, 'no native title tooltip');
  await page.keyboard.press('End');
  assert.equal(await page.locator('#heatmap-load').getAttribute('data-cursor'), '2,511');
  await page.screenshot({
    path: 'test-results/webview-heatmap-keyboard-dark.png',
    clip: { x: 0, y: 0, width: 1300, height: 1000 },
  });

  // the layer × step heatmap: the cursor names steps and the statistic
  await tabTo(page, '#heatmap-layer-stats');
  await page.keyboard.press('ArrowRight');
  const column = STATE.layerStats.columns[1];
  const statsLive = await page
    .locator('.heatmap-card', { has: page.locator('#heatmap-layer-stats') })
    .locator('.heatmap-live')
    .textContent();
  assert.match(statsLive ?? '', new RegExp(`^layer 0 \\(block 1\\), step ${column.last}: MaxVio \\d\\.\\d{3}$`));
  assert.deepEqual(problems, []);
  await page.close();
});

test('each heatmap has a data table: the Table toggle swaps the canvas for a table of the drawn values', async () => {
  const { page } = await openScaleRun();
  const cardOf = (id: string) => page.locator('.heatmap-card', { has: page.locator(`#${id}`) });
  for (const id of ['heatmap-load', 'heatmap-layer-stats', 'heatmap-load-time']) {
    const toggle = cardOf(id).locator('button.table-toggle');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator(`#${id}`).isVisible(), false, `${id}: canvas hidden`);
    assert.equal(await page.locator(`#${id}-table`).isVisible(), true, `${id}: table shown`);
  }
  // layer × expert: 12 layer rows; 512 experts in 64 columns of 8, each cell the max of its 8
  const table = page.locator('#heatmap-load-table');
  assert.equal(await table.locator('tbody tr').count(), 12);
  assert.equal(await table.locator('thead th').count(), 65);
  assert.equal(await table.locator('thead th').nth(2).textContent(), '8 – 15');
  const peak = aggregateMatrix(LATEST, groupBounds(12, 12), groupBounds(512, 64), 'max');
  assert.equal(
    await table.locator('tbody tr').nth(3).locator('td').nth(1).textContent(),
    `load ${peak[3][1].toFixed(2)} × mean (step 400)`,
  );
  assert.equal(await table.locator('tbody tr').nth(3).locator('th').textContent(), 'L3');
  assert.match((await table.locator('caption').textContent()) ?? '', /max over merged cells/);
  await cardOf('heatmap-load').locator('button.table-toggle').click();
  assert.equal(await page.locator('#heatmap-load').isVisible(), true);
  await page.close();
});

test('token routing: a legend of expert colours, tokens reached with the keyboard and described', async () => {
  const { page, problems } = await openScaleRun();
  const routing = STATE.routing!;
  const tops = [...new Set(routing.sample.experts.flatMap((perToken) => perToken.map((p) => p[0])))].sort(
    (a, b) => a - b,
  );
  // 12 layers × 14 tokens pick more than 64 different top experts: colours repeat, the legend says so
  assert.ok(tops.length > 64, `${tops.length} top experts`);
  assert.equal(await page.locator('.expert-legend li').count(), 0);
  assert.equal(
    await page.locator('.expert-legend .note').textContent(),
    `Top expert: ${tops.length} different experts in this sample; colours repeat every 64 experts (512 in all), so hover or focus a token for its experts.`,
  );
  assert.equal(await page.locator('.token[tabindex="0"]').count(), 1, 'one tab stop for all tokens');
  await tabTo(page, '.token');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const focused = page.locator('.token:focus');
  const { experts, gates, tokens } = routing.sample;
  const picks = experts[1][1].map((e, k) => `expert ${e} (gate ${gates[1][1][k].toFixed(3)})`).join(', ');
  const expected = `layer 1, token 2 ${JSON.stringify(tokens[1])}: ${picks}`;
  assert.equal(await focused.getAttribute('aria-label'), expected);
  assert.equal(await focused.getAttribute('tabindex'), '0');
  assert.equal(await page.locator('.token[tabindex="0"]').count(), 1, 'the tab stop moved with the focus');
  assert.equal(await page.locator('#token-tooltip').textContent(), expected);
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots of the heatmaps at 12 × 512 in dark, light and high-contrast themes', async () => {
  for (const theme of ['vscode-dark', 'vscode-light', 'vscode-high-contrast']) {
    const { page, problems } = await openScaleRun({ theme });
    const kind: ThemeKind = theme === 'vscode-light' ? 'light' : theme === 'vscode-dark' ? 'dark' : 'high-contrast';
    await assertCell(page, '#heatmap-load', 12, 512, 7, 300, LATEST[7][300], kind);
    // the toolbar just below the sticky run header
    await page.locator('.heatmap-toolbar').evaluate((e) => {
      const header = document.querySelector('.run-header')?.getBoundingClientRect().height ?? 0;
      window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - header - 8);
    });
    await frames(page);
    await page.screenshot({ path: `test-results/webview-heatmaps-${kind}.png` });
    assert.deepEqual(problems, []);
    await page.close();
  }
});
