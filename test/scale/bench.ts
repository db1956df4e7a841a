/**
 * `npm run bench:scale`: can MoE Lens open a production-scale run? Prints figures against the targets
 * of issue 9 (log < 1 GB, dashboard drawn < 2 s, host heap < 300 MB, webview heap < 100 MB).
 *
 * 1. Writes a seeded synthetic compact log (test/scale/scaleLog.ts: 64 MoE layers × 512 experts,
 *    100,000 steps, count matrices every 100 steps).
 * 2. Host, in its own Node process (hostSide.ts): streams the log into the bounded run state; time
 *    until the snapshot message is ready, peak and final heap, snapshot size.
 * 3. Webview, in headless Chromium with the real dashboard bundle: the snapshot's JSON text is parsed
 *    and posted inside the page (as VS Code delivers it), timed until the loss chart and the three
 *    heatmaps are drawn; the JS heap after a forced GC; a step change and a layer filter, each to the
 *    next frame.
 * 4. VS Code (vscodeOpen.ts; skipped with --no-vscode): the log in a workspace opened in code-server,
 *    the run listed, then its dashboard opened from the Runs tree; the extension host's JS heap.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsHeapMB, WebviewHarness } from '../webview/harness';
import { SCALE_SHAPE, writeScaleLog, type ScaleLogOptions } from './scaleLog';
import { openInVsCode } from './vscodeOpen';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const options: ScaleLogOptions = {
  ...SCALE_SHAPE,
  steps: arg('steps', SCALE_SHAPE.steps),
  countsEvery: arg('counts-every', SCALE_SHAPE.countsEvery),
};
/** Where the bench is, on stderr (the figures go to stdout at the end). */
const progress = (what: string) => console.error(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${what}`);
const HEATMAPS = ['#heatmap-load', '#heatmap-load-time', '#heatmap-layer-stats'];

interface HostFigures {
  readyMs: number;
  steps: number;
  peakHeapMB: number;
  heapAfterMB: number;
  snapshotBytes: number;
  lossPoints: number;
}

async function webview(snapshotFile: string, lossPoints: number) {
  const harness = await WebviewHarness.start();
  try {
    const { page, problems } = await harness.open('dashboard', { width: 1400, height: 1000 });
    await page.evaluate(
      (text) => ((window as unknown as { __snapshot: string }).__snapshot = text),
      readFileSync(snapshotFile, 'utf8'),
    );
    const firstRenderMs = await page.evaluate(
      ([points, heatmaps]) =>
        new Promise<number>((resolve, reject) => {
          const t0 = performance.now();
          const w = window as unknown as { __snapshot?: string };
          window.postMessage(JSON.parse(w.__snapshot!), '*');
          w.__snapshot = undefined;
          const drawn = () =>
            Number(document.getElementById('chart-loss')?.dataset.points) > 0 &&
            heatmaps.every((selector) => document.querySelector<HTMLElement>(selector)?.dataset.drawn);
          const check = () => {
            if (drawn()) requestAnimationFrame(() => resolve(performance.now() - t0));
            else if (performance.now() - t0 > 60_000) {
              const state = [
                `chart-loss data-points ${document.getElementById('chart-loss')?.dataset.points} of ${points}`,
                ...heatmaps.map((h) => `${h} drawn ${document.querySelector<HTMLElement>(h)?.dataset.drawn}`),
              ];
              reject(new Error(`the dashboard was not drawn within 60 s: ${state.join('; ')}`));
            } else requestAnimationFrame(check);
          };
          check();
        }),
      [lossPoints, HEATMAPS] as const,
    );
    const heap = await jsHeapMB(page);
    const nextFrame = (action: string) =>
      page.evaluate(
        (what) =>
          new Promise<number>((resolve) => {
            const t0 = performance.now();
            const api = (
              window as unknown as {
                __moeLens: { setStep(s: number | undefined): void; setLayerFilter(f: string): void };
              }
            ).__moeLens;
            if (what === 'step') api.setStep(33_333);
            else api.setLayerFilter('0-15');
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
          }),
        action,
      );
    const stepMs = await nextFrame('step');
    const filterMs = await nextFrame('filter');
    await page.screenshot({ path: 'test-results/bench-scale-dashboard.png', fullPage: true });
    await page.close();
    return { firstRenderMs, heap, stepMs, filterMs, problems, chromium: harness.browser.version() };
  } finally {
    await harness.stop();
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'moe-scale-bench-'));
  try {
    const file = join(dir, 'events.jsonl');
    const t0 = performance.now();
    const bytes = await writeScaleLog(file, options);
    const writeMs = performance.now() - t0;
    progress(`log written: ${(bytes / 2 ** 20).toFixed(0)} MB in ${(writeMs / 1000).toFixed(1)} s`);
    const snapshotFile = join(dir, 'snapshot.json');
    const hostOut = execFileSync(
      process.execPath,
      ['--expose-gc', 'out/test/scale/bench-scale-host.js', file, snapshotFile],
      {
        encoding: 'utf8',
      },
    );
    const host = JSON.parse(hostOut.trim().split('\n').pop()!) as HostFigures;
    progress(`host side: ${JSON.stringify(host)}`);
    const web = await webview(snapshotFile, host.lossPoints);
    progress(`webview: first render ${web.firstRenderMs.toFixed(0)} ms`);
    const vs = process.argv.includes('--no-vscode')
      ? undefined
      : await openInVsCode(file, `scale-${options.layers}x${options.experts}`, progress);
    const MB = 2 ** 20;
    const rows: [string, string, string][] = [
      ['events.jsonl size', `${(bytes / MB).toFixed(0)} MB (${host.steps.toLocaleString('en-US')} steps)`, '< 1 GB'],
      ['writing it (synthetic trainer)', `${(writeMs / 1000).toFixed(1)} s`, ''],
      ['host: log streamed → snapshot ready', `${(host.readyMs / 1000).toFixed(1)} s`, ''],
      ['host: peak JS heap while reading', `${host.peakHeapMB.toFixed(0)} MB`, '< 300 MB'],
      ['host: JS heap after (state kept, GC)', `${host.heapAfterMB.toFixed(0)} MB`, '< 300 MB'],
      ['snapshot message', `${(host.snapshotBytes / MB).toFixed(1)} MB`, ''],
      ['webview: snapshot → loss chart and 3 heatmaps drawn', `${web.firstRenderMs.toFixed(0)} ms`, '< 2 s'],
      ['webview: JS heap after GC', `${web.heap.toFixed(1)} MB`, '< 100 MB'],
      ['webview: step change → next frame', `${web.stepMs.toFixed(0)} ms`, ''],
      ['webview: layer filter → next frame', `${web.filterMs.toFixed(0)} ms`, ''],
      ...(vs
        ? ([
            ['VS Code: window opened → run shown in the Runs tree', `${(vs.shownMs / 1000).toFixed(1)} s`, ''],
            [
              'VS Code: window opened → run listed as completed (summary pass)',
              `${(vs.listedMs / 1000).toFixed(1)} s`,
              '',
            ],
            ['VS Code: click in Runs tree → dashboard drawn', `${(vs.dashboardMs / 1000).toFixed(1)} s`, ''],
            [
              'VS Code: Reload Window → run listed as completed (summary saved by the window before)',
              `${(vs.relistedMs / 1000).toFixed(1)} s`,
              '',
            ],
            ['VS Code: extension host JS heap, peak', `${vs.peakHeapMB.toFixed(0)} MB`, '< 300 MB'],
            [
              'VS Code: extension host JS heap, before → after (GC)',
              `${vs.heapBeforeMB.toFixed(0)} → ${vs.heapAfterGcMB.toFixed(0)} MB`,
              '',
            ],
          ] as [string, string, string][])
        : []),
    ];
    console.log(
      `MoE Lens scale benchmark: ${options.layers} MoE layers × ${options.experts} experts, top-${options.topK}, ` +
        `${options.steps.toLocaleString('en-US')} steps, counts every ${options.countsEvery}; Chromium ${web.chromium}`,
    );
    console.log('| figure | measured | target |\n|---|---:|---:|');
    for (const [label, value, target] of rows) console.log(`| ${label} | ${value} | ${target} |`);
    if (web.problems.length) console.log(`webview console problems: ${web.problems.join('; ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
