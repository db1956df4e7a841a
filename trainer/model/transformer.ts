/** The forward pass of the decoder-only MoE transformer on [T = B·S] token ids, all 2-D tensors. */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';
import { causalAttention } from './attention';
import { ffn, moeLayer, type MoeTrace } from './moe';
import { gatherRows, layerNorm, mm } from './ops';
import type { ModelParams } from './params';
import type { RoutingOptions } from './routing';

export interface ForwardOptions {
  /** drop-top-experts / Dynamic-K analysis; the loss-free biases are passed separately */
  routing?: Omit<RoutingOptions, 'bias'>;
}

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** one per MoE layer */
  moe: MoeTrace[];
}

export function forward(
  params: ModelParams,
  model: RunConfig['model'],
  inputs: Int32Array,
  batch: number,
  seqLen: number,
  mask: tf.Tensor2D,
  biases: Float32Array[] | undefined,
  options: ForwardOptions = {},
): ForwardResult {
  const { dModel, heads } = model;
  const tokens = batch * seqLen;
  const embedded = tf.reshape(gatherRows(params.tokenEmbedding, inputs), [batch, seqLen, dModel]);
  const positions = tf.slice(params.positionEmbedding, [0, 0], [seqLen, dModel]);
  let x = tf.reshape(tf.add(embedded, positions), [tokens, dModel]) as tf.Tensor2D;
  const causal = seqLen === mask.shape[0] ? mask : tf.slice(mask, [0, 0], [seqLen, seqLen]);
  const moe: MoeTrace[] = [];
  for (const block of params.blocks) {
    const qkv = mm(layerNorm(x, block.ln1Gain, block.ln1Bias), block.wqkv);
    x = tf.add(x, mm(causalAttention(qkv, batch, seqLen, heads, causal), block.wo));
    const h = layerNorm(x, block.ln2Gain, block.ln2Bias);
    if (block.router && block.experts) {
      const bias = biases?.[moe.length];
      const { out, trace } = moeLayer(h, block.router, block.experts, model, { ...options.routing, bias });
      moe.push(trace);
      x = tf.add(x, out);
    } else if (block.dense) {
      x = tf.add(x, ffn(h, block.dense));
    }
  }
  const logits = mm(layerNorm(x, params.finalGain, params.finalBias), params.output);
  return { logits, moe };
}
