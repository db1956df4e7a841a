/** A part of a webview that redraws itself from the current run state. */
import { curvesToCsv, exportedCurves, fileSlug } from './chartData';
import { createLineChart, drawnPoints, type LineChart, type LineChartOptions, type LineSpec } from './charts';
import type { ChartSync } from './chartView';
import { card, el } from './dom';
import type { Theme } from './theme';

export interface Section {
  update(): void;
  /** its card: a card out of view when the dashboard opens is drawn after the first frame */
  element?: HTMLElement;
  /** it draws something the user's choices (layer, step) decide, so it redraws when they change */
  usesChoices?: boolean;
  destroy?(): void;
}

/** Saves a file through the extension host (a save dialog): PNG as a data: URL, CSV as text. */
export type ExportFile = (kind: 'png' | 'csv', fileName: string, data: string) => void;

/** What cards draw with: the theme, the dashboard's synced chart view, and the host's file export. */
export interface ChartEnv {
  theme: Theme;
  sync?: ChartSync;
  exportFile?: ExportFile;
}

const exportButton = (text: string, label: string, onClick: () => void) => {
  const button = el('button', {
    className: 'icon-button',
    text,
    attrs: { type: 'button', 'aria-label': label, title: label },
  });
  button.addEventListener('click', onClick);
  return button;
};

const curvesOf = new WeakMap<HTMLCanvasElement, () => LineSpec[]>();

/** The curves of a line chart card as recorded (before smoothing): a documented hook for the tests. */
export function chartCurves(
  canvas: HTMLCanvasElement,
): { label: string; points: { x: number; y: number }[] }[] | undefined {
  return curvesOf
    .get(canvas)?.()
    .map((line) => ({ label: line.label, points: line.points.map((p) => ({ x: p.x, y: p.y })) }));
}

/** The canvas as a PNG data: URL on the theme's background (a chart canvas itself is transparent). */
function opaquePng(canvas: HTMLCanvasElement, background: string): string {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const g = copy.getContext('2d');
  if (!g) return canvas.toDataURL('image/png');
  g.fillStyle = background;
  g.fillRect(0, 0, copy.width, copy.height);
  g.drawImage(canvas, 0, 0);
  return copy.toDataURL('image/png');
}

/**
 * A card with a line chart whose curves come from `lines()` at every update. The canvas carries
 * `data-points`: how many points its first curve drew (a documented hook for end-to-end tests).
 * With an exporter, the card offers its chart as PNG and its curves (raw, as recorded) as CSV.
 */
export function lineChartCard(
  parent: HTMLElement,
  env: ChartEnv,
  spec: {
    id: string;
    title: string;
    lines: () => LineSpec[];
    options?: LineChartOptions;
    note?: string;
    usesChoices?: boolean;
    /** what to say while every curve is empty ("No evaluation yet: the first is at step 50") */
    emptyText?: () => string;
  },
): Section {
  const canvas = el('canvas', { id: spec.id, attrs: { role: 'img', 'aria-label': spec.title } });
  const empty = el('p', { className: 'chart-empty', attrs: { 'aria-live': 'polite' } });
  const box = el('div', { className: 'chart-box' }, [canvas, empty]);
  const actions = el('div', { className: 'card-actions' });
  const element = card(spec.title, [actions, spec.note && el('p', { className: 'note', text: spec.note }), box]);
  parent.append(element);
  // Created at the first update: the dashboard updates every section right after building them, and
  // a chart created here would draw once more for nothing.
  let chart: LineChart | undefined;
  curvesOf.set(canvas, spec.lines);
  const { exportFile } = env;
  if (exportFile) {
    const name = fileSlug(spec.title);
    actions.append(
      exportButton('PNG', `Save the ${spec.title} chart as PNG`, () =>
        exportFile('png', `${name}.png`, opaquePng(canvas, env.theme.background)),
      ),
      exportButton('CSV', `Save the ${spec.title} data as CSV`, () => {
        const xTitle = spec.options?.xIsStep === false ? (spec.options.xTitle ?? 'x') : 'step';
        exportFile('csv', `${name}.csv`, curvesToCsv(xTitle, exportedCurves(spec.lines())));
      }),
    );
  }
  const update = () => {
    const lines = spec.lines();
    if (chart) chart.update(lines);
    else chart = createLineChart(canvas, env.theme, lines, spec.options, env.sync);
    canvas.dataset.points = String(drawnPoints(chart.chart));
    const nothing = lines.every((line) => line.points.length === 0);
    empty.textContent = nothing ? (spec.emptyText?.() ?? 'No data yet.') : '';
    empty.hidden = !nothing;
  };
  return { update, element, usesChoices: spec.usesChoices, destroy: () => chart?.destroy() };
}
