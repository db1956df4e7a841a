// Every balancer (and its combinations, sigmoid gates, z-loss) trains end to end on webgpu through
// the CLI on lavapipe: steps, eval with every metric, checkpoint, final analysis, status completed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, runTrainer, tempDir, writeTinyConfig } from './helpers';
import { GPU_ENV, requireLavapipe } from './webgpuSupport';

const RUNS: { methods: string[]; model?: Record<string, unknown>; zLossBeta?: number }[] = [
  { methods: ['none'] },
  { methods: ['aux-loss'] },
  { methods: ['loss-free'] },
  { methods: ['simbal'] },
  { methods: ['loss-free', 'simbal'] },
  { methods: ['loss-free', 'aux-loss'], model: { gate: 'sigmoid' }, zLossBeta: 0.001 },
];

for (const { methods, model, zLossBeta } of RUNS) {
  const label = `${methods.join('+')}${model ? ' (sigmoid gates, z-loss)' : ''}`;
  test(`webgpu trains ${label} end to end`, () => {
    requireLavapipe();
    const dir = tempDir('webgpu-balancer');
    const config = writeTinyConfig(dir, 'run.moe.json', {
      model: { layers: 2, ...model },
      training: { steps: 3, evalEvery: 3, checkpointEvery: 3 },
      balancer: { methods, ...(zLossBeta && { zLossBeta }) },
    });
    const runDir = join(dir, 'run');
    const result = runTrainer(['--config', config, '--out', runDir, '--backend', 'webgpu'], GPU_ENV);
    assert.equal(result.code, 0, result.stderr);
    const events = readEvents(runDir);
    assert.equal(ofType(events, 'start')[0].backend.name, 'webgpu');
    const steps = ofType(events, 'step');
    assert.deepEqual(
      steps.map((s) => s.step),
      [1, 2, 3],
    );
    for (const s of steps) {
      assert.ok(Number.isFinite(s.loss) && Number.isFinite(s.gradNorm), JSON.stringify(s));
      assert.equal(s.expertCounts!.length, 2);
      // top-2 of 4 experts: every token counted twice per layer
      for (const counts of s.expertCounts!)
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          2 * 4 * 16,
        );
    }
    const expectedTerms = [
      methods.includes('aux-loss') && 'auxLoss',
      methods.includes('simbal') && 'simbal',
      zLossBeta && 'zLoss',
    ].filter(Boolean);
    assert.deepEqual(Object.keys(steps[0].terms).sort(), expectedTerms.sort());
    assert.equal(steps[0].bias !== undefined, methods.includes('loss-free'));
    const [evaluation] = ofType(events, 'eval');
    assert.ok(
      Number.isFinite(evaluation.valLoss) &&
        evaluation.pes.every(Number.isFinite) &&
        Number.isFinite(evaluation.gramDeviation),
    );
    assert.equal(ofType(events, 'checkpoint').length, 1);
    assert.equal(ofType(events, 'analysis').length, 1);
    assert.deepEqual(
      ofType(events, 'end').map((e) => e.status),
      ['completed'],
    );
  });
}
