/** MaxVio = (max_i c_i − mean c) / mean c (docs/balancers.md); 0 when nothing was routed. */
export function maxVio(counts: readonly number[]): number {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  return mean === 0 ? 0 : (Math.max(...counts) - mean) / mean;
}
