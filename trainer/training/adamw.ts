/**
 * AdamW (decoupled weight decay, as torch.optim.AdamW) with global gradient-norm clipping, on one
 * flat vector of all parameters: a handful of large ops per step instead of a dozen per parameter.
 */
import * as tf from '@tensorflow/tfjs';
import type { Param } from '../model/params';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** decoupled weight decay of parameters with `decay` set and no weightDecay of their own */
  weightDecay: number;
  /** clip the global gradient norm to this (0 = off) */
  gradClip: number;
}

export const ADAMW_DEFAULTS = { beta1: 0.9, beta2: 0.95, epsilon: 1e-8 };

/** Elements summed per level of globalNorm's reduction. */
const NORM_BLOCK = 128;

/**
 * √(Σ x²) on the device, summed in blocks of NORM_BLOCK, then the block sums in blocks, and so on: a
 * float32 running sum of a million squares drifts ~1e-4 relative low (all terms positive), a blocked
 * one stays near 1e-6, and nothing is read back (webgpu has no synchronous reads; a GPU→CPU copy of
 * the whole gradient each step would stall the queue).
 */
export function globalNorm(values: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    let sums: tf.Tensor1D = tf.square(values);
    while (sums.size > NORM_BLOCK) {
      const padding = (NORM_BLOCK - (sums.size % NORM_BLOCK)) % NORM_BLOCK;
      const padded = padding ? tf.concat([sums, tf.zeros([padding])]) : sums;
      sums = tf.sum(tf.reshape(padded, [-1, NORM_BLOCK]), 1);
    }
    return tf.sqrt(tf.sum(sums)) as tf.Scalar;
  });
}

export class AdamW {
  /** first and second moments, flat in the order of the parameter list */
  readonly m: tf.Variable<tf.Rank.R1>;
  readonly v: tf.Variable<tf.Rank.R1>;
  /** steps taken, for the bias correction */
  step = 0;
  /** each element's decoupled weight decay coefficient */
  private readonly decayRates: tf.Tensor1D;
  private readonly sizes: number[];

  constructor(
    private readonly params: Param[],
    private readonly options: AdamWOptions,
  ) {
    this.sizes = params.map((p) => p.variable.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
    const rates = new Float32Array(total);
    let offset = 0;
    params.forEach((p, i) => {
      rates.fill(p.weightDecay ?? (p.decay ? options.weightDecay : 0), offset, offset + this.sizes[i]);
      offset += this.sizes[i];
    });
    this.decayRates = tf.keep(tf.tensor1d(rates));
  }

  /**
   * One update at learning rate lr. `grads[i]` belongs to params[i]; a missing gradient (an expert
   * that got no tokens) counts as zero. Returns the global gradient norm before clipping, as a scalar
   * the caller reads (with the step's other values: one GPU→CPU read a step) and disposes; the clip
   * scale is computed on the device, so the update needs no read.
   */
  apply(grads: (tf.Tensor | undefined)[], lr: number): tf.Scalar {
    const { beta1, beta2, epsilon, gradClip } = this.options;
    this.step++;
    return tf.tidy(() => {
      const flat = tf.concat(grads.map((g, i) => (g ? tf.reshape(g, [-1]) : tf.zeros([this.sizes[i]]))));
      const norm = globalNorm(flat as tf.Tensor1D);
      // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1
      const g = gradClip > 0 ? tf.mul(flat, tf.minimum(1, tf.div(gradClip, tf.add(norm, 1e-6)))) : flat;
      this.m.assign(tf.add(tf.mul(this.m, beta1), tf.mul(g, 1 - beta1)));
      this.v.assign(tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(g), 1 - beta2)));
      const correction1 = 1 - beta1 ** this.step;
      const correction2 = 1 - beta2 ** this.step;
      const denominator = tf.add(tf.div(tf.sqrt(this.v), Math.sqrt(correction2)), epsilon);
      const update = tf.mul(tf.div(this.m, denominator), lr / correction1);
      const current = tf.concat(this.params.map((p) => tf.reshape(p.variable, [-1])));
      const decayed = tf.mul(current, tf.sub(1, tf.mul(this.decayRates, lr)));
      const next = tf.sub(decayed, update);
      let offset = 0;
      this.params.forEach((p, i) => {
        p.variable.assign(tf.reshape(tf.slice(next, offset, this.sizes[i]), p.variable.shape));
        offset += this.sizes[i];
      });
      return norm;
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    this.decayRates.dispose();
  }
}
