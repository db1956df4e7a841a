/** Seeded random numbers for initialisation: the same seed gives the same weights on every backend. */

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n samples of N(0, std²) (Box–Muller). */
export function normalArray(random: () => number, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * A rows × cols matrix (row-major) with orthonormal columns (rows ≥ cols) or orthonormal rows,
 * from a Gaussian matrix by modified Gram–Schmidt (Saxe et al. 2014 orthogonal init).
 */
export function orthogonalMatrix(random: () => number, rows: number, cols: number): Float32Array {
  const tall = rows >= cols;
  const [n, m] = tall ? [cols, rows] : [rows, cols]; // n vectors of length m, n ≤ m
  const g = normalArray(random, n * m, 1);
  const vectors: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from(g.subarray(i * m, (i + 1) * m));
    for (const u of vectors) {
      let dot = 0;
      for (let j = 0; j < m; j++) dot += u[j] * v[j];
      for (let j = 0; j < m; j++) v[j] -= dot * u[j];
    }
    let norm = 0;
    for (let j = 0; j < m; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm);
    for (let j = 0; j < m; j++) v[j] /= norm;
    vectors.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      // tall: vector i is column i; wide: vector i is row i
      if (tall) out[j * cols + i] = vectors[i][j];
      else out[i * cols + j] = vectors[i][j];
    }
  }
  return out;
}
