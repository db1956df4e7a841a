// The status of a run whose writer cannot be checked here (another host, a Megatron import): running
// while its files grow, stale after moeLens.staleAfterSeconds, never running forever; an end still wins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEvent } from './extensionFixtures';
import { createRunSummary, reduceEvents } from '../../protocol/runModel/runState';
import { runStatus } from '../../protocol/runModel/status';
import type { TrainerEvent } from '../../protocol/events';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds)).toISOString();
const fold = (events: TrainerEvent[]) => reduceEvents(events, createRunSummary());
const open = fold([startEvent(0, at(0))]);
const quiet = (quietSeconds: number) => ({ pidAlive: false, quietSeconds, staleAfterSeconds: 120 });

test('an unchecked writer is running while it wrote within staleAfterSeconds, then stale', () => {
  assert.deepEqual(runStatus(open, quiet(5)), { status: 'running' });
  const stale = runStatus(open, quiet(121));
  assert.equal(stale.status, 'stale');
  assert.match(stale.reason ?? '', /nothing written for 121 s \(moeLens.staleAfterSeconds 120\)/);
});

test('an end event decides over the quiet time, and a checkable dead pid is still interrupted', () => {
  const ended = fold([
    startEvent(0, at(0)),
    { v: 1, time: at(1), type: 'end', step: 0, status: 'completed', reason: '', durationSeconds: 1 },
  ]);
  assert.equal(runStatus(ended, quiet(1)).status, 'completed');
  assert.equal(runStatus(ended, quiet(1000)).status, 'completed');
  assert.equal(runStatus(open, { pidAlive: false }).status, 'interrupted');
});
