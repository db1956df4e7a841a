/**
 * The host side of `npm run bench:scale`, run in its own Node process so its heap is the host's alone:
 * the run's state is built by the extension's own code for opening a run in a view — RunStore.reduceRun's
 * runEventReader (EventLogTail: bounded line reads, the viewer's line checks) and reduceEventReader (the run
 * model, batch by batch) — then serialised as the snapshot message the host posts. Prints one JSON line of
 * figures: time, JS heap (sampled every 20 ms while reading: the peak; and after a GC), snapshot size.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { reduceEventReader } from '../../extension/runs/runReduction';
import { runEventReader } from '../../extension/runs/runSources';
import { completedRunSnapshot } from '../bench/snapshot';

const [file, snapshotFile] = process.argv.slice(2);
const heapMB = () => process.memoryUsage().heapUsed / 2 ** 20;

async function main() {
  let peak = heapMB();
  const sampler = setInterval(() => (peak = Math.max(peak, heapMB())), 20);
  const t0 = performance.now();
  const state = await reduceEventReader(runEventReader(dirname(file), 'events'), true);
  const snapshot = completedRunSnapshot('scale', state);
  const json = JSON.stringify(snapshot);
  const readyMs = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, heapMB());
  writeFileSync(snapshotFile, json);
  (globalThis as { gc?: () => void }).gc?.();
  console.log(
    JSON.stringify({
      readyMs,
      steps: state.step,
      peakHeapMB: peak,
      heapAfterMB: heapMB(),
      snapshotBytes: Buffer.byteLength(json),
      lossPoints: state.loss.points.length,
    }),
  );
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
