/**
 * The HTML page of a MoE Lens webview: a strict Content Security Policy (nothing but our own
 * stylesheets, images, fonts and nonce-tagged scripts from the extension's resource origin), no
 * inline script or style, and no run data in the markup — the data come by postMessage.
 * Pure (no vscode import) so the Chromium tests serve the very same page.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  title: string;
  /** webview.cspSource: the origin the resources below are served from */
  cspSource: string;
  styles: string[];
  scripts: string[];
  nonce?: string;
}

export const createNonce = () => randomBytes(18).toString('base64');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function webviewHtml(page: WebviewPage): string {
  const nonce = page.nonce ?? createNonce();
  const attr = escapeAttribute;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(page.cspSource, nonce))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    ...page.styles.map((href) => `<link rel="stylesheet" href="${attr(href)}">`),
    `<title>${attr(page.title)}</title>`,
    '</head>',
    '<body>',
    ...page.scripts.map((src) => `<script nonce="${attr(nonce)}" src="${attr(src)}"></script>`),
    '</body>',
    '</html>',
  ].join('\n');
}
