/** CodeLens at the top of a *.moe.json: start a run, compare with its last run, the last run's figures. */
import * as vscode from 'vscode';
import { lastRunLensTitle } from '../runs/format';
import type { RunStore } from '../runs/runStore';
import type { RunInfo } from '../runs/types';

/** The newest run started from this config file (by its origin, else by run name for runs started elsewhere). */
export function lastRunOf(store: RunStore, document: vscode.TextDocument): RunInfo | undefined {
  const runs = store.list(); // newest first
  const fromFile = runs.find((run) => run.sourceConfig?.fsPath === document.uri.fsPath);
  if (fromFile) return fromFile;
  let name: unknown;
  try {
    name = (JSON.parse(document.getText()) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
  return typeof name === 'string' ? runs.find((run) => !run.sourceConfig && run.name === name) : undefined;
}

export class RunConfigCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly store: RunStore) {
    const trustGranted = vscode.workspace.onDidGrantWorkspaceTrust;
    // Runs changing, or trust being granted (the first lens changes from an explanation to "Start run").
    this.onDidChangeCodeLenses = (listener, thisArg, disposables) => {
      const subscriptions = [store.onDidChangeRuns(listener, thisArg), trustGranted(() => listener.call(thisArg))];
      const disposable = vscode.Disposable.from(...subscriptions);
      disposables?.push(disposable);
      return disposable;
    };
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const runsDir = this.store.runsDir;
    if (runsDir && document.uri.fsPath.startsWith(runsDir.fsPath)) return []; // a run's own copy
    const top = new vscode.Range(0, 0, 0, 0);
    const start: vscode.Command = vscode.workspace.isTrusted
      ? { title: '▶ Start run', command: 'moeLens.startRun', arguments: [document.uri] }
      : { title: 'Starting a run needs a trusted workspace', command: 'workbench.trust.manage' };
    const lenses = [new vscode.CodeLens(top, start)];
    const last = lastRunOf(this.store, document);
    if (last) {
      lenses.push(
        new vscode.CodeLens(top, { title: 'Compare with last run', command: 'moeLens.diffConfigWithRun', arguments: [document.uri, last.id] }),
        new vscode.CodeLens(top, { title: lastRunLensTitle(last), command: 'moeLens.openDashboard', arguments: [last.id] }),
      );
    }
    return lenses;
  }
}

export function registerRunConfigCodeLens(store: RunStore): vscode.Disposable {
  return vscode.languages.registerCodeLensProvider({ pattern: '**/*.moe.json' }, new RunConfigCodeLensProvider(store));
}
