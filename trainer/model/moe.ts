/**
 * The MoE feed-forward layer: the Router (router.ts) gives scores, the top-K plan and the gates;
 * then sparse dispatch: rows gathered in expert order, each expert's FFN on its own rows, scaled by
 * the gates and scatter-added back to the tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows, gelu, geluBackward, geluForward, mm } from './ops';
import type { FfnParams } from './params';
import type { RoutingPlan } from './routing';

type T2 = tf.Tensor2D;

/** An expert (or a dense block's FFN): GELU(x·W1)·W2. */
export function ffn(x: T2, params: FfnParams): T2 {
  return mm(gelu(mm(x, params.w1)), params.w2);
}

/**
 * The experts' part of an MoE layer as one custom op: gather each token's rows in expert order, run
 * every expert's FFN on its rows, scale by the row gates, scatter-add back to the tokens. Forward and
 * backward are written out (2-D untransposed matmuls, explicit transposes), so nothing inside goes
 * on the tape. Inputs x [T, d] and rowGates [R, 1]; outputs [T, d].
 */
export function dispatchExperts(x: T2, rowGates: T2, plan: RoutingPlan, experts: FfnParams[]): T2 {
  const [tokens, dModel] = x.shape;
  const weights = experts.flatMap((e) => [e.w1, e.w2]);
  const active = plan.rowCounts.flatMap((count, e) => (count > 0 ? [e] : []));
  const offsets: number[] = [];
  plan.rowCounts.reduce((offset, count, e) => ((offsets[e] = offset), offset + count), 0);
  const rowsOf = (m: tf.Tensor2D, e: number) => tf.slice(m, [offsets[e], 0], [plan.rowCounts[e], m.shape[1]]);
  const indexColumn = () => tf.tensor2d(plan.rowToken, [plan.rowToken.length, 1], 'int32');
  const rowTokens = () => tf.tensor1d(plan.rowToken, 'int32');

  return tf.customGrad((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, gates, ...w] = args as T2[];
    const saved = tf.tidy(() => {
      const rows = tf.gather(input, rowTokens()) as T2;
      const pre = active.map((e) => tf.matMul(rowsOf(rows, e), w[2 * e]));
      const hidden = pre.map((p) => geluForward(p));
      const outputs = tf.concat(
        active.map((e, i) => tf.matMul(hidden[i].value as T2, w[2 * e + 1])),
        0,
      ) as T2;
      return [rows, gates, outputs, ...pre, ...hidden.flatMap((h) => [h.value, h.sigmoid]), ...w];
    });
    save(saved);
    const value = tf.scatterND(indexColumn(), tf.mul(saved[2], gates), [tokens, dModel]) as T2;
    return {
      value,
      gradFunc: (dy: T2, s: tf.Tensor[]) =>
        tf.tidy(() => {
          const [rows, gates, outputs] = s as T2[];
          const pre = s.slice(3, 3 + active.length) as T2[];
          const hiddenAt = (i: number) => s[3 + active.length + 2 * i] as T2;
          const sigmoidAt = (i: number) => s[4 + active.length + 2 * i];
          const ws = s.slice(3 + 3 * active.length) as T2[];
          const dOutputs = tf.gather(dy, rowTokens()) as T2;
          const dGates = tf.sum(tf.mul(dOutputs, outputs), 1, true);
          const dScaled = tf.mul(dOutputs, gates) as T2;
          const dWeights = new Array<tf.Tensor | undefined>(ws.length);
          const dRows = active.map((e, i) => {
            const dOut = rowsOf(dScaled, e);
            dWeights[2 * e + 1] = tf.matMul(tf.transpose(hiddenAt(i)), dOut);
            const dPre = geluBackward(pre[i], sigmoidAt(i), tf.matMul(dOut, tf.transpose(ws[2 * e + 1]))) as T2;
            dWeights[2 * e] = tf.matMul(tf.transpose(rowsOf(rows, e)), dPre);
            return tf.matMul(dPre, tf.transpose(ws[2 * e]));
          });
          const dInput = tf.scatterND(indexColumn(), tf.concat(dRows, 0), [tokens, dModel]);
          // experts that got no rows: zero gradients (only theirs are made)
          return [dInput, dGates, ...ws.map((wi, i) => dWeights[i] ?? tf.zerosLike(wi))];
        }),
    };
  })(x, rowGates, ...weights);
}

/**
 * The experts' side of one MoE layer on its input x [T, dModel]: the rows of `plan` (the routing's
 * plan, or under Dynamic-K the pruned one: pruneByGate) dispatched with their gates [T, E].
 */
export function moeExperts(x: T2, gates: T2, plan: RoutingPlan, experts: FfnParams[]): T2 {
  const [tokens, expertCount] = gates.shape;
  const rowGates = gatherRows(tf.reshape(gates, [tokens * expertCount, 1]), plan.rowGateIndex);
  return dispatchExperts(x, rowGates, plan, experts);
}
