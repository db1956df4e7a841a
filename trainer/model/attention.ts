/**
 * Causal multi-head self-attention on the output of one QKV projection, [T = B·S, 3·dModel] →
 * [T, dModel] (heads side by side, before the output projection).
 */
import * as tf from '@tensorflow/tfjs';
import { BLOCK_MATMUL } from './wasmKernels';

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
 * out block i = a block i · b block i, for a [n·m, k] and b [n·k, p] cut into n equal row blocks:
 * on wasm one call of its own kernel (wasmKernels.ts: stock batched matmul falls off XNNPACK); on
 * the other backends one batched matmul (webgpu: one dispatch instead of 3n for 2-D matmuls on slices).
 */
export function blockMatMul(a: T2, b: T2, blocks: number): T2 {
  if (tf.getBackend() === 'wasm' && tf.getKernel(BLOCK_MATMUL, 'wasm')) {
    return tf.engine().runKernel(BLOCK_MATMUL, { a, b }, { blocks }) as T2;
  }
  const [m, k, p] = [a.shape[0] / blocks, a.shape[1], b.shape[1]];
  return tf.reshape(tf.matMul(tf.reshape(a, [blocks, m, k]), tf.reshape(b, [blocks, k, p])), [blocks * m, p]);
}

/**
 * The fast path: one custom op whose forward and backward are per-(head, sequence) 2-D untransposed
 * matmuls on contiguous blocks (blockMatMul), with explicit transposes done once for all heads and
 * the softmax (and its gradient) done once on all score matrices. Nothing inside goes on the tape.
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
  /** [H·T, dh] parts → each block transposed to [dh, S], stacked: [H·B·dh, S] */
  const transposedBlocks = (x: tf.Tensor2D) =>
    tf.reshape(tf.transpose(tf.reshape(x, [heads, batch, seqLen, dh]), [0, 1, 3, 2]), [blocks * dh, seqLen]) as T2;
  /** each [S, S] block of a [blocks·S, S] matrix transposed */
  const transposeSquares = (x: tf.Tensor2D) =>
    tf.reshape(tf.transpose(tf.reshape(x, [blocks, seqLen, seqLen]), [0, 2, 1]), [blocks * seqLen, seqLen]) as T2;
  /** [n·T, dh] part-major rows → [T, n·dh] */
  const mergeParts = (x: tf.Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(x, [-1, tokens, dh]), [1, 0, 2]), [tokens, -1]) as T2;
  /** queries, keys or values of all heads: [H·T, dh] */
  const part = (parts: T2, p: number) => tf.slice(parts, [p * heads * tokens, 0], [heads * tokens, dh]);

  return tf.customGrad((input, save) => {
    const [out, parts, probs] = tf.tidy(() => {
      const parts = tf.reshape(tf.transpose(tf.reshape(input as T2, [tokens, 3 * heads, dh]), [1, 0, 2]), [
        3 * heads * tokens,
        dh,
      ]) as T2;
      const scores = blockMatMul(part(parts, 0), transposedBlocks(part(parts, 1)), blocks);
      const logits = tf.add(tf.mul(tf.reshape(scores, [blocks, seqLen, seqLen]), scale), mask);
      const probs = tf.reshape(tf.softmax(logits), [blocks * seqLen, seqLen]) as T2;
      return [mergeParts(blockMatMul(probs, part(parts, 2), blocks)), parts, probs];
    });
    (save as tf.GradSaveFunc)([parts, probs]);
    return {
      value: out,
      gradFunc: (dy: T2, [savedParts, savedProbs]: tf.Tensor[]) =>
        tf.tidy(() => {
          const [queries, keys, values] = [0, 1, 2].map((p) => part(savedParts as T2, p));
          const probs = savedProbs as T2;
          // dO in the parts layout
          const dOut = tf.reshape(tf.transpose(tf.reshape(dy, [tokens, heads, dh]), [1, 0, 2]), [
            heads * tokens,
            dh,
          ]) as T2;
          const dValues = blockMatMul(transposeSquares(probs), dOut, blocks);
          const dProbs = blockMatMul(dOut, transposedBlocks(values), blocks);
          // softmax backward on all blocks at once: dS = P ⊙ (dP − Σ_j dP ⊙ P), times the score scale
          const dScores = tf.mul(tf.mul(probs, tf.sub(dProbs, tf.sum(tf.mul(dProbs, probs), 1, true))), scale) as T2;
          const dQueries = blockMatMul(dScores, keys, blocks);
          const dKeys = blockMatMul(transposeSquares(dScores), queries, blocks);
          return mergeParts(tf.concat([dQueries, dKeys, dValues], 0));
        }),
    };
  })(qkv);
}
