// parseEventLine checks every field of every event from the one definition of the events (EVENT_SHAPES
// in protocol/events.ts, from which the event types come too): each event type with every field
// parses; each field of a wrong type, or missing while required, is an error naming its JSON path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EVENT_SHAPES,
  EventFieldError,
  parseEventLine,
  type EvalEvent,
  type TrainerEvent,
} from '../../protocol/events';
import { describeValue, type JsonField, type JsonFields } from '../../protocol/jsonShape';
import { loadStatsOf } from '../../protocol/loadStats';
import { maxVio } from '../../protocol/maxVio';
import { EventLogChecker, formatProblem } from '../../protocol/eventLogCheck';
import { analysisEvent, checkpointEvent, endEvent, evalEvent, startEvent, stepEvent } from './extensionFixtures';

const T = '2026-01-01T00:00:00.000Z';
const start = startEvent(0, T);
const counts = [[1, 2, 3, 4, 5, 6, 7, 8]];
/** One event of each type with every optional field present. */
const EVENTS: TrainerEvent[] = [
  {
    ...start,
    backend: {
      name: 'webgpu',
      reason: 'asked for',
      adapter: { vendor: 'mesa', architecture: 'llvmpipe', device: '', description: 'lavapipe', software: true },
    },
    processStartTime: '4711',
    runToken: 'token',
    host: 'here',
    resumedFrom: 'checkpoint',
    notes: ['warmup scaled'],
    data: { sources: ['corpus.txt'], trainTokens: 1, validationTokens: 1 },
    countsEvery: 1,
  },
  {
    ...stepEvent(1, T, maxVio(counts[0])),
    v: 2,
    terms: { auxLoss: 0.1, globalAuxLoss: 0.2, seqAuxLoss: 0.3, simbal: 0.4, zLoss: 0.5 },
    expertCounts: counts,
    loadStats: loadStatsOf(counts),
    bias: [[0, 0.1, -0.1, 0, 0, 0, 0, 0]],
  },
  evalEvent(2, T),
  analysisEvent(2, T),
  checkpointEvent(2, T),
  endEvent(2, T),
];

type Key = string | number;
const pathOf = (keys: readonly Key[]) =>
  keys.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');

/** Every field path of a value: each object field and each list's first element, containers too. */
function* fieldPaths(value: unknown, keys: Key[] = []): Generator<Key[]> {
  if (keys.length) yield keys;
  if (Array.isArray(value)) {
    if (value.length) yield* fieldPaths(value[0], [...keys, 0]);
  } else if (value !== null && typeof value === 'object') {
    for (const [name, field] of Object.entries(value)) yield* fieldPaths(field, [...keys, name]);
  }
}

/** Every field path a shape describes (a list's item as [0]). */
function* shapePaths(field: JsonField, keys: Key[] = []): Generator<Key[]> {
  if (keys.length) yield keys;
  if (field.kind === 'list') yield* shapePaths(field.of, [...keys, 0]);
  if (field.kind === 'object') {
    for (const [name, inner] of Object.entries(field.fields)) yield* shapePaths(inner, [...keys, name]);
  }
}

function withValue(event: TrainerEvent, keys: readonly Key[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(event) as unknown as Record<string, unknown>;
  let at = copy as Record<Key, unknown>;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<Key, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return copy;
}

/** A value of another JSON kind than `value`. */
function wrongKind(value: unknown): unknown {
  if (typeof value === 'number') return 'seven';
  if (typeof value === 'string' || typeof value === 'boolean') return 7;
  return Array.isArray(value) ? { not: 'a list' } : [];
}

function fieldError(line: Record<string, unknown>): EventFieldError {
  try {
    parseEventLine(JSON.stringify(line));
  } catch (error) {
    if (error instanceof EventFieldError) return error;
    throw error;
  }
  assert.fail(`${JSON.stringify(line).slice(0, 120)} parsed`);
}

test('each event type with every field parses to what was written', () => {
  assert.deepEqual(
    EVENTS.map((e) => e.type),
    Object.keys(EVENT_SHAPES),
  );
  for (const event of EVENTS) assert.deepEqual(parseEventLine(JSON.stringify(event)), event);
});

test('the events above use every field of every shape (so the tests below reach each one)', () => {
  for (const event of EVENTS) {
    const used = new Set([...fieldPaths(event)].map(pathOf));
    const described = [...shapePaths(EVENT_SHAPES[event.type])].map(pathOf);
    assert.deepEqual(
      described.filter((path) => !used.has(path)),
      [],
      `${event.type}`,
    );
  }
});

test('each field of a wrong type is an error naming its path, what was expected and what was found', () => {
  let checked = 0;
  for (const event of EVENTS) {
    for (const keys of shapePaths(EVENT_SHAPES[event.type])) {
      if (keys[0] === 'type') continue; // another type is another event (or an unknown one)
      const wrong = wrongKind(keys.reduce<unknown>((at, key) => (at as Record<Key, unknown>)[key], event));
      const error = fieldError(withValue(event, keys, wrong));
      const path = pathOf(keys);
      assert.equal(error.field, path, `${event.type} ${path}`);
      assert.equal(error.got, describeValue(wrong));
      assert.match(error.message, new RegExp(`^(${event.type} event: )?${path.replace(/[[\].]/g, '\\$&')}: expected `));
      checked++;
    }
  }
  assert.ok(checked > 100, `${checked} fields`);
});

test('wrong numbers, statuses and versions: integers, counts ≥ 0, finite numbers, known statuses', () => {
  const [start, step, , , , end] = EVENTS;
  const cases: [TrainerEvent, Key[], unknown, string][] = [
    [step, ['step'], 1.5, 'step event: step: expected an integer ≥ 0, got 1.5'],
    [step, ['expertCounts', 0, 3], -1, 'step event: expertCounts[0][3]: expected an integer ≥ 0, got -1'],
    // a writer's NaN reaches JSON as null
    [step, ['maxVioBatch', 0], null, 'step event: maxVioBatch[0]: expected a finite number, got null'],
    [step, ['loadStats', 'cv'], undefined, 'step event: loadStats.cv: expected a list, got nothing'],
    [start, ['config', 'model', 'topK'], 0, 'start event: config.model.topK: expected an integer ≥ 1, got 0'],
    [
      start,
      ['config', 'balancer', 'methods', 0],
      'magic',
      'start event: config.balancer.methods[0]: expected one of "none", "aux-loss", "global-aux-loss", "seq-aux-loss", "loss-free", "simbal", got "magic"',
    ],
    [
      end,
      ['status'],
      'paused',
      'end event: status: expected one of "completed", "stopped", "failed", "diverged", got "paused"',
    ],
    [end, ['v'], 0, 'v: expected an integer ≥ 1, got 0'],
  ];
  for (const [event, keys, value, message] of cases) {
    assert.equal(fieldError(withValue(event, keys, value)).message, message);
  }
});

test('each required field missing is an error; optional ones may be left out', () => {
  for (const event of EVENTS) {
    for (const [name, field] of Object.entries(EVENT_SHAPES[event.type].fields as JsonFields)) {
      if (name === 'type') continue;
      const line = withValue(event, [name], undefined);
      if (field.optional && !(name === 'loadStats' && event.v >= 2)) {
        assert.equal(parseEventLine(JSON.stringify(line))?.type, event.type, `${event.type} without ${name}`);
      } else {
        const error = fieldError(line);
        assert.equal(error.field, name);
        assert.equal(error.got, 'nothing');
      }
    }
  }
});

test("a perplexity that overflowed a double (JSON.stringify's null) reads as Infinity", () => {
  const line = JSON.stringify({ ...EVENTS[2], valLoss: 800, perplexity: Math.exp(800) });
  assert.ok(line.includes('"perplexity":null'));
  assert.equal((parseEventLine(line) as EvalEvent).perplexity, Infinity);
  const checker = new EventLogChecker();
  checker.line(1, JSON.stringify(EVENTS[0]));
  checker.line(2, line);
  assert.deepEqual(checker.finish(), []);
  assert.equal(
    fieldError({ ...EVENTS[2], valLoss: null }).message,
    'eval event: valLoss: expected a finite number, got null',
  );
});

test('the log checker reports a wrong field with its line, path, expected and found', () => {
  const checker = new EventLogChecker();
  checker.line(1, JSON.stringify(EVENTS[0]));
  checker.line(2, JSON.stringify({ ...EVENTS[1], gradNorm: 'big' }));
  checker.line(3, JSON.stringify({ ...EVENTS[1], step: 3, v: 3 }));
  checker.line(4, JSON.stringify({ v: 2, type: 'newKind', time: T }));
  assert.deepEqual(
    checker.finish().map((p) => formatProblem('events.jsonl', p)),
    [
      'events.jsonl:2: gradNorm: expected a finite number, got "big"',
      'events.jsonl:3: v: expected 1 or 2, got 3',
      'events.jsonl:4: type: expected one of start, step, eval, analysis, checkpoint, end, got "newKind"',
    ],
  );
});
