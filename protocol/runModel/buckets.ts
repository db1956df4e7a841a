/**
 * Columns over aligned step buckets with bounded memory: each column sums (or otherwise merges) the
 * steps of one bucket of `width` steps; when there are more than `capacity` columns the width doubles
 * and neighbouring columns merge, so old buckets nest exactly in new ones. Plain data, posted as is.
 */
export interface BucketColumn {
  /** first step of the bucket (bucket index × width) */
  start: number;
  /** last step that went into it */
  last: number;
  /** steps merged into it */
  n: number;
}

export interface BucketHistory<C extends BucketColumn> {
  capacity: number;
  /** steps per bucket, a power of two */
  width: number;
  columns: C[];
}

/** Merges `from` (later steps) into `into`; n, start and last are handled by the caller. */
export type MergeColumns<C extends BucketColumn> = (into: C, from: C) => void;

/**
 * Puts `column` at the end of `columns`: merged into the last column when both fall in the same bucket
 * of `width` steps (by their first step), else appended with its start aligned to its bucket.
 */
function place<C extends BucketColumn>(columns: C[], column: C, width: number, merge: MergeColumns<C>): void {
  const last = columns[columns.length - 1];
  const bucket = Math.floor(column.start / width);
  if (last && Math.floor(last.start / width) === bucket) {
    merge(last, column);
    last.n += column.n;
    last.last = column.last;
  } else {
    column.start = bucket * width;
    columns.push(column);
  }
}

/** Adds the column of one step; a step not after the last column's is ignored (a replay). */
export function appendColumn<C extends BucketColumn>(
  history: BucketHistory<C>,
  column: C,
  merge: MergeColumns<C>,
): void {
  const last = history.columns[history.columns.length - 1];
  if (last && column.last <= last.last) return;
  place(history.columns, column, history.width, merge);
  while (history.columns.length > history.capacity) {
    history.width *= 2;
    const out: C[] = [];
    for (const old of history.columns) place(out, old, history.width, merge);
    history.columns = out;
  }
}

/** Drops columns that start after `step` (a resumed run restarts from its checkpoint). */
export function truncateColumnsAfter(history: BucketHistory<BucketColumn>, step: number): void {
  while (history.columns.length && history.columns[history.columns.length - 1].start > step) history.columns.pop();
}

/** The index of the column holding `step` (the first whose last step is ≥ it); the latest when undefined or later. */
export function columnIndexAt(history: BucketHistory<BucketColumn>, step: number | undefined): number {
  const columns = history.columns;
  if (step === undefined) return columns.length - 1;
  let lo = 0;
  let hi = columns.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (columns[mid].last >= step) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
