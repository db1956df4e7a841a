/** The status bar item while a run trains: progress of the selected (or latest) training run. */
import * as vscode from 'vscode';
import { statusBarText } from '../runs/format';
import type { RunStore } from '../runs/runStore';

export function registerTrainingStatusBar(store: RunStore): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('moeLens.training', vscode.StatusBarAlignment.Left, 10);
  item.name = 'MoE Lens: training run';
  const update = () => {
    const running = store.list().filter((run) => run.status === 'running');
    const shown = running.find((run) => run.id === store.selectedRunId) ?? running[0];
    if (!shown) {
      item.hide();
      return;
    }
    item.text = statusBarText(shown);
    item.tooltip = `${running.length} run${running.length > 1 ? 's' : ''} training · click for the dashboard of ${shown.id}`;
    item.command = { command: 'moeLens.openDashboard', title: 'Open Dashboard', arguments: [shown.id] };
    item.show();
  };
  return vscode.Disposable.from(item, store.onDidChangeRuns(update), store.onDidChangeSelectedRun(update));
}
