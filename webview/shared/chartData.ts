/**
 * Pure helpers for the charts: EMA smoothing, the value of a curve at a step, CSV export of a card's
 * curves, and numbers printed with enough digits to tell them apart. No DOM: unit-tested under node.
 */
import type { Point } from '../../protocol/runModel/series';
import { seedBand } from '../../protocol/runModel/seedSpread';

/**
 * Exponential moving average as TensorBoard smooths: last = last·w + (1 − w)·y, divided by
 * (1 − w^n) so the start is not pulled towards 0. `weight` 0 returns the points as they are.
 */
export function emaSmooth(points: readonly Point[], weight: number): Point[] {
  if (weight <= 0 || points.length === 0) return points.slice();
  const w = Math.min(weight, 0.999);
  let last = 0;
  let n = 0;
  return points.map((p) => {
    if (!Number.isFinite(p.y)) return p;
    last = last * w + (1 - w) * p.y;
    n++;
    return { x: p.x, y: last / (1 - w ** n) };
  });
}

/** Index of the last point with x ≤ step; −1 when every point is after it. Points are in x order. */
export function indexAtOrBefore(points: readonly { x: number }[], step: number): number {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x <= step) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The curve's value as of `step`: its last point at or before it (undefined before its first point). */
export function valueAt(points: readonly Point[], step: number): Point | undefined {
  const i = indexAtOrBefore(points, step);
  return i >= 0 ? points[i] : undefined;
}

const csvCell = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** CSV with an x column and one column per curve, a row per x any curve has (empty where it has none). */
export function curvesToCsv(xTitle: string, curves: readonly { label: string; points: readonly Point[] }[]): string {
  const xs = [...new Set(curves.flatMap((c) => c.points.map((p) => p.x)))].sort((a, b) => a - b);
  const byX = curves.map((c) => new Map(c.points.map((p) => [p.x, p.y])));
  const rows = [[xTitle, ...curves.map((c) => c.label)].map(csvCell).join(',')];
  for (const x of xs) rows.push([String(x), ...byX.map((m) => (m.has(x) ? String(m.get(x)) : ''))].join(','));
  return rows.join('\n') + '\n';
}

/**
 * The curves a card exports: a seed group's mean curve (one with `seedCurves`) is followed by the
 * min, max and sample sd over its seeds at each step, what its band shows; other curves as they are.
 */
export function exportedCurves(
  lines: readonly { label: string; points: readonly Point[]; seedCurves?: readonly (readonly Point[])[] }[],
): { label: string; points: Point[] }[] {
  return lines.flatMap(({ label, points, seedCurves }) => {
    if (!seedCurves) return [{ label, points: [...points] }];
    const band = seedBand(seedCurves);
    const column = (stat: 'min' | 'max' | 'sd') => ({
      label: `${label}: ${stat}`,
      points: band.map((p) => ({ x: p.x, y: p[stat] })),
    });
    return [{ label, points: [...points] }, column('min'), column('max'), column('sd')];
  });
}

/**
 * The values printed with the fewest significant digits (at least `min`, at most 8) at which the
 * distinct values all read differently: 2.5104, 2.5137 and 2.4998 rather than 2.51 / 2.51 / 2.5.
 */
export function formatDistinct(values: readonly (number | undefined)[], min = 3): string[] {
  const format = (v: number | undefined, digits: number) =>
    v === undefined || !Number.isFinite(v)
      ? '–'
      : Math.abs(v) >= 10 ** digits
        ? Math.round(v).toLocaleString('en-US')
        : v.toPrecision(digits);
  const distinct = new Set(values.filter((v) => v !== undefined && Number.isFinite(v)));
  for (let digits = min; digits < 8; digits++) {
    const texts = values.map((v) => format(v, digits));
    const shown = new Set(values.filter((v) => v !== undefined && Number.isFinite(v)).map((v) => format(v, digits)));
    if (shown.size === distinct.size) return texts;
  }
  return values.map((v) => format(v, 8));
}

/** A file name from a card title: "Loss (train, val)" → "loss-train-val". */
export function fileSlug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'chart'
  );
}

/**
 * The time of a step from (step, epoch ms) points in step order: interpolated between the recorded
 * steps, held at the ends. Undefined without points.
 */
export function timeAtStep(times: readonly Point[], step: number): number | undefined {
  if (times.length === 0) return undefined;
  const i = indexAtOrBefore(times, step);
  if (i < 0) return times[0].y;
  if (i === times.length - 1) return times[i].y;
  const a = times[i];
  const b = times[i + 1];
  return b.x === a.x ? a.y : a.y + ((b.y - a.y) * (step - a.x)) / (b.x - a.x);
}
