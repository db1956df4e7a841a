/**
 * What every chart of one dashboard shares, as a run tracker has it: one smoothing, one y scale, one
 * x axis, one zoomed step range, one crosshair (the step under the mouse on any chart) and one
 * scrubbed step. Charts register here and are redrawn when any of it changes.
 */

export type YScale = 'linear' | 'log';
/** x as the training step, time since the run started, or the clock time of the step */
export type XAxisMode = 'step' | 'relative' | 'wall';

export interface ChartViewSettings {
  /** EMA weight 0 (off) … 0.99 */
  smoothing: number;
  yScale: YScale;
  xAxis: XAxisMode;
}

export const DEFAULT_CHART_VIEW: ChartViewSettings = { smoothing: 0.6, yScale: 'linear', xAxis: 'step' };

/** A step range [min, max]. */
export interface StepRange {
  min: number;
  max: number;
}

export interface SyncedChart {
  /** settings, zoom or domain changed: rebuild scales and datasets */
  refresh(): void;
  /** crosshair or scrubbed step moved: redraw only */
  redraw(): void;
}

/**
 * Maps steps to time for the time axes: the (step, epoch ms) pairs of the run, in step order. With
 * several runs (compare), each run has its own clock; relative time starts at each run's start.
 */
export interface StepClock {
  /** epoch ms of `step`, interpolated; undefined when the run has no timed steps */
  timeOf(step: number): number | undefined;
  /** epoch ms of the run's start */
  start: number | undefined;
}

export class ChartSync {
  settings: ChartViewSettings;
  /** zoomed step range; undefined shows the whole domain */
  zoom: StepRange | undefined;
  /** every step chart shows this range when not zoomed (aligned x ranges) */
  domain: StepRange = { min: 0, max: 1 };
  /** step under the mouse on any chart */
  cursor: number | undefined;
  /** step chosen with the scrubber; undefined follows the latest */
  scrub: number | undefined;
  /** the chart whose tooltip is shown (the one under the mouse) */
  hovered: SyncedChart | undefined;
  clock: StepClock | undefined;
  private readonly charts = new Set<SyncedChart>();
  private readonly listeners = new Set<() => void>();

  constructor(settings: Partial<ChartViewSettings> = {}) {
    this.settings = { ...DEFAULT_CHART_VIEW, ...settings };
  }

  add(chart: SyncedChart): () => void {
    this.charts.add(chart);
    return () => this.charts.delete(chart);
  }

  /** Called when settings, zoom or the scrubbed step change (to persist them, to move the heatmaps). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The x range the step charts show now. */
  get range(): StepRange {
    return this.zoom ?? this.domain;
  }

  update(change: Partial<ChartViewSettings>): void {
    this.settings = { ...this.settings, ...change };
    this.refreshAll();
    this.notify();
  }

  setZoom(range: StepRange | undefined): void {
    const valid = range && Number.isFinite(range.min) && Number.isFinite(range.max) && range.max - range.min >= 1;
    this.zoom = valid
      ? { min: Math.max(this.domain.min, range.min), max: Math.min(this.domain.max, range.max) }
      : undefined;
    this.refreshAll();
    this.notify();
  }

  setDomain(domain: StepRange): void {
    if (domain.min === this.domain.min && domain.max === this.domain.max) return;
    this.domain = domain;
    if (this.zoom && (this.zoom.max > domain.max || this.zoom.min < domain.min)) this.setZoom(this.zoom);
  }

  setCursor(step: number | undefined, from: SyncedChart | undefined): void {
    if (step === this.cursor && from === this.hovered) return;
    this.cursor = step;
    this.hovered = from;
    this.redrawAll();
  }

  setScrub(step: number | undefined): void {
    if (step === this.scrub) return;
    this.scrub = step;
    this.redrawAll();
    this.notify();
  }

  refreshAll(): void {
    for (const chart of this.charts) chart.refresh();
  }

  redrawAll(): void {
    for (const chart of this.charts) chart.redraw();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
