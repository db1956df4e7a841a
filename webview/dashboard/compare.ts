/** Compare mode: several runs overlaid on the curves that matter across balancers; legend by run or seed group. */
import { shortRunId } from '../../protocol/runLabels';
import { groupBySeed, seedBand, seedGroupNames } from '../../protocol/runModel/seedSpread';
import type { RunSnapshot } from '../../protocol/webviewMessages';
import type { Series } from '../../protocol/runModel/series';
import type { RunState } from '../../protocol/runModel/runState';
import { withAlpha, type LineSpec } from '../shared/charts';
import type { StepClock } from '../shared/chartView';
import { el } from '../shared/dom';
import { lineChartCard, type Section } from '../shared/section';
import { paletteColor } from '../shared/theme';
import type { ViewContext } from './context';
import { firstEvalText } from './waiting';

const shortIdOf = (run: RunSnapshot) => shortRunId(run.header.id);
const runLabel = (run: RunSnapshot) => `${run.header.name} ${shortIdOf(run)}`;

/**
 * A seed group's clock on a time axis: each step at its seeds' mean time since their start (after the
 * mean of their starts, on the wall-clock axis), over the seeds that reached the step (a run's own
 * clock holds its last time past its end).
 */
function meanClock(seeds: { clock: StepClock | undefined; lastStep: number }[]): StepClock | undefined {
  const timed = seeds.filter(
    (s): s is { clock: StepClock & { start: number }; lastStep: number } => s.clock?.start !== undefined,
  );
  if (timed.length === 0) return undefined;
  const start = timed.reduce((sum, s) => sum + s.clock.start, 0) / timed.length;
  return {
    start,
    timeOf(step) {
      const elapsed = timed.flatMap(({ clock, lastStep }) => {
        const t = step <= lastStep ? clock.timeOf(step) : undefined;
        return t === undefined ? [] : [t - clock.start];
      });
      return elapsed.length ? start + elapsed.reduce((a, b) => a + b, 0) / elapsed.length : undefined;
    },
  };
}

/**
 * Compare mode: the curves of several runs overlaid, a colour, dash pattern and marker shape each. Runs
 * that differ only by seed are one group: their mean curve, with the min–max over the seeds shaded;
 * "Show each seed" adds the seeds' own curves, thin and faint, in the group's colour. On a time axis
 * each run is at its own times, and a group at its seeds' mean time of each step.
 */
export function compareSections(
  parent: HTMLElement,
  runs: () => RunSnapshot[],
  ctx: ViewContext,
  clockOf: (run: RunSnapshot) => StepClock | undefined,
): Section[] {
  const { theme } = ctx;
  const groups = () => groupBySeed(runs(), (run) => run.state.seedGroup);
  /** the groups, each with the short name its mean curve has among the seed groups shown */
  const seedGroupsNamed = () => {
    const all = groups();
    const seeded = all.filter((g) => g.members.length > 1);
    const names = seedGroupNames(seeded.map((g) => ({ name: g.members[0].header.name, seed: g.seeds[0] })));
    return all.map((group) => ({ group, name: names[seeded.indexOf(group)] ?? '' }));
  };
  const showSeeds = el('input', { id: 'show-seeds', attrs: { type: 'checkbox' } });
  const seedToolbar = el(
    'div',
    { className: 'toolbar wide seed-toolbar', attrs: { role: 'group', 'aria-label': 'seed options' } },
    [
      el('span', {
        className: 'note',
        text: 'Runs of one config that differ only by seed: their mean, the band shading min–max over the seeds.',
      }),
      el('label', { className: 'check' }, [showSeeds, ' Show each seed']),
    ],
  );
  parent.append(seedToolbar);
  const perRun =
    (pick: (s: RunState) => Series, suffix = '', dashed = false, pointRadius = 0) =>
    (): LineSpec[] =>
      seedGroupsNamed().flatMap(({ group, name }, i) => {
        const style = { color: paletteColor(theme, i), dashed, pointRadius, width: dashed ? 2 : 1.5, runIndex: i };
        if (group.members.length === 1) {
          const [run] = group.members;
          return [
            { label: `${runLabel(run)}${suffix}`, points: pick(run.state).points, clock: clockOf(run), ...style },
          ];
        }
        const seedCurves = group.members.map((run) => pick(run.state).points);
        const mean: LineSpec = {
          label: `${name} (mean of ${group.members.length} seeds, band min–max)${suffix}`,
          points: seedBand(seedCurves).map((p) => ({ x: p.x, y: p.mean })),
          seedCurves,
          clock: meanClock(
            group.members.map((run) => ({ clock: clockOf(run), lastStep: run.state.stepTimes.points.at(-1)?.x ?? 0 })),
          ),
          ...style,
        };
        if (!showSeeds.checked) return [mean];
        const seeds = group.members.map((run, k) => ({
          label: `${runLabel(run)} seed ${group.seeds[k]}${suffix}`,
          points: seedCurves[k],
          color: withAlpha(style.color, 0.5),
          dashed,
          width: 1,
          pointRadius: pointRadius && 2,
          hideInLegend: true,
          clock: clockOf(run),
        }));
        return [mean, ...seeds];
      });
  const seedSection: Section = {
    update() {
      seedToolbar.hidden = !groups().some((g) => g.members.length > 1);
    },
  };
  seedSection.update();
  const sections = [
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
  showSeeds.addEventListener('change', () => sections.forEach((section) => section.update()));
  return [seedSection, ...sections];
}

export const compareLayoutKey = (runs: RunSnapshot[]) => runs.map((r) => r.header.id).join('|');
