/**
 * The run dashboard webview (one run, or several in compare mode).
 *
 * Test hook (documented for the webview and end-to-end tests): every chart canvas has an id
 * (`chart-loss`, `chart-maxvio`, …) and `data-points` = the points its first curve drew;
 * `window.__moeLens.chartData(id)` returns the curves of a chart as {label, points} (as recorded, before
 * smoothing); `chartState(id)` what the chart shows: datasets, x range, y scale type, ticks, axis titles.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { DashboardViewState, HostToWebviewMessage, RunSnapshot, ViewMode } from '../../protocol/webviewMessages';
import { applyEvent } from '../../protocol/runModel/runState';
import { el } from '../shared/dom';
import { liveRedraw, perFrame } from '../shared/frame';
import { Chart } from '../shared/charts';
import { chartCurves, type Section } from '../shared/section';
import { onThemeChange, readTheme } from '../shared/theme';
import { host } from '../shared/vscodeApi';
import '../shared/base.css';
import { timeAtStep } from '../shared/chartData';
import { ChartSync, type StepClock } from '../shared/chartView';
import { compareLayoutKey, compareSections } from './compare';
import type { ViewContext } from './context';
import './dashboard.css';
import { CompareHeaderView, RunHeaderView } from './header';
import { singleRunLayoutKey, singleRunSections } from './singleRun';
import { ChartToolbar } from './toolbar';
import { waitingText } from './waiting';
import { markOnce } from '../shared/startupMarks';
import './testHook';

markOnce('script');

const saved = host.getState<DashboardViewState>();
let mode: ViewMode = saved?.mode ?? 'single';
let runs: RunSnapshot[] = [];
let pendingScroll = saved?.scrollY;

/** One smoothing, scale, x axis, zoom, crosshair and scrubbed step for every chart of the dashboard. */
const sync = new ChartSync(saved?.charts);

const ctx: ViewContext = {
  theme: readTheme(),
  sync,
  exportFile: (kind, fileName, data) => host.post({ type: 'exportFile', kind, fileName, data }),
  choices: { layer: saved?.layer ?? 0, loadStep: saved?.loadStep },
  choicesChanged() {
    persist();
    // The heatmap's own step slider moves the shared scrubber too.
    if (ctx.choices.loadStep !== sync.scrub) sync.setScrub(ctx.choices.loadStep);
    changed.choices = true;
    render();
  },
};
/** Shows `step` in the step-driven heatmaps; undefined follows the latest step. For a shared step scrubber. */
export function setStep(step: number | undefined): void {
  ctx.choices.loadStep = step;
  ctx.choicesChanged();
}

// The shared scrubber drives the heatmaps through their step API.
sync.onChange(() => {
  persist();
  if (ctx.choices.loadStep !== sync.scrub) setStep(sync.scrub);
});

function persist(): void {
  const state: DashboardViewState = {
    runIds: runs.map((r) => r.header.id),
    mode: mode === 'compare' ? 'compare' : 'single',
    scrollY: window.scrollY,
    layer: ctx.choices.layer,
    loadStep: ctx.choices.loadStep,
    charts: sync.settings,
  };
  if (state.runIds.length) host.setState(state);
}

const root = el('main', { id: 'dashboard' });
document.body.append(root);

interface View {
  key: string;
  sections: Section[];
  update(): void;
}
let view: View | undefined;
let toolbar: ChartToolbar | undefined;

function layoutKey(): string {
  if (runs.length === 0) return 'empty';
  const body = mode === 'compare' ? compareLayoutKey(runs) : singleRunLayoutKey(() => runs[0]);
  return `${mode}|${ctx.theme.kind}|${body}`;
}

function build(key: string): View {
  for (const section of view?.sections ?? []) section.destroy?.();
  toolbar?.destroy();
  toolbar = undefined;
  root.replaceChildren();
  if (runs.length === 0) {
    root.append(el('p', { className: 'empty', text: 'Loading run…' }));
    return { key, sections: [], update() {} };
  }
  const grid = el('div', { className: 'grid' });
  toolbar = new ChartToolbar(sync);
  if (mode === 'compare') {
    const header = new CompareHeaderView(root);
    root.append(toolbar.element, grid);
    const sections = compareSections(grid, () => runs, ctx, stepClock);
    return { key, sections, update: () => header.update(runs, ctx.theme) };
  }
  const header = new RunHeaderView(
    root,
    () => host.post({ type: 'stop', runId: runs[0].header.id }),
    () => host.post({ type: 'resume', runId: runs[0].header.id }),
  );
  if (runs[0].state.layers === 0) {
    // Queued, or the trainer has not written its start event yet: no chart has anything to show.
    toolbar.destroy();
    toolbar = undefined;
    const waiting = el('p', { id: 'run-waiting', className: 'empty' });
    root.append(waiting);
    return {
      key,
      sections: [],
      update() {
        header.update(runs[0]);
        waiting.textContent = waitingText(runs[0]);
      },
    };
  }
  root.append(toolbar.element, grid);
  const sections = singleRunSections(grid, () => runs[0], ctx);
  return { key, sections, update: () => header.update(runs[0]) };
}

/** The chart toolbar sticks right under the (sticky) run header, whatever the header's height. */
const headerSize = new ResizeObserver(([entry]) =>
  root.style.setProperty('--header-height', `${Math.ceil(entry.target.getBoundingClientRect().height)}px`),
);
function stickBelowHeader(): void {
  headerSize.disconnect();
  const header = root.querySelector('.run-header');
  if (header) headerSize.observe(header);
}

/** The run's steps on the clock, for the time axes; undefined before its first timed step. */
function stepClock(run: RunSnapshot): StepClock | undefined {
  const times = run.state.stepTimes.points;
  if (times.length === 0) return undefined;
  const started = Date.parse(run.state.startedAt ?? '');
  return { start: Number.isFinite(started) ? started : times[0].y, timeOf: (step) => timeAtStep(times, step) };
}

/** Every step chart shows steps 0 … the furthest step of the shown runs (aligned x ranges). */
function stepDomain(shown: RunSnapshot[]): { min: number; max: number } {
  const max = Math.max(1, ...shown.map((run) => Math.max(run.state.step, run.header.step)));
  return { min: 0, max };
}

/** In the viewport now, or within half a screen of it. */
function nearView(element: HTMLElement): boolean {
  const { top, bottom } = element.getBoundingClientRect();
  return bottom > -innerHeight / 2 && top < innerHeight * 1.5;
}

/** What changed since the last frame: new data redraw everything, a new choice only what it decides. */
const changed = { data: true, choices: false };

/**
 * Cards whose data or choices changed while they were out of view: drawn once scrolled to, not on
 * every live redraw, which a fast run asks for 2.5 times a second for a dozen cards.
 */
const outOfDate = new Set<Section>();

/** Draws the out-of-date cards that are near the viewport now; all of them with `all`. */
function drawOutOfDate(all = false): void {
  for (const section of outOfDate) {
    if (!all && section.element && !nearView(section.element)) continue;
    outOfDate.delete(section);
    section.update();
  }
}

/** How long the last redraw of the data took (live redraws space out when it is long). */
let renderMs = 0;

/** Redraws what changed, at most once per frame. */
const render = perFrame(() => {
  const started = performance.now();
  // Time axes: one run's clock relabels the steps; in compare mode each run is placed on its own clock.
  sync.clock = mode === 'single' && runs.length === 1 ? stepClock(runs[0]) : undefined;
  const clocks = mode === 'compare' ? runs.map(stepClock) : [];
  sync.runClocks = clocks.length > 0 && clocks.every((c) => c !== undefined) ? clocks : undefined;
  sync.setDomain(stepDomain(runs));
  const key = layoutKey();
  const fresh = !view || view.key !== key;
  if (!view || fresh) {
    view = build(key);
    outOfDate.clear();
    stickBelowHeader();
    changed.data = true;
  }
  const drawsData = changed.data;
  view.update();
  toolbar?.update();
  const due = view.sections.filter((section) => changed.data || (changed.choices && section.usesChoices));
  const later = due.filter((section) => section.element && !nearView(section.element));
  for (const section of due) {
    if (later.includes(section)) continue;
    outOfDate.delete(section);
    section.update();
  }
  if (fresh && later.length > 0) {
    // A freshly built dashboard draws the cards in view first; the rest in the task after that frame.
    const built = view;
    setTimeout(() => {
      if (view === built) for (const section of later) section.update();
    });
  } else for (const section of later) outOfDate.add(section);
  changed.data = changed.choices = false;
  if (runs.length && runs[0].state.layers > 0) markOnce('drawn');
  if (runs.some((run) => run.state.loss.points.length > 0)) markOnce('firstLoss');
  if (pendingScroll !== undefined && runs.length) {
    window.scrollTo(0, pendingScroll);
    pendingScroll = undefined;
  }
  if (drawsData) renderMs = performance.now() - started;
});

/**
 * Another run shown in this panel keeps the view settings (smoothing, scale, x axis) but starts at its
 * latest step, its first layer, unzoomed and scrolled to the top.
 */
function forgetRunChoices(): void {
  ctx.choices.layer = 0;
  ctx.choices.loadStep = undefined;
  // Set, not through setScrub/setZoom: those redraw the old run's charts; the snapshot's render draws.
  sync.scrub = undefined;
  sync.zoom = undefined;
  pendingScroll = 0;
}

function onMessage(message: HostToWebviewMessage): void {
  switch (message.type) {
    case 'snapshot': {
      markOnce('snapshot');
      const ids = (shown: RunSnapshot[]) => shown.map((run) => run.header.id).join('\n');
      // The preview dashboard shows another run: its steps and layers are not the last one's.
      if (runs.length > 0 && ids(runs) !== ids(message.runs)) forgetRunChoices();
      mode = message.mode;
      runs = message.runs;
      persist();
      break;
    }
    case 'append': {
      const run = runs.find((r) => r.header.id === message.runId);
      if (!run) return;
      const hadLoss = run.state.loss.points.length > 0;
      for (const event of message.events) applyEvent(run.state, event);
      // The first loss point is what a user waits for after Start Run: drawn at once, not throttled.
      if (!hadLoss && run.state.loss.points.length > 0) {
        changed.data = true;
        render();
        return;
      }
      break;
    }
    case 'header': {
      const run = runs.find((r) => r.header.id === message.header.id);
      if (!run) return;
      run.header = message.header;
      // The header's text only: the charts wait for the data (a live run's header follows each append).
      render();
      return;
    }
  }
  changed.data = true;
  if (message.type === 'append') renderLive();
  else render();
}

/** Live appends redraw every 0.4 s at most, less often when a redraw is slow. */
const renderLive = liveRedraw(render, () => renderMs);

onThemeChange(() => {
  ctx.theme = readTheme();
  changed.data = true;
  render();
});
window.addEventListener(
  'scroll',
  perFrame(() => {
    persist();
    drawOutOfDate();
  }),
  { passive: true },
);
window.addEventListener('resize', perFrame(drawOutOfDate));

// The hooks read what a card shows once it is drawn up to date, as a user scrolled to it sees it.
window.__moeLens = {
  chartData(id) {
    drawOutOfDate(true);
    const canvas = document.getElementById(id);
    return canvas instanceof HTMLCanvasElement ? chartCurves(canvas) : undefined;
  },
  chartState(id) {
    drawOutOfDate(true);
    const canvas = document.getElementById(id);
    const chart = canvas instanceof HTMLCanvasElement ? Chart.getChart(canvas) : undefined;
    if (!chart) return undefined;
    const { x, y } = chart.scales;
    return {
      datasets: chart.data.datasets.map((d) => String(d.label)),
      xMin: x.min,
      xMax: x.max,
      yType: y.type,
      xTicks: x.ticks.map((t) => String(t.label)),
      xTitle: String((chart.options.scales?.x as { title?: { text?: string } } | undefined)?.title?.text ?? ''),
      yTitle: String((chart.options.scales?.y as { title?: { text?: string } } | undefined)?.title?.text ?? ''),
      xExtents: chart.data.datasets.map(({ data }) => {
        const points = data as { x: number }[];
        return points.length ? [points[0].x, points[points.length - 1].x] : [];
      }),
      bands: chart.data.datasets.flatMap((d) => {
        const fill = (d as { fill?: unknown }).fill;
        const target = typeof fill === 'object' && fill && 'target' in fill ? fill.target : undefined;
        const lower = typeof target === 'number' ? chart.data.datasets[target] : undefined;
        const points = (data: unknown[]) => data as { x: number; y: number }[];
        return lower
          ? [
              {
                label: String(d.label),
                color: typeof d.backgroundColor === 'string' ? d.backgroundColor : '',
                lower: points(lower.data),
                upper: points(d.data),
              },
            ]
          : [];
      }),
    };
  },
  chartPixel(id, x, y) {
    drawOutOfDate(true);
    const canvas = document.getElementById(id);
    const chart = canvas instanceof HTMLCanvasElement ? Chart.getChart(canvas) : undefined;
    return chart && { left: chart.scales.x.getPixelForValue(x), top: chart.scales.y.getPixelForValue(y) };
  },
  setStep,
  setLayerFilter(filter) {
    ctx.choices.layerFilter = filter;
    ctx.choicesChanged();
  },
};

host.listen(onMessage);
markOnce('ready');
render();
