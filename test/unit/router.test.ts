/** The Router's own state and the seam for backends that read tensors asynchronously (planRoutes). */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { causalMask } from '../../trainer/model/attention';
import { createParams } from '../../trainer/model/params';
import { Router, routerSettings } from '../../trainer/model/router';
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
  const lossFree = new Router(weight, routerSettings(tinyConfig({ balancer: { methods: ['loss-free'], biasUpdateRate: 0.01 } })));
  lossFree.updateBias([4, 2, 2, 0]);
  lossFree.updateBias([4, 2, 2, 0]);
  assertClose(lossFree.bias, [-0.02, 0, 0, 0.02], 1e-9);
  const aux = new Router(weight, routerSettings(tinyConfig({ balancer: { methods: ['aux-loss'] } })));
  aux.updateBias([4, 2, 2, 0]);
  assert.deepEqual(Array.from(aux.bias), [0, 0, 0, 0]);
  // the bias changes the selection, not the scores: scores 0.5/0.3/0.1/0.1 with bias −0.3 on expert 0
  lossFree.bias.set([-0.3, 0, 0, 0]);
  const plan = lossFree.plan(Float32Array.of(0.5, 0.3, 0.1, 0.1));
  assert.deepEqual(plan.counts, [1, 1, 0, 0]);
  lossFree.bias.set([-0.45, 0, 0, 0]);
  assert.deepEqual(lossFree.plan(Float32Array.of(0.5, 0.3, 0.1, 0.1)).counts, [0, 1, 1, 0]);
  weight.dispose();
});
