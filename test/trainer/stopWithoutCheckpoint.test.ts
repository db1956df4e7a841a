// A stop must not wait for a periodic checkpoint: with checkpointEvery 0 and a run far too long to
// finish, SIGTERM still ends it "stopped" within a step or two; so does a reader closing stdout.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { TRAINER, ofType, readEvents, runAndSignalAfterFirstStep, tempDir, writeTinyConfig } from './helpers';

const ENDLESS = { training: { steps: 1_000_000, checkpointEvery: 0, evalEvery: 1_000_000 } };

test('SIGTERM stops a run that has no checkpoint coming', async () => {
  const dir = tempDir('sigterm-endless');
  const config = writeTinyConfig(dir, 'endless.moe.json', ENDLESS);
  const out = join(dir, 'run');
  const result = await runAndSignalAfterFirstStep(['--config', config, '--out', out], 'SIGTERM');
  assert.equal(result.code, 0, result.stderr);
  const events = readEvents(out);
  const end = ofType(events, 'end')[0];
  assert.equal(end.status, 'stopped');
  assert.equal(end.reason, `stopped by you (SIGTERM) at step ${end.step}, checkpoint saved`);
  assert.ok(end.step < 1000, `stopped soon after the signal, at step ${end.step}`);
  assert.deepEqual(
    ofType(events, 'checkpoint').map((c) => c.step),
    [end.step],
  );
});

test('a reader closing stdout stops the run cleanly instead of leaving an orphan', async () => {
  const dir = tempDir('stdout-closed');
  const config = writeTinyConfig(dir, 'endless.moe.json', ENDLESS);
  const out = join(dir, 'run');
  const child = spawn(process.execPath, [TRAINER, '--config', config, '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.resume();
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.once('data', () => {
      child.stdout.destroy();
    });
    child.on('close', resolve);
  });
  assert.equal(code, 0);
  const end = ofType(readEvents(out), 'end')[0];
  assert.equal(end.status, 'stopped');
  assert.equal(end.reason, `stopped because stdout closed at step ${end.step}, checkpoint saved`);
});
