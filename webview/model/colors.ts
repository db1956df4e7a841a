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

/**
 * Expert colours, distinct for up to 64 experts for normal vision and for deuteranopes and protanopes:
 * picked greedily by scripts/expert-palette.ts so the first n are the most distinct n (smallest
 * CIEDE2000 between two of the first 8: ≥ 16, of all 64: ≥ 4; test/unit/palette.test.ts checks it).
 */
export const EXPERT_PALETTE_HEX = [
  '#e17800',
  '#870fff',
  '#c3c3d2',
  '#696969',
  '#d2c3a5',
  '#a596ff',
  '#a54b1e',
  '#9687a5',
  '#878769',
  '#785a87',
  '#ffb45a',
  '#a59696',
  '#7878c3',
  '#875a4b',
  '#b4c3ff',
  '#96a569',
  '#c3693c',
  '#96a5d2',
  '#c3b4b4',
  '#a56987',
  '#963cb4',
  '#a569ff',
  '#a5a5b4',
  '#96a587',
  '#787869',
  '#d20f4b',
  '#d2c387',
  '#f00fd2',
  '#e1a500',
  '#c30f87',
  '#a56900',
  '#8778a5',
  '#e1784b',
  '#b4b4d2',
  '#7869a5',
  '#c3b4a5',
  '#a5b487',
  '#a58796',
  '#964bff',
  '#e1a55a',
  '#c3695a',
  '#b44b78',
  '#878778',
  '#b4a5f0',
  '#875a5a',
  '#e1c300',
  '#5aa500',
  '#968787',
  '#78693c',
  '#a596b4',
  '#f04b78',
  '#969687',
  '#c32d5a',
  '#008778',
  '#d278e1',
  '#ff783c',
  '#87d2c3',
  '#ff7869',
  '#b400d2',
  '#00d2e1',
  '#c378c3',
  '#b43c96',
  '#c35a96',
  '#b4a5a5',
] as const;

const fromHex = (hex: string): Rgb => [
  parseInt(hex.slice(1, 3), 16),
  parseInt(hex.slice(3, 5), 16),
  parseInt(hex.slice(5, 7), 16),
];
export const EXPERT_PALETTE: readonly Rgb[] = EXPERT_PALETTE_HEX.map(fromHex);

/** The colour of an expert; beyond 64 experts colours repeat (expert e and e + 64 share one). */
export const expertColor = (expert: number): Rgb =>
  EXPERT_PALETTE[((expert % EXPERT_PALETTE.length) + EXPERT_PALETTE.length) % EXPERT_PALETTE.length];

export const rgbCss = (c: Rgb, alpha = 1) =>
  alpha === 1 ? `rgb(${c[0]}, ${c[1]}, ${c[2]})` : `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;

/** Black or white, whichever reads better on the colour (WCAG relative luminance). */
export function textColorOn(c: Rgb): Rgb {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  return luminance > 0.179 ? [0, 0, 0] : [255, 255, 255];
}
