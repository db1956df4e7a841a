/**
 * Expert load, normalised: load_i = c_i / mean(c), so 1 is a perfectly balanced expert, 0 a dead one,
 * and E the most overloaded possible. The history keeps columns of mean normalised load per layer and
 * expert over aligned step buckets; like Series, the bucket width doubles when there are too many
 * columns, so a 100,000-step run keeps at most `capacity` columns.
 */
export function normalizeLoad(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return counts.map(() => 0);
  const mean = total / counts.length;
  return counts.map((c) => c / mean);
}

export interface LoadColumn {
  /** first step of the bucket (bucket index × width) */
  start: number;
  /** last step that went into it */
  last: number;
  /** steps averaged */
  n: number;
  /** sum over those steps of the normalised load, [layer][expert] */
  sum: number[][];
}

export interface LoadHistory {
  capacity: number;
  width: number;
  columns: LoadColumn[];
}

/** Cells kept across all columns; the column capacity shrinks for wide models to stay within it. */
const CELL_BUDGET = 200_000;

export function createLoadHistory(layers: number, experts: number, maxColumns = 256): LoadHistory {
  const byBudget = Math.floor(CELL_BUDGET / Math.max(1, layers * experts));
  return { capacity: Math.max(8, Math.min(maxColumns, byBudget)), width: 1, columns: [] };
}

export function appendLoad(history: LoadHistory, step: number, counts: readonly (readonly number[])[]): void {
  const loads = counts.map(normalizeLoad);
  const bucket = Math.floor(step / history.width);
  const last = history.columns[history.columns.length - 1];
  if (last && step <= last.last) return;
  if (last && Math.floor(last.start / history.width) === bucket) {
    addInto(last.sum, loads);
    last.n += 1;
    last.last = step;
  } else {
    history.columns.push({ start: bucket * history.width, last: step, n: 1, sum: loads });
  }
  while (history.columns.length > history.capacity) compactLoad(history);
}

function addInto(target: number[][], add: readonly (readonly number[])[]): void {
  add.forEach((row, l) => row.forEach((v, e) => (target[l][e] += v)));
}

function compactLoad(history: LoadHistory): void {
  history.width *= 2;
  const out: LoadColumn[] = [];
  for (const column of history.columns) {
    const prev = out[out.length - 1];
    if (prev && Math.floor(prev.start / history.width) === Math.floor(column.start / history.width)) {
      addInto(prev.sum, column.sum);
      prev.n += column.n;
      prev.last = column.last;
    } else {
      out.push({ start: Math.floor(column.start / history.width) * history.width, last: column.last, n: column.n, sum: column.sum });
    }
  }
  history.columns = out;
}

/** Drops columns that start after `step` (a resumed run restarts from its checkpoint). */
export function truncateLoadAfter(history: LoadHistory, step: number): void {
  while (history.columns.length && history.columns[history.columns.length - 1].start > step) history.columns.pop();
}

/** Mean normalised load of one column: [layer][expert]. */
export function columnLoad(column: LoadColumn): number[][] {
  return column.sum.map((row) => row.map((v) => v / column.n));
}

/** Load over time of one layer: [expert][column], the matrix of the expert × step heatmap. */
export function layerLoadOverTime(history: LoadHistory, layer: number): number[][] {
  const experts = history.columns[0]?.sum[layer]?.length ?? 0;
  return Array.from({ length: experts }, (_, e) => history.columns.map((c) => c.sum[layer][e] / c.n));
}
