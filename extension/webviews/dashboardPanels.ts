/**
 * Dashboard panels: one per run (or per set of compared runs), opened beside the active editor, and
 * brought back after a window reload by the panel serializer from the webview's saved state.
 */
import * as vscode from 'vscode';
import { parseDashboardViewState, type DashboardViewState } from '../../protocol/webviewMessages';
import type { RunRegistry } from '../runs/types';
import { WebviewConnection } from './connection';
import { loadBundle } from './page';
import type { RunFeed } from './runFeed';

export const DASHBOARD_VIEW_TYPE = 'moeLens.dashboard';

type Mode = DashboardViewState['mode'];
const keyOf = (runIds: readonly string[], mode: Mode) => `${mode}:${[...runIds].sort().join('\n')}`;

export class DashboardPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunRegistry,
    private readonly feed: RunFeed,
    private readonly log: (message: string) => void,
  ) {}

  /** Shows the dashboard of these runs, reusing an open one. */
  open(runIds: string[], mode: Mode): void {
    const existing = this.panels.get(keyOf(runIds, mode));
    if (existing) {
      existing.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      this.title(runIds, mode),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, enableFindWidget: true },
    );
    this.adopt(panel, runIds, mode);
  }

  /** A panel VS Code restored after a reload, with the state the webview saved. */
  revive(panel: vscode.WebviewPanel, saved: unknown): void {
    const state = parseDashboardViewState(saved);
    if (!state) {
      this.log('a restored dashboard had no saved runs; closing it');
      panel.dispose();
      return;
    }
    // The registry may still be scanning the runs folder: the connection sends the runs once known.
    this.adopt(panel, state.runIds, state.mode);
  }

  private title(runIds: string[], mode: Mode): string {
    const names = runIds.map((id) => this.runs.get(id)?.name ?? id);
    return mode === 'compare' ? `Compare: ${names.join(', ')}` : `MoE Lens: ${names[0]}`;
  }

  private adopt(panel: vscode.WebviewPanel, runIds: string[], mode: Mode): void {
    const key = keyOf(runIds, mode);
    this.panels.set(key, panel);
    panel.title = this.title(runIds, mode);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'moe-lens.svg');
    loadBundle(panel.webview, this.extensionUri, 'dashboard', panel.title);
    const connection = new WebviewConnection({
      webview: panel.webview,
      runs: this.runs,
      feed: this.feed,
      mode,
      runIds,
      isVisible: () => panel.visible,
      onDidChangeVisibility: panel.onDidChangeViewState,
      log: this.log,
      onMessage: (message) => {
        if (message.type === 'stop') void this.runs.stop(message.runId);
        if (message.type === 'openDashboard') this.open([message.runId], 'single');
      },
    });
    panel.onDidDispose(() => {
      connection.dispose();
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
  }
}
