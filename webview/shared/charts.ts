/**
 * chart.js set up for live training curves: animation and parsing off, normalized data, no points,
 * min-max decimation (keeps spikes), only the components used are registered. Data are the
 * downsampled {x, y} points of the run state (x = step).
 *
 * Line charts of a dashboard are synced through a ChartSync (chartView.ts): EMA smoothing with the
 * raw curve shown faint, linear or log y, x as step / relative time / wall time, the same step range
 * on every card (zoomed by dragging, panned by shift-dragging, reset by double-click), a crosshair at
 * the step under the mouse on any card, the scrubbed step as a marker line, and a tooltip that lists
 * every curve at that step.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type PointStyle,
} from 'chart.js';
import type { Point } from '../../protocol/runModel/series';
import { seedBand, type BandPoint } from '../../protocol/runModel/seedSpread';
import { emaSmooth } from './chartData';
import { ChartTooltip } from './chartTooltip';
import { stepTime, type ChartSync, type StepClock, type SyncedChart, type XAxisMode } from './chartView';
import { formatClock, formatElapsed } from './timeFormat';
import type { Theme } from './theme';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  BarController,
  BarElement,
  Decimation,
  Filler,
  Legend,
  Tooltip,
);

export interface LineSpec {
  label: string;
  points: Point[];
  color: string;
  width?: number;
  dashed?: boolean;
  /** dots for sparse curves (evaluations); such curves are never smoothed */
  pointRadius?: number;
  /** compare mode: the run's index, which gives the curve its own dash pattern and marker shape */
  runIndex?: number;
  /** compare mode: the run's clock, which places the curve on a time axis (ChartSync.timeMapped) */
  clock?: StepClock;
  /**
   * compare mode, runs that differ only by seed: `points` is their mean curve, and a band is shaded
   * from the min to the max of these curves (each smoothed as the mean is) at every step
   */
  seedCurves?: Point[][];
  /** left out of the legend (a seed's own curve: its group's mean is there); still in the tooltip */
  hideInLegend?: boolean;
}

export interface LineChartOptions {
  xTitle?: string;
  yTitle?: string;
  legend?: boolean;
  /** y axis starts at 0 */
  beginAtZero?: boolean;
  /** x is not the training step (e.g. experts dropped): the chart is not synced with the others */
  xIsStep?: boolean;
  /** values can be ≤ 0 (biases): the log scale does not apply */
  logAllowed?: boolean;
}

const font = (theme: Theme) => ({ family: theme.fontFamily, size: 11 });

/** `color` with opacity `alpha` (hex or rgb() colours; anything else as is). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1].split(/[\s,/]+/);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

/** Per-run styles in compare mode: a dash pattern and a marker shape each, besides the colour. */
const RUN_DASHES: number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 2]];
const RUN_MARKERS: PointStyle[] = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot'];
/** markers along a dense compare curve: about this many */
const MARKERS_PER_CURVE = 12;

/** What each dataset of a chart is: a curve as shown (smoothed or not), or the faint raw curve behind a smoothed one. */
export interface DatasetRole {
  line: LineSpec;
  /** the line's points with x in the chart's units (the step, or the run's time on a per-run time axis), unsmoothed */
  points: Point[];
  ghost: boolean;
  smoothed: boolean;
  /** a curve with seedCurves: the spread of its seeds as drawn (the band's bounds are datasets of their own) */
  band?: BandPoint[];
  /** one bound of a seed band: not in the legend or the tooltip */
  bound?: boolean;
}

/** A line's points on the chart's x: as they are, or each step at its run's time (steps without a time dropped). */
function placed<P extends { x: number }>(
  points: readonly P[],
  clock: StepClock | undefined,
  timeAxis: Exclude<XAxisMode, 'step'> | undefined,
): P[] {
  if (!timeAxis || !clock) return points.slice();
  const out: P[] = [];
  for (const p of points) {
    const x = stepTime(timeAxis, clock, p.x);
    if (x !== undefined) out.push({ ...p, x });
  }
  return out;
}

function curveDataset(line: LineSpec, data: Point[]): ChartDataset<'line', Point[]> {
  const run = line.runIndex;
  const sparse = (line.pointRadius ?? 0) > 0;
  const dash = run !== undefined ? RUN_DASHES[run % RUN_DASHES.length] : line.dashed ? [5, 3] : [];
  // Dense compare curves get a marker every n points, shifted per run so markers do not sit on each other.
  const every = Math.max(1, Math.floor(data.length / MARKERS_PER_CURVE));
  const radius =
    run !== undefined && !sparse
      ? (ctx: { dataIndex: number }) => ((ctx.dataIndex + run * Math.floor(every / 3)) % every === 0 ? 3 : 0)
      : (line.pointRadius ?? 0);
  return {
    label: line.label,
    data,
    borderColor: line.color,
    backgroundColor: line.color,
    borderWidth: line.width ?? 1.5,
    borderDash: line.dashed && run !== undefined ? [2, 2] : dash,
    pointRadius: radius,
    pointStyle: run !== undefined ? RUN_MARKERS[run % RUN_MARKERS.length] : 'circle',
    pointHitRadius: 0,
    spanGaps: true,
  };
}

/**
 * The datasets of `lines` under the view settings: curves first (in order), then the faint raw curves.
 * `timeAxis`: x is each line's time on its run's clock (compare mode on a time axis).
 */
export function buildDatasets(
  lines: readonly LineSpec[],
  smoothing: number,
  smoothable: boolean,
  timeAxis?: Exclude<XAxisMode, 'step'>,
) {
  const roles: DatasetRole[] = [];
  const datasets: ChartDataset<'line', Point[]>[] = [];
  const ghosts: DatasetRole[] = [];
  const bands: { line: LineSpec; band: BandPoint[] }[] = [];
  for (const line of lines) {
    const points = placed(line.points, line.clock, timeAxis);
    const smoothed = smoothable && smoothing > 0 && !((line.pointRadius ?? 0) > 0) && points.length > 2;
    datasets.push(curveDataset(line, smoothed ? emaSmooth(points, smoothing) : points));
    // the seeds' spread by step (smoothed as the mean), then placed as the mean is
    const seeds = line.seedCurves && (smoothed ? line.seedCurves.map((c) => emaSmooth(c, smoothing)) : line.seedCurves);
    const band = seeds && placed(seedBand(seeds), line.clock, timeAxis);
    roles.push({ line, points, ghost: false, smoothed, band });
    if (smoothed) ghosts.push({ line, points, ghost: true, smoothed: false });
    if (band) bands.push({ line, band });
  }
  for (const ghost of ghosts) {
    const { line } = ghost;
    datasets.push({
      ...curveDataset({ ...line, width: 1, pointRadius: 0, runIndex: undefined, dashed: false }, ghost.points.slice()),
      label: `${line.label} (raw)`,
      borderColor: withAlpha(line.color, 0.25),
      order: 1, // drawn under the smoothed curves
    });
    roles.push(ghost);
  }
  for (const { line, band } of bands) {
    const bound = (y: (p: BandPoint) => number) => ({
      ...curveDataset(
        { ...line, width: 0, pointRadius: 0, runIndex: undefined, dashed: false },
        band.map((p) => ({ x: p.x, y: y(p) })),
      ),
      borderColor: 'transparent',
      order: 2, // under the curves and the raw curves
    });
    const lower = datasets.length;
    datasets.push({ ...bound((p) => p.min), label: `${line.label} (min)` });
    datasets.push({
      ...bound((p) => p.max),
      label: `${line.label} (max)`,
      fill: { target: lower },
      backgroundColor: withAlpha(line.color, 0.2),
    });
    const points = band.map((p) => ({ x: p.x, y: p.mean }));
    roles.push(
      { line, points, ghost: false, smoothed: false, bound: true },
      { line, points, ghost: false, smoothed: false, bound: true },
    );
  }
  return { datasets, roles };
}

/** The x axis's mode of a chart: a time axis needs the run's clock (one run) or the curves' clocks (compare). */
function axisMode(options: LineChartOptions, sync: ChartSync | undefined): XAxisMode {
  const stepAxis = options.xIsStep !== false;
  return stepAxis && sync && (sync.clock || sync.timeMapped) ? sync.settings.xAxis : 'step';
}

/** An x value as the axis and tooltip write it: a step, or a time (x itself on a per-run time axis). */
export function xText(x: number, mode: XAxisMode, sync: ChartSync | undefined): string {
  if (mode !== 'step' && sync?.timeMapped) return mode === 'wall' ? formatClock(x) : formatElapsed(x);
  const clock = sync?.clock;
  if (mode !== 'step' && clock) {
    const t = clock.timeOf(x);
    if (t !== undefined) return mode === 'wall' ? formatClock(t) : formatElapsed((t - (clock.start ?? t)) / 1000);
  }
  return Number.isInteger(x) ? x.toLocaleString('en-US') : '';
}

/** "step 145 · 1:05 in" / "step 145 · 14:03:12" (the step's time when the run has one); a per-run time axis: the time. */
function tooltipTitle(x: number, mode: XAxisMode, sync: ChartSync): string {
  if (sync.timeMapped) return mode === 'wall' ? formatClock(x) : `${formatElapsed(x)} since start`;
  const t = sync.clock?.timeOf(x);
  const when =
    t === undefined
      ? ''
      : mode === 'wall'
        ? ` · ${formatClock(t)}`
        : ` · ${formatElapsed((t - (sync.clock?.start ?? t)) / 1000)} in`;
  return `step ${x.toLocaleString('en-US')}${when}`;
}

const X_TITLES: Record<XAxisMode, string> = {
  step: 'step',
  relative: 'time since start (at each step)',
  wall: 'wall-clock time (at each step)',
};
const X_TITLES_PER_RUN: Record<XAxisMode, string> = {
  ...X_TITLES,
  relative: "time since each run's start",
  wall: 'wall-clock time',
};

function scales(theme: Theme, options: LineChartOptions, sync: ChartSync | undefined) {
  const axis = (title: string) => ({
    grid: { color: theme.grid },
    ticks: { color: theme.muted, font: font(theme), maxTicksLimit: 8 },
    border: { color: theme.grid },
    title: { display: true, text: title, color: theme.muted, font: font(theme) },
  });
  const stepAxis = options.xIsStep !== false;
  const mode = axisMode(options, sync);
  const range = stepAxis ? sync?.range : undefined;
  const log = sync?.settings.yScale === 'log' && options.logAllowed !== false;
  const x = axis(stepAxis ? (sync?.timeMapped ? X_TITLES_PER_RUN : X_TITLES)[mode] : (options.xTitle ?? 'step'));
  const tick = (value: number | string) => xText(Number(value), mode, sync);
  return {
    x: {
      type: 'linear' as const,
      ...x,
      min: range?.min,
      max: range?.max,
      ticks: { ...x.ticks, precision: 0, callback: stepAxis ? tick : undefined, maxRotation: 0 },
    },
    y: log
      ? { type: 'logarithmic' as const, ...axis(`${options.yTitle ?? ''} (log)`.trim()) }
      : { type: 'linear' as const, beginAtZero: options.beginAtZero ?? false, ...axis(options.yTitle ?? '') },
  };
}

export interface LineChart {
  chart: Chart<'line', Point[]>;
  /** new points: rebuild datasets and draw */
  update(lines: LineSpec[]): void;
  destroy(): void;
}

/** Pixels of drag before a mouse-down becomes a zoom (or a pan with Shift). */
const DRAG_THRESHOLD = 5;

export function createLineChart(
  canvas: HTMLCanvasElement,
  theme: Theme,
  initial: LineSpec[],
  options: LineChartOptions = {},
  sync?: ChartSync,
): LineChart {
  const stepAxis = options.xIsStep !== false;
  const synced = stepAxis ? sync : undefined;
  let lines = initial;
  let roles: DatasetRole[] = [];
  let drag: { from: number; to: number; pan: boolean; range: { min: number; max: number } } | undefined;
  const tooltip = canvas.parentElement ? new ChartTooltip(canvas.parentElement) : undefined;

  const overlay = {
    id: 'moeLensOverlay',
    afterDraw(c: Chart) {
      const area = c.chartArea;
      const x = c.scales.x;
      if (!area || !x) return;
      const g = c.ctx;
      const line = (step: number | undefined, color: string, dash: number[]) => {
        if (step === undefined || step < x.min || step > x.max) return;
        const px = Math.round(x.getPixelForValue(step)) + 0.5;
        g.save();
        g.strokeStyle = color;
        g.setLineDash(dash);
        g.lineWidth = 1;
        g.beginPath();
        g.moveTo(px, area.top);
        g.lineTo(px, area.bottom);
        g.stroke();
        g.restore();
      };
      if (synced) {
        // The scrubbed step has no one place on a per-run time axis.
        if (!synced.timeMapped) line(synced.scrub, withAlpha(theme.palette[0], 0.9), []);
        line(synced.cursor, theme.muted, [3, 3]);
      }
      if (drag && !drag.pan && Math.abs(drag.to - drag.from) > DRAG_THRESHOLD) {
        g.save();
        g.fillStyle = withAlpha(theme.palette[0], 0.15);
        g.fillRect(Math.min(drag.from, drag.to), area.top, Math.abs(drag.to - drag.from), area.bottom - area.top);
        g.restore();
      }
    },
  };

  const datasetsNow = () =>
    buildDatasets(
      lines,
      synced?.settings.smoothing ?? 0,
      Boolean(synced),
      synced?.timeMapped ? (synced.settings.xAxis as Exclude<XAxisMode, 'step'>) : undefined,
    );
  const { datasets, roles: initialRoles } = datasetsNow();
  roles = initialRoles;
  const chart = new Chart<'line', Point[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      // The mouse is handled below (crosshair, tooltip, zoom): chart.js need not hit-test.
      events: [],
      scales: scales(theme, options, synced),
      plugins: {
        decimation: { enabled: true, algorithm: 'min-max' },
        legend: {
          display: options.legend ?? lines.length > 1,
          labels: {
            color: theme.foreground,
            font: font(theme),
            boxWidth: 14,
            boxHeight: 2,
            filter: (item) => {
              const role = roles[item.datasetIndex ?? 0];
              return !role?.ghost && !role?.bound && !role?.line.hideInLegend;
            },
          },
        },
        tooltip: { enabled: false },
      },
    },
    plugins: [overlay],
  });

  const rebuild = () => {
    const built = datasetsNow();
    roles = built.roles;
    if (chart.data.datasets.length === built.datasets.length) {
      built.datasets.forEach((d, i) => Object.assign(chart.data.datasets[i], d));
    } else {
      chart.data.datasets = built.datasets;
    }
    chart.options.scales = scales(theme, options, synced);
    chart.update('none');
    if (synced?.hovered === self) showTooltip();
  };

  let drawRequested = false;
  const self: SyncedChart = {
    refresh: rebuild,
    redraw() {
      if (drawRequested) return;
      drawRequested = true;
      requestAnimationFrame(() => {
        drawRequested = false;
        chart.draw();
        if (synced?.hovered === self) showTooltip();
        else tooltip?.hide();
      });
    },
  };

  const stepAt = (offsetX: number) => chart.scales.x?.getValueForPixel(offsetX);

  function showTooltip(): void {
    if (!tooltip || !synced || synced.cursor === undefined) return tooltip?.hide();
    const mode = axisMode(options, synced);
    // On a per-run time axis dense curves never sit exactly at the cursor: only evaluations and a
    // curve's last point (the run ended before the cursor) say where they are.
    const earlier = (x: number, role: DatasetRole) =>
      !synced.timeMapped
        ? `at step ${x.toLocaleString('en-US')}`
        : (role.line.pointRadius ?? 0) > 0 || x === role.points[role.points.length - 1]?.x
          ? `at ${xText(x, mode, synced)}`
          : undefined;
    tooltip.show(chart, synced.cursor, roles, tooltipTitle(synced.cursor, mode, synced), earlier);
  }

  const listeners: [string, (e: MouseEvent) => void][] = [];
  if (synced) {
    const on = (type: string, handler: (e: MouseEvent) => void) => {
      canvas.addEventListener(type, handler as EventListener);
      listeners.push([type, handler]);
    };
    on('mousemove', (e) => {
      if (drag) {
        drag.to = e.offsetX;
        if (drag.pan) {
          const dx = (stepAt(drag.from) ?? 0) - (stepAt(drag.to) ?? 0);
          synced.setZoom({ min: drag.range.min + dx, max: drag.range.max + dx });
          drag.from = drag.to;
          drag.range = synced.range;
        } else {
          chart.draw();
        }
      }
      const step = stepAt(e.offsetX);
      const area = chart.chartArea;
      const inside =
        area && e.offsetX >= area.left && e.offsetX <= area.right && e.offsetY >= area.top && e.offsetY <= area.bottom;
      synced.setCursor(inside && step !== undefined ? Math.round(step) : undefined, inside ? self : undefined);
    });
    on('mouseleave', () => {
      drag = undefined;
      synced.setCursor(undefined, undefined);
      chart.draw();
    });
    on('mousedown', (e) => {
      if (e.button !== 0) return;
      drag = { from: e.offsetX, to: e.offsetX, pan: e.shiftKey, range: synced.range };
      e.preventDefault();
    });
    on('mouseup', () => {
      const done = drag;
      drag = undefined;
      if (!done || done.pan || Math.abs(done.to - done.from) <= DRAG_THRESHOLD) return chart.draw();
      const [a, b] = [stepAt(done.from), stepAt(done.to)];
      if (a !== undefined && b !== undefined)
        synced.setZoom({ min: Math.floor(Math.min(a, b)), max: Math.ceil(Math.max(a, b)) });
    });
    on('dblclick', () => synced.setZoom(undefined));
  }
  const unregister = synced?.add(self);

  return {
    chart,
    update(next) {
      lines = next;
      rebuild();
    },
    destroy() {
      unregister?.();
      for (const [type, handler] of listeners) canvas.removeEventListener(type, handler as EventListener);
      tooltip?.destroy();
      chart.destroy();
    },
  };
}

export function createBarChart(
  canvas: HTMLCanvasElement,
  theme: Theme,
  labels: string[],
  values: number[],
  colors: string[],
  yTitle: string,
  xTitle = 'expert',
) {
  return new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: { labels, datasets: [{ label: yTitle, data: values, backgroundColor: colors, borderWidth: 0 }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          grid: { display: false },
          ticks: { color: theme.muted, font: font(theme) },
          title: { display: true, text: xTitle, color: theme.muted, font: font(theme) },
        },
        y: {
          grid: { color: theme.grid },
          ticks: { color: theme.muted, font: font(theme) },
          title: { display: true, text: yTitle, color: theme.muted, font: font(theme) },
        },
      },
      plugins: { legend: { display: false } },
    },
  });
}

/** Number of points a line dataset drew (after decimation). */
export const drawnPoints = (chart: Chart, datasetIndex = 0) => chart.getDatasetMeta(datasetIndex).data.length;

export { Chart };
