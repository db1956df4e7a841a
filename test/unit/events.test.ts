// The event log writer (append, one line per event, echoed to stdout) and run summaries for compare.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEventLine } from '../../protocol/events';
import { EventLog } from '../../trainer/run/eventLog';
import { Progress } from '../../trainer/run/progress';
import { median, summarizeRun } from '../../trainer/run/summary';

/** Runs fn with process.stdout.write captured (stdout is the test runner's channel). */
function captureStdout(fn: () => void): string {
  const original = process.stdout.write.bind(process.stdout);
  let captured = '';
  process.stdout.write = (chunk: string) => {
    captured += chunk;
    return true;
  };
  try {
    fn();
  } finally {
    process.stdout.write = original;
  }
  return captured;
}

test('EventLog: appends one JSON line per event to events.jsonl and echoes it to stdout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-lens-events-'));
  const stdout = captureStdout(() => {
    const log = new EventLog(dir);
    log.emit({ type: 'checkpoint', step: 10, path: 'checkpoint' });
    log.close();
    const again = new EventLog(dir);
    again.emit({ type: 'end', step: 12, status: 'stopped', reason: 'SIGTERM', durationSeconds: 1.5 });
    again.close();
  });
  const text = readFileSync(join(dir, 'events.jsonl'), 'utf8');
  assert.equal(stdout, text);
  const lines = text.split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[2], '');
  const [first, second] = lines.slice(0, 2).map((line) => parseEventLine(line)!);
  assert.equal(first.type, 'checkpoint');
  assert.equal(second.type, 'end');
  assert.equal(first.v, 2);
  assert.ok(!Number.isNaN(Date.parse(second.time)));
});

test('median', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), undefined);
});

test('run summary from an event log, by hand', () => {
  const line = (event: object) => JSON.stringify({ v: 1, time: '2026-01-01T00:00:00Z', ...event });
  const step = (n: number, tokensPerSecond: number) =>
    line({
      type: 'step',
      step: n,
      loss: 1,
      lmLoss: 1,
      terms: {},
      lr: 1,
      gradNorm: 1,
      tokensPerSecond,
      expertCounts: [],
      maxVioBatch: [],
      maxVioBatchMean: 0,
    });
  const evalEvent = (n: number, valLoss: number) =>
    line({
      type: 'eval',
      step: n,
      valLoss,
      perplexity: Math.exp(valLoss),
      evalTokens: 4096,
      expertLoad: [],
      maxVioGlobal: [0.5, 0.25],
      maxVioGlobalMean: 0.375,
      maxVioNoiseFloor: 0.04,
      expertsUsed: [8, 7],
      pes: [0.2, 0.1],
      pesMin: 0.1,
      gramDeviation: 0,
      gramDeviationPerLayer: [0, 0],
      routerEntropy: [1, 1],
      seu: [1, 1],
      routingSample: { tokens: [], experts: [], gates: [] },
    });
  const text = [
    step(1, 100),
    step(2, 300),
    step(3, 200),
    step(4, 500),
    evalEvent(2, 3),
    evalEvent(4, 2.123456),
    line({ type: 'end', step: 4, status: 'completed', reason: 'done', durationSeconds: 2 }),
    '',
  ].join('\n');
  const summary = summarizeRun('aux-loss', text, 8);
  // tokens/s: median of the steps after the first: 300, 200, 500 → 300
  assert.deepEqual(summary, {
    label: 'aux-loss',
    seed: undefined,
    status: 'completed',
    reason: 'done',
    steps: 4,
    valLoss: 2.123456,
    maxVioGlobal: 0.375,
    pesMin: 0.1,
    expertsUsed: [8, 7],
    experts: 8,
    tokensPerSecond: 300,
    evalCurve: [
      { step: 2, valLoss: 3 },
      { step: 4, valLoss: 2.123456 },
    ],
    evalTokens: 4096,
    maxVioNoiseFloor: 0.04,
  });
  const stopped = summarizeRun(
    'none',
    [step(1, 100), line({ type: 'end', step: 1, status: 'diverged', reason: 'NaN', durationSeconds: 1 })].join('\n'),
    8,
  );
  assert.equal(stopped.status, 'diverged');
  assert.deepEqual(stopped.evalCurve, []);
});

/** A stand-in for process.stderr that records what is written. */
function recordingStream(isTTY: boolean) {
  const stream = { isTTY, written: [] as string[], write: (s: string) => stream.written.push(s) > 0, on: () => stream };
  return stream;
}

test('progress on stderr: log lines about every 5% without a terminal, a redrawn bar with one', () => {
  const plain = recordingStream(false);
  const progress = new Progress(100, plain as unknown as NodeJS.WriteStream);
  for (let step = 1; step <= 100; step++) progress.step({ step, loss: 2, lr: 0.001, tokensPerSecond: 1234.4 });
  progress.note('completed');
  assert.equal(plain.written.length, 1 + 20 + 1, 'step 1, every 5th step, the note');
  assert.match(plain.written[1], /^step 5\/100 {2}loss 2\.0000 {2}lr 1\.00e-3 {2}1234 tok\/s {2}ETA \d+:\d\d\n$/);
  assert.ok(plain.written.every((line) => !line.includes('\r')));

  const tty = recordingStream(true);
  const bar = new Progress(4, tty as unknown as NodeJS.WriteStream);
  bar.step({ step: 2, loss: 1, lr: 0.1, tokensPerSecond: 10 });
  bar.note('eval');
  assert.match(tty.written[0], /^\r\x1b\[2K█{12}░{12} 2\/4 /);
  assert.deepEqual(tty.written.slice(1), ['\r\x1b[2K', 'eval\n'], 'a note clears the bar first');
});
