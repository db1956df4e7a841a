// On webgpu (lavapipe, in this process): after a warm-up, training steps and evaluations leave the
// tensor count and the bytes held by tensors on the GPU unchanged, and the GPU buffers allocated
// (tensors plus tfjs' pool of free buffers) do not grow: the pool is trimmed of sizes the last passes
// did not use (GpuBufferPoolTrimmer). Without the trim they grew 2.5 → 3.1 MB over these 40 steps.
// (The 1,000-step figure is in docs/speed.md: npm run bench -- --backend webgpu --shape tiny --steps 1000.)
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRunConfig } from '../../protocol/runConfig';
import { selectBackend } from '../../trainer/backend';
import { createMoeModel } from '../../trainer/model';
import { randomBatches } from '../unit/modelSupport';
import { GPU_ENV, requireLavapipe } from './webgpuSupport';

const VOCAB = 40;

test('webgpu: no growth in tensors or GPU memory over 40 steps with evaluations', async () => {
  requireLavapipe();
  process.env.XDG_RUNTIME_DIR ??= GPU_ENV.XDG_RUNTIME_DIR;
  assert.equal((await selectBackend('webgpu')).name, 'webgpu');
  const config = resolveRunConfig({
    model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, topK: 2, expertHidden: 16 },
    training: { batchSize: 4, seed: 1, warmup: 0, steps: 100 },
    balancer: { methods: ['loss-free', 'aux-loss', 'simbal'] },
  });
  const model = await createMoeModel(config, VOCAB);
  const batches = randomBatches(2, 4, config, VOCAB);
  const sample = randomBatches(3, 2, config, VOCAB);
  const evalSample = {
    ...sample[0],
    inputs: Int32Array.from([...sample[0].inputs, ...sample[1].inputs]),
    targets: Int32Array.from([...sample[0].targets, ...sample[1].targets]),
    batchSize: 8,
  };
  const memory = () => {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number; numBytesAllocatedInGPU: number };
    return { tensors: m.numTensors, bytesInGpu: m.numBytesInGPU, allocatedInGpu: m.numBytesAllocatedInGPU };
  };
  const run = async (steps: number) => {
    for (let step = 0; step < steps; step++) {
      await model.trainStep(batches[step % batches.length], 1e-3);
      if (step % 10 === 9) await model.evaluate(evalSample, batches[0].inputs.subarray(0, 16));
    }
  };
  await run(10);
  const before = memory();
  const later = [];
  for (let i = 0; i < 4; i++) {
    await run(10);
    later.push(memory());
  }
  console.log(JSON.stringify({ before, later }));
  for (const after of later) {
    assert.equal(after.tensors, before.tensors, 'tensors');
    assert.equal(after.bytesInGpu, before.bytesInGpu, 'bytes in tensors on the GPU');
  }
  // the pool follows the routing's shapes up and down; what must not happen is steady growth
  const allocated = later.map((m) => m.allocatedInGpu);
  assert.ok(
    Math.max(...allocated) <= 1.25 * before.allocatedInGpu,
    `allocated: ${before.allocatedInGpu} then ${allocated.join(', ')}`,
  );
  model.dispose();
});
