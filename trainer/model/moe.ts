/**
 * The MoE feed-forward layer: router scores → top-K on the CPU (routing.ts) → gates renormalised
 * over the K picks → sparse dispatch: rows gathered in expert order, each expert's FFN on its own
 * rows, scaled by the gates and scatter-added back to the tokens.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';
import { gatherRows, gelu, mm, scatterAddRows } from './ops';
import type { FfnParams } from './params';
import { planRouting, type RoutingOptions, type RoutingPlan } from './routing';

type T2 = tf.Tensor2D;

/** What the balancers and metrics need from one MoE layer's forward pass. */
export interface MoeTrace {
  /** the layer's input (after its layer norm), [T, dModel] */
  input: T2;
  routerLogits: T2;
  /** router scores normalised per token, [T, E] (softmax scores as they are) */
  probs: T2;
  /** raw router scores, read once for the routing */
  scores: Float32Array;
  plan: RoutingPlan;
}

/** An expert (or a dense block's FFN): GELU(x·W1)·W2. */
export function ffn(x: T2, params: FfnParams): T2 {
  return mm(gelu(mm(x, params.w1)), params.w2);
}

/** Gates [T, E]: the picked scores renormalised to sum to 1 over each token's K picks, 0 elsewhere. */
export function renormalisedGates(scores: T2, selected: Float32Array): T2 {
  const picked = tf.mul(scores, tf.tensor2d(selected, scores.shape));
  return tf.div(picked, tf.sum(picked, 1, true));
}

/** Runs each expert on its rows (rows sorted by expert, rowCounts[e] each) and concatenates the results. */
export function runExperts(rows: T2, rowCounts: number[], experts: FfnParams[]): T2 {
  const dModel = rows.shape[1];
  const outputs: T2[] = [];
  let offset = 0;
  rowCounts.forEach((count, e) => {
    if (count > 0) outputs.push(ffn(tf.slice(rows, [offset, 0], [count, dModel]), experts[e]));
    offset += count;
  });
  return outputs.length === 1 ? outputs[0] : tf.concat(outputs, 0);
}

export function moeLayer(
  x: T2,
  router: T2,
  experts: FfnParams[],
  model: RunConfig['model'],
  routing: RoutingOptions,
): { out: T2; trace: MoeTrace } {
  const tokens = x.shape[0];
  const routerLogits = mm(x, router);
  const scoresTensor = model.gate === 'softmax' ? tf.softmax(routerLogits) : tf.sigmoid(routerLogits);
  const scores = scoresTensor.dataSync() as Float32Array;
  const plan = planRouting(scores, tokens, model.experts, model.topK, routing);
  const gates = renormalisedGates(scoresTensor, plan.selected);
  const rowGates = gatherRows(tf.reshape(gates, [tokens * model.experts, 1]), plan.rowGateIndex);
  const rows = runExperts(gatherRows(x, plan.rowToken), plan.rowCounts, experts);
  const out = scatterAddRows(tf.mul(rows, rowGates), plan.rowToken, tokens);
  const probs: T2 = model.gate === 'softmax' ? scoresTensor : tf.div(scoresTensor, tf.sum(scoresTensor, 1, true));
  return { out, trace: { input: x, routerLogits, probs, scores, plan } };
}
