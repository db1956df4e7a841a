/** Commands on existing runs: stop, resume, delete, log, reveal, refresh, compare configs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../../protocol/events';
import { runStamp } from '../../protocol/runLabels';
import { EXTENSION_RUN_FILES } from '../runs/runFolders';
import type { RunInfo } from '../runs/types';
import { openDashboardOnStart } from './startRun';
import { pickRun, runFromArg, runIdOf } from './runArgs';
import type { Services } from './services';
import { requireTrust } from './trust';

export async function stopRun({ store }: Services, arg?: unknown): Promise<void> {
  const run = await runFromArg(store, arg, 'Stop Run', ['running', 'queued']);
  if (run) await store.stop(run.id);
}

export async function resumeRun({ store, manager }: Services, arg?: unknown): Promise<void> {
  if (!requireTrust()) return;
  const run = await runFromArg(store, arg, 'Resume Run', ['stopped', 'interrupted', 'failed']);
  if (!run) return;
  if (!existsSync(join(run.folder.fsPath, RUN_FILES.checkpoint))) {
    void vscode.window.showErrorMessage(
      `MoE Lens: ${run.id} has no checkpoint to resume from (${RUN_FILES.checkpoint}/ is missing).`,
    );
    return;
  }
  manager.enqueue({
    runId: run.id,
    folder: run.folder,
    name: run.name,
    args: ['--resume', run.folder.fsPath],
    resume: true,
  });
  openDashboardOnStart(run.id);
}

export async function deleteRun({ store, manager }: Services, arg?: unknown): Promise<void> {
  const run = await runFromArg(store, arg, 'Delete Run', [
    'completed',
    'stopped',
    'failed',
    'diverged',
    'interrupted',
    'stale',
  ]);
  if (!run || manager.isBusy(run.id)) return;
  const confirm = await vscode.window.showWarningMessage(
    `Delete run "${run.name}" (${run.id})?`,
    { modal: true, detail: `Its folder, event log and checkpoint are deleted: ${run.folder.fsPath}` },
    'Delete',
  );
  if (confirm !== 'Delete') return;
  await vscode.workspace.fs.delete(run.folder, { recursive: true, useTrash: false });
  store.forget(run.id);
  await store.refresh();
}

export async function showTrainerLog({ store, log }: Services, arg?: unknown): Promise<void> {
  const id = runIdOf(arg);
  const run = id ? store.get(id) : await pickRun(store, 'Show Trainer Log');
  const file = run && join(run.folder.fsPath, RUN_FILES.log);
  if (file && existsSync(file)) {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
  } else {
    log.show(true);
  }
}

export async function revealRun({ store }: Services, arg?: unknown): Promise<void> {
  const run = await runFromArg(store, arg, 'Reveal in Explorer');
  if (run) await vscode.commands.executeCommand('revealInExplorer', run.folder);
}

/** The resolved config of a run (the trainer's config.json), or what it was started with. */
export function runConfigFile(run: RunInfo): vscode.Uri {
  const resolved = vscode.Uri.joinPath(run.folder, RUN_FILES.config);
  return existsSync(resolved.fsPath) ? resolved : vscode.Uri.joinPath(run.folder, EXTENSION_RUN_FILES.source);
}

/** Two runs: the two selected in the tree, else the clicked one and a pick, else two picks. */
export async function compareRunConfigs({ store }: Services, clicked?: unknown, selected?: unknown[]): Promise<void> {
  const ids = (selected && selected.length >= 2 ? selected : [clicked]).map(runIdOf).filter((id): id is string => !!id);
  let [left, right] = ids.slice(0, 2).map((id) => store.get(id));
  left ??= await pickRun(store, 'Compare Run Configs', undefined, undefined, {
    step: 1,
    totalSteps: 2,
    placeholder: 'Left side of the diff: the first run',
  });
  if (!left) return;
  right ??= await pickRun(store, 'Compare Run Configs', undefined, left.id, {
    step: 2,
    totalSteps: 2,
    placeholder: `Right side of the diff, against ${left.name} (${runStamp(left)}) on the left`,
  });
  if (!right) return;
  await vscode.commands.executeCommand(
    'vscode.diff',
    runConfigFile(left),
    runConfigFile(right),
    `${left.id} ↔ ${right.id}`,
  );
}

/** CodeLens "Compare with last run": the run's resolved config against the config file. */
export async function diffConfigWithRun({ store }: Services, configFile: vscode.Uri, runId: string): Promise<void> {
  const run = store.get(runId);
  if (!run) return;
  const title = `${run.id} ↔ ${vscode.workspace.asRelativePath(configFile, false)}`;
  await vscode.commands.executeCommand('vscode.diff', runConfigFile(run), configFile, title);
}
