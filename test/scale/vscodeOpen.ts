/**
 * The scale log opened in a real VS Code (code-server + Chromium, the end-to-end harness) the way a user
 * opens it: the run is in the workspace's .moe-runs; the extension lists it (its summary pass reads the
 * whole log), then a click in the Runs tree opens its dashboard (RunStore.reduceRun reads it again into
 * the full state). Measures both times and the extension host's JS heap (its inspector, sampled every
 * 100 ms: the peak over both, and after a GC once the dashboard is drawn).
 */
import { linkSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import {
  ensureVsCodeInstalled,
  makeWorkspace,
  openVsCode,
  reloadWindow,
  showMoeLens,
  waitFor,
  waitForRun,
} from '../e2e/harness';
import { extensionHostPid, inspectHeap } from './extensionHostHeap';

export interface VsCodeFigures {
  /** VS Code open → the run in the Runs tree under its name (its log's first read may be under way) */
  shownMs: number;
  /** VS Code open → the run listed as completed in the Runs tree */
  listedMs: number;
  /** click on the run → loss chart and the three heatmaps drawn */
  dashboardMs: number;
  /** Developer: Reload Window → the run listed as completed again (from the summary the first window saved) */
  relistedMs: number;
  peakHeapMB: number;
  heapAfterGcMB: number;
  heapBeforeMB: number;
}

const HEATMAPS = ['#heatmap-load', '#heatmap-load-time', '#heatmap-layer-stats'];

/** The dashboard's frame once its loss chart and three heatmaps are drawn. */
async function drawnDashboard(page: Page): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    const drawn = await frame
      .evaluate(
        (heatmaps) =>
          Number(document.getElementById('chart-loss')?.dataset.points) > 0 &&
          heatmaps.every((selector) => document.querySelector<HTMLElement>(selector)?.dataset.drawn),
        HEATMAPS,
      )
      .catch(() => false);
    if (drawn) return frame;
  }
  return undefined;
}

export async function openInVsCode(
  logFile: string,
  runName: string,
  progress: (what: string) => void,
): Promise<VsCodeFigures> {
  await ensureVsCodeInstalled();
  const workspace = await makeWorkspace('scale');
  const run = join(workspace, '.moe-runs', runName);
  mkdirSync(run, { recursive: true });
  linkSync(logFile, join(run, 'events.jsonl')); // the same 500 MB file, not a copy
  const t0 = Date.now();
  const vscode = await openVsCode({ name: 'bench-scale', workspace, trust: true });
  try {
    const { page } = vscode;
    const pid = await waitFor('the extension host', () => extensionHostPid(vscode.processTree()));
    const heap = await inspectHeap(pid);
    progress(`VS Code open, extension host ${pid} inspected`);
    const heapBeforeMB = await heap.usedMB();
    let peakHeapMB = heapBeforeMB;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakHeapMB = Math.max(peakHeapMB, await heap.usedMB());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await showMoeLens(page);
    await waitForRun(page, `${runName} shown`, (item) => item.label === runName, 300_000);
    const shownMs = Date.now() - t0;
    progress(`run shown after ${shownMs} ms`);
    const listed = (what: string) =>
      waitForRun(page, what, (item) => item.label === runName && item.description.endsWith('completed'), 300_000);
    await listed(`${runName} listed`);
    const listedMs = Date.now() - t0;
    progress(`run listed after ${listedMs} ms`);
    const row = page
      .locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: runName }) })
      .last();
    const t1 = Date.now();
    await row.click();
    await waitFor(`the ${runName} dashboard drawn`, () => drawnDashboard(page), {
      timeoutMs: 180_000,
      intervalMs: 50,
    });
    const dashboardMs = Date.now() - t1;
    sampling = false;
    await sampler;
    const heapAfterGcMB = await heap.usedAfterGcMB();
    heap.close();
    await vscode.screenshot('bench-scale-vscode');
    const t2 = Date.now();
    await reloadWindow(page);
    await showMoeLens(page);
    await listed(`${runName} listed after the reload`);
    const relistedMs = Date.now() - t2;
    progress(`run listed again ${relistedMs} ms after Reload Window`);
    return { shownMs, listedMs, dashboardMs, relistedMs, peakHeapMB, heapAfterGcMB, heapBeforeMB };
  } finally {
    await vscode.close();
    rmSync(join(workspace, '..'), { recursive: true, force: true });
  }
}
