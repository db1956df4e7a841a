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

/**
 * The fast path: one custom op whose forward and backward are per-(head, sequence) 2-D untransposed
 * matmuls on contiguous blocks, with explicit transposes done once for all heads and the softmax
 * (and its gradient) done once on all score matrices. Nothing inside goes on the tape.
 *
 * Layout: the QKV output [T, 3·H·dh] is rearranged to parts [3H·T, dh], where block (p, b) — part p
 * (queries of head h are p = h, keys H + h, values 2H + h), sequence b — is rows (p·T + b·S) … + S.
 */
export function causalAttention(qkv: T2, batch: number, seqLen: number, heads: number, mask: T2): T2 {
  const tokens = batch * seqLen;
  const dModel = qkv.shape[1] / 3;
  const dh = dModel / heads;
  const blocks = heads * batch;
  const scale = 1 / Math.sqrt(dh);
  /** rows of block i of a [n·rowsPerBlock, cols] matrix */
  const block = (x: tf.Tensor2D, i: number, rows: number) => tf.slice(x, [i * rows, 0], [rows, x.shape[1]]);
  /** [H, B, S, dh] parts → per block [dh, S] stacked: [H·B·dh, S] */
  const transposedBlocks = (x: tf.Tensor2D) =>
    tf.reshape(tf.transpose(tf.reshape(x, [heads, batch, seqLen, dh]), [0, 1, 3, 2]), [blocks * dh, seqLen]) as T2;
  /** [H·T, dh] head-major rows → [T, H·dh] */
  const mergeHeads = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [-1, tokens, dh]), [1, 0, 2]), [tokens, -1]) as T2;
  /** queries, keys or values of all heads: [H·T, dh] */
  const part = (parts: T2, p: number) => tf.slice(parts, [p * heads * tokens, 0], [heads * tokens, dh]);

  return tf.customGrad((input, save) => {
    const [out, parts, probs] = tf.tidy(() => {
      const parts = tf.reshape(tf.transpose(tf.reshape(input as T2, [tokens, 3 * heads, dh]), [1, 0, 2]), [3 * heads * tokens, dh]) as T2;
      const [queries, keys, values] = [0, 1, 2].map((p) => part(parts, p));
      const keysT = transposedBlocks(keys);
      const scores: T2[] = [];
      for (let i = 0; i < blocks; i++) scores.push(tf.matMul(block(queries, i, seqLen), block(keysT, i, dh)));
      const logits = tf.add(tf.mul(tf.reshape(tf.concat(scores, 0), [blocks, seqLen, seqLen]), scale), mask);
      const probs = tf.reshape(tf.softmax(logits), [blocks * seqLen, seqLen]) as T2;
      const outputs: T2[] = [];
      for (let i = 0; i < blocks; i++) outputs.push(tf.matMul(block(probs, i, seqLen), block(values, i, seqLen)));
      return [mergeHeads(tf.concat(outputs, 0)), parts, probs];
    });
    (save as tf.GradSaveFunc)([parts, probs]);
    return {
      value: out,
      gradFunc: (dy: T2, [savedParts, savedProbs]: tf.Tensor[]) =>
        tf.tidy(() => {
          const [queries, keys, values] = [0, 1, 2].map((p) => part(savedParts as T2, p));
          const probs = savedProbs as T2;
          // dO per block, in the parts layout
          const dOut = tf.reshape(tf.transpose(tf.reshape(dy, [tokens, heads, dh]), [1, 0, 2]), [heads * tokens, dh]) as T2;
          const valuesT = transposedBlocks(values);
          const probsT = tf.reshape(tf.transpose(tf.reshape(probs, [blocks, seqLen, seqLen]), [0, 2, 1]), [blocks * seqLen, seqLen]) as T2;
          const dValues: T2[] = [];
          const dProbs: T2[] = [];
          for (let i = 0; i < blocks; i++) {
            const dOi = block(dOut, i, seqLen);
            dValues.push(tf.matMul(block(probsT, i, seqLen), dOi));
            dProbs.push(tf.matMul(dOi, block(valuesT, i, dh)));
          }
          // softmax backward on all blocks at once: dS = P ⊙ (dP − Σ_j dP ⊙ P), times the score scale
          const dP = tf.concat(dProbs, 0);
          const dScores = tf.mul(tf.mul(probs, tf.sub(dP, tf.sum(tf.mul(dP, probs), 1, true))), scale) as T2;
          const dScoresT = tf.reshape(tf.transpose(tf.reshape(dScores, [blocks, seqLen, seqLen]), [0, 2, 1]), [blocks * seqLen, seqLen]) as T2;
          const dQueries: T2[] = [];
          const dKeys: T2[] = [];
          for (let i = 0; i < blocks; i++) {
            dQueries.push(tf.matMul(block(dScores, i, seqLen), block(keys, i, seqLen)));
            dKeys.push(tf.matMul(block(dScoresT, i, seqLen), block(queries, i, seqLen)));
          }
          return mergeHeads(tf.concat([...dQueries, ...dKeys, ...dValues], 0));
        }),
    };
  })(qkv) as T2;
}
