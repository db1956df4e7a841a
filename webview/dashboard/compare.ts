/** Compare mode: several runs overlaid on the curves that matter across balancers; legend by run. */
import { shortRunId } from '../../protocol/runLabels';
import type { RunSnapshot } from '../../protocol/webviewMessages';
import type { Series } from '../../protocol/runModel/series';
import type { RunState } from '../../protocol/runModel/runState';
import type { StepClock } from '../shared/chartView';
import { lineChartCard, type Section } from '../shared/section';
import { paletteColor } from '../shared/theme';
import type { ViewContext } from './context';
import { firstEvalText } from './waiting';

const shortIdOf = (run: RunSnapshot) => shortRunId(run.header.id);

export function compareSections(
  parent: HTMLElement,
  runs: () => RunSnapshot[],
  ctx: ViewContext,
  clockOf: (run: RunSnapshot) => StepClock | undefined,
): Section[] {
  const { theme } = ctx;
  const perRun =
    (pick: (s: RunState) => Series, suffix = '', dashed = false, pointRadius = 0) =>
    () =>
      runs().map((run, i) => ({
        label: `${run.header.name} ${shortIdOf(run)}${suffix}`,
        points: pick(run.state).points,
        color: paletteColor(theme, i),
        dashed,
        pointRadius,
        width: dashed ? 2 : 1.5,
        runIndex: i,
        clock: clockOf(run),
      }));
  return [
    lineChartCard(parent, ctx, {
      id: 'chart-loss',
      title: 'Loss',
      note: 'Each run has its colour, dash pattern and marker shape; val loss: thick, dotted, a marker per evaluation.',
      lines: () => [...perRun((s) => s.loss)(), ...perRun((s) => s.valLoss, ' (val)', true, 3)()],
      options: { legend: true, yTitle: 'loss (nats / token)' },
    }),
    lineChartCard(parent, ctx, {
      id: 'chart-maxvio',
      title: 'MaxVio',
      note: 'Thin: batch mean; thick dotted: global (eval) mean.',
      lines: () => [
        ...perRun((s) => s.maxVioBatchMean)(),
        ...perRun((s) => s.maxVioGlobalMean, ' (global)', true, 3)(),
      ],
      options: { legend: true, beginAtZero: true, yTitle: 'MaxVio' },
    }),
    lineChartCard(parent, ctx, {
      id: 'chart-pes',
      title: 'PES (minimum over layers)',
      lines: perRun((s) => s.pesMin, '', false, 3),
      options: { legend: true, yTitle: 'PES' },
      emptyText: () => firstEvalText(runs()[0].state),
    }),
    lineChartCard(parent, ctx, {
      id: 'chart-experts-used',
      title: 'Experts used (mean over layers)',
      lines: perRun((s) => s.expertsUsedMean, '', false, 3),
      options: { legend: true, beginAtZero: true, yTitle: 'experts used' },
      emptyText: () => firstEvalText(runs()[0].state),
    }),
  ];
}

export const compareLayoutKey = (runs: RunSnapshot[]) => runs.map((r) => r.header.id).join('|');
