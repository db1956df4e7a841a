/**
 * A heatmap on a canvas: the matrix becomes an ImageData with one pixel per cell, drawn into the
 * visible canvas scaled up with smoothing off, so cells have crisp edges and solid colours. Hovering a
 * cell shows its value in the canvas's title.
 */
import { cellAt, heatmapPixels } from '../model/heatmap';
import type { Rgb } from '../model/colors';
import { el } from './dom';

export interface HeatmapContent {
  matrix: number[][];
  color: (value: number) => Rgb;
  describe: (row: number, col: number, value: number) => string;
}

/** Labels beside a heatmap's rows, each as tall as a row. */
export const rowLabels = (labels: string[], rowHeight: number) =>
  el(
    'div',
    { className: 'row-labels' },
    labels.map((text) => {
      const label = el('div', { text });
      label.style.height = `${rowHeight}px`;
      label.style.lineHeight = `${rowHeight}px`;
      return label;
    }),
  );

export class HeatmapCanvas {
  private content?: HeatmapContent;
  private readonly source = document.createElement('canvas');

  constructor(
    readonly canvas: HTMLCanvasElement,
    /** CSS pixels per row */
    private readonly rowHeight: number,
  ) {
    canvas.addEventListener('mousemove', (event) => this.hover(event));
    new ResizeObserver(() => this.paint()).observe(canvas);
  }

  draw(content: HeatmapContent): void {
    this.content = content;
    this.canvas.style.height = `${Math.max(1, content.matrix.length) * this.rowHeight}px`;
    this.paint();
  }

  private paint(): void {
    const content = this.content;
    if (!content) return;
    const rows = content.matrix.length;
    const cols = content.matrix[0]?.length ?? 0;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(rows * this.rowHeight * ratio));
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    if (rows === 0 || cols === 0) return;
    this.source.width = cols;
    this.source.height = rows;
    this.source.getContext('2d')?.putImageData(new ImageData(heatmapPixels(content.matrix, content.color), cols, rows), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.source, 0, 0, width, height);
  }

  private hover(event: MouseEvent): void {
    const content = this.content;
    if (!content) return;
    const box = this.canvas.getBoundingClientRect();
    const rows = content.matrix.length;
    const cell = cellAt(event.clientX - box.left, event.clientY - box.top, box.width, box.height, rows, content.matrix[0]?.length ?? 0);
    this.canvas.title = cell ? content.describe(cell.row, cell.col, content.matrix[cell.row][cell.col]) : '';
  }
}
