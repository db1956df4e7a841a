/**
 * Colours from the VS Code theme: the --vscode-* CSS variables VS Code sets on the webview and the
 * vscode-light/dark/high-contrast body class. onThemeChange fires when either changes.
 */
import { themeKindOf, type ThemeKind } from '../model/colors';

export interface Theme {
  kind: ThemeKind;
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  fontFamily: string;
  /** series colours: VS Code's chart colours first */
  palette: string[];
}

const css = (name: string, fallback: string) =>
  getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

export function readTheme(): Theme {
  const kind = themeKindOf([...document.body.classList]);
  const dark = kind === 'dark' || kind === 'high-contrast';
  return {
    kind,
    foreground: css('--vscode-foreground', dark ? '#cccccc' : '#3b3b3b'),
    muted: css('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    grid: css('--vscode-charts-lines', dark ? 'rgba(204,204,204,0.25)' : 'rgba(59,59,59,0.2)'),
    background: css('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    fontFamily: css('--vscode-font-family', 'sans-serif'),
    palette: [
      css('--vscode-charts-blue', '#3794ff'),
      css('--vscode-charts-red', '#f14c4c'),
      css('--vscode-charts-green', '#89d185'),
      css('--vscode-charts-orange', '#d18616'),
      css('--vscode-charts-purple', '#b180d7'),
      css('--vscode-charts-yellow', '#cca700'),
      dark ? '#4ec9b0' : '#16825d',
      dark ? '#ce9178' : '#a31515',
    ],
  };
}

export const paletteColor = (theme: Theme, i: number) => theme.palette[i % theme.palette.length];

/** Calls back (once per frame at most) when the body class or the theme variables change. */
export function onThemeChange(callback: () => void): void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      callback();
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
