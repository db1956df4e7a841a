/** The Runs tree (view moeLens.runs): one item per run, newest first. */
import * as vscode from 'vscode';
import type { RunStatus } from '../../protocol/events';
import { runDescription, runTooltipMarkdown } from '../runs/format';
import type { RunStore } from '../runs/runStore';
import type { RunInfo } from '../runs/types';

const STATUS_ICONS: Record<RunStatus, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('loading~spin'),
  queued: new vscode.ThemeIcon('clock'),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop'),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  diverged: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  interrupted: new vscode.ThemeIcon('debug-disconnect'),
  stale: new vscode.ThemeIcon('watch'),
};

/** A tree item that carries its run: commands receive it as their argument. */
export class RunTreeItem extends vscode.TreeItem {
  readonly runId: string;

  constructor(readonly run: RunInfo) {
    super(run.name, vscode.TreeItemCollapsibleState.None);
    this.runId = run.id;
    this.id = run.id;
    this.description = runDescription(run);
    this.tooltip = new vscode.MarkdownString(runTooltipMarkdown(run));
    this.iconPath = STATUS_ICONS[run.status];
    this.contextValue = `run.${run.status}`;
  }
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunTreeItem>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly store: RunStore) {
    this.subscription = store.onDidChangeRuns(() => this.changeEmitter.fire());
  }

  getTreeItem(item: RunTreeItem): RunTreeItem {
    return item;
  }

  getChildren(parent?: RunTreeItem): RunTreeItem[] {
    return parent ? [] : this.store.list().map((run) => new RunTreeItem(run));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}

/** Registers the view: multi-select for Compare, and the selection feeds the registry. */
export function registerRunsTree(store: RunStore): vscode.Disposable {
  const provider = new RunsTreeProvider(store);
  const view = vscode.window.createTreeView('moeLens.runs', { treeDataProvider: provider, canSelectMany: true, showCollapseAll: false });
  const selection = view.onDidChangeSelection((e) => {
    if (e.selection.length > 0) store.select(e.selection[e.selection.length - 1].runId);
  });
  return vscode.Disposable.from(provider, view, selection);
}
