/**
 * The Routing side panel (webview view): the selected or running run's current layer × expert load
 * heatmap, a MaxVio sparkline and the loss-free bias bars. A click opens the run's dashboard.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostToWebviewMessage, RunSnapshot } from '../../protocol/webviewMessages';
import { expertColor, rgbCss } from '../model/colors';
import { sparklineCoordinates } from '../model/heatmap';
import { columnLoad } from '../../protocol/runModel/load';
import { applyEvent } from '../../protocol/runModel/runState';
import { lastValue } from '../../protocol/runModel/series';
import { el, formatNumber } from '../shared/dom';
import { liveRedraw, perFrame } from '../shared/frame';
import { HeatmapCanvas } from '../shared/heatmapCanvas';
import { layerByExpertContent } from '../shared/loadContent';
import { onThemeChange, readTheme } from '../shared/theme';
import { host } from '../shared/vscodeApi';
import '../shared/base.css';
import './routing.css';

let run: RunSnapshot | undefined;
let emptyMessage = 'No run yet.';
let theme = readTheme();

const title = el('div', { className: 'title' });
const heatmap = new HeatmapCanvas({
  id: 'routing-heatmap',
  label: 'Expert load, layer by expert; Enter opens the dashboard',
  rowHeight: 14,
  maxHeight: 320,
});
const heatmapCanvas = heatmap.canvas;
const sparkCanvas = el('canvas', {
  id: 'routing-maxvio',
  className: 'sparkline',
  attrs: { role: 'img', 'aria-label': 'MaxVio over steps' },
});
const sparkLabel = el('div', { className: 'note' });
const biasBox = el('div', { className: 'bias' });
const open = document.createElement('vscode-button');
open.textContent = 'Open Dashboard';
open.id = 'open-dashboard';
const content = el('div', { className: 'content' }, [
  title,
  el('h2', { text: 'Expert load (layer × expert)' }),
  heatmap.element,
  el('h2', { text: 'MaxVio (batch mean)' }),
  sparkCanvas,
  sparkLabel,
  biasBox,
  open,
]);
const empty = el('p', { className: 'empty' });
document.body.append(content, empty);

const openDashboard = () => run && host.post({ type: 'openDashboard', runId: run.header.id });
heatmapCanvas.addEventListener('click', openDashboard);
heatmapCanvas.addEventListener('keydown', (event) => event.key === 'Enter' && openDashboard());
open.addEventListener('click', openDashboard);

/** Fits a canvas's backing store to its CSS size and returns its context in CSS pixels. */
function context2d(canvas: HTMLCanvasElement, cssHeight: number) {
  const ratio = window.devicePixelRatio || 1;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  canvas.height = Math.round(cssHeight * ratio);
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

function drawSparkline(points: { x: number; y: number }[]): void {
  const height = 36;
  const ctx = context2d(sparkCanvas, height);
  if (!ctx || points.length === 0) return;
  const coords = sparklineCoordinates(points, sparkCanvas.clientWidth, height);
  ctx.strokeStyle = theme.palette[0];
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  coords.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
  ctx.stroke();
}

/** One row of bars per layer: bias of each expert, up from the zero line when positive. */
function drawBias(bias: number[][]): void {
  if (biasBox.childElementCount !== bias.length + 1) {
    biasBox.replaceChildren(
      el('h2', { text: 'Bias per expert (loss-free)' }),
      ...bias.map((_, l) =>
        el('div', { className: 'bias-row' }, [
          el('span', { className: 'row-labels', text: `L${l}` }),
          el('canvas', { className: 'bias-bars' }),
        ]),
      ),
    );
  }
  const scale = Math.max(1e-12, ...bias.flat().map(Math.abs));
  [...biasBox.querySelectorAll('canvas')].forEach((canvas, layer) => {
    const height = 28;
    const ctx = context2d(canvas, height);
    if (!ctx) return;
    const row = bias[layer];
    const width = canvas.clientWidth / row.length;
    canvas.title = `layer ${layer}: ${row.map((b, e) => `e${e} ${b.toExponential(2)}`).join(', ')}`;
    row.forEach((b, e) => {
      ctx.fillStyle = rgbCss(expertColor(e));
      const h = (Math.abs(b) / scale) * (height / 2 - 1);
      ctx.fillRect(e * width + 1, b >= 0 ? height / 2 - h : height / 2, Math.max(1, width - 2), Math.max(1, h));
    });
    ctx.fillStyle = theme.muted;
    ctx.fillRect(0, height / 2, canvas.clientWidth, 1);
  });
}

/** How long the last redraw took (live redraws space out when it is long). */
let renderMs = 0;

const render = perFrame(() => {
  const started = performance.now();
  content.hidden = !run;
  empty.hidden = Boolean(run);
  empty.textContent = emptyMessage;
  if (!run) return;
  const { header, state } = run;
  title.textContent = `${header.name} · ${header.status} · step ${header.step} / ${header.totalSteps}`;
  const columns = state.load.columns;
  const latest = columns[columns.length - 1];
  if (latest) {
    heatmap.draw(
      layerByExpertContent({
        matrix: columnLoad(latest),
        layers: Array.from({ length: state.layers }, (_, l) => l),
        moeLayers: state.moeLayers,
        when: `step ${latest.last}`,
        theme: theme.kind,
        aggregate: 'max',
      }),
    );
  }
  drawSparkline(state.maxVioBatchMean.points);
  sparkLabel.textContent = `now ${formatNumber(lastValue(state.maxVioBatchMean))}`;
  biasBox.hidden = !state.lastBias;
  if (state.lastBias) drawBias(state.lastBias);
  renderMs = performance.now() - started;
});
const renderLive = liveRedraw(render, () => renderMs);

function onMessage(message: HostToWebviewMessage): void {
  switch (message.type) {
    case 'snapshot':
      run = message.runs[0];
      emptyMessage = message.emptyMessage ?? emptyMessage;
      break;
    case 'append':
      if (run?.header.id !== message.runId) return;
      for (const event of message.events) applyEvent(run.state, event);
      renderLive();
      return;
    case 'header':
      if (run?.header.id !== message.header.id) return;
      run.header = message.header; // a live run's header follows each append: drawn with its data
      renderLive();
      return;
  }
  render();
}

onThemeChange(() => {
  theme = readTheme();
  render();
});
new ResizeObserver(render).observe(document.body);
host.listen(onMessage);
render();
