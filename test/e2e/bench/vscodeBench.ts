/**
 * The two speeds a user feels, measured in a real VS Code (code-server + Chromium, the end-to-end
 * harness); part of `npm run bench:webview`, prints figures and asserts nothing.
 *
 * 1. A finished 300-step run's dashboard: from clicking the run in the Runs tree to its loss chart
 *    drawn with every point (the first open of a window; later opens reuse the host's reduced state),
 *    best and median of several opens with the dashboard closed before each (a new panel), each split
 *    into its stages (startupTimeline.ts); then clicks alternating between it and a second finished run
 *    while the preview dashboard is open (the panel reused).
 * 2. Start Run: from pressing Enter on the balancer to the first loss point on the dashboard that
 *    opens by itself, with the dashboard's own stages and the trainer's start event and first step.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  clickRunUntilDrawn,
  ensureVsCodeInstalled,
  frameWhere,
  lossPointsNow,
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
import { hostDashboardRequests, hostSnapshotLines, webviewTimeline, type WebviewTimeline } from './startupTimeline';

const OPENS = 3;
const SWITCHES = 4;

async function closeDashboards(page: Page): Promise<void> {
  const tabs = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: / });
  while ((await tabs.count()) > 0) {
    await tabs.first().hover();
    const count = await tabs.count();
    await tabs.first().locator('.tab-actions .action-label').click();
    await waitFor('the dashboard tab closed', async () => (await tabs.count()) < count);
  }
}

/** Stage durations (ms) from t0 through the webview's timeline and the host's snapshot line. */
function stages(
  t0: number,
  seen: number,
  timeline: WebviewTimeline,
  host: { statesMs?: number; askedAt?: number },
): Record<string, number> {
  const { marks } = timeline;
  const hostStatesMs = host.statesMs;
  const stage: Record<string, number> = {
    'VS Code: click/Enter → the extension asked for the dashboard': (host.askedAt ?? NaN) - t0,
    'VS Code: extension asked → webview document starts': timeline.documentStart - (host.askedAt ?? NaN),
    'webview: document start → its empty page (fake.html) received': timeline.navigation?.responseEnd ?? NaN,
    'webview: document start → its empty page loaded (DOMContentLoaded)': timeline.navigation?.domContentLoaded ?? NaN,
    'webview: document start → dashboard.js requested': (timeline.bundleFetchStart ?? NaN) - timeline.documentStart,
    'webview: dashboard.js requested → received': (timeline.bundleFetchEnd ?? NaN) - (timeline.bundleFetchStart ?? NaN),
    'webview: dashboard.js parsed and evaluated': marks.script - (timeline.bundleFetchEnd ?? marks.script),
    'webview: ready posted → snapshot received': marks.snapshot - marks.ready,
    'webview: snapshot → first run drawn (cards built, chart.js draws)': marks.drawn - marks.snapshot,
    'bench: drawn → seen by the 20 ms poll': seen - (marks.firstLoss ?? marks.drawn),
  };
  if (hostStatesMs !== undefined) stage['host: run state read and reduced (inside ready → snapshot)'] = hostStatesMs;
  for (const [key, value] of Object.entries(stage)) stage[key] = Math.round(value);
  return stage;
}

interface Open {
  ms: number;
  stages: Record<string, number>;
  resources: WebviewTimeline['resources'];
}

/** With every dashboard closed, clicks the finished run: a new panel; ms until drawn, and the stages. */
async function openFinished(page: Page, userDataDir: string, points: number): Promise<Open> {
  await closeDashboards(page);
  const snapshotsBefore = hostSnapshotLines(userDataDir).length;
  const requestsBefore = hostDashboardRequests(userDataDir).length;
  const { ms, seen, frame } = await clickRunUntilDrawn(page, 'finished', points);
  const host = await waitFor('the host logged the snapshot', () => hostSnapshotLines(userDataDir)[snapshotsBefore], {
    timeoutMs: 10_000,
  }).catch(() => undefined);
  const timeline = await webviewTimeline(frame);
  const askedAt = hostDashboardRequests(userDataDir)[requestsBefore];
  return {
    ms,
    stages: stages(seen - ms, seen, timeline, { statesMs: host?.statesMs, askedAt }),
    resources: timeline.resources,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export interface VsCodeBench {
  figures: Record<string, number>;
  /** stage → ms, per measured open ('finished, first open', 'finished, reopen (median one)', 'Start Run') */
  stages: Record<string, Record<string, number>>;
  /** the resources each of those webviews loaded */
  resources: Record<string, WebviewTimeline['resources']>;
}

export async function benchVsCode(): Promise<VsCodeBench> {
  await ensureVsCodeInstalled();
  const workspace = await makeWorkspace('bench', {
    'finished.moe.json': tinyVariant('finished', { training: { steps: 300, evalEvery: 50, checkpointEvery: 0 } }),
    'other.moe.json': tinyVariant('other', { training: { steps: 200, evalEvery: 50, checkpointEvery: 0 } }),
    'live.moe.json': tinyVariant('live', { training: { steps: 100_000, evalEvery: 50, checkpointEvery: 0 } }),
  });
  trainOutsideVsCode(workspace, 'finished.moe.json', 'finished-300');
  trainOutsideVsCode(workspace, 'other.moe.json', 'other-200');
  const stepsOf = (folder: string) => runEvents(workspace, folder).filter((e) => e.type === 'step').length;
  const points = stepsOf('finished-300');
  const otherPoints = stepsOf('other-200');
  const vscode = await openVsCode({ name: 'bench', workspace, trust: true });
  const result: VsCodeBench = { figures: {}, stages: {}, resources: {} };
  const { figures } = result;
  try {
    const { page, userDataDir } = vscode;
    await showMoeLens(page);
    const opens: Open[] = [];
    for (let i = 0; i < OPENS; i++) opens.push(await openFinished(page, userDataDir, points));
    const reopens = opens.slice(1);
    const medianReopen = reopens.find((open) => open.ms === median(reopens.map((o) => o.ms)))!;
    figures.finishedFirstOpenMs = opens[0].ms;
    figures.finishedReopenMedianMs = medianReopen.ms;
    figures.finishedReopenBestMs = Math.min(...reopens.map((o) => o.ms));
    result.stages['finished run, first open'] = opens[0].stages;
    result.stages['finished run, reopened (the median one)'] = medianReopen.stages;
    result.resources['finished run, first open'] = opens[0].resources;
    result.resources['finished run, reopened (the median one)'] = medianReopen.resources;
    // The preview dashboard is open (the last open above): clicks switch the run it shows.
    const switches: number[] = [];
    for (let i = 0; i < SWITCHES; i++) {
      const [name, drawn] = i % 2 === 0 ? ['other', otherPoints] : ['finished', points];
      switches.push((await clickRunUntilDrawn(page, name, drawn)).ms);
    }
    figures.previewSwitchMedianMs = median(switches);
    figures.previewSwitchWorstMs = Math.max(...switches);
    await closeDashboards(page);

    await openFile(page, 'live.moe.json');
    await runCommand(page, 'MoE Lens: Start Run');
    const balancer = page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'loss-free' })
      .first();
    await balancer.waitFor({ state: 'visible', timeout: 30_000 });
    const snapshotsBefore = hostSnapshotLines(userDataDir).length;
    const requestsBefore = hostDashboardRequests(userDataDir).length;
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    const dashboard = await frameWhere(page, 'the first loss point', async (f) => (await lossPointsNow(f)) > 0);
    const seen = Date.now();
    figures.firstLossPointMs = seen - t0;
    const timeline = await webviewTimeline(dashboard);
    const host = hostSnapshotLines(userDataDir)[snapshotsBefore];
    const askedAt = hostDashboardRequests(userDataDir)[requestsBefore];
    const live = stages(t0, seen, timeline, { statesMs: host?.statesMs, askedAt });
    delete live['webview: snapshot → first run drawn (cards built, chart.js draws)'];
    const at = (epoch: number | undefined) => (epoch === undefined ? NaN : Math.round(epoch - t0));
    figures.dashboardShownMs = at(timeline.marks.ready);
    const folder = runFolders(workspace).find((name) => name.startsWith('live-'));
    const events = folder ? runEvents(workspace, folder) : [];
    const start = events.find((e) => e.type === 'start');
    const step = events.find((e) => e.type === 'step');
    if (start) figures.trainerStartEventMs = at(Date.parse(start.time));
    if (step) figures.trainerFirstStepMs = at(Date.parse(step.time));
    Object.assign(live, {
      'Enter → dashboard ready (bundle evaluated, ready posted)': at(timeline.marks.ready),
      'Enter → trainer start event written (process up, data and model built)': figures.trainerStartEventMs,
      'Enter → trainer first step written': figures.trainerFirstStepMs,
      'Enter → dashboard shows the run (start event drawn)': at(timeline.marks.drawn),
      'Enter → first loss point drawn': at(timeline.marks.firstLoss),
    });
    result.stages['Start Run'] = live;
    result.resources['Start Run'] = timeline.resources;
    await vscode.screenshot('bench-live-first-point');
  } finally {
    await vscode.close();
    rmSync(join(workspace, '..'), { recursive: true, force: true });
  }
  writeFileSync(join(resultsDir, 'bench-vscode.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}
