/**
 * Causal multi-head self-attention on the output of one QKV projection, [T = B·S, 3·dModel] →
 * [T, dModel] (heads side by side, before the output projection).
 */
import * as tf from '@tensorflow/tfjs';

type T2 = tf.Tensor2D;

/** Additive causal mask [S, S]: 0 on and below the diagonal, −1e9 above. */
export function causalMask(seqLen: number): T2 {
  const values = new Float32Array(seqLen * seqLen);
  for (let i = 0; i < seqLen; i++) for (let j = i + 1; j < seqLen; j++) values[i * seqLen + j] = -1e9;
  return tf.tensor2d(values, [seqLen, seqLen]);
}

/**
 * Straightforward attention with tf's own batched matmuls and gradients: slow on wasm (batched and
 * transposed matmuls fall off XNNPACK), kept as the reference the fast path is tested against.
 */
export function attentionReference(qkv: T2, batch: number, seqLen: number, heads: number, mask: T2): T2 {
  const dModel = qkv.shape[1] / 3;
  const dh = dModel / heads;
  const part = (i: number) =>
    tf.reshape(
      tf.transpose(tf.reshape(tf.slice(qkv, [0, i * dModel], [-1, dModel]), [batch, seqLen, heads, dh]), [0, 2, 1, 3]),
      [batch * heads, seqLen, dh],
    );
  const scores = tf.add(tf.mul(tf.matMul(part(0), part(1), false, true), 1 / Math.sqrt(dh)), mask);
  const out = tf.matMul(tf.softmax(scores), part(2));
  return tf.reshape(tf.transpose(tf.reshape(out, [batch, heads, seqLen, dh]), [0, 2, 1, 3]), [batch * seqLen, dModel]);
}
