/** The dashboard of one run: curves, heatmaps, token routing and the end-of-run analysis. */
import { TERM_NAMES, type TermName } from '../../protocol/runModel/runState';
import { el } from '../shared/dom';
import { lineChartCard, type Section } from '../shared/section';
import { paletteColor } from '../shared/theme';
import { analysisCards } from './analysis';
import { biasCards } from './bias';
import type { RunSource, ViewContext } from './context';
import { firstEvalText } from './waiting';
import { heatmapToolbar, layerStatsCard, loadHeatmapCard, loadOverTimeCard } from './loadHeatmaps';
import { tokenRoutingCard } from './tokenRouting';

const TERM_LABELS: Record<TermName, string> = {
  auxLoss: 'aux loss (LBL)',
  globalAuxLoss: 'global-batch LBL',
  seqAuxLoss: 'sequence-wise aux loss',
  simbal: 'SimBal ‖RᵀR − I‖₁',
  zLoss: 'router z-loss',
};

/** What decides which cards exist; the view is rebuilt when it changes. */
export function singleRunLayoutKey(run: RunSource): string {
  const s = run().state;
  return [
    s.layers,
    s.experts,
    Object.keys(s.terms).join('+'),
    Boolean(s.lastBias),
    Boolean(s.analysis),
    Boolean(s.routing),
  ].join('|');
}

function layerPicker(parent: HTMLElement, run: RunSource, ctx: ViewContext): void {
  const { layers, moeLayers } = run().state;
  if (layers < 2) return;
  const select = document.createElement('vscode-single-select');
  select.id = 'layer-select';
  for (let l = 0; l < layers; l++) {
    const option = document.createElement('vscode-option');
    option.value = String(l);
    option.textContent = `MoE layer ${l} (block ${moeLayers[l] ?? l})`;
    select.append(option);
  }
  select.value = String(ctx.choices.layer);
  select.addEventListener('change', () => {
    ctx.choices.layer = Number(select.value);
    ctx.choicesChanged();
  });
  parent.append(
    el('div', { className: 'toolbar wide' }, [
      el('label', { text: 'Per-layer cards show', attrs: { for: 'layer-select' } }),
      select,
    ]),
  );
}

export function singleRunSections(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section[] {
  const state = () => run().state;
  const { theme } = ctx;
  const perLayer = (pick: (s: ReturnType<typeof state>) => { points: { x: number; y: number }[] }[], name: string) =>
    pick(state()).map((series, l) => ({
      label: `${name} L${l}`,
      points: series.points,
      color: paletteColor(theme, l),
      width: 1,
    }));
  ctx.choices.layer = Math.min(ctx.choices.layer, Math.max(0, state().layers - 1));

  const sections: Section[] = [
    lineChartCard(parent, ctx, {
      id: 'chart-loss',
      title: 'Loss',
      options: { yTitle: 'loss (nats / token)' },
      lines: () => [
        { label: 'train loss', points: state().loss.points, color: paletteColor(theme, 0) },
        { label: 'val loss', points: state().valLoss.points, color: paletteColor(theme, 1), width: 2, pointRadius: 2 },
      ],
    }),
  ];
  const terms = TERM_NAMES.filter((t) => state().terms[t]);
  if (terms.length) {
    sections.push(
      lineChartCard(parent, ctx, {
        id: 'chart-terms',
        title: 'Balancer terms',
        note: 'Summed over MoE layers, as added to the loss.',
        lines: () =>
          terms.map((t, i) => ({
            label: TERM_LABELS[t],
            points: state().terms[t]?.points ?? [],
            color: paletteColor(theme, i + 2),
          })),
        options: { legend: true, yTitle: 'term value' },
      }),
    );
  }
  sections.push(
    lineChartCard(parent, ctx, {
      id: 'chart-maxvio',
      title: 'MaxVio',
      note:
        'max(c)/mean(c) − 1: 0 is perfectly balanced. Thin: batch, per layer; thick: batch mean; dashed: global (eval); ' +
        'thin dashed: the noise floor, what uniform random routing scores on the eval sample (global MaxVio near it is as balanced as the sample can show).',
      lines: () => [
        ...perLayer((s) => s.maxVioBatch, 'batch'),
        { label: 'batch mean', points: state().maxVioBatchMean.points, color: theme.foreground, width: 2 },
        {
          label: 'global mean',
          points: state().maxVioGlobalMean.points,
          color: paletteColor(theme, 1),
          width: 2,
          dashed: true,
          pointRadius: 2,
        },
        {
          label: 'noise floor (uniform routing)',
          points: state().maxVioNoiseFloor.points,
          color: theme.foreground,
          width: 1,
          dashed: true,
        },
      ],
      options: { beginAtZero: true, yTitle: 'MaxVio' },
    }),
    lineChartCard(parent, ctx, {
      id: 'chart-pes',
      title: 'PES drift',
      note: 'Pairwise Expert Similarity per layer at each evaluation; rising PES means experts become redundant.',
      lines: () => [
        ...perLayer((s) => s.pes, 'PES').map((l) => ({ ...l, pointRadius: 2 })),
        { label: 'min', points: state().pesMin.points, color: theme.foreground, width: 2, dashed: true },
      ],
      options: { yTitle: 'PES' },
      emptyText: () => firstEvalText(state()),
    }),
    lineChartCard(parent, ctx, {
      id: 'chart-experts-used',
      title: 'Experts used',
      note: `Experts that got at least one token of the eval sample, of ${state().experts}.`,
      lines: () => perLayer((s) => s.expertsUsed, 'used').map((l) => ({ ...l, pointRadius: 2 })),
      options: { beginAtZero: true, yTitle: 'experts used' },
      emptyText: () => firstEvalText(state()),
    }),
  );
  sections.push(heatmapToolbar(parent, run, ctx), loadHeatmapCard(parent, run, ctx), layerStatsCard(parent, run, ctx));
  layerPicker(parent, run, ctx);
  sections.push(loadOverTimeCard(parent, run, ctx));
  if (state().lastBias) sections.push(...biasCards(parent, run, ctx));
  if (state().routing) sections.push(tokenRoutingCard(parent, run));
  if (state().analysis) sections.push(...analysisCards(parent, run, ctx));
  return sections;
}
