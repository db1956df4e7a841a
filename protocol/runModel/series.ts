/**
 * A time series with bounded memory for long runs: steps are grouped in aligned buckets of `width`
 * steps, and each bucket keeps at most four points — its first, minimum, maximum and last — so spikes
 * survive (like chart.js's min-max decimation) and the newest value is always the curve's end. When
 * the series holds more than `capacity` points, the bucket width doubles; old buckets nest exactly in
 * new ones, so the kept points are still the true first/min/max/last of every new bucket.
 * Plain data (no class) so it can be posted to a webview as is.
 */
export interface Point {
  x: number;
  y: number;
}

export interface Series {
  /** most points kept; after a compaction at most half of it */
  capacity: number;
  /** steps per bucket, a power of two */
  width: number;
  points: Point[];
}

export const DEFAULT_SERIES_CAPACITY = 2000;

export function createSeries(capacity = DEFAULT_SERIES_CAPACITY): Series {
  if (capacity < 8) throw new Error(`series capacity must be at least 8, got ${capacity}`);
  return { capacity, width: 1, points: [] };
}

const bucketOf = (x: number, width: number) => Math.floor(x / width);

/** The first, min, max and last of points sorted by x, without repeats, in x order. */
export function bucketRepresentatives(points: Point[]): Point[] {
  if (points.length <= 2) return points;
  let min = points[0];
  let max = points[0];
  for (const p of points) {
    if (p.y < min.y) min = p;
    if (p.y > max.y) max = p;
  }
  const kept = new Set([points[0], min, max, points[points.length - 1]]);
  return points.filter((p) => kept.has(p));
}

/** Appends a point; x must not decrease (an older x is ignored). Non-finite y (a diverged loss) is skipped. */
export function appendPoint(series: Series, x: number, y: number): void {
  if (!Number.isFinite(y) || !Number.isFinite(x)) return;
  const points = series.points;
  const last = points[points.length - 1];
  if (last && x < last.x) return;
  const bucket = bucketOf(x, series.width);
  let start = points.length;
  while (start > 0 && bucketOf(points[start - 1].x, series.width) === bucket) start--;
  const point = { x, y };
  if (points.length - start < 2) {
    points.push(point);
  } else {
    // Rewrite the open bucket in place: its first point, its min and max, then the new (last) point.
    const first = points[start];
    let min = point;
    let max = point;
    for (let i = start; i < points.length; i++) {
      if (points[i].y < min.y || (points[i].y === min.y && min === point)) min = points[i];
      if (points[i].y > max.y || (points[i].y === max.y && max === point)) max = points[i];
    }
    while (points.length > start) points.pop();
    points.push(first);
    const [early, late] = min.x <= max.x ? [min, max] : [max, min];
    if (early !== first && early !== point) points.push(early);
    if (late !== first && late !== point && late !== early) points.push(late);
    points.push(point);
  }
  if (points.length > series.capacity) {
    while (series.points.length > series.capacity / 2) compact(series);
  }
}

/** Doubles the bucket width and keeps the representatives of each new bucket. */
function compact(series: Series): void {
  series.width *= 2;
  const out: Point[] = [];
  let group: Point[] = [];
  for (const p of series.points) {
    if (group.length && bucketOf(group[0].x, series.width) !== bucketOf(p.x, series.width)) {
      out.push(...bucketRepresentatives(group));
      group = [];
    }
    group.push(p);
  }
  out.push(...bucketRepresentatives(group));
  series.points = out;
}

/** Drops points after step `x` (a resumed run restarts from its checkpoint's step). */
export function truncateAfter(series: Series, x: number): void {
  while (series.points.length && series.points[series.points.length - 1].x > x) series.points.pop();
}

export function lastValue(series: Series): number | undefined {
  return series.points[series.points.length - 1]?.y;
}
