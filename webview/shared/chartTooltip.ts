/**
 * The tooltip of a synced line chart: "step 145 · 1:05 in" (or a time on a per-run time axis), then
 * every curve's value as of that x, the raw value beside a smoothed one, and where a sparse curve's
 * point is when it is an earlier one (an evaluation). Built from DOM nodes, never HTML strings.
 */
import type { Chart } from 'chart.js';
import type { Point } from '../../protocol/runModel/series';
import { indexAtOrBefore, valueAt } from './chartData';
import type { DatasetRole } from './charts';
import { el } from './dom';

const value = (y: number) =>
  Math.abs(y) >= 1e4 || (Math.abs(y) < 1e-3 && y !== 0) ? y.toExponential(3) : y.toPrecision(4);

export class ChartTooltip {
  private readonly box = el('div', { className: 'chart-tooltip', attrs: { role: 'status', 'aria-live': 'off' } });

  constructor(parent: HTMLElement) {
    this.box.hidden = true;
    parent.append(this.box);
  }

  /**
   * At chart x `x` (a step, or a time on a per-run time axis): `title` heads the list; `earlier` says
   * where a curve's point before x is ("at step 100"), or nothing.
   */
  show(
    chart: Chart<'line', Point[]>,
    x: number,
    roles: readonly DatasetRole[],
    title: string,
    earlier: (x: number, role: DatasetRole) => string | undefined,
  ): void {
    const rows: HTMLElement[] = [];
    const raws = new Map(roles.map((role, i) => [role.line, i] as const).filter(([, i]) => roles[i].ghost));
    roles.forEach((role, i) => {
      if (role.ghost || role.bound) return;
      const point = valueAt(role.points, x);
      if (!point) return;
      const shown = role.smoothed ? valueAt(chart.data.datasets[i].data, x) : point;
      const swatch = el('span', { className: 'swatch' });
      swatch.style.backgroundColor = role.line.color;
      const spread = role.band?.[indexAtOrBefore(role.band, x)];
      const extra = [
        role.smoothed && raws.has(role.line) && `raw ${value(point.y)}`,
        spread && `min–max ${value(spread.min)}–${value(spread.max)} · sd ${value(spread.sd)} · ${spread.n} seeds`,
        point.x !== x && earlier(point.x, role),
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
    this.box.replaceChildren(el('div', { className: 'tooltip-title', text: title }), ...rows);
    this.box.hidden = rows.length === 0;
    // Beside the crosshair, on the side with room.
    const px = chart.scales.x.getPixelForValue(x);
    const area = chart.chartArea;
    const right = px < (area.left + area.right) / 2;
    this.box.style.left = right ? `${px + 12}px` : '';
    this.box.style.right = right ? '' : `${chart.width - px + 12}px`;
    this.box.style.top = `${area.top + 4}px`;
  }

  hide(): void {
    this.box.hidden = true;
  }

  destroy(): void {
    this.box.remove();
  }
}
