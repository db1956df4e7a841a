/** MaxVio = (max_i c_i − mean c) / mean c (docs/balancers.md); 0 when nothing was routed. */
export function maxVio(counts: ArrayLike<number>): number {
  let sum = 0;
  let max = -Infinity;
  for (let i = 0; i < counts.length; i++) {
    sum += counts[i];
    max = Math.max(max, counts[i]);
  }
  const mean = counts.length ? sum / counts.length : 0;
  return mean === 0 ? 0 : (max - mean) / mean;
}
