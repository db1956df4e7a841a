/**
 * The forward pass of the decoder-only MoE transformer on [T = B·S] token ids, all 2-D tensors.
 *
 * Each MoE layer's top-K selection needs its router scores on the CPU. The pass is written once, as
 * a generator that yields each tensor it must read and takes the values back, with two drivers:
 * `forward` (synchronous: dataSync; reads nothing when given `options.plans`) and `forwardAsync`
 * (`await t.data()`, no tape). A backend that cannot read synchronously (webgpu) makes the plans with
 * `planRoutes` (forwardAsync) and passes them to `forward` for the gradient pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';
import { causalAttention } from './attention';
import { ffn, moeExperts } from './moe';
import { gatherRows, layerNorm, mm } from './ops';
import type { ModelParams } from './params';
import type { RouterOutput } from './router';
import { pruneByGate, type RoutingPlan } from './routing';

export interface ForwardOptions {
  model: Pick<RunConfig['model'], 'dModel' | 'heads'>;
  /** token ids, row-major [batchSize, seqLen] */
  inputs: Int32Array;
  batchSize: number;
  seqLen: number;
  /** causal mask of at least seqLen × seqLen (causalMask in attention.ts) */
  mask: tf.Tensor2D;
  /**
   * one routing plan per MoE layer, made beforehand from the same parameters and inputs (planRoutes);
   * without them each router reads its scores synchronously
   */
  plans?: RoutingPlan[];
  /** drop-top-experts analysis: skip each token's n highest-scoring experts before taking top-K */
  dropTop?: number;
  /** Dynamic-K analysis: dispatch only picks whose gate is at least this (moeExperts in moe.ts) */
  gateThreshold?: number;
}

/** What the balancers and metrics need from one MoE layer: its routing and its input. */
export interface MoeTrace extends RouterOutput {
  /** the layer's input (after its layer norm), [T, dModel] */
  input: tf.Tensor2D;
}

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** one per MoE layer */
  moe: MoeTrace[];
}

/**
 * The pass, written once: it yields each tensor whose values it needs on the CPU (a router's scores
 * for the top-K selection; under Dynamic-K also the gates) and takes the values back from its driver.
 */
function* forwardPass(params: ModelParams, options: ForwardOptions): Generator<tf.Tensor, ForwardResult, Float32Array> {
  const { model, inputs, batchSize: batch, seqLen, mask } = options;
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
      const scored = block.router.score(h);
      const plan = options.plans?.[moe.length] ?? block.router.plan(yield scored.scores, options.dropTop);
      const routing = block.router.output(scored, plan);
      // Dynamic-K: the rows actually dispatched (the selection, its counts and gates stay as they are)
      const threshold = options.gateThreshold ?? 0;
      const dispatched = threshold > 0 ? pruneByGate(plan, yield routing.gates, threshold) : plan;
      moe.push({ ...routing, plan: dispatched, input: h });
      x = tf.add(x, moeExperts(h, routing.gates, dispatched, block.experts));
      if (block.shared) x = tf.add(x, ffn(h, block.shared));
    } else if (block.dense) {
      x = tf.add(x, ffn(h, block.dense));
    }
  }
  const logits = mm(layerNorm(x, params.finalGain, params.finalBias), params.output);
  return { logits, moe };
}

/**
 * The forward pass, reading what the routing needs synchronously (wasm, cpu, tensorflow); with
 * `options.plans` (and no Dynamic-K) it reads nothing, so it runs on webgpu too.
 */
export function forward(params: ModelParams, options: ForwardOptions): ForwardResult {
  const pass = forwardPass(params, options);
  let next = pass.next();
  while (!next.done) next = pass.next(next.value.dataSync() as Float32Array);
  return next.value;
}

/**
 * The forward pass with awaited reads (webgpu in Node has no synchronous ones), never under a
 * gradient tape. The caller disposes what it returns (tf.engine().startScope()/endScope() around it,
 * since tf.tidy cannot span an await).
 */
export async function forwardAsync(params: ModelParams, options: ForwardOptions): Promise<ForwardResult> {
  const pass = forwardPass(params, options);
  let next = pass.next();
  while (!next.done) next = pass.next((await next.value.data()) as Float32Array);
  return next.value;
}

/**
 * The routing plan of every MoE layer, made with awaited reads outside any gradient tape (every
 * tensor it makes is disposed). Pass the plans to `forward` (options.plans) with the same parameters
 * and inputs for the gradient pass.
 */
export async function planRoutes(params: ModelParams, options: Omit<ForwardOptions, 'plans'>): Promise<RoutingPlan[]> {
  tf.engine().startScope();
  try {
    return (await forwardAsync(params, options)).moe.map((t) => t.plan);
  } finally {
    tf.engine().endScope();
  }
}
