/** A part of a webview that redraws itself from the current run state. */
import { createLineChart, drawnPoints, setLinePoints, type LineChartOptions, type LineSpec } from './charts';
import { card, el } from './dom';
import type { Theme } from './theme';

export interface Section {
  update(): void;
  /** it draws something the user's choices (layer, step) decide, so it redraws when they change */
  usesChoices?: boolean;
  destroy?(): void;
}

/**
 * A card with a line chart whose curves come from `lines()` at every update. The canvas carries
 * `data-points`: how many points its first curve drew (a documented hook for end-to-end tests).
 */
export function lineChartCard(
  parent: HTMLElement,
  theme: Theme,
  spec: { id: string; title: string; lines: () => LineSpec[]; options?: LineChartOptions; note?: string; usesChoices?: boolean },
): Section {
  const canvas = el('canvas', { id: spec.id, attrs: { role: 'img', 'aria-label': spec.title } });
  parent.append(card(spec.title, [spec.note && el('p', { className: 'note', text: spec.note }), el('div', { className: 'chart-box' }, [canvas])]));
  const chart = createLineChart(canvas, theme, spec.lines(), spec.options);
  const update = () => {
    setLinePoints(chart, spec.lines().map((line) => line.points));
    chart.update('none');
    canvas.dataset.points = String(drawnPoints(chart));
  };
  update();
  return { update, usesChoices: spec.usesChoices, destroy: () => chart.destroy() };
}
