// Hostile or broken event logs in the extension host (issue 11, items 1, 3, 4, 5, 11): each bad line
// is reported once with its line number and what is wrong, never hides the good events after it, sizes
// are checked before anything is allocated, a FIFO never hangs a read, a replaced log is read anew,
// and reads are bounded (a budget per read, long lines skipped).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventLogTail, readEventLog } from '../../extension/runs/eventLogTail';
import { createRunState, createRunSummary, reduceEvents } from '../../protocol/runModel/runState';
import { runInfo } from '../../extension/runs/runInfo';
import { runTooltipMarkdown } from '../../extension/runs/format';
import { evalEvent, startEvent, stepEvent } from './extensionFixtures';

const T = '2026-01-01T00:00:00.000Z';
const line = (event: object) => JSON.stringify(event) + '\n';
const logFile = () => join(mkdtempSync(join(tmpdir(), 'moe-hostile-')), 'events.jsonl');
const end = (step: number) => ({
  v: 1,
  time: T,
  type: 'end',
  step,
  status: 'completed',
  reason: 'done',
  durationSeconds: 1,
});

test('malformed events are reported once each, with line and field, and the good events after them still count', async () => {
  const file = logFile();
  const start = startEvent(0, T);
  const badEval = {
    ...evalEvent(2, T),
    routingSample: { tokens: [1, { x: 2 }], experts: [[[0, 1]]], gates: [[[0.5, 0.5]]] },
  };
  writeFileSync(
    file,
    line(start) +
      line(stepEvent(1, T, 0)) +
      line({ ...start, config: {} }) + // a second start with an empty config
      line({ ...start, runName: 42 }) +
      line({ ...stepEvent(2, T, 0), expertCounts: 'lots' }) +
      line(badEval) + // non-string routing tokens
      line({ ...end(3), reason: { why: 'object' } }) +
      line({ v: 1, time: T, type: 'constructor', step: 1 }) +
      line({ ...stepEvent(3, T, 0), v: 999 }) +
      line(stepEvent(3, T, 0)) +
      line(end(3)),
  );
  const tail = new EventLogTail(file);
  const read = await tail.read();
  assert.deepEqual(
    read.events.map((e) => `${e.type} ${e.step}`),
    ['start 0', 'step 1', 'step 3', 'end 3'],
  );
  assert.deepEqual(read.problems, [
    'line 3: config.model: expected an object, got nothing',
    'line 4: runName: expected a string, got 42',
    'line 5: expertCounts: expected a list, got "lots"',
    'line 6: routingSample.tokens[0]: expected a string, got 1',
    'line 7: reason: expected a string, got {"why":"object"}',
    'line 8: type: expected one of start, step, eval, analysis, checkpoint, end, got "constructor"',
    'line 9: v: expected 1 or 2, got 999',
  ]);
  assert.deepEqual((await tail.read()).problems, [], 'reported once');
  const summary = reduceEvents(read.events, createRunSummary());
  assert.equal(summary.status, 'completed');
  assert.equal(summary.step, 3);
  reduceEvents(read.events, createRunState()); // the views' full state takes the same events without throwing
});

test('a 1.5 KB start event claiming 10⁷ experts is refused at once, before anything is sized from it', async () => {
  const file = logFile();
  const start = startEvent(0, T);
  const huge = { ...start, config: { ...start.config, model: { ...start.config.model, experts: 1e7 } } };
  const wide = {
    ...start,
    moeLayers: Array.from({ length: 300 }, (_, i) => i),
    config: { ...start.config, model: { ...start.config.model, experts: 4096 } },
  };
  writeFileSync(file, line(huge) + line(wide) + line(start) + line(stepEvent(1, T, 0)));
  assert.ok(JSON.stringify(huge).length < 2048);
  const started = performance.now();
  const read = await readEventLog(file);
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  assert.deepEqual(read.problems, [
    'line 1: config.model.experts: expected an integer in 1…4096, got 10000000',
    'line 2: moeLayers: expected at most 1024 MoE layers and 65536 layer × expert cells, got 300 × 4096',
  ]);
  const state = reduceEvents(read.events);
  assert.equal(state.experts, 8);
  assert.equal(state.bias.length, 1);
});

test(
  'a FIFO named events.jsonl is refused at once (reported once), not read for ever',
  { skip: process.platform === 'win32' },
  async () => {
    const file = logFile();
    spawnSync('mkfifo', [file]);
    const tail = new EventLogTail(file);
    const first = await tail.read();
    assert.match(
      first.problems.join(),
      /events\.jsonl: the event log is a FIFO \(named pipe\), expected a regular file/,
    );
    assert.deepEqual((await tail.read()).problems, [], 'once');
  },
);

test('a log replaced by a larger file is read from its start, not from the old offset', async () => {
  const file = logFile();
  writeFileSync(file, line(startEvent(0, T)) + line(stepEvent(1, T, 0)));
  const tail = new EventLogTail(file);
  assert.equal((await tail.read()).events.length, 2);
  const other = `${file}.new`;
  writeFileSync(
    other,
    line({ ...startEvent(0, '2026-02-02T00:00:00.000Z'), runName: 'other' }) +
      line(stepEvent(1, T, 0)) +
      line(stepEvent(2, T, 0)) +
      line(stepEvent(3, T, 0)),
  );
  renameSync(other, file);
  const read = await tail.read();
  assert.equal(read.reset, true);
  assert.deepEqual(
    read.events.map((e) => (e.type === 'start' ? e.runName : e.step)),
    ['other', 1, 2, 3],
  );
  // rewritten in place (same inode), larger, different first bytes
  writeFileSync(
    file,
    line({ ...startEvent(0, '2026-03-03T00:00:00.000Z'), runName: 'third' }) +
      line(stepEvent(1, T, 0)) +
      line(stepEvent(2, T, 0)) +
      line(stepEvent(3, T, 0)) +
      line(stepEvent(4, T, 0)),
  );
  const third = await tail.read();
  assert.equal(third.reset, true);
  assert.equal(third.events[0].type === 'start' && third.events[0].runName, 'third');
});

test('bounded reads: a budget per read (more is set), a too-long line skipped with its length and reported', async () => {
  const file = logFile();
  writeFileSync(file, line(startEvent(0, T)));
  appendFileSync(file, `${'x'.repeat(5000)}\n`);
  for (let step = 1; step <= 50; step++) appendFileSync(file, line(stepEvent(step, T, 0)));
  const tail = new EventLogTail(file, 4096, 2048);
  const steps: number[] = [];
  const problems: string[] = [];
  let reads = 0;
  for (let more = true; more; reads++) {
    const read = await tail.read();
    steps.push(...read.events.filter((e) => e.type === 'step').map((e) => e.step));
    problems.push(...read.problems);
    more = read.more === true;
  }
  assert.ok(reads > 5, `${reads} reads of at most 2 KiB`);
  assert.deepEqual(
    steps,
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.deepEqual(problems, ['line 2: skipped: 5000 bytes long, more than the 16 MiB a line may have']);
});

test('the run shows how many lines were skipped, and names from a log lose their control characters', () => {
  const state = reduceEvents([{ ...startEvent(0, T), runName: 'evil\u001b]0;pwned\u0007' }], createRunSummary());
  const info = runInfo(
    {
      id: 'r',
      folder: { fsPath: '/r' } as never,
      state,
      logProblems: { count: 3, first: 'line 2: runName: expected a string, got 42' },
    },
    { pidAlive: false },
  );
  assert.equal(info.name, 'evil\ufffd]0;pwned\ufffd');
  assert.match(
    runTooltipMarkdown(info),
    /Log: 3 lines skipped as not valid events \(first: line 2: runName: expected a string, got 42\)/,
  );
});
