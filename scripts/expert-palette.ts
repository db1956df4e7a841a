/**
 * Generates EXPERT_PALETTE (webview/model/colors.ts): 64 colours picked greedily from an sRGB grid so
 * that each next colour is as far as possible (CIEDE2000, the smallest over normal vision,
 * deuteranopia and protanopia) from those already picked; so the first n colours suit n experts.
 * Lightness is kept in a band readable as a line on dark and light editor backgrounds.
 * Run: npx esbuild scripts/expert-palette.ts --bundle --platform=node --log-level=warning | node
 */
import { ciede2000, rgbToLab, simulate, type Vision } from '../webview/model/colorVision';
import type { Rgb } from '../webview/model/colors';

const VISIONS: Vision[] = ['normal', 'deuteranopia', 'protanopia'];
const LEVELS = Array.from({ length: 18 }, (_, i) => Math.round((i * 255) / 17));
const candidates: { rgb: Rgb; labs: number[][] }[] = [];
for (const r of LEVELS)
  for (const g of LEVELS)
    for (const b of LEVELS) {
      const rgb: Rgb = [r, g, b];
      const L = rgbToLab(rgb)[0];
      if (L < 42 || L > 80) continue;
      candidates.push({ rgb, labs: VISIONS.map((v) => rgbToLab(simulate(rgb, v))) });
    }
// Start from a strong orange-ish colour, then farthest-point selection.
const picked: typeof candidates = [];
const distance = candidates.map(() => Infinity);
let next = candidates.reduce(
  (best, c, i) =>
    Math.hypot(c.rgb[0] - 230, c.rgb[1] - 120, c.rgb[2] - 0) <
    Math.hypot(candidates[best].rgb[0] - 230, candidates[best].rgb[1] - 120, candidates[best].rgb[2])
      ? i
      : best,
  0,
);
while (picked.length < 64) {
  const chosen = candidates[next];
  picked.push(chosen);
  candidates.forEach((c, i) => {
    const d = Math.min(...VISIONS.map((_, v) => ciede2000(c.labs[v], chosen.labs[v])));
    distance[i] = Math.min(distance[i], d);
  });
  next = distance.reduce((best, d, i) => (d > distance[best] ? i : best), 0);
}
const hex = (c: Rgb) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const lines = [];
for (let i = 0; i < picked.length; i += 8)
  lines.push(
    `  ${picked
      .slice(i, i + 8)
      .map((c) => `'${hex(c.rgb)}'`)
      .join(', ')},`,
  );
console.log(`export const EXPERT_PALETTE_HEX = [\n${lines.join('\n')}\n] as const;`);
