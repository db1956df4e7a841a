/**
 * Webview benchmark (prints figures; asserts nothing): can the dashboard open a 100,000-step run and
 * stay responsive with bounded memory? `npm run bench:webview [-- --steps 100000]`
 *
 * 1. Writes a trainer-like events.jsonl of N steps (and a 1,000-step reference log).
 * 2. Host side, as the extension does it: parse every line, reduce to the bounded run state; the
 *    snapshot's JSON size vs the log's.
 * 3. Webview side, in headless Chromium: time from the snapshot message to the first frame with the
 *    loss chart drawn; the JS heap after GC; the time of a slider scrub (input → next frame); then the
 *    whole log fed as live appends (1,000 events a message) and the heap again.
 * Each figure is given next to the 1,000-step reference of the same run, as a ratio.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseEventLine, type TrainerEvent } from '../../protocol/events';
import type { HostToWebviewMessage } from '../../protocol/webviewMessages';
import { jsHeapMB as heapMB, WebviewHarness } from './harness';
import { reduceEvents } from '../../protocol/runModel/runState';
import { BENCH_SHAPE, syntheticEvents } from './syntheticLog';
import { completedRunSnapshot } from '../bench/snapshot';

const argSteps = process.argv.indexOf('--steps');
const STEPS = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 100_000;
const REFERENCE_STEPS = 1_000;

function writeLog(dir: string, steps: number): string {
  const file = join(dir, `events-${steps}.jsonl`);
  const lines: string[] = [];
  for (const event of syntheticEvents({
    ...BENCH_SHAPE,
    steps,
    evalEvery: Math.min(BENCH_SHAPE.evalEvery!, Math.max(1, steps / 10)),
    name: `bench-${steps}`,
  })) {
    lines.push(JSON.stringify(event));
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function hostSide(file: string) {
  const t0 = performance.now();
  const events = readFileSync(file, 'utf8')
    .split('\n')
    .map(parseEventLine)
    .filter((e): e is TrainerEvent => e !== undefined);
  const t1 = performance.now();
  const state = reduceEvents(events);
  const t2 = performance.now();
  const snapshot = completedRunSnapshot('bench', state);
  const json = JSON.stringify(snapshot);
  return {
    events,
    parseMs: t1 - t0,
    reduceMs: t2 - t1,
    snapshot,
    snapshotBytes: Buffer.byteLength(json),
    lossPoints: state.loss.points.length,
  };
}

/** Posts a message in the page and waits for the loss chart to show `points` points; ms. */
const postAndWaitForChart = (page: Page, message: HostToWebviewMessage, points: number) =>
  page.evaluate(
    ([m, n]) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        window.postMessage(m, '*');
        const check = () => {
          const canvas = document.getElementById('chart-loss');
          if (canvas?.dataset.points === String(n)) requestAnimationFrame(() => resolve(performance.now() - t0));
          else requestAnimationFrame(check);
        };
        check();
      }),
    [message, points] as const,
  );

const scrubMs = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const slider = document.querySelector('.step-slider') as HTMLInputElement;
        const t0 = performance.now();
        slider.value = String(Math.floor(Number(slider.max) / 3));
        slider.dispatchEvent(new Event('input'));
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }),
  );

async function webviewSide(harness: WebviewHarness, host: ReturnType<typeof hostSide>) {
  const { page } = await harness.open('dashboard', { width: 1400, height: 1000 });
  const emptyHeap = await heapMB(page);
  const firstRenderMs = await postAndWaitForChart(page, host.snapshot, host.lossPoints);
  const snapshotHeap = await heapMB(page);
  const scrubs = [];
  for (let i = 0; i < 5; i++) scrubs.push(await scrubMs(page));
  await page.close();

  // The same log as live appends into an empty dashboard: the webview's own reducer keeps it bounded.
  const live = await harness.open('dashboard', { width: 1400, height: 1000 });
  const [start, ...rest] = host.events;
  const emptyState = reduceEvents([start]);
  await postAndWaitForChart(
    live.page,
    {
      type: 'snapshot',
      mode: 'single',
      runs: [{ ...(host.snapshot.type === 'snapshot' ? host.snapshot.runs[0] : never()), state: emptyState }],
    },
    0,
  );
  // Stage the appends in the page first (as JSON text: CDP moves strings much faster than objects),
  // then time, inside the page, posting each as the host would and waiting for its frame.
  for (let i = 0; i < rest.length; i += 1000) {
    await live.page.evaluate(
      (text) => ((window as unknown as { __chunks: unknown[] }).__chunks ??= []).push(JSON.parse(text)),
      JSON.stringify(rest.slice(i, i + 1000)),
    );
  }
  const appendAllMs = await live.page.evaluate(async () => {
    const chunks = (window as unknown as { __chunks: unknown[] }).__chunks;
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const t0 = performance.now();
    for (const events of chunks) {
      window.postMessage({ type: 'append', runId: 'bench', events }, '*');
      await frame();
    }
    await frame();
    (window as unknown as { __chunks?: unknown[] }).__chunks = undefined;
    return performance.now() - t0;
  });
  await live.page.waitForSelector(`#chart-loss[data-points="${host.lossPoints}"]`);
  const appendHeap = await heapMB(live.page);
  await live.page.close();
  return { emptyHeap, firstRenderMs, snapshotHeap, scrubMs: Math.max(...scrubs), appendAllMs, appendHeap };
}

function never(): never {
  throw new Error('unreachable');
}

const fmt = (v: number, digits = 1) => v.toFixed(digits);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

type Result = { steps: number; logMB: number } & ReturnType<typeof hostSide> & Awaited<ReturnType<typeof webviewSide>>;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'moe-webview-bench-'));
  const harness = await WebviewHarness.start();
  try {
    // Warm-up: the first page of a fresh browser pays for compiling the bundle; it is not counted.
    await webviewSide(harness, hostSide(writeLog(dir, 200)));
    const results: Result[] = [];
    for (const steps of [REFERENCE_STEPS, STEPS]) {
      const file = writeLog(dir, steps);
      const host = hostSide(file);
      const web = await webviewSide(harness, host);
      results.push({ steps, logMB: statSync(file).size / 2 ** 20, ...host, ...web });
    }
    const [ref, big] = results;
    const rows: [string, (r: Result) => number, string, number?][] = [
      ['events.jsonl size (MB)', (r) => r.logMB, 'MB', 2],
      ['host: parse the log (ms)', (r) => r.parseMs, 'ms'],
      ['host: reduce to run state (ms)', (r) => r.reduceMs, 'ms'],
      ['snapshot message (KB)', (r) => r.snapshotBytes / 1024, 'KB'],
      ['train-loss points drawn', (r) => r.lossPoints, '', 0],
      ['webview: snapshot → first render (ms)', (r) => r.firstRenderMs, 'ms'],
      ['webview: JS heap, empty page (MB)', (r) => r.emptyHeap, 'MB'],
      ['webview: JS heap after snapshot (MB)', (r) => r.snapshotHeap, 'MB'],
      ['webview: slider scrub → next frame, worst of 5 (ms)', (r) => r.scrubMs, 'ms'],
      ['webview: whole log as live appends, 1,000 events a message (ms)', (r) => r.appendAllMs, 'ms'],
      ['webview: JS heap after all appends (MB)', (r) => r.appendHeap, 'MB'],
    ];
    console.log(
      `MoE Lens webview benchmark: ${BENCH_SHAPE.layers} MoE layers × ${BENCH_SHAPE.experts} experts, ${BENCH_SHAPE.methods!.join('+')}, Chromium ${harness.browser.version()}`,
    );
    console.log(
      `| figure | ${ref.steps.toLocaleString('en-US')} steps | ${big.steps.toLocaleString('en-US')} steps | ratio |`,
    );
    console.log('|---|---:|---:|---:|');
    for (const [label, get, , digits] of rows)
      console.log(
        `| ${label} | ${fmt(get(ref), digits ?? 1)} | ${fmt(get(big), digits ?? 1)} | ${ratio(get(big), get(ref))} |`,
      );
  } finally {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
