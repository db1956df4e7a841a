// Keyboard only, in a real VS Code (issue 12): from the command palette to a heatmap cell's value.
// The workspace holds a compact (schema 2) run of 8 MoE layers × 128 experts written by the scale
// bench's synthetic trainer; the dashboard is opened, and its load heatmap reached, with keys alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { columnLoad } from '../../protocol/runModel/load';
import { reduceEvents } from '../../protocol/runModel/runState';
import { scaleEvents } from '../scale/scaleLog';
import { frameWith, runCommand, runCommandShowing, showMoeLens, vsCodeForTests, waitFor, waitForRun } from './harness';

const EVENTS = [
  ...scaleEvents({ layers: 8, experts: 128, topK: 4, steps: 300, countsEvery: 100, evalEvery: 100, seed: 5 }),
];
const STATE = reduceEvents(EVENTS);
const LATEST = columnLoad(STATE.load.columns.at(-1)!);

const session = vsCodeForTests({
  name: 'heatmap-keyboard',
  trust: true,
  files: { '.moe-runs/scale-8x128/events.jsonl': EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n' },
});

const activeIn = (frame: Frame) =>
  frame.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    return active && document.hasFocus() ? active.id || active.className : '';
  });

/** Presses Tab until the dashboard's `#heatmap-load` has the keyboard focus. */
async function tabToHeatmap(page: Page, frame: Frame): Promise<number> {
  for (let presses = 1; presses <= 60; presses++) {
    await page.keyboard.press('Tab');
    if ((await activeIn(frame)) === 'heatmap-load') return presses;
  }
  throw new Error(`Tab never reached the load heatmap (focus on "${await activeIn(frame)}")`);
}

test('keyboard alone reaches a heatmap cell and its value is announced', { timeout: 240_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await showMoeLens(page);
  await waitForRun(page, 'the compact-log run in the Runs view', (item) => item.label === 'scale-8x128');

  await runCommandShowing(page, 'MoE Lens: Open Dashboard', 'scale-8x128');
  await page.keyboard.type('scale-8x128');
  await page
    .locator('.quick-input-widget .monaco-list-row', { hasText: 'scale-8x128' })
    .first()
    .waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  const dashboard = await frameWith(page, 'canvas#heatmap-load[data-drawn]');
  assert.equal(await dashboard.getAttribute('canvas#heatmap-load', 'data-drawn'), '8x128');

  // Focus the webview from the keyboard: VS Code's "focus active editor group" puts it in the webview.
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Focus Active Editor Group');
  const presses = await tabToHeatmap(page, dashboard);
  for (const key of ['ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowRight']) await page.keyboard.press(key);
  const expected = `layer 3 (block 4), expert 2: load ${LATEST[3][2].toFixed(2)} × mean (step 300)`;
  const live = await waitFor('the cell value in the live region', async () => {
    const text = await dashboard.$eval('.heatmap-card:has(#heatmap-load) .heatmap-live', (e) => e.textContent ?? '');
    return text === expected && text;
  });
  assert.equal(live, expected);
  assert.equal(await dashboard.getAttribute('.heatmap-card:has(#heatmap-load) .heatmap-live', 'aria-live'), 'polite');
  assert.equal(
    await dashboard.$eval('#heatmap-load-tooltip', (e) => (e as HTMLElement).hidden),
    false,
    'the styled tooltip shows it too',
  );
  await vscode.screenshot('heatmap-keyboard-cell');
  console.log(`# Tab presses from the editor group to the load heatmap: ${presses}`);
});
