/** Heatmap geometry and pixels, without the DOM: one pixel per cell, scaled up by the canvas. */
import type { Rgb } from './colors';

/** RGBA pixels of a rows × cols matrix, row-major: pixel (col, row) is matrix[row][col]. */
export function heatmapPixels(matrix: readonly (readonly number[])[], color: (value: number) => Rgb): Uint8ClampedArray<ArrayBuffer> {
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
export function sparklineCoordinates(points: readonly { x: number; y: number }[], width: number, height: number, pad = 2) {
  if (points.length === 0) return [];
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
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
