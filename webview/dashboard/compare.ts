/** Compare mode: several runs overlaid on the curves that matter across balancers; legend by run. */
import type { RunSnapshot } from '../../protocol/webviewMessages';
import type { Series } from '../../protocol/runModel/series';
import type { RunState } from '../../protocol/runModel/runState';
import { lineChartCard, type Section } from '../shared/section';
import { paletteColor } from '../shared/theme';
import type { ViewContext } from './context';

export function compareSections(parent: HTMLElement, runs: () => RunSnapshot[], ctx: ViewContext): Section[] {
  const { theme } = ctx;
  const perRun = (pick: (s: RunState) => Series, suffix = '', dashed = false, pointRadius = 0) => () =>
    runs().map((run, i) => ({
      label: `${run.header.name}${suffix}`,
      points: pick(run.state).points,
      color: paletteColor(theme, i),
      dashed,
      pointRadius,
    }));
  return [
    lineChartCard(parent, theme, {
      id: 'chart-loss',
      title: 'Loss',
      note: 'Solid: train loss; dashed: val loss.',
      lines: () => [...perRun((s) => s.loss)(), ...perRun((s) => s.valLoss, ' (val)', true, 2)()],
      options: { legend: true },
    }),
    lineChartCard(parent, theme, {
      id: 'chart-maxvio',
      title: 'MaxVio',
      note: 'Solid: batch mean; dashed: global (eval) mean.',
      lines: () => [...perRun((s) => s.maxVioBatchMean)(), ...perRun((s) => s.maxVioGlobalMean, ' (global)', true, 2)()],
      options: { legend: true, beginAtZero: true },
    }),
    lineChartCard(parent, theme, {
      id: 'chart-pes',
      title: 'PES (minimum over layers)',
      lines: perRun((s) => s.pesMin, '', false, 2),
      options: { legend: true },
    }),
    lineChartCard(parent, theme, {
      id: 'chart-experts-used',
      title: 'Experts used (mean over layers)',
      lines: perRun((s) => s.expertsUsedMean, '', false, 2),
      options: { legend: true, beginAtZero: true },
    }),
  ];
}

export const compareLayoutKey = (runs: RunSnapshot[]) => runs.map((r) => r.header.id).join('|');
