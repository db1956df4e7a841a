/** The dashboard header: what the run is, how far it got, how fast, and a Stop button. */
import type { RunSnapshot } from '../../protocol/webviewMessages';
import { formatDuration } from '../../extension/runs/format';
import { etaSeconds } from '../model/runState';
import { el, formatNumber } from '../shared/dom';
import { paletteColor, type Theme } from '../shared/theme';

const stoppable = (run: RunSnapshot) => run.header.status === 'running' || run.header.status === 'queued';

/** Status: the registry's (it knows queued and interrupted); the log's end status when it has one. */
const statusOf = (run: RunSnapshot) => (run.header.status === 'running' && run.state.status ? run.state.status : run.header.status);

export class RunHeaderView {
  private readonly name = el('h1');
  private readonly status = el('span', { className: 'status' });
  private readonly details = el('span', { className: 'details' });
  private readonly progress = document.createElement('vscode-progress-bar');
  private readonly stats = el('div', { className: 'stats' });
  private readonly stop = document.createElement('vscode-button');

  constructor(parent: HTMLElement, onStop: () => void) {
    this.stop.textContent = 'Stop';
    this.stop.id = 'stop-run';
    this.stop.setAttribute('secondary', '');
    this.stop.addEventListener('click', onStop);
    parent.append(
      el('header', { className: 'run-header' }, [
        el('div', { className: 'title-row' }, [this.name, this.status, this.details, el('span', { className: 'spacer' }), this.stop]),
        this.progress,
        this.stats,
      ]),
    );
  }

  update(run: RunSnapshot): void {
    const { header, state } = run;
    const status = statusOf(run);
    this.name.textContent = header.name || state.runName;
    this.status.textContent = status;
    this.status.className = `status status-${status}`;
    this.details.textContent = [header.balancer || state.balancer, state.backend && `backend ${state.backend}`].filter(Boolean).join(' · ');
    const step = Math.max(0, state.step, header.step);
    const total = state.totalSteps || header.totalSteps;
    this.progress.max = Math.max(1, total);
    this.progress.value = step;
    const eta = status === 'running' ? (header.etaSeconds ?? etaSeconds(state)) : undefined;
    const tokens = header.tokensPerSecond ?? state.tokensPerSecond;
    this.stats.textContent = [
      `step ${step.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`,
      tokens !== undefined && `${formatNumber(tokens)} tokens/s`,
      eta !== undefined && `ETA ${formatDuration(eta)}`,
      (header.reason || state.endReason) && status !== 'running' && `${header.reason || state.endReason}`,
    ]
      .filter(Boolean)
      .join(' · ');
    this.stop.hidden = !stoppable(run);
  }
}

/** Compare mode: one line per run, in its curve colour. */
export class CompareHeaderView {
  private readonly list = el('ul', { className: 'run-legend' });

  constructor(parent: HTMLElement) {
    parent.append(el('header', { className: 'run-header' }, [el('h1', { text: 'Compare runs' }), this.list]));
  }

  update(runs: RunSnapshot[], theme: Theme): void {
    this.list.replaceChildren(
      ...runs.map((run, i) => {
        const swatch = el('span', { className: 'swatch' });
        swatch.style.backgroundColor = paletteColor(theme, i);
        const { state } = run;
        return el('li', {}, [
          swatch,
          el('strong', { text: run.header.name }),
          ` ${run.header.balancer} · ${statusOf(run)} · step ${Math.max(0, state.step)} / ${state.totalSteps || run.header.totalSteps}`,
          state.valLoss.points.length > 0 && ` · val loss ${formatNumber(state.valLoss.points[state.valLoss.points.length - 1].y)}`,
        ]);
      }),
    );
  }
}
