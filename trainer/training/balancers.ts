/**
 * Balancer terms of shared docs/balancers.md, per MoE layer: the loss terms as differentiable
 * tensors, and the loss-free bias update (no gradient) on plain arrays.
 */
import * as tf from '@tensorflow/tfjs';
import { mm } from '../model/ops';

/**
 * aux-loss (LBL): alpha · E · Σ_i f_i · P_i, f_i = c_i / (K·T) (constant), P_i = mean_t probs[t, i],
 * probs being the router scores normalised per token.
 */
export function auxLoss(probs: tf.Tensor2D, counts: number[], topK: number, alpha: number): tf.Scalar {
  const [tokens, experts] = probs.shape;
  const fractions = tf.tensor1d(counts.map((c) => c / (topK * tokens)));
  return tf.mul(alpha * experts, tf.sum(tf.mul(fractions, tf.mean(probs, 0))));
}

/**
 * SimBal: lambda · ‖RᵀR − I‖₁ (entrywise L1 sum) for the router R of shape [dModel, E].
 * |x| is written x · sign(x) so that its gradient is sign(x), 0 at 0 as in torch (tf.abs's is −1).
 */
export function simbalLoss(router: tf.Tensor2D, lambda: number): tf.Scalar {
  const experts = router.shape[1];
  const deviation = tf.sub(mm(tf.transpose(router), router), tf.eye(experts));
  return tf.mul(lambda, tf.sum(tf.mul(deviation, tf.sign(deviation))));
}

/** Router z-loss: beta · mean_t (logsumexp_i logits[t, i])². */
export function zLoss(routerLogits: tf.Tensor2D, beta: number): tf.Scalar {
  return tf.mul(beta, tf.mean(tf.square(tf.logSumExp(routerLogits, 1))));
}

/** Loss-free update: b_i += u · sign(mean(c) − c_i). Returns the new biases. */
export function updateBias(bias: ArrayLike<number>, counts: ArrayLike<number>, rate: number): Float32Array {
  let average = 0;
  for (let i = 0; i < counts.length; i++) average += counts[i];
  average /= counts.length;
  const out = new Float32Array(bias.length);
  for (let i = 0; i < bias.length; i++) out[i] = bias[i] + rate * Math.sign(average - counts[i]);
  return out;
}
