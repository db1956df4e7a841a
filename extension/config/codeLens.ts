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

const LENS_REFRESH_MS = 1000;

export class RunConfigCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: RunStore) {
    // Runs changing, or trust being granted (the first lens changes from an explanation to "Start run").
    // At most one change a second: VS Code re-asks for the lenses only after a quiet spell.
    const changed = new vscode.EventEmitter<void>();
    let pending: NodeJS.Timeout | undefined;
    const schedule = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        changed.fire();
      }, LENS_REFRESH_MS);
    };
    this.disposables.push(
      changed,
      store.onDidChangeRuns(schedule),
      vscode.workspace.onDidGrantWorkspaceTrust(schedule),
      {
        dispose: () => clearTimeout(pending),
      },
    );
    this.onDidChangeCodeLenses = changed.event;
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
        new vscode.CodeLens(top, {
          title: 'Compare with last run',
          command: 'moeLens.diffConfigWithRun',
          arguments: [document.uri, last.id],
        }),
        new vscode.CodeLens(top, {
          title: lastRunLensTitle(last),
          command: 'moeLens.openDashboard',
          arguments: [last.id],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

export function registerRunConfigCodeLens(store: RunStore): vscode.Disposable {
  const provider = new RunConfigCodeLensProvider(store);
  return vscode.Disposable.from(
    provider,
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.moe.json' }, provider),
  );
}
