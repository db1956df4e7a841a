/** The dashboard header: what the run is, how far it got, how fast, and Stop or Resume. */
import { groupBySeed } from '../../protocol/runModel/seedSpread';
import type { RunSnapshot } from '../../protocol/webviewMessages';
import { shortRunId } from '../../protocol/runLabels';
import { formatDistinct } from '../shared/chartData';
import { el } from '../shared/dom';
import { paletteColor, type Theme } from '../shared/theme';
import { runHeaderDetails, runHeaderStats, stepOfTotal } from './headerText';

const stoppable = (run: RunSnapshot) => run.header.status === 'running' || run.header.status === 'queued';
/** What Resume Run accepts (it checks the checkpoint is there). */
const resumable = (run: RunSnapshot) => ['stopped', 'interrupted', 'failed'].includes(run.header.status);

export class RunHeaderView {
  private readonly name = el('h1');
  private readonly status = el('span', { className: 'status' });
  private readonly details = el('span', { className: 'details' });
  private readonly progress = document.createElement('vscode-progress-bar');
  private readonly stats = el('div', { className: 'stats' });
  private readonly stop = document.createElement('vscode-button');
  private readonly resume = document.createElement('vscode-button');

  constructor(parent: HTMLElement, onStop: () => void, onResume: () => void) {
    this.stop.textContent = 'Stop';
    this.stop.id = 'stop-run';
    this.stop.setAttribute('secondary', '');
    this.stop.addEventListener('click', onStop);
    this.resume.textContent = 'Resume';
    this.resume.id = 'resume-run';
    this.resume.title = 'Continue training from the run’s checkpoint';
    this.resume.addEventListener('click', onResume);
    parent.append(
      el('header', { className: 'run-header' }, [
        el('div', { className: 'title-row' }, [
          this.name,
          this.status,
          this.details,
          el('span', { className: 'spacer' }),
          this.stop,
          this.resume,
        ]),
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
    // no bar for a run of unknown length (a Megatron-LM import), rather than a full one
    this.progress.hidden = header.totalSteps <= 0;
    this.progress.max = Math.max(1, header.totalSteps);
    this.progress.value = header.step;
    this.stats.textContent = runHeaderStats(header);
    this.stop.hidden = !stoppable(run);
    this.resume.hidden = !resumable(run);
  }
}

/** Compare mode: one line per run, in its curve colour. */
export class CompareHeaderView {
  private readonly list = el('ul', { className: 'run-legend' });

  constructor(parent: HTMLElement) {
    parent.append(el('header', { className: 'run-header' }, [el('h1', { text: 'Compare runs' }), this.list]));
  }

  update(runs: RunSnapshot[], theme: Theme): void {
    // Nearly equal val losses get the digits that tell them apart (2.5104 / 2.5137, not 2.51 / 2.51).
    const valLosses = formatDistinct(
      runs.map((run) => run.state.valLoss.points.at(-1)?.y),
      4,
    );
    // A run's colour is its seed group's, as its curves are drawn (compare.ts).
    const groupIndex = new Map(
      groupBySeed(runs, (run) => run.state.seedGroup).flatMap((group, g) => group.members.map((run) => [run, g])),
    );
    this.list.replaceChildren(
      ...runs.map((run, i) => {
        const swatch = el('span', { className: 'swatch' });
        swatch.style.backgroundColor = paletteColor(theme, groupIndex.get(run) ?? i);
        const { state } = run;
        return el('li', {}, [
          swatch,
          el('strong', { text: run.header.name }),
          ` ${shortRunId(run.header.id)} · ${run.header.balancer} · ${run.header.status} · ${stepOfTotal(run.header)}`,
          state.valLoss.points.length > 0 && ` · val loss ${valLosses[i]}`,
        ]);
      }),
    );
  }
}
