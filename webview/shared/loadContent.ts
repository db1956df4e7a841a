/** Heatmap contents of normalised expert load (c_i / mean(c)), shared by the dashboard and the Routing panel. */
import { loadColor, type ThemeKind } from '../model/colors';
import type { Aggregate } from '../model/heatmap';
import type { HeatmapContent } from './heatmapCanvas';

export const loadValueText = (v: number) => `load ${v.toFixed(2)} × mean`;

/**
 * The layer × expert matrix of one step (or bucket). `layers` are the MoE layers shown (the rows);
 * `order[row]`, when given, lists the expert of each column of that row (experts sorted by load):
 * columns are then ranks.
 */
export function layerByExpertContent(spec: {
  matrix: number[][];
  layers: number[];
  moeLayers: number[];
  order?: number[][];
  when: string;
  theme: ThemeKind;
  aggregate: Aggregate;
}): HeatmapContent {
  const { layers, moeLayers, order } = spec;
  return {
    matrix: spec.matrix,
    rowName: (r) => `layer ${layers[r]} (block ${moeLayers[layers[r]] ?? layers[r]})`,
    rowTick: (r) => `L${layers[r]}`,
    colName: (c, r) => (order ? `rank ${c + 1}${r === undefined ? '' : ` (expert ${order[r][c]})`}` : `expert ${c}`),
    colTick: (c) => String(order ? c + 1 : c),
    colAxis: order ? 'experts by load, highest first →' : 'expert →',
    valueText: (v) => `${loadValueText(v)} (${spec.when})`,
    color: (v) => loadColor(v, spec.theme),
    aggregate: spec.aggregate,
  };
}
