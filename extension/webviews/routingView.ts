/**
 * The Routing side panel (webview view moeLens.routing): shows the run selected in the Runs tree, else
 * a running one, else the latest; follows the selection and newly started runs.
 */
import * as vscode from 'vscode';
import type { RunInfo, RunRegistry } from '../runs/types';
import { WebviewConnection } from './connection';
import { loadBundle } from './page';
import type { RunFeed } from './runFeed';

export const ROUTING_VIEW_ID = 'moeLens.routing';

/** The run the side panel shows. */
export function routingRun(runs: readonly RunInfo[], selectedRunId: string | undefined): RunInfo | undefined {
  return runs.find((r) => r.id === selectedRunId) ?? runs.find((r) => r.status === 'running') ?? runs[0];
}

export class RoutingViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private connection: WebviewConnection | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunRegistry,
    private readonly feed: RunFeed,
    private readonly log: (message: string) => void,
  ) {
    const follow = () => this.follow();
    this.disposables.push(runs.onDidChangeSelectedRun(follow), runs.onDidChangeRuns(follow));
  }

  private shown(): { runIds: string[]; emptyMessage?: string } {
    const run = routingRun(this.runs.list(), this.runs.selectedRunId);
    return run
      ? { runIds: [run.id] }
      : { runIds: [], emptyMessage: 'No runs yet. Start one with “MoE Lens: Start Run” on a *.moe.json config.' };
  }

  private follow(): void {
    if (!this.connection) return;
    const { runIds, emptyMessage } = this.shown();
    if (runIds.join() !== this.connection.runIds.join()) this.connection.setRuns(runIds, emptyMessage);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    loadBundle(view.webview, this.extensionUri, 'routing', 'MoE Lens routing');
    this.connection?.dispose();
    const { runIds, emptyMessage } = this.shown();
    const connection = new WebviewConnection({
      webview: view.webview,
      runs: this.runs,
      feed: this.feed,
      mode: 'routing',
      runIds,
      emptyMessage,
      isVisible: () => view.visible,
      onDidChangeVisibility: view.onDidChangeVisibility,
      log: this.log,
      onMessage: (message) => {
        if (message.type === 'openDashboard')
          void vscode.commands.executeCommand('moeLens.openDashboard', message.runId);
        if (message.type === 'stop') void this.runs.stop(message.runId);
      },
    });
    this.connection = connection;
    view.onDidDispose(() => {
      connection.dispose();
      if (this.connection === connection) this.connection = undefined;
    });
  }

  dispose(): void {
    this.connection?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
