/**
 * Saves what a dashboard exports (a chart as PNG, a card's data as CSV) where the user chooses in a
 * save dialog. The message was validated by parseWebviewMessage (kind, a plain file name, a PNG data
 * URL or CSV text of bounded size); nothing is written without the dialog.
 */
import * as vscode from 'vscode';
import type { ExportFileMessage } from '../../protocol/webviewMessages';

const FILTERS: Record<ExportFileMessage['kind'], Record<string, string[]>> = {
  png: { 'PNG image': ['png'] },
  csv: { 'CSV table': ['csv'] },
};

export function exportBytes(message: ExportFileMessage): Uint8Array {
  if (message.kind === 'csv') return new TextEncoder().encode(message.data);
  return Buffer.from(message.data.slice(message.data.indexOf(',') + 1), 'base64');
}

export async function saveExport(
  message: ExportFileMessage,
  log: (text: string) => void,
): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: `MoE Lens: save ${message.fileName}`,
    defaultUri: folder ? vscode.Uri.joinPath(folder, message.fileName) : undefined,
    filters: FILTERS[message.kind],
    saveLabel: 'Save',
  });
  if (!target) return undefined;
  try {
    await vscode.workspace.fs.writeFile(target, exportBytes(message));
  } catch (error) {
    log(`exporting ${message.fileName} failed: ${(error as Error).message}`);
    void vscode.window.showErrorMessage(`MoE Lens: could not save ${target.fsPath}: ${(error as Error).message}`);
    return undefined;
  }
  const open = await vscode.window.showInformationMessage(
    `MoE Lens: saved ${vscode.workspace.asRelativePath(target, false)}`,
    'Open',
  );
  if (open) await vscode.commands.executeCommand('vscode.open', target);
  return target;
}
