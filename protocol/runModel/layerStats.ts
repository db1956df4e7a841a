/**
 * Per-layer load summaries over every step (the compact log's `loadStats`, or computed from the
 * counts of a v1 log), kept as bucketed columns (buckets.ts) for the layer × step heatmap: each column
 * holds, per statistic and layer, the sum over its steps (for the mean) and the worst value (for the
 * peak view: the highest MaxVio, CV or dead fraction, the lowest minimum load).
 */
import { maxVioOfStats, type LoadStats } from '../loadStats';
import { appendColumn, truncateColumnsAfter, type BucketColumn, type BucketHistory } from './buckets';

/** What the layer × step heatmap can show; all are normalised, so layers of any size compare. */
export const LAYER_STATS = ['maxVio', 'cv', 'deadFraction', 'minLoad'] as const;
export type LayerStat = (typeof LAYER_STATS)[number];

export const LAYER_STAT_LABELS: Record<LayerStat, string> = {
  maxVio: 'MaxVio (max/mean − 1)',
  cv: 'CV of the load (std/mean)',
  deadFraction: 'dead experts (share)',
  minLoad: 'lowest load (min/mean)',
};

/** For the peak view: is a higher value worse? (minLoad: lower is worse) */
const HIGHER_IS_WORSE: Record<LayerStat, boolean> = { maxVio: true, cv: true, deadFraction: true, minLoad: false };

export interface StatColumn extends BucketColumn {
  /** [stat index in LAYER_STATS][layer] */
  sum: number[][];
  worst: number[][];
}

export type LayerStatHistory = BucketHistory<StatColumn>;

/** Numbers kept across all columns (sum and worst of each stat and layer). */
const STAT_BUDGET = 300_000;

export function createLayerStatHistory(layers: number, maxColumns = 1024): LayerStatHistory {
  const perColumn = Math.max(1, layers * LAYER_STATS.length * 2);
  return { capacity: Math.max(64, Math.min(maxColumns, Math.floor(STAT_BUDGET / perColumn))), width: 1, columns: [] };
}

/** The four normalised statistics of each layer at one step, [stat][layer]. */
export function layerStatValues(stats: LoadStats, maxVio: readonly number[] | undefined): number[][] {
  const layers = stats.mean.length;
  const rows: number[][] = [[], [], [], []];
  for (let l = 0; l < layers; l++) {
    rows[0].push(maxVio?.[l] ?? maxVioOfStats(stats, l));
    rows[1].push(stats.cv[l]);
    rows[2].push(stats.deadFraction[l]);
    rows[3].push(stats.mean[l] > 0 ? stats.min[l] / stats.mean[l] : 0);
  }
  return rows;
}

function merge(into: StatColumn, from: StatColumn): void {
  for (let s = 0; s < LAYER_STATS.length; s++) {
    const higher = HIGHER_IS_WORSE[LAYER_STATS[s]];
    const [sum, worst, addSum, addWorst] = [into.sum[s], into.worst[s], from.sum[s], from.worst[s]];
    for (let l = 0; l < sum.length; l++) {
      sum[l] += addSum[l];
      worst[l] = higher ? Math.max(worst[l], addWorst[l]) : Math.min(worst[l], addWorst[l]);
    }
  }
}

export function appendLayerStats(history: LayerStatHistory, step: number, values: number[][]): void {
  appendColumn(history, { start: step, last: step, n: 1, sum: values, worst: values.map((row) => [...row]) }, merge);
}

export const truncateLayerStatsAfter = (history: LayerStatHistory, step: number) => truncateColumnsAfter(history, step);

/** The layer × step matrix of one statistic: [layer][column], the bucket mean or its worst value. */
export function layerStatMatrix(history: LayerStatHistory, stat: LayerStat, aggregate: 'mean' | 'worst'): number[][] {
  const s = LAYER_STATS.indexOf(stat);
  const layers = history.columns[0]?.sum[s]?.length ?? 0;
  return Array.from({ length: layers }, (_, l) =>
    history.columns.map((c) => (aggregate === 'mean' ? c.sum[s][l] / c.n : c.worst[s][l])),
  );
}
