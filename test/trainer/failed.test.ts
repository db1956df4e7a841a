// An exception ends the run with status "failed", its message as the reason, exit code 1, and the
// earlier lines of the log intact.
import assert from 'node:assert/strict';
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEvents, runTrainer, tempDir, TINY } from './helpers';

test('resuming from a damaged checkpoint fails cleanly', () => {
  const runDir = join(tempDir('failed'), 'run');
  assert.equal(runTrainer(['--config', TINY, '--out', runDir, '--steps', '3']).code, 0);
  truncateSync(join(runDir, 'checkpoint', 'weights.bin'), 100);
  const before = readFileSync(join(runDir, 'events.jsonl'), 'utf8');

  const result = runTrainer(['--resume', runDir, '--steps', '6']);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(readFileSync(join(runDir, 'events.jsonl'), 'utf8').startsWith(before));
  const end = readEvents(runDir).at(-1)!;
  assert.ok(end.type === 'end' && end.status === 'failed', JSON.stringify(end));
  assert.equal(end.step, 3);
  assert.match(end.reason, /weights\.bin/);
  assert.match(result.stderr, /failed at step 3: .*weights\.bin/);
});
