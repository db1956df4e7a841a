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

/**
 * Where a step of a run lies on a time axis where every run has its own clock (compare mode):
 * seconds since that run's start (relative) or epoch ms (wall); undefined for a step without a time.
 */
export function stepTime(mode: Exclude<XAxisMode, 'step'>, clock: StepClock, step: number): number | undefined {
  const t = clock.timeOf(step);
  if (t === undefined) return undefined;
  return mode === 'wall' ? t : (t - (clock.start ?? t)) / 1000;
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
  /** one run: its clock relabels the step axis as time */
  clock: StepClock | undefined;
  /**
   * Several runs (compare): each curve brings its run's clock (LineSpec.clock), and on a time axis the
   * charts place every run at its own times (timeMapped); x is then in seconds (relative) or epoch ms.
   */
  runClocks: StepClock[] | undefined;
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

  /** The charts' x is each run's time rather than the step (compare mode on a time axis). */
  get timeMapped(): boolean {
    return this.runClocks !== undefined && this.settings.xAxis !== 'step';
  }

  /**
   * The whole x range in the charts' x units: the step domain, or on a per-run time axis from the
   * runs' start (0 s, or the earliest start) to the latest time any run reached in the step domain.
   */
  get xDomain(): StepRange {
    const mode = this.settings.xAxis;
    if (!this.runClocks || mode === 'step') return this.domain;
    const starts: number[] = [];
    const ends: number[] = [];
    for (const clock of this.runClocks) {
      const end = stepTime(mode, clock, this.domain.max);
      if (clock.start === undefined || end === undefined) continue;
      starts.push(mode === 'wall' ? clock.start : 0);
      ends.push(end);
    }
    if (starts.length === 0) return { min: 0, max: 1 };
    const min = Math.min(...starts);
    return { min, max: Math.max(min + 1, ...ends) };
  }

  /** The x range the charts show now. */
  get range(): StepRange {
    return this.zoom ?? this.xDomain;
  }

  update(change: Partial<ChartViewSettings>): void {
    // A zoom is in the x units of its axis: per-run time axes have other units than the step.
    if (this.runClocks && change.xAxis !== undefined && change.xAxis !== this.settings.xAxis) this.zoom = undefined;
    this.settings = { ...this.settings, ...change };
    this.refreshAll();
    this.notify();
  }

  setZoom(range: StepRange | undefined): void {
    const valid = range && Number.isFinite(range.min) && Number.isFinite(range.max) && range.max - range.min >= 1;
    const domain = this.xDomain;
    this.zoom = valid ? { min: Math.max(domain.min, range.min), max: Math.min(domain.max, range.max) } : undefined;
    this.refreshAll();
    this.notify();
  }

  setDomain(domain: StepRange): void {
    if (domain.min === this.domain.min && domain.max === this.domain.max) return;
    this.domain = domain;
    const x = this.xDomain;
    if (this.zoom && (this.zoom.max > x.max || this.zoom.min < x.min)) this.setZoom(this.zoom);
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
