/**
 * The two speeds a user feels, measured in a real VS Code (code-server + Chromium, the end-to-end
 * harness); part of `npm run bench:webview`, prints figures and asserts nothing.
 *
 * 1. A finished 300-step run's dashboard: from clicking the run in the Runs tree to its loss chart
 *    drawn with every point (the first open of a window loads the webview bundle; later opens reuse
 *    the host's reduced state), best and median of several opens.
 * 2. Start Run: from pressing Enter on the balancer to the first loss point on the dashboard that
 *    opens by itself, and the trainer's own start-up (process spawned → start event → first step).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import {
  ensureVsCodeInstalled,
  frameWith,
  makeWorkspace,
  openFile,
  openVsCode,
  resultsDir,
  runCommand,
  runEvents,
  runFolders,
  showMoeLens,
  tinyVariant,
  trainOutsideVsCode,
  waitFor,
} from '../harness';

const OPENS = 5;

const lossPoints = (frame: Frame) =>
  frame
    .getAttribute('canvas#chart-loss', 'data-points')
    .then(Number)
    .catch(() => 0);

async function closeDashboards(page: Page): Promise<void> {
  const tabs = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: / });
  while ((await tabs.count()) > 0) {
    await tabs.first().hover();
    const count = await tabs.count();
    await tabs.first().locator('.tab-actions .action-label').click();
    await waitFor('the dashboard tab closed', async () => (await tabs.count()) < count);
  }
}

/** ms from clicking the finished run in the Runs tree to its loss chart holding `points` points. */
async function openFinished(page: Page, points: number): Promise<number> {
  await closeDashboards(page);
  // The run's row in the Runs tree (the last "finished" row: the one above it is its group).
  const row = page
    .locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: /^finished$/ }) })
    .last();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  const t0 = Date.now();
  await row.click();
  await waitFor(
    'the finished run drawn',
    async () => {
      for (const frame of page.frames()) if ((await lossPoints(frame)) === points) return true;
      return false;
    },
    { intervalMs: 20, timeoutMs: 60_000 },
  );
  return Date.now() - t0;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchVsCode(): Promise<Record<string, number>> {
  await ensureVsCodeInstalled();
  const workspace = await makeWorkspace('bench', {
    'finished.moe.json': tinyVariant('finished', { training: { steps: 300, evalEvery: 50, checkpointEvery: 0 } }),
    'live.moe.json': tinyVariant('live', { training: { steps: 100_000, evalEvery: 50, checkpointEvery: 0 } }),
  });
  trainOutsideVsCode(workspace, 'finished.moe.json', 'finished-300');
  const points = runEvents(workspace, 'finished-300').filter((e) => e.type === 'step').length;
  const vscode = await openVsCode({ name: 'bench', workspace, trust: true });
  const figures: Record<string, number> = {};
  try {
    const { page } = vscode;
    await showMoeLens(page);
    const opens: number[] = [];
    for (let i = 0; i < OPENS; i++) opens.push(await openFinished(page, points));
    figures.finishedFirstOpenMs = opens[0];
    figures.finishedReopenMedianMs = median(opens.slice(1));
    figures.finishedReopenBestMs = Math.min(...opens.slice(1));
    await closeDashboards(page);

    await openFile(page, 'live.moe.json');
    await runCommand(page, 'MoE Lens: Start Run');
    const balancer = page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'loss-free' })
      .first();
    await balancer.waitFor({ state: 'visible', timeout: 30_000 });
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    const dashboard = await frameWith(page, 'canvas#chart-loss', 30_000);
    figures.dashboardShownMs = Date.now() - t0;
    await waitFor('the first loss point', async () => (await lossPoints(dashboard)) > 0, {
      intervalMs: 20,
      timeoutMs: 60_000,
    });
    figures.firstLossPointMs = Date.now() - t0;
    const folder = runFolders(workspace).find((name) => name.startsWith('live-'));
    const events = folder ? runEvents(workspace, folder) : [];
    const start = events.find((e) => e.type === 'start');
    const step = events.find((e) => e.type === 'step');
    if (start && step) {
      figures.trainerStartEventMs = Date.parse(start.time) - t0;
      figures.trainerFirstStepMs = Date.parse(step.time) - t0;
    }
    await vscode.screenshot('bench-live-first-point');
  } finally {
    await vscode.close();
    rmSync(join(workspace, '..'), { recursive: true, force: true });
  }
  writeFileSync(join(resultsDir, 'bench-vscode.json'), JSON.stringify(figures, null, 2) + '\n');
  return figures;
}
