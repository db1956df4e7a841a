/**
 * The dashboard's test hook on `window` (set by main.ts), typed for the webview and the tests that
 * read it through the page (test/webview, test/e2e).
 */
/** What a line chart shows now (the chart toolbar's effect): datasets, x range, y scale, ticks, axis titles. */
export interface ChartState {
  /** the curves, then the faint raw curves behind smoothed ones */
  datasets: string[];
  xMin: number;
  xMax: number;
  yType: string;
  xTicks: string[];
  xTitle: string;
  yTitle: string;
  /** shaded bands (compare mode, runs that differ by seed): the dataset filled down to another, with both bounds' points as drawn */
  bands: { label: string; color: string; lower: { x: number; y: number }[]; upper: { x: number; y: number }[] }[];
  /** per dataset, the x of its first and last point in the chart's units (step, seconds or epoch ms); [] when empty */
  xExtents: number[][];
}

export interface MoeLensTestHook {
  /** the curves of a chart, by its canvas id, as recorded (before smoothing) */
  chartData(id: string): { label: string; points: { x: number; y: number }[] }[] | undefined;
  /** what a chart shows now */
  chartState(id: string): ChartState | undefined;
  /** where (x, y) in data units is drawn on a chart's canvas, in CSS pixels from its top left */
  chartPixel(id: string, x: number, y: number): { left: number; top: number } | undefined;
  /** shows `step` in the step-driven heatmaps (undefined: follow the latest), as a shared scrubber does */
  setStep(step: number | undefined): void;
  /** filters the layer-row heatmaps, e.g. "0-7, 12" */
  setLayerFilter(filter: string): void;
}

declare global {
  interface Window {
    __moeLens?: MoeLensTestHook;
  }
}
