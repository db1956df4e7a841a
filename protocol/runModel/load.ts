/**
 * Expert load, normalised: load_i = c_i / mean(c), so 1 is a perfectly balanced expert, 0 a dead one,
 * and E the most overloaded possible. The history keeps columns of mean normalised load per layer and
 * expert over aligned step buckets (buckets.ts); like Series, the bucket width doubles when there are too many
 * columns, so a 100,000-step run keeps at most `capacity` columns.
 */
import { appendColumn, truncateColumnsAfter, type BucketColumn, type BucketHistory } from './buckets';

export function normalizeLoad(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return counts.map(() => 0);
  const mean = total / counts.length;
  return counts.map((c) => c / mean);
}

export interface LoadColumn extends BucketColumn {
  /** sum over the bucket's steps of the normalised load, [layer][expert] */
  sum: number[][];
}

export type LoadHistory = BucketHistory<LoadColumn>;

/** Cells kept across all columns; the column capacity shrinks for wide models to stay within it. */
const CELL_BUDGET = 600_000;

export function createLoadHistory(layers: number, experts: number, maxColumns = 256): LoadHistory {
  const byBudget = Math.floor(CELL_BUDGET / Math.max(1, layers * experts));
  return { capacity: Math.max(8, Math.min(maxColumns, byBudget)), width: 1, columns: [] };
}

const addInto = (into: LoadColumn, from: LoadColumn) =>
  from.sum.forEach((row, l) => row.forEach((v, e) => (into.sum[l][e] += v)));

export function appendLoad(history: LoadHistory, step: number, counts: readonly (readonly number[])[]): void {
  appendColumn(history, { start: step, last: step, n: 1, sum: counts.map(normalizeLoad) }, addInto);
}

/** Drops columns that start after `step` (a resumed run restarts from its checkpoint). */
export const truncateLoadAfter = (history: LoadHistory, step: number) => truncateColumnsAfter(history, step);

/** Mean normalised load of one column: [layer][expert]. */
export function columnLoad(column: LoadColumn): number[][] {
  return column.sum.map((row) => row.map((v) => v / column.n));
}

/** Load over time of one layer: [expert][column], the matrix of the expert × step heatmap. */
export function layerLoadOverTime(history: LoadHistory, layer: number): number[][] {
  const experts = history.columns[0]?.sum[layer]?.length ?? 0;
  return Array.from({ length: experts }, (_, e) => history.columns.map((c) => c.sum[layer][e] / c.n));
}
