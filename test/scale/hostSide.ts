/**
 * The host side of `npm run bench:scale`, run in its own Node process so its heap is the host's
 * alone: streams the event log line by line (nodeio/logLines.ts, the bounded reader) into the run model, and
 * writes the snapshot message the host would post. Prints one JSON line of figures.
 */
import { writeFileSync } from 'node:fs';
import { readLogLines } from '../../nodeio/logLines';
import { parseEventLine } from '../../protocol/events';
import type { HostToWebviewMessage } from '../../protocol/webviewMessages';
import { applyEvent, createRunState } from '../../protocol/runModel/runState';

const [file, snapshotFile] = process.argv.slice(2);
const heapMB = () => process.memoryUsage().heapUsed / 2 ** 20;

async function main() {
  const t0 = performance.now();
  const state = createRunState();
  let peak = heapMB();
  let lines = 0;
  for await (const line of readLogLines(file)) {
    if (!('text' in line))
      throw new Error(`${file}:${line.lineNumber}: line of ${line.length} bytes over the reader's limit`);
    const event = parseEventLine(line.text);
    if (event) applyEvent(state, event);
    if (++lines % 2000 === 0) peak = Math.max(peak, heapMB());
  }
  const snapshot: HostToWebviewMessage = {
    type: 'snapshot',
    mode: 'single',
    runs: [
      {
        header: {
          id: 'scale',
          name: state.runName,
          balancer: state.balancer,
          status: 'completed',
          step: state.step,
          totalSteps: state.totalSteps,
        },
        state,
      },
    ],
  };
  const json = JSON.stringify(snapshot);
  const readyMs = performance.now() - t0;
  peak = Math.max(peak, heapMB());
  writeFileSync(snapshotFile, json);
  (globalThis as { gc?: () => void }).gc?.();
  console.log(
    JSON.stringify({
      readyMs,
      lines,
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
