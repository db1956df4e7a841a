/**
 * `npm run bench:parse [-- --steps N]`: how long the host takes to check event lines, on two logs built
 * in memory: the webview bench's synthetic run (4 layers × 16 experts, N steps, default 100,000) and the
 * scale bench's compact 64 × 512 run (N / 5 steps, counts every 100). For each: JSON.parse alone (the
 * floor), parseEventLine, and the viewer's EventLogChecker (what EventLogTail runs). Median of 5 passes;
 * prints one table. Asserts nothing.
 */
import { EventLogChecker } from '../../protocol/eventLogCheck';
import { parseEventLine } from '../../protocol/events';
import { SCALE_SHAPE, scaleEvents } from '../scale/scaleLog';
import { BENCH_SHAPE, syntheticEvents } from '../webview/syntheticLog';

const stepsAt = process.argv.indexOf('--steps');
const steps = stepsAt > 0 ? Number(process.argv[stepsAt + 1]) : 100_000;
const PASSES = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** ms of one pass of `each` over the lines. */
function pass(lines: readonly string[], each: (line: string, n: number) => unknown): number {
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i++) each(lines[i], i + 1);
  return performance.now() - t0;
}

function bench(name: string, lines: readonly string[]): void {
  const megabytes = lines.reduce((sum, line) => sum + line.length, 0) / 2 ** 20;
  let checker = new EventLogChecker();
  const ways: ((line: string, n: number) => unknown)[] = [
    (line) => JSON.parse(line) as unknown,
    (line) => parseEventLine(line),
    (line, n) => {
      if (n === 1) checker = new EventLogChecker({ derived: false, skipInvalid: true });
      checker.line(n, line);
    },
  ];
  // the ways take turns, so warm-up and garbage collection fall on each alike
  const runs: number[][] = ways.map(() => []);
  for (let p = 0; p < PASSES; p++) ways.forEach((way, w) => runs[w].push(pass(lines, way)));
  if (checker.problems.length) throw new Error(`${name}: ${JSON.stringify(checker.problems.slice(0, 3))}`);
  console.log([name, lines.length, megabytes.toFixed(1), ...runs.map((r) => median(r).toFixed(0))].join(' | '));
}

console.log('log | lines | MB | JSON.parse ms | parseEventLine ms | EventLogChecker ms');
bench(
  `webview bench 4 × 16, ${steps} steps`,
  [...syntheticEvents({ ...BENCH_SHAPE, steps })].map((e) => JSON.stringify(e)),
);
bench(
  `scale 64 × 512, ${steps / 5} steps`,
  [...scaleEvents({ ...SCALE_SHAPE, steps: steps / 5 })].map((e) => JSON.stringify(e)),
);
