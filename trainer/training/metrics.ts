/**
 * Routing metrics of shared docs/balancers.md as pure functions on plain arrays, so each can be
 * checked by hand. Symbols: T tokens, E experts, K picks per token, c[i] assignments of expert i.
 */

/** Experts that received at least one assignment. */
export function expertsUsed(counts: ArrayLike<number>): number {
  let used = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) used++;
  return used;
}

/** Aux loss value alpha · E · Σ f_i · P_i with f_i = c_i/(K·T) and P_i the mean normalised score. */
export function auxLossValue(
  counts: ArrayLike<number>,
  meanProbs: ArrayLike<number>,
  alpha: number,
  topK: number,
): number {
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
export function sequenceExpertUtilisation(
  selected: ArrayLike<number>,
  sequences: number,
  seqLen: number,
  experts: number,
): number {
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

/** Φ(x), the standard normal CDF, through erfc (Numerical Recipes' Chebyshev fit, |relative error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** e_n = E[max of n independent standard normals] = ∫ x · n · φ(x) · Φ(x)^(n−1) dx (Simpson's rule on [−12, 12]). */
export function expectedMaxOfNormals(n: number): number {
  const steps = 4800;
  const h = 24 / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const x = -12 + i * h;
    const density = (n * Math.exp((-x * x) / 2) * normalCdf(x) ** (n - 1)) / Math.sqrt(2 * Math.PI);
    sum += (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * x * density;
  }
  return (sum * h) / 3;
}

/**
 * The noise floor of MaxVio: its expected value when each of T tokens picks K of E experts uniformly
 * at random (shared docs/balancers.md, "MaxVio noise floor"). With p = K/E each load is Binomial(T, p),
 * the loads are equicorrelated with ρ = −1/(E − 1) (their sum is fixed), so for large T
 * E[MaxVio] ≈ √(E/(E − 1)) · e_E · √((1 − p)/(T·p)).
 */
export function uniformMaxVio(tokens: number, experts: number, topK: number): number {
  if (tokens <= 0 || topK >= experts) return 0;
  const p = topK / experts;
  return Math.sqrt(experts / (experts - 1)) * expectedMaxOfNormals(experts) * Math.sqrt((1 - p) / (tokens * p));
}
