/** The expert-load heatmaps: layer × expert at a chosen step (slider), and expert × step for one layer. */
import { loadColor, LOAD_SCALE_OCTAVES } from '../model/colors';
import { columnLoad, layerLoadOverTime, type LoadColumn } from '../../protocol/runModel/load';
import { heatmapPixels } from '../model/heatmap';
import { card, el } from '../shared/dom';
import { HeatmapCanvas, rowLabels } from '../shared/heatmapCanvas';
import type { Section } from '../shared/section';
import type { RunSource, ViewContext } from './context';

const stepsLabel = (c: LoadColumn) => (c.n === 1 ? `step ${c.last}` : `steps ${c.start}–${c.last} (mean of ${c.n})`);

/** A strip showing the load colour scale from ¼ to 4 × the mean load. */
function scaleLegend(ctx: ViewContext): HTMLElement {
  const canvas = el('canvas', { className: 'scale-strip', attrs: { width: '128', height: '1' } });
  const values = Array.from({ length: 128 }, (_, i) => 2 ** (((i / 127) * 2 - 1) * LOAD_SCALE_OCTAVES));
  canvas.getContext('2d')?.putImageData(new ImageData(heatmapPixels([values], (v) => loadColor(v, ctx.theme.kind)), 128, 1), 0, 0);
  return el('div', { className: 'scale-legend' }, [
    el('span', { text: '≤ ¼ (dead: 0)' }),
    canvas,
    el('span', { text: '≥ 4 × mean load' }),
  ]);
}

export function loadHeatmapCard(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section {
  const rowHeight = 22;
  const canvas = el('canvas', { id: 'heatmap-load', className: 'heatmap', attrs: { role: 'img', 'aria-label': 'expert load, layer by expert' } });
  const heatmap = new HeatmapCanvas(canvas, rowHeight);
  const slider = el('input', { className: 'step-slider', attrs: { type: 'range', min: '0', max: '0', value: '0', 'aria-label': 'step' } });
  const stepLabel = el('span', { className: 'step-label' });
  const { layers, experts, moeLayers } = run().state;
  parent.append(
    card('Expert load (layer × expert)', [
      el('p', { className: 'note', text: `c_i / mean(c) of the batch: 1 is balanced. Experts 0–${experts - 1} left to right.` }),
      el('div', { className: 'heatmap-row' }, [rowLabels(Array.from({ length: layers }, (_, l) => `L${l} (block ${moeLayers[l] ?? l})`), rowHeight), canvas]),
      el('div', { className: 'slider-row' }, [slider, stepLabel]),
      scaleLegend(ctx),
    ]),
  );
  slider.addEventListener('input', () => {
    const columns = run().state.load.columns;
    const index = Number(slider.value);
    ctx.choices.loadStep = index >= columns.length - 1 ? undefined : columns[index]?.start;
    ctx.choicesChanged();
  });
  return {
    usesChoices: true,
    update() {
      const columns = run().state.load.columns;
      if (columns.length === 0) return;
      const wanted = ctx.choices.loadStep;
      let index = columns.length - 1;
      if (wanted !== undefined) {
        const found = columns.findIndex((c) => c.last >= wanted);
        if (found >= 0) index = found;
      }
      slider.max = String(columns.length - 1);
      slider.value = String(index);
      stepLabel.textContent = `${stepsLabel(columns[index])}${index === columns.length - 1 ? ' · latest' : ''}`;
      heatmap.draw({
        matrix: columnLoad(columns[index]),
        color: (v) => loadColor(v, ctx.theme.kind),
        describe: (l, e, v) => `layer ${l} · expert ${e}: load ${v.toFixed(2)} × mean (${stepsLabel(columns[index])})`,
      });
    },
  };
}

export function loadOverTimeCard(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section {
  const experts = run().state.experts;
  const rowHeight = Math.max(6, Math.min(18, Math.floor(240 / Math.max(1, experts))));
  const canvas = el('canvas', { id: 'heatmap-load-time', className: 'heatmap', attrs: { role: 'img', 'aria-label': 'expert load over time' } });
  const heatmap = new HeatmapCanvas(canvas, rowHeight);
  const title = el('h2');
  const range = el('p', { className: 'note' });
  const section = el('section', { className: 'card wide' }, [
    title,
    range,
    el('div', { className: 'heatmap-row' }, [rowLabels(Array.from({ length: experts }, (_, e) => `e${e}`), rowHeight), canvas]),
  ]);
  parent.append(section);
  return {
    usesChoices: true,
    update() {
      const { load } = run().state;
      const layer = ctx.choices.layer;
      title.textContent = `Load over time (layer ${layer}, expert × step)`;
      const columns = load.columns;
      if (columns.length === 0) return;
      range.textContent = `steps ${columns[0].start}–${columns[columns.length - 1].last}, ${load.width} step${load.width > 1 ? 's' : ''} per column`;
      heatmap.draw({
        matrix: layerLoadOverTime(load, layer),
        color: (v) => loadColor(v, ctx.theme.kind),
        describe: (e, c, v) => `expert ${e} · ${stepsLabel(columns[c])}: load ${v.toFixed(2)} × mean`,
      });
    },
  };
}
