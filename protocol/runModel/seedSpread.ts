/**
 * Runs that differ only by seed (as `npm run compare -- --seeds 3` and Reproduce Paper write them): how
 * they are grouped, and the spread of their curves (mean, sample sd, min and max at each step) that
 * Compare Run Curves draws as one mean curve with a min–max band. Pure: unit-tested under node, used
 * by the compare tool's table and the compare webview.
 */
import type { RunConfig } from '../runConfig';
import type { Point } from './series';

export interface Spread {
  mean: number;
  /** sample standard deviation (n − 1); 0 for one value */
  sd: number;
  n: number;
}

/** Mean and sample sd of the defined, finite values; undefined when there are none. */
export function spread(values: readonly (number | undefined)[]): Spread | undefined {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (xs.length === 0) return undefined;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, n: xs.length };
}

/** JSON with object keys sorted, so two equal configs give one string whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Where a run stands among its seeds: runs with equal `key` differ only by `seed` (and their name). */
export interface SeedGroupKey {
  /** the start event's config without its name and training.seed, as canonical JSON */
  key: string;
  seed: number;
}

/**
 * The seed group of a run from its start event's config; undefined when the config has no numeric
 * training.seed (another writer's log).
 */
export function seedGroupKey(config: RunConfig): SeedGroupKey | undefined {
  const { name: _name, training, ...rest } = config;
  if (typeof training?.seed !== 'number') return undefined;
  const { seed, ...otherTraining } = training;
  return { key: canonicalJson({ ...rest, training: otherTraining }), seed };
}

export interface SeedGroup<T> {
  /** the runs in the order given; one run is a group of one */
  members: T[];
  /** each member's seed (undefined when its config is not known) */
  seeds: (number | undefined)[];
}

/**
 * Groups runs whose configs differ only by seed, in the order each group's first run comes. A run
 * without a known config, or a second run with a seed already in its group (the same run twice), is
 * a group of its own.
 */
export function groupBySeed<T>(runs: readonly T[], keyOf: (run: T) => SeedGroupKey | undefined): SeedGroup<T>[] {
  const groups: SeedGroup<T>[] = [];
  const byKey = new Map<string, SeedGroup<T>>();
  for (const run of runs) {
    const key = keyOf(run);
    const group = key && byKey.get(key.key);
    if (key && group && !group.seeds.includes(key.seed)) {
      group.members.push(run);
      group.seeds.push(key.seed);
      continue;
    }
    const fresh = { members: [run], seeds: [key?.seed] };
    groups.push(fresh);
    if (key && !group) byKey.set(key.key, fresh);
  }
  return groups;
}

/** The spread of a group's curves at one x: over the `n` curves that reach it. */
export interface BandPoint extends Spread {
  x: number;
  min: number;
  max: number;
}

/**
 * Value of a curve (points in x order) at x: the point at x, or linear interpolation between the points
 * either side; undefined outside the curve's first … last x (a shorter run does not count beyond its end).
 */
export function valueOnCurve(points: readonly Point[], x: number): number | undefined {
  if (points.length === 0 || x < points[0].x || x > points[points.length - 1].x) return undefined;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x <= x) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  if (a.x === x) return a.y;
  if (b.x === x) return b.y;
  return a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
}

/**
 * Mean, sample sd, min and max of the curves at every x any of them has (x = step, the compare view's
 * alignment), over the curves that reach that x (interpolated between a curve's recorded points, as a
 * downsampled curve stores only some steps). Curves of uneven length: past a shorter curve's end, n drops.
 */
export function seedBand(curves: readonly (readonly Point[])[]): BandPoint[] {
  const xs = [...new Set(curves.flatMap((c) => c.map((p) => p.x)))].sort((a, b) => a - b);
  return xs.map((x) => {
    const values = curves.map((c) => valueOnCurve(c, x)).filter((v): v is number => v !== undefined);
    const { mean, sd, n } = spread(values)!;
    return { x, mean, sd, n, min: Math.min(...values), max: Math.max(...values) };
  });
}

/**
 * Short names for seed groups shown together, from each group's first run name and seed: the
 * "-s<seed>" the compare tool appends is dropped, then, with two groups or more, the prefix they all
 * share up to a "-" (the comparison's name and date): "tiny-paper-2026-12-02-06-53-59-aux-loss-s42"
 * and "…-loss-free-s42" become "aux-loss" and "loss-free".
 */
export function seedGroupNames(groups: readonly { name: string; seed?: number }[]): string[] {
  const names = groups.map(({ name, seed }) =>
    seed !== undefined && name.endsWith(`-s${seed}`) ? name.slice(0, -`-s${seed}`.length) : name,
  );
  if (names.length < 2) return names;
  let shared = names[0];
  for (const name of names) while (!name.startsWith(shared)) shared = shared.slice(0, -1);
  const cut = shared.lastIndexOf('-') + 1;
  return cut > 0 && names.every((name) => name.length > cut) ? names.map((name) => name.slice(cut)) : names;
}
