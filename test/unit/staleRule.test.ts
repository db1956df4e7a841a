// The status of a run whose writer cannot be checked here (another host, a Megatron import): running
// while its files grow, stale after moeLens.staleAfterSeconds, never running forever; an end still wins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEvent } from './extensionFixtures';
import { deriveStatus, foldEvents } from '../../extension/runs/runState';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds)).toISOString();
const open = foldEvents([startEvent(0, at(0))]);
const quiet = (quietSeconds: number) => ({ managed: false, pidAlive: false, quietSeconds, staleAfterSeconds: 120 });

test('an unchecked writer is running while it wrote within staleAfterSeconds, then stale', () => {
  assert.deepEqual(deriveStatus(open, quiet(5)), { status: 'running' });
  const stale = deriveStatus(open, quiet(121));
  assert.equal(stale.status, 'stale');
  assert.match(stale.reason ?? '', /nothing written for 121 s \(moeLens.staleAfterSeconds 120\)/);
});

test('an end event decides over the quiet time, and a checkable dead pid is still interrupted', () => {
  const ended = foldEvents([startEvent(0, at(0)), { v: 1, time: at(1), type: 'end', step: 0, status: 'completed', reason: '', durationSeconds: 1 }]);
  assert.equal(deriveStatus(ended, quiet(1)).status, 'completed');
  assert.equal(deriveStatus(ended, quiet(1000)).status, 'completed');
  assert.equal(deriveStatus(open, { managed: false, pidAlive: false }).status, 'interrupted');
});
