/** The Router's own state and the seam for backends that read tensors asynchronously (planRoutes). */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { causalMask } from '../../trainer/model/attention';
import { createParams } from '../../trainer/model/params';
import { crossEntropy } from '../../trainer/model/ops';
import { gateWeights, Router, routerSettings, type RouterOutput } from '../../trainer/model/router';
import { gramDeviation } from '../../trainer/training/metrics';
import { forward, planRoutes } from '../../trainer/model/transformer';
import { BACKENDS, assertClose, randomBatches, tinyConfig, useBackend } from './modelSupport';

const VOCAB = 11;

for (const backend of BACKENDS) {
  test(`[${backend}] plans made asynchronously beforehand route the gradient pass exactly as synchronous reads`, async () => {
    await useBackend(backend);
    const config = tinyConfig({ balancer: { methods: ['loss-free'] } });
    const params = createParams(config, VOCAB);
    // a bias large enough to change picks: the pre-pass must apply it as the synchronous pass does
    params.blocks.forEach((b) => b.router?.bias.set([0.3, -0.2, 0, 0.1]));
    const [batch] = randomBatches(1, 1, config, VOCAB);
    const mask = causalMask(config.model.seqLen);
    const options = { model: config.model, ...batch, mask };
    const before = tf.memory().numTensors;
    const plans = await planRoutes(params, options);
    assert.equal(tf.memory().numTensors, before, 'the pre-pass disposes its tensors');
    assert.equal(plans.length, 2);
    tf.tidy(() => {
      const sync = forward(params, options);
      const planned = forward(params, { ...options, plans });
      sync.moe.forEach((t, l) => {
        assert.deepEqual(plans[l].counts, t.plan.counts);
        assert.deepEqual(Array.from(plans[l].rowToken), Array.from(t.plan.rowToken));
      });
      assert.deepEqual(Array.from(planned.logits.dataSync()), Array.from(sync.logits.dataSync()));
    });
    for (const p of params.list) p.variable.dispose();
    mask.dispose();
  });
}

test('the loss-free bias is the router’s state: updated only when loss-free is on', async () => {
  await useBackend('cpu');
  const weight = tf.variable(tf.zeros([4, 4]) as tf.Tensor2D);
  // counts [4, 2, 2, 0], mean 2: b += 0.01 · sign(2 − c) = [−0.01, 0, 0, 0.01]
  const lossFree = new Router(
    weight,
    routerSettings(tinyConfig({ balancer: { methods: ['loss-free'], biasUpdateRate: 0.01 } })),
  );
  lossFree.afterStep([4, 2, 2, 0]);
  lossFree.afterStep([4, 2, 2, 0]);
  assertClose(lossFree.bias, [-0.02, 0, 0, 0.02], 1e-9);
  const aux = new Router(weight, routerSettings(tinyConfig({ balancer: { methods: ['aux-loss'] } })));
  aux.afterStep([4, 2, 2, 0]);
  assert.deepEqual(Array.from(aux.bias), [0, 0, 0, 0]);
  // the bias changes the selection, not the scores: scores 0.5/0.3/0.1/0.1 with bias −0.3 on expert 0
  lossFree.bias.set([-0.3, 0, 0, 0]);
  const plan = lossFree.plan(Float32Array.of(0.5, 0.3, 0.1, 0.1));
  assert.deepEqual(plan.counts, [1, 1, 0, 0]);
  lossFree.bias.set([-0.45, 0, 0, 0]);
  assert.deepEqual(lossFree.plan(Float32Array.of(0.5, 0.3, 0.1, 0.1)).counts, [0, 1, 1, 0]);
  weight.dispose();
});

/** A router output with the given normalised probabilities and picks, for the balancer terms. */
function routed(probs: number[][], picks: number[]): RouterOutput {
  const experts = probs[0].length;
  const selected = new Float32Array(probs.length * experts);
  const counts = new Array<number>(experts).fill(0);
  picks.forEach((e, t) => {
    selected[t * experts + e] = 1;
    counts[e]++;
  });
  const p = tf.tensor2d(probs);
  const plan = {
    tokens: probs.length,
    experts,
    scores: p.dataSync() as Float32Array,
    selected,
    counts,
    rowToken: new Int32Array(),
    rowGateIndex: new Int32Array(),
    rowCounts: counts,
  };
  return { logits: p, scores: p, probs: p, gates: p, plan };
}

test('global-aux-loss: f over this batch and the previous globalWindow − 1 steps; P from this batch', async () => {
  await useBackend('cpu');
  const weight = tf.variable(tf.zeros([2, 2]) as tf.Tensor2D);
  const config = tinyConfig({
    model: { experts: 2, topK: 1 },
    balancer: { methods: ['global-aux-loss'], globalWindow: 3, auxAlpha: 0.01 },
  });
  const router = new Router(weight, routerSettings(config));
  // K = 1, 4 tokens a batch; counts per step [3,1], [1,3], [2,2], then this batch [4,0]
  for (const counts of [
    [3, 1],
    [1, 3],
    [2, 2],
  ])
    router.afterStep(counts);
  // the window keeps the last 2 steps: [1,3] + [2,2] + [4,0] = [7,5] → f = [7/12, 5/12]; P = [0.6, 0.4]
  // loss = 0.01 · 2 · (7/12 · 0.6 + 5/12 · 0.4) = 0.02 · 0.51667 = 0.0103333
  const output = routed(
    [
      [0.9, 0.1],
      [0.7, 0.3],
      [0.5, 0.5],
      [0.3, 0.7],
    ],
    [0, 0, 0, 0],
  );
  const terms = router.lossTerms(output, 4);
  assertClose([terms.globalAuxLoss!.dataSync()[0]], [0.02 * (0.35 + 1 / 6)], 1e-7);
  // the plain aux loss on this batch alone: f = [1, 0] → 0.01 · 2 · 0.6 = 0.012
  const plain = new Router(
    weight,
    routerSettings(tinyConfig({ model: { experts: 2, topK: 1 }, balancer: { methods: ['aux-loss'] } })),
  );
  assertClose([plain.lossTerms(output, 4).auxLoss!.dataSync()[0]], [0.012], 1e-7);
  // the window is state a checkpoint keeps
  assert.deepEqual(router.state().countWindow, [
    [1, 3],
    [2, 2],
  ]);
  weight.dispose();
});

test('seq-aux-loss (DeepSeek-V3): alpha · Σ_i f_i · P_i per sequence, f_i = E/(K·S) · picks, averaged over sequences', async () => {
  await useBackend('cpu');
  const weight = tf.variable(tf.zeros([2, 2]) as tf.Tensor2D);
  const config = tinyConfig({
    model: { experts: 2, topK: 1 },
    balancer: { methods: ['seq-aux-loss'], seqAuxAlpha: 1e-4 },
  });
  const router = new Router(weight, routerSettings(config));
  // 2 sequences of S = 2. Sequence 0 picks 0, 0: f = 2/2 · [2, 0] = [2, 0], P = [0.7, 0.3] → 1.4.
  // Sequence 1 picks 1, 0: f = [1, 1], P = [0.4, 0.6] → 1.0. Mean 1.2 → 1.2e-4.
  const output = routed(
    [
      [0.8, 0.2],
      [0.6, 0.4],
      [0.3, 0.7],
      [0.5, 0.5],
    ],
    [0, 0, 1, 0],
  );
  assertClose([router.lossTerms(output, 2).seqAuxLoss!.dataSync()[0]], [1.2e-4], 1e-10);
  // d/dprobs[t, i] = alpha / sequences · f_si / S: sequence 0 → [5e-5, 0], sequence 1 → [2.5e-5, 2.5e-5]
  const grad = tf.grad((p: tf.Tensor) => router.lossTerms({ ...output, probs: p as tf.Tensor2D }, 2).seqAuxLoss!)(
    output.probs,
  );
  assertClose(grad.dataSync(), [5e-5, 0, 5e-5, 0, 2.5e-5, 2.5e-5, 2.5e-5, 2.5e-5], 1e-11);
  weight.dispose();
});

test('sigmoid scores: the aux loss takes P from the scores divided by their sum per token', async () => {
  await useBackend('cpu');
  // R = I (3 × 3: the router alone, whatever the model's width), so the logits are the inputs
  const weight = tf.variable(tf.eye(3) as tf.Tensor2D);
  const config = tinyConfig({
    model: { experts: 3, topK: 1, gate: 'sigmoid' },
    router: { normaliseGates: 'off' },
    balancer: { methods: ['aux-loss'], auxAlpha: 0.01 },
  });
  const router = new Router(weight, routerSettings(config));
  const output = router.route(tf.tensor2d([0, Math.log(3), 0, 0, 0, 0], [2, 3]));
  // sigmoid: [1/2, 3/4, 1/2] (sum 7/4) → [2/7, 3/7, 2/7]; [1/2, 1/2, 1/2] → [1/3, 1/3, 1/3]
  assertClose(output.probs.dataSync(), [2 / 7, 3 / 7, 2 / 7, 1 / 3, 1 / 3, 1 / 3], 1e-6);
  // top-1: expert 1, then expert 0 (a tie goes to the lower index): f = [1/2, 1/2, 0]; P = [13/42, 16/42, 13/42]
  assert.deepEqual(output.plan.counts, [1, 1, 0]);
  // alpha · E · Σ f_i P_i = 0.01 · 3 · (13 + 16)/84 = 0.01 · 29/28
  assertClose([router.lossTerms(output, 2).auxLoss!.dataSync()[0]], [0.01 * (29 / 28)], 1e-8);
  // the gates are the raw sigmoid scores of the picks (normalisation off)
  assertClose(output.gates.dataSync(), [0, 0.75, 0, 0.5, 0, 0], 1e-6);
  weight.dispose();
});

test('mean-centred bias update: the sign update minus its mean, so the biases keep mean 0', async () => {
  const weight = tf.variable(tf.zeros([4, 4]) as tf.Tensor2D);
  const settings = (biasUpdate: 'sign' | 'mean-centred') =>
    routerSettings(tinyConfig({ balancer: { methods: ['loss-free'], biasUpdateRate: 0.01, biasUpdate } }));
  // counts [5, 1, 1, 1], mean 2: the sign update is [−0.01, +0.01, +0.01, +0.01], its mean 0.005
  const sign = new Router(weight, settings('sign'));
  sign.afterStep([5, 1, 1, 1]);
  assertClose(sign.bias, [-0.01, 0.01, 0.01, 0.01], 1e-9);
  const centred = new Router(weight, settings('mean-centred'));
  centred.afterStep([5, 1, 1, 1]);
  assertClose(centred.bias, [-0.015, 0.005, 0.005, 0.005], 1e-9);
  weight.dispose();
});

test('gates: raw picked scores unless normalised; softmax top-1 gives the router an LM gradient', async () => {
  await useBackend('cpu');
  const scores = tf.tensor2d([[0.5, 0.3, 0.2]]);
  const selected = Float32Array.of(1, 1, 0);
  assertClose(gateWeights(scores, selected, false).dataSync(), [0.5, 0.3, 0], 1e-7);
  assertClose(gateWeights(scores, selected, true).dataSync(), [0.625, 0.375, 0], 1e-7);
  // Switch-style top-1 with raw softmax gates: the LM loss reaches the router
  const config = tinyConfig({ model: { topK: 1 }, balancer: { methods: ['none'] } });
  const params = createParams(config, VOCAB);
  const [batch] = randomBatches(2, 1, config, VOCAB);
  const mask = causalMask(config.model.seqLen);
  const router = params.blocks[0].router!.weight;
  const grad = tf.grad(() =>
    crossEntropy(forward(params, { model: config.model, ...batch, mask }).logits, batch.targets),
  )(router);
  assert.ok(Math.max(...Array.from(grad.dataSync(), Math.abs)) > 1e-6, 'router gradient from the LM loss');
  for (const p of params.list) p.variable.dispose();
});

test('router init: normal with router.initStd, or orthogonal columns, whatever the balancer', async () => {
  await useBackend('cpu');
  const shape = { dModel: 64, heads: 2, experts: 8 };
  const std = (values: Float32Array) => Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
  const wide = createParams(
    tinyConfig({ model: shape, router: { initStd: 0.5 }, balancer: { methods: ['simbal'] } }),
    VOCAB,
  );
  const values = wide.blocks[0].router!.weight.dataSync() as Float32Array;
  assert.ok(Math.abs(std(values) - 0.5) < 0.05, `std ${std(values)} of 512 draws near 0.5`);
  const orthogonal = createParams(
    tinyConfig({ model: shape, router: { init: 'orthogonal' }, balancer: { methods: ['aux-loss'] } }),
    VOCAB,
  );
  const r = orthogonal.blocks[1].router!.weight;
  assert.ok(gramDeviation(r.dataSync(), 64, 8) < 1e-12, 'RᵀR = I');
  for (const p of [...wide.list, ...orthogonal.list]) p.variable.dispose();
});
