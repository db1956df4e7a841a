/** MoE Lens: Start Run — config file, balancer, run folder, then the run manager's queue. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { balancerLabel, parseRunConfig, RunConfigError } from '../../protocol/runConfig';
import { refreshConfigDiagnostics } from '../config/configDiagnostics';
import { balancerChoices, prepareRunSource } from '../runs/prepareRun';
import { EXTENSION_RUN_FILES, freeFolderName, runFolderName, type RunOrigin } from '../runs/runFolders';
import type { Services } from './services';
import { pickOne } from './quickPick';
import { requireTrust } from './trust';

export async function startRun({ store, manager }: Services, arg?: unknown): Promise<void> {
  if (!requireTrust()) return;
  const runsDir = store.runsDir;
  if (!runsDir) {
    void vscode.window.showErrorMessage('MoE Lens: open a folder first; runs are written into it.');
    return;
  }
  const file = await chooseConfigFile(arg instanceof vscode.Uri ? arg : undefined, runsDir);
  if (!file) return;
  const document = await vscode.workspace.openTextDocument(file);
  const text = await savedText(document);
  if (text === undefined) return;
  try {
    const own = balancerLabel(parseRunConfig(text, file.fsPath).balancer.methods);
    const balancer = await pickBalancer(own, basename(file.fsPath));
    if (!balancer) return;
    const prepared = prepareRunSource(text, file.fsPath, balancer);
    const runId = freeFolderName(runsDir.fsPath, runFolderName(prepared.config.name, prepared.balancer, new Date()));
    const folder = vscode.Uri.joinPath(runsDir, runId);
    const source = join(folder.fsPath, EXTENSION_RUN_FILES.source);
    mkdirSync(folder.fsPath, { recursive: true });
    writeFileSync(source, JSON.stringify(prepared.source, null, 2) + '\n');
    const origin: RunOrigin = { configFile: file.fsPath };
    writeFileSync(join(folder.fsPath, EXTENSION_RUN_FILES.origin), JSON.stringify(origin, null, 2) + '\n');
    const name = prepared.config.name;
    store.addPlanned(
      runId,
      folder,
      { name, balancer: prepared.balancer, totalSteps: prepared.config.training.steps },
      file,
    );
    const configCopy: [string, string][] = [
      [source, vscode.workspace.asRelativePath(file, false)],
      [folder.fsPath, dirname(file.fsPath)],
    ];
    manager.enqueue({
      runId,
      folder,
      name,
      args: ['--config', source, '--out', folder.fsPath],
      resume: false,
      configCopy,
    });
    openDashboardOnStart(runId);
  } catch (error) {
    if (!(error instanceof RunConfigError)) throw error;
    refreshConfigDiagnostics(document);
    const shown = vscode.workspace.asRelativePath(file, false);
    const problems = error.problems.map((p) => `${shown}: ${p.path}: ${p.message}`).join('; ');
    void vscode.window.showErrorMessage(`MoE Lens: cannot start a run: ${problems}`);
  }
}

/** Beside the config (the active editor), unless the user turned it off (moeLens.openDashboardOnStart). */
export function openDashboardOnStart(runId: string): void {
  if (vscode.workspace.getConfiguration('moeLens').get<boolean>('openDashboardOnStart', true)) {
    void vscode.commands.executeCommand('moeLens.openDashboard', runId);
  }
}

/**
 * The config text to run: with unsaved changes, the user chooses to save them first or to run the
 * file as saved; undefined when they cancel.
 */
async function savedText(document: vscode.TextDocument): Promise<string | undefined> {
  if (!document.isDirty) return document.getText();
  const save = 'Save and Start';
  const asSaved = 'Start the Saved Version';
  const choice = await vscode.window.showWarningMessage(
    `${basename(document.uri.fsPath)} has unsaved changes.`,
    { modal: true, detail: 'Save them and start the run with them, or start the run from the file as it is on disk?' },
    save,
    asSaved,
  );
  if (choice === save) return (await document.save()) ? document.getText() : undefined;
  if (choice === asSaved) return new TextDecoder().decode(await vscode.workspace.fs.readFile(document.uri));
  return undefined;
}

/** The given file, else the active *.moe.json editor, else a pick among the workspace's configs. */
async function chooseConfigFile(given: vscode.Uri | undefined, runsDir: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (given) return given;
  const isRunCopy = (uri: vscode.Uri) => uri.fsPath.startsWith(runsDir.fsPath);
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.path.endsWith('.moe.json') && !isRunCopy(active)) return active;
  const runsGlob = vscode.workspace.asRelativePath(runsDir, false);
  const files = (await vscode.workspace.findFiles('**/*.moe.json', `{**/node_modules/**,${runsGlob}/**}`)).filter(
    (f) => !isRunCopy(f),
  );
  if (files.length === 0) {
    const create = await vscode.window.showInformationMessage(
      'MoE Lens: there is no *.moe.json run config in this workspace.',
      'New Run Config',
    );
    if (create) await vscode.commands.executeCommand('moeLens.newRunConfig');
    return undefined;
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const picked = await pickOne(
    files.map((uri) => ({
      label: basename(uri.fsPath),
      description: vscode.workspace.asRelativePath(uri, false),
      uri,
    })),
    { title: 'MoE Lens: Start Run', placeholder: 'Run config to train', step: 1, totalSteps: 2 },
  );
  return picked?.uri;
}

/** The balancer for this run, the config's own first (and active); the last step of Start Run. */
async function pickBalancer(own: string, configName: string): Promise<string | undefined> {
  const items = balancerChoices(own).map((label) => ({
    label,
    description: label === own ? 'from the config' : undefined,
  }));
  const picked = await pickOne(items, {
    title: `MoE Lens: Start Run · ${configName}`,
    placeholder: 'Balancer for this run (the rest of the config stays as it is)',
    step: 2,
    totalSteps: 2,
  });
  return picked?.label;
}
