/**
 * The status bar item while a run trains: progress of the selected (or latest) training run. Its
 * command is one fixed id, registered once, that opens the dashboard of the run the item shows at the
 * moment of the click: a command with arguments would be re-registered by VS Code on every update
 * (every step), and clicks racing with that found no command.
 */
import * as vscode from 'vscode';
import { statusBarText } from '../runs/format';
import type { RunStore } from '../runs/runStore';
import type { RunInfo } from '../runs/types';
import { runStamp } from '../../protocol/runLabels';

export const OPEN_TRAINING_DASHBOARD = 'moeLens.openTrainingDashboard';

/** The training run the item shows: the selected one if it trains, else the newest training one. */
function shownRun(store: RunStore): { shown: RunInfo | undefined; running: number } {
  const running = store.list().filter((run) => run.status === 'running');
  return { shown: running.find((run) => run.id === store.selectedRunId) ?? running[0], running: running.length };
}

export function registerTrainingStatusBar(store: RunStore): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('moeLens.training', vscode.StatusBarAlignment.Left, 10);
  item.name = 'MoE Lens: training run';
  item.command = OPEN_TRAINING_DASHBOARD;
  const update = () => {
    const { shown, running } = shownRun(store);
    if (!shown) {
      item.hide();
      return;
    }
    item.text = statusBarText(shown);
    item.tooltip = `${running} run${running > 1 ? 's' : ''} training · click for the dashboard of ${shown.name} (${runStamp(shown)})`;
    item.show();
  };
  const open = vscode.commands.registerCommand(OPEN_TRAINING_DASHBOARD, () =>
    vscode.commands.executeCommand('moeLens.openDashboard', shownRun(store).shown?.id),
  );
  return vscode.Disposable.from(item, open, store.onDidChangeRuns(update), store.onDidChangeSelectedRun(update));
}
