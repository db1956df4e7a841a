/** MoE Lens: wires the run registry, run manager, views and commands together. */
import * as vscode from 'vscode';
import { registerRunConfigCodeLens } from './config/codeLens';
import { registerConfigDiagnostics } from './config/configDiagnostics';
import { installGpuBackend } from './commands/installGpuBackend';
import { newRunConfig } from './commands/newRunConfig';
import { openRunFolder } from './commands/openRunFolder';
import { reproducePaper } from './commands/reproducePaper';
import {
  compareRunConfigs,
  deleteRun,
  diffConfigWithRun,
  resumeRun,
  revealRun,
  showTrainerLog,
  stopRun,
} from './commands/runCommands';
import type { Services } from './commands/services';
import { startRun } from './commands/startRun';
import { RunManager } from './runs/runManager';
import { RunStore } from './runs/runStore';
import { registerRunsTree } from './views/runsTree';
import { registerTrainingStatusBar } from './views/statusBar';
import { registerWebviews } from './webviews';

let manager: RunManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('MoE Lens', { log: true });
  const store = new RunStore(log, context.workspaceState);
  manager = new RunManager(context, store, log);
  const services: Services = { context, store, manager, log };
  const command = (id: string, run: (services: Services, ...args: never[]) => unknown) =>
    vscode.commands.registerCommand(id, (...args: never[]) => run(services, ...args));

  context.subscriptions.push(
    log,
    store,
    registerRunsTree(store),
    registerTrainingStatusBar(store),
    registerRunConfigCodeLens(store),
    registerConfigDiagnostics(),
    command('moeLens.startRun', startRun),
    command('moeLens.stopRun', stopRun),
    command('moeLens.resumeRun', resumeRun),
    command('moeLens.deleteRun', deleteRun),
    command('moeLens.showTrainerLog', showTrainerLog),
    command('moeLens.revealRun', revealRun),
    command('moeLens.compareRunConfigs', compareRunConfigs),
    command('moeLens.diffConfigWithRun', diffConfigWithRun),
    command('moeLens.newRunConfig', newRunConfig),
    command('moeLens.openRunFolder', openRunFolder),
    command('moeLens.installGpuBackend', installGpuBackend),
    command('moeLens.reproducePaper', reproducePaper),
    vscode.commands.registerCommand('moeLens.refreshRuns', () => store.refresh()),
  );
  // The dashboard panels, the Routing view, Open Dashboard and Compare Run Curves.
  registerWebviews(context, store);
}

/** Window closing: every run is stopped as Stop does, so no trainer outlives the window. */
export function deactivate(): Promise<void> | undefined {
  return manager?.stopAll();
}
