/**
 * The routing heatmaps, built to stay usable at 64 MoE layers × 512 experts over 100,000 steps:
 * - expert load, layer × expert, at a chosen step (slider, or `setStep` from a shared scrubber);
 * - a layer statistic (MaxVio, CV, dead experts, lowest load) over every step, layer × step;
 * - load over time of one layer, expert × step.
 * A toolbar above them filters layers, orders experts by load and picks how cells merge into pixels
 * (level of detail); each heatmap has a data-table toggle (webview/shared/heatmapCanvas.ts).
 */
import { LOAD_SCALE_OCTAVES, loadColor, severityColor } from '../model/colors';
import { columnIndexAt, type BucketColumn, type BucketHistory } from '../../protocol/runModel/buckets';
import { heatmapPixels, orderByValue, type Aggregate } from '../model/heatmap';
import { parseLayerFilter } from '../model/layerFilter';
import { LAYER_STAT_LABELS, LAYER_STATS, layerStatMatrix, type LayerStat } from '../../protocol/runModel/layerStats';
import { columnLoad, layerLoadOverTime, type LoadColumn } from '../../protocol/runModel/load';
import { el } from '../shared/dom';
import { HeatmapCanvas, type HeatmapContent, type HeatmapOptions } from '../shared/heatmapCanvas';
import { layerByExpertContent, loadValueText } from '../shared/loadContent';
import type { Section } from '../shared/section';
import type { RunSource, ViewContext } from './context';

const stepsLabel = (c: { start: number; last: number; n: number }) =>
  c.n === 1 ? `step ${c.last}` : `steps ${c.start}–${c.last} (mean of ${c.n})`;
const stepTick = (step: number) => step.toLocaleString('en-US');

/** A colour strip with its end labels. */
function scaleLegend(color: (t: number) => readonly [number, number, number], from: string, to: string): HTMLElement {
  const canvas = el('canvas', {
    className: 'scale-strip',
    attrs: { width: '128', height: '1', 'aria-hidden': 'true' },
  });
  const values = Array.from({ length: 128 }, (_, i) => i / 127);
  canvas.getContext('2d')?.putImageData(new ImageData(heatmapPixels([values], color), 128, 1), 0, 0);
  return el(
    'div',
    { className: 'scale-legend', attrs: { role: 'note', 'aria-label': `colour scale from ${from} to ${to}` } },
    [el('span', { text: from }), canvas, el('span', { text: to })],
  );
}

const loadLegend = (ctx: ViewContext) =>
  scaleLegend(
    (t) => loadColor(2 ** ((t * 2 - 1) * LOAD_SCALE_OCTAVES), ctx.theme.kind),
    '≤ ¼ (dead: 0)',
    '≥ 4 × mean load',
  );

/** The layers the filter picks (all when the filter is empty or wrong). */
function shownLayers(run: RunSource, ctx: ViewContext): number[] {
  return parseLayerFilter(ctx.choices.layerFilter ?? '', run().state.layers).layers ?? [];
}

function tableToggle(heatmap: HeatmapCanvas, id: string, ctx: ViewContext): HTMLButtonElement {
  const button = el('button', {
    className: 'table-toggle',
    text: 'Table',
    attrs: { type: 'button', 'aria-controls': `${id}-table` },
  });
  const sync = () => {
    const shown = Boolean(ctx.choices.tables?.[id]);
    button.setAttribute('aria-pressed', String(shown));
    heatmap.showTable(shown);
  };
  button.addEventListener('click', () => {
    ctx.choices.tables = { ...ctx.choices.tables, [id]: !ctx.choices.tables?.[id] };
    sync();
  });
  sync();
  return button;
}

/** The three heatmaps: canvas ids (a test hook), what each shows, and their row sizes. */
const HEATMAPS = {
  load: {
    id: 'heatmap-load',
    label: 'Expert load, layer by expert, at the chosen step',
    rowHeight: 22,
    maxHeight: 448,
  },
  layerStats: {
    id: 'heatmap-layer-stats',
    label: 'A load statistic per layer over all steps',
    rowHeight: 16,
    maxHeight: 448,
  },
  loadOverTime: {
    id: 'heatmap-load-time',
    label: 'Load over time of the chosen layer, expert by step',
    rowHeight: 14,
    maxHeight: 384,
  },
} satisfies Record<string, HeatmapOptions>;

function heatmapCard(
  title: HTMLElement,
  heatmap: HeatmapCanvas,
  id: string,
  ctx: ViewContext,
  body: (Node | false)[],
): HTMLElement {
  return el('section', { className: 'card wide heatmap-card' }, [
    el('div', { className: 'card-title' }, [title, tableToggle(heatmap, id, ctx)]),
    ...body.filter((n): n is Node => n !== false),
  ]);
}

/** The column axis of a heatmap whose columns are steps, marked at the scrubbed step. */
function stepColumns(
  bucketed: BucketHistory<BucketColumn>,
  ctx: ViewContext,
): Pick<HeatmapContent, 'colName' | 'colTick' | 'colValue' | 'colAxis' | 'markCol'> {
  const { columns } = bucketed;
  return {
    colName: (c) => stepsLabel(columns[c]),
    colTick: (c) => stepTick(columns[c].start),
    colValue: (c) => columns[c].start,
    colAxis: 'step →',
    markCol: ctx.choices.loadStep === undefined ? undefined : columnIndexAt(bucketed, ctx.choices.loadStep),
  };
}

/** Layer filter, order by load and level-of-detail merging, shared by the heatmaps below it. */
export function heatmapToolbar(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section {
  const layers = run().state.layers;
  const filter = el('input', {
    id: 'layer-filter',
    className: 'layer-filter',
    attrs: { type: 'text', placeholder: `all (0–${Math.max(0, layers - 1)})`, spellcheck: 'false' },
  });
  filter.value = ctx.choices.layerFilter ?? '';
  const problem = el('span', { id: 'layer-filter-problem', className: 'problem', attrs: { role: 'status' } });
  const sort = el('input', { id: 'sort-by-load', attrs: { type: 'checkbox' } });
  sort.checked = Boolean(ctx.choices.sortByLoad);
  const aggregate = el('select', { id: 'heatmap-aggregate' }, [
    el('option', { text: 'peak (max)', attrs: { value: 'max' } }),
    el('option', { text: 'mean', attrs: { value: 'mean' } }),
  ]);
  aggregate.value = ctx.choices.aggregate ?? 'max';
  filter.addEventListener('input', () => {
    const parsed = parseLayerFilter(filter.value, run().state.layers);
    problem.textContent = parsed.error ?? '';
    filter.setAttribute('aria-invalid', String(Boolean(parsed.error)));
    if (parsed.error) return;
    ctx.choices.layerFilter = filter.value;
    ctx.choicesChanged();
  });
  sort.addEventListener('change', () => {
    ctx.choices.sortByLoad = sort.checked;
    ctx.choicesChanged();
  });
  aggregate.addEventListener('change', () => {
    ctx.choices.aggregate = aggregate.value as 'max' | 'mean';
    ctx.choicesChanged();
  });
  parent.append(
    el(
      'div',
      { className: 'toolbar wide heatmap-toolbar', attrs: { role: 'group', 'aria-label': 'heatmap options' } },
      [
        el('label', { text: 'Layers', attrs: { for: 'layer-filter' } }),
        filter,
        problem,
        el('label', { className: 'check' }, [sort, ' experts by load']),
        el('label', { text: 'Merged cells show', attrs: { for: 'heatmap-aggregate' } }),
        aggregate,
      ],
    ),
  );
  return {
    usesChoices: true,
    update() {
      if (document.activeElement !== filter) filter.value = ctx.choices.layerFilter ?? '';
      sort.checked = Boolean(ctx.choices.sortByLoad);
      aggregate.value = ctx.choices.aggregate ?? 'max';
    },
  };
}

export function loadHeatmapCard(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section {
  const { id } = HEATMAPS.load;
  const heatmap = new HeatmapCanvas(HEATMAPS.load);
  const slider = el('input', {
    className: 'step-slider',
    attrs: { type: 'range', min: '0', max: '0', value: '0', 'aria-label': 'step of the load heatmap' },
  });
  const stepLabel = el('span', { className: 'step-label', attrs: { 'aria-live': 'polite' } });
  const note = el('p', { className: 'note' });
  const { countsEvery } = run().state;
  const element = heatmapCard(el('h2', { text: 'Expert load (layer × expert)' }), heatmap, id, ctx, [
    note,
    heatmap.element,
    el('div', { className: 'slider-row' }, [slider, stepLabel]),
    loadLegend(ctx),
  ]);
  parent.append(element);
  slider.addEventListener('input', () => {
    const columns = run().state.load.columns;
    const index = Number(slider.value);
    ctx.choices.loadStep = index >= columns.length - 1 ? undefined : columns[index]?.last;
    ctx.choicesChanged();
  });
  return {
    element,
    usesChoices: true,
    destroy: () => heatmap.destroy(),
    update() {
      const { load, experts, moeLayers } = run().state;
      const columns = load.columns;
      const every = countsEvery > 1 ? ` Full counts every ${countsEvery} steps (compact log).` : '';
      note.textContent = `c_i / mean(c) of the batch: 1 is balanced.${experts > 0 ? ` ${experts} experts.` : ''}${every}`;
      if (columns.length === 0) return;
      const index = columnIndexAt(load, ctx.choices.loadStep);
      const column: LoadColumn = columns[index];
      slider.max = String(columns.length - 1);
      slider.value = String(index);
      stepLabel.textContent = `${stepsLabel(column)}${index === columns.length - 1 ? ' · latest' : ''}`;
      const layers = shownLayers(run, ctx);
      const all = columnLoad(column);
      const rows = layers.map((l) => all[l]);
      const order = ctx.choices.sortByLoad ? rows.map(orderByValue) : undefined;
      const matrix = order ? rows.map((row, r) => order[r].map((e) => row[e])) : rows;
      const content = layerByExpertContent({
        matrix,
        layers,
        moeLayers,
        order,
        when: stepsLabel(column),
        theme: ctx.theme.kind,
        aggregate: ctx.choices.aggregate ?? 'max',
      });
      heatmap.draw(content);
    },
  };
}

/** Layer statistics, scaled so 1 is "bad": MaxVio 2, CV 1, a quarter of experts dead, no load at the lowest expert. */
const STAT_SCALES: Record<
  LayerStat,
  { full: number; inverted?: boolean; text: (v: number) => string; ends: [string, string] }
> = {
  maxVio: { full: 2, text: (v) => `MaxVio ${v.toFixed(3)}`, ends: ['0 (balanced)', '≥ 2'] },
  cv: { full: 1, text: (v) => `CV ${v.toFixed(3)}`, ends: ['0 (balanced)', '≥ 1'] },
  deadFraction: {
    full: 0.25,
    text: (v) => `${(v * 100).toFixed(1)} % of experts dead`,
    ends: ['none dead', '≥ 25 % dead'],
  },
  minLoad: {
    full: 1,
    inverted: true,
    text: (v) => `lowest load ${v.toFixed(3)} × mean`,
    ends: ['1 × mean', '0 (dead)'],
  },
};

export function layerStatsCard(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section {
  const { id } = HEATMAPS.layerStats;
  const heatmap = new HeatmapCanvas(HEATMAPS.layerStats);
  const select = el(
    'select',
    { id: 'layer-stat', attrs: { 'aria-label': 'statistic' } },
    LAYER_STATS.map((s) => el('option', { text: LAYER_STAT_LABELS[s], attrs: { value: s } })),
  );
  const title = el('h2', { text: 'Layers over steps (layer × step)' });
  const note = el('p', { className: 'note' });
  const legend = el('div');
  const element = heatmapCard(title, heatmap, id, ctx, [
    el('div', { className: 'toolbar' }, [el('label', { text: 'Shows', attrs: { for: 'layer-stat' } }), select]),
    note,
    heatmap.element,
    legend,
  ]);
  parent.append(element);
  select.addEventListener('change', () => {
    ctx.choices.layerStat = select.value as LayerStat;
    ctx.choicesChanged();
  });
  let legendFor = '';
  return {
    element,
    usesChoices: true,
    destroy: () => heatmap.destroy(),
    update() {
      const { layerStats, moeLayers } = run().state;
      const stat = ctx.choices.layerStat ?? 'maxVio';
      select.value = stat;
      const scale = STAT_SCALES[stat];
      const peak = (ctx.choices.aggregate ?? 'max') === 'max';
      const color = (v: number) => severityColor(scale.inverted ? 1 - v / scale.full : v / scale.full, ctx.theme.kind);
      if (legendFor !== `${stat}|${ctx.theme.kind}`) {
        legendFor = `${stat}|${ctx.theme.kind}`;
        legend.replaceChildren(scaleLegend((t) => severityColor(t, ctx.theme.kind), ...scale.ends));
      }
      const columns = layerStats.columns;
      if (columns.length === 0) return;
      note.textContent =
        `Every step, ${layerStats.width} step${layerStats.width > 1 ? 's' : ''} per column; ` +
        `${peak ? 'each column shows its worst step' : 'each column shows the mean of its steps'}.`;
      const layers = shownLayers(run, ctx);
      const all = layerStatMatrix(layerStats, stat, peak ? 'worst' : 'mean');
      const aggregate: Aggregate = peak ? (scale.inverted ? 'min' : 'max') : 'mean';
      heatmap.draw({
        matrix: layers.map((l) => all[l]),
        rowName: (r) => `layer ${layers[r]} (block ${moeLayers[layers[r]] ?? layers[r]})`,
        rowTick: (r) => `L${layers[r]}`,
        ...stepColumns(layerStats, ctx),
        valueText: scale.text,
        color,
        aggregate,
      });
    },
  };
}

export function loadOverTimeCard(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section {
  const { id } = HEATMAPS.loadOverTime;
  const heatmap = new HeatmapCanvas(HEATMAPS.loadOverTime);
  const title = el('h2');
  const range = el('p', { className: 'note' });
  const element = heatmapCard(title, heatmap, id, ctx, [range, heatmap.element, loadLegend(ctx)]);
  parent.append(element);
  return {
    element,
    usesChoices: true,
    destroy: () => heatmap.destroy(),
    update() {
      const { load } = run().state;
      const layer = ctx.choices.layer;
      const sorted = Boolean(ctx.choices.sortByLoad);
      title.textContent = `Load over time (layer ${layer}, expert × step${sorted ? ', experts by mean load' : ''})`;
      const columns = load.columns;
      if (columns.length === 0) return;
      const { countsEvery } = run().state;
      const per = countsEvery > 1 ? `full counts every ${countsEvery} steps (compact log), ` : '';
      range.textContent = `steps ${columns[0].start}–${columns[columns.length - 1].last}: ${per}${columns.length} columns of ${load.width} step${load.width > 1 ? 's' : ''}`;
      const all = layerLoadOverTime(load, layer);
      const order = sorted ? orderByValue(all.map((row) => row.reduce((a, b) => a + b, 0))) : all.map((_, e) => e);
      heatmap.draw({
        matrix: order.map((e) => all[e]),
        rowName: (r) => `expert ${order[r]}`,
        rowTick: (r) => `e${order[r]}`,
        ...stepColumns(load, ctx),
        valueText: loadValueText,
        color: (v) => loadColor(v, ctx.theme.kind),
        aggregate: ctx.choices.aggregate ?? 'max',
      });
    },
  };
}
