/** Loss-free balancing: each expert's bias over time for the chosen layer, and its current values as bars. */
import { expertColor, rgbCss } from '../model/colors';
import { createBarChart } from '../shared/charts';
import { el } from '../shared/dom';
import { lineChartCard, type Section } from '../shared/section';
import type { RunSource, ViewContext } from './context';

export function biasCards(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section[] {
  const experts = run().state.experts;
  const color = (e: number) => rgbCss(expertColor(e));
  const overTime = lineChartCard(parent, ctx, {
    id: 'chart-bias',
    title: 'Bias per expert',
    note:
      run().state.bias.length > 0
        ? 'b_i of the chosen layer: raised for under-loaded experts, lowered for over-loaded ones.'
        : `Not kept for ${run().state.layers} × ${experts} experts (curves are kept up to 4,096 layer × expert curves); the current biases are beside.`,
    lines: () =>
      (run().state.bias[ctx.choices.layer] ?? []).map((series, e) => ({
        label: `e${e}`,
        points: series.points,
        color: color(e),
        width: 1,
      })),
    options: { yTitle: 'bias', legend: experts <= 16, logAllowed: false },
    usesChoices: true,
  });
  const canvas = el('canvas', {
    id: 'chart-bias-now',
    attrs: { role: 'img', 'aria-label': 'current bias per expert' },
  });
  const title = el('h2');
  parent.append(el('section', { className: 'card' }, [title, el('div', { className: 'chart-box' }, [canvas])]));
  const labels = Array.from({ length: experts }, (_, e) => `e${e}`);
  const current = () => run().state.lastBias?.[ctx.choices.layer] ?? new Array<number>(experts).fill(0);
  const bars = createBarChart(
    canvas,
    ctx.theme,
    labels,
    current(),
    labels.map((_, e) => color(e)),
    'bias now',
  );
  const now: Section = {
    usesChoices: true,
    update() {
      title.textContent = `Current bias (layer ${ctx.choices.layer}, step ${run().state.step})`;
      bars.data.datasets[0].data = current().slice();
      bars.update('none');
    },
    destroy: () => bars.destroy(),
  };
  return [overTime, now];
}
