// Incremental reading of events.jsonl as a trainer appends to it.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventLogTail, readEventLog } from '../../extension/runs/eventLogTail';
import { startEvent, stepEvent } from './extensionFixtures';

const line = (event: object) => JSON.stringify(event) + '\n';

function tempLog(): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'moe-tail-'));
  return { file: join(dir, 'events.jsonl'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a missing log reads as empty; appended lines come once each, a partial line when it is complete', async () => {
  const { file, done } = tempLog();
  try {
    const tail = new EventLogTail(file);
    assert.deepEqual(await tail.read(), { events: [], problems: [], reset: false });
    const start = line(startEvent(0, '2026-01-01T00:00:00.000Z'));
    const step1 = line(stepEvent(1, '2026-01-01T00:00:01.000Z', 0.5));
    writeFileSync(file, start + step1.slice(0, 40));
    let read = await tail.read();
    assert.deepEqual(
      read.events.map((e) => e.type),
      ['start'],
    );
    appendFileSync(file, step1.slice(40));
    read = await tail.read();
    assert.deepEqual(
      read.events.map((e) => [e.type, e.step]),
      [['step', 1]],
    );
    assert.equal((await tail.read()).events.length, 0);
  } finally {
    done();
  }
});

test('a UTF-8 character split between two reads stays whole', async () => {
  const { file, done } = tempLog();
  try {
    const start = startEvent(0, '2026-01-01T00:00:00.000Z');
    const bytes = Buffer.from(line({ ...start, runName: 'Straße→MoE' }));
    const cut = bytes.indexOf(Buffer.from('→')) + 1; // inside the 3-byte arrow
    const tail = new EventLogTail(file);
    writeFileSync(file, bytes.subarray(0, cut));
    assert.equal((await tail.read()).events.length, 0);
    appendFileSync(file, bytes.subarray(cut));
    const [event] = (await tail.read()).events;
    assert.equal(event.type === 'start' && event.runName, 'Straße→MoE');
  } finally {
    done();
  }
});

test('bad lines are reported with their line number and skipped; a shrunk file is read again from the start', async () => {
  const { file, done } = tempLog();
  try {
    const t = '2026-01-01T00:00:00.000Z';
    writeFileSync(
      file,
      line(startEvent(0, t)) + 'not json\n' + '{"v":1,"type":"step","step":3}\n' + line(stepEvent(4, t, 0.1)),
    );
    const tail = new EventLogTail(file);
    const read = await tail.read();
    assert.deepEqual(
      read.events.map((e) => e.step),
      [0, 4],
    );
    assert.equal(read.problems.length, 2);
    assert.match(read.problems[0], /^line 2: line: expected a JSON event object of docs\/events\.md \(not JSON/);
    assert.match(read.problems[1], /^line 3: time: expected a string, got nothing$/);
    writeFileSync(file, line(startEvent(0, t)) + line(stepEvent(1, t, 0.1)));
    const again = await tail.read();
    assert.equal(again.reset, true);
    assert.deepEqual(
      again.events.map((e) => e.step),
      [0, 1],
    );
    assert.deepEqual(
      (await readEventLog(file)).events.map((e) => e.step),
      [0, 1],
    );
  } finally {
    done();
  }
});
