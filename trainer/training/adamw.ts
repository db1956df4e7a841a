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

/** Elements summed per level of the on-device reductions of squareSums. */
const NORM_BLOCK = 32;
/** At most this many partial sums are read back a step (4 KiB), whatever the model's size. */
const MAX_PARTIAL_SUMS = 1024;

/**
 * Partial sums of x² on the device, in float32: the vector cut into at most MAX_PARTIAL_SUMS rows, each
 * row's squares summed in blocks of NORM_BLOCK, then the block sums in blocks, and so on. The caller
 * reads the small vector (with the step's other values) and adds it up in float64 (normOfSquareSums).
 * A float32 running sum of a million squares drifts ~1e-4 relative low (all terms positive); what
 * is left here is each row's blocked float32 sum (≲1e-6 relative per row, independent between rows)
 * and the float32 rounding of each square. Nothing else is read: a GPU→CPU copy of the whole gradient
 * each step would stall the queue.
 */
export function squareSums(values: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const size = values.size;
    const rows = Math.max(1, Math.min(MAX_PARTIAL_SUMS, Math.ceil(size / NORM_BLOCK)));
    // Each row padded (once, with zeros) to a multiple of the block size of every level but the last.
    let levelSpan = 1;
    while (levelSpan * NORM_BLOCK < size / rows) levelSpan *= NORM_BLOCK;
    let columns = Math.ceil(size / rows / levelSpan) * levelSpan;
    const squares = tf.square(values);
    const padded = rows * columns > size ? tf.concat([squares, tf.zeros([rows * columns - size])]) : squares;
    let sums: tf.Tensor2D = tf.reshape(padded, [rows, columns]);
    while (columns > NORM_BLOCK) {
      columns /= NORM_BLOCK;
      sums = tf.sum(tf.reshape(sums, [rows, columns, NORM_BLOCK]), 2);
    }
    return tf.sum(sums, 1);
  });
}

/** √(Σ partial sums), added up in float64 (JavaScript numbers). */
export function normOfSquareSums(sums: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < sums.length; i++) total += sums[i];
  return Math.sqrt(total);
}

/** A step's gradients as one flat vector, and the partial sums of their squares to read back. */
export interface FlatGradients {
  flat: tf.Tensor1D;
  squareSums: tf.Tensor1D;
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
   * The gradients flattened (`grads[i]` belongs to params[i]; a missing gradient, an expert that got
   * no tokens, counts as zero) and their squares' partial sums. The caller reads `squareSums` with the
   * step's other values (one GPU→CPU read a step), passes normOfSquareSums of it to update(), and
   * disposes both tensors.
   */
  gradients(grads: (tf.Tensor | undefined)[]): FlatGradients {
    return tf.tidy(() => {
      const flat = tf.concat1d(grads.map((g, i) => (g ? tf.reshape(g, [-1]) : tf.zeros([this.sizes[i]]))));
      return { flat, squareSums: squareSums(flat) };
    });
  }

  /** One update at learning rate lr from gradients() and their global norm (before clipping). */
  update(flat: tf.Tensor1D, gradNorm: number, lr: number): void {
    const { beta1, beta2, epsilon, gradClip } = this.options;
    this.step++;
    tf.tidy(() => {
      // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1
      const scale = gradClip > 0 ? Math.min(1, gradClip / (gradNorm + 1e-6)) : 1;
      const g = scale < 1 ? tf.mul(flat, scale) : flat;
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
    });
  }

  /** gradients(), their norm read back and added up in float64, update(): returns the norm. */
  async apply(grads: (tf.Tensor | undefined)[], lr: number): Promise<number> {
    const { flat, squareSums } = this.gradients(grads);
    try {
      const gradNorm = normOfSquareSums(await squareSums.data());
      this.update(flat, gradNorm, lr);
      return gradNorm;
    } finally {
      tf.dispose([flat, squareSums]);
    }
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    this.decayRates.dispose();
  }
}
