/**
 * Whole-model check: the fast forward pass (custom attention op, fused expert dispatch, hand-written
 * gradients) against the same transformer written plainly with tf ops and tf's own autograd
 * (batched attention, every expert run densely and masked by the gates), on the cpu backend.
 * Same parameters, same routing: the loss and the gradient of every parameter must agree.
 */
import * as tf from '@tensorflow/tfjs';
import { test } from 'node:test';
import { attentionReference, causalMask } from '../../trainer/model/attention';
import { crossEntropy } from '../../trainer/model/ops';
import { createParams, type FfnParams, type ModelParams } from '../../trainer/model/params';
import { planRouting } from '../../trainer/model/routing';
import { forward } from '../../trainer/model/transformer';
import type { RunConfig } from '../../protocol/runConfig';
import { assertClose, randomBatches, tinyConfig, useBackend } from './modelSupport';

const VOCAB = 13;

function plainLayerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain), bias) as tf.Tensor2D;
}

function plainFfn(x: tf.Tensor2D, p: FfnParams): tf.Tensor2D {
  const h = tf.matMul(x, p.w1);
  const c = Math.sqrt(2 / Math.PI);
  const gelu = tf.mul(tf.mul(0.5, h), tf.add(1, tf.tanh(tf.mul(c, tf.add(h, tf.mul(0.044715, tf.pow(h, 3)))))));
  return tf.matMul(gelu, p.w2);
}

/** The model as the textbook writes it; routing decided from the same scores by the same rule. */
function plainLoss(
  params: ModelParams,
  model: RunConfig['model'],
  inputs: Int32Array,
  targets: Int32Array,
  batch: number,
  seqLen: number,
): tf.Scalar {
  const tokens = batch * seqLen;
  const mask = causalMask(seqLen);
  const embedded = tf.reshape(tf.gather(params.tokenEmbedding, tf.tensor1d(inputs, 'int32')), [
    batch,
    seqLen,
    model.dModel,
  ]);
  let x = tf.reshape(tf.add(embedded, tf.slice(params.positionEmbedding, [0, 0], [seqLen, model.dModel])), [
    tokens,
    model.dModel,
  ]) as tf.Tensor2D;
  for (const block of params.blocks) {
    const qkv = tf.matMul(plainLayerNorm(x, block.ln1Gain, block.ln1Bias), block.wqkv) as tf.Tensor2D;
    x = tf.add(x, tf.matMul(attentionReference(qkv, batch, seqLen, model.heads, mask), block.wo));
    const h = plainLayerNorm(x, block.ln2Gain, block.ln2Bias);
    const logits = tf.matMul(h, block.router!.weight);
    const scores = model.gate === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits);
    const plan = planRouting(scores.dataSync() as Float32Array, tokens, model.experts, model.topK);
    const picked = tf.mul(scores, tf.tensor2d(plan.selected, [tokens, model.experts]));
    const gates = model.gate === 'sigmoid' ? tf.div(picked, tf.sum(picked, 1, true)) : picked; // normaliseGates auto
    const outputs = block.experts!.map((e, i) => tf.mul(plainFfn(h, e), tf.slice(gates, [0, i], [tokens, 1])));
    x = tf.add(x, tf.addN(outputs));
    if (block.shared) x = tf.add(x, plainFfn(h, block.shared));
  }
  const logits = tf.matMul(plainLayerNorm(x, params.finalGain, params.finalBias), params.output);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(targets, 'int32'), VOCAB), logits) as tf.Scalar;
}

for (const gate of ['softmax', 'sigmoid'] as const) {
  test(`[cpu] ${gate} gate${gate === 'sigmoid' ? ' and a shared expert' : ''}: fast model loss and every parameter gradient equal tf autograd of the plain model`, async () => {
    await useBackend('cpu');
    // sigmoid with a shared expert (DeepSeekMoE), softmax without
    const sharedExperts = gate === 'sigmoid' ? 1 : 0;
    const config = tinyConfig({ model: { gate, heads: 4, seqLen: 6, sharedExperts }, training: { batchSize: 3 } });
    const params = createParams(config, VOCAB);
    const [batch] = randomBatches(9, 1, config, VOCAB);
    const variables = params.list.map((p) => p.variable);
    const mask = causalMask(batch.seqLen);
    const fast = tf.variableGrads(
      () => crossEntropy(forward(params, { model: config.model, ...batch, mask }).logits, batch.targets),
      variables,
    );
    const plain = tf.variableGrads(
      () => plainLoss(params, config.model, batch.inputs, batch.targets, batch.batchSize, batch.seqLen),
      variables,
    );
    assertClose(fast.value.dataSync(), plain.value.dataSync(), 1e-6, 1e-5, 'loss');
    for (const p of params.list) {
      assertClose(
        fast.grads[p.variable.name].dataSync(),
        plain.grads[p.variable.name].dataSync(),
        1e-6,
        1e-3,
        `d loss / d ${p.name}`,
      );
    }
  });
}
