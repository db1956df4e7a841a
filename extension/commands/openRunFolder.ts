/** MoE Lens: Open Run Folder… — a run folder, a Megatron-LM output folder or a folder of runs, anywhere on disk. */
import * as vscode from 'vscode';
import type { Services } from './services';

export async function openRunFolder({ store }: Services, arg?: unknown): Promise<void> {
  const folder =
    arg instanceof vscode.Uri
      ? arg
      : (
          await vscode.window.showOpenDialog({
            canSelectFiles: false,
            canSelectFolders: true,
            canSelectMany: false,
            openLabel: 'Open Run Folder',
            title: 'MoE Lens: a run folder (events.jsonl), a Megatron-LM output folder, or a folder of runs',
          })
        )?.[0];
  if (!folder) return;
  const opened = await store.openFolder(folder);
  if (opened === undefined) {
    void vscode.window.showErrorMessage(
      `MoE Lens: ${folder.fsPath} is not a run: no events.jsonl, no Megatron-LM routing files ` +
        '(router_trace_rank*.jsonl, tokens_per_expert/rank*.jsonl), and no subfolder with them.',
    );
    return;
  }
  await vscode.commands.executeCommand('moeLens.runs.focus');
  if (opened.runId) store.select(opened.runId);
}
