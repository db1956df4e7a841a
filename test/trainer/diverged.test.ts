// A loss that becomes NaN or infinite ends the run with status "diverged" and the step.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, runTrainer, tempDir, writeTinyConfig } from './helpers';

test('lr 10 with weight decay 1 and no clipping diverges: end "diverged" naming the step', () => {
  const dir = tempDir('diverged');
  // AdamW's decoupled decay with lr·wd = 10 multiplies every matrix by −9 each step: overflow within ~20 steps.
  const config = writeTinyConfig(dir, 'run.moe.json', {
    training: { lr: 10, weightDecay: 1, gradClip: 0, warmup: 0, steps: 60 },
  });
  const runDir = join(dir, 'run');
  const result = runTrainer(['--config', config, '--out', runDir]);
  assert.equal(result.code, 0, result.stderr);
  const events = readEvents(runDir);
  const end = events.at(-1)!;
  assert.ok(end.type === 'end' && end.status === 'diverged', JSON.stringify(end));
  assert.ok(end.step > 1 && end.step < 60);
  assert.match(end.reason, new RegExp(`^loss is (NaN|Infinity|-Infinity) at step ${end.step}$`));
  const steps = ofType(events, 'step');
  assert.equal(steps.at(-1)!.step, end.step - 1, 'the diverged step itself is not logged as a step');
  assert.ok(steps.every((s) => Number.isFinite(s.loss)));
});
