/**
 * Differentiable building blocks with hand-written gradients (tfjs-on-cpu.md): 2-D untransposed
 * matmuls, row gathers whose gradient is a scatter-add (tf.gather's own gradient needs
 * UnsortedSegmentSum, missing on wasm), and fused layer norm, GELU and cross-entropy, which put one
 * node on the tape instead of a dozen.
 */
import * as tf from '@tensorflow/tfjs';

type T2 = tf.Tensor2D;

/** a·b with the gradient dA = dy·bᵀ, dB = aᵀ·dy through explicit transposes (fast 2-D matmuls on wasm). */
export const mm = tf.customGrad((a, b, save) => {
  (save as tf.GradSaveFunc)([a as T2, b as T2]);
  return {
    value: tf.matMul(a as T2, b as T2),
    gradFunc: (dy: T2, [sa, sb]: tf.Tensor[]) => [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)],
  };
}) as (a: T2, b: T2) => T2;

function indexColumn(indices: Int32Array): tf.Tensor2D {
  return tf.tensor2d(indices, [indices.length, 1], 'int32');
}

/** rows x[indices[r]]; the gradient scatter-adds back (duplicate indices sum). */
export function gatherRows(x: T2, indices: Int32Array): T2 {
  const [n, d] = x.shape;
  return tf.customGrad((input) => ({
    value: tf.gather(input as T2, tf.tensor1d(indices, 'int32')) as T2,
    gradFunc: (dy: T2) => tf.scatterND(indexColumn(indices), dy, [n, d]),
  }))(x);
}

const LN_EPS = 1e-5;

/** Layer norm over the last axis of [T, d], with gain and bias [d]. */
export const layerNorm = tf.customGrad((x, gain, bias, save) => {
  const input = x as T2;
  const { mean, variance } = tf.moments(input, 1, true);
  const rstd = tf.rsqrt(tf.add(variance, LN_EPS));
  const xhat = tf.mul(tf.sub(input, mean), rstd);
  (save as tf.GradSaveFunc)([xhat, rstd, gain as tf.Tensor1D]);
  return {
    value: tf.add(tf.mul(xhat, gain as tf.Tensor1D), bias as tf.Tensor1D),
    gradFunc: (dy: T2, [sxhat, srstd, sgain]: tf.Tensor[]) => {
      const dxhat = tf.mul(dy, sgain);
      const dx = tf.mul(
        srstd,
        tf.sub(tf.sub(dxhat, tf.mean(dxhat, 1, true)), tf.mul(sxhat, tf.mean(tf.mul(dxhat, sxhat), 1, true))),
      );
      return [dx, tf.sum(tf.mul(dy, sxhat), 0), tf.sum(dy, 0)];
    },
  };
}) as (x: T2, gain: tf.Tensor1D, bias: tf.Tensor1D) => T2;

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * GELU, tanh approximation (torch's approximate='tanh'), written as x·σ(2u) with
 * u = c·(x + a·x³), since 0.5·(1 + tanh(u)) = σ(2u) and wasm's Sigmoid is ~3× faster than its Tanh.
 * Returns the value and σ(2u), which the gradient reuses.
 */
export function geluForward(x: tf.Tensor): { value: tf.Tensor; sigmoid: tf.Tensor } {
  const s = tf.sigmoid(tf.mul(x, tf.add(tf.mul(tf.square(x), 2 * GELU_C * GELU_A), 2 * GELU_C)));
  return { value: tf.mul(x, s), sigmoid: s };
}

/** dy · GELU'(x) = dy · (s + x·s·(1 − s)·2c·(1 + 3a·x²)), s = σ(2u) from geluForward */
export function geluBackward(x: tf.Tensor, s: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const inner = tf.add(tf.mul(tf.square(x), 6 * GELU_C * GELU_A), 2 * GELU_C);
  const ds = tf.mul(tf.mul(x, tf.mul(s, tf.sub(1, s))), inner);
  return tf.mul(dy, tf.add(s, ds));
}

export const gelu = tf.customGrad((x, save) => {
  const { value, sigmoid } = geluForward(x as tf.Tensor);
  (save as tf.GradSaveFunc)([x as tf.Tensor, sigmoid]);
  return { value, gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => geluBackward(sx, ss, dy) };
}) as <R extends tf.Tensor>(x: R) => R;

/** Mean softmax cross-entropy of logits [T, V] against target ids; gradient (softmax − onehot)/T. */
export function crossEntropy(logits: T2, targets: Int32Array): tf.Scalar {
  const [rows, vocab] = logits.shape;
  return tf.customGrad((x, save) => {
    const input = x as T2;
    (save as tf.GradSaveFunc)([input]);
    const lse = tf.logSumExp(input, 1);
    const flatIndex = new Int32Array(rows);
    for (let r = 0; r < rows; r++) flatIndex[r] = r * vocab + targets[r];
    const picked = tf.gather(tf.reshape(input, [rows * vocab]), tf.tensor1d(flatIndex, 'int32'));
    return {
      value: tf.mean(tf.sub(lse, picked)) as tf.Scalar,
      gradFunc: (dy: tf.Scalar, [saved]: tf.Tensor[]) => {
        const oneHot = tf.oneHot(tf.tensor1d(targets, 'int32'), vocab);
        return tf.mul(tf.sub(tf.softmax(saved), oneHot), tf.div(dy, rows));
      },
    };
  })(logits);
}
