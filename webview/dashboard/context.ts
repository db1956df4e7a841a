import type { RunSnapshot } from '../../protocol/webviewMessages';
import type { Aggregate } from '../model/heatmap';
import type { LayerStat } from '../../protocol/runModel/layerStats';
import type { ChartEnv } from '../shared/section';
import type { Theme } from '../shared/theme';

/** Choices the user makes in the dashboard, kept in the webview state across reloads. */
export interface DashboardChoices {
  /** MoE layer of the per-layer cards (bias, load over time) */
  layer: number;
  /** step shown by the load heatmap; undefined follows the latest */
  loadStep?: number;
  /** MoE layers the layer-row heatmaps show, e.g. "0-7, 12" (model/layerFilter.ts); empty: all */
  layerFilter?: string;
  /** heatmaps order experts by load (highest first) instead of by index */
  sortByLoad?: boolean;
  /** how cells merge into a pixel when there are more cells than pixels (level of detail) */
  aggregate?: Exclude<Aggregate, 'min'>;
  /** what the layer × step heatmap shows */
  layerStat?: LayerStat;
  /** heatmaps shown as data tables, by canvas id */
  tables?: Record<string, boolean>;
}

export interface ViewContext extends ChartEnv {
  theme: Theme;
  choices: DashboardChoices;
  /** the user changed a choice: persist it and redraw */
  choicesChanged(): void;
}

export type RunSource = () => RunSnapshot;
