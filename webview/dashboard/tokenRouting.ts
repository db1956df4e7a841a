/** The routing sample: each token of the fixed validation snippet coloured by its top expert, per layer. */
import { expertColor, rgbCss, textColorOn } from '../model/colors';
import { card, el } from '../shared/dom';
import type { Section } from '../shared/section';
import type { RunSource, ViewContext } from './context';

const visible = (token: string) => token.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '·') || '∅';

export function tokenRoutingCard(parent: HTMLElement, run: RunSource, ctx: ViewContext): Section {
  const note = el('p', { className: 'note' });
  const rows = el('div', { className: 'token-rows' });
  parent.append(card('Token routing', [note, rows], 'wide'));
  let drawnStep = -1;
  return {
    update() {
      const routing = run().state.routing;
      if (!routing || routing.step === drawnStep) return;
      drawnStep = routing.step;
      const { tokens, experts, gates } = routing.sample;
      note.textContent = `Validation snippet at step ${routing.step}; colour = the expert with the highest gate. Hover a token for its experts and gates.`;
      rows.replaceChildren(
        ...experts.map((perToken, layer) =>
          el('div', { className: 'token-row' }, [
            el('span', { className: 'token-layer', text: `L${layer}` }),
            ...tokens.map((token, t) => {
              const top = perToken[t]?.[0] ?? 0;
              const color = expertColor(top, ctx.theme.kind);
              const picks = (perToken[t] ?? []).map((e, k) => `expert ${e} (gate ${(gates[layer]?.[t]?.[k] ?? NaN).toFixed(3)})`);
              const span = el('span', { className: 'token', text: visible(token), title: `layer ${layer} · ${JSON.stringify(token)}: ${picks.join(', ')}` });
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
