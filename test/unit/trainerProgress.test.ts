// The trainer's progress lines: the ETA is timed from the end of the first step (which carries the
// one-off start costs) and given only after a few steps, so the first lines do not mislead.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Progress } from '../../trainer/run/progress';

test('no ETA from the first step alone; then the pace of the steps after it', () => {
  const lines: string[] = [];
  const stream = new Writable({
    write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()),
  }) as unknown as NodeJS.WriteStream;
  const realNow = Date.now;
  let now = 0;
  Date.now = () => now;
  try {
    // 100 steps, a line every 5: the first step took 10 s (compilation), the next ones 1 s each.
    const progress = new Progress(100, stream);
    const step = (n: number) => progress.step({ step: n, loss: 3, lr: 1e-3, tokensPerSecond: 1000 });
    now = 10_000;
    step(1);
    for (let n = 2; n <= 10; n++) {
      now += 1000;
      step(n);
    }
  } finally {
    Date.now = realNow;
  }
  assert.match(lines[0], /^step 1\/100 .* ETA after a few steps\n$/);
  // At step 5: 4 steps in 4 s since step 1, 95 to go: 95 s, not (14 s / 5 steps) × 95 = 4:26.
  assert.match(lines[1], /^step 5\/100 .* ETA 1:35\n$/);
  assert.match(lines[2], /^step 10\/100 .* ETA 1:30\n$/);
});
