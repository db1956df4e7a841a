/**
 * Routing metrics of shared docs/balancers.md as pure functions on plain arrays, so each can be
 * checked by hand. Symbols: T tokens, E experts, K picks per token, c[i] assignments of expert i.
 */

const mean = (values: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length ? sum / values.length : 0;
};

/** MaxVio = (max_i c_i − mean c) / mean c; 0 when nothing was routed. */
export function maxVio(counts: ArrayLike<number>): number {
  const average = mean(counts);
  if (average === 0) return 0;
  let max = -Infinity;
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i]);
  return (max - average) / average;
}

/** Experts that received at least one assignment. */
export function expertsUsed(counts: ArrayLike<number>): number {
  let used = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) used++;
  return used;
}

/** Aux loss value alpha · E · Σ f_i · P_i with f_i = c_i/(K·T) and P_i the mean normalised score. */
export function auxLossValue(counts: ArrayLike<number>, meanProbs: ArrayLike<number>, alpha: number, topK: number): number {
  const experts = counts.length;
  let total = 0;
  for (let i = 0; i < experts; i++) total += counts[i];
  const tokens = total / topK;
  let sum = 0;
  for (let i = 0; i < experts; i++) sum += (counts[i] / (topK * tokens)) * meanProbs[i];
  return tokens > 0 ? alpha * experts * sum : 0;
}

/** G = RᵀR for a router R of shape [dModel, E] (row-major): the E×E Gram matrix of expert columns. */
export function gramMatrix(router: ArrayLike<number>, dModel: number, experts: number): Float64Array {
  const gram = new Float64Array(experts * experts);
  for (let i = 0; i < experts; i++) {
    for (let j = i; j < experts; j++) {
      let dot = 0;
      for (let r = 0; r < dModel; r++) dot += router[r * experts + i] * router[r * experts + j];
      gram[i * experts + j] = dot;
      gram[j * experts + i] = dot;
    }
  }
  return gram;
}

/** mean((RᵀR − I)²) */
export function gramDeviation(router: ArrayLike<number>, dModel: number, experts: number): number {
  const gram = gramMatrix(router, dModel, experts);
  let sum = 0;
  for (let i = 0; i < experts; i++) {
    for (let j = 0; j < experts; j++) {
      const d = gram[i * experts + j] - (i === j ? 1 : 0);
      sum += d * d;
    }
  }
  return sum / (experts * experts);
}

/** SimBal: lambda · ‖RᵀR − I‖₁, the entrywise L1 sum. */
export function simbalValue(router: ArrayLike<number>, dModel: number, experts: number, lambda: number): number {
  const gram = gramMatrix(router, dModel, experts);
  let sum = 0;
  for (let i = 0; i < experts; i++) {
    for (let j = 0; j < experts; j++) sum += Math.abs(gram[i * experts + j] - (i === j ? 1 : 0));
  }
  return lambda * sum;
}

/** cos(a, b); 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * PES (SimBal Eqs. 5–6): outputs[i] holds expert i's outputs for the sampled tokens, [tokens × dim]
 * row-major. C(x) = 2/(N(N−1)) Σ_{i<j} cos(f_i(x), f_j(x)), averaged over the tokens.
 */
export function pairwiseExpertSimilarity(outputs: Float32Array[], tokens: number, dim: number): number {
  const n = outputs.length;
  if (n < 2 || tokens === 0) return 0;
  let total = 0;
  for (let t = 0; t < tokens; t++) {
    const row = (i: number) => outputs[i].subarray(t * dim, (t + 1) * dim);
    let sum = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += cosine(row(i), row(j));
    total += (2 / (n * (n - 1))) * sum;
  }
  return total / tokens;
}

/** Router scores as a distribution per token: softmax scores as they are, sigmoid scores divided by their sum. */
export function normaliseScores(scores: Float32Array, experts: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let base = 0; base < scores.length; base += experts) {
    let sum = 0;
    for (let e = 0; e < experts; e++) sum += scores[base + e];
    for (let e = 0; e < experts; e++) out[base + e] = sum > 0 ? scores[base + e] / sum : 1 / experts;
  }
  return out;
}

/** Mean per-token entropy (nats) of the normalised router scores, [T × E] row-major. */
export function routerEntropy(probs: Float32Array, experts: number): number {
  const tokens = probs.length / experts;
  let total = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) total -= probs[i] * Math.log(probs[i]);
  return tokens ? total / tokens : 0;
}

/**
 * SEU: mean over sequences of the fraction of experts used by at least one of the sequence's tokens.
 * `selected` is the [T × E] pick mask with T = sequences · seqLen, sequences contiguous.
 */
export function sequenceExpertUtilisation(selected: ArrayLike<number>, sequences: number, seqLen: number, experts: number): number {
  let total = 0;
  for (let s = 0; s < sequences; s++) {
    const used = new Uint8Array(experts);
    for (let t = s * seqLen; t < (s + 1) * seqLen; t++) {
      for (let e = 0; e < experts; e++) if (selected[t * experts + e]) used[e] = 1;
    }
    total += expertsUsed(used) / experts;
  }
  return sequences ? total / sequences : 0;
}
