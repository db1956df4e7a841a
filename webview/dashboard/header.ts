/** The dashboard header: what the run is, how far it got, how fast, and a Stop button. */
import type { RunSnapshot } from '../../protocol/webviewMessages';
import { el, formatNumber } from '../shared/dom';
import { paletteColor, type Theme } from '../shared/theme';
import { runHeaderDetails, runHeaderStats } from './headerText';

const stoppable = (run: RunSnapshot) => run.header.status === 'running' || run.header.status === 'queued';

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

  /** Shows the run as the host describes it (status, progress, pace): the same figures as the status bar. */
  update(run: RunSnapshot): void {
    const { header } = run;
    this.name.textContent = header.name;
    this.status.textContent = header.status;
    this.status.className = `status status-${header.status}`;
    this.details.textContent = runHeaderDetails(header);
    // why this backend (e.g. "auto: webgpu: only a software adapter …"), on hover
    this.details.title = header.backendReason ?? '';
    this.progress.max = Math.max(1, header.totalSteps);
    this.progress.value = header.step;
    this.stats.textContent = runHeaderStats(header);
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
          ` ${run.header.balancer} · ${run.header.status} · step ${run.header.step} / ${run.header.totalSteps}`,
          state.valLoss.points.length > 0 && ` · val loss ${formatNumber(state.valLoss.points[state.valLoss.points.length - 1].y)}`,
        ]);
      }),
    );
  }
}
