/** End-of-run analysis: validation loss with the top-n experts dropped, and the Dynamic-K table. */
import { formatNumber, el, card } from '../shared/dom';
import { lineChartCard, type Section } from '../shared/section';
import { paletteColor } from '../shared/theme';
import type { RunSource, ViewContext } from './context';

export function analysisCards(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section[] {
  const analysis = () => run().state.analysis;
  const dropTop = lineChartCard(parent, ctx, {
    id: 'chart-drop-top',
    title: 'Drop top experts',
    note: 'Validation loss with each token’s top-n experts masked: a steep rise means tokens rely on few experts.',
    lines: () => [
      {
        label: 'val loss',
        points: (analysis()?.dropTopExperts ?? []).map((d) => ({ x: d.dropped, y: d.loss })),
        color: paletteColor(ctx.theme, 1),
        pointRadius: 3,
      },
    ],
    options: { xTitle: 'top experts dropped', yTitle: 'val loss', xIsStep: false },
  });
  const body = el('tbody');
  parent.append(
    card('Dynamic-K pruning', [
      el('p', { className: 'note', text: 'Selected experts whose gate is below the threshold are skipped.' }),
      el('table', { id: 'dynamic-k' }, [
        el('thead', {}, [
          el(
            'tr',
            {},
            ['gate threshold', 'perplexity', 'ms / token', 'experts / token'].map((h) => el('th', { text: h })),
          ),
        ]),
        body,
      ]),
    ]),
  );
  let drawnStep = -1;
  const table: Section = {
    update() {
      const a = analysis();
      if (!a || a.step === drawnStep) return;
      drawnStep = a.step;
      body.replaceChildren(
        ...a.dynamicK.map((row) =>
          el(
            'tr',
            {},
            [row.threshold, row.perplexity, row.msPerToken, row.meanExpertsPerToken].map((v) =>
              el('td', { text: formatNumber(v, 4) }),
            ),
          ),
        ),
      );
    },
  };
  return [dropTop, table];
}
