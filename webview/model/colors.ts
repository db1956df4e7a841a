/**
 * Colour scales, pure so tests can compute the colour a canvas pixel must have.
 * Theme kinds follow the body classes VS Code sets on a webview.
 */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
export type Rgb = readonly [number, number, number];

/** The theme of a webview from its body classes (vscode-light, vscode-dark, vscode-high-contrast[-light]). */
export function themeKindOf(classes: readonly string[]): ThemeKind {
  if (classes.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.includes('vscode-high-contrast')) return 'high-contrast';
  if (classes.includes('vscode-light')) return 'light';
  return 'dark';
}

interface Diverging {
  under: Rgb;
  balanced: Rgb;
  over: Rgb;
}

/** Under-loaded blue, balanced neutral close to the background, over-loaded red. */
const LOAD_SCALES: Record<ThemeKind, Diverging> = {
  light: { under: [33, 102, 172], balanced: [247, 247, 247], over: [178, 24, 43] },
  dark: { under: [67, 147, 195], balanced: [45, 45, 45], over: [214, 96, 77] },
  'high-contrast': { under: [30, 144, 255], balanced: [0, 0, 0], over: [255, 64, 64] },
  'high-contrast-light': { under: [0, 0, 192], balanced: [255, 255, 255], over: [192, 0, 0] },
};

/** The scale spans load 1/4 … 4 on a log₂ axis: ≤ 1/4 (and dead experts) full blue, ≥ 4 full red. */
export const LOAD_SCALE_OCTAVES = 2;

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  Math.round(a[0] + (b[0] - a[0]) * t),
  Math.round(a[1] + (b[1] - a[1]) * t),
  Math.round(a[2] + (b[2] - a[2]) * t),
];

/** Position of a normalised load on the scale: −1 (under) … 0 (balanced) … 1 (over). */
export function loadScalePosition(load: number): number {
  if (!(load > 0)) return -1;
  const t = Math.log2(load) / LOAD_SCALE_OCTAVES;
  return Math.max(-1, Math.min(1, t));
}

export function loadColor(load: number, theme: ThemeKind): Rgb {
  const scale = LOAD_SCALES[theme];
  const t = loadScalePosition(load);
  return t < 0 ? mix(scale.balanced, scale.under, -t) : mix(scale.balanced, scale.over, t);
}

/** A sequential scale from the balanced colour (0, harmless) to the over-loaded one (1, worst), for the layer statistics. */
export function severityColor(t: number, theme: ThemeKind): Rgb {
  const scale = LOAD_SCALES[theme];
  return mix(scale.balanced, scale.over, Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)));
}

/** HSL (h in degrees, s and l in 0…1) to RGB 0…255. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] =
    hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

const GOLDEN_ANGLE = 137.508;

/** A distinct colour per expert (golden-angle hues), darker on light themes so text stays readable. */
export function expertColor(expert: number, theme: ThemeKind): Rgb {
  const light = theme === 'light' || theme === 'high-contrast-light';
  return hslToRgb(expert * GOLDEN_ANGLE, 0.65, light ? 0.45 : 0.6);
}

export const rgbCss = (c: Rgb, alpha = 1) => (alpha === 1 ? `rgb(${c[0]}, ${c[1]}, ${c[2]})` : `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`);

/** Black or white, whichever reads better on the colour (WCAG relative luminance). */
export function textColorOn(c: Rgb): Rgb {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  return luminance > 0.179 ? [0, 0, 0] : [255, 255, 255];
}
