/**
 * Dashboard panels: one per run (or per set of compared runs), opened beside the active editor, and
 * brought back after a window reload by the panel serializer from the webview's saved state.
 *
 * A click in the Runs tree previews: it shows the run in one reused panel, as VS Code's preview editor
 * and the Markdown preview do. A new panel costs VS Code ≈ 1.3 s before our script runs (≈ 4 s for a
 * window's first), a reused one only the snapshot and the draw (≈ 0.3 s; docs/webview-bench.md).
 * Opening a run's dashboard any other way (Open Dashboard, Start Run, the status bar) takes over the
 * preview panel and keeps it: it stops being the preview, and the next click previews in a new panel.
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

/** The panel shares the group of the active text editor: revealed there, it would hide that editor. */
const coversActiveEditor = (panel: vscode.WebviewPanel) =>
  panel.viewColumn !== undefined && panel.viewColumn === vscode.window.activeTextEditor?.viewColumn;

interface Dashboard {
  panel: vscode.WebviewPanel;
  connection: WebviewConnection;
  mode: Mode;
  /** keyOf its runs and mode: its key in `panels` */
  key: string;
}

export class DashboardPanels implements vscode.Disposable {
  private readonly panels = new Map<string, Dashboard>();
  /** the panel the Runs tree's clicks reuse */
  private previewing: Dashboard | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunRegistry,
    private readonly feed: RunFeed,
    private readonly log: (message: string) => void,
    private readonly trace?: (message: string) => void,
  ) {}

  /**
   * Shows the dashboard of these runs, reusing an open one. A run without one takes over the preview
   * panel if there is one, as an editor opened in VS Code replaces the preview editor, and keeps it;
   * unless the preview is in the active editor's group: the dashboard opens beside the editor (the
   * config of Start Run), never over it.
   */
  open(runIds: string[], mode: Mode): void {
    this.trace?.(`dashboard of ${runIds.join(', ')} (${mode}) asked for at ${new Date().toISOString()}`);
    const existing = this.panels.get(keyOf(runIds, mode));
    const preview = this.previewing;
    if (existing) {
      if (existing === preview) this.previewing = undefined;
      existing.panel.reveal(undefined, true);
    } else if (preview && mode === 'single' && !coversActiveEditor(preview.panel)) {
      this.previewing = undefined;
      this.showIn(preview, runIds);
      preview.panel.reveal(undefined, true);
    } else {
      this.adopt(this.createPanel(runIds, mode), runIds, mode);
    }
  }

  /** Shows one run in the preview panel (a Runs tree click); a run with a dashboard of its own shows that. */
  preview(runId: string): void {
    this.trace?.(`dashboard of ${runId} (preview) asked for at ${new Date().toISOString()}`);
    const existing = this.panels.get(keyOf([runId], 'single'));
    if (existing) {
      existing.panel.reveal(undefined, true);
    } else if (this.previewing) {
      this.showIn(this.previewing, [runId]);
      this.previewing.panel.reveal(undefined, true);
    } else {
      this.previewing = this.adopt(this.createPanel([runId], 'single'), [runId], 'single');
    }
  }

  /** Shows other runs in an open dashboard, in its mode (its webview stays: no new panel to wait for). */
  private showIn(dashboard: Dashboard, runIds: string[]): void {
    this.panels.delete(dashboard.key);
    dashboard.key = keyOf(runIds, dashboard.mode);
    this.panels.set(dashboard.key, dashboard);
    dashboard.connection.setRuns(runIds);
    this.retitle(dashboard);
  }

  private createPanel(runIds: string[], mode: Mode): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      this.title(runIds, mode),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, enableFindWidget: true },
    );
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
    const dashboard = this.adopt(panel, [], wanted.mode);
    const waiting = this.runs.onDidChangeRuns(() => {
      const ids = find();
      if (!ids) return;
      waiting.dispose();
      this.showIn(dashboard, ids);
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

  /**
   * Titles the panel with its runs' names and start times, again whenever the registry changes: right
   * after a reload it may not know the runs yet, or only by folder name until their logs are read.
   */
  private retitle(dashboard: Dashboard): void {
    const runIds = dashboard.connection.runIds;
    // Until the registry knows them, a restored panel keeps the title VS Code restored.
    if (runIds.length === 0 || !runIds.every((id) => this.runs.get(id))) return;
    const title = this.title([...runIds], dashboard.mode);
    if (dashboard.panel.title !== title) dashboard.panel.title = title;
  }

  private adopt(panel: vscode.WebviewPanel, runIds: string[], mode: Mode): Dashboard {
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
    const dashboard: Dashboard = { panel, connection, mode, key: keyOf(runIds, mode) };
    this.panels.set(dashboard.key, dashboard);
    this.retitle(dashboard);
    const retitling = this.runs.onDidChangeRuns(() => this.retitle(dashboard));
    panel.onDidDispose(() => {
      connection.dispose();
      retitling.dispose();
      if (this.panels.get(dashboard.key) === dashboard) this.panels.delete(dashboard.key);
      if (this.previewing === dashboard) this.previewing = undefined;
    });
    return dashboard;
  }

  dispose(): void {
    for (const { panel } of [...this.panels.values()]) panel.dispose();
  }
}
