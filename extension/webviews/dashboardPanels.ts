/**
 * Dashboard panels: one per run (or per set of compared runs), opened beside the active editor, and
 * brought back after a window reload by the panel serializer from the webview's saved state.
 */
import * as vscode from 'vscode';
import { parseDashboardViewState } from '../../protocol/webviewMessages';
import type { RunRegistry } from '../runs/types';
import { WebviewConnection } from './connection';
import { saveExport } from './exportFile';
import { loadBundle } from './page';
import type { RunFeed } from './runFeed';
import { shortRunId } from '../../protocol/runLabels';
import { dashboardTitle, parseDashboardTitle, type DashboardMode } from './titles';

export const DASHBOARD_VIEW_TYPE = 'moeLens.dashboard';

type Mode = DashboardMode;
const keyOf = (runIds: readonly string[], mode: Mode) => `${mode}:${[...runIds].sort().join('\n')}`;

export class DashboardPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunRegistry,
    private readonly feed: RunFeed,
    private readonly log: (message: string) => void,
    private readonly trace?: (message: string) => void,
  ) {}

  /** Shows the dashboard of these runs, reusing an open one. */
  open(runIds: string[], mode: Mode): void {
    this.trace?.(`dashboard of ${runIds.join(', ')} (${mode}) asked for at ${new Date().toISOString()}`);
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

  /**
   * A panel VS Code restored after a reload, with the state the webview saved. The registry may still
   * be scanning the runs folder: the connection sends the runs once they are known.
   */
  revive(panel: vscode.WebviewPanel, saved: unknown): void {
    const state = parseDashboardViewState(saved);
    if (state) {
      this.adopt(panel, state.runIds, state.mode);
      return;
    }
    // The workbench saved the editor before the webview saved its state: find the runs by the title.
    const wanted = parseDashboardTitle(panel.title);
    if (!wanted) {
      this.log(`a restored dashboard "${panel.title}" has no saved runs; closing it`);
      panel.dispose();
      return;
    }
    const find = () => {
      const ids = wanted.shortIds.map((short) => this.runs.list().find((run) => shortRunId(run.id) === short)?.id);
      return ids.every((id) => id !== undefined) ? ids : undefined;
    };
    const found = find();
    if (found) {
      this.adopt(panel, found, wanted.mode);
      return;
    }
    const connection = this.adopt(panel, [], wanted.mode);
    const waiting = this.runs.onDidChangeRuns(() => {
      const ids = find();
      if (!ids) return;
      waiting.dispose();
      connection.setRuns(ids);
    });
    panel.onDidDispose(() => {
      waiting.dispose();
    });
  }

  private title(runIds: string[], mode: Mode): string {
    return dashboardTitle(
      runIds.map((id) => this.runs.get(id) ?? { id, name: id }),
      mode,
    );
  }

  /** Titles the panel with the run names; right after a reload the registry may not know them yet. */
  private titleWhenKnown(panel: vscode.WebviewPanel, runIds: string[], mode: Mode): void {
    const known = () => runIds.every((id) => this.runs.get(id));
    panel.title = this.title(runIds, mode);
    if (known()) return;
    const waiting = this.runs.onDidChangeRuns(() => {
      if (!known()) return;
      waiting.dispose();
      panel.title = this.title(runIds, mode);
    });
    panel.onDidDispose(() => {
      waiting.dispose();
    });
  }

  private adopt(panel: vscode.WebviewPanel, runIds: string[], mode: Mode): WebviewConnection {
    const key = keyOf(runIds, mode);
    this.panels.set(key, panel);
    if (runIds.length) this.titleWhenKnown(panel, runIds, mode);
    // An SVG tab icon is drawn as an image: currentColor would be black on every theme.
    panel.iconPath = {
      light: vscode.Uri.joinPath(this.extensionUri, 'media', 'moe-lens-light.svg'),
      dark: vscode.Uri.joinPath(this.extensionUri, 'media', 'moe-lens-dark.svg'),
    };
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
      trace: this.trace,
      onMessage: (message) => {
        if (message.type === 'stop') void this.runs.stop(message.runId);
        if (message.type === 'openDashboard') this.open([message.runId], 'single');
        if (message.type === 'exportFile') void saveExport(message, this.log);
        if (message.type === 'resume') void vscode.commands.executeCommand('moeLens.resumeRun', message.runId);
      },
    });
    panel.onDidDispose(() => {
      connection.dispose();
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
    return connection;
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
  }
}
