/** Shared by the model tests: backend switching, tiny configs, synthetic batches, gradient comparison. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { resolveRunConfig, type RunConfig, type RunConfigInput } from '../../protocol/runConfig';
import type { Batch } from '../../trainer/model/api';
import { seededRandom } from '../../trainer/model/random';
import { installWasmKernels } from '../../trainer/model/wasmKernels';

export const BACKENDS = ['cpu', 'wasm'] as const;

export async function useBackend(name: (typeof BACKENDS)[number]): Promise<void> {
  assert.ok(await tf.setBackend(name), `backend ${name} did not initialise`);
  await tf.ready();
  if (name === 'wasm') installWasmKernels();
}

export function tinyConfig(overrides: RunConfigInput = {}): RunConfig {
  return resolveRunConfig({
    ...overrides,
    model: { layers: 2, dModel: 16, heads: 2, seqLen: 8, experts: 4, topK: 2, expertHidden: 16, ...overrides.model },
    training: { batchSize: 2, seed: 3, warmup: 0, steps: 100, ...overrides.training },
    balancer: { methods: ['aux-loss'], ...overrides.balancer },
  });
}

/**
 * Token sequences with structure a model can learn: each sequence walks a random cycle of the
 * vocabulary with a random stride, so the next token follows from the last two.
 */
export function syntheticBatch(random: () => number, batchSize: number, seqLen: number, vocab: number): Batch {
  const inputs = new Int32Array(batchSize * seqLen);
  const targets = new Int32Array(batchSize * seqLen);
  for (let b = 0; b < batchSize; b++) {
    let token = Math.floor(random() * vocab);
    const stride = 1 + Math.floor(random() * 3);
    for (let s = 0; s <= seqLen; s++) {
      if (s < seqLen) inputs[b * seqLen + s] = token;
      if (s > 0) targets[b * seqLen + s - 1] = token;
      token = (token + stride) % vocab;
    }
  }
  return { inputs, targets, batchSize, seqLen };
}

export function randomBatches(seed: number, count: number, config: RunConfig, vocab: number): Batch[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    syntheticBatch(random, config.training.batchSize, config.model.seqLen, vocab),
  );
}

/** Asserts two float arrays agree elementwise within atol + rtol·|expected|. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol = 0,
  what = 'value',
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = atol + rtol * Math.abs(expected[i]);
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${what}[${i}]: ${actual[i]} vs expected ${expected[i]} (tolerance ${tolerance})`,
    );
  }
}

/** Gradients of sum(f(inputs) · w) with respect to every input, for a fixed random weight w. */
export function gradientsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed = 5): Float32Array[] {
  return tf.tidy(() => {
    const probe = f(...inputs);
    const weight = tf.randomNormal(probe.shape, 0, 1, 'float32', seed);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), weight)))(inputs);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}
