/**
 * Per-layer summaries of a step's expert counts, the compact form of the event log (schema v2,
 * docs/events.md "Compact form"): what a viewer draws over every step when the full count matrices
 * come only every `countsEvery` steps. Pure, shared by the trainer (writing) and the readers.
 */

/** The summary statistics of one layer's counts c_i, i = 0 … E − 1 */
export const LOAD_STAT_NAMES = ['min', 'max', 'mean', 'cv', 'deadFraction'] as const;
export type LoadStatName = (typeof LOAD_STAT_NAMES)[number];

/**
 * Per MoE layer: min, max and mean of c_i; cv = std(c)/mean(c) (population std, 0 when mean is 0);
 * deadFraction = share of experts with c_i = 0.
 */
export type LoadStats = Record<LoadStatName, number[]>;

/** Significant digits the writers keep for the summaries (smaller log, no visible loss). */
export const LOAD_STAT_DIGITS = 5;

const round = (value: number) =>
  value === 0 || !Number.isFinite(value) ? value : Number(value.toPrecision(LOAD_STAT_DIGITS));

/** The summaries of per-layer counts [layer][expert]. */
export function loadStatsOf(counts: readonly (readonly number[])[]): LoadStats {
  const stats: LoadStats = { min: [], max: [], mean: [], cv: [], deadFraction: [] };
  for (const row of counts) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let dead = 0;
    for (const c of row) {
      if (c < min) min = c;
      if (c > max) max = c;
      sum += c;
      if (c === 0) dead++;
    }
    const n = Math.max(1, row.length);
    const mean = sum / n;
    let squares = 0;
    for (const c of row) squares += (c - mean) ** 2;
    stats.min.push(row.length ? min : 0);
    stats.max.push(row.length ? max : 0);
    stats.mean.push(round(mean));
    stats.cv.push(mean > 0 ? round(Math.sqrt(squares / n) / mean) : 0);
    stats.deadFraction.push(round(dead / n));
  }
  return stats;
}

/** MaxVio = max(c)/mean(c) − 1 of a layer, from its summary. */
export const maxVioOfStats = (stats: LoadStats, layer: number) =>
  stats.mean[layer] > 0 ? stats.max[layer] / stats.mean[layer] - 1 : 0;

/**
 * Which steps of a compact log carry the full count matrices: every `countsEvery`-th step and the
 * last step. 1 is the full form (every step).
 */
export const carriesCounts = (step: number, countsEvery: number, lastStep: number) =>
  countsEvery <= 1 || step % countsEvery === 0 || step === lastStep;

/**
 * The threshold above which a writer switches to the compact form, and the interval it uses then
 * (docs/events.md): full counts every step while layers × experts ≤ 4,096 (a count line of ≤ ~20 KB),
 * else every COMPACT_COUNTS_EVERY steps.
 */
export const FULL_COUNTS_MAX_CELLS = 4096;
export const COMPACT_COUNTS_EVERY = 100;
export const countsEveryFor = (layers: number, experts: number) =>
  layers * experts <= FULL_COUNTS_MAX_CELLS ? 1 : COMPACT_COUNTS_EVERY;
