/**
 * The webviews of MoE Lens, registered by the extension's activate(): the run dashboard panels (with
 * their serializer, so they survive a window reload), the Routing side panel, and the commands
 * "Open Dashboard" and "Compare Run Curves".
 */
import * as vscode from 'vscode';
import { runDescription } from '../runs/format';
import type { RunInfo, RunRegistry } from '../runs/types';
import { runIdOf } from '../commands/runArgs';
import { DASHBOARD_VIEW_TYPE, DashboardPanels } from './dashboardPanels';
import { ROUTING_VIEW_ID, RoutingViewProvider } from './routingView';
import { RunFeed } from './runFeed';
import { PREVIEW_DASHBOARD_COMMAND } from '../views/runsTree';

const runItem = (run: RunInfo) => ({ label: run.name, description: runDescription(run), detail: run.id, run });

async function pickRuns(runs: RunRegistry, title: string, many: boolean): Promise<string[]> {
  const all = runs.list();
  if (all.length === 0) {
    void vscode.window.showInformationMessage('MoE Lens: there are no runs yet. Start one with “MoE Lens: Start Run”.');
    return [];
  }
  const options = {
    title: `MoE Lens: ${title}`,
    placeHolder: many ? 'Pick two or more runs' : 'Pick a run',
    matchOnDescription: true,
  };
  if (!many) {
    const picked = await vscode.window.showQuickPick(all.map(runItem), options);
    return picked ? [picked.run.id] : [];
  }
  const picked = await vscode.window.showQuickPick(all.map(runItem), { ...options, canPickMany: true });
  return (picked ?? []).map((p) => p.run.id);
}

export function registerWebviews(context: vscode.ExtensionContext, runs: RunRegistry): void {
  const output = vscode.window.createOutputChannel('MoE Lens Webviews', { log: true });
  const log = (message: string) => output.warn(message);
  const trace = (message: string) => output.info(message);
  const feed = new RunFeed(runs);
  const panels = new DashboardPanels(context.extensionUri, runs, feed, log, trace);
  const routing = new RoutingViewProvider(context.extensionUri, runs, feed, log);

  const openDashboard = async (arg?: unknown) => {
    const id = runIdOf(arg);
    const runIds = id && runs.get(id) ? [id] : await pickRuns(runs, 'Open Dashboard', false);
    if (runIds.length) panels.open(runIds, 'single');
  };

  /** A Runs tree click: the run in the reused preview dashboard (an internal command, not in the palette). */
  const previewDashboard = (arg?: unknown) => {
    const id = runIdOf(arg);
    if (id && runs.get(id)) panels.preview(id);
  };

  /** Tree multi-select passes (clicked, selected[]); the palette passes nothing. */
  const compareRuns = async (clicked?: unknown, selected?: unknown[]) => {
    const fromTree = (selected && selected.length > 0 ? selected : [clicked])
      .map(runIdOf)
      .filter((id): id is string => !!id && !!runs.get(id));
    const runIds = fromTree.length >= 2 ? fromTree : await pickRuns(runs, 'Compare Run Curves', true);
    if (runIds.length === 1) panels.open(runIds, 'single');
    else if (runIds.length > 1) panels.open([...new Set(runIds)], 'compare');
  };

  context.subscriptions.push(
    output,
    feed,
    panels,
    routing,
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => panels.revive(panel, state),
    }),
    vscode.window.registerWebviewViewProvider(ROUTING_VIEW_ID, routing),
    vscode.commands.registerCommand('moeLens.openDashboard', openDashboard),
    vscode.commands.registerCommand(PREVIEW_DASHBOARD_COMMAND, previewDashboard),
    vscode.commands.registerCommand('moeLens.compareRuns', compareRuns),
  );
}
