// SIGTERM mid-run ends "stopped" with a checkpoint and exit 0; --resume continues the step count,
// keeps the earlier lines and reproduces the uninterrupted run's losses exactly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, runAndSignalAfterFirstStep, runTrainer, tempDir, writeTinyConfig } from './helpers';

const STEPS = 40;

test('a run stopped by SIGTERM resumes and continues exactly like an uninterrupted run', async () => {
  const dir = tempDir('resume');
  // loss-free: its biases and the optimiser state must both survive the checkpoint
  // 40 steps: room for the signal to land mid-run even on a busy machine
  const config = writeTinyConfig(dir, 'run.moe.json', {
    balancer: { methods: ['loss-free', 'aux-loss'] },
    training: { steps: STEPS },
  });
  const whole = join(dir, 'whole');
  const uninterrupted = runTrainer(['--config', config, '--out', whole]);
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);

  const stoppedDir = join(dir, 'stopped');
  const stopped = await runAndSignalAfterFirstStep(['--config', config, '--out', stoppedDir], 'SIGTERM');
  assert.equal(stopped.code, 0, stopped.stderr);
  const firstSession = readEvents(stoppedDir);
  const end = firstSession.at(-1)!;
  assert.ok(
    end.type === 'end' &&
      end.status === 'stopped' &&
      /^stopped by you \(SIGTERM\) at step \d+, checkpoint saved$/.test(end.reason),
    JSON.stringify(end),
  );
  const stopStep = end.step;
  assert.ok(stopStep >= 1 && stopStep < STEPS, `stopped mid-run, at step ${stopStep}`);
  assert.deepEqual(firstSession.at(-2), {
    ...firstSession.at(-2)!,
    type: 'checkpoint',
    step: stopStep,
    path: 'checkpoint',
  });
  const state = JSON.parse(readFileSync(join(stoppedDir, 'checkpoint', 'state.json'), 'utf8')) as { step: number };
  assert.equal(state.step, stopStep);

  const before = readFileSync(join(stoppedDir, 'events.jsonl'), 'utf8');
  const resumed = runTrainer(['--resume', stoppedDir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(readFileSync(join(stoppedDir, 'events.jsonl'), 'utf8').startsWith(before), 'earlier lines kept');

  const events = readEvents(stoppedDir);
  const starts = ofType(events, 'start');
  assert.equal(starts.length, 2);
  assert.equal(starts[1].step, stopStep);
  assert.equal(starts[1].resumedFrom, 'checkpoint');
  const steps = ofType(events, 'step');
  assert.deepEqual(
    steps.map((s) => s.step),
    Array.from({ length: STEPS }, (_, i) => i + 1),
    'no step twice, none missing',
  );
  const reference = ofType(readEvents(whole), 'step');
  assert.deepEqual(
    steps.map((s) => [s.step, s.loss, s.lmLoss, s.lr, s.expertCounts, s.bias]),
    reference.map((s) => [s.step, s.loss, s.lmLoss, s.lr, s.expertCounts, s.bias]),
  );
  assert.deepEqual(
    ofType(events, 'eval').map((e) => [e.step, e.valLoss]),
    ofType(readEvents(whole), 'eval').map((e) => [e.step, e.valLoss]),
  );
  assert.equal(ofType(events, 'end').at(-1)!.status, 'completed');
  const checkpointSteps = ofType(events, 'checkpoint').map((c) => c.step);
  assert.equal(new Set(checkpointSteps).size, checkpointSteps.length, `one checkpoint per step: ${checkpointSteps}`);

  // The run is complete now: resuming again is refused (exit 2) and changes nothing.
  const after = readFileSync(join(stoppedDir, 'events.jsonl'), 'utf8');
  const again = runTrainer(['--resume', stoppedDir]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already trained 40 of 40 steps; pass --steps N/);
  assert.equal(readFileSync(join(stoppedDir, 'events.jsonl'), 'utf8'), after);
});

test('SIGINT also stops after the step with a checkpoint (one, even right after a periodic one)', async () => {
  const dir = tempDir('sigint');
  const config = writeTinyConfig(dir, 'run.moe.json', { training: { steps: 200, warmup: 2, checkpointEvery: 1 } });
  const runDir = join(dir, 'run');
  const result = await runAndSignalAfterFirstStep(['--config', config, '--out', runDir], 'SIGINT');
  assert.equal(result.code, 0, result.stderr);
  const events = readEvents(runDir);
  const end = ofType(events, 'end')[0];
  assert.equal(end.status, 'stopped');
  assert.equal(end.reason, `stopped by you (SIGINT) at step ${end.step}, checkpoint saved`);
  assert.equal(ofType(events, 'step').at(-1)!.step, end.step);
  assert.deepEqual(
    ofType(events, 'checkpoint').map((c) => c.step),
    Array.from({ length: end.step }, (_, i) => i + 1),
  );
});
