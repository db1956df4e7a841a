/** Heatmap geometry and pixels, without the DOM: one pixel per cell, scaled up by the canvas. */
import type { Rgb } from './colors';

/** RGBA pixels of a rows × cols matrix, row-major: pixel (col, row) is matrix[row][col]. */
export function heatmapPixels(
  matrix: readonly (readonly number[])[],
  color: (value: number) => Rgb,
): Uint8ClampedArray<ArrayBuffer> {
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  const pixels = new Uint8ClampedArray(rows * cols * 4);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [red, green, blue] = color(matrix[r][c]);
      const i = (r * cols + c) * 4;
      pixels[i] = red;
      pixels[i + 1] = green;
      pixels[i + 2] = blue;
      pixels[i + 3] = 255;
    }
  }
  return pixels;
}

/** How cells merge into one pixel bucket when there are more cells than pixels. */
export type Aggregate = 'mean' | 'max' | 'min';

/**
 * Boundaries of at most `maxGroups` equal groups over n items: [0, size, 2·size, …, n]; group g is
 * items bounds[g] … bounds[g + 1] − 1. One item per group when n ≤ maxGroups.
 */
export function groupBounds(n: number, maxGroups: number): number[] {
  const size = Math.max(1, Math.ceil(n / Math.max(1, maxGroups)));
  const bounds: number[] = [];
  for (let i = 0; i < n; i += size) bounds.push(i);
  bounds.push(n);
  return bounds;
}

/** The matrix with its rows and columns merged into the groups given by their bounds (level of detail). */
export function aggregateMatrix(
  matrix: readonly (readonly number[])[],
  rowBounds: readonly number[],
  colBounds: readonly number[],
  how: Aggregate,
): number[][] {
  const out: number[][] = [];
  for (let g = 0; g + 1 < rowBounds.length; g++) {
    const row: number[] = [];
    for (let h = 0; h + 1 < colBounds.length; h++) {
      let acc = how === 'max' ? -Infinity : how === 'min' ? Infinity : 0;
      let n = 0;
      for (let r = rowBounds[g]; r < rowBounds[g + 1]; r++) {
        const values = matrix[r];
        for (let c = colBounds[h]; c < colBounds[h + 1]; c++) {
          const v = values[c];
          acc = how === 'max' ? Math.max(acc, v) : how === 'min' ? Math.min(acc, v) : acc + v;
          n++;
        }
      }
      row.push(how === 'mean' ? acc / Math.max(1, n) : acc);
    }
    out.push(row);
  }
  return out;
}

/** Indices of the values from the highest to the lowest (ties keep index order). */
export function orderByValue(values: readonly number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
}

/** Column indices to label so labels are at least `minGap` pixels apart on a `width`-pixel axis. */
export function labelledColumns(cols: number, width: number, minGap = 44): number[] {
  if (cols === 0) return [];
  const every = Math.max(1, Math.ceil((minGap * cols) / Math.max(1, width)));
  const nice = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512, 1000].find((n) => n >= every) ?? every;
  const out: number[] = [];
  for (let c = 0; c < cols; c += nice) out.push(c);
  return out;
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ x. */
export function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * power).find((n) => n >= x) ?? 10 * power;
}

/**
 * Ticks of a numeric column axis (e.g. steps): round values (multiples of a 1-2-5 interval, at least
 * `minGap` pixels apart), each at the column holding it. `values` are the columns' first values,
 * increasing; a column holds the values from its own to the next column's.
 */
export function numericTicks(values: readonly number[], width: number, minGap = 48): { col: number; value: number }[] {
  if (values.length === 0) return [];
  const first = values[0];
  const last = values[values.length - 1];
  const interval = niceStep((Math.max(1, last - first) * minGap) / Math.max(1, width));
  const ticks: { col: number; value: number }[] = [];
  let col = 0;
  for (let value = Math.ceil(first / interval) * interval; value <= last; value += interval) {
    while (col + 1 < values.length && values[col + 1] <= value) col++;
    ticks.push({ col, value });
  }
  return ticks;
}

/** The cell under a point of a canvas of the given size showing rows × cols cells; undefined outside. */
export function cellAt(
  x: number,
  y: number,
  width: number,
  height: number,
  rows: number,
  cols: number,
): { row: number; col: number } | undefined {
  if (x < 0 || y < 0 || x >= width || y >= height || rows === 0 || cols === 0) return undefined;
  return { row: Math.floor((y / height) * rows), col: Math.floor((x / width) * cols) };
}

/** The centre of a cell in canvas coordinates (where tests read its colour). */
export function cellCenter(row: number, col: number, width: number, height: number, rows: number, cols: number) {
  return { x: ((col + 0.5) * width) / cols, y: ((row + 0.5) * height) / rows };
}

/** Maps points into a w × h box (y up), for sparklines; a flat series sits in the middle. */
export function sparklineCoordinates(
  points: readonly { x: number; y: number }[],
  width: number,
  height: number,
  pad = 2,
) {
  if (points.length === 0) return [];
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY;
  return points.map((p) => ({
    x: pad + ((p.x - minX) / spanX) * (width - 2 * pad),
    y: spanY === 0 ? height / 2 : height - pad - ((p.y - minY) / spanY) * (height - 2 * pad),
  }));
}
