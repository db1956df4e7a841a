/** Sets up a webview with the bundle of one MoE Lens view, served from dist/webview only. */
import * as vscode from 'vscode';
import { webviewHtml } from './html';

export type WebviewBundle = 'dashboard' | 'routing';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}

export function loadBundle(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  bundle: WebviewBundle,
  title: string,
): void {
  webview.options = webviewOptions(extensionUri);
  const asset = (file: string) =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  webview.html = webviewHtml({
    title,
    cspSource: webview.cspSource,
    styles: [asset(`${bundle}.css`)],
    scripts: [asset(`${bundle}.js`)],
  });
}
