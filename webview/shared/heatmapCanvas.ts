/**
 * A heatmap on a canvas, readable and reachable without a mouse:
 * - level of detail: when there are more rows or columns than pixels, cells merge into pixel buckets
 *   (mean, max or min, the card's choice) and every bucket is drawn as one solid rectangle;
 * - row labels and a column axis (every n-th label, never overlapping), with the axis title;
 * - a styled tooltip for the cell under the pointer or the keyboard cursor;
 * - keyboard: the canvas is one tab stop; arrows move a cursor over the drawn cells (Home/End: first
 *   and last column, PageUp/PageDown: 8 rows), and its value is announced through an aria-live region;
 * - a data table of the drawn cells, shown instead of the canvas when the card's Table toggle is on.
 * Test hooks: the canvas carries `data-drawn` = "rows×cols" drawn, `data-cursor` = "row,col" of the
 * keyboard cursor, and the live region has the class `heatmap-live`.
 */
import {
  aggregateMatrix,
  groupBounds,
  heatmapPixels,
  labelledColumns,
  numericTicks,
  type Aggregate,
} from '../model/heatmap';
import type { Rgb } from '../model/colors';
import { el } from './dom';
import { Tooltip } from './tooltip';

export interface HeatmapContent {
  /** rows × cols at full resolution, already filtered and ordered as shown */
  matrix: number[][];
  /** what a row / a column is, e.g. "layer 3", "expert 17", "steps 200–399" */
  rowName(row: number): string;
  /** `row` is given when the cell is a single row (sorted rows name each column's expert) */
  colName(col: number, row?: number): string;
  /** short row label beside the canvas and column tick under it */
  rowTick(row: number): string;
  colTick(col: number): string;
  /** a numeric column axis (e.g. the first step of each column): ticks at round values instead of every n-th column */
  colValue?: (col: number) => number;
  /** title of the column axis, e.g. "expert →" */
  colAxis: string;
  valueText(value: number): string;
  color: (value: number) => Rgb;
  aggregate: Aggregate;
  /** a column to mark with a line (the step chosen on the step scrubber) */
  markCol?: number;
}

export interface HeatmapOptions {
  id: string;
  /** what the heatmap shows, for screen readers and the table caption */
  label: string;
  /** CSS pixels per row when they fit in maxHeight */
  rowHeight: number;
  maxHeight: number;
}

/** A drawn cell: the group of full-resolution rows and columns it covers, and its value. */
interface DrawnCell {
  rows: [number, number];
  cols: [number, number];
  value: number;
}

const ROW_LABEL_MIN_PX = 11;
const TABLE_MAX_COLUMNS = 64;

const range = (name: (i: number) => string, [a, b]: [number, number]) =>
  b - a <= 1 ? name(a) : `${name(a)} – ${name(b - 1)}`;

export class HeatmapCanvas {
  readonly canvas: HTMLCanvasElement;
  readonly element: HTMLElement;
  private readonly source = document.createElement('canvas');
  private readonly rowLabels = el('div', { className: 'row-labels', attrs: { 'aria-hidden': 'true' } });
  private readonly colAxis = el('div', { className: 'col-axis', attrs: { 'aria-hidden': 'true' } });
  private readonly axisTitle = el('div', { className: 'col-axis-title', attrs: { 'aria-hidden': 'true' } });
  private readonly cursorBox = el('div', { className: 'heatmap-cursor', attrs: { 'aria-hidden': 'true' } });
  private readonly marker = el('div', { className: 'heatmap-marker', attrs: { 'aria-hidden': 'true' } });
  private readonly tooltip: Tooltip;
  private readonly resized = new ResizeObserver(() => this.layout());
  private readonly live = el('div', {
    className: 'heatmap-live sr-only',
    attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' },
  });
  private readonly plot: HTMLElement;
  private readonly tableBox = el('div', { className: 'heatmap-table' });
  private content?: HeatmapContent;
  private rowBounds: number[] = [];
  private colBounds: number[] = [];
  private drawn: number[][] = [];
  private cursor?: { row: number; col: number };
  private tableShown = false;

  constructor(private readonly options: HeatmapOptions) {
    this.canvas = el('canvas', {
      id: options.id,
      className: 'heatmap',
      attrs: {
        tabindex: '0',
        role: 'application',
        'aria-roledescription': 'heatmap',
        'aria-label': `${options.label}. Arrow keys move between cells; their values are read out.`,
      },
    });
    this.tooltip = new Tooltip(`${options.id}-tooltip`);
    this.plot = el('div', { className: 'heatmap-plot' }, [
      this.canvas,
      this.marker,
      this.cursorBox,
      this.colAxis,
      this.axisTitle,
    ]);
    this.element = el('div', { className: 'heatmap-block' }, [
      el('div', { className: 'heatmap-row' }, [this.rowLabels, this.plot]),
      this.tableBox,
      this.tooltip.element,
      this.live,
    ]);
    this.tableBox.hidden = true;
    this.canvas.addEventListener('mousemove', (event) => this.hover(event));
    this.canvas.addEventListener('mouseleave', () => this.tooltip.hide());
    this.canvas.addEventListener('keydown', (event) => this.key(event));
    this.canvas.addEventListener('focus', () => this.moveCursor(this.cursor?.row ?? 0, this.cursor?.col ?? 0));
    this.canvas.addEventListener('blur', () => {
      this.cursorBox.hidden = true;
      this.tooltip.hide();
    });
    this.cursorBox.hidden = true;
    this.tooltip.hide();
    this.resized.observe(this.plot);
  }

  /** Stops following the plot's size (the dashboard rebuilt its cards). */
  destroy(): void {
    this.resized.disconnect();
  }

  draw(content: HeatmapContent): void {
    this.content = content;
    this.layout();
  }

  /** Shows the data table instead of the canvas (or the canvas again). */
  showTable(shown: boolean): void {
    this.tableShown = shown;
    this.tableBox.hidden = !shown;
    this.plot.parentElement!.hidden = shown;
    if (shown) this.renderTable();
  }

  /** Groups, sizes and paints for the current content and width. */
  private layout(): void {
    const content = this.content;
    if (!content) return;
    const rows = content.matrix.length;
    const cols = content.matrix[0]?.length ?? 0;
    const fits = rows * this.options.rowHeight <= this.options.maxHeight;
    const height = Math.max(1, fits ? rows * this.options.rowHeight : this.options.maxHeight);
    this.rowBounds = groupBounds(rows, fits ? rows : Math.floor(this.options.maxHeight / 2));
    const width = Math.max(1, this.plot.clientWidth || 300);
    this.colBounds = groupBounds(cols, Math.floor(width));
    this.drawn = aggregateMatrix(content.matrix, this.rowBounds, this.colBounds, content.aggregate);
    this.canvas.style.height = `${height}px`;
    this.paint(width, height);
    this.labelRows(height);
    this.labelColumns(width);
    this.placeMarker(width, height);
    const drawnRows = this.drawn.length;
    const drawnCols = this.drawn[0]?.length ?? 0;
    this.canvas.dataset.drawn = `${drawnRows}x${drawnCols}`;
    if (this.cursor)
      this.cursor = { row: Math.min(this.cursor.row, drawnRows - 1), col: Math.min(this.cursor.col, drawnCols - 1) };
    if (this.cursor && document.activeElement === this.canvas) this.moveCursor(this.cursor.row, this.cursor.col);
    if (this.tableShown) this.renderTable();
  }

  private paint(cssWidth: number, cssHeight: number): void {
    const content = this.content!;
    const rows = this.drawn.length;
    const cols = this.drawn[0]?.length ?? 0;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(cssWidth * ratio));
    const height = Math.max(1, Math.round(cssHeight * ratio));
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    if (rows === 0 || cols === 0) return;
    this.source.width = cols;
    this.source.height = rows;
    this.source
      .getContext('2d')
      ?.putImageData(new ImageData(heatmapPixels(this.drawn, content.color), cols, rows), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.source, 0, 0, width, height);
  }

  private labelRows(height: number): void {
    const content = this.content!;
    const groups = this.rowBounds.length - 1;
    const px = height / Math.max(1, groups);
    const every = Math.max(1, Math.ceil(ROW_LABEL_MIN_PX / px));
    this.rowLabels.style.height = `${height}px`;
    this.rowLabels.replaceChildren(
      ...Array.from({ length: Math.ceil(groups / every) }, (_, i) => {
        const g = i * every;
        const label = el('div', { text: content.rowTick(this.rowBounds[g]) });
        label.style.top = `${g * px}px`;
        label.style.height = `${Math.max(px, ROW_LABEL_MIN_PX)}px`;
        label.style.lineHeight = `${Math.max(px, ROW_LABEL_MIN_PX)}px`;
        return label;
      }),
    );
  }

  private labelColumns(width: number): void {
    const content = this.content!;
    const groups = this.colBounds.length - 1;
    const px = width / Math.max(1, groups);
    const colValue = content.colValue;
    const ticks = colValue
      ? numericTicks(
          this.colBounds.slice(0, -1).map((c) => colValue(c)),
          width,
        ).map((t) => ({ g: t.col, text: t.value.toLocaleString('en-US') }))
      : labelledColumns(groups, width).map((g) => ({ g, text: content.colTick(this.colBounds[g]) }));
    this.colAxis.replaceChildren(
      ...ticks.map(({ g, text }) => {
        const tick = el('span', { text });
        tick.style.left = `${(g + 0.5) * px}px`;
        return tick;
      }),
    );
    this.axisTitle.textContent = content.colAxis;
  }

  private placeMarker(width: number, height: number): void {
    const col = this.content?.markCol;
    const group =
      col === undefined
        ? -1
        : this.colBounds.findIndex(
            (start, g) => g + 1 < this.colBounds.length && col >= start && col < this.colBounds[g + 1],
          );
    this.marker.hidden = group < 0;
    if (group < 0) return;
    const px = width / Math.max(1, this.colBounds.length - 1);
    Object.assign(this.marker.style, { left: `${group * px}px`, width: `${Math.max(2, px)}px`, height: `${height}px` });
  }

  private cellAt(row: number, col: number): DrawnCell | undefined {
    const value = this.drawn[row]?.[col];
    if (value === undefined) return undefined;
    return {
      rows: [this.rowBounds[row], this.rowBounds[row + 1]],
      cols: [this.colBounds[col], this.colBounds[col + 1]],
      value,
    };
  }

  /** "layer 3, expert 17: load 1.24 × mean", with the bucket it merges when cells are grouped. */
  describe(cell: DrawnCell): string {
    const content = this.content!;
    const merged = (cell.rows[1] - cell.rows[0]) * (cell.cols[1] - cell.cols[0]);
    const how = merged > 1 ? ` (${content.aggregate} of ${merged} cells)` : '';
    const row = cell.rows[1] - cell.rows[0] === 1 ? cell.rows[0] : undefined;
    return `${range((r) => content.rowName(r), cell.rows)}, ${range((c) => content.colName(c, row), cell.cols)}: ${content.valueText(cell.value)}${how}`;
  }

  private hover(event: MouseEvent): void {
    const box = this.canvas.getBoundingClientRect();
    const rows = this.drawn.length;
    const cols = this.drawn[0]?.length ?? 0;
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    if (rows === 0 || cols === 0 || x < 0 || y < 0 || x >= box.width || y >= box.height) return this.tooltip.hide();
    const cell = this.cellAt(Math.floor((y / box.height) * rows), Math.floor((x / box.width) * cols));
    if (cell) this.tooltip.show(this.describe(cell), event.clientX, event.clientY);
  }

  private key(event: KeyboardEvent): void {
    const rows = this.drawn.length;
    const cols = this.drawn[0]?.length ?? 0;
    if (!rows || !cols) return;
    const { row, col } = this.cursor ?? { row: 0, col: 0 };
    const moves: Record<string, [number, number]> = {
      ArrowUp: [row - 1, col],
      ArrowDown: [row + 1, col],
      ArrowLeft: [row, col - 1],
      ArrowRight: [row, col + 1],
      Home: [row, 0],
      End: [row, cols - 1],
      PageUp: [row - 8, col],
      PageDown: [row + 8, col],
    };
    const target = moves[event.key];
    if (!target) return;
    event.preventDefault();
    this.moveCursor(Math.max(0, Math.min(rows - 1, target[0])), Math.max(0, Math.min(cols - 1, target[1])));
  }

  private moveCursor(row: number, col: number): void {
    const cell = this.cellAt(row, col);
    if (!cell) return;
    this.cursor = { row, col };
    this.canvas.dataset.cursor = `${row},${col}`;
    const rows = this.drawn.length;
    const cols = this.drawn[0].length;
    const w = this.canvas.clientWidth / cols;
    const h = this.canvas.clientHeight / rows;
    Object.assign(this.cursorBox.style, {
      left: `${col * w}px`,
      top: `${row * h}px`,
      width: `${Math.max(2, w)}px`,
      height: `${Math.max(2, h)}px`,
    });
    this.cursorBox.hidden = false;
    const text = this.describe(cell);
    this.live.textContent = text;
    const box = this.canvas.getBoundingClientRect();
    this.tooltip.show(text, box.left + (col + 1) * w, box.top + (row + 1) * h);
  }

  /** The drawn cells as a table: row groups down, at most TABLE_MAX_COLUMNS column groups across. */
  private renderTable(): void {
    const content = this.content;
    if (!content) return;
    const cols = content.matrix[0]?.length ?? 0;
    const colBounds = groupBounds(cols, TABLE_MAX_COLUMNS);
    const values = aggregateMatrix(content.matrix, this.rowBounds, colBounds, content.aggregate);
    const merged = colBounds.length - 1 < cols || this.rowBounds.length - 1 < content.matrix.length;
    const caption = `${this.options.label}${merged ? ` (${content.aggregate} over merged cells)` : ''}`;
    const colName = (g: number) => range((c) => content.colTick(c), [colBounds[g], colBounds[g + 1]]);
    const rowName = (g: number) => range((r) => content.rowTick(r), [this.rowBounds[g], this.rowBounds[g + 1]]);
    const table = el('table', { id: `${this.options.id}-table` }, [
      el('caption', { text: caption }),
      el('thead', {}, [
        el('tr', {}, [
          el('th', { text: content.colAxis.replace(/ →$/, ''), attrs: { scope: 'col' } }),
          ...(values[0]?.map((_, g) => el('th', { text: colName(g), attrs: { scope: 'col' } })) ?? []),
        ]),
      ]),
      el(
        'tbody',
        {},
        values.map((row, g) =>
          el('tr', {}, [
            el('th', { text: rowName(g), attrs: { scope: 'row' } }),
            ...row.map((v) => el('td', { text: content.valueText(v) })),
          ]),
        ),
      ),
    ]);
    this.tableBox.replaceChildren(table);
  }
}
