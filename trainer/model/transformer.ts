/**
 * The forward pass of the decoder-only MoE transformer on [T = B·S] token ids, all 2-D tensors.
 *
 * Each MoE layer's top-K selection needs its router scores on the CPU. The pass is written once, as
 * a generator that yields each MoE layer's scores and takes the layer's routing plan back, with two
 * drivers: `forward` (synchronous: reads the scores with dataSync, or takes `options.plans`), and
 * `planRoutes` (asynchronous, no tape: `await scores.data()`), whose plans a backend that cannot read
 * synchronously (webgpu) passes to `forward` for the gradient pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';
import { causalAttention } from './attention';
import { ffn, moeExperts } from './moe';
import { gatherRows, layerNorm, mm } from './ops';
import type { ModelParams } from './params';
import type { Router, RouterOutput } from './router';
import type { RoutingPlan } from './routing';

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

/** What the pass asks its driver for at each MoE layer: a plan from these scores. */
interface PlanRequest {
  router: Router;
  scores: tf.Tensor2D;
}

function* forwardPass(params: ModelParams, options: ForwardOptions): Generator<PlanRequest, ForwardResult, RoutingPlan> {
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
      const plan = options.plans?.[moe.length] ?? (yield { router: block.router, scores: scored.scores });
      const routing = block.router.output(scored, plan);
      moe.push({ ...routing, input: h });
      x = tf.add(x, moeExperts(h, routing, block.experts, options.gateThreshold));
    } else if (block.dense) {
      x = tf.add(x, ffn(h, block.dense));
    }
  }
  const logits = mm(layerNorm(x, params.finalGain, params.finalBias), params.output);
  return { logits, moe };
}

/** The forward pass; routers without a plan in `options.plans` read their scores synchronously. */
export function forward(params: ModelParams, options: ForwardOptions): ForwardResult {
  const pass = forwardPass(params, options);
  let next = pass.next();
  while (!next.done) {
    const { router, scores } = next.value;
    next = pass.next(router.plan(scores.dataSync() as Float32Array, options.dropTop));
  }
  return next.value;
}

/**
 * The routing plan of every MoE layer, reading scores asynchronously, outside any gradient tape; the
 * pass stops after the last MoE layer and disposes every tensor it made. Pass the plans to `forward`
 * (options.plans) with the same parameters and inputs for the gradient pass.
 */
export async function planRoutes(params: ModelParams, options: Omit<ForwardOptions, 'plans'>): Promise<RoutingPlan[]> {
  const layers = params.blocks.filter((b) => b.router).length;
  const plans: RoutingPlan[] = [];
  const pass = forwardPass(params, options);
  tf.engine().startScope();
  try {
    let next = pass.next();
    while (!next.done) {
      const { router, scores } = next.value;
      plans.push(router.plan((await scores.data()) as Float32Array, options.dropTop));
      if (plans.length === layers) break;
      next = pass.next(plans[plans.length - 1]);
    }
  } finally {
    pass.return(undefined as never);
    tf.engine().endScope();
  }
  return plans;
}
