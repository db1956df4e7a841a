/**
 * The routing sample: each token of the fixed validation snippet coloured by its top expert, per layer,
 * with a legend of the experts' colours. A grid for the keyboard (one tab stop, roving tabindex: arrows
 * move between tokens and layers, Home/End to a row's ends); each token's experts and gates are its
 * accessible name and show in a styled tooltip on hover and focus.
 */
import { EXPERT_PALETTE, expertColor, rgbCss, textColorOn } from '../model/colors';
import { card, el } from '../shared/dom';
import type { Section } from '../shared/section';
import { Tooltip } from '../shared/tooltip';
import type { RunSource } from './context';

const visible = (token: string) => token.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '·') || '∅';

/** "layer 1, token 3 "e": expert 5 (gate 0.620), expert 2 (gate 0.380)" */
export function describeToken(
  layer: number,
  index: number,
  token: string,
  experts: readonly number[],
  gates: readonly number[],
): string {
  const picks = experts.map((e, k) => `expert ${e} (gate ${(gates[k] ?? NaN).toFixed(3)})`);
  return `layer ${layer}, token ${index + 1} ${JSON.stringify(token)}: ${picks.join(', ')}`;
}

/** Swatches of the top experts in the sample; past 64 of them colours repeat, so only a note. */
function legend(experts: number[], total: number): HTMLElement {
  if (experts.length > EXPERT_PALETTE.length) {
    const text = `Top expert: ${experts.length} different experts in this sample; colours repeat every ${EXPERT_PALETTE.length} experts (${total} in all), so hover or focus a token for its experts.`;
    return el('div', { className: 'expert-legend' }, [el('span', { className: 'note', text })]);
  }
  const repeat =
    total > EXPERT_PALETTE.length ? ` Colours repeat every ${EXPERT_PALETTE.length} experts (${total} in all).` : '';
  return el('div', { className: 'expert-legend' }, [
    el('span', { className: 'note', text: `Top expert:${repeat}` }),
    el(
      'ul',
      { attrs: { 'aria-label': 'colour of each top expert in the sample' } },
      experts.map((e) => {
        const swatch = el('span', { className: 'legend-swatch', attrs: { 'aria-hidden': 'true' } });
        swatch.style.backgroundColor = rgbCss(expertColor(e));
        return el('li', {}, [swatch, `e${e}`]);
      }),
    ),
  ]);
}

export function tokenRoutingCard(parent: HTMLElement, run: RunSource): Section {
  const note = el('p', { className: 'note' });
  const legendBox = el('div');
  const rows = el('div', {
    className: 'token-rows',
    attrs: { role: 'grid', 'aria-label': 'tokens of the validation snippet by layer; arrow keys move' },
  });
  const tooltip = new Tooltip('token-tooltip');
  const element = card('Token routing', [note, legendBox, rows, tooltip.element], 'wide');
  parent.append(element);
  let drawnStep = -1;
  let focus = { layer: 0, token: 0 };

  const cellOf = (layer: number, token: number) => rows.children[layer]?.children[token + 1] as HTMLElement | undefined;
  const moveTo = (layer: number, token: number, takeFocus: boolean) => {
    const cell = cellOf(layer, token);
    if (!cell) return;
    cellOf(focus.layer, focus.token)?.setAttribute('tabindex', '-1');
    cell.setAttribute('tabindex', '0');
    focus = { layer, token };
    if (takeFocus) cell.focus();
  };
  const showTip = (cell: HTMLElement) => {
    const box = cell.getBoundingClientRect();
    tooltip.show(cell.getAttribute('aria-label') ?? '', box.left, box.bottom - 8);
  };
  rows.addEventListener('keydown', (event) => {
    const layers = rows.children.length;
    const tokens = (rows.children[focus.layer]?.children.length ?? 1) - 1;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [focus.layer, focus.token - 1],
      ArrowRight: [focus.layer, focus.token + 1],
      ArrowUp: [focus.layer - 1, focus.token],
      ArrowDown: [focus.layer + 1, focus.token],
      Home: [focus.layer, 0],
      End: [focus.layer, tokens - 1],
    };
    const target = moves[event.key];
    if (!target) return;
    event.preventDefault();
    moveTo(Math.max(0, Math.min(layers - 1, target[0])), Math.max(0, Math.min(tokens - 1, target[1])), true);
  });
  rows.addEventListener('focusin', (event) => {
    const cell = event.target as HTMLElement;
    if (!cell.classList.contains('token')) return;
    focus = { layer: Number(cell.dataset.layer), token: Number(cell.dataset.token) };
    showTip(cell);
  });
  rows.addEventListener('focusout', () => tooltip.hide());
  rows.addEventListener('mouseover', (event) => {
    const cell = (event.target as HTMLElement).closest<HTMLElement>('.token');
    if (cell) showTip(cell);
  });
  rows.addEventListener('mouseleave', () => tooltip.hide());

  return {
    element,
    update() {
      const state = run().state;
      const routing = state.routing;
      if (!routing || routing.step === drawnStep) return;
      drawnStep = routing.step;
      const { tokens, experts, gates } = routing.sample;
      note.textContent = `Validation snippet at step ${routing.step}; colour = the expert with the highest gate. Hover or focus a token for its experts and gates.`;
      const tops = [...new Set(experts.flatMap((perToken) => perToken.map((picks) => picks[0] ?? 0)))].sort(
        (a, b) => a - b,
      );
      legendBox.replaceChildren(legend(tops, state.experts));
      focus = { layer: Math.min(focus.layer, experts.length - 1), token: Math.min(focus.token, tokens.length - 1) };
      rows.replaceChildren(
        ...experts.map((perToken, layer) =>
          el('div', { className: 'token-row', attrs: { role: 'row' } }, [
            el('span', { className: 'token-layer', text: `L${layer}`, attrs: { role: 'rowheader' } }),
            ...tokens.map((token, t) => {
              const picks = perToken[t] ?? [];
              const color = expertColor(picks[0] ?? 0);
              const span = el('span', {
                className: 'token',
                text: visible(token),
                attrs: {
                  role: 'gridcell',
                  tabindex: layer === focus.layer && t === focus.token ? '0' : '-1',
                  'aria-label': describeToken(layer, t, token, picks, gates[layer]?.[t] ?? []),
                  'data-layer': String(layer),
                  'data-token': String(t),
                },
              });
              span.style.backgroundColor = rgbCss(color);
              span.style.color = rgbCss(textColorOn(color));
              return span;
            }),
          ]),
        ),
      );
    },
  };
}
