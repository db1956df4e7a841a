/** AdamW with global gradient clipping, against a hand-worked step and torch.optim.AdamW's algorithm. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Param } from '../../trainer/model/params';
import { seededRandom } from '../../trainer/model/random';
import { AdamW, ADAMW_DEFAULTS, normOfSquareSums, squareSums } from '../../trainer/training/adamw';
import { BACKENDS, assertClose, useBackend } from './modelSupport';

function makeParams(): Param[] {
  return [
    { name: 'matrix', variable: tf.variable(tf.tensor2d([1, -2], [1, 2])), decay: true, role: 'other' },
    { name: 'gain', variable: tf.variable(tf.tensor1d([3])), decay: false, role: 'other' },
  ];
}

/** torch.optim.AdamW's update written out per element, after torch's clip_grad_norm_. */
function referenceSteps(
  params: number[],
  decay: boolean[],
  gradSteps: number[][],
  lr: number,
  wd: number,
  clip: number,
): number[] {
  const { beta1, beta2, epsilon } = ADAMW_DEFAULTS;
  const p = [...params];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gradSteps.forEach((grads, i) => {
    const step = i + 1;
    const norm = Math.sqrt(grads.reduce((s, g) => s + g * g, 0));
    const scale = clip > 0 ? Math.min(1, clip / (norm + 1e-6)) : 1;
    p.forEach((_, j) => {
      const g = grads[j] * scale;
      if (decay[j]) p[j] *= 1 - lr * wd;
      m[j] = beta1 * m[j] + (1 - beta1) * g;
      v[j] = beta2 * v[j] + (1 - beta2) * g * g;
      const denominator = Math.sqrt(v[j]) / Math.sqrt(1 - beta2 ** step) + epsilon;
      p[j] -= (lr / (1 - beta1 ** step)) * (m[j] / denominator);
    });
  });
  return p;
}

for (const backend of BACKENDS) {
  test(`[${backend}] AdamW first step by hand: ±lr per element, decay on matrices only, gradient norm`, async () => {
    await useBackend(backend);
    const params = makeParams();
    const optimizer = new AdamW(params, { ...ADAMW_DEFAULTS, weightDecay: 0.01, gradClip: 0 });
    const norm = await optimizer.apply([tf.tensor2d([0.5, 0.1], [1, 2]), tf.tensor1d([-0.2])], 0.1);
    assertClose([norm], [Math.sqrt(Math.fround(0.5) ** 2 + Math.fround(0.1) ** 2 + Math.fround(-0.2) ** 2)], 1e-7);
    // m̂/√v̂ = sign(g) at step 1; the matrix first decays by (1 − 0.1·0.01): 1 → 0.999 − 0.1, −2 → −1.998 − 0.1
    assertClose(params[0].variable.dataSync(), [0.899, -2.098], 1e-6);
    assertClose(params[1].variable.dataSync(), [3.1], 1e-6);
  });

  test(`[${backend}] AdamW over several clipped steps equals torch's algorithm`, async () => {
    await useBackend(backend);
    const params = makeParams();
    const optimizer = new AdamW(params, { ...ADAMW_DEFAULTS, weightDecay: 0.1, gradClip: 0.3 });
    const gradSteps = [
      [0.5, 0.1, -0.2],
      [0.05, -0.02, 0.01],
      [-1, 2, 0.5],
      [0, 0, 0],
    ];
    const norms = [];
    for (const g of gradSteps)
      norms.push(await optimizer.apply([tf.tensor2d(g.slice(0, 2), [1, 2]), tf.tensor1d(g.slice(2))], 0.05));
    assertClose(
      norms,
      gradSteps.map((g) => Math.hypot(...g)),
      1e-6,
    );
    const expected = referenceSteps([1, -2, 3], [true, true, false], gradSteps, 0.05, 0.1, 0.3);
    assertClose([...params[0].variable.dataSync(), ...params[1].variable.dataSync()], expected, 1e-5, 1e-5);
  });
}

test('[wasm] a missing gradient counts as zero', async () => {
  await useBackend('wasm');
  const params = makeParams();
  const optimizer = new AdamW(params, { ...ADAMW_DEFAULTS, weightDecay: 0, gradClip: 0 });
  await optimizer.apply([tf.tensor2d([0.5, 0.1], [1, 2]), undefined], 0.1);
  assertClose(params[1].variable.dataSync(), [3], 0);
  assertClose(params[0].variable.dataSync(), [0.9, -2.1], 1e-6);
});

test('[cpu] a parameter with a weight decay of its own (the router) decays by it, the others by the optimizer’s', async () => {
  await useBackend('cpu');
  const params = [
    ...makeParams(),
    {
      name: 'router',
      variable: tf.variable(tf.tensor2d([2, -4], [1, 2])),
      decay: true,
      weightDecay: 0.5,
      role: 'router' as const,
    },
  ];
  const optimizer = new AdamW(params, { ...ADAMW_DEFAULTS, weightDecay: 0.01, gradClip: 0 });
  // zero gradients: Adam's update is 0, only the decay p·(1 − lr·wd) acts, lr 0.1
  await optimizer.apply([tf.zeros([1, 2]), tf.zeros([1]), tf.zeros([1, 2])], 0.1);
  assertClose(params[0].variable.dataSync(), [0.999, -1.998], 1e-6);
  assertClose(params[1].variable.dataSync(), [3], 0);
  assertClose(params[2].variable.dataSync(), [1.9, -3.8], 1e-6);
});

/** A million float32 gradients spanning six decades of magnitude, from a fixed seed. */
function spreadGradients(): Float32Array {
  const random = seededRandom(7);
  return Float32Array.from({ length: 1_000_000 }, () => (random() - 0.5) * 10 ** (Math.floor(random() * 6) - 4));
}

/** √(Σ x²) of the float32 values, every square and sum in float64: the reference. */
const float64Norm = (values: Float32Array) => Math.sqrt(values.reduce((s, v) => s + v * v, 0));

for (const backend of BACKENDS) {
  test(`[${backend}] gradient norm: float32 partial sums on the device, added up in float64, within 1e-7 of a float64 sum`, async () => {
    await useBackend(backend);
    const values = spreadGradients();
    const reference = float64Norm(values);
    // a float32 running sum of the squares is visibly off here
    let float32Sum = 0;
    for (const v of values) float32Sum = Math.fround(float32Sum + Math.fround(v * v));
    assert.ok(Math.abs(Math.sqrt(float32Sum) / reference - 1) > 1e-5, 'the float32 running sum would be off');
    const sums = squareSums(tf.tensor1d(values));
    assert.equal(sums.size, 1024, 'a million values: 1,024 partial sums read back');
    const norm = normOfSquareSums(await sums.data());
    sums.dispose();
    // what is left: float32 squares and each row's blocked float32 sum (measured: ~1e-8 relative)
    assertClose([norm], [reference], 0, 1e-7, `${backend} norm`);
  });
}

test('[wasm] gradient norm of a few values: one partial sum, the float32 squares added in float64', async () => {
  await useBackend('wasm');
  const values = Float32Array.from([3, 4, 0.1]);
  const sums = squareSums(tf.tensor1d(values));
  const read = await sums.data();
  sums.dispose();
  assert.equal(read.length, 1);
  // 9 + 16 + fround(fround(0.1)²), in float32 on the device, then √ in float64
  assertClose([normOfSquareSums(read)], [Math.sqrt(Math.fround(25 + Math.fround(Math.fround(0.1) ** 2)))], 1e-12);
});
