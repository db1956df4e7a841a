/**
 * The dashboard's test hook on `window` (set by main.ts), typed for the webview and the tests that
 * read it through the page (test/webview, test/e2e).
 */
export interface MoeLensTestHook {
  /** the curves of a chart, by its canvas id */
  chartData(id: string): { label: string; points: { x: number; y: number }[] }[] | undefined;
}

declare global {
  interface Window {
    __moeLens?: MoeLensTestHook;
  }
}
