/**
 * The dashboard's test hook on `window` (set by main.ts), typed for the webview and the tests that
 * read it through the page (test/webview, test/e2e).
 */
export interface MoeLensTestHook {
  /** the curves of a chart, by its canvas id */
  chartData(id: string): { label: string; points: { x: number; y: number }[] }[] | undefined;
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
