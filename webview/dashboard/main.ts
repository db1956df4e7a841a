/**
 * The run dashboard webview (one run, or several in compare mode).
 *
 * Test hook (documented for the webview and end-to-end tests): every chart canvas has an id
 * (`chart-loss`, `chart-maxvio`, …) and `data-points` = the points its first curve drew;
 * `window.__moeLens.chartData(id)` returns the curves of a chart as {label, points}.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { DashboardViewState, HostToWebviewMessage, RunSnapshot, ViewMode } from '../../protocol/webviewMessages';
import { applyEvent } from '../../protocol/runModel/runState';
import { Chart } from '../shared/charts';
import { el } from '../shared/dom';
import { perFrame } from '../shared/frame';
import type { Section } from '../shared/section';
import { onThemeChange, readTheme } from '../shared/theme';
import { host } from '../shared/vscodeApi';
import '../shared/base.css';
import { compareLayoutKey, compareSections } from './compare';
import type { ViewContext } from './context';
import './dashboard.css';
import { CompareHeaderView, RunHeaderView } from './header';
import { singleRunLayoutKey, singleRunSections } from './singleRun';
import './testHook';

const saved = host.getState<DashboardViewState>();
let mode: ViewMode = saved?.mode ?? 'single';
let runs: RunSnapshot[] = [];
let pendingScroll = saved?.scrollY;

const ctx: ViewContext = {
  theme: readTheme(),
  choices: { layer: saved?.layer ?? 0, loadStep: saved?.loadStep },
  choicesChanged() {
    persist();
    changed.choices = true;
    render();
  },
};

/** Shows `step` in the step-driven heatmaps; undefined follows the latest step. For a shared step scrubber. */
export function setStep(step: number | undefined): void {
  ctx.choices.loadStep = step;
  ctx.choicesChanged();
}

function persist(): void {
  const state: DashboardViewState = {
    runIds: runs.map((r) => r.header.id),
    mode: mode === 'compare' ? 'compare' : 'single',
    scrollY: window.scrollY,
    layer: ctx.choices.layer,
    loadStep: ctx.choices.loadStep,
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

function layoutKey(): string {
  if (runs.length === 0) return 'empty';
  const body = mode === 'compare' ? compareLayoutKey(runs) : singleRunLayoutKey(() => runs[0]);
  return `${mode}|${ctx.theme.kind}|${body}`;
}

function build(key: string): View {
  for (const section of view?.sections ?? []) section.destroy?.();
  root.replaceChildren();
  if (runs.length === 0) {
    root.append(el('p', { className: 'empty', text: 'Loading run…' }));
    return { key, sections: [], update() {} };
  }
  const grid = el('div', { className: 'grid' });
  if (mode === 'compare') {
    const header = new CompareHeaderView(root);
    root.append(grid);
    const sections = compareSections(grid, () => runs, ctx);
    return { key, sections, update: () => header.update(runs, ctx.theme) };
  }
  const header = new RunHeaderView(root, () => host.post({ type: 'stop', runId: runs[0].header.id }));
  root.append(grid);
  const sections = singleRunSections(grid, () => runs[0], ctx);
  return { key, sections, update: () => header.update(runs[0]) };
}

/** What changed since the last frame: new data redraw everything, a new choice only what it decides. */
const changed = { data: true, choices: false };

/** Redraws what changed, at most once per frame. */
const render = perFrame(() => {
  const key = layoutKey();
  if (!view || view.key !== key) {
    view = build(key);
    changed.data = true;
  }
  view.update();
  for (const section of view.sections) if (changed.data || (changed.choices && section.usesChoices)) section.update();
  changed.data = changed.choices = false;
  if (pendingScroll !== undefined && runs.length) {
    window.scrollTo(0, pendingScroll);
    pendingScroll = undefined;
  }
});

function onMessage(message: HostToWebviewMessage): void {
  switch (message.type) {
    case 'snapshot':
      mode = message.mode;
      runs = message.runs;
      persist();
      break;
    case 'append': {
      const run = runs.find((r) => r.header.id === message.runId);
      if (!run) return;
      for (const event of message.events) applyEvent(run.state, event);
      break;
    }
    case 'header': {
      const run = runs.find((r) => r.header.id === message.header.id);
      if (!run) return;
      run.header = message.header;
      break;
    }
  }
  changed.data = true;
  render();
}

onThemeChange(() => {
  ctx.theme = readTheme();
  changed.data = true;
  render();
});
window.addEventListener('scroll', perFrame(persist), { passive: true });

window.__moeLens = {
  chartData(id) {
    const canvas = document.getElementById(id);
    const chart = canvas instanceof HTMLCanvasElement ? Chart.getChart(canvas) : undefined;
    return chart?.data.datasets.map((d) => ({ label: String(d.label), points: (d.data as { x: number; y: number }[]).map((p) => ({ x: p.x, y: p.y })) }));
  },
  setStep,
  setLayerFilter(filter) {
    ctx.choices.layerFilter = filter;
    ctx.choicesChanged();
  },
};

host.listen(onMessage);
render();
