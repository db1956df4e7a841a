/**
 * The dashboard's one chart toolbar: smoothing (EMA), linear/log y, the x axis (step, time since
 * start, wall-clock time), reset zoom, and the step scrubber with a play button that moves the
 * marker on every chart and the step the heatmaps show. Native form controls: keyboard and screen
 * readers work as everywhere.
 */
import type { ChartSync, XAxisMode, YScale } from '../shared/chartView';
import { el } from '../shared/dom';

/** A play-through of the whole range takes this long. */
const PLAY_SECONDS = 8;

function select<T extends string>(
  id: string,
  options: [T, string][],
  value: T,
  onChange: (value: T) => void,
): HTMLSelectElement {
  const node = el(
    'select',
    { id, className: 'toolbar-select' },
    options.map(([v, text]) => el('option', { text, attrs: { value: v } })),
  );
  node.value = value;
  node.addEventListener('change', () => onChange(node.value as T));
  return node;
}

const labelled = (text: string, forId: string, control: HTMLElement) =>
  el('span', { className: 'toolbar-item' }, [el('label', { text, attrs: { for: forId } }), control]);

export class ChartToolbar {
  private readonly smoothing: HTMLInputElement;
  private readonly smoothingValue = el('output', { id: 'smoothing-value', attrs: { for: 'smoothing' } });
  private readonly yScale: HTMLSelectElement;
  private readonly xAxis: HTMLSelectElement;
  private readonly resetZoom: HTMLButtonElement;
  private readonly scrubber: HTMLInputElement;
  private readonly scrubLabel = el('output', {
    id: 'scrub-label',
    className: 'scrub-label',
    attrs: { for: 'step-scrubber' },
  });
  private readonly play: HTMLButtonElement;
  private playing: number | undefined;
  readonly element: HTMLElement;

  constructor(private readonly sync: ChartSync) {
    const { settings } = sync;
    this.smoothing = el('input', {
      id: 'smoothing',
      attrs: {
        type: 'range',
        min: '0',
        max: '0.99',
        step: '0.01',
        value: String(settings.smoothing),
        'aria-describedby': 'smoothing-value',
      },
    });
    this.smoothing.addEventListener('input', () => sync.update({ smoothing: Number(this.smoothing.value) }));
    this.yScale = select<YScale>(
      'y-scale',
      [
        ['linear', 'linear'],
        ['log', 'log'],
      ],
      settings.yScale,
      (yScale) => sync.update({ yScale }),
    );
    this.xAxis = select<XAxisMode>(
      'x-axis',
      [
        ['step', 'step'],
        ['relative', 'time since start'],
        ['wall', 'wall-clock time'],
      ],
      settings.xAxis,
      (xAxis) => sync.update({ xAxis }),
    );
    this.resetZoom = el('button', {
      id: 'reset-zoom',
      className: 'toolbar-button',
      text: 'Reset zoom',
      attrs: { type: 'button', title: 'Show every step again (or double-click a chart)' },
    });
    this.resetZoom.addEventListener('click', () => sync.setZoom(undefined));
    this.play = el('button', {
      id: 'scrub-play',
      className: 'toolbar-button',
      text: '▶',
      attrs: { type: 'button', 'aria-label': 'Play through the steps' },
    });
    this.play.addEventListener('click', () => (this.playing === undefined ? this.start() : this.pause()));
    this.scrubber = el('input', {
      id: 'step-scrubber',
      className: 'step-scrubber',
      attrs: {
        type: 'range',
        min: '0',
        max: '1',
        step: '1',
        value: '1',
        'aria-label': 'step shown by the marker and the heatmaps',
      },
    });
    this.scrubber.addEventListener('input', () => {
      const step = Number(this.scrubber.value); // before pause(), which redraws the toolbar from the sync
      this.pause();
      this.scrubTo(step);
    });
    this.element = el('div', { className: 'chart-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Charts' } }, [
      el('div', { className: 'toolbar-line' }, [
        labelled('Smoothing', 'smoothing', this.smoothing),
        this.smoothingValue,
        labelled('y', 'y-scale', this.yScale),
        labelled('x', 'x-axis', this.xAxis),
        this.resetZoom,
        el('span', {
          className: 'toolbar-hint',
          text: 'Drag on a chart to zoom, Shift+drag to pan, double-click to reset.',
        }),
      ]),
      el('div', { className: 'toolbar-line' }, [
        this.play,
        labelled('Step', 'step-scrubber', this.scrubber),
        this.scrubLabel,
      ]),
    ]);
    sync.onChange(() => this.update());
    this.update();
  }

  /** The scrubber to `step`; the end of the range follows the latest step. */
  private scrubTo(step: number): void {
    this.sync.setScrub(step >= this.sync.domain.max ? undefined : step);
  }

  private start(): void {
    const { min, max } = this.sync.domain;
    if (this.sync.scrub === undefined) this.sync.setScrub(min);
    const perSecond = Math.max(1, (max - min) / PLAY_SECONDS);
    let last = performance.now();
    const tick = (now: number) => {
      const from = this.sync.scrub ?? this.sync.domain.max;
      const next = Math.min(this.sync.domain.max, from + Math.max(1, Math.round(((now - last) / 1000) * perSecond)));
      last = now;
      this.scrubTo(next);
      if (next >= this.sync.domain.max) return this.pause();
      this.playing = requestAnimationFrame(tick);
    };
    this.playing = requestAnimationFrame(tick);
    this.update();
  }

  private pause(): void {
    if (this.playing !== undefined) cancelAnimationFrame(this.playing);
    this.playing = undefined;
    this.update();
  }

  /** Shows the sync's state: after a change made here, on a chart (zoom) or by the data (domain). */
  update(): void {
    const { settings, domain, zoom, scrub, clock, runClocks } = this.sync;
    const timed = clock !== undefined || runClocks !== undefined;
    this.smoothing.value = String(settings.smoothing);
    this.smoothingValue.textContent = settings.smoothing > 0 ? settings.smoothing.toFixed(2) : 'off';
    this.yScale.value = settings.yScale;
    this.xAxis.value = settings.xAxis;
    for (const option of this.xAxis.options) option.disabled = option.value !== 'step' && !timed;
    this.xAxis.title = timed ? '' : 'The run has no timed steps yet';
    this.resetZoom.disabled = zoom === undefined;
    this.scrubber.min = String(domain.min);
    this.scrubber.max = String(domain.max);
    this.scrubber.value = String(scrub ?? domain.max);
    const step = (scrub ?? domain.max).toLocaleString('en-US');
    this.scrubLabel.textContent = scrub === undefined ? `step ${step} · latest` : `step ${step}`;
    this.play.textContent = this.playing === undefined ? '▶' : '❚❚';
    this.play.setAttribute('aria-label', this.playing === undefined ? 'Play through the steps' : 'Pause');
  }

  destroy(): void {
    this.pause();
    this.element.remove();
  }
}
