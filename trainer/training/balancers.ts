/**
 * Balancer terms of shared docs/balancers.md, per MoE layer: the loss terms as differentiable
 * tensors, and the loss-free bias update (no gradient) on plain arrays.
 */
import * as tf from '@tensorflow/tfjs';
import { mm } from '../model/ops';

/** f_i = c_i / Σ_j c_j: each expert's fraction of the assignments (c_i / (K·T) when Σ c = K·T). */
export function loadFractions(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return Array.from(counts, (c) => (total > 0 ? c / total : 0));
}

/**
 * aux-loss (LBL): alpha · E · Σ_i f_i · P_i, f_i the load fractions (constants: loadFractions of the
 * batch's counts, or of a window of batches for global-aux-loss), P_i = mean_t probs[t, i], probs
 * being the router scores normalised per token.
 */
export function auxLoss(probs: tf.Tensor2D, fractions: number[], alpha: number): tf.Scalar {
  const experts = probs.shape[1];
  return tf.mul(alpha * experts, tf.sum(tf.mul(tf.tensor1d(fractions), tf.mean(probs, 0))));
}

/**
 * seq-aux-loss (DeepSeek-V3 §2.1.2): per sequence s of S tokens, f_si = E/(K·S) · (picks of expert i
 * in s) and P_si = mean over s's tokens of probs[t, i]; the loss is alpha · Σ_i f_si · P_si averaged
 * over the sequences. `selected` is the [T·E] pick mask with T = sequences · S, sequences contiguous.
 */
export function sequenceAuxLoss(
  probs: tf.Tensor2D,
  selected: ArrayLike<number>,
  seqLen: number,
  topK: number,
  alpha: number,
): tf.Scalar {
  const [tokens, experts] = probs.shape;
  const sequences = tokens / seqLen;
  const f = new Float32Array(sequences * experts);
  for (let t = 0; t < tokens; t++) {
    const row = Math.floor(t / seqLen) * experts;
    for (let e = 0; e < experts; e++) f[row + e] += selected[t * experts + e];
  }
  const scale = experts / (topK * seqLen);
  for (let i = 0; i < f.length; i++) f[i] *= scale;
  const meanProbs = tf.mean(tf.reshape(probs, [sequences, seqLen, experts]), 1);
  return tf.mul(alpha / sequences, tf.sum(tf.mul(tf.tensor2d(f, [sequences, experts]), meanProbs)));
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

/**
 * Loss-free update: b_i += u · sign(mean(c) − c_i) (Loss-Free Balancing, Algorithm 1); mean-centred
 * (torchtitan): the update minus its mean, so biases that start at 0 keep mean 0. Returns the new biases.
 */
export function updateBias(
  bias: ArrayLike<number>,
  counts: ArrayLike<number>,
  rate: number,
  meanCentred = false,
): Float32Array {
  let average = 0;
  for (let i = 0; i < counts.length; i++) average += counts[i];
  average /= counts.length;
  const delta = Array.from(counts, (c) => rate * Math.sign(average - c));
  const shift = meanCentred ? delta.reduce((a, b) => a + b, 0) / delta.length : 0;
  const out = new Float32Array(bias.length);
  for (let i = 0; i < bias.length; i++) out[i] = bias[i] + (delta[i] - shift);
  return out;
}
