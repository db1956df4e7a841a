// webgpu against wasm, same seed and data, through the CLI on lavapipe. Tolerances:
// - losses, balancer terms, gradient norms, validation and drop-top losses: relative 1e-5. Both
//   backends compute in float32 (ε = 1.2e-7) but sum in different orders (tiled WGSL reductions vs
//   XNNPACK), so each reduction differs by a few ε; measured: ≤ 3e-7 relative over the first 8 steps.
//   1e-5 leaves ~30× headroom and still catches any real difference: one token routed to another
//   expert, a wrong gate or a dropped term moves these by 1e-4 … 1e-2.
// - expert counts and loss-free biases: exact. A pick flips only when two of a token's scores lie
//   within float32 noise (~1e-6) of each other; the runs are deterministic, so with this seed either
//   every run flips or none does, and none does (measured). The biases are sums of ±u steps taken
//   from the counts, so equal counts give bit-equal biases.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, runTrainer, tempDir, writeTinyConfig } from './helpers';
import { GPU_ENV, requireLavapipe } from './webgpuSupport';

const RELATIVE = 1e-5;
const STEPS = 6;

function assertRelative(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= RELATIVE * Math.max(Math.abs(expected), 1e-3),
    `${what}: webgpu ${actual} vs wasm ${expected}`,
  );
}

test(`webgpu matches wasm: ${STEPS} steps' losses, terms, counts and loss-free biases; the eval and drop-top losses`, () => {
  requireLavapipe();
  const dir = tempDir('webgpu-match');
  // two MoE layers (the pre-pass plans layer 2 from layer 1's output), loss-free with the aux loss and z-loss
  const config = writeTinyConfig(dir, 'match.moe.json', {
    model: { layers: 2 },
    training: { steps: STEPS, evalEvery: STEPS, checkpointEvery: 1000 },
    balancer: { methods: ['loss-free', 'aux-loss'], zLossBeta: 0.001 },
  });
  const runs = Object.fromEntries(
    (['wasm', 'webgpu'] as const).map((backend) => {
      const runDir = join(dir, backend);
      const result = runTrainer(['--config', config, '--out', runDir, '--backend', backend], GPU_ENV);
      assert.equal(result.code, 0, `${backend}: ${result.stderr}`);
      return [backend, readEvents(runDir)];
    }),
  );
  const [wasmSteps, gpuSteps] = [ofType(runs.wasm, 'step'), ofType(runs.webgpu, 'step')];
  assert.equal(gpuSteps.length, STEPS);
  gpuSteps.forEach((gpu, i) => {
    const cpu = wasmSteps[i];
    const at = `step ${gpu.step}`;
    assertRelative(gpu.loss, cpu.loss, `${at} loss`);
    assertRelative(gpu.lmLoss, cpu.lmLoss, `${at} lmLoss`);
    assert.deepEqual(Object.keys(gpu.terms).sort(), ['auxLoss', 'zLoss']);
    for (const name of ['auxLoss', 'zLoss'] as const)
      assertRelative(gpu.terms[name]!, cpu.terms[name]!, `${at} ${name}`);
    assertRelative(gpu.gradNorm, cpu.gradNorm, `${at} gradNorm`);
    assert.deepEqual(gpu.expertCounts, cpu.expertCounts, `${at} expert counts`);
    assert.deepEqual(gpu.bias, cpu.bias, `${at} loss-free biases`);
  });
  // the biases moved: the comparison covers the update, not only zeros
  assert.ok(
    gpuSteps
      .at(-1)!
      .bias!.flat()
      .some((b) => b !== 0),
  );

  const [wasmEval, gpuEval] = [ofType(runs.wasm, 'eval').at(-1)!, ofType(runs.webgpu, 'eval').at(-1)!];
  assertRelative(gpuEval.valLoss, wasmEval.valLoss, 'validation loss');
  assert.deepEqual(gpuEval.expertLoad, wasmEval.expertLoad, 'validation expert load');
  assert.deepEqual(gpuEval.routingSample.experts, wasmEval.routingSample.experts, 'routing sample');
  gpuEval.pes.forEach((pes, l) =>
    assert.ok(Math.abs(pes - wasmEval.pes[l]) <= 1e-5, `PES layer ${l}: ${pes} vs ${wasmEval.pes[l]}`),
  );

  const [wasmAnalysis, gpuAnalysis] = [ofType(runs.wasm, 'analysis')[0], ofType(runs.webgpu, 'analysis')[0]];
  gpuAnalysis.dropTopExperts.forEach((d, i) =>
    assertRelative(d.loss, wasmAnalysis.dropTopExperts[i].loss, `drop-top ${d.dropped} loss`),
  );
  assert.deepEqual(
    gpuAnalysis.dynamicK.map((k) => k.meanExpertsPerToken),
    wasmAnalysis.dynamicK.map((k) => k.meanExpertsPerToken),
    'Dynamic-K experts per token',
  );
});
