// A run checkpointed on wasm resumes on webgpu and back on wasm, and trains on as the same chain of
// resumes all on wasm does (same tolerances as webgpuMatch.test.ts: relative 1e-5 for losses,
// exact counts and loss-free biases).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, runTrainer, tempDir, writeTinyConfig } from './helpers';
import { GPU_ENV, requireLavapipe } from './webgpuSupport';

test('checkpointed on wasm, resumed on webgpu, then on wasm again: the same run as all on wasm', () => {
  requireLavapipe();
  const dir = tempDir('webgpu-resume');
  const config = writeTinyConfig(dir, 'run.moe.json', {
    training: { steps: 3, evalEvery: 100, checkpointEvery: 100, finalAnalysis: false },
    balancer: { methods: ['loss-free', 'aux-loss'] },
  });
  const chain = (name: string, backends: string[]) => {
    const runDir = join(dir, name);
    backends.forEach((backend, i) => {
      const args =
        i === 0 ? ['--config', config, '--out', runDir] : ['--resume', runDir, '--steps', String(3 * (i + 1))];
      const result = runTrainer([...args, '--backend', backend], GPU_ENV);
      assert.equal(result.code, 0, `${name}, session ${i + 1} on ${backend}: ${result.stderr}`);
    });
    return readEvents(runDir);
  };
  const mixed = chain('mixed', ['wasm', 'webgpu', 'wasm']);
  const reference = chain('wasm', ['wasm', 'wasm', 'wasm']);

  const starts = ofType(mixed, 'start');
  assert.deepEqual(
    starts.map((s) => [s.backend.name, s.step]),
    [
      ['wasm', 0],
      ['webgpu', 3],
      ['wasm', 6],
    ],
  );
  assert.equal(starts[1].resumedFrom, 'checkpoint');
  const [steps, expected] = [ofType(mixed, 'step'), ofType(reference, 'step')];
  assert.deepEqual(
    steps.map((s) => s.step),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  steps.forEach((s, i) => {
    const e = expected[i];
    assert.ok(Math.abs(s.loss - e.loss) <= 1e-5 * e.loss, `step ${s.step} loss: ${s.loss} vs all-wasm ${e.loss}`);
    assert.deepEqual(s.expertCounts, e.expertCounts, `step ${s.step} counts`);
    assert.deepEqual(s.bias, e.bias, `step ${s.step} biases`);
  });
  assert.deepEqual(
    ofType(mixed, 'end').map((e) => e.status),
    ['completed', 'completed', 'completed'],
  );
});
