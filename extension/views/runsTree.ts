/**
 * The Runs tree (view moeLens.runs): runs grouped by the config they were started from, the group of
 * the newest run first and the newest run first in each group; each run labelled with its start time
 * and short id so runs of one config can be told apart. A click shows the run in the preview
 * dashboard beside the editor without taking the focus, as the Explorer previews a file: one panel
 * reused from click to click (so a double-click shows the same; VS Code re-renders a training run's row
 * on every step, and a browser double-click needs both clicks on one element, so counting clicks would
 * miss). The row's Open Dashboard button gives the run a dashboard of its own.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { RunStatus } from '../../protocol/events';
import { escapeMarkdown, runDescription, runTooltipMarkdown } from '../runs/format';
import type { RunStore } from '../runs/runStore';
import type { RunInfo } from '../runs/types';
import { runStamp, runStart, shortRunId } from '../../protocol/runLabels';

/** What a click on a run does: show it in the preview dashboard (extension/webviews/dashboardPanels.ts). */
export const PREVIEW_DASHBOARD_COMMAND = 'moeLens.previewDashboard';

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
    // "14:03:12 #3fa2 · loss-free · 120/300 · running"
    const place = run.queuePosition ? ` (position ${run.queuePosition})` : '';
    this.description = `${runStamp(run)} · ${runDescription(run)}${place}`;
    const started = runStart(run);
    this.tooltip = new vscode.MarkdownString(
      [
        runTooltipMarkdown(run),
        `Started: ${started ? started.toLocaleString('en-GB') : 'not yet'}`,
        `Run: ${escapeMarkdown(run.id)} (${shortRunId(run.id)})`,
        'Click: show in the preview dashboard · Open Dashboard button: a dashboard of its own',
      ].join('  \n'),
    );
    this.iconPath = STATUS_ICONS[run.status];
    this.contextValue = `run.${run.status}`;
    this.command = { command: PREVIEW_DASHBOARD_COMMAND, title: 'Show Dashboard', arguments: [run.id] };
  }
}

/** The runs of one config file (or, for runs started outside VS Code, of one run name). */
export class ConfigGroupItem extends vscode.TreeItem {
  constructor(
    readonly key: string,
    label: string,
    readonly runs: RunInfo[],
  ) {
    super(label, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `config:${key}`;
    this.description = `${runs.length} run${runs.length === 1 ? '' : 's'}`;
    this.contextValue = 'configGroup';
    this.iconPath = new vscode.ThemeIcon('file-code');
    this.tooltip = key;
  }
}

type Item = ConfigGroupItem | RunTreeItem;

const TREE_REFRESH_MS = 1000;

/** Groups in order of their newest run; `runs` come newest first and keep that order in each group. */
export function groupRuns(runs: readonly RunInfo[]): { key: string; label: string; runs: RunInfo[] }[] {
  const groups = new Map<string, { key: string; label: string; runs: RunInfo[] }>();
  for (const run of runs) {
    const key = run.sourceConfig ? run.sourceConfig.fsPath : `name:${run.name}`;
    // Runs trained outside VS Code (a terminal, another trainer) are grouped by name.
    const label = run.sourceConfig ? basename(run.sourceConfig.fsPath) : `${run.name} (no config file)`;
    const group = groups.get(key) ?? { key, label, runs: [] };
    group.runs.push(run);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export class RunsTreeProvider implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly store: RunStore) {
    // A training run changes every step: at most one refresh a second (the first at once), so rows
    // are not re-rendered under the user's clicks several times a second.
    let timer: NodeJS.Timeout | undefined;
    let pending = false;
    const fire = () => {
      if (timer) {
        pending = true;
        return;
      }
      this.changeEmitter.fire();
      timer = setTimeout(() => {
        timer = undefined;
        if (pending) {
          pending = false;
          fire();
        }
      }, TREE_REFRESH_MS);
    };
    this.subscription = vscode.Disposable.from(store.onDidChangeRuns(fire), { dispose: () => clearTimeout(timer) });
  }

  getTreeItem(item: Item): Item {
    return item;
  }

  getChildren(parent?: Item): Item[] {
    if (parent instanceof ConfigGroupItem) return parent.runs.map((run) => new RunTreeItem(run));
    if (parent) return [];
    return groupRuns(this.store.list()).map((group) => new ConfigGroupItem(group.key, group.label, group.runs));
  }

  getParent(item: Item): Item | undefined {
    if (!(item instanceof RunTreeItem)) return undefined;
    const group = groupRuns(this.store.list()).find((g) => g.runs.some((run) => run.id === item.runId));
    return group && new ConfigGroupItem(group.key, group.label, group.runs);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}

/** Registers the view: multi-select for Compare, and the selection feeds the registry. */
export function registerRunsTree(store: RunStore): vscode.Disposable {
  const provider = new RunsTreeProvider(store);
  const view = vscode.window.createTreeView('moeLens.runs', {
    treeDataProvider: provider,
    canSelectMany: true,
    showCollapseAll: true,
  });
  const selection = view.onDidChangeSelection((e) => {
    const runs = e.selection.filter((item): item is RunTreeItem => item instanceof RunTreeItem);
    if (runs.length > 0) store.select(runs[runs.length - 1].runId);
  });
  return vscode.Disposable.from(provider, view, selection);
}
