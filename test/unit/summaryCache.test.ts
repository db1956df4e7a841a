// A run's summary saved by one window and resumed by the next: only what the log gained since is read,
// and the summary comes out as a full read of the log would make it.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventLogTail, type TailRead } from '../../extension/runs/eventLogTail';
import { MAX_SAVED_SUMMARIES, SummaryCache, type KeyValueStore } from '../../extension/runs/summaryCache';
import { applyEvent, createRunSummary, type RunSummary } from '../../protocol/runModel/runState';
import { endEvent, evalEvent, startEvent, stepEvent } from './extensionFixtures';

const line = (event: object) => JSON.stringify(event) + '\n';
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

/** vscode.Memento's behaviour: values kept as given, undefined deletes. */
class MemoryStore implements KeyValueStore {
  readonly values = new Map<string, unknown>();
  keys = () => [...this.values.keys()];
  get = <T>(key: string) => this.values.get(key) as T | undefined;
  update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    return Promise.resolve();
  }
}

/** Reads the tail to the end into `state`; returns the problems and how many events came. */
async function readToEnd(tail: EventLogTail, state: RunSummary): Promise<{ events: number; problems: string[] }> {
  const seen = { events: 0, problems: [] as string[] };
  for (let read: TailRead | undefined; !read || read.more;) {
    read = await tail.read();
    for (const event of read.events) applyEvent(state, event);
    seen.events += read.events.length;
    seen.problems.push(...read.problems);
  }
  return seen;
}

function tempLog(): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'moe-summary-'));
  return { file: join(dir, 'events.jsonl'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

const firstSession = [startEvent(0, at(0)), stepEvent(1, at(1), 0.4, 900), stepEvent(2, at(2), 0.3, 1100)]
  .concat([evalEvent(2, at(3)), endEvent(2, at(4))] as never[])
  .map(line)
  .join('');

test('a saved summary is resumed in a later window: only appended lines are read, the summary equals a full read', async () => {
  const { file, done } = tempLog();
  try {
    writeFileSync(file, firstSession);
    const store = new MemoryStore();
    const first = new EventLogTail(file);
    const firstState = createRunSummary();
    await readToEnd(first, firstState);
    const mark = first.mark();
    assert.ok(mark, 'a log read to the end of its last line has a mark');
    assert.deepEqual(mark.lines.position, { offset: Buffer.byteLength(firstSession), lineNumber: 6 });
    await new SummaryCache(store).save(file, { mark, summary: firstState });
    firstState.step = 999; // the saved entry is a copy
    assert.equal(new SummaryCache(store).get(file)?.summary.step, 2);

    // A later window: the saved summary, the tail resumed at the mark; nothing new to read.
    const saved = new SummaryCache(store).get(file);
    assert.ok(saved);
    const later = new EventLogTail(file);
    assert.equal(await later.resume(saved.mark), true);
    const state = saved.summary;
    assert.deepEqual(await readToEnd(later, state), { events: 0, problems: [] });

    // The run is resumed: a new session appended, with a bad line; its line number counts the old lines.
    const resumed = [startEvent(2, at(10)), stepEvent(3, at(11), 0.2, 1000)].map(line).join('');
    appendFileSync(file, resumed + '{"v":1,"type":"step"}\n' + line(stepEvent(4, at(12), 0.1, 1200)));
    const appended = await readToEnd(later, state);
    assert.equal(appended.events, 3);
    assert.equal(appended.problems.length, 1);
    assert.match(appended.problems[0], /^line 8: /);

    const full = createRunSummary();
    await readToEnd(new EventLogTail(file), full);
    assert.deepEqual(state, full, 'the resumed summary is the one a full read of the log makes');
    assert.equal(state.timedSteps, 4);
  } finally {
    done();
  }
});

test('a mark is not resumed on a log rewritten, cut short or cut inside a line', async () => {
  const { file, done } = tempLog();
  try {
    writeFileSync(file, firstSession);
    const tail = new EventLogTail(file);
    await readToEnd(tail, createRunSummary());
    const mark = tail.mark();
    assert.ok(mark);

    writeFileSync(file, firstSession.replace('"2026-01-01T00:00:00.000Z"', '"2026-01-01T00:00:09.000Z"'));
    assert.equal(await new EventLogTail(file).resume(mark), false, 'other first bytes: another run');
    writeFileSync(file, firstSession.slice(0, 100));
    assert.equal(await new EventLogTail(file).resume(mark), false, 'shorter than the mark');
    writeFileSync(file, firstSession.slice(0, -1) + ' \n');
    assert.equal(await new EventLogTail(file).resume(mark), false, 'no line ends at the mark');
    writeFileSync(file, firstSession + line(stepEvent(9, at(20), 0.1)));
    assert.equal(await new EventLogTail(file).resume(mark), true, 'the same log, grown');
  } finally {
    done();
  }
});

test('no mark while a line is unfinished; a mark read back in another form is ignored', async () => {
  const { file, done } = tempLog();
  try {
    writeFileSync(file, firstSession + '{"v":1,"type":"st');
    const tail = new EventLogTail(file);
    await readToEnd(tail, createRunSummary());
    assert.equal(tail.mark(), undefined);

    const store = new MemoryStore();
    store.values.set(`moeLens.logSummary.v1:${file}`, { mark: { lines: {} }, summary: {} });
    assert.equal(new SummaryCache(store).get(file), undefined);
  } finally {
    done();
  }
});

test('summaries JSON cannot carry are not saved; past the limit the oldest go', async () => {
  const store = new MemoryStore();
  const cache = new SummaryCache(store);
  const { file, done } = tempLog();
  try {
    writeFileSync(file, firstSession);
    const tail = new EventLogTail(file);
    const summary = createRunSummary();
    await readToEnd(tail, summary);
    const mark = tail.mark()!;
    await cache.save('infinite', { mark, summary: { ...summary, lastValLoss: Infinity } });
    assert.equal(cache.get('infinite'), undefined, 'Infinity would come back as null');

    for (let i = 0; i <= MAX_SAVED_SUMMARIES; i++) await cache.save(`log-${i}`, { mark, summary }, 1000 + i);
    assert.equal(store.keys().length, MAX_SAVED_SUMMARIES);
    assert.equal(cache.get('log-0'), undefined, 'the oldest went');
    assert.equal(cache.get(`log-${MAX_SAVED_SUMMARIES}`)?.summary.step, 2);
  } finally {
    done();
  }
});
