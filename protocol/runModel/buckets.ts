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

/** Adds the column of one step; a step not after the last column's is ignored (a replay). */
export function appendColumn<C extends BucketColumn>(history: BucketHistory<C>, column: C, merge: MergeColumns<C>): void {
  const last = history.columns[history.columns.length - 1];
  if (last && column.last <= last.last) return;
  const bucket = Math.floor(column.last / history.width);
  if (last && Math.floor(last.start / history.width) === bucket) {
    merge(last, column);
    last.n += column.n;
    last.last = column.last;
  } else {
    column.start = bucket * history.width;
    history.columns.push(column);
  }
  while (history.columns.length > history.capacity) compactColumns(history, merge);
}

function compactColumns<C extends BucketColumn>(history: BucketHistory<C>, merge: MergeColumns<C>): void {
  history.width *= 2;
  const out: C[] = [];
  for (const column of history.columns) {
    const prev = out[out.length - 1];
    const bucket = Math.floor(column.start / history.width);
    if (prev && Math.floor(prev.start / history.width) === bucket) {
      merge(prev, column);
      prev.n += column.n;
      prev.last = column.last;
    } else {
      column.start = bucket * history.width;
      out.push(column);
    }
  }
  history.columns = out;
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
