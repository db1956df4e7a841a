/**
 * The model's hand-written gradients against tf's own, the fast attention and expert dispatch
 * against straightforward references, cpu against wasm, checkpoints, and tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attentionReference, causalAttention, causalMask } from '../../trainer/model/attention';
import { createMoeModel } from '../../trainer/model/index';
import { dispatchExperts, ffn } from '../../trainer/model/moe';
import { crossEntropy, gatherRows, gelu, layerNorm, mm } from '../../trainer/model/ops';
import type { FfnParams } from '../../trainer/model/params';
import { planRouting } from '../../trainer/model/routing';
import { gateWeights } from '../../trainer/model/router';
import { updateBias } from '../../trainer/training/balancers';
import { uniformMaxVio } from '../../trainer/training/metrics';
import { BACKENDS, assertClose, gradientsOf, randomBatches, tinyConfig, useBackend } from './modelSupport';

const VOCAB = 11;
const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

for (const backend of BACKENDS) {
  test(`[${backend}] custom matmul gradient equals tf.matMul's`, async () => {
    await useBackend(backend);
    const inputs = [normal([5, 3], 1), normal([3, 4], 2)];
    const ours = gradientsOf((a, b) => mm(a as tf.Tensor2D, b as tf.Tensor2D), inputs);
    const theirs = gradientsOf((a, b) => tf.matMul(a, b), inputs);
    ours.forEach((g, i) => assertClose(g, theirs[i], 1e-5, 1e-5, `grad ${i}`));
  });

  test(`[${backend}] row gather: values and gradient (a scatter-add) equal a one-hot matmul's`, async () => {
    await useBackend(backend);
    const indices = Int32Array.of(2, 0, 2, 3);
    const oneHot = tf.oneHot(tf.tensor1d(indices, 'int32'), 4).toFloat() as tf.Tensor2D; // [4 rows, 4 sources]
    const x = [normal([4, 3], 3)];
    assertClose(
      gatherRows(x[0] as tf.Tensor2D, indices).dataSync(),
      tf.matMul(oneHot, x[0] as tf.Tensor2D).dataSync(),
      1e-6,
    );
    assertClose(
      gradientsOf((a) => gatherRows(a as tf.Tensor2D, indices), x)[0],
      gradientsOf((a) => tf.matMul(oneHot, a), x)[0],
      1e-5,
    );
  });

  test(`[${backend}] fused layer norm, GELU and cross-entropy equal their tf formulas`, async () => {
    await useBackend(backend);
    const x = normal([6, 8], 4);
    const gain = normal([8], 5);
    const bias = normal([8], 6);
    const referenceNorm = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(v, 1, true);
      return tf.add(tf.mul(tf.div(tf.sub(v, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    const ours = gradientsOf(
      (v, g, b) => layerNorm(v as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D),
      [x, gain, bias],
    );
    const theirs = gradientsOf(referenceNorm, [x, gain, bias]);
    ours.forEach((g, i) => assertClose(g, theirs[i], 1e-4, 1e-4, `layer norm grad ${i}`));

    const referenceGelu = (v: tf.Tensor) =>
      tf.mul(
        tf.mul(0.5, v),
        tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(v, tf.mul(0.044715, tf.pow(v, 3)))))),
      );
    assertClose(gelu(x).dataSync(), referenceGelu(x).dataSync(), 1e-5, 1e-5, 'gelu');
    assertClose(gradientsOf(gelu, [x])[0], gradientsOf(referenceGelu, [x])[0], 1e-5, 1e-4, 'gelu grad');

    const targets = Int32Array.of(0, 7, 3, 3, 1, 5);
    const referenceCe = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(targets, 'int32'), 8), l);
    assertClose(
      crossEntropy(x as tf.Tensor2D, targets).dataSync(),
      referenceCe(x).dataSync(),
      1e-5,
      1e-5,
      'cross-entropy',
    );
    const dCe = tf
      .grad((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, targets))(x)
      .dataSync();
    assertClose(dCe, tf.grad(referenceCe)(x).dataSync(), 1e-6, 1e-4, 'cross-entropy grad');
  });

  test(`[${backend}] fast attention equals the batched-matmul reference, values and gradients`, async () => {
    await useBackend(backend);
    const [batch, seqLen, heads, dModel] = [3, 5, 2, 8];
    const mask = causalMask(seqLen);
    const qkv = [normal([batch * seqLen, 3 * dModel], 7)];
    const fast = causalAttention(qkv[0] as tf.Tensor2D, batch, seqLen, heads, mask);
    const reference = attentionReference(qkv[0] as tf.Tensor2D, batch, seqLen, heads, mask);
    assertClose(fast.dataSync(), reference.dataSync(), 1e-5, 1e-5, 'attention');
    const g1 = gradientsOf((x) => causalAttention(x as tf.Tensor2D, batch, seqLen, heads, mask), qkv)[0];
    const g2 = gradientsOf((x) => attentionReference(x as tf.Tensor2D, batch, seqLen, heads, mask), qkv)[0];
    assertClose(g1, g2, 1e-5, 1e-4, 'attention grad');
    // causality: the first token's output depends on its own values only
    const changed = tf.concat([qkv[0].slice([0, 0], [batch * seqLen - 1, -1]), tf.fill([1, 3 * dModel], 9)]);
    const again = causalAttention(changed as tf.Tensor2D, batch, seqLen, heads, mask).dataSync();
    assertClose(again.subarray(0, dModel), fast.dataSync().subarray(0, dModel), 1e-6, 0, 'first token');
  });

  test(`[${backend}] sparse expert dispatch equals every expert run densely and masked by the gates`, async () => {
    await useBackend(backend);
    const [tokens, dModel, hidden, experts] = [7, 4, 6, 4];
    const x = normal([tokens, dModel], 8) as tf.Tensor2D;
    const scores = tf.softmax(normal([tokens, experts], 9)) as tf.Tensor2D;
    // expert 3 gets no token: its weight gradients must be zeros
    const scoreValues = scores.dataSync() as Float32Array;
    for (let t = 0; t < tokens; t++) scoreValues[t * experts + 3] = 0;
    const plan = planRouting(scoreValues, tokens, experts, 2);
    assert.equal(plan.rowCounts[3], 0);
    const weights = Array.from({ length: experts }, (_, e) => [
      normal([dModel, hidden], 10 + e),
      normal([hidden, dModel], 20 + e),
    ]).flat();
    const gatesOf = (s: tf.Tensor) => gateWeights(s as tf.Tensor2D, plan.selected, true);
    // the weights as the FFN parameters the model passes (plain tensors standing in for variables)
    const params = (w: tf.Tensor[]) =>
      Array.from({ length: experts }, (_, e) => ({ w1: w[2 * e], w2: w[2 * e + 1] })) as unknown as FfnParams[];
    const sparse = (xi: tf.Tensor, s: tf.Tensor, ...w: tf.Tensor[]) => {
      const rowGates = gatherRows(tf.reshape(gatesOf(s), [tokens * experts, 1]), plan.rowGateIndex);
      return dispatchExperts(xi as tf.Tensor2D, rowGates, plan, params(w));
    };
    const dense = (xi: tf.Tensor, s: tf.Tensor, ...w: tf.Tensor[]) => {
      const gates = gatesOf(s);
      const outputs = params(w).map((p, e) => tf.mul(ffn(xi as tf.Tensor2D, p), tf.slice(gates, [0, e], [tokens, 1])));
      return tf.addN(outputs);
    };
    const inputs = [x, tf.tensor2d(scoreValues, [tokens, experts]), ...weights];
    assertClose(
      sparse(...(inputs as [tf.Tensor, tf.Tensor])).dataSync(),
      dense(...(inputs as [tf.Tensor, tf.Tensor])).dataSync(),
      1e-5,
      1e-4,
    );
    const gs = gradientsOf(sparse, inputs);
    const gd = gradientsOf(dense, inputs);
    gs.forEach((g, i) => assertClose(g, gd[i], 1e-5, 1e-4, `dispatch grad ${i}`));
    assert.ok(gs[2 + 6].every((v) => v === 0) && gs[2 + 7].every((v) => v === 0), 'idle expert gets zero gradients');
  });
}

test('cpu and wasm compute the same forward pass and the same first steps', async () => {
  // not orthogonal: at an orthogonal init RᵀR − I is float noise, and the sign of noise (the L1
  // gradient) legitimately differs between backends
  const config = tinyConfig({ balancer: { methods: ['aux-loss', 'simbal'], zLossBeta: 1e-3 } });
  const [batch, next] = randomBatches(1, 2, config, VOCAB);
  const results = [];
  for (const backend of BACKENDS) {
    await useBackend(backend);
    const model = await createMoeModel(config, VOCAB);
    const before = await model.evaluate(batch, batch.inputs.subarray(0, 6));
    // a tiny lr: Adam's first update is ±lr wherever a gradient is not exactly 0, so a gradient that
    // is ~0 on one backend and −0 on the other moves a weight by 2·lr
    const step = await model.trainStep(batch, 1e-5);
    const after = await model.trainStep(next, 1e-5);
    results.push({ before, step, after });
    model.dispose();
  }
  const [cpu, wasm] = results;
  assertClose([wasm.before.valLoss], [cpu.before.valLoss], 1e-5, 1e-5, 'val loss');
  assert.deepEqual(wasm.before.routingSample.experts, cpu.before.routingSample.experts);
  assertClose(wasm.before.pes, cpu.before.pes, 1e-4, 1e-3, 'PES');
  for (const key of ['loss', 'lmLoss', 'gradNorm'] as const) {
    assertClose([wasm.step[key], wasm.after[key]], [cpu.step[key], cpu.after[key]], 1e-5, 1e-4, key);
  }
  assertClose(
    [wasm.step.terms.auxLoss!, wasm.step.terms.simbal!, wasm.step.terms.zLoss!],
    [cpu.step.terms.auxLoss!, cpu.step.terms.simbal!, cpu.step.terms.zLoss!],
    1e-6,
    1e-3,
    'terms',
  );
  assert.deepEqual(wasm.step.expertCounts, cpu.step.expertCounts);
});

test('[wasm] a resumed model continues exactly: same losses as the uninterrupted run', async () => {
  await useBackend('wasm');
  const config = tinyConfig({ balancer: { methods: ['loss-free', 'aux-loss'] } });
  const batches = randomBatches(2, 5, config, VOCAB);
  const straight = await createMoeModel(config, VOCAB);
  const expected = [];
  for (const b of batches) expected.push(await straight.trainStep(b, 3e-3));
  straight.dispose();

  const dir = mkdtempSync(join(tmpdir(), 'moe-model-'));
  try {
    const first = await createMoeModel(config, VOCAB);
    for (const b of batches.slice(0, 3)) await first.trainStep(b, 3e-3);
    await first.save(dir);
    first.dispose();
    // a fresh model with another seed proves the weights come from the checkpoint
    const resumed = await createMoeModel({ ...config, training: { ...config.training, seed: 99 } }, VOCAB);
    await resumed.load(dir);
    for (const [i, b] of batches.slice(3).entries()) {
      const got = await resumed.trainStep(b, 3e-3);
      assert.equal(got.loss, expected[3 + i].loss, `loss of step ${4 + i}`);
      assert.equal(got.gradNorm, expected[3 + i].gradNorm);
      assert.deepEqual(got.bias, expected[3 + i].bias);
    }
    resumed.dispose();
    const otherShape = await createMoeModel(tinyConfig({ model: { expertHidden: 8 } }), VOCAB);
    await assert.rejects(
      otherShape.load(dir),
      /model\.json: \$\.params\[\d+\] is block0\.expert0\.w1 \[16, 16\], the model expects block0\.expert0\.w1 \[16, 8\]/,
    );
    otherShape.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('[wasm] tensor count stays flat across training, evaluation and analysis', async () => {
  await useBackend('wasm');
  const config = tinyConfig({ balancer: { methods: ['loss-free', 'simbal'], zLossBeta: 1e-3 } });
  const batches = randomBatches(3, 8, config, VOCAB);
  const model = await createMoeModel(config, VOCAB);
  await model.trainStep(batches[0], 3e-3);
  await model.evaluate(batches[0], batches[0].inputs);
  await model.analyse(batches[0]);
  const baseline = tf.memory().numTensors;
  for (const b of batches.slice(1)) await model.trainStep(b, 3e-3);
  await model.evaluate(batches[1], batches[1].inputs);
  await model.analyse(batches[1]);
  assert.equal(tf.memory().numTensors, baseline);
  model.dispose();
});

test('[wasm] step results: only active terms, loss-free biases updated from the step counts', async () => {
  await useBackend('wasm');
  const config = tinyConfig({ balancer: { methods: ['loss-free'], biasUpdateRate: 0.01 } });
  const [batch] = randomBatches(4, 1, config, VOCAB);
  const model = await createMoeModel(config, VOCAB);
  const step = await model.trainStep(batch, 1e-3);
  assert.deepEqual(step.terms, {});
  assert.equal(step.loss, step.lmLoss);
  const tokens = batch.batchSize * batch.seqLen;
  assert.equal(step.expertCounts.length, 2);
  for (const [layer, counts] of step.expertCounts.entries()) {
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      tokens * config.model.topK,
    );
    assertClose(step.bias![layer], updateBias([0, 0, 0, 0], counts, 0.01), 1e-9, 0, 'bias');
  }
  model.dispose();

  const withAux = await createMoeModel(tinyConfig(), VOCAB);
  const auxStep = await withAux.trainStep(batch, 1e-3);
  assert.deepEqual(Object.keys(auxStep.terms), ['auxLoss']);
  assertClose([auxStep.loss], [auxStep.lmLoss + auxStep.terms.auxLoss!], 1e-6);
  assert.equal(auxStep.bias, undefined);
  withAux.dispose();
});

test('[wasm] evaluation and analysis report every metric in range', async () => {
  await useBackend('wasm');
  const config = tinyConfig({ model: { experts: 6, topK: 2 }, training: { batchSize: 2 } });
  const [sample] = randomBatches(5, 1, { ...config, training: { ...config.training, batchSize: 5 } }, VOCAB);
  const model = await createMoeModel(config, VOCAB);
  const result = await model.evaluate(sample, sample.inputs.subarray(0, 5));
  const tokens = sample.batchSize * sample.seqLen;
  assert.equal(result.evalTokens, tokens);
  assertClose([result.maxVioNoiseFloor!], [uniformMaxVio(tokens, 6, 2)], 1e-12);
  assertClose([result.perplexity], [Math.exp(result.valLoss)], 1e-9);
  assert.ok(Math.abs(result.valLoss - Math.log(VOCAB)) < 0.3, `untrained loss ${result.valLoss} near ln V`);
  for (const load of result.expertLoad)
    assert.equal(
      load.reduce((a, b) => a + b, 0),
      tokens * 2,
    );
  assert.ok(result.routerEntropy.every((h) => h > 0 && h <= Math.log(6) + 1e-9));
  assert.ok(result.seu.every((s) => s > 0 && s <= 1));
  assert.ok(result.pes.every((p) => p > -1 && p < 1));
  assert.equal(result.routingSample.experts[0].length, 5);
  for (const gates of result.routingSample.gates.flat()) {
    // softmax with normaliseGates auto: the raw probabilities of the two picks, at most 1 together
    assert.ok(gates[0] + gates[1] <= 1 + 1e-6 && gates[1] > 0, `gates ${gates}`);
    assert.ok(gates[0] >= gates[1], 'gates sorted descending');
  }
  const analysis = await model.analyse(sample);
  assert.deepEqual(
    analysis.dropTopExperts.map((d) => d.dropped),
    [0, 1, 2, 3, 4],
  );
  assertClose([analysis.dropTopExperts[0].loss], [result.valLoss], 1e-6);
  assert.deepEqual(
    analysis.dynamicK.map((d) => d.threshold),
    [0, 0.1, 0.15, 0.2],
  );
  assert.equal(analysis.dynamicK[0].meanExpertsPerToken, 2);
  assertClose([analysis.dynamicK[0].perplexity], [result.perplexity], 1e-6);
  model.dispose();
});

test('parameter counts: total, experts, routers and active per token, by hand', async () => {
  await useBackend('cpu');
  // V 11, d 16, S 8, 2 blocks, E 4, K 2, hidden 16: embeddings 176 + 128; per block layer norms 64,
  // QKV 768, output 256, router 64, experts 4 · 512; final norm 32; output 176.
  // Active: everything but the experts, plus K = 2 experts of 512 in each of the 2 MoE layers
  const model = await createMoeModel(tinyConfig(), VOCAB);
  assert.deepEqual(model.parameters, {
    total: 6912,
    experts: 4096,
    routers: 128,
    activePerToken: 6912 - 4096 + 2 * 2 * 512,
  });
  assert.deepEqual(model.moeLayers, [0, 1]);
  model.dispose();
  // one shared expert per MoE layer (DeepSeekMoE): 2 · 512 more, all of it active
  const shared = await createMoeModel(tinyConfig({ model: { sharedExperts: 1 } }), VOCAB);
  assert.deepEqual(shared.parameters, {
    total: 7936,
    experts: 4096,
    routers: 128,
    activePerToken: 7936 - 4096 + 2 * 2 * 512,
  });
  shared.dispose();
});

test('[wasm] sigmoid gate with dense blocks between MoE blocks: trains and the loss falls', async () => {
  await useBackend('wasm');
  const config = tinyConfig({
    model: { layers: 3, moeEvery: 2, gate: 'sigmoid' },
    balancer: { methods: ['aux-loss', 'loss-free'] },
  });
  const model = await createMoeModel(config, VOCAB);
  assert.deepEqual(model.moeLayers, [1]);
  const batches = randomBatches(6, 40, config, VOCAB);
  const losses = [];
  for (const b of batches) {
    const step = await model.trainStep(b, 1e-2);
    assert.equal(step.expertCounts.length, 1);
    assert.equal(step.bias!.length, 1);
    losses.push(step.lmLoss);
  }
  const head = (losses[0] + losses[1]) / 2;
  const tail = (losses[38] + losses[39]) / 2;
  assert.ok(tail < head - 0.5, `loss fell from ${head} to ${tail}`);
  model.dispose();
});

test('[wasm] a batch that does not fit the model is refused with a clear message', async () => {
  await useBackend('wasm');
  const config = tinyConfig();
  const model = await createMoeModel(config, VOCAB);
  const long = { inputs: new Int32Array(2 * 9), targets: new Int32Array(2 * 9), batchSize: 2, seqLen: 9 };
  await assert.rejects(model.trainStep(long, 1e-3), /seqLen ≤ model\.seqLen \(8\)/);
  const ragged = { inputs: new Int32Array(15), targets: new Int32Array(15), batchSize: 2, seqLen: 8 };
  await assert.rejects(model.evaluate(ragged, ragged.inputs), /batch of 15 tokens as 2 × 8/);
  const outOfVocab = { inputs: new Int32Array(16).fill(VOCAB), targets: new Int32Array(16), batchSize: 2, seqLen: 8 };
  await assert.rejects(model.trainStep(outOfVocab, 1e-3), /index value 11 is not in \[0, 10\]/);
  model.dispose();
});
