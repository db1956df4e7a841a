import type { RunSnapshot } from '../../protocol/webviewMessages';
import type { ChartEnv } from '../shared/section';
import type { Theme } from '../shared/theme';

/** Choices the user makes in the dashboard, kept in the webview state across reloads. */
export interface DashboardChoices {
  /** MoE layer of the per-layer cards (bias, load over time) */
  layer: number;
  /** step shown by the load heatmap; undefined follows the latest */
  loadStep?: number;
}

export interface ViewContext extends ChartEnv {
  theme: Theme;
  choices: DashboardChoices;
  /** the user changed a choice: persist it and redraw */
  choicesChanged(): void;
}

export type RunSource = () => RunSnapshot;
