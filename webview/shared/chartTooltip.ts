/**
 * The tooltip of a synced line chart: "step 145" (and its time on a time axis), then every curve's
 * value as of that step, the raw value beside a smoothed one, and the step of a sparse curve's point
 * when it is an earlier one (an evaluation). Built from DOM nodes, never HTML strings.
 */
import type { Chart } from 'chart.js';
import type { Point } from '../../protocol/runModel/series';
import { indexAtOrBefore, valueAt } from './chartData';
import type { DatasetRole } from './charts';
import type { ChartSync } from './chartView';
import { el } from './dom';
import { formatClock, formatElapsed } from './timeFormat';

const value = (y: number) =>
  Math.abs(y) >= 1e4 || (Math.abs(y) < 1e-3 && y !== 0) ? y.toExponential(3) : y.toPrecision(4);

export class ChartTooltip {
  private readonly box = el('div', { className: 'chart-tooltip', attrs: { role: 'status', 'aria-live': 'off' } });

  constructor(parent: HTMLElement) {
    this.box.hidden = true;
    parent.append(this.box);
  }

  show(chart: Chart<'line', Point[]>, step: number, roles: readonly DatasetRole[], sync: ChartSync): void {
    const rows: HTMLElement[] = [];
    const raws = new Map(roles.map((role, i) => [role.line, i] as const).filter(([, i]) => roles[i].ghost));
    roles.forEach((role, i) => {
      if (role.ghost || role.bound) return;
      const points = role.line.points;
      const point = valueAt(points, step);
      if (!point) return;
      const shown = role.smoothed ? valueAt(chart.data.datasets[i].data, step) : point;
      const swatch = el('span', { className: 'swatch' });
      swatch.style.backgroundColor = role.line.color;
      const spread = role.band?.[indexAtOrBefore(role.band, step)];
      const extra = [
        role.smoothed && raws.has(role.line) && `raw ${value(point.y)}`,
        spread && `min–max ${value(spread.min)}–${value(spread.max)} · sd ${value(spread.sd)} · ${spread.n} seeds`,
        point.x !== step && `at step ${point.x.toLocaleString('en-US')}`,
      ].filter(Boolean);
      rows.push(
        el('div', { className: 'tooltip-row' }, [
          swatch,
          el('span', { className: 'tooltip-label', text: role.line.label }),
          el('span', { className: 'tooltip-value', text: value((shown ?? point).y) }),
          extra.length > 0 && el('span', { className: 'tooltip-extra', text: extra.join(' · ') }),
        ]),
      );
    });
    const clock = sync.clock;
    const t = clock?.timeOf(step);
    const when =
      t === undefined
        ? ''
        : sync.settings.xAxis === 'wall'
          ? ` · ${formatClock(t)}`
          : ` · ${formatElapsed((t - (clock?.start ?? t)) / 1000)} in`;
    this.box.replaceChildren(
      el('div', { className: 'tooltip-title', text: `step ${step.toLocaleString('en-US')}${when}` }),
      ...rows,
    );
    this.box.hidden = rows.length === 0;
    // Beside the crosshair, on the side with room.
    const x = chart.scales.x.getPixelForValue(step);
    const area = chart.chartArea;
    const right = x < (area.left + area.right) / 2;
    this.box.style.left = right ? `${x + 12}px` : '';
    this.box.style.right = right ? '' : `${chart.width - x + 12}px`;
    this.box.style.top = `${area.top + 4}px`;
  }

  hide(): void {
    this.box.hidden = true;
  }

  destroy(): void {
    this.box.remove();
  }
}
