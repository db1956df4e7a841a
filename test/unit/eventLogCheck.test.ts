// The event log checker behind `node dist/validate-log.js`: order, shapes and derived values, each
// problem naming its line, field and what was expected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLogChecker, formatProblem } from '../../protocol/eventLogCheck';
import { resolveRunConfig } from '../../protocol/runConfig';
import { startEvent } from './extensionFixtures';

const time = '2026-12-01T00:00:00.000Z';
const config = resolveRunConfig({ model: { layers: 2, experts: 4, topK: 2 } });
const start = { ...startEvent(0, time), config, moeLayers: [0, 1] };
const step = (n: number, counts: number[][], maxVioBatch: number[]) => ({
  v: 1,
  type: 'step',
  time,
  step: n,
  loss: 1,
  lmLoss: 1,
  terms: {},
  lr: 0.1,
  gradNorm: 1,
  tokensPerSecond: 10,
  expertCounts: counts,
  maxVioBatch,
  maxVioBatchMean: maxVioBatch.reduce((a, b) => a + b, 0) / maxVioBatch.length,
});
const end = (n: number) => ({ v: 1, type: 'end', time, step: n, status: 'completed', reason: '', durationSeconds: 1 });

function check(events: unknown[]): string[] {
  const checker = new EventLogChecker();
  events.forEach((event, i) => checker.line(i + 1, typeof event === 'string' ? event : JSON.stringify(event)));
  return checker.finish().map((p) => formatProblem('events.jsonl', p));
}

test('a well-formed log has no problem', () => {
  assert.deepEqual(
    check([
      start,
      step(
        1,
        [
          [2, 4, 6, 8],
          [5, 5, 5, 5],
        ],
        [0.6, 0],
      ),
      end(1),
    ]),
    [],
  );
});

test('each problem names the line, the field and what was expected', () => {
  const problems = check([
    start,
    step(
      1,
      [
        [2, 4, 6, 8],
        [5, 5, 5],
      ],
      [0.6, 0],
    ),
    step(
      1,
      [
        [2, 4, 6, 8],
        [5, 5, 5, 5],
      ],
      [0.5, 0],
    ),
    '{"v": 1, "type": "step"',
    end(2),
    step(
      3,
      [
        [1, 1, 1, 1],
        [1, 1, 1, 1],
      ],
      [0, 0],
    ),
  ]);
  assert.deepEqual(problems, [
    'events.jsonl:2: expertCounts[1]: expected 4 entries, one per expert (config.model.experts)',
    'events.jsonl:3: step: expected more than the previous step 1, got 1',
    'events.jsonl:3: maxVioBatch[0]: expected 0.6 (MaxVio of expertCounts), got 0.5',
    `events.jsonl:4: line: expected a JSON event object of docs/events.md (not JSON: ${jsonError('{"v": 1, "type": "step"')})`,
    'events.jsonl:6: type: expected "start" or "analysis" after an end event, got "step"',
  ]);
});

test('a log must start with a start event, and an empty log is a problem', () => {
  assert.deepEqual(check([]), ['events.jsonl:0: events.jsonl: expected at least a start event (the log has no event)']);
  assert.match(
    check([step(1, [[1, 1, 1, 1]], [0])])[0],
    /^events.jsonl:1: type: expected "start" before the first step event$/,
  );
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}
