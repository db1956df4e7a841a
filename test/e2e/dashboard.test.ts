// The webviews in a real VS Code (issue 4): while a run trains, the dashboard beside its config shows
// a loss curve that grows and a drawn expert-load heatmap; the Routing side panel shows the running
// run's heatmap; after "Developer: Reload Window" the dashboard comes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import {
  drawnPixels,
  frameWith,
  parseRunDescription,
  pickQuickItem,
  runCommand,
  showMoeLens,
  startRunFromPalette,
  tinyVariant,
  vsCodeForTests,
  waitFor,
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

const lossPoints = async (frame: Frame) => Number(await frame.getAttribute('canvas#chart-loss', 'data-points'));

test('beside the config, the dashboard of a training run shows a growing loss curve and a drawn heatmap', { timeout: 240_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await showMoeLens(page);
  await startRunFromPalette(page, 'watch.moe.json', 'loss-free');
  await waitForRun(page, 'the watch run to train', (item) => item.label === 'watch' && (parseRunDescription(item.description)?.step ?? 0) > 0);

  await runCommand(page, 'MoE Lens: Open Dashboard');
  await pickQuickItem(page, 'watch');
  const dashboard = await frameWith(page, 'canvas#chart-loss');
  const first = await waitFor('loss points on the chart', async () => (await lossPoints(dashboard)) > 0 && lossPoints(dashboard));
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

  // Beside the config: two editor groups, the config in the first, the dashboard in the second.
  const groups = page.locator('.editor .editor-group-container');
  assert.equal(await groups.count(), 2, 'the dashboard opened in a second editor group');
  assert.match(await groups.nth(0).locator('.tab.active').innerText(), /watch\.moe\.json/);
  assert.match(await groups.nth(1).locator('.tab.active').innerText(), /watch/);
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
