// The webviews in a real VS Code (issues 4, 12): Start Run opens the dashboard beside its config by
// itself, titled with the run's start time and short id; it shows a loss curve that grows and a drawn
// expert-load heatmap; every click on the status bar item opens it, as does a double-click in the
// Runs tree; the Routing side panel shows the running run's heatmap; after "Developer: Reload Window"
// the dashboard comes back.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Frame, Locator, Page } from 'playwright-core';
import {
  drawnPixels,
  frameWith,
  parseRunDescription,
  resultsDir,
  runCommand,
  showMoeLens,
  startRunFromPalette,
  tinyVariant,
  vsCodeForTests,
  waitFor,
  waitForNotification,
  waitForRun,
} from './harness';

const session = vsCodeForTests({
  name: 'dashboard',
  trust: true,
  // Trains through the whole file (closing VS Code stops it), with two MoE layers for the heatmaps.
  files: {
    'watch.moe.json': tinyVariant('watch', {
      model: { layers: 2, dModel: 32, seqLen: 32, expertHidden: 32 },
      training: { steps: 100_000, batchSize: 8, evalEvery: 25, checkpointEvery: 0 },
    }),
  },
});

/** Figures for `npm run bench:webview` and the report: written to test-results/timings-dashboard.json. */
const timings: Record<string, number> = {};
after(() => writeFileSync(join(resultsDir, 'timings-dashboard.json'), JSON.stringify(timings, null, 2) + '\n'));

/** Closes the tab matching `tab` if it is open (its close button), and waits until it is gone. */
async function closeTab(page: Page, tab: Locator): Promise<void> {
  if ((await tab.count()) === 0) return;
  await tab.first().hover();
  await tab.first().locator('.tab-actions .action-label').click();
  await tab.first().waitFor({ state: 'detached', timeout: 10_000 });
}

const lossPoints = async (frame: Frame) => Number(await frame.getAttribute('canvas#chart-loss', 'data-points'));

test('Start Run opens the dashboard beside the config by itself, titled with the start time and short id', { timeout: 240_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await showMoeLens(page);
  await startRunFromPalette(page, 'watch.moe.json', 'loss-free');
  const pressed = Date.now();
  // No Open Dashboard command: the dashboard comes by itself.
  const dashboard = await frameWith(page, 'canvas#chart-loss');
  const first = await waitFor('loss points on the chart', async () => (await lossPoints(dashboard)) > 0 && lossPoints(dashboard), { intervalMs: 50 });
  timings.firstLossPointMs = Date.now() - pressed;
  const toast = await waitForNotification(page, 'starting watch');
  assert.match(toast, /Open Dashboard/, `the start toast offers the dashboard: ${toast}`);

  // Beside the config: two editor groups, the config in the first, the dashboard in the second,
  // its tab titled with the run's start time and short id, as the Runs tree shows them.
  const groups = page.locator('.editor .editor-group-container');
  assert.equal(await groups.count(), 2, 'the dashboard opened in a second editor group');
  assert.match(await groups.nth(0).locator('.tab.active').innerText(), /watch\.moe\.json/);
  const item = await waitForRun(page, 'the watch run to train', (run) => run.label === 'watch' && (parseRunDescription(run.description)?.step ?? 0) > 0);
  const shown = parseRunDescription(item.description);
  assert.match(shown?.stamp ?? '', /^\d\d:\d\d:\d\d$/, item.description);
  const tab = (await groups.nth(1).locator('.tab.active').innerText()).trim();
  assert.equal(tab, `MoE Lens: watch ${shown?.stamp} ${shown?.shortId}`);

  // New steps add points; past its 2,000-point budget the chart merges old ones (the count drops),
  // then grows again from there.
  let baseline = first;
  const later = await waitFor(`the loss chart to grow from ${first} points`, async () => {
    const now = await lossPoints(dashboard);
    baseline = Math.min(baseline, now);
    return now > baseline && now;
  });
  assert.ok(later > baseline);
  const heatmap = await waitFor('a drawn expert-load heatmap', async () => {
    const drawn = await drawnPixels(dashboard, 'canvas#heatmap-load');
    return drawn > 0 && drawn;
  });
  assert.ok(heatmap > 0);
  await vscode.screenshot('dashboard-f-live');

  // The webviews' strict CSP holds what they do: nothing they load or run is refused.
  const refused = vscode.consoleMessages().filter((text) => text.includes('Content Security Policy'));
  assert.deepEqual(refused, [], 'no Content Security Policy violations');
});

test('20 clicks on the status bar item while the run trains each open the dashboard', { timeout: 240_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  const item = page.locator('.statusbar-item', { hasText: /MoE watch/ });
  const dashboardTab = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: watch/ });
  for (let click = 1; click <= 20; click++) {
    await closeTab(page, dashboardTab);
    // The item changes text every step: each click lands on whatever it shows then.
    await item.click();
    await dashboardTab.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => {
      throw new Error(`click ${click} of 20 on the status bar item did not open the dashboard`);
    });
  }
  const missing = await page.locator('.notifications-toasts .notification-toast', { hasText: 'not found' }).count();
  assert.equal(missing, 0, 'no "command not found" notification');
  await frameWith(page, 'canvas#chart-loss');
  await vscode.screenshot('dashboard-f-status-bar-click');
});

test('clicking (or double-clicking) a run in the Runs tree opens its dashboard', { timeout: 120_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  const dashboardTab = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: watch/ });
  await closeTab(page, dashboardTab);
  await showMoeLens(page);
  const row = page.locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: /^watch$/ }) });
  await row.click();
  await dashboardTab.waitFor({ state: 'visible', timeout: 10_000 });
  await closeTab(page, dashboardTab);
  await row.dblclick();
  await dashboardTab.waitFor({ state: 'visible', timeout: 10_000 });
  // The tree groups runs under their config file.
  const group = page.locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: /^watch\.moe\.json$/ }) });
  assert.equal(await group.count(), 1, 'a group row for watch.moe.json');
  await vscode.screenshot('dashboard-f-tree-double-click');
});

test('the Routing side panel shows the running run heatmap', { timeout: 120_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await showMoeLens(page);
  const routing = await frameWith(page, 'canvas#routing-heatmap');
  const drawn = await waitFor('a drawn routing heatmap', async () => {
    const pixels = await drawnPixels(routing, 'canvas#routing-heatmap');
    return pixels > 0 && pixels;
  });
  assert.ok(drawn > 0);
  await vscode.screenshot('dashboard-f-routing-panel');
});

test('after Developer: Reload Window the dashboard comes back', { timeout: 180_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  // The old page goes away: wait for a fresh workbench, then for the restored panel's chart.
  const reloaded = page.waitForEvent('load', { timeout: 90_000 });
  await runCommand(page, 'Developer: Reload Window');
  await reloaded;
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  const dashboard = await frameWith(page, 'canvas#chart-loss', 120_000);
  const points = await waitFor('loss points on the restored chart', async () => {
    const n = await lossPoints(dashboard);
    return n > 0 && n;
  });
  assert.ok(points > 0);
  await vscode.screenshot('dashboard-f-after-reload');
});
